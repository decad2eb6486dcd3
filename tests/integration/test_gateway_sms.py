"""SMS through a domestic gateway (notify.gateway_sms), against the local stack's stand-in for one
(local.sms_gateway) on a real socket: every request signed (HMAC, timestamp, nonce) and checked by
the stand-in's own computation; what certainly sent nothing is retried, what may have sent is not;
each failure counted; the channel chosen by SMS_CHANNEL with its key from Secrets Manager."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import urllib3

from core.models import Contact
from core.notifications import Message
from local.gateway import Request
from local.sms_gateway import SmsGatewayStandIn
from notify.channels import NotSent, Refused, Sms, Unconfirmed
from notify.gateway_sms import GatewaySms, sms_channel

TO = Contact(user="cand-1", phone="13812345678", consent_at="2026-01-01T00:00:00+08:00", notice="v1",
             updated_at="2026-01-01T00:00:00+08:00")
MESSAGE = Message(kind="RETURNED", ref="app-1", text="【医师资格考试】您的报名材料已退回修改,请登录查看。")


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((dict(self.headers.items()), body))
        answer = self.server.stand_in.send(Request("POST", self.path, list(self.headers.items()), body))
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.stand_in, server.seen = SmsGatewayStandIn(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{server.stand_in.path}"


def channel(server, credentials=None, sleeps=None) -> GatewaySms:
    return GatewaySms(url(server), credentials or server.stand_in.credentials,
                      sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_a_message_reaches_the_gateway_signed(gateway):
    # When
    message_id = channel(gateway).send(TO, MESSAGE)
    # Then: the stand-in verified it and holds exactly it
    (received,) = gateway.stand_in.messages
    assert (received["messageId"], received["to"], received["text"], received["verified"]) == (
        message_id, "+8613812345678", MESSAGE.text, True)
    ((headers, body),) = gateway.seen
    assert {"X-Sms-Key-Id", "X-Sms-Timestamp", "X-Sms-Nonce", "X-Sms-Signature", "Idempotency-Key"} <= set(headers)
    assert json.loads(body) == {"phone": "+8613812345678", "text": MESSAGE.text}


def test_a_captured_request_cannot_be_sent_again_nor_changed(gateway):
    channel(gateway).send(TO, MESSAGE)
    ((headers, body),) = gateway.seen
    http = urllib3.PoolManager(retries=False)
    replay = http.request("POST", url(gateway), body=body, headers=headers)
    assert (replay.status, replay.json()) == (401, {"code": "REPLAY"})
    changed = http.request("POST", url(gateway), body=body.replace(b"13812345678", b"13900000000"),
                           headers={**headers, "X-Sms-Nonce": "another-nonce"})
    assert (changed.status, changed.json()) == (401, {"code": "BAD_SIGNATURE"})
    assert len(gateway.stand_in.messages) == 1


def test_a_wrong_key_sends_nothing_and_is_counted(gateway):
    sms = channel(gateway, {"keyId": gateway.stand_in.key_id, "secret": "not-the-secret"})
    with pytest.raises(NotSent):
        sms.send(TO, MESSAGE)
    assert gateway.stand_in.messages == [] and gateway.stand_in.refused == ["BAD_SIGNATURE"]
    assert sms.failures == {"Unauthorised": 1}


def test_a_busy_gateway_is_retried_with_a_fresh_nonce_and_sends_once(gateway):
    # Given: the gateway answers 503 twice, then takes it
    gateway.stand_in.fail_next(2, 503)
    sleeps: list[float] = []
    sms = channel(gateway, sleeps=sleeps)
    # When
    message_id = sms.send(TO, MESSAGE)
    # Then
    assert [m["messageId"] for m in gateway.stand_in.messages] == [message_id]
    nonces = [h["X-Sms-Nonce"] for h, _ in gateway.seen]
    assert len(nonces) == 3 == len(set(nonces))
    assert sleeps == [0.2, 0.4] and sms.failures == {"Busy": 2}


def test_a_gateway_that_stays_busy_sends_nothing(gateway):
    gateway.stand_in.fail_next(3, 429)
    sms = channel(gateway)
    with pytest.raises(NotSent):
        sms.send(TO, MESSAGE)
    assert gateway.stand_in.messages == [] and sms.failures == {"Busy": 3}


@pytest.mark.parametrize("status, raised, reason", [(502, Unconfirmed, "Unconfirmed"), (500, Unconfirmed, "Unconfirmed"),
                                                    (400, Refused, "Refused")])
def test_an_answer_that_may_mean_sent_or_refuses_the_number_is_never_retried(gateway, status, raised, reason):
    gateway.stand_in.fail_next(1, status)
    sms = channel(gateway)
    with pytest.raises(raised):
        sms.send(TO, MESSAGE)
    assert len(gateway.seen) == 1 and sms.failures == {reason: 1}


def test_no_gateway_at_all_is_not_sent_after_the_retries(gateway):
    gone = url(gateway)
    gateway.shutdown()
    gateway.server_close()
    sms = GatewaySms(gone, {"keyId": "k", "secret": "s"}, sleep=lambda s: None)
    with pytest.raises(NotSent):
        sms.send(TO, MESSAGE)
    assert sms.failures == {"Unreachable": 3}


def test_the_same_message_again_is_the_same_message(gateway):
    sms = channel(gateway)
    assert sms.send(TO, MESSAGE) == sms.send(TO, MESSAGE)
    assert len(gateway.stand_in.messages) == 1


def test_the_deployment_chooses_the_channel_and_the_key_comes_from_secrets_manager(aws, gateway, monkeypatch):
    # Given: the template's settings for the gateway, and the operator's secret
    boto3.client("secretsmanager").create_secret(Name="exam-materials/sms-gateway",
                                                 SecretString=json.dumps(gateway.stand_in.credentials))
    monkeypatch.setenv("SMS_CHANNEL", "gateway")
    monkeypatch.setenv("SMS_GATEWAY_URL", url(gateway))
    monkeypatch.setenv("SMS_GATEWAY_SECRET", "exam-materials/sms-gateway")
    # When
    sms = sms_channel()
    # Then
    assert isinstance(sms, GatewaySms) and sms.send(TO, MESSAGE) == gateway.stand_in.messages[0]["messageId"]
    monkeypatch.setenv("SMS_CHANNEL", "sns")
    assert isinstance(sms_channel(), Sms)
    monkeypatch.setenv("SMS_CHANNEL", "carrier-pigeon")
    with pytest.raises(RuntimeError):
        sms_channel()
