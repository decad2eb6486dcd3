"""The domain the functions share: rules, catalogue, errors, and the only DynamoDB and S3 code."""

import warnings

# A request that publishes no metric (most reads) is normal, not something to warn about on every call.
warnings.filterwarnings("ignore", message="No application metrics to publish")
