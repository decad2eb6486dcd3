"""The materials page (R2, R4, R12, R14, R16, R17) built from one hand-built snapshot: what to upload,
what is done, what is wrong and how to fix it, the comments at the top, and what only reviewers see.
That the page costs one Query and no S3 call stays in the moto tier (tests/integration/test_page.py)."""

from __future__ import annotations

from core import page, storage
from core.models import AppStatus, Image, ImageStatus, Level
from tests.unit.factories import (
    EARLIER,
    NOW,
    SITE,
    application,
    claimed_by,
    complete_images,
    entry,
    image,
    pending,
    queued,
    request,
    snapshot,
)


def sign(key: str) -> str:
    return f"https://materials.test/{key}?signed"


def sample(name: str) -> str:
    return f"https://materials.test/samples/{name}?signed"


def candidate_view(snap) -> dict:
    """The candidate's page as the API serialises it."""
    return page.candidate_page(snap, NOW.seconds, sign, sample).model_dump(by_alias=True)


def reviewer_view(snap) -> dict:
    return page.review_page(snap, NOW.seconds, sign, sample).model_dump(by_alias=True)


def material(body: dict, type_: str) -> dict:
    return next(m for m in body["materials"] if m["type"] == type_)


def images_of(body: dict) -> dict[str, dict]:
    return {i["imageId"]: i for m in body["materials"] for i in m["images"]}


REGISTERED = entry("registered", actor="registration", role="registrar", to_status=AppStatus.DRAFT)


# ---------------------------------------------------------------- what to upload (R2, R4)

def test_an_empty_page_says_what_to_upload():
    body = candidate_view(snapshot(audit=[REGISTERED]))
    assert (body["application"]["status"], body["application"]["statusLabel"]) == ("DRAFT", "填报")
    assert body["application"]["progress"]["code"] == "FILLING" and body["reviewNotes"] == []
    assert [m["type"] for m in body["materials"]] == ["id_card", "diploma", "practice_proof", "other"]
    id_card = material(body, "id_card")
    assert {k: id_card[k] for k in ("name", "nameEn", "minCount", "maxCount", "required", "accept", "maxBytes",
                                    "canUpload", "remaining", "complete", "images", "requested")} == {
        "name": "身份证明", "nameEn": "Identity document", "minCount": 2, "maxCount": 2, "required": True,
        "accept": ["image/jpeg", "image/png"], "maxBytes": 204800, "canUpload": True, "remaining": 2,
        "complete": False, "images": [], "requested": None}
    assert id_card["sampleImageUrl"] == sample("id_card.png")  # R4
    assert material(body, "other")["required"] is False and material(body, "other")["complete"] is True
    assert [t["action"] for t in body["timeline"]] == ["registered"]


def test_sample_and_material_urls_are_signed_locally_for_the_window_and_ten_minutes():
    assert "/samples/id_card.png?" in storage.sample_url("id_card.png")
    url = storage.material_url("materials/app-1/id_card/x.jpg")
    assert "/materials/app-1/id_card/x.jpg?" in url and "X-Amz-Expires=4200" in url


def test_the_candidate_sees_their_own_number_whole_and_masked():
    app = snapshot().application
    shown = candidate_view(snapshot())["application"]
    assert (shown["idNumber"], shown["idNumberMasked"]) == (app.id_number, app.id_number[:6] + "*" * 8 + app.id_number[-4:])
    assert (shown["candidateName"], shown["regionName"], shown["siteName"]) == ("张三", "北京市", "北京市东城区考点")


def test_region_31_shows_a_non_local_candidate_the_residence_permit():
    away = candidate_view(snapshot(application(region="31", site="3101", household_region="11")))
    local = candidate_view(snapshot(application(region="31", site="3101", household_region="31")))
    assert material(away, "residence_permit")["required"] is True
    assert "residence_permit" not in [m["type"] for m in local["materials"]]


# ---------------------------------------------------------------- what is done (R12, R14)

