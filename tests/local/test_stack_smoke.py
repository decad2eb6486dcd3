"""`make run`'s stack over HTTP: health, tokens, the authorizer, routing, resources built from the
template, and DynamoDB's atomicity kept under concurrency."""

from __future__ import annotations

import json
import threading
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from local.template import derive, load_template
from tools.openapi import TITLE

pytestmark = pytest.mark.localstack


def template_stack(web_origin: str):
    return derive(load_template(), {"JwtIssuer": "issuer", "JwtAudience": "audience", "WebOrigin": web_origin})


def test_healthz_is_ok_once_ready(local_stack):
    response = requests.get(f"{local_stack.url}/healthz", timeout=5)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_dev_token_mints_a_cognito_like_id_token(local_stack):
    # When
    token = local_stack.token("site-1101", ["site_reviewer"], site="1101", region="11")
    # Then
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "site-1101"
    assert claims["cognito:groups"] == ["site_reviewer"]
    assert (claims["custom:site"], claims["custom:region"], claims["token_use"]) == ("1101", "11", "id")
    assert claims["exp"] - claims["iat"] == 12 * 3600
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


def test_dev_token_rejects_a_malformed_body(local_stack):
    response = requests.post(f"{local_stack.url}/dev/token", json={"groups": ["candidate"]}, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def _foreign_token(claims: dict) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "someone-else"})


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer not-a-jwt",
    "Bearer " + _foreign_token({"sub": "cand-001", "exp": int(time.time()) + 600}),
])
def test_requests_without_a_valid_token_get_401_from_the_authorizer(local_stack, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = requests.get(f"{local_stack.url}/applications", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_unknown_route_is_404_in_the_contract_shape(local_stack):
    response = requests.get(f"{local_stack.url}/no/such/route", headers=local_stack.auth("x", ["candidate"]),
                            timeout=5)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "NOT_FOUND" and error["message"] and error["messageZh"]


def test_web_client_is_served_at_root(local_stack):
    response = requests.get(f"{local_stack.url}/", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "医师资格考试" in response.text


def test_cors_preflight_answers_for_the_web_origin(local_stack):
    response = requests.options(f"{local_stack.url}/applications", timeout=5, headers={
        "Origin": local_stack.url, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == local_stack.url
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]


def test_openapi_document_merges_the_handlers_and_matches_the_template_routes(local_stack):
    doc = requests.get(f"{local_stack.url}/openapi.json", timeout=30).json()
    assert doc["info"]["title"] == TITLE and doc["servers"] == [{"url": local_stack.url}]
    template_routes = {r.route_key for r in template_stack(local_stack.url).routes}
    documented = {f"{method.upper()} {path}" for path, ops in doc["paths"].items() for method in ops}
    # A route a handler serves but the template does not declare would be unreachable in AWS, and
    # a template route no handler documents would be a route nobody can learn about.
    assert documented == template_routes


def test_resources_in_moto_are_the_ones_the_template_declares(local_stack):
    expected = template_stack(local_stack.url)
    dynamodb, sqs, s3 = (local_stack.client(s) for s in ("dynamodb", "sqs", "s3"))

    (table,) = expected.tables
    described = dynamodb.describe_table(TableName=local_stack.name("AppTable"))["Table"]
    assert described["KeySchema"] == table["KeySchema"]
    assert {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in described["GlobalSecondaryIndexes"]} == {
        i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table["GlobalSecondaryIndexes"]}
    ttl = dynamodb.describe_time_to_live(TableName=local_stack.name("AppTable"))["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")

    url = sqs.get_queue_url(QueueName=local_stack.name("UploadQueue"))["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "180"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == 5
    assert redrive["deadLetterTargetArn"].endswith(":" + local_stack.name("UploadDeadLetterQueue"))

    uploads = local_stack.name("UploadsBucket")
    (notification,) = s3.get_bucket_notification_configuration(Bucket=uploads)["QueueConfigurations"]
    assert notification["Events"] == ["s3:ObjectCreated:*"]
    assert notification["QueueArn"] == attributes["QueueArn"]
    assert notification["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "uploads/"}]
    (cors,) = s3.get_bucket_cors(Bucket=uploads)["CORSRules"]
    assert cors["AllowedMethods"] == ["POST"] and cors["AllowedOrigins"] == [local_stack.url]
    s3.head_bucket(Bucket=local_stack.name("MaterialsBucket"))


def _race(client, table: str, writers: int) -> list[str]:
    """`writers` threads put the same new item at once, each only if it does not exist yet."""
    key, start, outcomes = f"TEST#race-{uuid.uuid4().hex}", threading.Barrier(writers), []

    def put(n: int) -> None:
        start.wait()
        try:
            client.put_item(TableName=table, Item={"PK": {"S": key}, "SK": {"S": "RACE"}, "n": {"N": str(n)}},
                            ConditionExpression="attribute_not_exists(PK)")
            outcomes.append("won")
        except client.exceptions.ConditionalCheckFailedException:
            outcomes.append("lost")

    threads = [threading.Thread(target=put, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


def test_concurrent_conditional_writes_through_the_stack_let_exactly_one_win(local_stack):
    """moto's DynamoDB is not thread-safe; the stack serialises it, so the condition holds as in AWS.
    (test_moto_server.py shows the same race failing without the lock.)"""
    writers = 20
    client = local_stack.client("dynamodb", max_pool_connections=writers)  # one connection per writer
    for _ in range(5):
        assert _race(client, local_stack.name("AppTable"), writers) == ["lost"] * (writers - 1) + ["won"]
