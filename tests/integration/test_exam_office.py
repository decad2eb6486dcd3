"""Review as an exam office really works (api-contract.md "Second release"): who the candidate is,
where they stand, fair order, asking for a missing page, separation of duties, late uploads, the
office's search, the season's counts and tracing a watermark. Through the real handlers and moto."""

from __future__ import annotations

import pytest

from core.idnumber import masked
from tests.conftest import REGISTRAR, claims, registration
from tests.flow import approve_images, complete, drain, put, reserve, small_photo, upload
from tests.people import id_number

SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
REGION = claims("rev-region", "region_reviewer", region="11")
OFFICE = claims("office", "exam_office")


def cand(n: int | str) -> dict:
    return claims(f"cand-{n}", "candidate")


def register(api, app_id, candidate, **kw):
    reply = api("status", "PUT", f"/applications/{app_id}", REGISTRAR, registration(candidate, **kw))
    assert reply.status == 201, reply
    return reply.body


def review_page(api, app_id, who=SITE):
    reply = api("review", "GET", f"/review/applications/{app_id}", who)
    assert reply.status == 200, reply
    return reply.body


def version_of(api, app_id, image_id, who=SITE):
    return next(i["version"] for m in review_page(api, app_id, who)["materials"] for i in m["images"]
                if i["imageId"] == image_id)


def claim(api, app_id, who=SITE):
    return api("review", "POST", f"/review/applications/{app_id}/claim", who)


def decide(api, app_id, decision="approve", who=SITE, **kw):
    version = review_page(api, app_id, who)["application"]["version"]
    return api("review", "POST", f"/review/applications/{app_id}/decision", who,
               {"decision": decision, "version": version, **kw})


def queue(api, who=SITE, **query):
    reply = api("review", "GET", "/review/queue", who, query={k: str(v) for k, v in query.items()} or None)
    assert reply.status == 200, reply
    return reply.body["items"]


def page(api, app_id, who):
    reply = api("status", "GET", f"/applications/{app_id}", who)
    assert reply.status == 200, reply
    return reply.body


def material(body, type_):
    return next(m for m in body["materials"] if m["type"] == type_)


# ---------------------------------------------------------------- registration

@pytest.mark.parametrize("change, code", [
    ({"idNumber": id_number(7)[:17] + ("0" if id_number(7)[17] != "0" else "1")}, "INVALID_ID_NUMBER"),
    ({"idNumber": "110101199002300011"}, "INVALID_ID_NUMBER"),  # 30 February
    ({"region": "99", "site": "9901"}, "UNKNOWN_REGION"),
    ({"site": "9999"}, "UNKNOWN_SITE"),
    ({"site": "3101"}, "SITE_NOT_IN_REGION"),  # a real site, of region 31
    ({"category": "兽医"}, "UNKNOWN_CATEGORY"),
])
def test_registration_refuses_what_nobody_could_review(api, aws, change, code):
    reply = api("status", "PUT", "/applications/app-x", REGISTRAR, {**registration("cand-x"), **change})
    assert (reply.status, reply.code) == (400, code)
    assert reply.body["error"]["messageZh"] and aws.items("app-x") == []


def test_a_valid_registration_is_201_then_200_and_carries_who_and_where(api, aws):
    body = registration("cand-1", name="张三", number=id_number(42).lower().replace("x", "x"))
    first = api("status", "PUT", "/applications/app-1", REGISTRAR, body)
    again = api("status", "PUT", "/applications/app-1", REGISTRAR, body)
    assert (first.status, again.status) == (201, 200)
    app = first.body
    assert (app["candidateName"], app["idNumber"], app["idNumberMasked"]) == ("张三", id_number(42),
                                                                             masked(id_number(42)))
    assert app["idNumberMasked"].startswith(id_number(42)[:6]) and app["idNumberMasked"].count("*") == 8
    assert (app["regionName"], app["siteName"]) == ("北京市", "北京市东城区考点")
    assert app["progress"] == {"code": "FILLING", "label": "填报中", "labelEn": app["progress"]["labelEn"]}
    # the candidate sees their own name and number; lists show the masked number only
    assert page(api, "app-1", cand(1))["application"]["idNumber"] == id_number(42)


def test_region_31_local_candidate_is_complete_without_a_residence_permit(api, aws):
    register(api, "local", "cand-l", region="31", site="3101", household="31")
    register(api, "away", "cand-a", region="31", site="3101", household="32")
    complete(api, aws, claims("cand-l", "candidate"), "local")
    complete(api, aws, claims("cand-a", "candidate"), "away")  # everything region 11 asks for
    site_31 = claims("rev-31", "site_reviewer", site="3101", region="31")
    assert [i["applicationId"] for i in queue(api, site_31)] == ["local"]
    away = page(api, "away", claims("cand-a", "candidate"))
    assert material(away, "residence_permit")["required"] and away["application"]["progress"]["code"] == "FILLING"


