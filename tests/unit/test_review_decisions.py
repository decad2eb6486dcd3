"""The reviewers' rules (R13-R21) decided on hand-built snapshots: who reviews at which level, the
claim a decision needs, per-image approve/revise, the application decisions of both levels with their
comments and requests, separation of duties, and the exam office's phases. Races between two writers
(two decisions on one version, approve against delete, two claims) stay in the moto tier."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from core import views
from core.models import AppStatus, AuditEntry, ImageStatus, Level, Request
from review import rules as review
from review.rules import Ask, DecideApplication, DecideImage, SetPhase
from tests.unit.factories import (
    BOTH,
    CANDIDATE,
    EARLIER,
    NOW,
    OFFICE,
    REGION,
    SITE,
    SITE2,
    application,
    caller,
    claimed_by,
    complete_images,
    entry,
    image,
    pending,
    queued,
    refusal,
    request,
    snapshot,
)


def image_cmd(image_id: str = "id_card-0", decision: str = "approve", version: int = 2, who=SITE, **kw) -> DecideImage:
    return DecideImage(caller=who, image_id=image_id, decision=decision, version=version, **kw)


def app_cmd(decision: str = "approve", version: int = 7, who=SITE, **kw) -> DecideApplication:
    return DecideApplication(caller=who, decision=decision, version=version, **kw)


def at_site(images=None, who=SITE, **changes):
    """A complete application in the site queue, claimed by `who`."""
    return snapshot(claimed_by(queued(**changes), who), complete_images() if images is None else images)


def at_region(images=None, who=REGION, deciders=("rev-site",), **changes):
    """Approved by the site (by rev-site), claimed at region level by `who`."""
    app = application(status=AppStatus.SITE_APPROVED, queue=Level.REGION, ready_at=EARLIER.iso,
                      site_first_ready_at=EARLIER.iso, region_first_ready_at=EARLIER.iso, site_deciders=deciders,
                      **changes)
    return snapshot(claimed_by(app, who), complete_images(ImageStatus.APPROVED) if images is None else images)


# ---------------------------------------------------------------- scope and level

OTHER_SITE = caller("x", "site_reviewer", site="3101", region="31")
OTHER_REGION = caller("y", "region_reviewer", region="31")


@pytest.mark.parametrize("who", [OTHER_SITE, OTHER_REGION, CANDIDATE, caller("z", "registrar")],
                         ids=["other site", "other region", "candidate", "registrar"])
def test_out_of_scope_callers_are_told_the_application_does_not_exist(who):
    for decide, cmd in ((review.decide_image, image_cmd(who=who)), (review.decide_application, app_cmd(who=who)),
                        (review.set_phase, SetPhase(caller=who, status="PASSED"))):
        assert refusal(decide, at_site(who=who), cmd, NOW).code == "NOT_FOUND"
    assert refusal(review.in_scope, who, queued()).code == "NOT_FOUND"


def test_nobody_reviews_their_own_application_whatever_roles_they_hold():
    everything = caller("cand-1", "candidate", "site_reviewer", "region_reviewer", "exam_office", site="1101", region="11")
    assert refusal(review.in_scope, everything, queued()).code == "NOT_FOUND"
    assert refusal(review.set_phase, snapshot(application(status=AppStatus.APPROVED)),
                   SetPhase(caller=everything, status="PASSED"), NOW).code == "NOT_FOUND"


def test_reviewers_and_the_office_see_applications_in_their_scope():
    for who in (SITE, REGION, BOTH, OFFICE):
        assert review.in_scope(who, queued()).id == "app-1"
    assert refusal(review.in_scope, SITE, None).code == "NOT_FOUND"


@pytest.mark.parametrize(("status", "who", "level"), [
    (AppStatus.DRAFT, SITE, Level.SITE), (AppStatus.DRAFT, BOTH, Level.SITE),
    (AppStatus.SITE_APPROVED, REGION, Level.REGION), (AppStatus.SITE_APPROVED, BOTH, Level.REGION),
])
def test_the_status_says_which_level_reviews(status, who, level):
    assert review.level_for(who, application(status=status)) is level


@pytest.mark.parametrize(("status", "who", "says"), [
    (AppStatus.DRAFT, REGION, "waits for the exam site level"),
    (AppStatus.SITE_APPROVED, SITE, "waits for the exam region level"),
    (AppStatus.SITE_APPROVED, OFFICE, "waits for the exam region level"),
    (AppStatus.RETURNED, SITE, "nothing to review"),
    (AppStatus.REJECTED, SITE, "nothing to review"),
    (AppStatus.APPROVED, REGION, "nothing to review"),
])
def test_a_reviewer_at_the_wrong_level_or_nothing_to_review_is_an_invalid_transition(status, who, says):
    error = refusal(review.level_for, who, application(status=status))
    assert error.code == "INVALID_TRANSITION" and says in error.message


def test_only_a_complete_application_in_the_site_queue_can_be_claimed():
    assert review.claimable(SITE, queued()) is Level.SITE
    error = refusal(review.claimable, SITE, application())  # DRAFT, not complete: not queued
    assert error.code == "INCOMPLETE_MATERIALS" and error.message_zh == "该报名材料尚未齐全,暂不能审核。"
    assert review.claimable(REGION, at_region().application) is Level.REGION
    assert refusal(review.claimable, REGION, queued()).code == "INVALID_TRANSITION"


# ---------------------------------------------------------------- the claim a decision needs (R15)

def test_a_claim_is_taken_renewed_or_refused_while_another_holds_a_live_one():
    cmd = review.Claim(caller=SITE, ttl=300)
    plan, took = review.claim(snapshot(queued()), cmd, NOW)
    assert (plan.after.claimed_by, plan.after.claim_expires_at, plan.claim_for) == ("rev-site", NOW.seconds + 300, "rev-site")
    assert plan.after.version == plan.before.version and (took.level, took.expires_at) == (Level.SITE, NOW.seconds + 300)
    assert [(e.action, e.role, e.level) for e in plan.audit] == [("claimed", "site_reviewer", "SITE")]
    mine = snapshot(queued(claimed_by="rev-site", claim_expires_at=NOW.seconds + 5))
    assert review.claim(mine, cmd, NOW)[0].after.claim_expires_at == NOW.seconds + 300  # renewed
    theirs = snapshot(queued(claimed_by="rev-site-2", claim_expires_at=NOW.seconds + 5))
    assert refusal(review.claim, theirs, cmd, NOW).code == "CLAIMED_BY_OTHER"
    lapsed = snapshot(queued(claimed_by="rev-site-2", claim_expires_at=NOW.seconds))
    assert review.claim(lapsed, cmd, NOW)[0].after.claimed_by == "rev-site"
    assert refusal(review.claim, None, cmd, NOW).code == "NOT_FOUND"


def test_only_the_holder_of_a_live_claim_releases_it_under_that_claim():
    held = snapshot(queued(claimed_by="rev-site", claim_expires_at=NOW.seconds + 5))
    plan = review.release(held, SITE, NOW)
    assert (plan.after.claimed_by, plan.after.claim_expires_at, plan.claim_holder) == (None, None, "rev-site")
    assert [(e.action, e.role, e.level) for e in plan.audit] == [("claim_released", "site_reviewer", "SITE")]
    assert refusal(review.release, held, SITE2, NOW).code == "NOT_CLAIMED"
    lapsed = snapshot(queued(claimed_by="rev-site", claim_expires_at=NOW.seconds))
    assert refusal(review.release, lapsed, SITE, NOW).code == "NOT_CLAIMED"


@pytest.mark.parametrize(("holder", "expires", "code"), [
    (None, None, "NOT_CLAIMED"),
    ("rev-site", NOW.seconds, "NOT_CLAIMED"),  # ran out this second
    ("rev-site-2", NOW.seconds + 1, "CLAIMED_BY_OTHER"),
    ("rev-site-2", NOW.seconds, "NOT_CLAIMED"),  # someone else's, run out
])
def test_decisions_need_your_live_claim(holder, expires, code):
    snap = snapshot(queued(claimed_by=holder, claim_expires_at=expires), complete_images(ImageStatus.APPROVED))
    assert refusal(review.decide_image, snap, image_cmd(version=3), NOW).code == code
    assert refusal(review.decide_application, snap, app_cmd(), NOW).code == code


def test_a_decision_commits_only_under_the_deciders_claim():
    plan, _ = review.decide_image(at_site(), image_cmd(), NOW)
    assert plan.claim_holder == "rev-site"
    assert review.decide_application(at_site(), app_cmd("return", comment="x"), NOW).claim_holder == "rev-site"


# ---------------------------------------------------------------- image decisions (R13, R14)

def test_approve_locks_the_image_and_remembers_the_site_decider():
    # Given a submitted identity image, the site reviewer holding the claim
    snap = at_site()
    # When they approve it at the version they saw
    plan, new = review.decide_image(snap, image_cmd(), NOW)
    # Then it is APPROVED and locked (R13, R14); the application moves on and knows who decided
    old = snap.image("id_card-0")
    assert new == replace(old, status=ImageStatus.APPROVED, version=3, decided_at=NOW.iso, decided_by="rev-site")
    assert new.locked and plan.put_images == [(new, 2)]
    assert plan.after == replace(snap.application, version=8, updated_at=NOW.iso, site_deciders=("rev-site",))
    assert plan.audit == [AuditEntry(at=NOW.iso, actor="rev-site", role="site_reviewer", action="image_approved",
                                     image_id="id_card-0", material_type="id_card", from_status=ImageStatus.SUBMITTED,
                                     to_status=ImageStatus.APPROVED, level="SITE")]


def test_revise_flags_the_image_with_its_reason_and_note():
    cmd = image_cmd("diploma-0", "revise", reason_code="GLARE", note="右下角反光")
    plan, new = review.decide_image(at_site(), cmd, NOW)
    assert (new.status, new.review_reason_code, new.review_note, new.locked) == (
        ImageStatus.NEEDS_REVISION, "GLARE", "右下角反光", False)
    assert (plan.audit[0].action, plan.audit[0].reason_code, plan.audit[0].note) == ("image_revise", "GLARE", "右下角反光")


def test_approving_a_flagged_image_clears_its_reason():
    snap = at_site([*complete_images()[:-1], image("practice_proof", 0, ImageStatus.NEEDS_REVISION)])
    _, new = review.decide_image(snap, image_cmd("practice_proof-0", version=3), NOW)
    assert (new.status, new.review_reason_code, new.review_note) == (ImageStatus.APPROVED, None, None)


@pytest.mark.parametrize("reason", [None, "UGLY", "blurry"])
def test_revise_needs_one_of_the_contract_s_reason_codes(reason):
    error = refusal(review.decide_image, at_site(), image_cmd(decision="revise", reason_code=reason), NOW)
    assert error.code == "INVALID_REQUEST" and "BLURRY, INCOMPLETE" in error.message


@pytest.mark.parametrize("status", [ImageStatus.PENDING, ImageStatus.INVALID])
def test_an_image_that_was_never_accepted_cannot_be_decided(status):
    snap = at_site([*complete_images(), image("other", 0, status)])
    for decision, extra in (("approve", {}), ("revise", {"reason_code": "BLURRY"})):
        cmd = image_cmd("other-0", decision, version=snap.image("other-0").version, **extra)
        assert refusal(review.decide_image, snap, cmd, NOW).code == "INVALID_TRANSITION"


def test_a_stale_image_version_is_refused():
    error = refusal(review.decide_image, at_site(), image_cmd(version=1), NOW)
    assert (error.code, error.status) == ("STALE_VERSION", 409)


def test_deciding_on_an_image_the_candidate_replaced_is_stale_and_one_that_never_was_is_not_found():
    # Given the candidate deleted the diploma the reviewer was looking at (the trail remembers it)
    snap = at_site([i for i in complete_images() if i.material_type != "diploma"])
    snap.audit.append(entry("image_deleted", image_id="diploma-0", material_type="diploma"))
    # Then
    assert refusal(review.decide_image, snap, image_cmd("diploma-0"), NOW).code == "STALE_VERSION"
    assert refusal(review.decide_image, snap, image_cmd("never-was"), NOW).code == "NOT_FOUND"


def test_at_region_level_images_are_flagged_not_approved_and_the_region_reviewer_is_no_site_decider():
    assert refusal(review.decide_image, at_region(), image_cmd(who=REGION, version=3), NOW).code == "INVALID_TRANSITION"
    plan, new = review.decide_image(at_region(), image_cmd("practice_proof-0", "revise", 3, REGION, reason_code="EXPIRED"),
                                    NOW)
    assert new.status is ImageStatus.NEEDS_REVISION
    assert plan.after.site_deciders == ("rev-site",) and plan.audit[0].level == "REGION"


# ---------------------------------------------------------------- application decisions (R18, R19)

def test_the_version_the_reviewer_saw_is_checked_before_anything_else():
    unclaimed = snapshot(queued(), complete_images())
    assert refusal(review.decide_application, unclaimed, app_cmd(version=6), NOW).code == "STALE_VERSION"


def test_site_approval_moves_the_application_to_the_region_queue_and_ends_the_claim():
    # Given every image approved by the site reviewer holding the claim
    snap = at_site(complete_images(ImageStatus.APPROVED))
    # When they approve the application
    plan = review.decide_application(snap, app_cmd(comment="齐全"), NOW)
    # Then 填报 -> 考点通过, waiting in the region's queue from now (R15, R18)
    assert plan.after == replace(
        snap.application, version=8, updated_at=NOW.iso, status=AppStatus.SITE_APPROVED, claimed_by=None,
        claim_expires_at=None, queue=Level.REGION, ready_at=NOW.iso, region_first_ready_at=NOW.iso,
        site_deciders=("rev-site",), site_decision={"decision": "approve", "by": "rev-site", "at": NOW.iso, "comment": "齐全"})
    assert plan.audit == [AuditEntry(at=NOW.iso, actor="rev-site", role="site_reviewer", action="approve",
                                     from_status=AppStatus.DRAFT, to_status=AppStatus.SITE_APPROVED, note="齐全",
                                     level="SITE")]
    assert plan.put_images == [] and plan.claim_holder == "rev-site"


def test_a_re_reviewed_application_keeps_its_first_place_in_the_region_queue():
    snap = at_site(complete_images(ImageStatus.APPROVED), region_first_ready_at=EARLIER.iso, returns=1)
    after = review.decide_application(snap, app_cmd(), NOW).after
    assert (after.ready_at, after.region_first_ready_at) == (NOW.iso, EARLIER.iso)


@pytest.mark.parametrize("images", [
    complete_images(),  # submitted, none approved yet
    complete_images(ImageStatus.APPROVED)[:-1],  # the probation certificate is missing
    [*complete_images(ImageStatus.APPROVED)[:-1], image("practice_proof", 0, ImageStatus.NEEDS_REVISION)],
    [*complete_images(ImageStatus.APPROVED), pending("other", 0)],  # an upload still on its way
], ids=["not approved", "missing", "flagged", "upload in flight"])
def test_site_approval_needs_every_required_material_and_every_image_approved(images):
    error = refusal(review.decide_application, at_site(images), app_cmd(), NOW)
    assert (error.code, error.status) == ("INCOMPLETE_MATERIALS", 409)


def test_expired_reservations_and_refused_uploads_do_not_hold_up_site_approval():
    images = [*complete_images(ImageStatus.APPROVED), pending("other", 0, expires_at=NOW.seconds),
              image("other", 1, ImageStatus.INVALID)]
    assert review.decide_application(at_site(images), app_cmd(), NOW).after.status is AppStatus.SITE_APPROVED


def test_region_approval_by_someone_else_approves():
    plan = review.decide_application(at_region(), app_cmd(who=REGION), NOW)
    after = plan.after
    assert (after.status, after.queue, after.ready_at, after.claimed_by) == (AppStatus.APPROVED, None, None, None)
    assert after.region_decision == {"decision": "approve", "by": "rev-region", "at": NOW.iso, "comment": None}
    assert after.site_deciders == ("rev-site",) and after.region_first_ready_at == EARLIER.iso
    assert (plan.audit[0].role, plan.audit[0].level) == ("region_reviewer", "REGION")


@pytest.mark.parametrize("deciders", [("rev-both",), ("rev-site", "rev-both")], ids=["approved", "decided an image"])
def test_whoever_made_any_site_level_decision_may_not_review_at_region_level(deciders):
    # Given rev-both decided at site level (the application, or only one image of it)
    snap = at_region(who=BOTH, deciders=deciders)
    # Then they may not take it, decide an image or the application at region level
    assert refusal(review.claimable, BOTH, snap.application).code == "SEPARATION_OF_DUTIES"
    assert refusal(review.decide_image, snap, image_cmd("diploma-0", "revise", 3, BOTH, reason_code="BLURRY"),
                   NOW).code == "SEPARATION_OF_DUTIES"
    error = refusal(review.decide_application, snap, app_cmd(who=BOTH), NOW)
    assert (error.code, error.status) == ("SEPARATION_OF_DUTIES", 409)


def test_every_site_level_decision_adds_its_decider_once():
    # Given rev-site approved an image, then rev-site-2 took over
    snap = at_site(complete_images(ImageStatus.APPROVED), who=SITE2, site_deciders=("rev-site",))
    plan, _ = review.decide_image(snap, image_cmd(version=3, who=SITE2), NOW)
    assert plan.after.site_deciders == ("rev-site", "rev-site-2")
    again = snapshot(claimed_by(plan.after, SITE2), snap.images)
    assert review.decide_application(again, app_cmd(version=8, who=SITE2), NOW).after.site_deciders == (
        "rev-site", "rev-site-2")


@pytest.mark.parametrize("decision", ["return", "reject"])
@pytest.mark.parametrize("comment", [None, ""])
def test_a_return_or_a_rejection_says_why(decision, comment):
    error = refusal(review.decide_application, at_site(), app_cmd(decision, comment=comment), NOW)
    assert error.code == "INVALID_REQUEST" and "审核意见" in error.message_zh and "upload page" in error.message
    # the reviewer reads it: no field names or rule numbers
    assert not re.search(r"[A-Za-z(]", error.message_zh) and not re.search(r"\((R\d+|comment)\)", error.message)


def test_the_region_s_first_review_is_no_re_review_however_often_the_site_returned_it():
    # Given an application the site returned twice, now approved by the site for the first time
    first = review.decide_application(at_site(complete_images(ImageStatus.APPROVED), returns=2), app_cmd(), NOW).after
    # Then the region's queue and console show no 复审: the region has not seen it
    assert (first.queue, first.returns) == (Level.REGION, 2)
    assert views.queue_item(first, NOW.seconds).reReview is False
    assert views.review_application_view(first, NOW.seconds).reReview is False
    # When the region returned it and the site approved the fix: the region sees it again
    back = review.decide_application(at_site(complete_images(ImageStatus.APPROVED), returns=3,
                                             region_first_ready_at=EARLIER.iso), app_cmd(), NOW).after
    assert views.queue_item(back, NOW.seconds).reReview is True
    # And at the site, any return makes a re-review; none, none; and out of every queue it is none
    assert views.queue_item(queued(returns=1), NOW.seconds).reReview is True
    assert views.queue_item(queued(), NOW.seconds).reReview is False
    rejected = review.decide_application(at_region(returns=1), app_cmd("reject", who=REGION, comment="不符合报考条件"),
                                         NOW).after
    assert views.review_application_view(rejected, NOW.seconds).reReview is False


def test_a_site_return_goes_back_to_the_candidate_out_of_every_queue():
    snap = at_site()
    plan = review.decide_application(snap, app_cmd("return", comment="学历证书不清晰"), NOW)
    after = plan.after
    assert (after.status, after.queue, after.ready_at, after.returns, after.requests) == (
        AppStatus.RETURNED, None, None, 1, ())
    assert after.site_first_ready_at == EARLIER.iso  # its place when it comes back (R15)
    assert after.site_decision == {"decision": "return", "by": "rev-site", "at": NOW.iso, "comment": "学历证书不清晰"}
    assert [e.action for e in plan.audit] == ["return"]


def test_a_region_return_keeps_both_places_and_records_the_region_decision():
    plan = review.decide_application(at_region(), app_cmd("return", who=REGION, comment="试用期考核证明已过期"), NOW)
    after = plan.after
    assert (after.status, after.queue, after.returns) == (AppStatus.RETURNED, None, 1)
    assert (after.site_first_ready_at, after.region_first_ready_at) == (EARLIER.iso, EARLIER.iso)
    assert after.region_decision["decision"] == "return" and after.site_decision is None


def test_a_return_asks_for_more_images_against_the_good_ones_there_are_now():
    # Given one good diploma page and both identity images approved
    images = [*complete_images(ImageStatus.APPROVED)[:2], image("diploma", 0), image("practice_proof", 0)]
    asks = (Ask("diploma", 1, "学历证书第二页"), Ask("id_card", 1, None))
    # When the site returns it asking for a second diploma page and one more identity document (R16, R21)
    plan = review.decide_application(at_site(images), app_cmd("return", comment="请补充", requests=asks), NOW)
    # Then each request is met at baseline + count, and the trail has one entry per request
    assert plan.after.requests == (Request("diploma", 1, "学历证书第二页", baseline=1), Request("id_card", 1, None, baseline=2))
    assert [(e.action, e.material_type, e.count, e.note) for e in plan.audit] == [
        ("return", None, None, "请补充"), ("request", "diploma", 1, "学历证书第二页"), ("request", "id_card", 1, None)]


def test_a_later_return_without_requests_clears_the_earlier_ones_and_an_approval_keeps_them():
    asked = (request("diploma", 1, baseline=1),)
    assert review.decide_application(at_region(requests=asked), app_cmd("return", who=REGION, comment="x"),
                                     NOW).after.requests == ()
    assert review.decide_application(at_region(requests=asked), app_cmd(who=REGION), NOW).after.requests == asked


@pytest.mark.parametrize(("decision", "asks", "code"), [
    ("return", (Ask("residence_permit", 1),), "UNKNOWN_MATERIAL_TYPE"),  # region 11 does not ask for it
    ("return", (Ask("diploma", 1), Ask("diploma", 2)), "INVALID_REQUEST"),  # ask once, with the total
    ("reject", (Ask("diploma", 1),), "INVALID_REQUEST"),
    ("approve", (Ask("diploma", 1),), "INVALID_REQUEST"),
])
def test_requests_name_a_required_type_once_and_come_only_with_a_return(decision, asks, code):
    images = complete_images(ImageStatus.APPROVED)
    assert refusal(review.decide_application, at_site(images), app_cmd(decision, comment="x", requests=asks),
                   NOW).code == code


def test_a_rejection_is_final():
    plan = review.decide_application(at_site(), app_cmd("reject", comment="材料不符合报考条件"), NOW)
    assert (plan.after.status, plan.after.queue) == (AppStatus.REJECTED, None)
    rejected = snapshot(plan.after, complete_images())
    assert refusal(review.claimable, SITE, rejected.application).code == "INVALID_TRANSITION"


# ---------------------------------------------------------------- the exam office's phases (R20)

@pytest.mark.parametrize(("start", "phase", "ok"), [
    (AppStatus.APPROVED, "READY_FOR_EXAM", True), (AppStatus.READY_FOR_EXAM, "PASSED", True),
    (AppStatus.APPROVED, "FAILED", True), (AppStatus.DRAFT, "PASSED", False), (AppStatus.SITE_APPROVED, "PASSED", False),
])
def test_the_office_sets_the_later_phases_in_order(start, phase, ok):
    snap = snapshot(application(status=start))
    if not ok:
        assert refusal(review.set_phase, snap, SetPhase(caller=OFFICE, status=phase), NOW).code == "INVALID_TRANSITION"
        return
    plan = review.set_phase(snap, SetPhase(caller=OFFICE, status=phase), NOW)
    assert plan.after == replace(snap.application, status=AppStatus(phase), version=8, updated_at=NOW.iso)
    assert plan.audit == [AuditEntry(at=NOW.iso, actor="office", role="exam_office", action="phase",
                                     from_status=start, to_status=AppStatus(phase))]
    assert plan.claim_holder is None
