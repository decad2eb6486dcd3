"""Bad input through the real handlers (api-contract.md "The OpenAPI document tells the truth"):
every malformed request is a 4xx with the contract's body and a specific message in both languages,
never a 5xx, and it changes nothing in the table.

The body routes are read from the committed OpenAPI document, so a new one is covered (or this file
fails until it has a valid body for it)."""

from __future__ import annotations

import base64
import importlib
import json
import re

import pytest

from core.errors import ERRORS
from tests.conftest import claims
from tests.flow import complete
from tests.people import id_number
from tools.openapi import DOCUMENT, http_modules

CAND = claims("cand-001", "candidate")
REGISTRAR = claims("registrar-1", "registrar")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
REGION = claims("rev-region", "region_reviewer", region="11")
OFFICE = claims("office", "exam_office")
ROLES = {"candidate": CAND, "registrar": REGISTRAR, "site_reviewer": SITE, "region_reviewer": REGION,
         "exam_office": OFFICE}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _operations() -> dict[str, tuple[str, str, str, tuple[str, ...], bool]]:
    """operationId -> (method, path template, function, roles, has a body), from the document and the
    roles each handler declares."""
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    declared = {}
    for module in http_modules():
        api = importlib.import_module(module).api
        for fn, roles in api.roles.items():
            declared[fn.__name__] = (module.split(".")[0], roles)
    out = {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            function, roles = declared[op["operationId"]]
            out[op["operationId"]] = (method.upper(), path, function, roles, "requestBody" in op)
    return out


OPERATIONS = _operations()
BODY_ROUTES = sorted(name for name, op in OPERATIONS.items() if op[4])
PATH_VALUES = {"id": "app-1", "type": "id_card", "imageId": "img-abcdefgh", "reference": "ABCDEFGH12"}
# A valid body per body route: each bad-input case below changes one thing about it.
VALID = {
    "put_application": {"candidateId": "cand-009", "candidateName": "赵敏", "idNumber": id_number(9),
                        "householdRegion": "11", "region": "11", "site": "1101", "category": "临床执业医师",
                        "examYear": 2026},
    "reserve": {"contentType": "image/jpeg", "size": 1000},
    "image_decision": {"decision": "approve", "version": 2},
    "application_decision": {"decision": "approve", "version": 1},
    "phase": {"status": "READY_FOR_EXAM"},
}


def test_every_body_route_has_a_valid_body_here():
    assert sorted(VALID) == BODY_ROUTES


def path_of(name: str, **values) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {**PATH_VALUES, **values}[m.group(1)], OPERATIONS[name][1])


def allowed_role(name: str) -> dict:
    return ROLES[OPERATIONS[name][3][0]]


def call(api, name: str, who: dict, body=None, path: dict | None = None, **kw):
    method, _, function, _, _ = OPERATIONS[name]
    return api(function, method, path_of(name, **(path or {})), who, body, **kw)


@pytest.fixture
def table(aws):
    """Every item of the table, to compare before and after a refused request."""

    def scan() -> list[dict]:
        items, start = [], None
        while True:
            page = aws.ddb.scan(TableName=aws.table, **({"ExclusiveStartKey": start} if start else {}))
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))

    return scan


@pytest.fixture
def registered(register):
    register("app-1")


def refused(reply, status: int, code: str) -> dict:
    """The contract's error body, with messages specific to this request in both languages."""
    assert reply.status == status, reply
    assert set(reply.body) == {"error"} and set(reply.body["error"]) == {"code", "message", "messageZh"}, reply
    error = reply.body["error"]
    assert error["code"] == code, reply
    generic = ERRORS[code]
    assert error["message"] != generic.message, reply
    assert error["messageZh"] != generic.message_zh and CJK.search(error["messageZh"]), reply
    assert "取值无效" not in error["messageZh"], reply  # the fallback when a reason has no Chinese text yet
    return error


# ---------------------------------------------------------------- bodies that are not JSON text


