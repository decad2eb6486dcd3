"""Where an application stands (R3, R15-R17, R19, R21): which slots it has, when it is complete, when
it waits in its site's queue (and at which place), when a return goes back to 填报 by itself, and the
progress code the candidate sees. Pure functions of the application and its images."""

from __future__ import annotations

import pytest

from core.models import AppStatus, AuditEntry, ImageStatus, Level
from core.progress import PROGRESS, complete, materials_for, progress, ready_for_review, settle
from tests.unit.factories import (
    EARLIER,
    NOW,
    REGION,
    SITE,
    application,
    claimed_by,
    complete_images,
    image,
    pending,
    queued,
    request,
)


def without(images, material_type):
    return [i for i in images if i.material_type != material_type]


# ---------------------------------------------------------------- slots (R3, R16)

def test_region_11_asks_for_four_slots_in_catalogue_order():
    assert [(m.type, m.min_count, m.max_count) for m in materials_for(application())] == [
        ("id_card", 2, 2), ("diploma", 1, 2), ("practice_proof", 1, 1), ("other", 0, 5)]


@pytest.mark.parametrize(("household", "asked"), [("11", True), ("32", True), ("31", False)])
def test_region_31_asks_non_local_candidates_and_only_them_for_a_residence_permit(household, asked):
    app = application(region="31", site="3101", household_region=household)
    assert ("residence_permit" in [m.type for m in materials_for(app)]) is asked


def test_a_request_grows_a_slot_only_beyond_its_maximum():
    app = application(requests=(request("id_card", 1, baseline=2), request("other", 1, baseline=0)))
    slots = {m.type: m.max_count for m in materials_for(app)}
    assert (slots["id_card"], slots["other"]) == (3, 5)  # 2 + 1 grows; 0 + 1 fits in 5 already


# ---------------------------------------------------------------- complete and ready (R3, R10, R16)

def test_complete_means_every_required_type_has_its_minimum_of_accepted_images():
    assert complete(application(), complete_images())
    assert complete(application(), complete_images(ImageStatus.APPROVED))
    assert not complete(application(), without(complete_images(), "practice_proof"))
    assert not complete(application(), complete_images()[1:])  # one identity image of two
    pending_diploma = [*without(complete_images(), "diploma"), pending("diploma", 0)]
    assert not complete(application(), pending_diploma)
    invalid_diploma = [*without(complete_images(), "diploma"), image("diploma", 0, ImageStatus.INVALID)]
    assert not complete(application(), invalid_diploma)


def test_region_31_local_candidate_is_complete_without_a_residence_permit_and_a_non_local_is_not():
    local = application(region="31", site="3101", household_region="31")
    away = application(region="31", site="3101", household_region="32")
    assert ready_for_review(local, complete_images())
    assert not ready_for_review(away, complete_images())
    assert ready_for_review(away, [*complete_images(), image("residence_permit", 0)])


def test_a_flagged_image_or_an_unmet_request_keeps_an_application_from_review():
    flagged = [*without(complete_images(), "diploma"), image("diploma", 0, ImageStatus.NEEDS_REVISION),
               image("diploma", 1)]
    assert complete(application(), flagged) and not ready_for_review(application(), flagged)
    asked = application(requests=(request("diploma", 1, baseline=1),))
    assert not ready_for_review(asked, complete_images())
    assert ready_for_review(asked, [*complete_images(), image("diploma", 1)])


# ---------------------------------------------------------------- settle: the queue (R15)

def test_a_complete_draft_enters_its_site_queue_now_and_that_is_its_place_for_good():
    after, audit = settle(application(), complete_images(), NOW)
    assert (after.status, after.queue, after.ready_at, after.site_first_ready_at) == (
        AppStatus.DRAFT, Level.SITE, NOW.iso, NOW.iso)
    assert audit == []


def test_an_application_already_waiting_keeps_its_ready_time():
    after, _ = settle(queued(), [*complete_images(), image("other", 0)], NOW)
    assert (after.queue, after.ready_at, after.site_first_ready_at) == (Level.SITE, EARLIER.iso, EARLIER.iso)


def test_re_entering_the_queue_keeps_the_place_it_first_had():
    # Given an application that was ready EARLIER, then lost an image (out of the queue)
    left = application(site_first_ready_at=EARLIER.iso)
    # When it is complete again
    after, _ = settle(left, complete_images(), NOW)
    # Then it waits from now, at the place it first took (R15)
    assert (after.queue, after.ready_at, after.site_first_ready_at) == (Level.SITE, NOW.iso, EARLIER.iso)


def test_an_incomplete_draft_leaves_the_queue():
    after, _ = settle(queued(), complete_images()[1:], NOW)
    assert (after.queue, after.ready_at, after.site_first_ready_at) == (None, None, EARLIER.iso)


