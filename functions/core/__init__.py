"""The domain the four functions share: rules, catalogue, errors, and the only DynamoDB and S3 code."""
