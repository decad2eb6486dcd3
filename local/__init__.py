"""The local stack behind `make run`: moto's server as the embedded AWS, resources built from
template.yaml, an API Gateway (HTTP API, JWT authorizer) stand-in and an SQS event-source worker
that call the real handlers in-process. No Docker, no special code paths in functions/."""
