"""The domain the functions share: rules, catalogue, errors, and the only DynamoDB and S3 code."""

import logging
import warnings

from core import (
    coldstart,  # noqa: F401  (first: no garbage collection while a Lambda function loads)
    lean_imports,  # noqa: F401  (the event handler's package loads lean)
)

# A request that publishes no metric (most reads) is normal, not something to warn about on every call.
warnings.filterwarnings("ignore", message="No application metrics to publish")

# Libraries' debug lines print whole requests (validated bodies, DynamoDB items, presigned URLs):
# candidates' names, identity numbers and phone numbers, and signatures. Even with the function's log
# level turned to DEBUG they stay out of the logs; our own logger (Powertools) says what happened.
for _library in ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities", "botocore", "boto3",
                 "urllib3", "s3transfer"):
    logging.getLogger(_library).setLevel(logging.INFO)
