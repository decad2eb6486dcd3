"""moto's server (S3, SQS, DynamoDB) in-process on loopback, with its backends serialised.

moto's backends are not thread-safe: two concurrent DynamoDB conditional writes can both succeed,
which real DynamoDB never allows. Every request therefore runs under one lock, so the local stack
keeps AWS's atomicity however many requests the gateway serves at once.

One request must not hold that lock for long: an SQS long poll (ReceiveMessage with WaitTimeSeconds)
would block every other call, including the upload whose notification it is waiting for. Long polls
are emulated here instead: short receives under the lock, the wait between them without it.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import threading
import time

from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
from werkzeug.test import run_wsgi_app

from local.s3_cors import S3Cors

log = logging.getLogger(__name__)

_RECEIVE = "AmazonSQS.ReceiveMessage"  # botocore speaks SQS's JSON protocol


def one_backup_per_transaction() -> None:
    """moto backs up the whole table once per *item* of a transaction (a deepcopy each), so a
    five-item transaction copies the table five times; past a few hundred items that dominates
    every request. One backup per table per transaction is the same rollback, made once.
    (The one copy is still O(table): see README, "The local stack".)"""
    import moto.dynamodb.models as models

    if getattr(models.DynamoDBBackend.transact_write_items, "_once", False):
        return
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        made: dict[int, object] = {}

        def deepcopy(value, memo=None):
            if id(value) not in made:
                made[id(value)] = copy.deepcopy(value, memo)
            return made[id(value)]

        saved = models.copy
        models.copy = type("copy", (), {"deepcopy": staticmethod(deepcopy)})
        try:
            return original(self, transact_items)
        finally:
            models.copy = saved

    transact_write_items._once = True
    models.DynamoDBBackend.transact_write_items = transact_write_items


class SerialisedApp:
    """WSGI middleware: one request at a time through moto, long polls emulated outside the lock."""

    poll_interval = 0.2  # how soon a long poll sees a new message; each retry takes the lock

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.closing = threading.Event()  # set on shutdown: pending long polls return empty at once

    def _call(self, environ: dict, body: bytes | None = None) -> tuple[str, list, bytes]:
        if body is not None:
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        with self.lock:
            app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
            try:
                return status, list(headers.items()), b"".join(app_iter)
            finally:
                getattr(app_iter, "close", lambda: None)()

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET") != _RECEIVE:
            status, headers, body = self._call(environ)
        else:
            status, headers, body = self._long_poll(environ)
        start_response(status, headers)
        return [body]

    def _long_poll(self, environ: dict) -> tuple[str, list, bytes]:
        request = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
        wait = int(request.get("WaitTimeSeconds") or 0)
        short = json.dumps({**request, "WaitTimeSeconds": 0}).encode()
        deadline = time.monotonic() + wait
        while True:
            status, headers, body = self._call(environ, short)
            if not status.startswith("200") or time.monotonic() >= deadline or self.closing.is_set():
                return status, headers, body
            if json.loads(body or b"{}").get("Messages"):
                return status, headers, body
            self.closing.wait(self.poll_interval)


class MotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        one_backup_per_transaction()
        self.app = SerialisedApp(DomainDispatcherApplication(create_backend_app))
        self.cors = S3Cors(self.app)  # S3's own CORS rules, not moto's looser ones (local/s3_cors.py)
        self._server = make_server(host, port, self.cors, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MotoServer:
        self._thread.start()
        log.info("moto server on %s", self.url)
        return self

    def stop(self) -> None:
        self.app.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
