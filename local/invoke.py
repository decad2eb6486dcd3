"""Calling a function in-process as AWS calls it: an HTTP API event (payload 2.0), a Lambda context,
the reply read back, and credentials that can never reach a real account. The local stack's gateway
and runtime, the tests and the bench all use these, so none of them invents its own event."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import urlencode

from local.template import ACCOUNT_ID, REGION

# What every local process of this project runs with: moto accepts any key; no profile or config file
# of the machine it runs on is read, so nothing can reach a real account.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
FAKE_KEYS = {"aws_access_key_id": FAKE_AWS["AWS_ACCESS_KEY_ID"],
             "aws_secret_access_key": FAKE_AWS["AWS_SECRET_ACCESS_KEY"]}  # as a client's arguments


@dataclass
class LambdaContext:
    """The context object a handler gets: its name, memory, ARN, request id, and the time left."""

    function_name: str = "local"
    memory_limit_in_mb: int = 256
    timeout_s: float = 900
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: object = None
    client_context: object = None

    def __post_init__(self):
        self.invoked_function_arn = (self.invoked_function_arn
                                     or f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}")
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def claims(sub: str, *groups: str, site: str | None = None, region: str | None = None) -> dict:
    """A signed-in user's claims as API Gateway's JWT authorizer passes them (arrays as "[a b]"). The
    registrar is the registration system's client-credentials token (its scope, no group); staff signed
    in with a second factor (`amr`), as core.identity requires."""
    if groups == ("registrar",):
        return {"sub": sub, "client_id": sub, "token_use": "access", "scope": "exam-materials/registrar"}
    out = {"sub": sub, "cognito:groups": "[" + " ".join(groups) + "]"}
    if {"site_reviewer", "region_reviewer", "exam_office"} & set(groups):
        out["amr"] = "[pwd otp mfa]"
    if site:
        out["custom:site"] = site
    if region:
        out["custom:region"] = region
    return out


def http_event(method: str, path: str, claims: dict | None = None, *, body=None, base64_encoded: bool = False,
               headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
               raw_query: str | None = None, route_key: str = "$default", path_params: dict[str, str] | None = None,
               cookies: list[str] | None = None, source_ip: str = "127.0.0.1", protocol: str = "HTTP/1.1") -> dict:
    """An HTTP API payload-2.0 event as Lambda receives it. `claims` as the authorizer passes them (None:
    a route without one); `body` text as sent (base64 text when `base64_encoded`), anything else is
    sent as JSON; header names lower-case, as API Gateway passes them."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    now = time.time()
    host = headers.get("host", "api.local")
    event: dict = {
        "version": "2.0", "routeKey": route_key, "rawPath": path,
        "rawQueryString": raw_query if raw_query is not None else urlencode(query or {}),
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID, "apiId": "local", "domainName": host, "domainPrefix": host.split(".")[0],
            "http": {"method": method, "path": path, "protocol": protocol, "sourceIp": source_ip,
                     "userAgent": headers.get("user-agent", "")},
            "requestId": uuid.uuid4().hex, "routeKey": route_key, "stage": "$default",
            "time": formatdate(now, usegmt=True), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": base64_encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


@dataclass
class Reply:
    status: int
    headers: dict
    body: dict | None

    @property
    def code(self) -> str | None:
        return (self.body or {}).get("error", {}).get("code")


def invoke(handler: Callable, event: dict, context=None) -> Reply:
    """Run an HTTP handler and read its answer as a client would (JSON body, lower-case headers)."""
    out = handler(event, context or LambdaContext())
    raw = out.get("body") or ""
    if out.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    headers = {k.lower(): v for k, v in (out.get("headers") or {}).items()}
    return Reply(status=out["statusCode"], headers=headers, body=json.loads(raw) if raw else None)