# ---------------------------------------------------------------- fair order (R15)

def test_a_fixed_return_and_a_delete_before_review_keep_their_place(api, aws, clock):
    ids = {}
    for n in range(1, 11):
        register(api, f"q{n:02d}", f"cand-{n}")
        ids[n] = complete(api, aws, cand(n), f"q{n:02d}")
        clock.tick(60)
    order = [f"q{n:02d}" for n in range(1, 11)]
    items = queue(api)
    assert [i["applicationId"] for i in items] == order
    first = items[0]
    assert first["candidateName"] == "考生d-1" and first["idNumberMasked"].count("*") == 8
    assert first["imageCount"] == 4 and first["firstReadyAt"] and first["reReview"] is False

    # #3 returned with a flagged diploma, fixed after #10 was ready
    assert claim(api, "q03").status == 200
    diploma = ids[3]["diploma"][0]
    assert api("review", "POST", f"/review/applications/q03/images/{diploma}/decision", SITE,
               {"decision": "revise", "reasonCode": "BLURRY", "version": version_of(api, "q03", diploma)}).status == 200
    assert decide(api, "q03", "return", comment="学历证书模糊").status == 200
    assert "q03" not in [i["applicationId"] for i in queue(api)]
    clock.tick(60)
    assert api("upload_presign", "DELETE", f"/applications/q03/materials/diploma/images/{diploma}", cand(3)).status == 204
    upload(api, aws, cand(3), "q03", "diploma", small_photo(33))
    drain(aws)

    # #5 deletes and re-uploads an identity image before anybody looked
    front = ids[5]["id_card"][0]
    assert api("upload_presign", "DELETE", f"/applications/q05/materials/id_card/images/{front}", cand(5)).status == 204
    assert "q05" not in [i["applicationId"] for i in queue(api)]
    upload(api, aws, cand(5), "q05", "id_card", small_photo(55))
    drain(aws)

    items = queue(api)
    assert [i["applicationId"] for i in items] == order  # both at the place they first had
    assert next(i for i in items if i["applicationId"] == "q03")["reReview"] is True
    assert next(i for i in items if i["applicationId"] == "q05")["reReview"] is False


# ---------------------------------------------------------------- asking for more (R16, R21)

def test_a_return_can_ask_for_a_second_diploma_page_without_flagging_the_first(api, aws):
    register(api, "app-1", "cand-1")
    ids = complete(api, aws, cand(1), "app-1")
    claim(api, "app-1")
    approve_images(api, SITE, "app-1", {"id_card": ids["id_card"]})
    reply = decide(api, "app-1", "return", comment="请补充学历证书第二页和身份证明补充页",
                   requests=[{"type": "diploma", "count": 1, "note": "学历证书第二页"},
                             {"type": "id_card", "count": 1, "note": "临时身份证明"}])
    assert reply.status == 200 and reply.body["status"] == "RETURNED"

    body = page(api, "app-1", cand(1))
    diploma, id_card = material(body, "diploma"), material(body, "id_card")
    assert diploma["images"][0]["status"] == "SUBMITTED"  # the good page is not flagged
    assert all(i["status"] == "APPROVED" for i in id_card["images"])
    assert diploma["requested"] == {"count": 1, "note": "学历证书第二页", "met": False}
    assert (diploma["maxCount"], id_card["maxCount"]) == (2, 3)  # id_card grew by the request: 2 + 1
    kinds = [(n["kind"], n.get("materialType")) for n in body["reviewNotes"]]
    assert ("comment", None) in kinds and ("request", "diploma") in kinds and ("request", "id_card") in kinds
    assert body["application"]["progress"]["code"] == "RETURNED"

    upload(api, aws, cand(1), "app-1", "diploma", small_photo(70))
    drain(aws)
    assert page(api, "app-1", cand(1))["application"]["status"] == "RETURNED"  # one request still open
    upload(api, aws, cand(1), "app-1", "id_card", small_photo(71))
    drain(aws)

    body = page(api, "app-1", cand(1))
    assert body["application"]["status"] == "DRAFT"  # back in the queue by itself, nothing deleted
    assert body["application"]["progress"]["code"] == "WAITING_SITE_REVIEW" and body["reviewNotes"] == []
    assert len(material(body, "diploma")["images"]) == 2 and len(material(body, "id_card")["images"]) == 3
    assert [i["applicationId"] for i in queue(api)] == ["app-1"]
    trail = [a for a in review_page(api, "app-1")["audit"] if a["action"] == "request"]
    assert {(a["materialType"], a["count"]) for a in trail} == {("diploma", 1), ("id_card", 1)}


