"""Registration intake and the candidate's first routes (issue 2), through the real handler + moto."""

from __future__ import annotations

import pytest

from tests.conftest import REGISTRAR, claims, registration

CAND = claims("cand-001", "candidate")
OTHER = claims("cand-999", "candidate")


def test_registrar_creates_then_same_again_is_200_and_different_is_409(api, aws):
    # Given / When
    first = api("status", "PUT", "/applications/app-1", REGISTRAR, registration())
    again = api("status", "PUT", "/applications/app-1", REGISTRAR, registration())
    changed = api("status", "PUT", "/applications/app-1", REGISTRAR, registration(name="另一个人"))
    # Then
    assert first.status == 201 and first.body["status"] == "DRAFT" and first.body["statusLabel"] == "填报"
    assert again.status == 200 and again.body["version"] == first.body["version"]
    assert changed.status == 409 and changed.code == "APPLICATION_EXISTS"
    assert aws.kinds("app-1") == {"application": 1, "audit": 1}


def test_the_registration_answer_links_the_upload_page_the_candidate_is_led_to(api, aws, monkeypatch):
    # R1: the registration system sends the candidate straight on to this application's upload page
    from core import settings

    monkeypatch.setenv("WEB_URL", "https://exam.example/")
    settings.settings.cache_clear()
    first = api("status", "PUT", "/applications/app-1", REGISTRAR, registration())
    assert first.status == 201 and first.body["uploadPageUrl"] == "https://exam.example/#/app/app-1"
    monkeypatch.delenv("WEB_URL")
    settings.settings.cache_clear()
    assert api("status", "PUT", "/applications/app-1", REGISTRAR, registration()).body["uploadPageUrl"] is None


def test_candidate_lists_and_polls_own_application(api, register):
    register("app-1", year=2025)
    register("app-2", year=2026)
    register("app-3", candidate="cand-999")

    listed = api("status", "GET", "/applications", CAND)
    status = api("status", "GET", "/applications/app-1/status", CAND)

    assert listed.status == 200
    assert [i["id"] for i in listed.body["items"]] == ["app-2", "app-1"]  # newest exam year first (R2)
    assert listed.body["items"][0]["statusLabel"] == "填报"
    assert status.status == 200
    assert status.body == {"status": "DRAFT", "statusLabel": "填报", "statusLabelEn": "Filling in", "version": 1,
                           "updatedAt": status.body["updatedAt"],
                           "progress": {"code": "FILLING", "label": "填报中",
                                        "labelEn": "Filling in: something required is missing or not accepted"}}
    assert status.headers["etag"]


def test_etag_gives_304_until_the_application_changes(api, register, aws):
    register("app-1")
    first = api("status", "GET", "/applications/app-1/status", CAND)
    tag = first.headers["etag"]
    page = api("status", "GET", "/applications/app-1", CAND)  # the page carries it: an open is one request

    same = api("status", "GET", "/applications/app-1/status", CAND, headers={"If-None-Match": tag})
    api("upload_presign", "POST", "/applications/app-1/materials/id_card/images", CAND, {"contentType": "image/jpeg"})
    changed = api("status", "GET", "/applications/app-1/status", CAND, headers={"If-None-Match": tag})
    again = api("status", "GET", "/applications/app-1", CAND)

    assert page.status == 200 and page.headers["etag"] == tag
    assert same.status == 304 and same.body is None
    assert changed.status == 200 and changed.headers["etag"] != tag and changed.body["version"] == 2
    assert again.headers["etag"] == changed.headers["etag"]


def test_other_candidate_gets_404_and_wrong_roles_403(api, register):
    register("app-1")
    assert api("status", "GET", "/applications/app-1/status", OTHER).code == "NOT_FOUND"
    assert api("status", "GET", "/applications/nope/status", CAND).code == "NOT_FOUND"
    assert api("status", "GET", "/applications", REGISTRAR).status == 403
    assert api("status", "PUT", "/applications/app-9", CAND, registration()).code == "FORBIDDEN"
    assert api("status", "GET", "/applications/app-1/status", REGISTRAR).status == 403


