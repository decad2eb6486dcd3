"""Where the machine pre-checks' results land, decided on hand-built snapshots (precheck.results, with
review.rules.approve_passed and the pages' views): only on the image version that was read while it is
SUBMITTED and PENDING; the identity slot judged whole whichever picture finishes last; the candidate
never sees what was read; the bulk approval takes exactly the pictures whose checks passed, each one
audited as the reviewer's own decision, under the single approval's rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core import checks
from core.models import ImageStatus
from core.page import image_view
from precheck import decide, results
from precheck.classify import DocumentType as D
from precheck.decide import Checks, CheckState, Read
from review import rules
from tests.unit.factories import NOW, SITE, SITE2, claimed_by, image, queued, refusal, snapshot

PENDING = {"state": "PENDING"}


def front(findings=(), number="110101199001011234") -> Checks:
    return Checks(CheckState.DONE, D.ID_CARD_FRONT, tuple(findings), Read(id_number=number, name="张三"))


def back() -> Checks:
    return Checks(CheckState.DONE, D.ID_CARD_BACK, (), Read(valid_until="2036-01-01"))


def done(c: Checks) -> dict:
    return results.to_stored(c, c)


def test_a_result_lands_on_the_version_that_was_read_and_moves_the_application_on():
    # Given a front waiting for its checks
    pic = image("id_card", 0, checks=PENDING)
    snap = snapshot(images=[pic])
    # When its result comes back
    plan, written = results.record(snap, "id_card", results.Result(pic.image_id, pic.version, front()), NOW)
    # Then: the image at that version, the application's version moved (the candidate's page changes)
    ((new, expected),) = plan.put_images
    assert (written, expected, new.version, new.status) == (["id_card-0"], pic.version, pic.version, ImageStatus.SUBMITTED)
    assert new.checks["state"] == "DONE" and new.checks["findings"] == [] and new.checks["read"]["name"] == "张三"
    assert plan.after.version == snap.application.version + 1 and plan.audit == []


@pytest.mark.parametrize("meanwhile", [
    {"version": 3},  # re-processed / changed
    {"status": ImageStatus.APPROVED, "version": 2},  # a reviewer decided first
    {"checks": {"state": "DONE", "findings": []}},  # an earlier delivery already stored it
])
def test_a_stale_read_writes_nothing(meanwhile):
    pic = image("diploma", 0, checks=PENDING)
    now_there = replace(pic, **meanwhile)
    result = results.Result(pic.image_id, pic.version, Checks(CheckState.DONE, D.DIPLOMA))
    assert results.record(snapshot(images=[now_there]), "diploma", result, NOW) is None
    assert results.record(snapshot(images=[]), "diploma", result, NOW) is None  # deleted


def test_two_fronts_and_no_back_flag_the_second_whichever_finishes_last():
    first, second = image("id_card", 0, checks=PENDING), image("id_card", 1, checks=PENDING)
    # the second front's result first: alone in the slot, nothing to say
    plan, _ = results.record(snapshot(images=[first, second]), "id_card", results.Result(second.image_id, 2, front()), NOW)
    second_done = plan.put_images[0][0]
    assert second_done.checks["findings"] == []
    # then the first: the slot now shows two fronts, the second one (slot order) gets WRONG_DOCUMENT
    plan, written = results.record(snapshot(images=[first, second_done]), "id_card",
                                   results.Result(first.image_id, 2, front()), NOW)
    by_id = {i.image_id: i for i, _ in plan.put_images}
    assert sorted(written) == ["id_card-0", "id_card-1"]
    assert by_id["id_card-0"].checks["findings"] == []
    assert [f["code"] for f in by_id["id_card-1"].checks["findings"]] == ["WRONG_DOCUMENT"]
    assert by_id["id_card-1"].checks["own"] == []  # what the picture itself showed stays apart


def test_a_delete_judges_the_slot_again_from_each_picture_s_own_findings():
    flagged = decide.reconcile("id_card", [front(), front()])[1]
    first = image("id_card", 0, checks=done(front()))
    second = image("id_card", 1, checks=results.to_stored(flagged, front()))
    # the first front is deleted: the second is alone, its slot finding goes
    plan, written = results.record(snapshot(images=[second]), "id_card", None, NOW)
    assert written == ["id_card-1"] and plan.put_images[0][0].checks["findings"] == []
    # with both still there, judging again changes nothing: nothing is written
    assert results.record(snapshot(images=[first, second]), "id_card", None, NOW) is None


def test_a_front_and_a_back_pass_and_the_candidate_never_sees_what_was_read():
    pic = image("id_card", 0, checks=done(front()))
    mine = image_view(pic, lambda key: key)
    theirs = image_view(pic, lambda key: key, histories={})
    assert mine.checks.passed is True and "read" not in mine.model_dump()["checks"]
    assert theirs.checks.read.idNumber == "110101199001011234"
    assert checks.view(None, with_read=True) is None
    assert image_view(image("photo", 0, checks={"state": "SKIPPED"}), str).checks.passed is None


def test_approve_passed_approves_exactly_the_passing_pictures_each_as_the_reviewer_s_decision():
    ok = [image("id_card", 0, checks=done(front())), image("id_card", 1, checks=done(back()))]
    mismatch = image("diploma", 0, checks=done(Checks(CheckState.DONE, D.ID_CARD_FRONT,
                                                      (decide.finding("UNREADABLE", what="name", what_zh="姓名"),))))
    waiting = image("practice_proof", 0, checks=PENDING)
    app = claimed_by(queued(), SITE)
    snap = snapshot(app, images=[*ok, mismatch, waiting])
    plan, approved = rules.approve_passed(snap, rules.ApprovePassed(SITE, app.version), NOW)
    assert sorted(i.image_id for i in approved) == ["id_card-0", "id_card-1"]
    assert all(i.status is ImageStatus.APPROVED and i.decided_by == SITE.sub for i in approved)
    assert [(e.action, e.actor, e.image_id, e.level) for e in plan.audit] == [
        ("image_approved", SITE.sub, "id_card-0", "SITE"), ("image_approved", SITE.sub, "id_card-1", "SITE")]
    assert plan.claim_holder == SITE.sub and SITE.sub in plan.after.site_deciders
    assert [v for _, v in plan.put_images] == [2, 2]


def test_approve_passed_keeps_the_single_approval_s_rules():
    app = queued(version=9)
    snap = snapshot(claimed_by(app, SITE), images=[image("id_card", 0, checks=done(front()))])
    assert refusal(rules.approve_passed, snap, rules.ApprovePassed(SITE, 8), NOW).code == "STALE_VERSION"
    assert refusal(rules.approve_passed, snapshot(app, images=snap.images), rules.ApprovePassed(SITE, 9), NOW).code == "NOT_CLAIMED"
    assert refusal(rules.approve_passed, snap, rules.ApprovePassed(SITE2, 9), NOW).code == "CLAIMED_BY_OTHER"
    nothing = snapshot(claimed_by(app, SITE), images=[image("id_card", 0, checks=PENDING)])
    assert rules.approve_passed(nothing, rules.ApprovePassed(SITE, 9), NOW) is None
