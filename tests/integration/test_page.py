"""The candidate's materials page (issue 5): one DynamoDB Query, no S3 call, every stage right."""

from __future__ import annotations

import pytest

from core import db, storage
from tests.conftest import claims
from tests.flow import approve_images, complete, drain, reserve, small_photo, upload

CAND = claims("cand-001", "candidate")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
REGION = claims("rev-region", "region_reviewer", region="11")


def read(api, who=CAND, app_id="app-1"):
    reply = api("status", "GET", f"/applications/{app_id}", who)
    assert reply.status == 200, reply
    return reply.body


def material(body, type_):
    return next(m for m in body["materials"] if m["type"] == type_)


@pytest.fixture
def app1(register):
    return register("app-1")


def test_one_query_and_no_s3_call_behind_the_page(api, aws, app1):
    complete(api, aws, CAND, "app-1")
    read(api)  # warm: clients created, modules imported
    calls = []

    def count(event_name, **_):
        calls.append(event_name)

    db.client().meta.events.register("before-send", count)
    storage.client().meta.events.register("before-send", count)
    try:
        body = read(api)
    finally:
        db.client().meta.events.unregister("before-send", count)
        storage.client().meta.events.unregister("before-send", count)

    assert calls == ["before-send.dynamodb.Query"]
    assert all(i["url"] for m in body["materials"] for i in m["images"])  # URLs signed locally


def test_empty_page_says_what_to_upload(api, app1):
    body = read(api)
    assert body["application"]["status"] == "DRAFT" and body["application"]["statusLabel"] == "填报"
    assert body["reviewNotes"] == []
    assert [m["type"] for m in body["materials"]] == ["id_card", "diploma", "practice_proof", "other"]
    id_card = material(body, "id_card")
    assert (id_card["name"], id_card["nameEn"], id_card["minCount"], id_card["maxCount"]) == ("身份证明", "Identity document", 2, 2)
    assert id_card["required"] is True and material(body, "other")["required"] is False
    assert id_card["accept"] == ["image/jpeg", "image/png"] and id_card["maxBytes"] == 204800
    assert id_card["canUpload"] is True and id_card["remaining"] == 2 and id_card["images"] == []
    assert "samples/id_card.png" in id_card["sampleImageUrl"]  # R4
    assert [t["action"] for t in body["timeline"]] == ["registered"]


def test_region_31_asks_non_local_candidates_and_only_them_for_a_residence_permit(api, register):
    register("app-31", region="31", site="3101", household="11")
    register("app-local", region="31", site="3101", household="31")
    assert "residence_permit" in [m["type"] for m in read(api, app_id="app-31")["materials"]]
    assert "residence_permit" not in [m["type"] for m in read(api, app_id="app-local")["materials"]]


def test_partly_uploaded_and_pending(api, aws, app1):
    upload(api, aws, CAND, "app-1", "id_card", small_photo())
    drain(aws)
    reserve(api, CAND, "app-1", "id_card")  # a second one on its way
    id_card = material(read(api), "id_card")
    statuses = sorted(i["status"] for i in id_card["images"])
    assert statuses == ["PENDING", "SUBMITTED"]
    assert id_card["remaining"] == 0 and id_card["canUpload"] is False and id_card["complete"] is False
    submitted = next(i for i in id_card["images"] if i["status"] == "SUBMITTED")
    assert submitted["url"] and submitted["width"] == 400 and submitted["locked"] is False
    pending = next(i for i in id_card["images"] if i["status"] == "PENDING")
    assert pending["url"] is None


def test_expired_reservations_are_neither_shown_nor_counted(api, aws, app1, clock):
    reserve(api, CAND, "app-1", "id_card")
    clock.tick(400)
    id_card = material(read(api), "id_card")
    assert id_card["images"] == [] and id_card["remaining"] == 2