def test_a_request_for_an_unknown_type_or_without_a_return_is_refused(api, aws):
    register(api, "app-1", "cand-1")
    complete(api, aws, cand(1), "app-1")
    claim(api, "app-1")
    bad = decide(api, "app-1", "return", comment="x", requests=[{"type": "residence_permit", "count": 1}])
    assert bad.code == "UNKNOWN_MATERIAL_TYPE"
    assert decide(api, "app-1", "reject", comment="x", requests=[{"type": "diploma", "count": 1}]).code == "INVALID_REQUEST"


# ---------------------------------------------------------------- where the candidate stands (R17, R19)

def test_every_progress_code_is_reached_with_its_label(api, aws):
    seen: dict[str, str] = {}

    def look(app_id, who):
        progress = api("status", "GET", f"/applications/{app_id}/status", who).body["progress"]
        seen[progress["code"]] = progress["label"]

    register(api, "app-1", "cand-1")
    look("app-1", cand(1))
    ids = complete(api, aws, cand(1), "app-1")
    look("app-1", cand(1))
    claim(api, "app-1")
    look("app-1", cand(1))
    decide(api, "app-1", "return", comment="请重新上传")
    look("app-1", cand(1))
    flagged = ids["practice_proof"][0]
    api("upload_presign", "DELETE", f"/applications/app-1/materials/practice_proof/images/{flagged}", cand(1))
    ids["practice_proof"] = [upload(api, aws, cand(1), "app-1", "practice_proof", small_photo(8))]
    drain(aws)
    claim(api, "app-1")
    approve_images(api, SITE, "app-1", ids)
    decide(api, "app-1")
    look("app-1", cand(1))
    claim(api, "app-1", REGION)
    look("app-1", cand(1))
    decide(api, "app-1", who=REGION)
    look("app-1", cand(1))
    for phase in ("READY_FOR_EXAM", "PASSED"):
        api("review", "POST", "/review/applications/app-1/phase", OFFICE, {"status": phase})
        look("app-1", cand(1))

    register(api, "app-2", "cand-2")
    complete(api, aws, cand(2), "app-2")
    claim(api, "app-2")
    decide(api, "app-2", "reject", comment="材料不符")
    look("app-2", cand(2))
    register(api, "app-3", "cand-3")
    ids3 = complete(api, aws, cand(3), "app-3")
    claim(api, "app-3")
    approve_images(api, SITE, "app-3", ids3)
    decide(api, "app-3")
    claim(api, "app-3", REGION)
    decide(api, "app-3", who=REGION)
    api("review", "POST", "/review/applications/app-3/phase", OFFICE, {"status": "FAILED"})
    look("app-3", cand(3))

    assert seen == {"FILLING": "填报中", "WAITING_SITE_REVIEW": "已提交,等待考点审核", "IN_SITE_REVIEW": "考点审核中",
                    "RETURNED": "退回修改", "WAITING_REGION_REVIEW": "等待考区审核", "IN_REGION_REVIEW": "考区审核中",
                    "APPROVED": "审核通过", "READY_FOR_EXAM": "备考", "PASSED": "通过", "REJECTED": "审核拒绝",
                    "FAILED": "未通过"}


def test_image_objects_carry_a_chinese_status_label(api, aws):
    register(api, "app-1", "cand-1")
    reserve(api, cand(1), "app-1", "diploma")
    upload(api, aws, cand(1), "app-1", "other", b"GIF89a" + b"\0" * 64)
    labels = {i["status"]: i["statusLabel"] for m in page(api, "app-1", cand(1))["materials"] for i in m["images"]}
    assert labels == {"PENDING": "处理中"}
    drain(aws)
    labels = {i["status"]: i["statusLabel"] for m in page(api, "app-1", cand(1))["materials"] for i in m["images"]}
    assert labels == {"PENDING": "处理中", "INVALID": "未通过检查"}


# ---------------------------------------------------------------- separation of duties, own applications