def _invalid_utf8(name: str) -> bytes:
    valid = json.dumps(VALID[name], ensure_ascii=False)
    return valid[:-1].encode() + b', "x": "\xff\xfe\xc3("}'


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_invalid_utf8_as_raw_text_is_400(api, registered, table, name):
    before = table()
    # what a proxy hands on when it decoded the bytes leniently: lone surrogates in place of the bad bytes
    raw = _invalid_utf8(name).decode("utf-8", "surrogateescape")
    error = refused(call(api, name, allowed_role(name), raw), 400, "INVALID_REQUEST")
    assert "UTF-8" in error["message"] and "UTF-8" in error["messageZh"]
    assert table() == before


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_invalid_utf8_base64_encoded_is_400(api, registered, table, name):
    before = table()
    event_body = base64.b64encode(_invalid_utf8(name)).decode()
    reply = call(api, name, allowed_role(name), event_body, base64_encoded=True)
    error = refused(reply, 400, "INVALID_REQUEST")
    assert "UTF-8" in error["message"] and "UTF-8" in error["messageZh"]
    assert table() == before


@pytest.mark.parametrize("media", ["text/plain", "application/xml", "application/octet-stream",
                                   "text/plain; charset=utf-8", "multipart/form-data; boundary=x"])
@pytest.mark.parametrize("name", BODY_ROUTES)
def test_a_body_that_is_not_declared_json_is_400(api, registered, table, name, media):
    before = table()
    body = json.dumps(VALID[name], ensure_ascii=False)  # valid JSON: the content type alone is wrong
    error = refused(call(api, name, allowed_role(name), body, headers={"Content-Type": media}), 400, "INVALID_REQUEST")
    assert media.split(";")[0] in error["message"] and "application/json" in error["messageZh"]
    assert table() == before


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_octet_stream_as_api_gateway_passes_it_base64_is_400(api, registered, table, name):
    before = table()
    body = base64.b64encode(json.dumps(VALID[name]).encode()).decode()
    reply = call(api, name, allowed_role(name), body, base64_encoded=True,
                 headers={"Content-Type": "application/octet-stream"})
    refused(reply, 400, "INVALID_REQUEST")
    assert table() == before


DEEP = 5000


@pytest.mark.parametrize("shape", ["array", "object", "inside a field"])
@pytest.mark.parametrize("name", BODY_ROUTES)
def test_json_nested_5000_deep_is_400(api, registered, table, name, shape):
    before = table()
    if shape == "array":
        body = "[" * DEEP + "]" * DEEP
    elif shape == "object":
        body = '{"a":' * DEEP + "1" + "}" * DEEP
    else:
        field = next(iter(VALID[name]))
        body = json.dumps({**VALID[name], field: "__deep__"}).replace('"__deep__"', "[" * DEEP + "]" * DEEP)
    error = refused(call(api, name, allowed_role(name), body), 400, "INVALID_REQUEST")
    assert "16" in error["message"] and "16" in error["messageZh"]
    assert table() == before


@pytest.mark.parametrize(("body", "why"), [
    ("{", "not JSON"), ('{"a": 1,}', "trailing comma"), ("\ufeff{}", "byte order mark"), ("null", "null"),
    ("[]", "an array"), ('"text"', "a string"), ("1" * 5000, "an integer of 5000 digits"),
    ('{"contentType": "image/jpeg", "size": ' + "9" * 5000 + "}", "a field of 5000 digits"),
    ('{"contentType": "image/jpeg", "size": NaN}', "NaN"), ('{"contentType": "image/jpeg", "size": 1e400}', "inf"),
    ('{"contentType": "image/jpeg\\ud800"}', "a lone surrogate escaped in a string"),
    ('{"contentType": "image/jpeg", "fileName": "\\udfff.jpg"}', "a lone low surrogate"),
    ('{"contentType": "image/jpeg", "\\ud800": 1}', "a lone surrogate in a field name"),
    ("{" + ",".join(f'"k{i}": {i}' for i in range(3000)) + "}", "3000 unknown fields"),
    ('{"contentType": "image/jpeg", "contentType": "image/png", "size": "1"}', "a repeated key"),
])
def test_malformed_json_bodies_are_400(api, registered, table, body, why):
    before = table()
    refused(call(api, "reserve", CAND, body), 400, "INVALID_REQUEST")
    assert table() == before, why


@pytest.mark.parametrize(("name", "body", "path"), [
    ("reserve", {**VALID["reserve"], "size": 1000.0}, {}),
    ("put_application", {**VALID["put_application"], "examYear": 2026.0}, {"id": "app-9"}),
])
def test_a_whole_number_written_with_a_fraction_is_an_integer(api, registered, name, body, path):
    """JSON Schema's "integer" (what the document says) includes 2026.0; strictness is about types."""
    reply = call(api, name, allowed_role(name), body, path=path)
    assert reply.status == 201, reply