def test_invalid_image_shows_reason_and_how_to_fix_in_both_languages(api, aws, app1):
    upload(api, aws, CAND, "app-1", "diploma", b"GIF89a" + b"\x00" * 100)
    drain(aws)
    image = material(read(api), "diploma")["images"][0]
    assert image["status"] == "INVALID" and image["reason"] == "UNSUPPORTED_FORMAT"
    assert "GIF" in image["reasonMessage"] and "GIF" in image["reasonMessageZh"]
    assert material(read(api), "diploma")["remaining"] == 2


def test_all_submitted_then_some_approved_locked(api, aws, app1):
    ids = complete(api, aws, CAND, "app-1")
    body = read(api)
    assert all(m["complete"] for m in body["materials"])
    assert {i["status"] for m in body["materials"] for i in m["images"]} == {"SUBMITTED"}

    api("review", "POST", "/review/applications/app-1/claim", SITE)
    api("review", "POST", f"/review/applications/app-1/images/{ids['id_card'][0]}/decision", SITE,
        {"decision": "approve", "version": 2})
    image = next(i for i in material(read(api), "id_card")["images"] if i["imageId"] == ids["id_card"][0])
    assert image["status"] == "APPROVED" and image["locked"] is True  # the check mark (R14)
    assert read(api)["reviewNotes"] == []


def test_returned_with_comments_then_approved(api, aws, app1):
    ids = complete(api, aws, CAND, "app-1")
    api("review", "POST", "/review/applications/app-1/claim", SITE)
    approve_images(api, SITE, "app-1", ids)
    version = read(api)["application"]["version"]
    api("review", "POST", "/review/applications/app-1/decision", SITE,
        {"decision": "return", "comment": "请补充其他材料", "version": version})

    returned = read(api)
    assert returned["application"]["status"] == "RETURNED" and returned["application"]["statusLabel"] == "退回修改"
    assert returned["reviewNotes"][0]["comment"] == "请补充其他材料" and returned["reviewNotes"][0]["levelLabel"] == "考点"
    assert material(returned, "id_card")["canUpload"] is False  # full and locked
    assert material(returned, "other")["canUpload"] is True  # supplement (R21)
    assert returned["application"]["outcomes"]["site"]["decision"] == "return"

    upload(api, aws, CAND, "app-1", "other", small_photo(5))
    drain(aws)
    assert read(api)["application"]["status"] == "DRAFT"  # back in the queue by itself


def test_approved_and_later_phases_display(api, aws, app1):
    ids = complete(api, aws, CAND, "app-1")
    api("review", "POST", "/review/applications/app-1/claim", SITE)
    approve_images(api, SITE, "app-1", ids)
    api("review", "POST", "/review/applications/app-1/decision", SITE, {"decision": "approve", "version": read(api)["application"]["version"]})
    api("review", "POST", "/review/applications/app-1/claim", REGION)
    api("review", "POST", "/review/applications/app-1/decision", REGION, {"decision": "approve", "version": read(api)["application"]["version"]})

    body = read(api)
    assert (body["application"]["status"], body["application"]["statusLabel"]) == ("APPROVED", "审核通过")
    assert all(not m["canUpload"] for m in body["materials"])
    assert [t["action"] for t in body["timeline"]][-2:] == ["approve", "approve"]
    assert {t["level"] for t in body["timeline"][-2:]} == {"SITE", "REGION"}
    for status, label in (("READY_FOR_EXAM", "备考"), ("PASSED", "通过")):
        api("review", "POST", "/review/applications/app-1/phase", claims("o", "exam_office"), {"status": status})
        assert read(api)["application"]["statusLabel"] == label


def test_other_candidates_and_out_of_scope_reviewers_get_404(api, app1):
    for who in (claims("cand-999", "candidate"), claims("r", "site_reviewer", site="3101", region="31"),
                claims("g", "region_reviewer", region="31")):
        assert api("status", "GET", "/applications/app-1", who).status == 404
    assert read(api, SITE)["application"]["id"] == "app-1"
    assert api("status", "GET", "/applications/app-1", claims("reg", "registrar")).status == 403
