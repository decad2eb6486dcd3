"""One OpenAPI document for the whole API, generated from the handlers (never written by hand).

Each HTTP function's resolver describes its own routes (Powertools, from the typed handlers);
Powertools' OpenAPIMerge joins them. What Powertools adds that this API never answers (422 and its
schemas: validation failures are 400 INVALID_REQUEST here) is taken out.

    python -m tools.openapi            # prints the document
    python -m tools.openapi --write    # updates docs/openapi.json (a test fails when it is stale)
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
TITLE = "医师资格考试 材料在线审核 — online review of application materials"
VERSION = "2.0.0"
DESCRIPTION = (
    "The contract web clients, reviewers' tools and the registration system rely on "
    "(docs/api-contract.md). Every 4xx body is {\"error\": {\"code\", \"message\", \"messageZh\"}}; "
    "each route lists the codes it can answer. Times are ISO 8601 (UTC)."
)
# Placeholders so the handlers' cold-start settings check passes while only their routes are read.
_PLACEHOLDERS = {"TABLE_NAME": "openapi", "UPLOADS_BUCKET": "openapi", "MATERIALS_BUCKET": "openapi",
                 "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "1"}
_NEVER_ANSWERED = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def http_modules() -> list[str]:
    """The handler modules of the functions that serve HTTP routes, from template.yaml."""
    from local.template import derive, load_template

    stack = derive(load_template(), {"JwtIssuer": "https://issuer.invalid", "JwtAudience": "openapi",
                                     "WebOrigin": "https://web.invalid"})
    return sorted({stack.functions[r.function].handler.rsplit(".", 1)[0] for r in stack.routes})


def build(servers: list[dict] | None = None) -> dict:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    for key, value in _PLACEHOLDERS.items():
        os.environ.setdefault(key, value)
    functions = str(ROOT / "functions")
    if functions not in sys.path:
        sys.path.insert(0, functions)
    from core.http import SECURITY_SCHEMES

    merge = OpenAPIMerge(title=TITLE, version=VERSION, description=DESCRIPTION, on_conflict="error")
    for name in http_modules():
        merge.add_schema(importlib.import_module(name).api.openapi())
    doc = merge.get_openapi_schema()
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
            operation.get("responses", {}).pop(422, None)
    schemas = doc.get("components", {}).get("schemas", {})
    for name in _NEVER_ANSWERED:
        schemas.pop(name, None)
    doc.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    doc["security"] = [{"jwt": []}]
    if servers:
        doc["servers"] = servers
    else:
        doc.pop("servers", None)
    return json.loads(json.dumps(doc, sort_keys=False, default=str))


def render(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.openapi", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {DOCUMENT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    text = render(build())
    if args.write:
        DOCUMENT.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
