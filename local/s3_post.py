"""S3's checks of a browser upload (a presigned POST), in front of moto's server.

moto stores whatever a POST form holds: a file over the policy's size, another content type, another
key, an expired, unsigned or rewritten policy are all answered 204. S3 refuses each (S3 API Reference,
"Authenticating Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)" and "POST
Policy"), and so does this, with S3's status and XML error code, before moto sees the request:

- the fields before `file` are the form (S3 ignores what follows the file); `key` and one file;
- SigV4: `x-amz-algorithm`, `-credential`, `-date`, `-signature` and the policy all present (one
  missing: InvalidArgument), the signature HMAC-SHA256 of the policy under the credential's key
  (unknown key: InvalidAccessKeyId; wrong: SignatureDoesNotMatch), a session token sent the key's; none
  of them: an anonymous upload, refused (the buckets are private);
- the policy: base64 JSON with `expiration` (past it: AccessDenied) and `conditions`, each of which the
  form must meet: exact values (`{"key": ...}`, `["eq", "$key", ...]`), prefixes (`starts-with`),
  `bucket` against the bucket posted to, `content-length-range` against the file (EntityTooSmall /
  EntityTooLarge);
- every field but `policy`, `x-amz-signature`, `file` and `x-ignore-*` named by a condition ("Extra
  input fields": AccessDenied).

What passes reaches moto as exactly the form that was checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

SIGV4 = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
UNCOVERED = {"policy", "x-amz-signature", "file"}  # and x-ignore-*: fields no condition has to name
FIX_ORDER = "If it is specified, please check the order of the fields."


@dataclass
class Refused(Exception):
    status: str
    code: str
    message: str
    details: dict = field(default_factory=dict)

    def body(self) -> bytes:
        extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in self.details.items())
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code><Message>{escape(self.message)}'
                f"</Message>{extra}<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>").encode()


def denied(message: str) -> Refused:
    return Refused("403 Forbidden", "AccessDenied", message)


def policy_denied(why: str) -> Refused:
    return denied(f"Invalid according to Policy: {why}")


def bad_policy(why: str) -> Refused:
    return Refused("400 Bad Request", "InvalidPolicyDocument", f"Invalid Policy: {why}")


@dataclass
class Form:
    fields: list[tuple[str, str]]  # in order, names as sent
    file_name: str
    filename: str
    file_headers: list[tuple[str, str]]
    data: bytes

    def get(self, name: str) -> str | None:
        """A field's value; S3's field names are not case-sensitive."""
        return next((v for k, v in self.fields if k.lower() == name.lower()), None)

    def encode(self, boundary: bytes) -> bytes:
        out = io.BytesIO()
        for name, value in self.fields:
            out.write(b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                      % (boundary, name.encode(), value.encode()))
        out.write(b"--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                  % (boundary, self.file_name.encode(), self.filename.encode()))
        for name, value in self.file_headers:
            if name.lower() != "content-disposition":
                out.write(f"{name}: {value}\r\n".encode())
        out.write(b"\r\n%s\r\n--%s--\r\n" % (self.data, boundary))
        return out.getvalue()


def parse(body: bytes, boundary: bytes) -> Form:
    decoder = MultipartDecoder(boundary)
    decoder.receive_data(body)
    decoder.receive_data(None)
    fields, part, chunks = [], None, []
    while True:
        try:
            event = decoder.next_event()
        except ValueError:
            break
        if isinstance(event, (Field, File)):
            part, chunks = event, []
        elif isinstance(event, Data) and part is not None:
            chunks.append(event.data)
            if event.more_data:
                continue
            if part.name.lower() == "file":
                return Form(fields, part.name, getattr(part, "filename", "") or "", list(part.headers.items()),
                            b"".join(chunks))
            fields.append((part.name, b"".join(chunks).decode("utf-8", "replace")))
        elif isinstance(event, (Epilogue, NeedData)):
            break
    raise Refused("400 Bad Request", "IncorrectNumberOfFilesInPostRequest",
                  "POST requires exactly one file upload per request.")


def signing_key(secret: str, day: str, region: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def authenticate(form: Form, credentials: dict[str, tuple[str, str | None]]) -> None:
    if not any(form.get(f) is not None for f in SIGV4):
        raise denied("Access Denied")  # anonymous, with or without a policy: the buckets are private
    for name in (*SIGV4, "policy"):
        if form.get(name) is None:
            argument = "-".join(p.capitalize() for p in name.split("-"))
            raise Refused("400 Bad Request", "InvalidArgument",
                          f"Bucket POST must contain a field named '{argument}'.  {FIX_ORDER}",
                          {"ArgumentName": argument, "ArgumentValue": ""})
    scope = form.get("x-amz-credential").split("/")
    mismatch = Refused("403 Forbidden", "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided. "
                       "Check your key and signing method.")
    if len(scope) != 5 or scope[3:] != ["s3", "aws4_request"]:
        raise mismatch
    if scope[0] not in credentials:
        raise Refused("403 Forbidden", "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.")
    secret, token = credentials[scope[0]]
    expected = hmac.new(signing_key(secret, scope[1], scope[2]), form.get("policy").encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, form.get("x-amz-signature")):
        raise mismatch
    sent = form.get("x-amz-security-token")  # none: signed with the key alone, as a long-term key signs
    if sent is not None and sent != token:
        raise Refused("400 Bad Request", "InvalidToken", "The provided token is malformed or otherwise invalid.")


def _expiration(text) -> datetime:
    try:
        return datetime.strptime(str(text).replace(".000Z", "Z"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise bad_policy("Invalid 'expiration' value: '" + str(text) + "'") from None


def check_policy(form: Form, bucket: str, now: datetime) -> None:
    try:
        policy = json.loads(base64.b64decode(form.get("policy"), validate=True))
    except (binascii.Error, ValueError):
        raise bad_policy("Invalid JSON.") from None
    if not isinstance(policy, dict) or "expiration" not in policy or not isinstance(policy.get("conditions"), list):
        raise bad_policy("Policy must have an expiration and a list of conditions.")
    if _expiration(policy["expiration"]) <= now:
        raise policy_denied("Policy expired.")
    named = set()
    for condition in policy["conditions"]:
        if isinstance(condition, dict) and len(condition) == 1:
            ((name, value),) = condition.items()
            op, name = "eq", name.lower()
        elif isinstance(condition, list) and len(condition) == 3 and condition[0] in ("eq", "starts-with"):
            op, name, value = condition[0], str(condition[1]).lower(), condition[2]
            if not name.startswith("$"):
                raise bad_policy(f"Invalid Condition: the field name must start with '$': {json.dumps(condition)}")
            name = name[1:]
        elif isinstance(condition, list) and len(condition) == 3 and condition[0] == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if len(form.data) < low:
                raise Refused("400 Bad Request", "EntityTooSmall", "Your proposed upload is smaller than the minimum "
                              "allowed size", {"ProposedSize": len(form.data), "MinSizeAllowed": low})
            if len(form.data) > high:
                raise Refused("400 Bad Request", "EntityTooLarge", "Your proposed upload exceeds the maximum allowed "
                              "size", {"ProposedSize": len(form.data), "MaxSizeAllowed": high})
            continue
        else:
            raise bad_policy(f"Invalid Condition: {json.dumps(condition)}")
        actual = bucket if name == "bucket" else form.get(name)
        named.add(name)
        if actual is None or not (actual == value if op == "eq" else actual.startswith(str(value))):
            raise policy_denied("Policy Condition failed: " + json.dumps([op, "$" + name, value], ensure_ascii=False))
    extra = [k for k, _ in form.fields if k.lower() not in UNCOVERED | named and not k.lower().startswith("x-ignore-")]
    if extra:
        raise policy_denied("Extra input fields: " + ", ".join(extra))


class S3PostPolicy:
    """WSGI middleware: a form POST to a bucket is checked as S3 checks it; anything else passes."""

    def __init__(self, app, credentials: dict[str, tuple[str, str | None]], clock=lambda: datetime.now(UTC)):
        self.app, self.credentials, self.clock = app, credentials, clock

    def __call__(self, environ, start_response):
        media, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
        path = environ.get("PATH_INFO", "/").strip("/")
        if (environ["REQUEST_METHOD"] != "POST" or media != "multipart/form-data" or not path or "/" in path
                or environ.get("QUERY_STRING")):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        boundary = options.get("boundary", "").encode()
        try:
            form = parse(body, boundary)
            if form.get("key") is None:
                raise Refused("400 Bad Request", "InvalidArgument", f"Bucket POST must contain a field named 'key'.  "
                              f"{FIX_ORDER}", {"ArgumentName": "key", "ArgumentValue": ""})
            authenticate(form, self.credentials)
            check_policy(form, path, self.clock())
        except Refused as refused:
            payload = refused.body()
            start_response(refused.status, [("Content-Type", "application/xml"), ("Content-Length", str(len(payload)))])
            return [payload]
        checked = form.encode(boundary)
        return self.app({**environ, "wsgi.input": io.BytesIO(checked), "CONTENT_LENGTH": str(len(checked))},
                        start_response)