def test_a_slot_with_one_image_submitted_and_one_on_its_way_is_full_but_not_complete():
    body = candidate_view(snapshot(images=[image("id_card", 0), pending("id_card", 1)]))
    id_card = material(body, "id_card")
    assert (id_card["remaining"], id_card["canUpload"], id_card["complete"]) == (0, False, False)
    shown = images_of(body)
    assert (shown["id_card-0"]["status"], shown["id_card-0"]["statusLabel"]) == ("SUBMITTED", "已提交")
    assert shown["id_card-0"]["url"] == sign("materials/app-1/id_card/id_card-0.jpg")
    assert (shown["id_card-0"]["width"], shown["id_card-0"]["locked"]) == (1600, False)
    assert (shown["id_card-1"]["status"], shown["id_card-1"]["statusLabel"], shown["id_card-1"]["url"]) == (
        "PENDING", "处理中", None)


def test_expired_reservations_are_neither_shown_nor_counted():
    body = candidate_view(snapshot(images=[pending("id_card", 0, expires_at=NOW.seconds)]))
    assert material(body, "id_card")["images"] == [] and material(body, "id_card")["remaining"] == 2


def test_an_invalid_image_shows_its_reason_and_how_to_fix_it_and_holds_no_place():
    gif = image("diploma", 0, ImageStatus.INVALID, reason="UNSUPPORTED_FORMAT", reason_found="GIF")
    body = candidate_view(snapshot(images=[gif]))
    shown = images_of(body)["diploma-0"]
    assert (shown["status"], shown["statusLabel"], shown["url"]) == ("INVALID", "未通过检查", None)
    assert shown["reason"] == "UNSUPPORTED_FORMAT"
    assert "GIF" in shown["reasonMessage"] and "GIF" in shown["reasonMessageZh"]
    assert material(body, "diploma")["remaining"] == 2 and shown["quality"] is None


def test_all_submitted_is_complete_and_an_approved_image_carries_the_check_mark():
    images = [image("id_card", 0, ImageStatus.APPROVED), *complete_images()[1:]]
    body = candidate_view(snapshot(queued(), images))
    assert all(m["complete"] for m in body["materials"])
    assert images_of(body)["id_card-0"]["locked"] is True and images_of(body)["id_card-1"]["locked"] is False
    assert body["reviewNotes"] == []  # R17: nothing to fix, nothing at the top
    assert body["application"]["progress"]["code"] == "WAITING_SITE_REVIEW"


def test_quality_warnings_show_on_processed_images_with_how_to_fix():
    warned = image("diploma", 0, quality_warnings=("BLURRY", "NOT_A_CODE_WE_KNOW"))
    shown = images_of(candidate_view(snapshot(images=[warned, image("id_card", 0), pending("other", 0)])))
    (warning,) = shown["diploma-0"]["quality"]["warnings"]
    assert warning["code"] == "BLURRY" and "blurred" in warning["message"] and "模糊" in warning["messageZh"]
    assert shown["id_card-0"]["quality"] == {"warnings": []}
    assert shown["other-0"]["quality"] is None  # not processed yet


def test_a_duplicate_names_the_image_it_repeats_by_material_and_number_while_that_one_is_shown():
    # Given the card's back as identity document no. 2, and the same picture again under "other"
    front, back = image("id_card", 0), image("id_card", 1)
    again = image("other", 0, quality_warnings=("DUPLICATE",), same_as="id_card-1")
    (warning,) = images_of(candidate_view(snapshot(images=[front, back, again])))["other-0"]["quality"]["warnings"]
    assert warning["code"] == "DUPLICATE"
    assert warning["messageZh"].startswith("与 身份证明 第 2 张 相同")
    assert warning["message"].startswith("Same as identity document no. 2:")
    # and reviewers read the same words
    (seen,) = images_of(reviewer_view(snapshot(images=[front, back, again])))["other-0"]["quality"]["warnings"]
    assert seen["messageZh"] == warning["messageZh"]
    # Once that image is deleted, the warning says what it always said (nothing to point at)
    (left,) = images_of(candidate_view(snapshot(images=[front, again])))["other-0"]["quality"]["warnings"]
    assert "第" not in left["messageZh"] and left["messageZh"].startswith("这张照片与本报名中另一处")


def test_a_type_no_longer_required_still_shows_its_images():
    body = candidate_view(snapshot(images=[image("residence_permit", 0)]))  # region 11 does not ask for it
    extra = material(body, "residence_permit")
    assert (extra["required"], extra["canUpload"], extra["minCount"], extra["maxCount"]) == (False, False, 0, 0)
    assert [i["imageId"] for i in extra["images"]] == ["residence_permit-0"]


