"""The candidate's side of a slot, decided on hand-built snapshots (R9-R11, R13): reserve a place for
an upload, delete an image. What lands in DynamoDB (and under which condition) is tests/unit/
test_db_requests.py; the 20-at-once race stays in the moto tier (tests/integration/test_uploads.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core import uploads
from core.models import AppStatus, AuditEntry, ImageStatus, Level, Seat
from core.plan import Likeness
from core.uploads import Delete, Reserve
from tests.unit.factories import (
    CANDIDATE,
    EARLIER,
    NOW,
    UPLOAD_TTL,
    application,
    caller,
    complete_images,
    image,
    pending,
    queued,
    refusal,
    request,
    snapshot,
)


def reserve_cmd(material_type: str = "id_card", content_type: str = "image/jpeg", size: int | None = None,
                who=CANDIDATE, file_name: str | None = "front.jpg") -> Reserve:
    return Reserve(caller=who, material_type=material_type, content_type=content_type, size=size,
                   file_name=file_name, image_id="img-new", ttl=UPLOAD_TTL)


# ---------------------------------------------------------------- reserve

def test_a_reservation_takes_the_first_free_seat_with_a_pending_image_that_expires():
    # Given an application with nothing uploaded
    snap = snapshot()
    # When the candidate reserves a place for an identity document
    plan, made = uploads.reserve(snap, reserve_cmd(), NOW)
    # Then: a PENDING image in seat 0 with its upload key, living as long as the presigned POST
    expires = NOW.seconds + UPLOAD_TTL
    assert made == image("id_card", 0, ImageStatus.PENDING, image_id="img-new", uploaded_at=NOW.iso,
                         expires_at=expires, file_name="front.jpg")
    assert made.upload_key == "uploads/app-1/id_card/img-new"
    assert plan.put_images == [(made, None)]  # None: a new item (attribute_not_exists)
    assert plan.take_seats == [Seat("id_card", 0, "img-new", expires)]
    assert plan.delete_images == [] and plan.release_seats == [] and plan.keep_seats == []
    assert (plan.before, plan.after) == (snap.application, replace(snap.application, version=8, updated_at=NOW.iso))
    assert plan.audit == [AuditEntry(at=NOW.iso, actor="cand-1", role="candidate", action="image_reserved",
                                     image_id="img-new", material_type="id_card")]
    assert plan.claim_holder is None


def test_the_second_place_of_a_slot_is_the_next_seat():
    plan, made = uploads.reserve(snapshot(images=[image("id_card", 0)]), reserve_cmd(), NOW)
    assert made.seat == 1 and [s.index for s in plan.take_seats] == [1]


def test_a_full_slot_is_slot_full_naming_the_material_and_its_maximum():
    # Given both identity places held (one processed, one still uploading)
    snap = snapshot(images=[image("id_card", 0), pending("id_card", 1)])
    # When / Then (R10)
    error = refusal(uploads.reserve, snap, reserve_cmd(), NOW)
    assert (error.code, error.status) == ("SLOT_FULL", 409)
    assert "at most 2" in error.message and "身份证明最多上传 2 张" in error.message_zh


@pytest.mark.parametrize(("expires_at", "free"), [(NOW.seconds - 1, True), (NOW.seconds, True), (NOW.seconds + 1, False)])
def test_an_expired_reservation_frees_its_seat_at_its_expiry_and_its_image_is_deleted(expires_at, free):
    # Given seat 0 held by a reservation that was never uploaded, seat 1 by a processed image
    stale = pending("id_card", 0, expires_at=expires_at)
    snap = snapshot(images=[stale, image("id_card", 1)])
    if not free:
        assert refusal(uploads.reserve, snap, reserve_cmd(), NOW).code == "SLOT_FULL"
        return
    # When the candidate reserves again
    plan, made = uploads.reserve(snap, reserve_cmd(), NOW)
    # Then the expired place is reused and its stale image goes in the same transaction
    assert made.seat == 0 and plan.take_seats[0].index == 0
    assert plan.delete_images == [stale]


def test_a_seat_whose_image_is_already_gone_is_reused_without_deleting_anything():
    snap = snapshot(images=[image("id_card", 1)],
                    seats=[Seat("id_card", 0, "vanished", NOW.seconds - 10), Seat("id_card", 1, "id_card-1")])
    plan, made = uploads.reserve(snap, reserve_cmd(), NOW)
    assert made.seat == 0 and plan.delete_images == []


@pytest.mark.parametrize("status", [s for s in AppStatus if s not in (AppStatus.DRAFT, AppStatus.RETURNED)])
def test_only_draft_and_returned_applications_take_uploads(status):
    error = refusal(uploads.reserve, snapshot(application(status=status)), reserve_cmd(), NOW)
    assert (error.code, error.status) == ("APPLICATION_NOT_EDITABLE", 409)


def test_a_returned_application_takes_uploads():
    plan, _ = uploads.reserve(snapshot(application(status=AppStatus.RETURNED)), reserve_cmd(), NOW)
    assert plan.after.status is AppStatus.RETURNED


@pytest.mark.parametrize("snap", [None, snapshot(application(candidate_id="cand-999"))], ids=["missing", "another's"])
def test_an_application_that_is_not_yours_does_not_exist(snap):
    assert refusal(uploads.reserve, snap, reserve_cmd(), NOW).code == "NOT_FOUND"


@pytest.mark.parametrize(("app", "material_type", "ok"), [
    (application(), "passport", False),
    (application(), "residence_permit", False),  # region 11 does not ask (R3)
    (application(region="31", site="3101", household_region="11"), "residence_permit", True),  # non-local
    (application(region="31", site="3101", household_region="31"), "residence_permit", False),  # local
])
def test_only_the_material_types_the_application_requires_can_be_uploaded(app, material_type, ok):
    if ok:
        assert uploads.reserve(snapshot(app), reserve_cmd(material_type), NOW)[1].material_type == material_type
    else:
        error = refusal(uploads.reserve, snapshot(app), reserve_cmd(material_type), NOW)
        assert (error.code, error.status) == ("UNKNOWN_MATERIAL_TYPE", 404)


@pytest.mark.parametrize("content_type", ["image/gif", "application/pdf", "image/heic", "image/webp", ""])
def test_only_jpeg_and_png_are_accepted_and_the_refusal_names_the_type(content_type):
    error = refusal(uploads.reserve, snapshot(), reserve_cmd(content_type=content_type), NOW)
    assert (error.code, error.status) == ("UNSUPPORTED_CONTENT_TYPE", 400)
    assert f"not {content_type}." in error.message and content_type in error.message_zh


@pytest.mark.parametrize(("sent", "stored"), [("image/jpeg", "image/jpeg"), ("image/jpg", "image/jpeg"),
                                              ("IMAGE/JPEG; charset=binary", "image/jpeg"), ("image/png", "image/png")])
def test_content_types_are_normalised_before_the_presigned_post_pins_them(sent, stored):
    assert uploads.reserve(snapshot(), reserve_cmd(content_type=sent), NOW)[1].content_type == stored


@pytest.mark.parametrize(("size", "ok"), [(None, True), (1, True), (204_800, True), (204_801, False)])
def test_a_declared_size_over_200_kb_is_refused_before_anything_is_reserved(size, ok):
    if ok:
        assert uploads.reserve(snapshot(), reserve_cmd(size=size), NOW)[0].take_seats
    else:
        error = refusal(uploads.reserve, snapshot(), reserve_cmd(size=size), NOW)
        assert (error.code, error.status) == ("FILE_TOO_LARGE", 413)
        assert "200 KB" in error.message and "200KB" in error.message_zh


def test_a_request_for_more_images_grows_the_slot_beyond_its_catalogue_maximum():
    # Given a return that asked for one more identity image than the slot's two (R16, R21)
    approved = [image("id_card", n, ImageStatus.APPROVED) for n in range(2)]
    asked = application(status=AppStatus.RETURNED, requests=(request("id_card", 1, baseline=2),))
    # When the candidate reserves a third
    plan, made = uploads.reserve(snapshot(asked, approved), reserve_cmd(), NOW)
    # Then it gets the third seat; without the request the slot is full
    assert made.seat == 2
    assert refusal(uploads.reserve, snapshot(application(status=AppStatus.RETURNED), approved), reserve_cmd(),
                   NOW).code == "SLOT_FULL"


# ---------------------------------------------------------------- delete

def delete_cmd(image_id: str = "id_card-0", material_type: str = "id_card", who=CANDIDATE) -> Delete:
    return Delete(caller=who, material_type=material_type, image_id=image_id)


def test_delete_removes_the_image_frees_its_seat_and_leaves_the_likeness_index():
    # Given a processed image in seat 0 with a perceptual hash
    doomed = image("id_card", 0, phash="0123456789abcdef")
    snap = snapshot(images=[doomed, image("id_card", 1)])
    # When the candidate deletes it
    plan = uploads.delete(snap, delete_cmd(), NOW)
    # Then
    assert plan.delete_images == [doomed]
    assert plan.release_seats == [Seat("id_card", 0, "id_card-0")]
    assert plan.remove_likeness == [Likeness("0123456789abcdef", "app-1", "id_card-0", "cand-1")]
    assert plan.after.version == 8 and plan.after.image_count == 1
    assert plan.audit == [AuditEntry(at=NOW.iso, actor="cand-1", role="candidate", action="image_deleted",
                                     image_id="id_card-0", material_type="id_card", from_status=ImageStatus.SUBMITTED)]


def test_deleting_an_image_without_a_seat_or_hash_releases_nothing_else():
    invalid = image("diploma", 0, ImageStatus.INVALID)
    plan = uploads.delete(snapshot(images=[invalid]), delete_cmd("diploma-0", "diploma"), NOW)
    assert plan.delete_images == [invalid] and plan.release_seats == [] and plan.remove_likeness == []


@pytest.mark.parametrize("status", [AppStatus.DRAFT, AppStatus.RETURNED, AppStatus.SITE_APPROVED])
def test_an_approved_image_is_locked_whatever_the_application_s_status(status):
    snap = snapshot(application(status=status), [image("id_card", 0, ImageStatus.APPROVED)])
    error = refusal(uploads.delete, snap, delete_cmd(), NOW)
    assert (error.code, error.status) == ("IMAGE_LOCKED", 409)  # R13, R14


@pytest.mark.parametrize("status", [AppStatus.SITE_APPROVED, AppStatus.APPROVED, AppStatus.REJECTED, AppStatus.PASSED])
def test_images_of_an_application_under_review_or_decided_cannot_be_deleted(status):
    snap = snapshot(application(status=status), [image("id_card", 0)])
    assert refusal(uploads.delete, snap, delete_cmd(), NOW).code == "APPLICATION_NOT_EDITABLE"


@pytest.mark.parametrize("cmd", [delete_cmd(material_type="diploma"), delete_cmd("nope"),
                                 delete_cmd(who=caller("cand-999", "candidate"))],
                         ids=["wrong type", "unknown image", "another candidate"])
def test_delete_of_what_is_not_there_or_not_yours_is_not_found(cmd):
    assert refusal(uploads.delete, snapshot(images=[image("id_card", 0)]), cmd, NOW).code == "NOT_FOUND"


def test_delete_under_a_type_the_application_does_not_have_says_so_as_an_upload_would():
    snap = snapshot(images=[image("id_card", 0)])
    assert refusal(uploads.delete, snap, delete_cmd(material_type="nope"), NOW).code == "UNKNOWN_MATERIAL_TYPE"
    assert refusal(uploads.reserve, snap, reserve_cmd(material_type="nope"), NOW).code == "UNKNOWN_MATERIAL_TYPE"
    # a type the catalogue dropped while it still holds images is not unknown: those images can go
    dropped = snapshot(images=[image("old_type", 0)])
    assert uploads.delete(dropped, delete_cmd(material_type="old_type", image_id=dropped.images[0].image_id), NOW)


def test_deleting_a_required_image_takes_the_application_out_of_the_queue_but_keeps_its_place():
    # Given a complete application waiting in its site's queue since EARLIER
    snap = snapshot(queued(image_count=4), complete_images())
    # When the candidate deletes the diploma
    plan = uploads.delete(snap, delete_cmd("diploma-0", "diploma"), NOW)
    # Then it leaves the queue; the place it first took is remembered (R15)
    after = plan.after
    assert (after.queue, after.ready_at, after.site_first_ready_at) == (None, None, EARLIER.iso)
    assert after.status is AppStatus.DRAFT and after.image_count == 3


def test_deleting_the_last_flagged_image_of_a_return_puts_it_back_in_the_queue_at_its_first_place():
    # Given a returned application whose flagged diploma already has a replacement beside it
    flagged = image("diploma", 0, ImageStatus.NEEDS_REVISION)
    replacement = image("diploma", 1)
    others = [i for i in complete_images(ImageStatus.APPROVED) if i.material_type != "diploma"]
    returned = application(status=AppStatus.RETURNED, returns=1, site_first_ready_at=EARLIER.iso)
    # When the candidate deletes the flagged one
    plan = uploads.delete(snapshot(returned, [*others, flagged, replacement]), delete_cmd("diploma-0", "diploma"), NOW)
    # Then 退回修改 -> 填报, back in the site queue at the place it first had (R15, R16, R21)
    after = plan.after
    assert after.status is AppStatus.DRAFT
    assert (after.queue, after.ready_at, after.site_first_ready_at) == (Level.SITE, NOW.iso, EARLIER.iso)
    assert [e.action for e in plan.audit] == ["image_deleted", "resubmitted"]
    assert plan.audit[1] == AuditEntry(at=NOW.iso, actor="cand-1", role="candidate", action="resubmitted",
                                       from_status=AppStatus.RETURNED, to_status=AppStatus.DRAFT)
