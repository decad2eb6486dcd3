"""template.yaml transforms with aws-sam-translator, lints clean with cfn-lint, and keeps the
promises the rest of the system relies on. Offline: no AWS call, no network."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.helpers import REGIONS
from samtranslator.yaml_helper import yaml_parse

from deploy.transform import transform

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

ROUTES = {
    "StatusFunction": [
        "PUT /applications/{id}", "GET /applications", "GET /applications/{id}", "GET /applications/{id}/status",
        "GET /applications/{id}/timeline",
    ],
    "UploadPresignFunction": [
        "POST /applications/{id}/materials/{type}/images",
        "DELETE /applications/{id}/materials/{type}/images/{imageId}",
    ],
    "ReviewFunction": [
        "GET /review/queue", "POST /review/applications/{id}/claim", "DELETE /review/applications/{id}/claim",
        "GET /review/applications/{id}", "GET /review/applications/{id}/audit",
        "GET /review/applications/{id}/images/{imageId}/history", "POST /review/applications/{id}/images/{imageId}/decision",
        "POST /review/applications/{id}/images/approve-passed",
        "POST /review/applications/{id}/decision", "POST /review/applications/{id}/phase",
        "GET /review/applications", "GET /review/stats", "GET /review/trace/{reference}",
    ],
    "NotifyApiFunction": [
        "PUT /me/contact", "POST /me/contact/verify", "GET /me/contact", "DELETE /me/contact", "POST /subscriptions",
        "GET /subscriptions",
        "DELETE /subscriptions/{id}", "GET /categories", "POST /announcements", "GET /announcements/{announcementId}",
    ],
    "SeasonFunction": [
        "PUT /windows/{examYear}/{region}", "GET /windows/{examYear}", "GET /catalogue", "GET /catalogue/versions",
        "GET /catalogue/preview", "PUT /catalogue/{scope}/materials/{type}", "DELETE /catalogue/{scope}/materials/{type}",
        "POST /catalogue/samples/{type}",
    ],
}
# The CloudFront site's origin, and the optional WebOrigin parameter when one is given.
SITE_AND_WEB_ORIGIN = [{"Fn::Sub": "https://${WebDistribution.DomainName}"},
                       {"Fn::If": ["HasWebOrigin", {"Ref": "WebOrigin"}, {"Ref": "AWS::NoValue"}]}]
HANDLERS = {
    "StatusFunction": "status.app.lambda_handler",
    "UploadPresignFunction": "upload_presign.app.lambda_handler",
    "ReviewFunction": "review.app.lambda_handler",
    "ProcessImageFunction": "process_image.app.lambda_handler",
    "NotifyEventsFunction": "notify.events.lambda_handler",
    "PrecheckFunction": "precheck.app.lambda_handler",
    "NotifyFunction": "notify.app.lambda_handler",
    "NotifyApiFunction": "notify.api.lambda_handler",
    "SeasonFunction": "season.app.lambda_handler",
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
    """The CloudFormation that `sam deploy` would create with the defaults (the stack's own user pool),
    code locations replaced as `sam package` does."""
    return transform(copy.deepcopy(template))


@pytest.fixture(scope="module")
def cfn_own_issuer(template) -> dict:
    return transform(copy.deepcopy(template), {"JwtIssuer": "https://issuer.example", "JwtAudience": "web,machine"})


def of_type(cfn: dict, kind: str) -> dict:
    return {lid: r for lid, r in cfn["Resources"].items() if r["Type"] == kind}


# The custom resource's function (the image links' key pair, run by CloudFormation on a deploy): no
# handler of the application's; test_image_links_* check it.
CUSTOM_RESOURCE_FUNCTIONS = {"ImageKeysFunction"}


def app_functions(cfn: dict) -> dict:
    return {lid: r for lid, r in of_type(cfn, "AWS::Lambda::Function").items() if lid not in CUSTOM_RESOURCE_FUNCTIONS}


# Cognito user pools and CloudFront's origin access control do not exist in the China and GovCloud
# partitions (README "Deploy to AWS"): the template is linted for every other region.
COMMERCIAL = [r for r in REGIONS if not r.startswith(("cn-", "us-gov-"))]


def test_cfn_lint_finds_no_errors_and_no_warnings(text):
    # lint() runs the error and warning rules (with the SAM transform); informational rules aside.
    assert [str(m) for m in lint(text, regions=["us-east-1"])] == []
    assert [str(m) for m in lint(text, regions=COMMERCIAL) if m.rule.id[0] in "EW"] == []


def test_transforms_to_the_expected_resources(cfn):
    assert {"HttpApi", "AppTable", "UploadsBucket", "MaterialsBucket", "UploadQueue", "UploadDeadLetterQueue",
            "UploadQueuePolicy", *HANDLERS} <= set(cfn["Resources"])
    assert set(app_functions(cfn)) == set(HANDLERS)


def test_functions_share_one_code_uri_with_dotted_handlers_on_arm64(cfn):
    for name, function in app_functions(cfn).items():
        props = function["Properties"]
        assert props["Handler"] == HANDLERS[name]
        assert props["Code"] == {"S3Bucket": "artifacts", "S3Key": "functions.zip"}
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.12"
        assert props["TracingConfig"] == {"Mode": "Active"}


def test_every_function_gets_the_environment(cfn, resources):
    for name, function in app_functions(cfn).items():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["TABLE_NAME"] == {"Ref": "AppTable"}
        assert env["UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
        assert env["MATERIALS_BUCKET"] == {"Ref": "MaterialsBucket"}
        assert (env["UPLOAD_URL_TTL_SECONDS"], env["VIEW_URL_TTL_SECONDS"], env["CLAIM_TTL_SECONDS"]) == ("300", "600", "900")
        assert env["POWERTOOLS_SERVICE_NAME"] == HANDLERS[name].split(".")[0]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "ExamMaterials"
        assert env["RETENTION_DAYS"] == {"Ref": "RetentionDays"}
        # traces keep neither answers nor errors: names, identity numbers, signed URLs (test_tracing.py)
        assert (env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"], env["POWERTOOLS_TRACER_CAPTURE_ERROR"]) == ("false", "false")
        assert "WEB_ORIGIN" not in env  # no function reads it
    assert resources["AppTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] == "ttl"


def test_pillow_layer_is_attached_only_to_process_image_the_ocr_layer_to_precheck_signing_to_status_and_review(cfn, resources):
    layers = {lid.rstrip("0123456789abcdef"): lid for lid in of_type(cfn, "AWS::Lambda::LayerVersion")}
    assert set(layers) == {"DependenciesLayer", "PillowLayer", "SigningLayer", "OcrLayer"}
    attached = {name: f["Properties"]["Layers"] for name, f in app_functions(cfn).items()}
    pillow, ocr = {"Ref": layers["PillowLayer"]}, {"Ref": layers["OcrLayer"]}
    assert {name for name, refs in attached.items() if pillow in refs} == {"ProcessImageFunction", "PrecheckFunction"}
    assert {name for name, refs in attached.items() if ocr in refs} == {"PrecheckFunction"}
    assert attached["ProcessImageFunction"] == [{"Ref": layers["DependenciesLayer"]}, pillow]
    assert attached["PrecheckFunction"] == [{"Ref": layers["DependenciesLayer"]}, pillow, ocr]
    # cryptography only where image links are signed
    signing = {"Ref": layers["SigningLayer"]}
    assert {name for name, refs in attached.items() if signing in refs} == {"StatusFunction", "ReviewFunction"}
    assert attached["StatusFunction"] == [{"Ref": layers["DependenciesLayer"]}, signing]
    assert resources["SigningLayer"]["Properties"]["ContentUri"] == "layers/signing/"
    assert resources["PillowLayer"]["Properties"]["ContentUri"] == "layers/pillow/"
    assert resources["OcrLayer"]["Properties"]["ContentUri"] == "layers/ocr/"


def test_everything_is_built_by_the_deploy_makefile_for_arm64(cfn, resources):
    """deploy/Makefile compiles .pyc with Python 3.12 and installs the layers --no-deps (test_build)."""
    built = {lid: r for lid, r in resources.items() if r["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")}
    assert set(built) == {*HANDLERS, "DependenciesLayer", "PillowLayer", "SigningLayer", "OcrLayer"}
    for lid, resource in built.items():
        assert {k: resource["Metadata"][k] for k in ("BuildMethod", "BuildArchitecture", "ContextPath")} == {
            "BuildMethod": "makefile", "BuildArchitecture": "arm64", "ContextPath": "deploy"}, lid
    for name, function in app_functions(cfn).items():
        layers = function["Properties"]["Layers"]
        assert layers[0] == {"Ref": next(lid for lid in cfn["Resources"] if lid.startswith("DependenciesLayer"))}, name


def mapping_of(cfn: dict, function: str) -> dict:
    (mapping,) = [m for m in of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
                  if m["Properties"]["FunctionName"] == {"Ref": function}]
    return mapping


def test_process_image_is_fed_by_the_queue_with_partial_batch_failures(cfn):
    props = mapping_of(cfn, "ProcessImageFunction")["Properties"]
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
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
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
    # A failed first deploy deletes what it created, so the fixed names do not block the retry.
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True)
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    (policy,) = [r for r in resources.values()
                 if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket}]
    # the TLS-only statement first; the materials bucket's second lets the distribution read (test_image_links_*)
    deny, *others = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [o["Sid"] for o in others] == (["CloudFrontReadsImages"] if bucket == "MaterialsBucket" else [])
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
    assert cors["AllowedMethods"] == ["POST"]
    assert cors["AllowedOrigins"] == SITE_AND_WEB_ORIGIN


def test_materials_expire_after_the_retention_parameter_and_samples_never(resources):
    rules = resources["MaterialsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (expiry,) = [r for r in rules if "ExpirationInDays" in r]
    assert (expiry["Prefix"], expiry["ExpirationInDays"], expiry["Status"]) == ("materials/", {"Ref": "RetentionDays"}, "Enabled")
    assert resources["AppTable"]["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}


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
    # and every route a handler serves (the OpenAPI document is generated from them) is deployed
    document = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8"))
    served = {f"{m.upper()} {p}" for p, methods in document["paths"].items() for m in methods}
    assert served == {route for route, _ in declared}, served ^ {route for route, _ in declared}

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
    assert authorizer["JwtConfiguration"]["issuer"]["Fn::If"][2] == {"Ref": "JwtIssuer"}
    assert authorizer["JwtConfiguration"]["audience"]["Fn::If"][2] == {"Ref": "JwtAudience"}
    cors = props["CorsConfiguration"]
    assert cors["AllowOrigins"] == SITE_AND_WEB_ORIGIN
    assert set(cors["AllowMethods"]) == {"GET", "PUT", "POST", "DELETE"}
    assert set(cors["AllowHeaders"]) == {"Authorization", "Content-Type", "If-None-Match"}
    assert cors["ExposeHeaders"] == ["ETag"]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def branches(statements: list) -> list[dict]:
    """Policy statements, each branch of an `Fn::If` (a statement that depends on a parameter) counted."""
    out = []
    for s in statements:
        if "Fn::If" in s:
            out += [b for b in s["Fn::If"][1:] if b != {"Ref": "AWS::NoValue"}]
        else:
            out.append(s)
    return out


def test_function_policies_are_narrow(cfn):
    """No Scan anywhere, ever; no wildcard actions or resources; S3 objects only under known prefixes."""
    for name in HANDLERS:
        role = cfn["Resources"][f"{name}Role"]["Properties"]
        for statement in branches([s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]):
            actions = as_list(statement["Action"])
            if "NotResource" in statement:  # an SMS has no ARN: everything but a topic (test_notify_can_only_text)
                assert name in ("NotifyFunction", "NotifyApiFunction") and (actions, statement["Effect"]) == (
                    ["sns:Publish"], "Allow"), name
                continue
            resources = as_list(statement["Resource"])
            if resources == ["*"]:  # X-Ray's write actions take no resource (test_no_aws_managed_policy...)
                assert actions == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], name
                continue
            assert "dynamodb:Scan" not in actions and not any(a.endswith("*") for a in actions), name
            assert "*" not in resources, name
            if actions == ["s3:ListBucket"]:  # to tell a missing upload (404) from a denied one (403), and to
                # sweep what dead attempts left beside a settled image: each under its own prefix
                bucket = resources[0]["Fn::GetAtt"][0]
                assert name == "ProcessImageFunction" and resources == [{"Fn::GetAtt": [bucket, "Arn"]}], name
                prefix = {"UploadsBucket": "uploads/*", "MaterialsBucket": "materials/*"}[bucket]
                assert statement["Condition"] == {"StringLike": {"s3:prefix": [prefix]}}
            elif any(a.startswith("s3:") for a in actions):
                assert all(re.search(r"/(uploads|materials|samples)/\*$", r["Fn::Sub"]) for r in resources), name


def test_no_function_holds_an_aws_managed_policy_and_every_read_names_its_arn(cfn, resources):
    """SAM's managed policies (basic execution, X-Ray, the SQS and stream pollers) grant on "*": each
    function has a role of its own instead, its queue or stream and its log group named by ARN."""
    roles = of_type(cfn, "AWS::IAM::Role")
    assert not [lid for lid, r in roles.items() if r["Properties"].get("ManagedPolicyArns")]
    assert not of_type(cfn, "AWS::IAM::ManagedPolicy")
    for name, function in app_functions(cfn).items():
        assert function["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
        assert roles[f"{name}Role"]["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        granted = {(a, json.dumps(r)) for s in statements(cfn, name) for a in as_list(s["Action"])
                   for r in as_list(s.get("Resource", []))}
        group = resources[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        logs = json.dumps({"Fn::GetAtt": [group, "Arn"]})
        assert {(a, r) for a, r in granted if a.startswith("logs:")} == {("logs:CreateLogStream", logs),
                                                                         ("logs:PutLogEvents", logs)}, name
        assert {(a, r) for a, r in granted if r == '"*"'} == {("xray:PutTraceSegments", '"*"'),
                                                               ("xray:PutTelemetryRecords", '"*"')}, name
    # Lambda's pollers: each queue's by its ARN, the stream's by the table's streams
    for function, queue in (("ProcessImageFunction", "UploadQueue"), ("NotifyFunction", "NotifyQueue")):
        (poll,) = [s for s in statements(cfn, function) if "sqs:ReceiveMessage" in as_list(s["Action"])]
        assert set(poll["Action"]) == {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
        assert poll["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
    (stream,) = [s for s in statements(cfn, "NotifyEventsFunction") if "dynamodb:GetRecords" in as_list(s["Action"])]
    assert set(stream["Action"]) == {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                     "dynamodb:ListStreams"}
    assert stream["Resource"] == {"Fn::Sub": "${AppTable.Arn}/stream/*"}


def test_what_holds_data_outlives_the_stack(cfn, resources):
    """The table cannot be deleted while protected; the table, both buckets, the user pool and every log
    group are kept when the stack is deleted or replaces them (RetainExceptOnCreate: kept once created,
    so only a failed first deploy cleans up after itself)."""
    assert resources["AppTable"]["Properties"]["DeletionProtectionEnabled"] is True
    kept = [lid for lid, r in resources.items() if r["Type"] in ("AWS::DynamoDB::Table", "AWS::S3::Bucket",
                                                                  "AWS::Logs::LogGroup", "AWS::Cognito::UserPool")]
    assert {"AppTable", "UploadsBucket", "MaterialsBucket", "WebBucket", "HttpApiAccessLogs", "UserPool"} <= set(kept)
    # one per function (the key pair's custom resource's too) and the API's access log
    assert len([lid for lid in kept if resources[lid]["Type"] == "AWS::Logs::LogGroup"]) == len(HANDLERS) + 2
    for lid in kept:
        assert resources[lid]["DeletionPolicy"] in ("Retain", "RetainExceptOnCreate"), lid
        assert resources[lid]["UpdateReplacePolicy"] == "Retain", lid


def test_the_api_access_log_says_who_called_which_route_and_path(cfn):
    settings = cfn["Resources"]["HttpApiApiGatewayDefaultStage"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    entry = json.loads(settings["Format"])  # one JSON object per request
    assert entry["routeKey"] == "$context.routeKey" and entry["path"] == "$context.path"
    assert entry["method"] == "$context.httpMethod" and entry["status"] == "$context.status"
    assert entry["sub"] == "$context.authorizer.claims.sub"
    # never the query string: the office searches by name and identity number (?q=...)
    assert not [v for v in entry.values() if "query" in v.lower() or "requestOverride" in v]


def test_outputs(template):
    assert set(template["Outputs"]) >= {"ApiUrl", "UploadsBucketName", "MaterialsBucketName", "TableName",
                                        "UploadQueueUrl", "DeadLetterQueueUrl", "WebUrl", "WebBucketName",
                                        "WebDistributionId", "UserPoolId", "WebClientId", "AuthDomain",
                                        "RegistrationClientId", "AlertTopicArn"}


# ---------------------------------------------------------------- least privilege, limits, operations

TABLE_ACTIONS = {  # what each function's use cases issue (a transaction needs each item's action)
    "StatusFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"},
    # the season's window checked in the transaction (ConditionCheck), read when refused and the application's
    # catalogue version once per warm function (Get)
    "UploadPresignFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                              "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
    "ReviewFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                       "dynamodb:UpdateItem"},
    "ProcessImageFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                             "dynamodb:DeleteItem"},
    # markers claimed (conditional Put), finished (Put), given back (Delete); subscribers (Query), their
    # contacts (BatchGetItem); the announcement's progress (Update) and the lease (Put, Delete)
    "NotifyFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                       "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
    "NotifyEventsFunction": set(),  # the stream is read by the event source (its own statement, on the stream)
    # contacts and announcements (Get, Put), a user's partition (Query), subscriptions in pairs (Put, Delete),
    # a verification code's tries (Update)
    "NotifyApiFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem",
                          "dynamodb:UpdateItem"},
    # the partition (Query); the application (Update) and the checked images (Put) in one transaction
    "PrecheckFunction": {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"},
    # windows (Get, Query, conditional Put); a catalogue change (two Puts and the pointer's Update, one transaction)
    "SeasonFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"},
}
# the deadline reminders walk each site's applications filling in or returned (NotifyFunction)
INDEXES = {"StatusFunction": {"ByCandidate"}, "ReviewFunction": {"ReviewQueue", "BySite"}, "NotifyFunction": {"BySite"}}


def statements(cfn: dict, function: str) -> list[dict]:
    role = cfn["Resources"][f"{function}Role"]["Properties"]
    return branches([s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]])


@pytest.mark.parametrize("function", HANDLERS)
def test_each_function_holds_only_the_table_actions_it_uses(cfn, function):
    on_table, on_indexes = set(), {}
    for s in statements(cfn, function):
        actions = {a for a in as_list(s["Action"]) if a.startswith("dynamodb:")}
        for resource in as_list(s.get("Resource", [])):
            if resource == {"Fn::GetAtt": ["AppTable", "Arn"]}:
                on_table |= actions
            elif "Fn::Sub" in resource and resource["Fn::Sub"].startswith("${AppTable.Arn}/index/"):
                on_indexes.setdefault(resource["Fn::Sub"].rsplit("/", 1)[1], set()).update(actions)
    assert on_table == TABLE_ACTIONS[function]
    assert "dynamodb:Scan" not in on_table
    assert on_indexes == dict.fromkeys(INDEXES.get(function, ()), {"dynamodb:Query"})


def default_of(cfn: dict, value):
    """A number the template takes from a parameter, as deployed with the parameter's default."""
    assert set(value) == {"Ref"}, f"{value}: a literal, not a parameter"
    return cfn["Parameters"][value["Ref"]]["Default"]


def test_api_is_throttled_per_route_from_parameters(cfn):
    stage = cfn["Resources"]["HttpApiApiGatewayDefaultStage"]["Properties"]
    default = {k: default_of(cfn, v) for k, v in stage["DefaultRouteSettings"].items()}
    assert default["ThrottlingBurstLimit"] == 2 * default["ThrottlingRateLimit"] > 0
    routes = stage["RouteSettings"]
    declared = {route for fn in ROUTES.values() for route in fn}
    assert set(routes) <= declared and set(routes) >= {"POST /applications/{id}/materials/{type}/images",
                                                        "GET /applications/{id}/status", "PUT /applications/{id}"}
    for limits in routes.values():
        rate, burst = default_of(cfn, limits["ThrottlingRateLimit"]), default_of(cfn, limits["ThrottlingBurstLimit"])
        assert rate > 0 and burst == 2 * rate


def test_every_function_has_a_concurrency_cap_and_its_own_log_group_with_retention(cfn):
    for name, function in app_functions(cfn).items():
        props = function["Properties"]
        assert props["ReservedConcurrentExecutions"]["Fn::If"][0] == "Reserve", name
        assert default_of(cfn, props["ReservedConcurrentExecutions"]["Fn::If"][1]) > 0, name
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert cfn["Resources"][group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert cfn["Resources"]["HttpApiAccessLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # Each queue's poller stays below its function's reservation: a throttled batch would count a receive.
    for function in ("ProcessImageFunction", "NotifyFunction"):  # (a stream source runs one batch per shard)
        reserved = default_of(cfn, cfn["Resources"][function]["Properties"]["ReservedConcurrentExecutions"]["Fn::If"][1])
        assert 2 <= default_of(cfn, mapping_of(cfn, function)["Properties"]["ScalingConfig"]["MaximumConcurrency"]) < reserved


def test_the_table_is_warmed_for_the_peak_from_parameters(cfn):
    warm = {k: default_of(cfn, v) for k, v in cfn["Resources"]["AppTable"]["Properties"]["WarmThroughput"].items()}
    # never below what a new on-demand table has anyway (warm throughput can only be raised)
    assert warm["ReadUnitsPerSecond"] >= 12_000 and warm["WriteUnitsPerSecond"] >= 4_000


def test_dead_letter_alarm_notifies_the_operators_topic(cfn, template):
    alarm = cfn["Resources"]["UploadDeadLetterAlarm"]["Properties"]
    assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlertTopic"}]
    assert cfn["Resources"]["AlertTopic"]["Type"] == "AWS::SNS::Topic"
    assert template["Outputs"]["AlertTopicArn"]["Value"] == {"Ref": "AlertTopic"}


def test_web_origin_is_optional_and_never_a_localhost_default(template):
    assert template["Parameters"]["WebOrigin"]["Default"] == ""
    assert "localhost" not in str(template["Parameters"]) and "127.0.0.1" not in str(template["Parameters"])


# ---------------------------------------------------------------- sign-in

def test_the_stack_creates_a_user_pool_with_the_contracts_groups_and_scope_attributes(cfn):
    (pool,) = of_type(cfn, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert {a["Name"]: a["AttributeDataType"] for a in props["Schema"]} == {"site": "String", "region": "String"}
    assert all(a["Mutable"] for a in props["Schema"])
    assert pool["DeletionPolicy"] == "RetainExceptOnCreate"
    groups = {g["Properties"]["GroupName"] for g in of_type(cfn, "AWS::Cognito::UserPoolGroup").values()}
    # the people's roles; the registrar is the registration system's client (its scope), never a group
    assert groups == {"candidate", "site_reviewer", "region_reviewer", "exam_office"}
    # reviewers and the exam office sign in with a second factor: the pool requires one of everyone
    assert (props["MfaConfiguration"], props["EnabledMfas"]) == ("ON", ["SOFTWARE_TOKEN_MFA"])
    (server,) = of_type(cfn, "AWS::Cognito::UserPoolResourceServer").values()
    assert server["Properties"]["Identifier"] == "exam-materials"
    assert server["Properties"]["Scopes"] == [{"ScopeName": "registrar", "ScopeDescription": server["Properties"]["Scopes"][0]["ScopeDescription"]}]


def test_the_web_client_is_public_code_flow_and_cannot_write_a_reviewers_scope(cfn):
    web = cfn["Resources"]["WebClient"]["Properties"]
    assert web["GenerateSecret"] is False and web["AllowedOAuthFlows"] == ["code"]
    assert web["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert web["CallbackURLs"] == [{"Fn::Sub": "https://${WebDistribution.DomainName}/"}]
    assert {"custom:site", "custom:region"} <= set(web["ReadAttributes"])
    assert not {a for a in web["WriteAttributes"] if a.startswith("custom:")}
    assert "exam-materials/registrar" not in web["AllowedOAuthScopes"]


def test_the_registration_system_gets_client_credentials_with_only_the_registrar_scope(cfn):
    client = cfn["Resources"]["RegistrationClient"]["Properties"]
    assert client["GenerateSecret"] is True
    assert client["AllowedOAuthFlows"] == ["client_credentials"]
    assert client["AllowedOAuthScopes"] == ["exam-materials/registrar"]
    assert cfn["Resources"]["RegistrationClient"]["DependsOn"] == "ApiResourceServer"


def test_who_the_caller_is_comes_from_the_claims_the_deployment_names(cfn, cfn_own_issuer):
    # The pool: Cognito's claim names, MFA enforced by the pool itself
    for function in app_functions(cfn).values():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["GROUPS_CLAIM"] == {"Fn::If": ["CreateUserPool", "cognito:groups", {"Ref": "JwtGroupsClaim"}]}
        assert env["SITE_CLAIM"] == {"Fn::If": ["CreateUserPool", "custom:site", {"Ref": "JwtSiteClaim"}]}
        assert env["REGION_CLAIM"] == {"Fn::If": ["CreateUserPool", "custom:region", {"Ref": "JwtRegionClaim"}]}
        assert env["STAFF_MFA"] == {"Fn::If": ["CreateUserPool", "issuer", {"Ref": "StaffMfa"}]}
    template = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    assert template["Parameters"]["StaffMfa"]["Default"] == "amr"  # an issuer of one's own: the API checks amr


def test_the_authorizer_trusts_the_pool_and_both_clients(cfn):
    scheme = cfn["Resources"]["HttpApi"]["Properties"]["Body"]["components"]["securitySchemes"]["JwtAuthorizer"]
    jwt = scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"]
    assert jwt["issuer"]["Fn::If"][1] == {"Fn::Sub": "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${UserPool}"}
    assert jwt["audience"]["Fn::If"][1] == [{"Ref": "WebClient"}, {"Ref": "RegistrationClient"}]


def test_with_an_issuer_of_its_own_the_stack_creates_no_pool(template):
    conditioned = {lid for lid, r in template["Resources"].items() if r.get("Condition") == "CreateUserPool"}
    cognito = {lid for lid, r in template["Resources"].items() if r["Type"].startswith("AWS::Cognito::")}
    assert conditioned == cognito and len(cognito) == 9
    assert template["Conditions"]["CreateUserPool"] == {"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}
    assert {o for o, spec in template["Outputs"].items() if spec.get("Condition") == "CreateUserPool"} == {
        "UserPoolId", "WebClientId", "AuthDomain", "RegistrationClientId"}


# ---------------------------------------------------------------- web hosting

def test_the_site_is_a_private_bucket_behind_cloudfront_https_only(cfn):
    (distribution,) = of_type(cfn, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    origin, _materials = config["Origins"]  # the second: image links (test_image_links_*)
    assert origin["Id"] == config["DefaultCacheBehavior"]["TargetOriginId"] == "web"
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "WebSecurityHeaders"}
    web = cfn["Resources"]["WebBucket"]["Properties"]
    assert web["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True)
    read = cfn["Resources"]["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][1]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert "${WebDistribution}" in read["Condition"]["StringEquals"]["aws:SourceArn"]["Fn::Sub"]


def test_api_and_uploads_cors_are_the_distributions_origin(cfn):
    site = "https://${WebDistribution.DomainName}"
    cors = cfn["Resources"]["HttpApi"]["Properties"]["Body"]["x-amazon-apigateway-cors"]
    # SAM resolves the parameter (empty by default) at transform time; without it the list is the site alone.
    assert cors["allowOrigins"] == [{"Fn::Sub": site}, {"Fn::If": ["HasWebOrigin", "", {"Ref": "AWS::NoValue"}]}]
    assert set(cors["allowMethods"]) == {"GET", "PUT", "POST", "DELETE"} and cors["exposeHeaders"] == ["ETag"]
    uploads = cfn["Resources"]["UploadsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"]
    assert uploads == SITE_AND_WEB_ORIGIN
    assert cfn["Resources"]["WebClient"]["Properties"]["CallbackURLs"] == [{"Fn::Sub": site + "/"}]


def csp(cfn: dict) -> dict[str, list]:
    policy = cfn["Resources"]["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    text = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Join"]
    assert text[0] == "; "
    directives = {}
    for part in text[1]:
        part = part if isinstance(part, str) else part["Fn::Sub"] if isinstance(part["Fn::Sub"], str) else part["Fn::Sub"][0]
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_the_content_security_policy_allows_exactly_the_page_its_api_buckets_and_sign_in(cfn):
    d = csp(cfn)
    assert d["default-src"] == ["'none'"] and d["object-src"] == ["'none'"] and d["frame-ancestors"] == ["'none'"]
    assert d["script-src"] == ["'self'", "'wasm-unsafe-eval'"] and d["style-src"] == ["'self'"]
    # the upload bucket's own (virtual-hosted) origin, as core.storage signs: test_csp.py loads signed URLs
    # under it; images come from the site's own distribution (core.image_links), blob: the chosen photo's preview
    bucket = "https://${BucketPrefix}-%s-${AWS::AccountId}-${AWS::Region}.s3.${AWS::Region}.${AWS::URLSuffix}"
    assert d["img-src"] == ["'self'", "blob:"]
    assert d["connect-src"] == ["'self'", "${Api}", bucket % "uploads", "${Auth}"]
    # Same names as the buckets' own (the CSP names them by string: a reference would be a cycle).
    names = {b: cfn["Resources"][b]["Properties"]["BucketName"]["Fn::Sub"] for b in ("UploadsBucket", "MaterialsBucket")}
    assert names == {"UploadsBucket": "${BucketPrefix}-uploads-${AWS::AccountId}-${AWS::Region}",
                     "MaterialsBucket": "${BucketPrefix}-materials-${AWS::AccountId}-${AWS::Region}"}
    headers = cfn["Resources"]["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY" and headers["ContentTypeOptions"] == {"Override": True}


# ---------------------------------------------------------------- notifications

def test_the_tables_stream_feeds_notify_events_through_the_filter_then_the_queue(cfn, resources):
    from core.notifications import DECISIONS

    assert resources["AppTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    props = mapping_of(cfn, "NotifyEventsFunction")["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["AppTable", "StreamArn"]}
    assert props["StartingPosition"] == "LATEST" and props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and props["MaximumRetryAttempts"] > 0
    assert props["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]}}}
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    (audit,) = [p for p in patterns if p["dynamodb"]["NewImage"]["kind"]["S"] == ["audit"]
                and "materialType" not in p["dynamodb"]["NewImage"]]
    assert audit["eventName"] == ["INSERT"] and set(audit["dynamodb"]["NewImage"]["action"]["S"]) == set(DECISIONS)
    (announcement,) = [p for p in patterns if p["dynamodb"]["NewImage"]["kind"]["S"] == ["announcement"]]
    assert announcement["eventName"] == ["INSERT"]
    # it only queues: the notify queue, and the failure records to the dead-letter queue
    # and the machine pre-checks' pictures: SUBMITTED in a checked slot, or deleted from the identity slot
    from core.checks import CHECKED

    pictures = {p["dynamodb"]["NewImage"]["action"]["S"][0]: p for p in patterns
                if p["dynamodb"]["NewImage"].get("action", {}).get("S") in (["image_submitted"], ["image_deleted"])}
    assert set(pictures["image_submitted"]["dynamodb"]["NewImage"]["materialType"]["S"]) == CHECKED
    assert pictures["image_deleted"]["dynamodb"]["NewImage"]["materialType"]["S"] == ["id_card"]
    assert len(patterns) == 4  # Lambda allows 5 filters per event source
    # it only queues: the notify and precheck queues, and the failure records to the dead-letter queue
    granted = {(a, json.dumps(r)) for s in statements(cfn, "NotifyEventsFunction")
               for a in as_list(s["Action"]) for r in as_list(s["Resource"]) if a.startswith("sqs:")}
    assert granted == {("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["NotifyQueue", "Arn"]})),
                       ("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["PrecheckQueue", "Arn"]})),
                       ("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]}))}
    env = cfn["Resources"]["NotifyEventsFunction"]["Properties"]["Environment"]["Variables"]
    assert env["NOTIFY_QUEUE_URL"] == {"Ref": "NotifyQueue"} and env["PRECHECK_QUEUE_URL"] == {"Ref": "PrecheckQueue"}


def test_the_precheck_queue_feeds_its_function_retries_then_dead_letters_and_alarms(cfn, resources):
    function = resources["PrecheckFunction"]["Properties"]
    queue = resources["PrecheckQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["PrecheckDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 3}
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"] and queue["SqsManagedSseEnabled"] is True
    props = mapping_of(cfn, "PrecheckFunction")["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["PrecheckQueue", "Arn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "PollersPrecheck"}}
    alarm = cfn["Resources"]["PrecheckDeadLetterAlarm"]["Properties"]
    assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlertTopic"}]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PrecheckDeadLetterQueue", "QueueName"]}}]
    # one vCPU for its one ONNX Runtime thread
    assert (function["MemorySize"], function["Environment"]["Variables"]["OCR_THREADS"]) == (1769, "1")


def test_precheck_reads_pictures_and_writes_only_checks(cfn):
    granted = {(a, json.dumps(r)) for s in statements(cfn, "PrecheckFunction") for a in as_list(s["Action"])
               for r in as_list(s["Resource"])}
    table = json.dumps({"Fn::GetAtt": ["AppTable", "Arn"]})
    assert {a for a, r in granted if r == table} == {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert {r for a, r in granted if a.startswith("s3:")} == {json.dumps({"Fn::Sub": "${MaterialsBucket.Arn}/materials/*"})}
    assert {a for a, _ in granted if a.startswith("s3:")} == {"s3:GetObject"}
    assert {a for a, r in granted if a.startswith("sqs:")} == {"sqs:ReceiveMessage", "sqs:DeleteMessage",
                                                              "sqs:GetQueueAttributes"}


def test_the_notify_queue_retries_then_dead_letters_and_alarms(cfn, resources):
    queue = resources["NotifyQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 5}
    assert queue["VisibilityTimeout"] >= 6 * resources["NotifyFunction"]["Properties"]["Timeout"]
    assert queue["SqsManagedSseEnabled"] is True
    props = mapping_of(cfn, "NotifyFunction")["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["NotifyQueue", "Arn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    alarm = cfn["Resources"]["NotifyDeadLetterAlarm"]["Properties"]
    assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlertTopic"}]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "QueueName"]}}]


def test_notify_can_only_text_and_knows_the_rate_the_link_and_its_queue(cfn, template):
    # NotifyFunction's messages and NotifyApiFunction's verification codes: to a number, never a topic
    for function in ("NotifyFunction", "NotifyApiFunction"):
        (sms,) = [s for s in statements(cfn, function) if "sns:Publish" in as_list(s["Action"])]
        assert sms == {"Sid": "SmsOnly", "Effect": "Allow", "Action": "sns:Publish",
                       "NotResource": {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}}
    sent = cfn["Resources"]["NotifyApiFunction"]["Properties"]["Environment"]["Variables"]
    assert sent["SMS_CHANNEL"] == {"Ref": "SmsChannel"}  # the same channel as NotifyFunction's
    assert not [s for f in ("StatusFunction", "ReviewFunction") for s in statements(cfn, f)
                if any(a.startswith("sns:") for a in as_list(s["Action"]))]
    env = cfn["Resources"]["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SMS_PER_SECOND"] == {"Ref": "SmsPerSecond"} and env["NOTIFY_QUEUE_URL"] == {"Ref": "NotifyQueue"}
    assert env["WEB_URL"] == {"Fn::If": ["HasWebOrigin", {"Ref": "WebOrigin"},
                                         {"Fn::Sub": "https://${WebDistribution.DomainName}"}]}
    # the registration answer links the upload page there too (R1)
    assert cfn["Resources"]["StatusFunction"]["Properties"]["Environment"]["Variables"]["WEB_URL"] == env["WEB_URL"]
    rate = template["Parameters"]["SmsPerSecond"]
    assert (rate["Type"], rate["Default"], rate["MinValue"]) == ("Number", 20, 1)


# ---------------------------------------------------------------- image links (core.image_links)

def test_image_links_are_the_distributions_own_signed_by_its_key_group(cfn):
    (distribution,) = of_type(cfn, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    (materials,) = [o for o in config["Origins"] if o["Id"] == "materials"]
    assert materials["DomainName"] == {"Fn::GetAtt": ["MaterialsBucket", "RegionalDomainName"]}
    assert materials["OriginAccessControlId"] == {"Fn::GetAtt": ["MaterialsOriginAccessControl", "Id"]}
    oac = cfn["Resources"]["MaterialsOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == ("s3", "always", "sigv4")
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviours) == {"materials/*", "samples/*"}
    signed, public = behaviours["materials/*"], behaviours["samples/*"]
    assert signed["TrustedKeyGroups"] == [{"Ref": "ImageKeyGroup"}] and "TrustedKeyGroups" not in public
    for behaviour in (signed, public):
        assert behaviour["TargetOriginId"] == "materials"
        assert behaviour["ViewerProtocolPolicy"] == "https-only"
        assert behaviour["AllowedMethods"] == behaviour["CachedMethods"] == ["GET", "HEAD"]
        assert behaviour["CachePolicyId"] == {"Ref": "ImageCachePolicy"}
    group = cfn["Resources"]["ImageKeyGroup"]["Properties"]["KeyGroupConfig"]
    assert group["Items"] == [{"Ref": "ImagePublicKey"}]
    key = cfn["Resources"]["ImagePublicKey"]["Properties"]["PublicKeyConfig"]
    assert key["EncodedKey"] == {"Fn::GetAtt": ["ImageSigningKey", "PublicKeyPem"]}
    # the signature never splits the cache; the object's Cache-Control decides (no default, no minimum)
    policy = cfn["Resources"]["ImageCachePolicy"]["Properties"]["CachePolicyConfig"]
    keyed = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keyed["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert keyed["HeadersConfig"] == {"HeaderBehavior": "none"} and keyed["CookiesConfig"] == {"CookieBehavior": "none"}
    assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0) and policy["MaxTTL"] >= 31536000


def test_image_links_only_the_distribution_reads_the_materials_bucket_and_only_images(cfn):
    statements_ = cfn["Resources"]["MaterialsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements_ if s["Effect"] == "Allow"]
    (read,) = allows
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert read["Resource"] == [{"Fn::Sub": "${MaterialsBucket.Arn}/materials/*"}, {"Fn::Sub": "${MaterialsBucket.Arn}/samples/*"}]
    assert read["Condition"] == {"StringEquals": {"aws:SourceArn": {
        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${WebDistribution}"}}}
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements_)


def test_image_links_key_pair_is_made_by_a_least_privilege_custom_resource(cfn):
    resources = cfn["Resources"]
    assert resources["ImageSigningKey"]["Type"] == "Custom::ImageSigningKey"
    assert resources["ImageSigningKey"]["Properties"] == {"ServiceToken": {"Fn::GetAtt": ["ImageKeysFunction", "Arn"]},
                                                          "SecretId": {"Ref": "ImageSigningKeySecret"}}
    function = resources["ImageKeysFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["ImageKeysFunctionRole", "Arn"]}
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "ImageKeysLogs"}}
    assert resources["ImageKeysLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert function["Architectures"] == ["arm64"] and function["Runtime"] == "python3.12"
    assert [ref["Ref"].rstrip("0123456789abcdef") for ref in function["Layers"]] == ["DependenciesLayer", "SigningLayer"]
    granted = {(a, json.dumps(r)) for s in statements(cfn, "ImageKeysFunction") for a in as_list(s["Action"])
               for r in as_list(s.get("Resource", []))}
    secret, logs = json.dumps({"Ref": "ImageSigningKeySecret"}), json.dumps({"Fn::GetAtt": ["ImageKeysLogs", "Arn"]})
    assert granted == {("secretsmanager:GetSecretValue", secret), ("secretsmanager:PutSecretValue", secret),
                       ("logs:CreateLogStream", logs), ("logs:PutLogEvents", logs)}


def test_image_links_only_the_signing_functions_read_the_key_and_all_link_from_the_distribution(cfn):
    secret = json.dumps({"Ref": "ImageSigningKeySecret"})
    readers = set()
    for name in app_functions(cfn):
        for statement in statements(cfn, name):
            actions = as_list(statement["Action"])
            if any(a.startswith("secretsmanager:") for a in actions) and json.dumps(statement["Resource"]) == secret:
                assert actions == ["secretsmanager:GetSecretValue"], name
                readers.add(name)
    assert readers == {"StatusFunction", "ReviewFunction"}
    origin = {"Fn::If": ["HasWebOrigin", {"Ref": "WebOrigin"}, {"Fn::Sub": "https://${WebDistribution.DomainName}"}]}
    for name in ("StatusFunction", "ReviewFunction", "SeasonFunction"):
        env = cfn["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert (env["IMAGE_LINKS"], env["IMAGE_ORIGIN"]) == ("cloudfront", origin), name
        if name in readers:
            assert env["IMAGE_KEY_PAIR_ID"] == {"Ref": "ImagePublicKey"}
            assert env["IMAGE_KEY_SECRET"] == {"Ref": "ImageSigningKeySecret"}
        assert (env["THUMBNAIL_URL_WINDOW_SECONDS"], env["PICTURE_URL_WINDOW_SECONDS"]) == ("604800", "86400")