# ---------------------------------------------------------------- what is wrong: the notes at the top (R16, R21)

def revise(image_id: str, material_type: str, at, level: str = "SITE", reason: str = "GLARE", note: str = "右下角反光"):
    return entry("image_revise", at, actor="rev-site", role="site_reviewer", image_id=image_id,
                 material_type=material_type, reason_code=reason, note=note, level=level)


def flag(material_type: str, n: int, at, by: str = "rev-site", reason: str = "GLARE", note: str = "右下角反光") -> Image:
    """An image a reviewer asked to have replaced, as review.rules.decide_image leaves it."""
    return image(material_type, n, ImageStatus.NEEDS_REVISION, review_reason_code=reason, review_note=note,
                 decided_at=at.iso, decided_by=by)


def test_a_flagged_image_is_named_at_the_top_with_the_reason_and_how_to_fix_it():
    flagged = flag("diploma", 0, NOW.plus(-5))
    snap = snapshot(claimed_by(queued(site_deciders=("rev-site",)), SITE), [*complete_images()[:2], flagged],
                    audit=[REGISTERED, revise("diploma-0", "diploma", NOW.plus(-5))])
    body = candidate_view(snap)
    (note,) = body["reviewNotes"]
    assert {k: note[k] for k in ("kind", "level", "levelLabel", "levelLabelEn", "imageId", "materialType",
                                 "reasonCode", "comment", "decision")} == {
        "kind": "image", "level": "SITE", "levelLabel": "考点", "levelLabelEn": "Exam site", "imageId": "diploma-0",
        "materialType": "diploma", "reasonCode": "GLARE", "comment": "右下角反光", "decision": "image_revise"}
    assert "flash" in note["reasonMessage"] and "闪光灯" in note["reasonMessageZh"]
    shown = images_of(body)["diploma-0"]
    assert (shown["reviewReasonCode"], shown["reviewNote"], shown["locked"]) == ("GLARE", "右下角反光", False)
    assert "flash" in shown["reviewReasonMessage"]


def test_a_replaced_flag_leaves_the_top_of_the_page():
    snap = snapshot(queued(), complete_images(), audit=[revise("diploma-old", "diploma", EARLIER)])
    assert candidate_view(snap)["reviewNotes"] == []


def test_a_return_shows_its_comment_and_lets_the_candidate_supplement_where_there_is_room():
    returned = application(status=AppStatus.RETURNED, returns=1,
                           site_decision={"decision": "return", "by": "rev-site", "at": NOW.iso, "comment": "请补充其他材料"})
    trail = [REGISTERED, entry("return", NOW, actor="rev-site", role="site_reviewer", note="请补充其他材料", level="SITE",
                               from_status=AppStatus.DRAFT, to_status=AppStatus.RETURNED)]
    body = candidate_view(snapshot(returned, complete_images(ImageStatus.APPROVED), audit=trail))
    assert (body["application"]["status"], body["application"]["statusLabel"]) == ("RETURNED", "退回修改")
    (note,) = body["reviewNotes"]
    assert (note["kind"], note["comment"], note["levelLabel"], note["decision"]) == ("comment", "请补充其他材料", "考点", "return")
    assert material(body, "id_card")["canUpload"] is False  # full and locked
    assert material(body, "other")["canUpload"] is True  # supplement (R21)
    assert body["application"]["outcomes"]["site"] == {"decision": "return", "at": NOW.iso, "comment": "请补充其他材料"}


