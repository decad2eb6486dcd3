"""Each function's Powertools logger, tracer and metrics, made one way."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

# Every AWS call goes through botocore and nothing else here speaks HTTP: X-Ray's patch_all would also
# import and patch sqlite3, httplib, requests, ... at every cold start, for no subsegment we could use.
TRACED_MODULES = ("botocore",)


def telemetry() -> tuple[Logger, Tracer, Metrics]:
    return Logger(), Tracer(patch_modules=TRACED_MODULES), Metrics()