def test_malformed_bodies_are_400_with_the_contract_shape_and_write_nothing(api, aws):
    bad = [
        "{not json",
        {"candidateId": "c1"},
        {**registration(), "examYear": "next year"},
        {**registration(), "region": "Beijing"},
        {**registration(), "extra": 1},
        [],
    ]
    for body in bad:
        reply = api("status", "PUT", "/applications/app-x", REGISTRAR, body)
        assert reply.status == 400, body
        assert reply.code == "INVALID_REQUEST"
        assert reply.body["error"]["message"] and reply.body["error"]["messageZh"]
    assert aws.items("app-x") == []


@pytest.mark.parametrize("name", [
    "张\u202e三", "\u202d李四", "王五\u2066", "赵\u2069六", "孙\u200b七", "周\u200d八", "吴\ufeff九", "郑\x00十", "冯\x1b一",
    "陈\x7f二", "褚\u00ad三", "卫\U000e0041四", "蒋\u061c五"])
def test_a_name_with_a_control_format_or_direction_character_is_400_invalid_name(api, aws, name):
    reply = api("status", "PUT", "/applications/app-x", REGISTRAR, {**registration(), "candidateName": name})
    assert (reply.status, reply.code) == (400, "INVALID_NAME"), reply
    bad = next(ch for ch in name if ch not in "张李王赵孙周吴郑冯陈褚卫蒋三四五六七八九十一二")
    assert f"U+{ord(bad):04X}" in reply.body["error"]["message"] and f"U+{ord(bad):04X}" in reply.body["error"]["messageZh"]
    assert aws.items("app-x") == []


@pytest.mark.parametrize("name", ["欧阳明月", "阿卜杜拉·买买提", "Zoë O'Brien-Smith", "李 雷", "𠀀𪚥"])
def test_names_of_printable_text_are_registered_as_they_are(api, aws, name):
    reply = api("status", "PUT", "/applications/app-x", REGISTRAR, {**registration(), "candidateName": name})
    assert reply.status == 201, reply
    assert reply.body["candidateName"] == name


def test_unknown_route_is_contract_404(api):
    reply = api("status", "GET", "/nowhere", CAND)
    assert reply.status == 404 and reply.code == "NOT_FOUND"


ROLES = {
    "candidate": claims("cand-001", "candidate"),
    "registrar": REGISTRAR,
    "site_reviewer": claims("r1", "site_reviewer", site="1101", region="11"),
    "region_reviewer": claims("r2", "region_reviewer", region="11"),
    "exam_office": claims("o", "exam_office"),
}
READERS = {"candidate", "site_reviewer", "region_reviewer", "exam_office"}
ROUTES = [  # (function, method, path, body, roles allowed)
    ("status", "PUT", "/applications/app-r", registration(), {"registrar"}),
    ("status", "GET", "/applications", None, {"candidate"}),
    ("status", "GET", "/applications/app-r", None, READERS),
    ("status", "GET", "/applications/app-r/status", None, READERS),
    ("upload_presign", "POST", "/applications/app-r/materials/id_card/images", {"contentType": "image/jpeg"}, {"candidate"}),
    ("upload_presign", "DELETE", "/applications/app-r/materials/id_card/images/abcdefghij", None, {"candidate"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("function", "method", "path", "body", "allowed"), ROUTES, ids=lambda v: v if isinstance(v, str) else "")
def test_every_role_on_every_application_route(api, role, function, method, path, body, allowed):
    reply = api(function, method, path, ROLES[role], body)
    if role in allowed:
        assert reply.status != 403, (role, path, reply)
    else:
        assert (reply.status, reply.code) == (403, "FORBIDDEN"), (role, path, reply)
    assert api(function, method, path, None, body).status == 401
