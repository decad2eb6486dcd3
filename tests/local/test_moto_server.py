"""The embedded AWS keeps AWS's atomicity: one request at a time through moto, yet an SQS long poll
holds nobody up."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from contextlib import contextmanager

import requests
from werkzeug.serving import make_server

from local.moto_server import MotoServer, SerialisedApp
from local.stack import client


@contextmanager
def fast_thread_switching():
    """Switch threads as often as possible, so an unprotected race would really interleave."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def run_together(n: int, target) -> None:
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        target(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)


def test_requests_reach_the_backend_one_at_a_time():
    # Given a slow backend behind the middleware, on a threaded server
    inside, most = [0], [0]
    guard = threading.Lock()

    def backend(environ, start_response):
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.02)
        with guard:
            inside[0] -= 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, SerialisedApp(backend), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        # When 10 requests arrive together
        run_together(10, lambda _: requests.get(url, timeout=10))
    finally:
        server.shutdown()
        server.server_close()
    # Then
    assert most[0] == 1


def test_concurrent_optimistic_updates_let_exactly_one_win(embedded_aws):
    dynamodb = embedded_aws.client("dynamodb", max_pool_connections=20)
    table = embedded_aws.stack.names["AppTable"]
    with fast_thread_switching():
        for _ in range(5):
            key = {"PK": {"S": f"TEST#{uuid.uuid4().hex}"}, "SK": {"S": "V"}}
            dynamodb.put_item(TableName=table, Item={**key, "version": {"N": "1"}})
            wins: list[int] = []

            def bump(n: int, key=key, wins=wins) -> None:
                try:
                    dynamodb.update_item(TableName=table, Key=key, UpdateExpression="SET version = :next, writer = :n",
                                         ConditionExpression="version = :seen", ExpressionAttributeValues={
                                             ":seen": {"N": "1"}, ":next": {"N": "2"}, ":n": {"N": str(n)}})
                    wins.append(n)
                except dynamodb.exceptions.ConditionalCheckFailedException:
                    pass

            run_together(20, bump)
            assert len(wins) == 1


def test_a_long_poll_neither_blocks_others_nor_misses_a_new_message(embedded_aws):
    sqs = embedded_aws.client("sqs")
    url = sqs.create_queue(QueueName=f"poll-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    received: list[tuple[float, list]] = []
    poller = threading.Thread(target=lambda: received.append((time.monotonic(), sqs.receive_message(
        QueueUrl=url, WaitTimeSeconds=10).get("Messages", []))))
    poller.start()
    time.sleep(0.3)  # let the poll start waiting

    # When another request comes while the poll waits
    started = time.monotonic()
    embedded_aws.client("dynamodb").describe_table(TableName=embedded_aws.stack.names["AppTable"])
    # Then it is not held up by the poll
    assert time.monotonic() - started < 2

    # And a message sent now reaches the waiting poll at once
    sent = time.monotonic()
    client("sqs", embedded_aws.url).send_message(QueueUrl=url, MessageBody="hello")
    poller.join(timeout=15)
    ((answered, messages),) = received
    assert [m["Body"] for m in messages] == ["hello"]
    assert answered - sent < 2


def test_stopping_the_server_ends_pending_long_polls_at_once():
    server = MotoServer().start()
    sqs = client("sqs", server.url)
    url = sqs.create_queue(QueueName=f"stop-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    poller = threading.Thread(target=lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20))
    poller.start()
    time.sleep(0.3)
    started = time.monotonic()
    server.stop()
    poller.join(timeout=10)
    assert not poller.is_alive()
    assert time.monotonic() - started < 3
