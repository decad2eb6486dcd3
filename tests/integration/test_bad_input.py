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
from testkit.people import id_number
from tests.conftest import claims
from tests.flow import complete
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
            declared[fn.__name__] = (module, roles)
    out = {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            function, roles = declared[op["operationId"]]
            out[op["operationId"]] = (method.upper(), path, function, roles, "requestBody" in op)
    return out


OPERATIONS = _operations()
BODY_ROUTES = sorted(name for name, op in OPERATIONS.items() if op[4])
PATH_VALUES = {"id": "app-1", "type": "id_card", "imageId": "img-abcdefgh", "reference": "ABCDEFGH12",
               "examYear": "2026", "region": "11", "scope": "region-11"}
# A valid body per body route: each bad-input case below changes one thing about it.
VALID = {
    "put_application": {"candidateId": "cand-009", "candidateName": "赵敏", "idNumber": id_number(9),
                        "householdRegion": "11", "region": "11", "site": "1101", "category": "临床执业医师",
                        "examYear": 2026},
    "reserve": {"contentType": "image/jpeg", "size": 1000},
    "image_decision": {"decision": "approve", "version": 2},
    "application_decision": {"decision": "approve", "version": 1},
    "approve_passed": {"version": 1},
    "phase": {"status": "READY_FOR_EXAM"},
    "put_contact": {"phone": "13812345678", "consent": True},
    "verify_contact": {"code": "123456"},
    "subscribe": {"examYear": 2026, "category": "临床执业医师"},
    "announce": {"examYear": 2026, "category": "临床执业医师"},
    "put_window": {"uploadOpens": "2026-03-01T09:00:00+08:00", "uploadCloses": "2026-03-20T17:00:00+08:00",
                   "fixUntil": "2026-03-27T17:00:00+08:00", "siteReviewDue": "2026-04-03T17:00:00+08:00",
                   "regionReviewDue": "2026-04-10T17:00:00+08:00"},
    "put_material": {"name": "身份证明", "nameEn": "Identity document", "description": "居民身份证正反面各一张。",
                     "minCount": 2, "maxCount": 2},
    "sample_upload": {"contentType": "image/png"},
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

ENGLISH_PROSE = re.compile(r"\b(or|and|should|must|Input|Expecting|Field|required|valid)\b")


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
    assert not ENGLISH_PROSE.search(error["messageZh"]), reply  # the details in Chinese, not pydantic's English
    return error


# ---------------------------------------------------------------- bodies that are not JSON text


def _invalid_utf8(name: str) -> bytes:
    valid = json.dumps(VALID[name], ensure_ascii=False)
    return valid[:-1].encode() + b', "x": "\xff\xfe\xc3("}'


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_invalid_utf8_is_400_as_raw_text_and_base64(api, registered, table, name):
    before = table()
    bad = _invalid_utf8(name)
    # raw: what a proxy hands on when it decoded the bytes leniently (lone surrogates for the bad bytes);
    # base64: what API Gateway hands on for a body it does not take for text
    for body, base64_encoded in ((bad.decode("utf-8", "surrogateescape"), False),
                                 (base64.b64encode(bad).decode(), True)):
        reply = call(api, name, allowed_role(name), body, base64_encoded=base64_encoded)
        error = refused(reply, 400, "INVALID_REQUEST")
        assert "UTF-8" in error["message"] and "UTF-8" in error["messageZh"], (base64_encoded, error)
    assert table() == before


NOT_JSON = ["text/plain", "application/xml", "application/octet-stream", "text/plain; charset=utf-8",
            "multipart/form-data; boundary=x"]


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_a_body_that_is_not_declared_json_is_400(api, registered, table, name):
    before = table()
    body = json.dumps(VALID[name], ensure_ascii=False)  # valid JSON: the content type alone is wrong
    for media in NOT_JSON:
        reply = call(api, name, allowed_role(name), body, headers={"Content-Type": media})
        error = refused(reply, 400, "INVALID_REQUEST")
        assert media.split(";")[0] in error["message"] and "application/json" in error["messageZh"], media
    # application/octet-stream as API Gateway passes it: base64
    reply = call(api, name, allowed_role(name), base64.b64encode(body.encode()).decode(), base64_encoded=True,
                 headers={"Content-Type": "application/octet-stream"})
    refused(reply, 400, "INVALID_REQUEST")
    assert table() == before


DEEP = 5000


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_json_nested_5000_deep_is_400(api, registered, table, name):
    before = table()
    field = next(iter(VALID[name]))
    bodies = {"array": "[" * DEEP + "]" * DEEP, "object": '{"a":' * DEEP + "1" + "}" * DEEP,
              "inside a field": json.dumps({**VALID[name], field: "__deep__"}).replace('"__deep__"',
                                                                                      "[" * DEEP + "]" * DEEP)}
    for shape, body in bodies.items():
        error = refused(call(api, name, allowed_role(name), body), 400, "INVALID_REQUEST")
        assert "16" in error["message"] and "16" in error["messageZh"], shape
    assert table() == before


MALFORMED = {
    "not JSON": "{", "trailing comma": '{"a": 1,}', "byte order mark": "\ufeff{}", "null": "null", "an array": "[]",
    "a string": '"text"', "an integer of 5000 digits": "1" * 5000,
    "a field of 5000 digits": '{"contentType": "image/jpeg", "size": ' + "9" * 5000 + "}",
    "NaN": '{"contentType": "image/jpeg", "size": NaN}', "inf": '{"contentType": "image/jpeg", "size": 1e400}',
    "a lone surrogate escaped in a string": '{"contentType": "image/jpeg\\ud800"}',
    "a lone low surrogate": '{"contentType": "image/jpeg", "fileName": "\\udfff.jpg"}',
    "a lone surrogate in a field name": '{"contentType": "image/jpeg", "\\ud800": 1}',
    "3000 unknown fields": "{" + ",".join(f'"k{i}": {i}' for i in range(3000)) + "}",
    "a repeated key": '{"contentType": "image/jpeg", "contentType": "image/png", "size": "1"}',
}


def test_malformed_json_bodies_are_400(api, registered, table):
    before = table()
    for why, body in MALFORMED.items():
        reply = call(api, "reserve", CAND, body)
        assert reply.status == 400, (why, reply)
        refused(reply, 400, "INVALID_REQUEST")
    assert table() == before


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


LIMITS = [({"limit": "500"}, "不能大于 100"), ({"limit": "0"}, "不能小于 1"), ({"limit": "-1"}, "不能小于 1"),
          ({"limit": "ten"}, "应为整数"), ({"limit": "1.5"}, "应为整数"), ({"limit": "9" * 5000}, "limit")]


@pytest.mark.parametrize(("path", "who"), [("/review/queue", SITE), ("/review/applications", SITE),
                                           ("/review/applications", OFFICE)])
def test_a_limit_out_of_range_is_400(api, registered, table, path, who):
    before = table()
    for query, zh in LIMITS:
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
    # as UTF-8, not escaped: short enough for the parameter's 2000 characters, too long for a key
    "a sort key over 1024 bytes": json.dumps({"q": QUEUE, "k": {**GOOD_QUEUE_K, "QueueSK": "考" * 350}},
                                             ensure_ascii=False).encode(),
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


def test_a_forged_queue_cursor_is_400(api, registered, table):
    before = table()
    for why, forged in FORGED_QUEUE_CURSORS.items():
        cursor = forged if isinstance(forged, str) else _cursor(forged)
        assert len(cursor) <= 2000, why  # refused by the cursor's checks, not by the parameter's length
        error = refused(api("review", "GET", "/review/queue", SITE, query={"cursor": cursor}), 400, "INVALID_REQUEST")
        assert error["message"].startswith("cursor is not") and "cursor" in error["messageZh"], (why, error)
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


def test_a_forged_search_cursor_is_400(api, registered, table):
    before = table()
    for why, forged in FORGED_SEARCH_CURSORS.items():
        reply = api("review", "GET", "/review/applications", SITE, query={"status": "DRAFT", "cursor": _cursor(forged)})
        error = refused(reply, 400, "INVALID_REQUEST")
        assert error["message"].startswith("cursor is not") and "cursor" in error["messageZh"], (why, error)
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


def test_the_chinese_message_says_as_much_as_the_english_one(api, registered):
    """The pattern a value must match, the values one may choose from, where and why JSON is broken."""
    error = refused(api("review", "GET", "/review/applications/-app", OFFICE), 400, "INVALID_REQUEST")
    assert "[A-Za-z0-9._-]{0,63}" in error["message"] and "[A-Za-z0-9._-]{0,63}" in error["messageZh"], error
    error = refused(call(api, "application_decision", allowed_role("application_decision"),
                         {**VALID["application_decision"], "decision": "maybe"}), 400, "INVALID_REQUEST")
    assert "'approve'、'return'、'reject'" in error["messageZh"], error
    for body, zh in (('{"decision" "approve"}', "第 1 行第 13 列处缺少冒号"), ('{"decision": }', "处应为一个值"),
                     ('{"a": 1} {}', "起有多余的内容")):
        error = refused(call(api, "application_decision", allowed_role("application_decision"), body), 400,
                        "INVALID_REQUEST")
        assert zh in error["messageZh"], error
