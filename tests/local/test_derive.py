"""The local stack's resources, functions and routes are derived from template.yaml, not written
again by hand: what it builds equals what the template declares."""

from __future__ import annotations

import json

import pytest

from local.template import Route, derive, load_template, match_route, security_headers

PARAMETERS = {"JwtIssuer": "https://issuer.local", "JwtAudience": "local-client", "WebOrigin": "http://127.0.0.1:3000"}


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


@pytest.fixture(scope="module")
def stack(template):
    return derive(template, PARAMETERS)


def test_table_is_the_templates(template, stack):
    props = template["Resources"]["AppTable"]["Properties"]
    (table,) = stack.tables
    assert table["TableName"] == stack.names["AppTable"]
    for key in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode", "TimeToLiveSpecification"):
        assert table[key] == props[key]
    assert table["StreamSpecification"] == {"StreamEnabled": True, **props["StreamSpecification"]}


def test_queues_are_the_templates_with_the_dead_letter_queue_first(template, stack):
    resources = template["Resources"]
    names = [q["QueueName"] for q in stack.queues]
    assert sorted(names) == sorted(stack.names[q] for q in ("UploadDeadLetterQueue", "UploadQueue", "NotifyDeadLetterQueue",
                                                            "NotifyQueue", "PrecheckDeadLetterQueue", "PrecheckQueue"))
    assert names.index(stack.names["UploadDeadLetterQueue"]) < names.index(stack.names["UploadQueue"])
    assert names.index(stack.names["NotifyDeadLetterQueue"]) < names.index(stack.names["NotifyQueue"])
    by_name = {q["QueueName"]: q["Attributes"] for q in stack.queues}
    dlq, queue = by_name[stack.names["UploadDeadLetterQueue"]], by_name[stack.names["UploadQueue"]]
    assert dlq["MessageRetentionPeriod"] == str(resources["UploadDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"])
    assert queue["VisibilityTimeout"] == str(resources["UploadQueue"]["Properties"]["VisibilityTimeout"])
    redrive = json.loads(queue["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == resources["UploadQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    assert redrive["deadLetterTargetArn"] == f"arn:aws:sqs:us-east-1:123456789012:{stack.names['UploadDeadLetterQueue']}"


def test_uploads_bucket_notifies_the_queue_with_the_templates_filter(template, stack):
    props = template["Resources"]["UploadsBucket"]["Properties"]
    uploads, materials = stack.buckets
    assert uploads["Bucket"] == "exam-materials-uploads-123456789012-us-east-1"  # the template's !Sub, resolved
    assert materials["Bucket"] == "exam-materials-materials-123456789012-us-east-1"
    (declared,) = props["NotificationConfiguration"]["QueueConfigurations"]
    (notification,) = uploads["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Events"] == [declared["Event"]]
    assert notification["Filter"]["Key"]["FilterRules"] == declared["Filter"]["S3Key"]["Rules"]
    assert notification["QueueArn"].endswith(":" + stack.names["UploadQueue"])
    (cors,) = uploads["CORSConfiguration"]["CORSRules"]
    assert cors["AllowedOrigins"] == [PARAMETERS["WebOrigin"]] and cors["AllowedMethods"] == ["POST"]
    assert uploads["PublicAccessBlockConfiguration"] == props["PublicAccessBlockConfiguration"]
    assert "NotificationConfiguration" not in materials


def test_functions_get_globals_merged_with_their_own_settings(template, stack):
    glob = template["Globals"]["Function"]
    process = stack.functions["ProcessImageFunction"]
    assert (process.handler, process.memory_mb, process.timeout_s) == ("process_image.app.lambda_handler", 1024, 30)
    status = stack.functions["StatusFunction"]
    assert (status.memory_mb, status.timeout_s, status.code_uri) == (glob["MemorySize"], glob["Timeout"], "functions/")
    assert status.environment["POWERTOOLS_SERVICE_NAME"] == "status"
    assert status.environment["TABLE_NAME"] == stack.names["AppTable"]
    assert status.environment["UPLOADS_BUCKET"] == stack.names["UploadsBucket"]
    assert status.environment["RETENTION_DAYS"] == str(template["Parameters"]["RetentionDays"]["Default"])
    assert status.environment["UPLOAD_URL_TTL_SECONDS"] == "300"


def test_routes_and_the_queue_source_are_the_templates(template, stack):
    declared = {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"], name)
        for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
        for e in r["Properties"].get("Events", {}).values() if e["Type"] == "HttpApi"
    }
    assert {(r.method, r.path, r.function) for r in stack.routes} == declared
    assert all(r.authorizer == "JwtAuthorizer" for r in stack.routes)
    assert {(s.function, s.queue, s.batch_size, s.report_batch_item_failures) for s in stack.sqs_sources} == {
        ("ProcessImageFunction", "UploadQueue", 10, True), ("NotifyFunction", "NotifyQueue", 10, True),
        ("PrecheckFunction", "PrecheckQueue", 5, True)}
    (stream,) = stack.stream_sources
    declared = template["Resources"]["NotifyEventsFunction"]["Properties"]["Events"]["TableEvents"]["Properties"]
    assert (stream.function, stream.table, stream.batch_size, stream.starting_position, stream.on_failure) == (
        "NotifyEventsFunction", "AppTable", declared["BatchSize"], "LATEST", "NotifyDeadLetterQueue")
    assert stream.filters == tuple(json.loads(f["Pattern"]) for f in declared["FilterCriteria"]["Filters"])
    assert stream.report_batch_item_failures and stream.maximum_retry_attempts == declared["MaximumRetryAttempts"]
    authorizer = stack.authorizers["JwtAuthorizer"]
    assert (authorizer.issuer, authorizer.audience) == (PARAMETERS["JwtIssuer"], (PARAMETERS["JwtAudience"],))
    assert stack.cors["AllowOrigins"] == [PARAMETERS["WebOrigin"]]


@pytest.mark.parametrize(("method", "path", "route_key", "params"), [
    ("GET", "/applications", "GET /applications", {}),
    ("GET", "/applications/app-1", "GET /applications/{id}", {"id": "app-1"}),
    ("GET", "/applications/app-1/status", "GET /applications/{id}/status", {"id": "app-1"}),
    ("DELETE", "/applications/a/materials/id_card/images/i-1",
     "DELETE /applications/{id}/materials/{type}/images/{imageId}", {"id": "a", "type": "id_card", "imageId": "i-1"}),
    ("GET", "/review/queue", "GET /review/queue", {}),
])
def test_requests_match_the_route_api_gateway_would_pick(stack, method, path, route_key, params):
    route, found = match_route(stack.routes, method, path)
    assert (route.route_key, found) == (route_key, params)


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/applications"), ("GET", "/applications/"), ("GET", "/applications/a/b"), ("PATCH", "/review/queue"),
])
def test_anything_else_matches_no_route(stack, method, path):
    assert match_route(stack.routes, method, path) is None


def test_literal_segments_win_over_parameters_and_greedy_paths():
    routes = sorted([Route("ANY", "/{proxy+}", "Any", None), Route("GET", "/items/{id}", "One", None),
                     Route("GET", "/items/latest", "Latest", None)], key=lambda r: r.specificity)
    assert match_route(routes, "GET", "/items/latest")[0].function == "Latest"
    assert match_route(routes, "GET", "/items/7")[0].function == "One"
    assert match_route(routes, "DELETE", "/x/y")[0].function == "Any"


def test_the_sites_policy_lets_the_page_reach_the_issuer_it_signs_in_with(template):
    # Given: a deployment that trusts an outside issuer (no user pool), e.g. the registration system's
    issuer = "https://accounts.registration.example.cn/realms/exam"
    # When: the site's headers are built from the template for it
    headers = dict(security_headers(template, {**PARAMETERS, "JwtIssuer": issuer}))
    # Then: the token endpoint's origin (Fn::Select of Fn::Split of the issuer) is allowed, and no path
    connect = next(d for d in headers["Content-Security-Policy"].split(";") if d.strip().startswith("connect-src"))
    assert "https://accounts.registration.example.cn" in connect.split()
    assert "/realms" not in connect
