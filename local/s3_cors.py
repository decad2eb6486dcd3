"""S3's CORS, as S3 evaluates it, in front of moto's server.

The browser posts uploads straight to the uploads bucket, on another origin than the web client.
moto answers a preflight from an origin the bucket does not allow with that origin in
Access-Control-Allow-Origin (403, but with every method), adds Access-Control-Allow-Origin to any
request that has an Origin, and answers preflights for a bucket without CORS: all more permissive
than S3, so a client could work here and fail on AWS. Here each bucket's rules (from template.yaml,
as `provision` applies them) decide, as S3 documents: the first rule whose origin, method and
requested headers all match; a preflight with none is 403; a request with none gets no CORS headers.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

_FORBIDDEN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessForbidden</Code>'
              b"<Message>CORSResponse: %s</Message></Error>")


def _matches(patterns: list[str], value: str, case: bool = True) -> bool:
    # S3 allows one "*" wildcard in an origin or header; header names compare case-insensitively.
    return any(fnmatchcase(value if case else value.lower(), p if case else p.lower()) for p in patterns)


def match_rule(rules: list[dict], origin: str, method: str, headers: list[str]) -> dict | None:
    for rule in rules:
        if (_matches(rule.get("AllowedOrigins", []), origin) and method in rule.get("AllowedMethods", [])
                and all(_matches(rule.get("AllowedHeaders", []), h, case=False) for h in headers)):
            return rule
    return None


def _allow(rule: dict, origin: str) -> list[tuple[str, str]]:
    headers = [("Access-Control-Allow-Origin", "*" if rule.get("AllowedOrigins") == ["*"] else origin),
               ("Access-Control-Allow-Methods", ", ".join(rule["AllowedMethods"])),
               ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")]
    if rule.get("ExposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule["ExposeHeaders"])))
    return headers


class S3Cors:
    """WSGI middleware: path-style S3 requests to a known bucket get S3's CORS; anything else passes."""

    def __init__(self, app):
        self.app = app
        self.buckets: dict[str, list[dict]] = {}  # bucket -> CORS rules ([] = CORS not enabled)

    def configure(self, buckets: list[dict]) -> None:
        self.buckets = {b["Bucket"]: b.get("CORSConfiguration", {}).get("CORSRules", []) for b in buckets}

    def __call__(self, environ, start_response):
        bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
        origin = environ.get("HTTP_ORIGIN")
        if bucket not in self.buckets or not origin:
            return self.app(environ, start_response)
        rules = self.buckets[bucket]
        method = environ["REQUEST_METHOD"]
        if method == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            requested = [h.strip() for h in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",") if h.strip()]
            rule = match_rule(rules, origin, environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"], requested)
            if not rule:
                why = b"This CORS request is not allowed." if rules else b"CORS is not enabled for this bucket."
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [_FORBIDDEN % why]
            headers = _allow(rule, origin)
            if requested:
                headers.append(("Access-Control-Allow-Headers", ", ".join(requested)))
            if "MaxAgeSeconds" in rule:
                headers.append(("Access-Control-Max-Age", str(rule["MaxAgeSeconds"])))
            start_response("200 OK", [*headers, ("Content-Length", "0")])
            return [b""]
        rule = match_rule(rules, origin, method, [])

        def respond(status, headers, exc_info=None):
            kept = [(k, v) for k, v in headers if not re.match(r"(?i)access-control-|vary$", k)]
            return start_response(status, kept + (_allow(rule, origin) if rule else []), exc_info)

        return self.app(environ, respond)
