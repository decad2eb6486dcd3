"""A stand-in for a domestic SMS gateway (notify.gateway_sms sends to it): checks each request as such a
gateway does - the key id, the HMAC-SHA256 signature over method, path, timestamp, nonce and body hash,
a timestamp within 5 minutes, a nonce never seen before - and records what it accepted. The same
Idempotency-Key gives the same message id and no second message.

`POST /dev/sms-gateway/send`: 200 `{"messageId"}`; 401 `{"code": "BAD_SIGNATURE" | "STALE" | "REPLAY" |
"UNKNOWN_KEY"}`; 400 `{"code": "INVALID_PHONE" | "INVALID_REQUEST"}`. `GET /dev/sms-gateway`: the accepted
messages. `fail_next(n, status)` makes the next n requests answer `status` (tests of retries)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid

from local.gateway import Request, Response

MAX_SKEW_S = 300
PHONE = re.compile(r"^\+861[3-9]\d{9}$")


def expected_signature(secret: str, method: str, path: str, stamp: str, nonce: str, body: bytes) -> str:
    """Computed here from the gateway's documented rule, not by the sender's code: a mistake in one
    cannot hide in both."""
    canonical = f"{method}\n{path}\n{stamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    return base64.b64encode(hmac.digest(secret.encode(), canonical, "sha256")).decode()


class SmsGatewayStandIn:
    def __init__(self, key_id: str = "local-sms", secret: str | None = None, path: str = "/dev/sms-gateway/send"):
        self.key_id, self.secret, self.path = key_id, secret or secrets.token_urlsafe(32), path
        self.messages: list[dict] = []
        self.refused: list[str] = []
        self._nonces: set[str] = set()
        self._by_key: dict[str, str] = {}
        self._faults: list[int] = []
        self._lock = threading.Lock()

    @property
    def credentials(self) -> dict:
        return {"keyId": self.key_id, "secret": self.secret}

    def fail_next(self, count: int, status: int) -> None:
        with self._lock:
            self._faults += [status] * count

    def routes(self) -> dict:
        return {("POST", self.path): self.send,
                ("GET", self.path.rsplit("/", 1)[0]): lambda _: Response.json(200, {"messages": list(self.messages)})}

    def _refuse(self, status: int, code: str) -> Response:
        self.refused.append(code)
        return Response.json(status, {"code": code})

    def send(self, request: Request) -> Response:
        with self._lock:
            if self._faults:
                return Response.json(self._faults.pop(0), {"code": "BUSY"})
            stamp, nonce = request.header("x-sms-timestamp") or "", request.header("x-sms-nonce") or ""
            if request.header("x-sms-key-id") != self.key_id:
                return self._refuse(401, "UNKNOWN_KEY")
            expected = expected_signature(self.secret, request.method, request.path, stamp, nonce, request.body)
            if not hmac.compare_digest(expected, request.header("x-sms-signature") or ""):
                return self._refuse(401, "BAD_SIGNATURE")
            if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_SKEW_S:
                return self._refuse(401, "STALE")
            if not nonce or nonce in self._nonces:
                return self._refuse(401, "REPLAY")
            self._nonces.add(nonce)
            try:
                body = json.loads(request.body)
                phone, text = body["phone"], body["text"]
                if not (isinstance(text, str) and text):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return self._refuse(400, "INVALID_REQUEST")
            if not (isinstance(phone, str) and PHONE.match(phone)):
                return self._refuse(400, "INVALID_PHONE")
            key = request.header("idempotency-key") or uuid.uuid4().hex
            if key in self._by_key:
                return Response.json(200, {"messageId": self._by_key[key]})
            message_id = f"gw-{uuid.uuid4().hex[:20]}"
            self._by_key[key] = message_id
            self.messages.append({"messageId": message_id, "to": phone, "text": text, "keyId": self.key_id,
                                  "signature": request.header("x-sms-signature"), "verified": True,
                                  "receivedAt": int(time.time())})
            return Response.json(200, {"messageId": message_id})
