"""Traces hold no personal data and no credentials: the real handlers, run as Lambda runs them with
X-Ray tracing on and the environment template.yaml gives every function, send their segments to a
UDP listener standing in for the X-Ray daemon; nothing sent names the candidate, their identity
number, a POST policy or a signature. (Powertools' Tracer records a handler's answer by default.)"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading

from local.invoke import FAKE_AWS
from local.template import ROOT, derive, load_template
from testkit.people import id_number

NAME, NUMBER = "踪迹测", id_number(417)


class Daemon:
    """What the X-Ray daemon would receive: one segment document per datagram, after a JSON header."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.datagrams: list[bytes] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _receive(self) -> None:
        while not self.stopping.is_set():
            try:
                self.datagrams.append(self.sock.recv(65536))
            except TimeoutError:
                continue

    def segments(self) -> list[dict]:
        self.stopping.set()
        self.thread.join()
        self.sock.close()
        out = []
        for datagram in self.datagrams:
            header, _, body = datagram.partition(b"\n")
            assert json.loads(header) == {"format": "json", "version": 1}
            out.append(json.loads(body))
        return out


def run_traced(**overrides: str) -> tuple[list[dict], dict]:
    """The probe under Lambda's tracing environment; returns what was sent and what it must not hold."""
    environments = [f.environment for f in derive(load_template(), {"JwtIssuer": "https://issuer.test",
                                                                    "JwtAudience": "trace"}).functions.values()]
    common = {k: v for k, v in environments[0].items() if all(e.get(k) == v for e in environments)}
    daemon = Daemon()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN"))}
    env.update({**FAKE_AWS, **common, "LAMBDA_TASK_ROOT": str(ROOT / "functions"), "PYTHONPATH": f"functions{os.pathsep}.",
                "AWS_LAMBDA_FUNCTION_NAME": "trace-probe", "AWS_XRAY_DAEMON_ADDRESS": daemon.address,
                "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
                "POWERTOOLS_LOG_LEVEL": "WARNING", **overrides})
    run = subprocess.run([sys.executable, "-m", "tests.integration.trace_probe", NAME, NUMBER], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-4000:]
    return daemon.segments(), json.loads(run.stdout.strip().splitlines()[-1])


def texts(segments: list[dict]) -> str:
    return "\n".join(json.dumps(s, ensure_ascii=False) for s in segments)  # names as themselves, not \\uXXXX


def secrets(probe: dict) -> list[str]:
    return [NAME, NUMBER, *probe["policies"], *probe["signatures"]]


def test_traces_hold_no_name_identity_number_policy_or_signature():
    # Given the template's environment: every function says capture neither response nor error
    segments, probe = run_traced()
    sent = texts(segments)
    # Then the handlers were traced (their subsegments, their AWS calls, the failed one with its fault)
    handlers = [s for s in segments if s.get("name") == "## lambda_handler"]
    assert len(handlers) >= 6, [s.get("name") for s in segments]
    assert any(s.get("namespace") == "aws" and s.get("name") == "dynamodb" for s in segments)
    assert any(s.get("fault") or s.get("error") for s in handlers)
    # And nothing sent holds the candidate's identity or a credential
    assert [s for s in secrets(probe) if s in sent] == []


def test_the_probe_would_see_a_captured_response():
    # Given Powertools' default (capture the response): the same run puts them in the traces
    segments, probe = run_traced(POWERTOOLS_TRACER_CAPTURE_RESPONSE="true", POWERTOOLS_TRACER_CAPTURE_ERROR="true")
    sent = texts(segments)
    assert NAME in sent and NUMBER in sent and probe["policies"][0] in sent and probe["signatures"][0] in sent
