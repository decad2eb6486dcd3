"""The gateway stand-in, in-process with a recording function: what API Gateway's JWT authorizer
lets through (and what it stops before any function runs), the payload-v2 event, the response."""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import logging
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.auth import TokenIssuer, gateway_claims
from local.gateway import Gateway, GatewayServer, Request, Response, lambda_response
from local.template import derive, load_template

ORIGIN = "http://127.0.0.1:3000"


class Recorder:
    def __init__(self, result=None):
        self.calls: list[tuple[str, dict]] = []
        self.result = result if result is not None else {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                                                         "body": '{"ok": true}'}

    def __call__(self, function: str, event: dict):
        self.calls.append((function, event))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture(scope="module")
def tokens() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture(scope="module")
def stack(tokens):
    return derive(load_template(), {"JwtIssuer": tokens.issuer, "JwtAudience": tokens.audience, "WebOrigin": ORIGIN})


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def gateway(stack, tokens, recorder) -> Gateway:
    return Gateway(stack, tokens, recorder)


def claims(tokens: TokenIssuer, **changes) -> dict:
    now = int(time.time())
    base = {"sub": "cand-001", "cognito:groups": ["candidate"], "iss": tokens.issuer, "aud": tokens.audience,
            "iat": now, "exp": now + 600, "token_use": "id"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def get(gateway: Gateway, token: str | None, path: str = "/applications/app-1/status", **headers):
    all_headers = [("Host", "127.0.0.1:3000"), *headers.items()]
    if token is not None:
        all_headers.append(("Authorization", token))
    return gateway.handle(Request("GET", path, all_headers))


def test_a_valid_token_reaches_the_function_with_its_claims(gateway, tokens, recorder):
    # Given
    token = tokens.mint("site-1101", ["site_reviewer", "candidate"], site="1101", region="11")
    # When
    response = get(gateway, f"Bearer {token}", "/applications/app-1/status?x=1&x=2&y=")
    # Then
    assert response.status == 200
    ((function, event),) = recorder.calls
    assert function == "StatusFunction"
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /applications/{id}/status"
    assert (event["rawPath"], event["rawQueryString"]) == ("/applications/app-1/status", "x=1&x=2&y=")
    assert event["pathParameters"] == {"id": "app-1"}
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["headers"]["host"] == "127.0.0.1:3000"
    context = event["requestContext"]
    assert context["http"]["method"] == "GET" and context["http"]["path"] == "/applications/app-1/status"
    assert context["stage"] == "$default" and context["requestId"] and context["timeEpoch"] > 0
    jwt_context = context["authorizer"]["jwt"]
    assert jwt_context["scopes"] is None
    assert jwt_context["claims"]["sub"] == "site-1101"
    assert jwt_context["claims"]["cognito:groups"] == "[site_reviewer candidate]"
    assert jwt_context["claims"]["custom:site"] == "1101" and jwt_context["claims"]["custom:region"] == "11"
    assert all(isinstance(v, str) for v in jwt_context["claims"].values())
    assert "body" not in event and event["isBase64Encoded"] is False


def test_the_token_may_come_without_the_bearer_prefix(gateway, tokens, recorder):
    assert get(gateway, tokens.mint("cand-001", ["candidate"])).status == 200
    assert len(recorder.calls) == 1


def test_client_id_counts_as_audience_only_without_aud(gateway, tokens, recorder):
    assert get(gateway, tokens.sign(claims(tokens, aud=None, client_id=tokens.audience))).status == 200
    assert get(gateway, tokens.sign(claims(tokens, aud="other", client_id=tokens.audience))).status == 401
    assert get(gateway, tokens.sign(claims(tokens, aud=["other", tokens.audience]))).status == 200
    assert len(recorder.calls) == 2


def _other_key_token(tokens: TokenIssuer) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims(tokens), key, algorithm="RS256", headers={"kid": tokens.kid})


