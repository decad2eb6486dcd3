"""The OpenAPI document tells the truth: it is what the handlers generate, committed, and every
route documents its success and every error it can answer with the contract's error body."""

from __future__ import annotations

import json

import pytest

from core.errors import ERRORS
from tools.openapi import DOCUMENT, build, render


@pytest.fixture(scope="module")
def doc() -> dict:
    return build()


def operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", op


def test_committed_document_is_what_the_handlers_generate(doc):
    assert DOCUMENT.read_text(encoding="utf-8") == render(doc), "run: python -m tools.openapi --write"


def test_every_route_documents_a_success_and_its_errors_with_the_error_schema(doc):
    ops = dict(operations(doc))
    assert len(ops) == 38
    for name, op in ops.items():
        statuses = {int(s) for s in op["responses"]}
        assert statuses & {200, 201, 202, 204}, name
        assert {400, 401, 403, 429} <= statuses and 422 not in statuses, name
        for status, response in op["responses"].items():
            if int(status) >= 400 and int(status) not in (401, 429):  # API Gateway's own answers, its own body
                content = response["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (name, status)
                codes = set(content["examples"])
                assert codes and all(ERRORS[c].status == int(status) for c in codes), (name, status)
        assert op["security"] == [{"jwt": []}] and "Roles:" in op["description"], name


def test_success_bodies_have_real_schemas(doc):
    ops = dict(operations(doc))
    ref = lambda name, status: ops[name]["responses"][status]["content"]["application/json"]["schema"]  # noqa: E731
    assert ref("GET /applications/{id}", "200") == {"$ref": "#/components/schemas/Page"}
    assert ref("PUT /applications/{id}", "201") == ref("PUT /applications/{id}", "200") == {
        "$ref": "#/components/schemas/Registered"}
    assert ref("GET /applications/{id}/status", "200") == {"$ref": "#/components/schemas/StatusOut"}
    assert ops["GET /applications/{id}/status"]["responses"]["304"]["headers"]["ETag"]
    assert ref("POST /applications/{id}/materials/{type}/images", "201") == {"$ref": "#/components/schemas/Reservation"}
    assert ops["DELETE /applications/{id}/materials/{type}/images/{imageId}"]["responses"]["204"].get("content") in ({}, None)
    assert {"409", "413"} <= set(ops["POST /applications/{id}/materials/{type}/images"]["responses"])
    assert set(ops["POST /applications/{id}/materials/{type}/images"]["responses"]["409"]["content"][
        "application/json"]["examples"]) == {"SLOT_FULL", "APPLICATION_NOT_EDITABLE"}


def test_security_scheme_and_no_validation_error_schemas(doc):
    assert doc["components"]["securitySchemes"]["jwt"]["scheme"] == "bearer"
    assert not {"HTTPValidationError", "ValidationError"} & set(doc["components"]["schemas"])
    assert "422" not in json.dumps([op["responses"] for _, op in operations(doc)])


def test_request_schemas_are_strict(doc):
    registration = doc["components"]["schemas"]["Registration"]
    assert registration["additionalProperties"] is False
    assert {"candidateName", "idNumber", "householdRegion"} <= set(registration["required"])
