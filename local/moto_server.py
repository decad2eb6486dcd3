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
import inspect
import io
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
from werkzeug.test import run_wsgi_app

from local.invoke import FAKE_AWS
from local.s3_cors import S3Cors
from local.s3_post import S3PostPolicy

log = logging.getLogger(__name__)

_RECEIVE = "AmazonSQS.ReceiveMessage"  # botocore speaks SQS's JSON protocol


# DynamoDB operations whose moto results are already JSON in the wire shape (no timestamps, no blobs).
AS_IS = frozenset({"Query", "GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems",
                   "TransactGetItems", "Scan", "BatchWriteItem"})


def _epoch(moment: datetime) -> float:
    """moto's naive datetimes are UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _json_as_is() -> None:
    from moto.core.serialize import BaseJSONSerializer

    shaped = BaseJSONSerializer._serialize_result

    def serialize_result(self, resp, result):
        op = self.operation_model
        service = op.service_model.service_name
        if isinstance(result, dict) and op.name in AS_IS and service == "dynamodb":
            body = {k: v for k, v in result.items() if v is not None}
            return self._serialized_result_to_response(resp, result, op.output_shape, body)
        if isinstance(result, dict) and op.name == "GetRecords" and service == "dynamodbstreams":
            # Stream records are DynamoDB's wire shape too, with one timestamp (epoch seconds on the wire).
            body = {**result, "Records": [{**r, "dynamodb": {**r["dynamodb"], "ApproximateCreationDateTime": _epoch(
                r["dynamodb"]["ApproximateCreationDateTime"])}} for r in result.get("Records", [])]}
            return self._serialized_result_to_response(resp, result, op.output_shape, body)
        return shaped(self, resp, result)

    serialize_result.shaped = shaped
    BaseJSONSerializer._serialize_result = serialize_result


def one_backup_per_transaction() -> None:
    """Make moto's DynamoDB cost what the request touches, not what the table holds (idempotent;
    the tests, the bench and the local stack all run with it).

    - A transaction: moto deep-copies every table it writes to, once per *item*, to roll back on
      failure; past a few hundred items that copy dominates every request. Here the items the
      transaction names are copied instead (at most 100), and put back if it fails for any reason.
    - A Query on the table's own key: moto builds and sorts the list of every item, then keeps one
      partition. Here it reads only that partition (index queries keep moto's own path).
    - A response: moto walks botocore's output shape value by value to write JSON it already holds
      in DynamoDB's wire form (~10 ms per Query of one application). The item-level operations'
      results are written as they are (tests/local/test_moto_server.py compares both ways), and so
      are DynamoDB Streams' records (the notify pipe reads every write of the table).
    """
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    if getattr(models.DynamoDBBackend.transact_write_items, "_touched_items_only", False):
        return
    _json_as_is()
    transact_write_items = models.DynamoDBBackend.transact_write_items
    query, all_items = Table.query, Table.all_items
    query_signature = inspect.signature(query)
    models.copy = _CopyKeepingTables()

    def transact_write_items_rolling_back_touched_items(self, transact_items):
        saved = [_save(self, op) for entry in transact_items for op in entry.values()]
        streams = _stream_marks(self, transact_items)
        _local.in_transaction = True
        try:
            return transact_write_items(self, transact_items)
        except BaseException:
            for item in reversed(saved):  # reversed: a key named twice gets its first (original) copy
                if item:
                    item.restore()
            for shard, length in streams:  # moto wrote a stream record per item it applied: unwrite them
                del shard.items[length:]
            raise
        finally:
            _local.in_transaction = False

    def query_one_partition(self, *args, **kwargs):
        arguments = query_signature.bind(self, *args, **kwargs).arguments
        if arguments.get("index_name"):
            return query(self, *args, **kwargs)
        _local.partition = (self, arguments["hash_key"])
        try:
            return query(self, *args, **kwargs)
        finally:
            _local.partition = None

    def all_items_or_one_partition(self):
        table, hash_key = getattr(_local, "partition", None) or (None, None)
        if table is not self:
            return all_items(self)
        partition = self.items.get(hash_key)  # .get: items is a defaultdict, indexing would add the key
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    transact_write_items_rolling_back_touched_items._touched_items_only = True
    models.DynamoDBBackend.transact_write_items = transact_write_items_rolling_back_touched_items
    Table.query = query_one_partition
    Table.all_items = all_items_or_one_partition


_local = threading.local()  # per thread: in-process moto may serve several at once


class _CopyKeepingTables:
    """`copy` as moto.dynamodb.models sees it: inside a transaction its whole-table backup is the
    table itself, since the touched items were saved instead (moto's "rollback" then puts back the
    same table object, a no-op)."""

    @staticmethod
    def deepcopy(value, memo=None):
        from moto.dynamodb.models.table import Table

        if getattr(_local, "in_transaction", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _stream_marks(backend, transact_items) -> list[tuple[object, int]]:
    """Each stream the transaction's tables write to, with its length now. A cancelled transaction
    leaves no record in DynamoDB Streams, so none may stay here: the notify function would send a
    message for a decision that never happened (README "Notifications")."""
    marks = {}
    for entry in transact_items:
        for op in entry.values():
            try:
                shard = backend.get_table(op["TableName"]).stream_shard
            except Exception:  # moto refuses the same op and the transaction with it
                continue
            if shard is not None:
                marks[id(shard)] = (shard, len(shard.items))
    return list(marks.values())


@dataclass
class _SavedItem:
    """One item a transaction names, as it was before (None: absent), to put back on failure."""
    table: object
    hash_key: object
    range_key: object
    item: object

    def restore(self) -> None:
        items = self.table.items
        if self.range_key is None:
            if self.item is None:
                items.pop(self.hash_key, None)
            else:
                items[self.hash_key] = self.item
        elif self.item is not None:
            items[self.hash_key][self.range_key] = self.item
        elif self.hash_key in items:
            items[self.hash_key].pop(self.range_key, None)


def _save(backend, op: dict) -> _SavedItem | None:
    """A copy of the item `op` names; None when moto could not apply `op` either (no such table, no key)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        table = backend.get_table(op["TableName"])
        key = op["Item"] if "Item" in op else op["Key"]
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    except Exception:  # moto refuses the same op and the transaction with it
        return None
    partition = table.items.get(hash_key)
    item = partition.get(range_key) if partition is not None and range_key is not None else partition
    return _SavedItem(table, hash_key, range_key, copy.deepcopy(item))


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
        # S3's checks of a presigned POST (local/s3_post.py) and S3's own CORS rules (local/s3_cors.py),
        # neither of which moto makes.
        keys = {FAKE_AWS["AWS_ACCESS_KEY_ID"]: (FAKE_AWS["AWS_SECRET_ACCESS_KEY"], FAKE_AWS["AWS_SESSION_TOKEN"])}
        self.cors = S3Cors(S3PostPolicy(self.app, keys))
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
