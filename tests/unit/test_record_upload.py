"""What a processed upload changes (R5-R8, R12), decided on hand-built snapshots: SUBMITTED with its
watermark reference, INVALID with a reason, nothing for a duplicate delivery or an orphan, and a
discard for an upload that came too late. The S3 side (objects stored, removed, redelivered) stays in
the moto tier (tests/integration/test_processing.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.likeness import Bounds
from core.models import AppStatus, AuditEntry, ImageStatus, Level, Seat
from core.plan import Likeness, Reference
from process_image import processing
from tests.unit.factories import (
    EARLIER,
    NOW,
    application,
    complete_images,
    image,
    pending,
    processed,
    refused,
    request,
    snapshot,
)

KEY = "uploads/app-1/diploma/diploma-0"


def record(snap, outcome, image_id="diploma-0", key=KEY):
    return processing.record(snap, image_id, key, outcome, NOW)


def test_an_accepted_upload_becomes_submitted_keeps_its_seat_and_claims_its_reference():
    # Given a reservation waiting for its upload
    waiting = pending("diploma", 0)
    snap = snapshot(images=[waiting])
    # When process_image reports the watermarked copy
    plan, result = record(snap, processed(phash="00ff00ff00ff00ff", quality_warnings=("BLURRY",)))
    # Then
    assert result == "submitted"
    ((new, expected),) = plan.put_images
    assert expected == 1  # conditional on the version the reservation had
    assert new == replace(waiting, status=ImageStatus.SUBMITTED, version=2, expires_at=None, processed_at=NOW.iso,
                          object_key="materials/app-1/diploma/diploma-0.jpg", width=1600, height=1200, bytes=140_000,
                          sha256="cd" * 32, processing_ms=85, reference="7K3M9QXW2A", quality_warnings=("BLURRY",),
                          phash="00ff00ff00ff00ff", checks={"state": "PENDING"})  # the pre-checks read it next
    assert plan.keep_seats == [Seat("diploma", 0, "diploma-0", waiting.expires_at)] and plan.release_seats == []
    assert plan.references == [Reference("7K3M9QXW2A", "app-1", "diploma-0", "diploma", NOW.iso)]
    assert plan.add_likeness == [Likeness("00ff00ff00ff00ff", "app-1", "diploma-0", "cand-1")]
    assert plan.audit == [AuditEntry(at=NOW.iso, actor="process_image", role="system", action="image_submitted",
                                     image_id="diploma-0", material_type="diploma",
                                     from_status=ImageStatus.PENDING, to_status=ImageStatus.SUBMITTED)]
    assert (plan.after.version, plan.after.image_count, plan.after.warning_count) == (8, 1, 1)


def test_a_refused_upload_becomes_invalid_with_its_reason_and_gives_its_seat_back():
    waiting = pending("diploma", 0)
    plan, result = record(snapshot(images=[waiting]), refused("UNSUPPORTED_FORMAT", "HEIC"))
    assert result == "invalid"
    ((new, _),) = plan.put_images
    assert (new.status, new.seat, new.expires_at, new.reason, new.reason_found) == (
        ImageStatus.INVALID, None, None, "UNSUPPORTED_FORMAT", "HEIC")
    assert new.object_key is None and new.reference is None
    assert plan.release_seats == [Seat("diploma", 0, "diploma-0", waiting.expires_at)] and plan.keep_seats == []
    assert plan.references == [] and plan.add_likeness == []
    assert (plan.audit[0].action, plan.audit[0].reason_code) == ("image_invalid", "UNSUPPORTED_FORMAT")
    assert plan.after.image_count == 0  # an INVALID image is nothing a reviewer looks at


@pytest.mark.parametrize(("snap", "image_id", "key"), [
    (None, "diploma-0", KEY),  # the application is gone
    (snapshot(images=[image("diploma", 0)]), "diploma-0", KEY),  # already SUBMITTED: a duplicate delivery
    (snapshot(images=[image("diploma", 0, ImageStatus.INVALID)]), "diploma-0", KEY),
    (snapshot(), "diploma-0", KEY),  # the reservation was deleted: an orphan
    (snapshot(images=[pending("diploma", 0)]), "diploma-0", "uploads/app-1/diploma/other"),  # not its object
], ids=["no application", "duplicate", "already invalid", "deleted", "another key"])
def test_an_object_no_reservation_waits_for_changes_nothing(snap, image_id, key):
    assert processing.record(snap, image_id, key, processed(), NOW) is None


@pytest.mark.parametrize("status", [AppStatus.SITE_APPROVED, AppStatus.REJECTED, AppStatus.APPROVED])
def test_an_upload_after_a_reviewer_decided_is_discarded_with_an_audit_entry(status):
    # Given a reservation made while the application was editable, then the site decided
    waiting = pending("other", 0)
    snap = snapshot(application(status=status), [*complete_images(), waiting])
    # When the late upload is processed
    plan, result = record(snap, processed(), "other-0", "uploads/app-1/other/other-0")
    # Then it never becomes an image: deleted with its seat, and said so on the trail
    assert result == "discarded"
    assert plan.delete_images == [waiting] and plan.put_images == []
    assert plan.release_seats == [Seat("other", 0, "other-0", waiting.expires_at)]
    assert plan.references == [] and plan.after.status is status
    assert plan.audit == [AuditEntry(at=NOW.iso, actor="process_image", role="system", action="upload_discarded",
                                     image_id="other-0", material_type="other", from_status=ImageStatus.PENDING,
                                     note="application_not_editable")]


def test_an_upload_whose_reservation_lost_its_seat_is_discarded():
    # Given the reservation expired and another took its place in the slot
    late = pending("diploma", 0, expires_at=NOW.seconds - 5)
    snap = snapshot(images=[late, image("diploma", 1, image_id="newer")], seats=[Seat("diploma", 0, "newer")])
    # When / Then: the slot never holds more than its maximum (R10)
    plan, result = record(snap, processed())
    assert result == "discarded"
    assert plan.delete_images == [late] and plan.release_seats == []
    assert plan.audit[0].note == "seat_lost"


def test_the_upload_that_completes_the_application_puts_it_in_its_site_queue():
    # Given everything uploaded except the diploma, which is being processed
    images = [*(i for i in complete_images() if i.material_type != "diploma"), pending("diploma", 0)]
    # When it is accepted
    plan, _ = record(snapshot(images=images), processed())
    # Then the application waits in its site's queue from now on (R15)
    after = plan.after
    assert (after.queue, after.ready_at, after.site_first_ready_at) == (Level.SITE, NOW.iso, NOW.iso)
    assert after.image_count == 4


def test_an_invalid_upload_does_not_complete_the_application():
    images = [*(i for i in complete_images() if i.material_type != "diploma"), pending("diploma", 0)]
    plan, _ = record(snapshot(images=images), refused("TOO_SMALL", None))
    assert plan.after.queue is None and plan.after.ready_at is None


def test_the_last_replacement_of_a_return_sends_it_back_to_draft_and_the_queue():
    # Given a return whose flagged diploma was deleted, its replacement being processed
    images = [*(i for i in complete_images(ImageStatus.APPROVED) if i.material_type != "diploma"), pending("diploma", 0)]
    returned = application(status=AppStatus.RETURNED, site_first_ready_at=EARLIER.iso)
    # When the new diploma is accepted
    plan, _ = record(snapshot(returned, images), processed())
    # Then 退回修改 -> 填报 and into the queue at its first place (R15, R16, R21)
    assert plan.after.status is AppStatus.DRAFT
    assert (plan.after.queue, plan.after.site_first_ready_at) == (Level.SITE, EARLIER.iso)
    assert [e.action for e in plan.audit] == ["image_submitted", "resubmitted"]


def test_a_return_with_an_open_request_stays_returned_after_an_upload():
    images = [*(i for i in complete_images(ImageStatus.APPROVED) if i.material_type != "diploma"), pending("diploma", 0)]
    returned = application(status=AppStatus.RETURNED, requests=(request("id_card", 1, baseline=2),))
    plan, _ = record(snapshot(returned, images), processed())
    assert plan.after.status is AppStatus.RETURNED and plan.after.queue is None


# ---------------------------------------------------------------- the same picture twice in one application

BOUNDS = Bounds(scene=10, document=10)
DESK = "ffff0000ffff0000"  # a scene's hash: one desk, one framing
CARD_FRONT, CARD_BACK = "00ff00ff00ff00ff", "ff00ff00ff00ff00"  # two documents' hashes, 64 bits apart


def test_the_same_picture_already_in_this_application_is_flagged_duplicate_naming_it():
    front = image("id_card", 0, phash=CARD_FRONT + DESK)
    plan, _ = record(snapshot(images=[front, pending("diploma", 0)]),
                     processed(phash="00ff00ff00ff00fc" + "ffff0000ffff0003", duplicate_bounds=BOUNDS))  # 2 + 2 bits
    new = plan.put_images[0][0]
    assert (new.quality_warnings, new.same_as) == (("DUPLICATE",), "id_card-0")
    assert plan.after.warning_count == 1


def test_a_different_document_on_the_same_desk_is_not_a_duplicate():
    # Given the card's front, and its back taken on the same desk in the same place (same scene)
    front = image("id_card", 0, phash=CARD_FRONT + DESK)
    plan, _ = record(snapshot(images=[front, pending("diploma", 0)]),
                     processed(phash=CARD_BACK + DESK, duplicate_bounds=BOUNDS))
    # Then the document tells them apart
    new = plan.put_images[0][0]
    assert (new.quality_warnings, new.same_as) == ((), None)


def test_the_nearest_of_two_alike_images_is_the_one_named():
    far = image("id_card", 0, phash=CARD_FRONT + "ffff0000ffff00ff")  # 8 bits from the upload's scene
    near = image("id_card", 1, phash=CARD_FRONT + DESK)
    plan, _ = record(snapshot(images=[far, near, pending("diploma", 0)]),
                     processed(phash=CARD_FRONT + DESK, duplicate_bounds=BOUNDS))
    assert plan.put_images[0][0].same_as == "id_card-1"


def test_a_hash_stored_before_the_document_s_is_compared_on_the_scene():
    old = image("id_card", 0, phash=DESK)  # 16 hex digits: the scene's alone
    plan, _ = record(snapshot(images=[old, pending("diploma", 0)]),
                     processed(phash=CARD_BACK + DESK, duplicate_bounds=BOUNDS))
    assert plan.put_images[0][0].same_as == "id_card-0"


@pytest.mark.parametrize("other", [
    image("id_card", 0, phash=CARD_FRONT + "0000ffff0000ffff"),  # the same document elsewhere: another picture
    image("id_card", 0, ImageStatus.INVALID, phash=CARD_FRONT + DESK),  # refused: nothing a reviewer sees
    pending("id_card", 0, phash=CARD_FRONT + DESK),
], ids=["another scene", "invalid", "pending"])
def test_only_a_near_identical_picture_a_reviewer_sees_counts_as_a_duplicate(other):
    plan, _ = record(snapshot(images=[other, pending("diploma", 0)]),
                     processed(phash=CARD_FRONT + DESK, duplicate_bounds=BOUNDS))
    assert plan.put_images[0][0].quality_warnings == ()


def test_a_picture_is_not_a_duplicate_of_itself_and_without_a_hash_nothing_is_compared():
    mine = pending("diploma", 0, phash=CARD_FRONT + DESK)
    assert record(snapshot(images=[mine]), processed(phash=CARD_FRONT + DESK, duplicate_bounds=BOUNDS))[0] \
        .put_images[0][0].quality_warnings == ()
    other = image("id_card", 0, phash=CARD_FRONT + DESK)
    assert record(snapshot(images=[other, pending("diploma", 0)]), processed())[0].put_images[0][0].quality_warnings == ()
