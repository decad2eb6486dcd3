"""The distribution's image paths, as strict as CloudFront: `/materials/...` only with a valid signed URL
(canned policy) of this stack's key pair, `/samples/...` (public sample pictures) without one; both
streamed from the materials bucket in moto with the object's Content-Type, Cache-Control, ETag and
Content-Length, 304 on a matching If-None-Match.

A signed URL is checked as CloudFront checks it: `Expires`, `Signature` and `Key-Pair-Id` present;
the key pair id one of the key group's (here: the one key the stack made at start); the signature
(CloudFront's URL-safe base64: `+=/` written `-_~`) an RSA-SHA1 PKCS#1 v1.5 signature by that key of the
canned policy of the exact URL signed, scheme and host included, without the three parameters; and
`Expires` not past. Otherwise 403 with CloudFront's XML error body.

`KeyPair.generate()` is the stack's key pair: its private key goes into moto's Secrets Manager where
the functions read it (IMAGE_KEY_SECRET), so they sign as they do in AWS.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from local.gateway import Request, Response

SIGNED_PREFIX, PUBLIC_PREFIX = "/materials/", "/samples/"
_SIGNING = ("Expires", "Signature", "Key-Pair-Id")


@dataclass(frozen=True)
class KeyPair:
    key_id: str
    private_pem: str
    public_key: rsa.RSAPublicKey

    @classmethod
    def generate(cls, key_id: str | None = None) -> KeyPair:
        """An RSA-2048 key pair, as the template's custom resource makes one; its id `key_id` (what the
        template gives the functions), else one in the form of CloudFront's (K and 13 capitals or digits)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        key_id = key_id or "K" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(13))
        return cls(key_id, pem, key.public_key())


def canned_policy(url: str, expires: int) -> bytes:
    """The policy a canned-policy signature signs (botocore's CloudFrontSigner writes the same JSON)."""
    return json.dumps({"Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
                      separators=(",", ":")).encode()


def _cloudfront_b64decode(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"), validate=True)


def denied(code: str = "AccessDenied", message: str = "Access denied") -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(403, [("Content-Type", "text/xml"), ("Server", "CloudFront")], body.encode())


def verify(origin: str, target: str, keys: dict[str, rsa.RSAPublicKey], now: float | None = None) -> str | None:
    """Why CloudFront would refuse the signed request `target` (path and query as sent) on `origin`, or
    None if it would serve it."""
    parts = urlsplit(target)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = {k: v for k, v in query if k in _SIGNING}
    if "Key-Pair-Id" not in given or "Signature" not in given or "Expires" not in given:
        return "MissingKey"
    key = keys.get(given["Key-Pair-Id"])
    if key is None:
        return "unknown key pair id"
    try:
        expires = int(given["Expires"])
        signature = _cloudfront_b64decode(given["Signature"])
    except ValueError:
        return "malformed Expires or Signature"
    rest = urlencode([(k, v) for k, v in query if k not in _SIGNING])
    url = f"{origin}{parts.path}" + (f"?{rest}" if rest else "")
    try:
        key.verify(signature, canned_policy(url, expires), padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return "signature does not match"
    if expires <= (time.time() if now is None else now):
        return "expired"
    return None


class Distribution:
    """GET/HEAD of `/materials/*` (signed) and `/samples/*` (public) from the materials bucket."""

    def __init__(self, origin: str, keys: dict[str, rsa.RSAPublicKey], s3: Callable[[], object], bucket: str):
        self.origin, self.keys, self.s3, self.bucket = origin.rstrip("/"), keys, s3, bucket

    def routes(self) -> dict[str, Callable[[Request], Response]]:
        return {SIGNED_PREFIX: self.signed, PUBLIC_PREFIX: self.public}

    def signed(self, request: Request) -> Response:
        refused = verify(self.origin, request.target, self.keys)
        if refused == "MissingKey":
            return denied("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
        if refused:
            return denied()
        return self._object(request)

    def public(self, request: Request) -> Response:
        return self._object(request)

    def _object(self, request: Request) -> Response:
        key = unquote(request.path).lstrip("/")
        try:
            found = self.s3().get_object(Bucket=self.bucket, Key=key)  # type: ignore[attr-defined]
        except ClientError:
            return denied()  # S3 answers 403 to the origin's read of a missing key (no ListBucket)
        headers = [(name, found[field]) for name, field in (("Content-Type", "ContentType"), ("Cache-Control", "CacheControl"),
                                                            ("ETag", "ETag")) if found.get(field)]
        headers.append(("Server", "CloudFront"))
        body = found["Body"].read()
        if request.header("if-none-match") and request.header("if-none-match") == found.get("ETag"):
            return Response(304, headers, b"")
        return Response(200, headers, body)  # the server adds Content-Length
