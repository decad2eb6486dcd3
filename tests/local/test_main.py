"""`make run` (`python -m local`): on a port another process holds, a message saying what to do in
English and Chinese and exit code 2 (no traceback, nothing started); once running, a banner that says
where state lives and a log without a line per request."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import pytest
import requests

from local.__main__ import main
from tests.local.conftest import ROOT


@pytest.fixture
def taken_port():
    with socket.socket() as other:  # another process's server, as far as the stack can tell
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_taken_port_exits_2_with_a_clear_message_and_no_traceback(taken_port):
    # Given a fresh shell's environment with PORT set to the taken port
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    # When
    run = subprocess.run([sys.executable, "-m", "local"], cwd=ROOT, env={**env, "PORT": str(taken_port)},
                         capture_output=True, text=True, timeout=60)
    # Then
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"port {taken_port} is in use; set PORT=… (e.g. make run PORT={taken_port + 1}) or stop the other process.",
        f"端口 {taken_port} 已被占用;请设置 PORT=…(例如 make run PORT={taken_port + 1})或停止占用该端口的进程。"]
    assert run.stdout == ""  # no banner: nothing was started


def test_a_taken_moto_port_names_its_own_setting(taken_port, capsys):
    assert main(["--port", "0", "--moto-port", str(taken_port)]) == 2
    err = capsys.readouterr().err
    assert f"port {taken_port} is in use; set MOTO_PORT=…" in err and f"端口 {taken_port} 已被占用" in err


def test_the_banner_says_state_is_in_memory_and_requests_are_not_logged(local_stack):
    # When requests are served
    marker = uuid.uuid4().hex
    for path in (f"/healthz?{marker}", f"/nowhere-{marker}", f"/applications?{marker}"):
        requests.get(f"{local_stack.url}{path}", timeout=5)
    # Then (http.server logs a request before it answers: the log is complete here)
    log = local_stack.log.read_text(encoding="utf-8")
    assert "State lives in memory only" in log and "数据仅保存在内存中" in log
    assert marker not in log