def test_requests_show_on_their_material_and_at_the_top_until_met():
    # Given a return asking for a second diploma page and a third identity image
    returned = application(status=AppStatus.RETURNED, returns=1, updated_at=NOW.iso,
                           site_decision={"decision": "return", "by": "rev-site", "at": NOW.plus(-10).iso,
                                          "comment": "请补充"},
                           requests=(request("diploma", 1, baseline=1, note="学历证书第二页"),
                                     request("id_card", 1, baseline=2, note="临时身份证明")))
    # (the notes come from the application, not the trail: a page reads only the trail's newest entries)
    trail = [entry("request", NOW.plus(-10), actor="rev-site", role="site_reviewer", material_type="diploma", count=1,
                   note="学历证书第二页", level="SITE")]
    body = candidate_view(snapshot(returned, complete_images(), audit=trail))
    # Then each material says what is asked; the identity slot grew by its request
    diploma, id_card = material(body, "diploma"), material(body, "id_card")
    assert diploma["requested"] == {"count": 1, "note": "学历证书第二页", "met": False}
    assert (diploma["maxCount"], id_card["maxCount"], id_card["remaining"]) == (2, 3, 1)
    assert [i["status"] for i in diploma["images"]] == ["SUBMITTED"]  # the good page is not flagged
    notes = {(n["kind"], n["materialType"]): n for n in body["reviewNotes"]}
    assert set(notes) == {("comment", None), ("request", "diploma"), ("request", "id_card")}
    assert (notes[("request", "diploma")]["count"], notes[("request", "diploma")]["levelLabel"]) == (1, "考点")
    assert (notes[("request", "id_card")]["at"], notes[("request", "id_card")]["level"]) == (NOW.plus(-10).iso, "SITE")
    # When the diploma page arrives, that request is met and leaves the top
    met = candidate_view(snapshot(returned, [*complete_images(), image("diploma", 1)], audit=trail))
    assert material(met, "diploma")["requested"]["met"] is True
    assert {(n["kind"], n["materialType"]) for n in met["reviewNotes"]} == {("comment", None), ("request", "id_card")}


def test_notes_are_newest_first():
    flagged = flag("diploma", 0, NOW.plus(-20))
    returned = application(status=AppStatus.RETURNED, site_deciders=("rev-site",),
                           site_decision={"decision": "approve", "by": "rev-site", "at": NOW.plus(-30).iso, "comment": None},
                           region_decision={"decision": "return", "by": "rev-region", "at": NOW.plus(-10).iso,
                                            "comment": "试用期考核证明已过期"})
    body = candidate_view(snapshot(returned, [*complete_images()[:2], flagged], audit=[]))
    assert [(n["kind"], n["levelLabel"], n["at"]) for n in body["reviewNotes"]] == [
        ("comment", "考区", NOW.plus(-10).iso), ("image", "考点", NOW.plus(-20).iso)]


def test_a_flag_of_the_region_level_says_so():
    # A site reviewer never decides at region level (separation of duties): the flag's decider tells its level
    flagged = flag("diploma", 0, NOW.plus(-5), by="rev-region")
    snap = snapshot(application(status=AppStatus.RETURNED, site_deciders=("rev-site",)), [flagged])
    (note,) = [n for n in candidate_view(snap)["reviewNotes"] if n["kind"] == "image"]
    assert (note["level"], note["levelLabel"], note["at"]) == ("REGION", "考区", NOW.plus(-5).iso)


def test_a_rejection_shows_why_and_nothing_can_be_uploaded():
    rejected = application(status=AppStatus.REJECTED, site_decision={"decision": "reject", "by": "rev-site",
                                                                     "at": NOW.iso, "comment": "材料不符合报考条件"})
    body = candidate_view(snapshot(rejected, complete_images(), audit=[]))
    assert [(n["kind"], n["decision"], n["comment"]) for n in body["reviewNotes"]] == [
        ("comment", "reject", "材料不符合报考条件")]
    assert not any(m["canUpload"] for m in body["materials"])


def test_after_both_approvals_nothing_is_at_the_top_and_everything_is_locked():
    decided = application(status=AppStatus.APPROVED,
                          site_decision={"decision": "approve", "by": "rev-site", "at": EARLIER.iso, "comment": None},
                          region_decision={"decision": "approve", "by": "rev-region", "at": NOW.iso, "comment": None})
    trail = [REGISTERED, entry("approve", EARLIER, actor="rev-site", role="site_reviewer", level="SITE"),
             entry("approve", NOW, actor="rev-region", role="region_reviewer", level="REGION")]
    body = candidate_view(snapshot(decided, complete_images(ImageStatus.APPROVED), audit=trail))
    assert body["reviewNotes"] == []  # R17
    assert all(i["locked"] for m in body["materials"] for i in m["images"])
    assert not any(m["canUpload"] for m in body["materials"])
    assert [(t["action"], t["level"]) for t in body["timeline"][-2:]] == [("approve", "SITE"), ("approve", "REGION")]
    assert body["application"]["outcomes"]["site"]["decision"] == "approve"


