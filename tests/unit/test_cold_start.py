"""A cold start imports what it uses (bench row 3): the HTTP handlers load one Powertools resolver and
one event shape, and every name the full packages export still resolves when someone asks for it.
Every function template.yaml declares is loaded as Lambda loads it: a new one is checked without
being listed here, and one whose handler module forgets to end the start-up pause fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import derived_stack

ROOT = Path(__file__).resolve().parents[2]


def _handlers() -> dict[str, str]:
    """Every function of template.yaml: its handler's module -> its logical id."""
    return {f.handler.rpartition(".")[0]: lid for lid, f in derived_stack().functions.items()}


HANDLERS = _handlers()
HTTP = {module for module, lid in HANDLERS.items() if any(r.function == lid for r in derived_stack().routes)}

PROBE = """
import importlib, json, sys
for module in sys.argv[1:]:
    importlib.import_module(module)
loaded = sorted(m for m in sys.modules if m.startswith("aws_lambda_powertools."))
from aws_lambda_powertools.event_handler import AppSyncResolver, APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.data_classes import S3Event, SQSEvent, APIGatewayProxyEventV2
print(json.dumps({"loaded": loaded, "late": [AppSyncResolver.__module__, S3Event.__module__,
                                             APIGatewayHttpResolver.__name__, Response.__name__]}))
"""


def test_handlers_skip_the_sibling_resolvers_and_event_shapes_and_names_still_resolve():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    env.update({"PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}", "POWERTOOLS_TRACE_DISABLED": "1"})
    out = subprocess.run([sys.executable, "-c", PROBE, *sorted(HTTP)], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT)
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


# ---------------------------------------------------------------- each handler as Lambda loads it

def test_the_template_s_functions_are_the_handlers_checked_here():
    assert {"status.app", "upload_presign.app", "review.app", "notify.api"} <= HTTP
    assert {"process_image.app", "notify.app", "notify.events", "precheck.app"} <= set(HANDLERS) - HTTP

LOAD = """
import gc, importlib, json, sys
importlib.import_module(sys.argv[1])
from aws_xray_sdk.core import patcher
state = {"modules": sorted(sys.modules), "gc": gc.isenabled(), "frozen": gc.get_freeze_count(),
         "patched": sorted(patcher._PATCHED_MODULES)}
gc.unfreeze()
print(json.dumps({**state, "garbage": gc.collect()}))  # what the freeze kept that nothing refers to
"""


def _lambda_env(logical_id: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_"))}
    env.update(derived_stack().functions[logical_id].environment)
    env.update({"PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}", "AWS_LAMBDA_FUNCTION_NAME": logical_id,
                "LAMBDA_TASK_ROOT": str(ROOT / "functions"), "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
                "AWS_DEFAULT_REGION": "cn-north-1", "WEB_URL": "https://web.invalid"})
    return env


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_loads_botocore_alone_traces_botocore_only_and_collects_garbage_once_loaded(module):
    out = subprocess.run([sys.executable, "-c", LOAD, module], env=_lambda_env(HANDLERS[module]),
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    modules = set(got["modules"])
    assert "botocore.client" in modules
    assert not modules & {"boto3", "s3transfer", "sqlite3"}  # boto3's extras; X-Ray's patch_all targets
    assert got["patched"] == ["botocore"]
    assert got["gc"] is True and got["frozen"] > 10_000  # paused while loading, on again, the load frozen
    assert got["garbage"] < 2_000  # frozen without a collection: little start-up garbage kept for good
    contract = {m for m in modules if m.startswith("core.contract.")}
    if module in HTTP:
        assert "asyncio" not in modules  # wrapt 2.x would import it for X-Ray's wrappers
        assert contract <= {"core.contract.base", "core.contract.status"}  # a route's models load when it answers
    assert ("PIL" in modules) == (module in ("process_image.app", "precheck.app"))
    # The OCR (its layer) loads in the precheck function alone, and there on its first picture: never at import
    assert not modules & {"onnxruntime", "cv2", "rapidocr"}


def test_outside_lambda_the_collector_is_left_alone():
    env = {k: v for k, v in _lambda_env("StatusFunction").items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    code = "import gc, core; from core import coldstart; print(gc.isenabled()); coldstart.done(); print(gc.get_freeze_count())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "0"]