def test_whoever_decided_an_image_at_site_level_may_not_review_at_region_level(api, aws):
    register(api, "app-1", "cand-1")
    ids = complete(api, aws, cand(1), "app-1")
    both = claims("rev-both", "site_reviewer", "region_reviewer", site="1101", region="11")
    other_site = claims("rev-site-2", "site_reviewer", site="1101", region="11")
    claim(api, "app-1", both)
    first = ids["id_card"][0]
    api("review", "POST", f"/review/applications/app-1/images/{first}/decision", both,
        {"decision": "approve", "version": version_of(api, "app-1", first, both)})
    api("review", "DELETE", "/review/applications/app-1/claim", both)
    claim(api, "app-1", other_site)
    approve_images(api, other_site, "app-1", {k: v for k, v in ids.items() if k != "id_card"} | {"id_card": ids["id_card"][1:]})
    assert decide(api, "app-1", who=other_site).status == 200  # the application decision is someone else's
    assert claim(api, "app-1", both).code == "SEPARATION_OF_DUTIES"
    assert claim(api, "app-1", REGION).status == 200
    assert decide(api, "app-1", who=REGION).body["status"] == "APPROVED"


def test_nobody_reviews_or_sets_the_phase_of_their_own_application(api, aws):
    register(api, "app-1", "office")  # the exam office's own application, as a candidate
    mine = claims("office", "candidate", "exam_office", "site_reviewer", site="1101", region="11")
    complete(api, aws, claims("office", "candidate"), "app-1")
    assert api("review", "GET", "/review/applications/app-1", mine).code == "NOT_FOUND"
    assert claim(api, "app-1", mine).code == "NOT_FOUND"
    assert api("review", "POST", "/review/applications/app-1/phase", mine, {"status": "PASSED"}).code == "NOT_FOUND"
    assert queue(api, mine) == []
    assert api("review", "GET", "/review/applications", mine, query={"q": "app-1"}).body["items"] == []
    assert api("status", "GET", "/applications/app-1", mine).status == 200  # as a candidate, it is theirs


def test_a_comma_in_cognito_groups_is_part_of_one_unknown_name(api, aws):
    register(api, "app-1", "cand-1")
    forged = {"sub": "x", "cognito:groups": "[foo,exam_office]"}
    assert api("review", "POST", "/review/applications/app-1/phase", forged, {"status": "PASSED"}).code == "FORBIDDEN"
    assert api("review", "GET", "/review/stats", forged).code == "FORBIDDEN"


# ---------------------------------------------------------------- uploads that arrive too late

def _late(api, aws, app_id, image_id, key):
    put(aws, key, small_photo(99))
    drain(aws)
    items = aws.items(app_id)
    assert image_id not in {i.get("imageId") for i in items if i["kind"] == "image"}
    assert aws.s3.list_objects_v2(Bucket=aws.uploads, Prefix=key).get("KeyCount") == 0
    assert aws.s3.list_objects_v2(Bucket=aws.materials, Prefix=f"materials/{app_id}/").get("KeyCount", 0) == len(
        [i for i in items if i["kind"] == "image" and i.get("objectKey")])
    discarded = [i for i in items if i["kind"] == "audit" and i["action"] == "upload_discarded"]
    assert [d["imageId"] for d in discarded] == [image_id]


def test_an_upload_after_the_site_rejected_is_discarded(api, aws):
    register(api, "app-1", "cand-1")
    complete(api, aws, cand(1), "app-1")
    late = reserve(api, cand(1), "app-1", "other").body
    claim(api, "app-1")
    assert decide(api, "app-1", "reject", comment="材料不实").body["status"] == "REJECTED"
    _late(api, aws, "app-1", late["imageId"], late["upload"]["fields"]["key"])


def test_an_upload_after_its_reservation_expired_and_the_site_approved_is_discarded(api, aws, clock):
    register(api, "app-1", "cand-1")
    ids = complete(api, aws, cand(1), "app-1")
    late = reserve(api, cand(1), "app-1", "other").body
    claim(api, "app-1")
    approve_images(api, SITE, "app-1", ids)
    assert decide(api, "app-1").code == "INCOMPLETE_MATERIALS"  # a reservation in flight holds approval
    clock.tick(301)  # it expires unused
    claim(api, "app-1")
    assert decide(api, "app-1").body["status"] == "SITE_APPROVED"
    _late(api, aws, "app-1", late["imageId"], late["upload"]["fields"]["key"])
    assert review_page(api, "app-1", REGION)["application"]["status"] == "SITE_APPROVED"


# ---------------------------------------------------------------- the exam office

