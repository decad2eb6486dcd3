"""template.yaml transforms with aws-sam-translator, lints clean with cfn-lint, and keeps the
promises the rest of the system relies on. Offline: no AWS call, no network."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import boto3
import pytest
from cfnlint.api import lint, lint_all
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

ROUTES = {
    "StatusFunction": [
        "PUT /applications/{id}", "GET /applications", "GET /applications/{id}", "GET /applications/{id}/status",
    ],
    "UploadPresignFunction": [
        "POST /applications/{id}/materials/{type}/images",
        "DELETE /applications/{id}/materials/{type}/images/{imageId}",
    ],
    "ReviewFunction": [
        "GET /review/queue", "POST /review/applications/{id}/claim", "DELETE /review/applications/{id}/claim",
        "GET /review/applications/{id}", "POST /review/applications/{id}/images/{imageId}/decision",
        "POST /review/applications/{id}/decision", "POST /review/applications/{id}/phase",
        "GET /review/applications", "GET /review/stats", "GET /review/trace/{reference}",
    ],
}
HANDLERS = {
    "StatusFunction": "status.app.lambda_handler",
    "UploadPresignFunction": "upload_presign.app.lambda_handler",
    "ReviewFunction": "review.app.lambda_handler",
    "ProcessImageFunction": "process_image.app.lambda_handler",
}


@pytest.fixture(scope="module")
def text() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def template(text) -> dict:
    return yaml_parse(text)


@pytest.fixture(scope="module")
def resources(template) -> dict:
    return template["Resources"]


@pytest.fixture(scope="module")
def cfn(template) -> dict:
    """The CloudFormation that `sam deploy` would create (code locations replaced as `sam package` does)."""
    sam = copy.deepcopy(template)
    sam["Globals"]["Function"]["CodeUri"] = "s3://artifacts/functions.zip"
    sam["Resources"]["PillowLayer"]["Properties"]["ContentUri"] = "s3://artifacts/pillow.zip"
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    translator = Translator(None, Parser(), boto_session=session)
    return translator.translate(sam, {"JwtIssuer": "https://issuer.example", "JwtAudience": "client"},
                                get_managed_policy_map=lambda: {})


def of_type(cfn: dict, kind: str) -> dict:
    return {lid: r for lid, r in cfn["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_finds_no_errors_and_no_warnings(text):
    # lint() runs the error and warning rules (with the SAM transform); informational rules aside.
    assert [str(m) for m in lint(text, regions=["us-east-1"])] == []
    assert [str(m) for m in lint_all(text) if m.rule.id[0] in "EW"] == []


def test_transforms_to_the_expected_resources(cfn):
    assert {"HttpApi", "AppTable", "UploadsBucket", "MaterialsBucket", "UploadQueue", "UploadDeadLetterQueue",
            "UploadQueuePolicy", *HANDLERS} <= set(cfn["Resources"])
    assert set(of_type(cfn, "AWS::Lambda::Function")) == set(HANDLERS)


def test_functions_share_one_code_uri_with_dotted_handlers_on_arm64(cfn):
    for name, function in of_type(cfn, "AWS::Lambda::Function").items():
        props = function["Properties"]
        assert props["Handler"] == HANDLERS[name]
        assert props["Code"] == {"S3Bucket": "artifacts", "S3Key": "functions.zip"}
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.12"
        assert props["TracingConfig"] == {"Mode": "Active"}


def test_every_function_gets_the_environment(cfn):
    for name, function in of_type(cfn, "AWS::Lambda::Function").items():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["TABLE_NAME"] == {"Ref": "AppTable"}
        assert env["UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
        assert env["MATERIALS_BUCKET"] == {"Ref": "MaterialsBucket"}
        assert (env["UPLOAD_URL_TTL_SECONDS"], env["VIEW_URL_TTL_SECONDS"], env["CLAIM_TTL_SECONDS"]) == ("300", "600", "900")
        assert env["POWERTOOLS_SERVICE_NAME"] == HANDLERS[name].split(".")[0]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "ExamMaterials"
        assert env["WEB_ORIGIN"] == {"Ref": "WebOrigin"}


def test_pillow_layer_is_attached_only_to_process_image(cfn, resources):
    layered = {name: f["Properties"].get("Layers") for name, f in of_type(cfn, "AWS::Lambda::Function").items()}
    assert {name for name, layers in layered.items() if layers} == {"ProcessImageFunction"}
    (layer_id,) = of_type(cfn, "AWS::Lambda::LayerVersion")
    assert layered["ProcessImageFunction"] == [{"Ref": layer_id}]
    assert resources["PillowLayer"]["Metadata"]["BuildMethod"] == "python3.12"
    assert resources["PillowLayer"]["Properties"]["ContentUri"] == "layers/pillow/"


def test_process_image_is_fed_by_the_queue_with_partial_batch_failures(cfn):
    (mapping,) = of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["UploadQueue", "Arn"]}
    assert props["FunctionName"] == {"Ref": "ProcessImageFunction"}
    assert props["BatchSize"] == 10
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_queue_redrives_to_the_dead_letter_queue_after_5_receives(resources):
    queue = resources["UploadQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["UploadDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 5}
    timeout = resources["ProcessImageFunction"]["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["SqsManagedSseEnabled"] is True
    assert resources["UploadDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_table_keys_indexes_ttl_and_protection(resources):
    table = resources["AppTable"]
    props = table["Properties"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}]
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert indexes["ByCandidate"]["KeySchema"] == [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                                   {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]
    assert indexes["ReviewQueue"]["KeySchema"] == [{"AttributeName": "QueuePK", "KeyType": "HASH"},
                                                   {"AttributeName": "QueueSK", "KeyType": "RANGE"}]
    assert indexes["BySite"]["KeySchema"] == [{"AttributeName": "SitePK", "KeyType": "HASH"},
                                              {"AttributeName": "SiteSK", "KeyType": "RANGE"}]
    assert indexes["ByCandidate"]["Projection"] == indexes["ReviewQueue"]["Projection"] == {"ProjectionType": "ALL"}
    # BySite projects what a list row and the season's counts read: application_from needs no more
    assert indexes["BySite"]["Projection"]["ProjectionType"] == "INCLUDE"
    assert {"candidateName", "idNumber", "status", "queue", "readyAt", "claimExpiresAt"} <= set(
        indexes["BySite"]["Projection"]["NonKeyAttributes"])
    assert {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]} == dict.fromkeys(
        ["PK", "SK", "GSI1PK", "GSI1SK", "QueuePK", "QueueSK", "SitePK", "SiteSK"], "S")
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize("bucket", ["UploadsBucket", "MaterialsBucket"])
def test_buckets_are_private_encrypted_retained_and_tls_only(resources, bucket):
    resource = resources[bucket]
    props = resource["Properties"]
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True)
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    (policy,) = [r for r in resources.values()
                 if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket}]
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}]


def test_uploads_bucket_is_a_quarantine_that_notifies_the_queue(resources):
    props = resources["UploadsBucket"]["Properties"]
    (notification,) = props["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Queue"] == {"Fn::GetAtt": ["UploadQueue", "Arn"]}
    assert notification["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}}
    (expiry,) = props["LifecycleConfiguration"]["Rules"]
    assert expiry["Status"] == "Enabled" and expiry["ExpirationInDays"] == 1
    assert expiry["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["POST"] and cors["AllowedOrigins"] == [{"Ref": "WebOrigin"}]
    assert "ExpirationInDays" not in str(resources["MaterialsBucket"]["Properties"].get("LifecycleConfiguration"))


def test_queue_policy_lets_only_the_uploads_bucket_send_and_exists_before_it(resources):
    assert resources["UploadsBucket"]["DependsOn"] == "UploadQueuePolicy"
    policy = resources["UploadQueuePolicy"]["Properties"]
    assert policy["Queues"] == [{"Ref": "UploadQueue"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    # The same name the bucket gets, built with !Sub: a !GetAtt on the bucket would be a cycle.
    source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    name = resources["UploadsBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert source == f"arn:${{AWS::Partition}}:s3:::{name}"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_every_route_once_on_its_function_behind_the_jwt_authorizer(cfn, resources):
    declared = [
        (f"{e['Properties']['Method'].upper()} {e['Properties']['Path']}", name)
        for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"
        for e in r["Properties"].get("Events", {}).values() if e["Type"] == "HttpApi"
    ]
    assert sorted(declared) == sorted((route, fn) for fn, routes in ROUTES.items() for route in routes)

    body = cfn["Resources"]["HttpApi"]["Properties"]["Body"]
    deployed = {}
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            deployed[f"{method.upper()} {path}"] = re.search(r"\$\{(\w+)\.Arn\}", uri).group(1)
            assert operation["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "2.0"
            assert operation["security"] == [{"JwtAuthorizer": []}]
    assert deployed == {route: fn for fn, routes in ROUTES.items() for route in routes}


def test_api_has_jwt_authorizer_and_cors_from_parameters(resources):
    props = resources["HttpApi"]["Properties"]
    authorizer = props["Auth"]["Authorizers"][props["Auth"]["DefaultAuthorizer"]]
    assert authorizer["IdentitySource"] == "$request.header.Authorization"
    assert authorizer["JwtConfiguration"] == {"issuer": {"Ref": "JwtIssuer"}, "audience": [{"Ref": "JwtAudience"}]}
    cors = props["CorsConfiguration"]
    assert cors["AllowOrigins"] == [{"Ref": "WebOrigin"}]
    assert set(cors["AllowMethods"]) == {"GET", "PUT", "POST", "DELETE"}
    assert set(cors["AllowHeaders"]) == {"Authorization", "Content-Type", "If-None-Match"}
    assert cors["ExposeHeaders"] == ["ETag"]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_function_policies_are_narrow(cfn):
    """No Scan anywhere, ever; no wildcard actions or resources; S3 objects only under known prefixes."""
    for name in HANDLERS:
        role = cfn["Resources"][f"{name}Role"]["Properties"]
        for statement in (s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]):
            actions, resources = as_list(statement["Action"]), as_list(statement["Resource"])
            assert "dynamodb:Scan" not in actions and not any(a.endswith("*") for a in actions), name
            assert "*" not in resources, name
            if actions == ["s3:ListBucket"]:  # only to tell a missing upload (404) from a denied one (403)
                assert (name, resources) == ("ProcessImageFunction", [{"Fn::GetAtt": ["UploadsBucket", "Arn"]}])
            elif any(a.startswith("s3:") for a in actions):
                assert all(re.search(r"/(uploads|materials|samples)/\*$", r["Fn::Sub"]) for r in resources), name


def test_outputs(template):
    assert set(template["Outputs"]) >= {"ApiUrl", "UploadsBucketName", "MaterialsBucketName", "TableName",
                                        "UploadQueueUrl", "DeadLetterQueueUrl"}
