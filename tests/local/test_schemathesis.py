"""Schemathesis against the running `make run` stack: every operation of its `/openapi.json`, as a
candidate, a site reviewer and the exam office, each response checked against the document (status,
content type, headers, body schema), never a 5xx, schema-invalid requests refused, schema-valid ones
accepted (the document states the domain's own rules: patterns, lists, the fields one decision needs),
and every refusal the contract's error body with a code the document lists for that status.

`make test` runs a small budget with a fixed seed (repeatable in CI); `make fuzz-api` the same test
with more examples per operation (API_FUZZ_EXAMPLES) and a new seed each run (API_FUZZ_SEED, printed)."""

from __future__ import annotations

import json
import os
import re
import zlib

import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from core.errors import ERRORS
from tests.flow import REQUIRED
from tests.local.test_journeys import Session, register, upload_required
from tools.openapi import DOCUMENT

pytestmark = pytest.mark.localstack

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))  # fuzzing-phase examples per operation and role
SEED = int(os.environ.get("API_FUZZ_SEED", "20260101"))
# Every role's token carries site 1101 / region 11 (the exam office's scope ignores them).
ROLES = {
    "candidate": {"sub": "fuzz-cand", "groups": ["candidate"], "site": "1101", "region": "11"},
    "site_reviewer": {"sub": "fuzz-site", "groups": ["site_reviewer"], "site": "1101", "region": "11"},
    "exam_office": {"sub": "fuzz-office", "groups": ["exam_office"], "site": "1101", "region": "11"},
}
DOCUMENTED = json.loads(DOCUMENT.read_text(encoding="utf-8"))
# What a valid path parameter looks like, per name (the document's patterns; none: any text, e.g. a
# watermark reference as a person types it, where what cannot be one is simply not found).
# (path, parameter) -> its pattern: one name (e.g. "id") means different things on different paths
PATTERNS = {(path, p["name"]): re.compile(p["schema"].get("pattern", ".*")) for path, ops in DOCUMENTED["paths"].items()
            for op in ops.values() for p in op.get("parameters", []) if p["in"] == "path"}
# The exam office's season settings reach every later registration and reservation on this shared stack:
# a valid exam year or catalogue scope is pointed at ones of the fuzzing's own (`sandbox`, `_aim`), so a
# generated window or material never closes or changes another test's applications.
FUZZ_YEAR, FUZZ_REGION, FUZZ_SITE = 2099, "98", "9801"

# The committed document, which tests/unit/test_openapi.py proves is what the handlers generate and
# test_the_stack_serves_the_committed_document below that the stack serves. Loaded at import, so each
# operation is its own pytest item (schemathesis' fixture-loaded schemas do not run on pytest 9.2).
schema = schemathesis.openapi.from_path(DOCUMENT, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large", "large_base_example"],
    # The token is each role's, sent with every call: no Authorization of schemathesis' own making
    # (the authorizer's 401 is tested in test_stack_smoke.py).
    "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none", "mode": "all",
                   "with-security-parameters": False},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},
    # A declared size over 200 KB is refused as too large (413 FILE_TOO_LARGE, the contract's), not as malformed.
    "checks": {"negative_data_rejection": {"expected-statuses": [
        "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]}},
}))


@pytest.fixture(scope="module")
def sandbox(local_stack) -> None:
    """A region and site of the fuzzing's own in the requirement catalogue (published as its next version, as
    an operator publishes new sites: deploy/catalogue.py), where the generated materials go."""
    from deploy import catalogue

    office = Session(local_stack, "fuzz-office-setup", ["exam_office"])
    now = office.call("GET", "/catalogue").json()
    if FUZZ_REGION in now["regions"]:
        return  # a reused stack
    data = {k: now[k] for k in ("categories", "householdRegions", "materialTypes", "national", "regions", "sites")}
    data["regions"][FUZZ_REGION] = {"name": "接口模糊测试考区", "materials": {}}
    data["sites"][FUZZ_SITE] = {"name": "接口模糊测试考点", "region": FUZZ_REGION, "materials": {}}
    catalogue.publish(local_stack.client("dynamodb"), local_stack.name("AppTable"), data, "fuzz-setup")


@pytest.fixture(scope="module")
def targets(local_stack, sandbox) -> dict[str, tuple[str, ...]]:
    """Real values for the path parameters, all of the fuzzing candidate's: an application in 填报 with
    one reserved place, and one complete and waiting in site 1101's queue (processed images with their
    watermark references). A share of the generated values is pointed at them (`_aim`), so requests
    get past "not found" into the use cases; other tests' applications are never the target."""
    claims = ROLES["candidate"]
    candidate = Session(local_stack, claims["sub"], claims["groups"])
    office = Session(local_stack, "fuzz-office-setup", ["exam_office"])
    draft, ready = register(local_stack, claims["sub"]), register(local_stack, claims["sub"])
    reserved = candidate.call("POST", f"/applications/{draft}/materials/id_card/images", {"contentType": "image/jpeg"})
    assert reserved.status_code == 201, reserved.text
    uploaded = upload_required(candidate, ready)
    images = [i for m in office.call("GET", f"/review/applications/{ready}").json()["materials"] for i in m["images"]]
    years = candidate.call("GET", "/categories").json()["examYears"]
    return {"id": (draft, ready), "type": tuple(REQUIRED["11"]), "imageId": (reserved.json()["imageId"], *uploaded),
            "reference": tuple(i["reference"] for i in images if i.get("reference")), "examYears": years}