# ---------------------------------------------------------------- what only reviewers see

def reviewed():
    """Claimed by rev-site; one image approved, one deleted by the candidate before."""
    trail = [REGISTERED, entry("image_reserved", image_id="id_card-0", material_type="id_card"),
             entry("image_submitted", actor="process_image", role="system", image_id="id_card-0", material_type="id_card"),
             entry("image_reserved", image_id="gone", material_type="diploma"),
             entry("image_deleted", image_id="gone", material_type="diploma"),
             entry("claimed", NOW.plus(-60), actor="rev-site", role="site_reviewer", level="SITE"),
             entry("image_approved", NOW.plus(-30), actor="rev-site", role="site_reviewer", image_id="id_card-0",
                   material_type="id_card", level="SITE"),
             entry("claim_released", NOW.plus(-20), actor="rev-site", role="site_reviewer", level="SITE"),
             entry("claimed", NOW.plus(-10), actor="rev-site", role="site_reviewer", level="SITE")]
    images = [image("id_card", 0, ImageStatus.APPROVED, duplicate_of=({"applicationId": "app-9", "imageId": "x"},)),
              *complete_images()[1:]]
    app = claimed_by(queued(site_decision={"decision": "return", "by": "rev-site", "at": EARLIER.iso,
                                           "comment": "请补充"}, returns=1), SITE)
    return snapshot(app, images, audit=trail)


def test_the_candidate_sees_no_reviewer_no_claim_no_reference_and_no_other_candidate():
    body = candidate_view(reviewed())
    assert not {"claimedBy", "claimExpiresAt", "queue", "readyAt", "firstReadyAt", "reReview"} & set(body["application"])
    assert "by" not in body["application"]["outcomes"]["site"]
    assert all(not {"reference", "duplicateOf"} & set(i) for i in images_of(body).values())
    assert all(not {"actor", "role"} & set(t) for t in body["timeline"])
    assert "audit" not in body and "imageHistory" not in body
    assert [t["action"] for t in body["timeline"]] == [
        "registered", "image_reserved", "image_submitted", "image_reserved", "image_deleted", "image_approved"]
    assert body["application"]["progress"]["code"] == "IN_SITE_REVIEW"


def test_reviewers_see_who_did_what_each_image_s_history_and_its_reference():
    body = reviewer_view(reviewed())
    app = body["application"]
    assert (app["claimedBy"], app["claimExpiresAtEpoch"], app["queue"], app["firstReadyAt"], app["reReview"]) == (
        "rev-site", NOW.seconds + 600, "SITE", EARLIER.iso, True)
    assert app["outcomes"]["site"]["by"] == "rev-site"
    shown = images_of(body)["id_card-0"]
    assert shown["reference"] == "REF0000000" and shown["duplicateOf"] == [{"applicationId": "app-9", "imageId": "x"}]
    history = body["imageHistory"]
    assert [h["action"] for h in history["id_card-0"]] == ["image_reserved", "image_submitted", "image_approved"]
    assert (history["id_card-0"][-1]["actor"], history["id_card-0"][-1]["role"]) == ("rev-site", "site_reviewer")
    assert [h["action"] for h in history["gone"]] == ["image_reserved", "image_deleted"]  # deleted images too
    assert [a["action"] for a in body["audit"]].count("claimed") == 2 and body["audit"][0]["action"] == "registered"


def test_a_claim_that_ran_out_is_not_shown_to_reviewers():
    snap = reviewed()
    snap.application.claim_expires_at = NOW.seconds
    app = reviewer_view(snap)["application"]
    assert (app["claimedBy"], app["claimExpiresAt"], app["claimExpiresAtEpoch"]) == (None, None, None)
    assert app["progress"]["code"] == "WAITING_SITE_REVIEW"


def test_the_region_queue_entry_shows_its_own_first_ready_time():
    app = application(status=AppStatus.SITE_APPROVED, queue=Level.REGION, ready_at=NOW.iso,
                      site_first_ready_at=EARLIER.iso, region_first_ready_at=NOW.iso)
    assert reviewer_view(snapshot(app))["application"]["firstReadyAt"] == NOW.iso
