"""SMS through a domestic SMS gateway's HTTP API (the China regions have no SNS SMS), behind the same
channel interface as SNS (notify.channels: a message id, or NotSent / Refused / Unconfirmed). Chosen by the
template's SmsChannel parameter (SMS_CHANNEL=gateway).

Each request is signed: HMAC-SHA256, with the secret from Secrets Manager, over
`POST\\n<path>\\n<unix seconds>\\n<nonce>\\n<hex SHA-256 of the body>`, sent as the headers X-Sms-Key-Id,
X-Sms-Timestamp, X-Sms-Nonce and X-Sms-Signature (base64). The gateway refuses a stale timestamp, a nonce
seen before or a wrong signature, so a captured request cannot be sent again. The body is JSON
`{"phone": "+86…", "text": "…"}` with an Idempotency-Key header (the same message gives the same key).

Retried here (up to ATTEMPTS, each with a fresh timestamp and nonce) only what certainly sent nothing: no
connection, or the gateway's 429 / 503. A lost answer (read timeout, 500, 502, 504) may have sent it:
Unconfirmed, never retried. 4xx about the number: Refused. Every failure is counted (the metric
SmsGatewayFailures, by reason).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections import Counter
from functools import cached_property
from urllib.parse import urlsplit

import urllib3
from aws_lambda_powertools import Metrics
from botocore.config import Config

from core import aws
from core.models import Contact
from core.notifications import Message
from notify.channels import NotSent, Refused, Sms, Unconfirmed
from notify.contacts import e164

ATTEMPTS = 3
BACKOFF_S = 0.2  # then 0.4: a busy gateway gets a moment, the batch's time is not spent waiting
NOT_PROCESSED = frozenset({429, 503})  # the gateway says it did nothing
ABOUT_THE_NUMBER = frozenset({400, 404, 422})  # the gateway will never deliver this one


def signature(secret: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    text = "\n".join(["POST", path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def idempotency_key(phone: str, message: Message) -> str:
    return hashlib.sha256("\n".join([phone, message.kind, message.ref, message.text]).encode()).hexdigest()[:32]


class GatewaySms:
    """A transactional SMS through the gateway at `url`, to the contact's mainland number (+86)."""

    name = "sms"

    def __init__(self, url: str, credentials, attempts: int = ATTEMPTS, sleep=time.sleep,
                 timeout: urllib3.Timeout | None = None):
        if not url.startswith(("https://", "http://")):
            raise RuntimeError("SMS_GATEWAY_URL must be the gateway's https:// URL")
        self.url, self._credentials, self.attempts, self.sleep = url, credentials, attempts, sleep
        self.path = urlsplit(url).path or "/"
        self.http = urllib3.PoolManager(retries=False, timeout=timeout or urllib3.Timeout(connect=3, read=10))
        self.failures: Counter[str] = Counter()

    @cached_property
    def credentials(self) -> tuple[str, str]:
        found = self._credentials() if callable(self._credentials) else self._credentials
        return found["keyId"], found["secret"]

    def _failed(self, reason: str) -> None:
        self.failures[reason] += 1
        Metrics().add_metric(name=f"SmsGatewayFailures{reason}", unit="Count", value=1)  # the handler's flush

    def _request(self, body: bytes, key: str) -> urllib3.BaseHTTPResponse:
        key_id, secret = self.credentials
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
        return self.http.request("POST", self.url, body=body, headers={
            "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key, "X-Sms-Key-Id": key_id,
            "X-Sms-Timestamp": timestamp, "X-Sms-Nonce": nonce,
            "X-Sms-Signature": signature(secret, self.path, timestamp, nonce, body)})

    def send(self, to: Contact, message: Message) -> str:
        phone = e164(to.phone)
        body = json.dumps({"phone": phone, "text": message.text}, ensure_ascii=False).encode()
        key = idempotency_key(phone, message)
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(BACKOFF_S * 2 ** (attempt - 1))
            try:
                answer = self._request(body, key)
            except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError,
                    urllib3.exceptions.NameResolutionError):
                self._failed("Unreachable")
                continue
            except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ProtocolError):
                self._failed("Unconfirmed")
                raise Unconfirmed("no answer from the SMS gateway") from None
            except urllib3.exceptions.HTTPError as e:
                self._failed("Unreachable")
                raise NotSent(type(e).__name__) from None
            if answer.status == 200:
                message_id = (answer.json() or {}).get("messageId")
                if message_id:
                    return str(message_id)
                self._failed("Unconfirmed")
                raise Unconfirmed("the SMS gateway answered without a message id")
            if answer.status in NOT_PROCESSED:
                self._failed("Busy")
                continue
            if answer.status in ABOUT_THE_NUMBER:
                self._failed("Refused")
                raise Refused(f"gateway {answer.status}")
            if answer.status in (401, 403):
                self._failed("Unauthorised")  # our key or clock: nothing sent, fixable by an operator
                raise NotSent(f"gateway {answer.status}")
            self._failed("Unconfirmed")
            raise Unconfirmed(f"gateway {answer.status}")
        raise NotSent("the SMS gateway did not take it")


def _secret(name: str):
    def read() -> dict:
        sm = aws.client("secretsmanager", config=Config(retries={"total_max_attempts": 3, "mode": "standard"},
                                                        connect_timeout=3, read_timeout=5))
        return json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    return read


def sms_channel():
    """The SMS channel the deployment chose (template parameter SmsChannel)."""
    env = os.environ
    kind = env.get("SMS_CHANNEL", "sns") or "sns"
    if kind == "sns":
        return Sms()
    if kind == "gateway":
        return GatewaySms(env.get("SMS_GATEWAY_URL", ""), _secret(env.get("SMS_GATEWAY_SECRET", "")))
    raise RuntimeError("SMS_CHANNEL must be sns or gateway")