def test_a_body_over_32_kb_is_400(api, registered, table):
    before = table()
    body = json.dumps({**VALID["reserve"], "fileName": "x" * 40_000})
    error = refused(call(api, "reserve", CAND, body), 400, "INVALID_REQUEST")
    assert "32" in error["messageZh"]
    assert table() == before


# ---------------------------------------------------------------- strict JSON types


@pytest.mark.parametrize(("name", "field", "value", "zh"), [
    ("reserve", "size", "100", "整数"),
    ("reserve", "size", True, "整数"),
    ("reserve", "size", 1.5, "整数"),
    ("reserve", "contentType", 1, "字符串"),
    ("image_decision", "version", "1", "整数"),
    ("image_decision", "version", True, "整数"),
    ("image_decision", "decision", "APPROVE", "approve"),
    ("application_decision", "version", "1", "整数"),
    ("application_decision", "requests", {"type": "id_card", "count": 1}, "数组"),
    ("application_decision", "comment", ["a"], "字符串"),
    ("put_application", "examYear", "2026", "整数"),
    ("put_application", "examYear", 2026.5, "整数"),
    ("put_application", "phone", 13800138000, "字符串"),
    ("put_application", "idNumber", None, "字符串"),
    ("phase", "status", "APPROVED", "READY_FOR_EXAM"),
])
def test_wrong_json_types_are_400_naming_the_field(api, registered, table, name, field, value, zh):
    before = table()
    body = {**VALID[name], field: value}
    error = refused(call(api, name, allowed_role(name), body), 400, "INVALID_REQUEST")
    assert field in error["message"] and field in error["messageZh"] and zh in error["messageZh"], error
    assert table() == before


@pytest.mark.parametrize(("name", "field", "value"), [
    ("image_decision", "version", 10**40), ("application_decision", "version", 2**63),
    ("reserve", "size", 10**40), ("put_application", "examYear", 10**40),
    ("application_decision", "requests", [{"type": "id_card", "count": 10**40}]),
])
def test_numbers_too_large_for_the_table_are_400(api, registered, table, name, field, value):
    before = table()
    reply = call(api, name, allowed_role(name), {**VALID[name], field: value})
    if reply.status == 413:  # a size over 200 KB is the upload's own refusal
        refused(reply, 413, "FILE_TOO_LARGE")
    else:
        error = refused(reply, 400, "INVALID_REQUEST")
        assert field in error["messageZh"]
    assert table() == before


@pytest.mark.parametrize(("name", "extra"), [(n, "role") for n in BODY_ROUTES] + [("reserve", "candidateId")])
def test_unknown_fields_are_400(api, registered, table, name, extra):
    before = table()
    error = refused(call(api, name, allowed_role(name), {**VALID[name], extra: "exam_office"}), 400, "INVALID_REQUEST")
    assert extra in error["messageZh"] and "不允许" in error["messageZh"]
    assert table() == before


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_a_missing_or_empty_body_is_400(api, registered, table, name):
    before = table()
    for body in (None, "", "{}"):
        reply = call(api, name, allowed_role(name), body)
        error = refused(reply, 400, "INVALID_REQUEST")
        assert "缺少" in error["messageZh"] or "请求体" in error["messageZh"], (body, error)
    assert table() == before


# ---------------------------------------------------------------- the role before the body


def _forbidden_pairs():
    for name in BODY_ROUTES:
        for role in ROLES:
            if role not in OPERATIONS[name][3]:
                yield name, role


@pytest.mark.parametrize(("name", "role"), list(_forbidden_pairs()))
def test_a_role_that_may_not_use_a_body_route_gets_403_whatever_the_body(api, registered, table, name, role):
    before = table()
    for body, headers in (("{}", None), (None, None), ("not json", {"Content-Type": "text/plain"}),
                          ("[" * DEEP + "]" * DEEP, None), (json.dumps(VALID[name]), None)):
        reply = call(api, name, ROLES[role], body, headers=headers)
        error = refused(reply, 403, "FORBIDDEN")
        assert all(r in error["messageZh"] for r in OPERATIONS[name][3]), error
    assert table() == before


