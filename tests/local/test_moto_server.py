"""The embedded AWS keeps AWS's atomicity: one request at a time through moto, yet an SQS long poll
holds nobody up; a failed transaction changes nothing although only the items it names are saved,
and a Query on the table's key reads its partition alone with moto's answers."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from contextlib import contextmanager

import botocore.exceptions
import pytest
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


# ------------------------------------------------------------ DynamoDB: transactions and queries
# (in-process moto from tests/conftest.py's `aws`, which installs the same patch as the local stack)

def S(value: str) -> dict:
    return {"S": value}


def row(pk: str, sk: str, **attrs: str) -> dict:
    return {"PK": S(pk), "SK": S(sk), **{k: S(v) for k, v in attrs.items()}}


def everything(aws) -> dict:
    """What a reader can see: every item, both indexes' answers, the item count."""
    ddb = aws.ddb

    def query(**kw) -> list:
        return ddb.query(TableName=aws.table, **kw)["Items"]

    return {
        "items": sorted((i for i in ddb.scan(TableName=aws.table)["Items"]), key=lambda i: (i["PK"]["S"], i["SK"]["S"])),
        "count": ddb.describe_table(TableName=aws.table)["Table"]["ItemCount"],
        "partitions": {pk: query(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": S(pk)})
                       for pk in ("APP#1", "APP#2", "APP#3")},
        "by_candidate": query(IndexName="ByCandidate", KeyConditionExpression="GSI1PK = :c",
                              ExpressionAttributeValues={":c": S("CAND#1")}),
        "queue": query(IndexName="ReviewQueue", KeyConditionExpression="QueuePK = :q",
                       ExpressionAttributeValues={":q": S("QUEUE#1101")}),
    }


@pytest.fixture
def seeded(aws):
    for item in (row("APP#1", "META", GSI1PK="CAND#1", GSI1SK="2026", state="DRAFT"),
                 row("APP#1", "IMG#a", QueuePK="QUEUE#1101", QueueSK="001", state="PENDING"),
                 row("APP#2", "META", GSI1PK="CAND#1", GSI1SK="2025", state="DRAFT"),
                 row("APP#2", "SLOT#id", used="1")):
        aws.ddb.put_item(TableName=aws.table, Item=item)
    return aws


def four_writes(aws, third: dict) -> list[dict]:
    """A new item (in a new partition and in both indexes), an update that moves an item in both
    indexes, `third`, and a delete."""
    t = aws.table
    return [
        {"Put": {"TableName": t, "Item": row("APP#3", "META", GSI1PK="CAND#1", GSI1SK="2027", QueuePK="QUEUE#1101",
                                              QueueSK="000", state="NEW")}},
        {"Update": {"TableName": t, "Key": {"PK": S("APP#1"), "SK": S("IMG#a")},
                    "UpdateExpression": "SET #s = :s, QueueSK = :q, GSI1PK = :c, GSI1SK = :y",
                    "ExpressionAttributeNames": {"#s": "state"},
                    "ExpressionAttributeValues": {":s": S("ACCEPTED"), ":q": S("999"), ":c": S("CAND#1"),
                                                  ":y": S("2000")}}},
        third,
        {"Delete": {"TableName": t, "Key": {"PK": S("APP#2"), "SK": S("SLOT#id")}}},
    ]


def _third_ok(t: str) -> dict:
    return {"Update": {"TableName": t, "Key": {"PK": S("APP#2"), "SK": S("META")},
                       "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "state"},
                       "ExpressionAttributeValues": {":s": S("SUBMITTED")}}}


FAILING_THIRD = {
    "condition fails": lambda t: {"Update": {
        **_third_ok(t)["Update"], "ConditionExpression": "#s = :was",
        "ExpressionAttributeValues": {":s": S("SUBMITTED"), ":was": S("PASSED")}}},
    "condition check fails": lambda t: {"ConditionCheck": {
        "TableName": t, "Key": {"PK": S("APP#2"), "SK": S("META")}, "ConditionExpression": "attribute_not_exists(PK)"}},
    "put over an existing item": lambda t: {"Put": {
        "TableName": t, "Item": row("APP#2", "META", state="X"), "ConditionExpression": "attribute_not_exists(PK)"}},
    "wrong key type": lambda t: {"Put": {"TableName": t, "Item": {"PK": {"N": "1"}, "SK": S("x")}}},
    "invalid update expression": lambda t: {"Update": {**_third_ok(t)["Update"], "UpdateExpression": "SET #s = :nowhere"}},
    "item named twice": lambda t: {"Delete": {"TableName": t, "Key": {"PK": S("APP#1"), "SK": S("IMG#a")}}},
    "no such table": lambda t: {"Delete": {"TableName": "missing", "Key": {"PK": S("APP#1"), "SK": S("META")}}},
}


def test_the_same_transaction_without_a_failing_write_changes_every_view(seeded):
    # The control for the test below: each of the four writes shows in what `everything` sees.
    before = everything(seeded)
    seeded.ddb.transact_write_items(TransactItems=four_writes(seeded, _third_ok(seeded.table)))
    after = everything(seeded)
    assert [view for view in before if after[view] == before[view]] == ["count"]  # one put, one delete
    assert after["partitions"]["APP#2"] == [{**row("APP#2", "META", GSI1PK="CAND#1", GSI1SK="2025",
                                                  state="SUBMITTED")}]


@pytest.mark.parametrize("third", FAILING_THIRD.values(), ids=FAILING_THIRD.keys())
def test_a_failed_transaction_leaves_the_table_exactly_as_it_was(seeded, third):
    # Given
    before = everything(seeded)
    # When the third of four writes fails (the fourth still runs inside moto before it gives up)
    with pytest.raises(botocore.exceptions.ClientError) as failed:
        seeded.ddb.transact_write_items(TransactItems=four_writes(seeded, third(seeded.table)))
    # Then
    assert failed.value.response["Error"]["Code"] in ("TransactionCanceledException", "ValidationException",
                                                      "ResourceNotFoundException")
    assert everything(seeded) == before
    # And the table still takes writes at the keys the failed transaction named
    seeded.ddb.transact_write_items(TransactItems=four_writes(seeded, _third_ok(seeded.table)))
    assert everything(seeded)["partitions"]["APP#3"][0]["state"] == S("NEW")


def test_a_query_on_the_table_key_answers_as_moto_does(seeded):
    ddb, t = seeded.ddb, seeded.table
    sks = [f"IMG#{n:03d}" for n in (7, 3, 11, 1, 9, 5)]
    for sk in sks:
        ddb.put_item(TableName=t, Item=row("APP#9", sk, note=sk[-1]))
    ddb.put_item(TableName=t, Item=row("APP#90", "IMG#002"))  # a neighbouring partition stays out

    def sks_of(**kw) -> list[str]:
        pages, start = [], {}
        while True:
            page = ddb.query(TableName=t, KeyConditionExpression="PK = :p AND begins_with(SK, :img)",
                             ExpressionAttributeValues={":p": S("APP#9"), ":img": S("IMG#"), **kw.pop("values", {})},
                             **start, **kw)
            pages.append([i["SK"]["S"] for i in page["Items"]])
            if "LastEvaluatedKey" not in page:
                return [sk for p in pages for sk in p]
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    assert sks_of() == sorted(sks)
    assert sks_of(ScanIndexForward=False, Limit=4) == sorted(sks, reverse=True)
    assert sks_of(FilterExpression="note <> :one", values={":one": S("1")}) == sorted(set(sks) - {"IMG#001", "IMG#011"})
    # An absent partition answers nothing
    nothing = ddb.query(TableName=t, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": S("APP#none")})
    assert nothing["Items"] == [] and nothing["Count"] == 0
    # Index queries keep moto's own path
    assert [i["PK"]["S"] for i in everything(seeded)["by_candidate"]] == ["APP#2", "APP#1"]


def test_dynamodb_results_written_as_they_are_equal_what_the_shapes_would_write(embedded_aws):
    """The fast path of one_backup_per_transaction() changes no byte a client reads."""
    from moto.core.serialize import BaseJSONSerializer

    from local.moto_server import one_backup_per_transaction

    one_backup_per_transaction()
    ddb = embedded_aws.client("dynamodb")
    item = {"PK": {"S": "APP#x"}, "SK": {"S": "IMG#1"}, "n": {"N": "1.50"}, "l": {"L": [{"S": "a"}, {"N": "2"}]},
            "m": {"M": {"b": {"BOOL": True}, "z": {"NULL": True}}}, "ss": {"SS": ["a", "b"]}, "zh": {"S": "考生"}}

    def run() -> dict:
        table = "as-is-" + uuid.uuid4().hex[:8]
        ddb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"}])
        calls = [
            ("put_item", {"TableName": table, "Item": item, "ReturnConsumedCapacity": "TOTAL"}),
            ("transact_write_items", {"TransactItems": [{"Put": {"TableName": table, "Item": {**item, "SK": {"S": "B"}}}}]}),
            ("get_item", {"TableName": table, "Key": {"PK": item["PK"], "SK": item["SK"]}}),
            ("query", {"TableName": table, "KeyConditionExpression": "PK = :p", "Limit": 1,
                       "ExpressionAttributeValues": {":p": {"S": "APP#x"}}, "ReturnConsumedCapacity": "INDEXES"}),
            ("query", {"TableName": table, "KeyConditionExpression": "PK = :p",
                       "ExpressionAttributeValues": {":p": {"S": "APP#x"}}}),
        ]
        out = {}
        for n, (name, kwargs) in enumerate(calls):
            reply = getattr(ddb, name)(**kwargs)
            reply.pop("ResponseMetadata")
            out[f"{n}:{name}"] = json.loads(json.dumps(reply).replace(table, "TABLE"))
        return out

    fast = run()
    patched = BaseJSONSerializer._serialize_result
    BaseJSONSerializer._serialize_result = patched.shaped
    try:
        shaped = run()
    finally:
        BaseJSONSerializer._serialize_result = patched
    assert fast == shaped
    assert fast["2:get_item"]["Item"] == item and fast["4:query"]["Count"] == 2