def test_image_and_warning_counts_are_of_what_a_reviewer_looks_at():
    images = [*complete_images(), image("other", 0, quality_warnings=("BLURRY", "GLARE")),
              image("other", 1, ImageStatus.INVALID), pending("other", 2, quality_warnings=("BLURRY",))]
    after, _ = settle(application(), images, NOW)
    assert (after.image_count, after.warning_count) == (5, 2)


# ---------------------------------------------------------------- settle: back from a return (R16, R21)

APPROVED = complete_images(ImageStatus.APPROVED)
FLAGGED = image("diploma", 0, ImageStatus.NEEDS_REVISION)
REPLACEMENT = image("diploma", 1)
ASKED = (request("id_card", 1, baseline=2),)


@pytest.mark.parametrize(("requests", "images", "back"), [
    ((), [*without(APPROVED, "diploma"), FLAGGED], False),  # not replaced
    ((), [*without(APPROVED, "diploma"), FLAGGED, REPLACEMENT], False),  # replaced beside it, flag still there
    ((), [*without(APPROVED, "diploma"), REPLACEMENT], True),  # flag replaced
    (ASKED, [*without(APPROVED, "diploma"), REPLACEMENT], False),  # flag replaced, request open
    (ASKED, [*without(APPROVED, "diploma"), FLAGGED, REPLACEMENT, image("id_card", 2)], False),  # request met, flag not
    (ASKED, [*without(APPROVED, "diploma"), REPLACEMENT, image("id_card", 2)], True),  # both
    (ASKED, [*without(APPROVED, "diploma"), REPLACEMENT, pending("id_card", 2)], False),  # still uploading
], ids=["flagged", "flag beside", "replaced", "request open", "flag open", "both", "uploading"])
def test_a_return_goes_back_to_draft_only_when_every_flag_is_replaced_and_every_request_met(requests, images, back):
    returned = application(status=AppStatus.RETURNED, returns=1, requests=requests, site_first_ready_at=EARLIER.iso)
    after, audit = settle(returned, images, NOW)
    if back:
        assert (after.status, after.queue, after.ready_at, after.site_first_ready_at) == (
            AppStatus.DRAFT, Level.SITE, NOW.iso, EARLIER.iso)
        assert audit == [AuditEntry(at=NOW.iso, actor="cand-1", role="candidate", action="resubmitted",
                                    from_status=AppStatus.RETURNED, to_status=AppStatus.DRAFT)]
    else:
        assert (after.status, after.queue, after.ready_at) == (AppStatus.RETURNED, None, None)
        assert audit == []


def test_a_return_with_only_a_comment_goes_back_with_the_candidate_s_next_change():
    after, _ = settle(application(status=AppStatus.RETURNED, site_first_ready_at=EARLIER.iso),
                      [*APPROVED, image("other", 0)], NOW)
    assert after.status is AppStatus.DRAFT and after.queue is Level.SITE


# ---------------------------------------------------------------- progress (R17, R19)

@pytest.mark.parametrize(("app", "code"), [
    (application(), "FILLING"),
    (queued(), "WAITING_SITE_REVIEW"),
    (claimed_by(queued(), SITE), "IN_SITE_REVIEW"),
    (claimed_by(queued(), SITE, expires=NOW.seconds), "WAITING_SITE_REVIEW"),  # the claim ran out
    (application(status=AppStatus.RETURNED), "RETURNED"),
    (application(status=AppStatus.SITE_APPROVED, queue=Level.REGION), "WAITING_REGION_REVIEW"),
    (claimed_by(application(status=AppStatus.SITE_APPROVED, queue=Level.REGION), REGION), "IN_REGION_REVIEW"),
    (application(status=AppStatus.APPROVED), "APPROVED"),
    (application(status=AppStatus.REJECTED), "REJECTED"),
    (application(status=AppStatus.READY_FOR_EXAM), "READY_FOR_EXAM"),
    (application(status=AppStatus.PASSED), "PASSED"),
    (application(status=AppStatus.FAILED), "FAILED"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_each_progress_code(app, code):
    assert progress(app, NOW.seconds) == code


def test_every_progress_code_has_the_contract_s_label():
    assert {code: label for code, (label, _) in PROGRESS.items()} == {
        "FILLING": "填报中", "WAITING_SITE_REVIEW": "已提交,等待考点审核", "IN_SITE_REVIEW": "考点审核中",
        "RETURNED": "退回修改", "WAITING_REGION_REVIEW": "等待考区审核", "IN_REGION_REVIEW": "考区审核中",
        "APPROVED": "审核通过", "READY_FOR_EXAM": "备考", "PASSED": "通过", "REJECTED": "审核拒绝", "FAILED": "未通过"}
    assert all(label_en for _, label_en in PROGRESS.values())