@pytest.mark.parametrize("make_token", [
    pytest.param(lambda t: None, id="no token"),
    pytest.param(lambda t: "", id="empty"),
    pytest.param(lambda t: "Bearer ", id="bearer only"),
    pytest.param(lambda t: "Bearer a.b.c", id="garbage"),
    pytest.param(_other_key_token, id="wrong signature"),
    pytest.param(lambda t: t.sign(claims(t, exp=int(time.time()) - 1)), id="expired"),
    pytest.param(lambda t: t.sign(claims(t, exp=None)), id="no exp"),
    pytest.param(lambda t: t.sign(claims(t, nbf=int(time.time()) + 300)), id="not yet valid (nbf)"),
    pytest.param(lambda t: t.sign(claims(t, iat=int(time.time()) + 300)), id="issued in the future"),
    pytest.param(lambda t: t.sign(claims(t, aud="someone-else")), id="wrong audience"),
    pytest.param(lambda t: t.sign(claims(t, aud=None)), id="no audience"),
    pytest.param(lambda t: t.sign(claims(t, iss="https://evil.example")), id="wrong issuer"),
    pytest.param(lambda t: jwt.encode(claims(t), t._key, algorithm="RS256", headers={"kid": "other"}), id="unknown kid"),
    pytest.param(lambda t: jwt.encode(claims(t), "a-shared-secret-that-is-long-enough!", algorithm="HS256", headers={"kid": t.kid}), id="HS256"),
    pytest.param(lambda t: jwt.encode(claims(t), None, algorithm="none", headers={"kid": t.kid}), id="alg none"),
])
def test_invalid_tokens_get_401_and_no_function_runs(gateway, tokens, recorder, make_token):
    response = get(gateway, make_token(tokens))
    assert response.status == 401
    assert json.loads(response.body) == {"message": "Unauthorized"}
    assert recorder.calls == []


def test_unknown_route_is_404_in_the_contract_shape_without_calling_anything(gateway, tokens, recorder):
    response = get(gateway, tokens.mint("cand-001", ["candidate"]), "/nowhere")
    assert response.status == 404
    error = json.loads(response.body)["error"]
    assert error["code"] == "NOT_FOUND" and error["message"] and error["messageZh"]
    assert recorder.calls == []


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("TRACE", "/applications", "GET"),
    ("QUERY", "/applications/a-1", "GET, PUT"),
    ("PATCH", "/applications/a-1/status", "GET"),
    ("DELETE", "/applications", "GET"),
    ("GET", "/review/applications/a-1/claim", "DELETE, POST"),
    ("HEAD", "/review/queue", "GET"),
    ("POST", "/healthz", "GET"),
    ("BREW", "/nowhere", None),
    ("PATCH", "/nowhere", None),  # routed nowhere: the method is what is wrong
])
def test_a_method_the_path_is_not_routed_for_is_405_with_allow(stack, tokens, recorder, method, path, allow):
    # Given a gateway with a local route, as the stack has
    gateway = Gateway(stack, tokens, recorder, {("GET", "/healthz"): lambda _: Response(200)})
    # When
    response = gateway.handle(Request(method, path, [("Authorization", tokens.mint("cand-001", ["candidate"]))]))
    # Then
    assert response.status == 405
    body = json.loads(response.body)["error"]
    assert body["code"] == "METHOD_NOT_ALLOWED" and method in body["message"] and method in body["messageZh"]
    assert dict(response.headers).get("Allow") == allow
    assert recorder.calls == []


def test_a_routed_method_on_an_unknown_path_stays_404(gateway):
    for method in ("GET", "POST", "PUT", "DELETE"):
        assert gateway.handle(Request(method, "/applications/a-1/nowhere")).status == 404


