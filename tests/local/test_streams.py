"""The DynamoDB Streams event-source stand-in against moto's server: Lambda's event shape, the filter,
LATEST, partial batch failures, and giving a batch up to the OnFailure queue after its retries."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest

from local.streams import StreamPoller, to_queue
from local.template import REGION

AUDIT = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["audit"]}}}}


@pytest.fixture
def table(embedded_aws):
    ddb = embedded_aws.client("dynamodb")
    name = f"streams-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                           {"AttributeName": "SK", "AttributeType": "S"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    return ddb, name, arn, embedded_aws.client("dynamodbstreams", account_id_endpoint_mode="disabled")


def put(ddb, name, sk, kind="audit"):
    ddb.put_item(TableName=name, Item={"PK": {"S": "APP#1"}, "SK": {"S": sk}, "kind": {"S": kind}})


class Function:
    def __init__(self, fail=lambda records: None):
        self.fail, self.batches = fail, []

    def __call__(self, event):
        records = event["Records"]
        self.batches.append([r["dynamodb"]["Keys"]["SK"]["S"] for r in records])
        return self.fail(records)


def test_lambdas_event_with_only_what_the_filter_matches_and_only_from_latest(table):
    ddb, name, arn, streams = table
    put(ddb, name, "before")
    function = Function()
    poller = StreamPoller(streams, arn, REGION, function, (AUDIT,), batch_size=2)
    put(ddb, name, "a1")
    put(ddb, name, "x", kind="delivery")
    put(ddb, name, "a2")
    put(ddb, name, "a3")
    while poller.poll_once():
        pass
    assert function.batches == [["a1", "a2"], ["a3"]]
    ddb.update_item(TableName=name, Key={"PK": {"S": "APP#1"}, "SK": {"S": "a1"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "1"}})
    poller.poll_once()
    assert function.batches == [["a1", "a2"], ["a3"]]  # a MODIFY is not an INSERT


def test_the_record_is_lambdas_dynamodb_record(table):
    ddb, name, arn, streams = table
    seen = []
    poller = StreamPoller(streams, arn, REGION, lambda e: seen.extend(e["Records"]), (AUDIT,))
    put(ddb, name, "a1")
    poller.poll_once()
    (record,) = seen
    assert (record["eventName"], record["eventSource"], record["eventSourceARN"]) == ("INSERT", "aws:dynamodb", arn)
    assert record["dynamodb"]["NewImage"] == {"PK": {"S": "APP#1"}, "SK": {"S": "a1"}, "kind": {"S": "audit"}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)  # epoch seconds, as Lambda sends
    json.dumps(record)
    # and moto's answer (written as it is, local/moto_server.py) parses as DynamoDB Streams' own
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=streams.describe_stream(StreamArn=arn)[
        "StreamDescription"]["Shards"][0]["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert isinstance(streams.get_records(ShardIterator=iterator)["Records"][0]["dynamodb"]["ApproximateCreationDateTime"],
                      datetime)


def test_a_partial_failure_is_retried_from_the_first_failed_record(table):
    ddb, name, arn, streams = table
    failing = {"a2"}

    def fail(records):
        bad = [r["dynamodb"]["SequenceNumber"] for r in records if r["dynamodb"]["Keys"]["SK"]["S"] in failing]
        return {"batchItemFailures": [{"itemIdentifier": s} for s in bad]}

    function = Function(fail)
    poller = StreamPoller(streams, arn, REGION, function, (AUDIT,))
    for sk in ("a1", "a2", "a3"):
        put(ddb, name, sk)
    poller.poll_once()
    failing.clear()
    poller.poll_once()
    poller.poll_once()
    assert function.batches == [["a1", "a2", "a3"], ["a2", "a3"]]


def test_a_batch_that_keeps_failing_is_given_up_to_the_on_failure_queue(table, embedded_aws):
    ddb, name, arn, streams = table
    sqs = embedded_aws.client("sqs")
    dlq = sqs.create_queue(QueueName=f"failures-{uuid.uuid4().hex[:8]}")["QueueUrl"]

    def boom(records):
        raise RuntimeError("the function failed")

    function = Function(boom)
    poller = StreamPoller(streams, arn, REGION, function, (AUDIT,), maximum_retry_attempts=2,
                          on_failure=to_queue(sqs, dlq))
    put(ddb, name, "a1")
    for _ in range(5):
        poller.poll_once()
    assert function.batches == [["a1"]] * 3  # the first try and 2 retries, then on
    (message,) = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    info = json.loads(message["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert (info["DDBStreamBatchInfo"]["batchSize"], info["DDBStreamBatchInfo"]["streamArn"]) == (1, arn)