def test_a_candidate_putting_an_empty_body_gets_403_not_the_registrars_fields(api, registered, table):
    before = table()
    reply = api("status", "PUT", "/applications/app-1", CAND, {})
    error = refused(reply, 403, "FORBIDDEN")
    assert "candidateName" not in error["message"] and "registrar" in error["messageZh"]
    assert table() == before


# ---------------------------------------------------------------- query parameters


@pytest.mark.parametrize(("path", "who"), [("/review/queue", SITE), ("/review/applications", SITE),
                                           ("/review/applications", OFFICE)])
@pytest.mark.parametrize(("query", "zh"), [
    ({"limit": "500"}, "不能大于 100"), ({"limit": "0"}, "不能小于 1"), ({"limit": "-1"}, "不能小于 1"),
    ({"limit": "ten"}, "应为整数"), ({"limit": "1.5"}, "应为整数"), ({"limit": "9" * 5000}, "limit"),
])
def test_a_limit_out_of_range_is_400(api, registered, table, path, who, query, zh):
    before = table()
    error = refused(api("review", "GET", path, who, query=query), 400, "INVALID_REQUEST")
    assert "limit" in error["message"] and "limit" in error["messageZh"] and zh in error["messageZh"], error
    assert table() == before


def _cursor(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


QUEUE = "QUEUE#SITE#1101"
GOOD_QUEUE_K = {"PK": "APP#app-1", "SK": "APP", "QueuePK": QUEUE, "QueueSK": "2026-01-01T00:00:00Z#app-1"}
FORGED_QUEUE_CURSORS = {
    "foreign key names": {"q": QUEUE, "k": {"PK": "APP#app-1", "SK": "APP", "GSI1PK": "x", "GSI1SK": "y"}},
    "one foreign name among ours": {"q": QUEUE, "k": {**GOOD_QUEUE_K, "ttl": "1"}},
    "a key missing": {"q": QUEUE, "k": {k: v for k, v in GOOD_QUEUE_K.items() if k != "QueueSK"}},
    "no keys": {"q": QUEUE, "k": {}},
    "another site's partition": {"q": QUEUE, "k": {**GOOD_QUEUE_K, "QueuePK": "QUEUE#SITE#3101"}},
    "another level's partition": {"q": QUEUE, "k": {**GOOD_QUEUE_K, "QueuePK": "QUEUE#REGION#11"}},
    "an empty sort key": {"q": QUEUE, "k": {**GOOD_QUEUE_K, "QueueSK": ""}},
    "a sort key over 1024 bytes": {"q": QUEUE, "k": {**GOOD_QUEUE_K, "QueueSK": "考" * 400}},
    "a lone surrogate": {"q": QUEUE, "k": {**GOOD_QUEUE_K, "QueueSK": "\ud800"}},
    "a number value": {"q": QUEUE, "k": {**GOOD_QUEUE_K, "QueueSK": 1}},
    "a list of keys": {"q": QUEUE, "k": list(GOOD_QUEUE_K)},
    "another list's scope": {"q": "QUEUE#SITE#3101", "k": GOOD_QUEUE_K},
    "no scope": {"k": GOOD_QUEUE_K},
    "a list": [QUEUE, GOOD_QUEUE_K],
    "a number": 7,
    "not JSON": b"\x00\x01not json",
    "not UTF-8": b'{"q": "\xff"}',
    "not base64": "***",
    "padding in the middle": "ab=cd",
}


@pytest.mark.parametrize("why", FORGED_QUEUE_CURSORS)
def test_a_forged_queue_cursor_is_400(api, registered, table, why):
    forged = FORGED_QUEUE_CURSORS[why]
    cursor = forged if isinstance(forged, str) else _cursor(forged)
    before = table()
    error = refused(api("review", "GET", "/review/queue", SITE, query={"cursor": cursor}), 400, "INVALID_REQUEST")
    assert "cursor" in error["message"] and "cursor" in error["messageZh"], why
    assert table() == before


GOOD_SITE_K = {"PK": "APP#app-1", "SK": "APP", "SitePK": "SITE#1101", "SiteSK": "DRAFT#app-1"}
SEARCH = "search:DRAFT::"
FORGED_SEARCH_CURSORS = {
    "foreign key names": {"q": SEARCH, "s": "1101", "k": {"PK": "APP#app-1", "SK": "APP", "QueuePK": QUEUE,
                                                          "QueueSK": "x"}},
    "a site out of scope": {"q": SEARCH, "s": "3101", "k": {**GOOD_SITE_K, "SitePK": "SITE#3101"}},
    "another site's partition": {"q": SEARCH, "s": "1101", "k": {**GOOD_SITE_K, "SitePK": "SITE#3101"}},
    "a sort key outside the status filter": {"q": SEARCH, "s": "1101", "k": {**GOOD_SITE_K, "SiteSK": "PASSED#app-1"}},
    "a key missing": {"q": SEARCH, "s": "1101", "k": {k: v for k, v in GOOD_SITE_K.items() if k != "SK"}},
    "a site that is a list": {"q": SEARCH, "s": ["1101"], "k": GOOD_SITE_K},
    "another filter's scope": {"q": "search:PASSED::", "s": "1101", "k": GOOD_SITE_K},
}


@pytest.mark.parametrize("why", FORGED_SEARCH_CURSORS)
def test_a_forged_search_cursor_is_400(api, registered, table, why):
    before = table()
    reply = api("review", "GET", "/review/applications", SITE,
                query={"status": "DRAFT", "cursor": _cursor(FORGED_SEARCH_CURSORS[why])})
    error = refused(reply, 400, "INVALID_REQUEST")
    assert "cursor" in error["messageZh"], why
    assert table() == before


def test_a_cursor_the_list_issued_still_pages(api, aws, register):
    """The checks refuse forgeries, not the cursors the lists hand out."""
    for n in range(3):
        register(f"app-{n}", candidate=f"cand-10{n}")
    seen, cursor = [], None
    while True:
        query = {"status": "DRAFT", "limit": "1", **({"cursor": cursor} if cursor else {})}
        body = api("review", "GET", "/review/applications", OFFICE, query=query).body
        seen += [i["applicationId"] for i in body["items"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == ["app-0", "app-1", "app-2"]


# ---------------------------------------------------------------- domain refusals say why in Chinese too


@pytest.fixture
def ready(api, aws, registered):
    return complete(api, aws, CAND, "app-1")


def _approve_through_both_levels(api, ids):
    assert api("review", "POST", "/review/applications/app-1/claim", SITE).status == 200
    for image_id in [i for group in ids.values() for i in group]:
        assert api("review", "POST", f"/review/applications/app-1/images/{image_id}/decision", SITE,
                   {"decision": "approve", "version": 2}).status == 200
    for who in (SITE, REGION):
        if who is REGION:
            assert api("review", "POST", "/review/applications/app-1/claim", REGION).status == 200
        version = api("review", "GET", "/review/applications/app-1", who).body["application"]["version"]
        assert api("review", "POST", "/review/applications/app-1/decision", who,
                   {"decision": "approve", "version": version}).status == 200


@pytest.mark.parametrize("decision", ["return", "reject"])
@pytest.mark.parametrize("comment", [None, ""])
def test_a_return_or_reject_without_a_comment_is_400_saying_so_in_chinese(api, ready, table, decision, comment):
    assert api("review", "POST", "/review/applications/app-1/claim", SITE).status == 200
    version = api("review", "GET", "/review/applications/app-1", SITE).body["application"]["version"]
    before = table()
    body = {"decision": decision, "version": version, **({} if comment is None else {"comment": comment})}
    error = refused(api("review", "POST", "/review/applications/app-1/decision", SITE, body), 400, "INVALID_REQUEST")
    assert "comment" in error["message"] and "审核意见" in error["messageZh"]
    assert table() == before


def test_the_exam_office_setting_ready_for_exam_on_a_passed_application_is_409_saying_why(api, ready, table):
    _approve_through_both_levels(api, ready)
    for status in ("READY_FOR_EXAM", "PASSED"):
        assert api("review", "POST", "/review/applications/app-1/phase", OFFICE, {"status": status}).status == 200
    before = table()
    reply = api("review", "POST", "/review/applications/app-1/phase", OFFICE, {"status": "READY_FOR_EXAM"})
    error = refused(reply, 409, "INVALID_TRANSITION")
    assert "PASSED" in error["message"] and "通过" in error["messageZh"] and "备考" in error["messageZh"], error
    assert table() == before