def test_static_files_take_get_and_head_only(stack, tokens, recorder, tmp_path):
    (tmp_path / "app.js").write_text("1", encoding="utf-8")
    gateway = Gateway(stack, tokens, recorder, web_dir=tmp_path)
    response = gateway.handle(Request("POST", "/app.js"))
    assert (response.status, dict(response.headers)["Allow"]) == (405, "GET, HEAD")


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "BREW", "PATCH"])
def test_over_http_every_method_gets_the_contract_body_not_a_501_page(gateway, method):
    # Given the gateway behind its HTTP server
    server = GatewayServer("127.0.0.1", 0, gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # When
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
        connection.request(method, "/applications")
        response = connection.getresponse()
        body = response.read()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    # Then
    assert (response.status, response.getheader("Allow"), response.getheader("Content-Type")) == (
        405, "GET", "application/json")
    assert json.loads(body)["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_the_debug_log_of_a_request_leaves_out_its_query_string(gateway, tokens, caplog):
    # Given the gateway behind its HTTP server, logging every request (LOG_LEVEL=debug)
    caplog.set_level(logging.DEBUG, logger="local.gateway")
    server = GatewayServer("127.0.0.1", 0, gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # When the office searches by identity number and by name
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
        for query in ("q=110101199003070011", "q=%E5%BC%A0%E4%BC%9F"):
            connection.request("GET", f"/review/applications?{query}",
                               headers={"Authorization": tokens.mint("office", ["exam_office"])})
            connection.getresponse().read()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    # Then the requests are logged, their queries are not
    lines = [r.getMessage() for r in caplog.records if r.name == "local.gateway"]
    assert sum("GET /review/applications 200" in line for line in lines) == 2, lines
    assert not [line for line in lines if "110101199003070011" in line or "q=" in line or "%E5" in line], lines


def test_json_bodies_pass_as_text_and_binary_ones_base64(gateway, tokens, recorder):
    auth = ("Authorization", tokens.mint("registrar", ["registrar"]))
    gateway.handle(Request("PUT", "/applications/a-1", [auth, ("Content-Type", "application/json")], b'{"a": "\xe5\x8c\xbb"}'))
    gateway.handle(Request("PUT", "/applications/a-1", [auth, ("Content-Type", "image/png")], b"\x89PNG\x00"))
    (_, text), (_, binary) = recorder.calls
    assert (text["body"], text["isBase64Encoded"]) == ('{"a": "医"}', False)
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (b"\x89PNG\x00", True)


def test_cookies_leave_the_headers_for_their_own_field(gateway, tokens, recorder):
    get(gateway, tokens.mint("cand-001", ["candidate"]), Cookie="a=1; b=2")
    ((_, event),) = recorder.calls
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]


def test_a_failing_function_is_a_500_like_api_gateways(stack, tokens):
    gateway = Gateway(stack, tokens, Recorder(RuntimeError("boom")))
    response = get(gateway, tokens.mint("cand-001", ["candidate"]))
    assert (response.status, json.loads(response.body)) == (500, {"message": "Internal Server Error"})


def test_lambda_results_become_http_responses():
    response = lambda_response({"statusCode": 304, "headers": {"ETag": '"v1"'}, "cookies": ["s=1"], "body": ""})
    assert response.status == 304 and ("ETag", '"v1"') in response.headers and ("Set-Cookie", "s=1") in response.headers
    binary = lambda_response({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True})
    assert binary.body == b"\x00\x01"
    inferred = lambda_response({"items": []})  # no statusCode: API Gateway answers 200 with the JSON
    assert (inferred.status, json.loads(inferred.body)) == (200, {"items": []})


def test_cors_headers_for_the_web_origin_only(gateway, tokens):
    token = tokens.mint("cand-001", ["candidate"])
    allowed = dict(get(gateway, token, Origin=ORIGIN).headers)
    assert allowed["Access-Control-Allow-Origin"] == ORIGIN and allowed["Access-Control-Expose-Headers"] == "ETag"
    assert "Access-Control-Allow-Origin" not in dict(get(gateway, token, Origin="https://elsewhere.example").headers)
    preflight = gateway.handle(Request("OPTIONS", "/applications/a-1", [
        ("Origin", ORIGIN), ("Access-Control-Request-Method", "DELETE")]))
    assert preflight.status == 204
    assert "DELETE" in dict(preflight.headers)["Access-Control-Allow-Methods"]


def test_static_files_are_served_but_nothing_outside_the_web_folder(stack, tokens, recorder, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<h1>hi</h1>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    gateway = Gateway(stack, tokens, recorder, web_dir=web)
    index = gateway.handle(Request("GET", "/"))
    assert index.status == 200 and index.body == b"<h1>hi</h1>"
    assert gateway.handle(Request("GET", "/../secret.txt")).status == 404
    assert gateway.handle(Request("GET", "/%2e%2e/secret.txt")).status == 404


def test_static_files_are_gzipped_as_cloudfront_compresses_them(stack, tokens, recorder, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    script = "export const lines = [" + ",".join(f"'line {n}'" for n in range(300)) + "];\n"
    (web / "app.js").write_text(script, encoding="utf-8")
    (web / "tiny.css").write_text("p { margin: 0 }", encoding="utf-8")
    (web / "mark.png").write_bytes(b"\x89PNG" + bytes(2000))
    gateway = Gateway(stack, tokens, recorder, web_dir=web)
    gzipped = [("Accept-Encoding", "gzip, deflate, br")]

    packed = gateway.handle(Request("GET", "/app.js", gzipped))
    assert ("Content-Encoding", "gzip") in packed.headers and gzip.decompress(packed.body) == script.encode()
    assert len(packed.body) < len(script) / 3
    plain = gateway.handle(Request("GET", "/app.js"))  # a client that does not ask for it
    assert plain.body == script.encode() and "Content-Encoding" not in dict(plain.headers)
    for small_or_binary in ("/tiny.css", "/mark.png"):  # under 1,000 bytes, or not a compressible type
        assert "Content-Encoding" not in dict(gateway.handle(Request("GET", small_or_binary, gzipped)).headers)


def test_claims_are_strings_as_http_apis_pass_them():
    assert gateway_claims({"cognito:groups": ["a", "b"], "exp": 5, "email_verified": True, "sub": "x"}) == {
        "cognito:groups": "[a b]", "exp": "5", "email_verified": "true", "sub": "x"}