def test_the_stack_serves_the_committed_document(local_stack):
    served = requests.get(f"{local_stack.url}/openapi.json", timeout=10).json()
    assert served.pop("servers") == [{"url": local_stack.url}]
    assert served == DOCUMENTED


@pytest.fixture(scope="module")
def tokens(local_stack) -> dict[str, dict]:
    return {role: local_stack.auth(c["sub"], c["groups"], c["site"], c["region"]) for role, c in ROLES.items()}


def contract_refusal(ctx, response, case) -> None:
    """A refusal from a function (any 4xx but the authorizer's 401 and the throttle's 429, API Gateway's
    own answers) is {"error": {code, message, messageZh}}, its code one the document lists for that
    status, its Chinese as specific as its English."""
    status = response.status_code
    if status == 429 and "error" not in response.json():  # the route's throttle (the gateway's token bucket)
        assert response.json() == {"message": "Too Many Requests"}, response.text
        return None
    if status < 400 or status == 401:
        return None
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "messageZh"}, body
    error = body["error"]
    assert ERRORS[error["code"]].status == status, body
    if case.method.upper() == case.operation.method.upper():  # not a probe with another method (405)
        documented = case.operation.definition.raw["responses"][str(status)]["content"]["application/json"]
        assert error["code"] in documented["examples"], f"{error['code']} is not documented for {status}"
    generic = ERRORS[error["code"]]
    if error["message"] != generic.message:
        assert error["messageZh"] != generic.message_zh, f"messageZh is generic where message is specific: {body}"
    return None


def positive_data_accepted(ctx, response, case) -> bool | None:
    """schemathesis' positive_data_acceptance, but for a verification code: only the SMS hands one out,
    so a schema-valid code (6 digits) is still the wrong one (400 INVALID_CODE), as a made-up cursor is
    refused as not issued."""
    if case.operation.path == "/me/contact/verify" and response.status_code == 400 \
            and response.json().get("error", {}).get("code") == "INVALID_CODE":
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, unsupported_method, allow_header_conformance,
          contract_refusal, positive_data_accepted]


def _issued(case, years: list[int]) -> None:
    """What only the server hands out, in a schema-valid (positive) case: a cursor is one a list returned
    (nextCursor; made up, it is refused as not issued, whatever its shape), and a subscription's exam year
    one of GET /categories' examYears (this year in China and the next two: no fixed range can say it).
    A positive case stays positive."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if case.query and "cursor" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    year = case.body.get("examYear") if case.operation.path == "/subscriptions" and isinstance(case.body, dict) else None
    if isinstance(year, int | float) and not isinstance(year, bool):  # 2035.0 is an integer too
        case.body = {**case.body, "examYear": years[int(year) % len(years)]}


def _aim(case, targets: dict[str, tuple[str, ...]]) -> None:
    """Point about half of the valid path parameters at real values (chosen by the generated value,
    so a seeded run repeats). A valid value replaced by a valid one: the case stays as positive or
    negative as it was generated, so the checks judge it right."""
    params = case.path_parameters or {}
    for name, value in params.items():
        if name == "examYear" and not isinstance(value, bool) and re.fullmatch(r"\d{4}", str(value)) \
                and 2000 <= int(value) <= 2100:
            params[name] = type(value)(FUZZ_YEAR)
            continue
        if name == "scope" and isinstance(value, str) and PATTERNS[(case.operation.path, name)].match(value):
            params[name] = f"site-{FUZZ_SITE}" if value.startswith("site-") else f"region-{FUZZ_REGION}"
            continue
        pattern = PATTERNS[(case.operation.path, name)]
        real = [r for r in targets.get(name, ()) if pattern.match(r)]
        if real and isinstance(value, str) and pattern.match(value):
            pick = zlib.crc32(value.encode()) % (2 * len(real))
            if pick < len(real):
                params[name] = real[pick]


@pytest.mark.parametrize("role", list(ROLES))
@schema.parametrize()
def test_every_operation_as_each_role(case, role, tokens, targets, local_stack):
    _aim(case, targets)
    _issued(case, targets["examYears"])
    case.call_and_validate(base_url=local_stack.url, headers=tokens[role], checks=CHECKS, timeout=30)
