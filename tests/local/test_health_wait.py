"""The test stack's start-up wait: a /healthz that answers slowly (a read timeout on a busy machine),
refuses or says 503 is "not ready yet"; only a 200 ends the wait, and only the process exiting or the
deadline fails it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.local.conftest import _wait_healthy


class Running:
    """A stand-in for the stack's process: still running."""
    returncode = None

    def poll(self):
        return None


@pytest.fixture
def health():
    """A /healthz whose first answer never comes in time, whose second is 503, then 200."""
    release = threading.Event()  # the stalled first request is let go when the test ends
    seen: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append(len(seen))
            if len(seen) == 1:
                release.wait(30)
                return
            status = 503 if len(seen) == 2 else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_a_slow_answer_is_not_ready_yet(health, tmp_path: Path):
    url, seen = health
    _wait_healthy(url, Running(), tmp_path / "log", request_timeout=0.3)
    assert len(seen) == 3  # the stalled one, the 503, the 200
