"""A cold start imports what it uses (bench row 3): the HTTP handlers load one Powertools resolver and
one event shape, and every name the full packages export still resolves when someone asks for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import status.app, review.app, upload_presign.app
loaded = sorted(m for m in sys.modules if m.startswith("aws_lambda_powertools."))
from aws_lambda_powertools.event_handler import AppSyncResolver, APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.data_classes import S3Event, SQSEvent, APIGatewayProxyEventV2
print(json.dumps({"loaded": loaded, "late": [AppSyncResolver.__module__, S3Event.__module__,
                                             APIGatewayHttpResolver.__name__, Response.__name__]}))
"""


def test_handlers_skip_the_sibling_resolvers_and_event_shapes_and_names_still_resolve():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    env.update({"PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}", "POWERTOOLS_TRACE_DISABLED": "1"})
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    loaded = set(result["loaded"])
    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    assert not {m for m in loaded if m.split(".")[2:3] in (["appsync"], ["bedrock_agent"], ["vpc_lattice"])}
    shapes = {m for m in loaded if m.startswith("aws_lambda_powertools.utilities.data_classes.")}
    assert "aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event" in shapes
    assert "aws_lambda_powertools.utilities.data_classes.kinesis_stream_event" not in shapes and len(shapes) < 20
    assert result["late"] == ["aws_lambda_powertools.event_handler.appsync",
                              "aws_lambda_powertools.utilities.data_classes.s3_event", "APIGatewayHttpResolver",
                              "Response"]