def test_office_finds_by_id_number_name_and_application_id_and_filters(api, aws):
    register(api, "app-1", "cand-1", name="赵六", number=id_number(101))
    register(api, "app-2", "cand-2", name="钱七", number=id_number(102))
    register(api, "app-3", "cand-3", name="赵六", number=id_number(103), region="31", site="3101", household="31")
    complete(api, aws, cand(2), "app-2")

    def ids(who=OFFICE, **query):
        reply = api("review", "GET", "/review/applications", who, query={k: str(v) for k, v in query.items()})
        assert reply.status == 200, reply
        return sorted(i["applicationId"] for i in reply.body["items"])

    assert ids(q=id_number(102)) == ["app-2"]
    assert ids(q="赵六") == ["app-1", "app-3"]
    assert ids(q="app-3") == ["app-3"]
    assert ids(q="nobody") == []
    assert ids(site="1101") == ["app-1", "app-2"]
    assert ids(status="DRAFT", region="31") == ["app-3"]
    assert ids(SITE, q="赵六") == ["app-1"]  # a site reviewer finds only their site's
    assert ids(claims("r31", "region_reviewer", region="31")) == ["app-3"]
    row = api("review", "GET", "/review/applications", OFFICE, query={"q": id_number(101)}).body["items"][0]
    assert row["candidateName"] == "赵六" and row["idNumberMasked"] == masked(id_number(101))
    assert "idNumber" not in row and row["statusLabel"] == "填报" and row["updatedAt"]
    assert api("review", "GET", "/review/applications", cand(1)).code == "FORBIDDEN"


def test_office_pages_through_every_site(api, aws):
    for n in range(7):
        register(api, f"b-{n}", f"cand-b{n}")
        register(api, f"s-{n}", f"cand-s{n}", region="31", site="3101", household="31")
    seen, cursor = [], None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        body = api("review", "GET", "/review/applications", OFFICE, query=query).body
        seen += [i["applicationId"] for i in body["items"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([f"b-{n}" for n in range(7)] + [f"s-{n}" for n in range(7)])
    assert len(seen) == len(set(seen))


def test_stats_count_a_scripted_season_of_fifty(api, aws, clock):
    expected_status = {"DRAFT": 0, "RETURNED": 0, "SITE_APPROVED": 0, "REJECTED": 0}
    expected_progress = {"FILLING": 0, "WAITING_SITE_REVIEW": 0, "IN_SITE_REVIEW": 0, "RETURNED": 0,
                         "WAITING_REGION_REVIEW": 0, "REJECTED": 0}
    for n in range(50):
        register(api, f"s{n:02d}", f"cand-{n}")
    for n in range(20):  # 20 complete: they wait in the site queue
        complete(api, aws, cand(n), f"s{n:02d}")
        clock.tick(10)
    for n in range(0, 4):  # 4 rejected, 3 returned, 3 in review, 4 approved at site level
        claim(api, f"s{n:02d}")
        decide(api, f"s{n:02d}", "reject", comment="不符")
    for n in range(4, 7):
        claim(api, f"s{n:02d}")
        decide(api, f"s{n:02d}", "return", comment="补充")
    for n in range(7, 10):
        claim(api, f"s{n:02d}")
    for n in range(10, 14):
        claim(api, f"s{n:02d}")
        page_ = review_page(api, f"s{n:02d}")
        approve_images(api, SITE, f"s{n:02d}", {m["type"]: [i["imageId"] for i in m["images"]] for m in page_["materials"]})
        decide(api, f"s{n:02d}")
    clock.tick(100)
    expected_status.update(DRAFT=50 - 4 - 3 - 4, RETURNED=3, SITE_APPROVED=4, REJECTED=4)
    expected_progress.update(FILLING=30, WAITING_SITE_REVIEW=6, IN_SITE_REVIEW=3, RETURNED=3, WAITING_REGION_REVIEW=4,
                             REJECTED=4)

    reply = api("review", "GET", "/review/stats", OFFICE, query={"site": "1101"})
    (site,) = reply.body["sites"]
    assert site["site"] == "1101" and site["siteName"] == "北京市东城区考点" and site["region"] == "11"
    assert {k: v for k, v in site["byStatus"].items() if v} == {k: v for k, v in expected_status.items() if v}
    assert {k: v for k, v in site["byProgress"].items() if v} == {k: v for k, v in expected_progress.items() if v}
    assert site["waiting"]["count"] == 6 + 3 + 4
    assert site["waiting"]["p50Seconds"] >= 100 and site["waiting"]["p90Seconds"] >= site["waiting"]["p50Seconds"]
    everything = api("review", "GET", "/review/stats", OFFICE).body["sites"]
    assert [s["site"] for s in everything] == ["1101", "3101"] and sum(everything[1]["byStatus"].values()) == 0
    assert [s["site"] for s in api("review", "GET", "/review/stats", SITE).body["sites"]] == ["1101"]
