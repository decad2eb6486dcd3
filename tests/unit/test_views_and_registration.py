"""Registration intake, the response views built from an application (lists, status poll, ETag, queue
and search rows), page cursors and identity numbers: pure code, tested without AWS. That a registration
is created once (a conditional Put) stays in the moto tier (tests/integration/test_applications.py)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest

from core import access, catalog, contract, cursor, idnumber, views
from core.errors import DomainError
from core.models import AppStatus, AuditEntry, Level
from status import registration
from testkit.people import id_number
from testkit.people import registration as registration_body
from tests.unit.factories import (
    CANDIDATE,
    EARLIER,
    NOW,
    OFFICE,
    REGION,
    SITE,
    application,
    caller,
    claimed_by,
    queued,
    refusal,
)


def register(**changes):
    return registration.application("app-1", contract.Registration(**{**registration_body("cand-1"), **changes}), NOW,
                                    catalog.version(1))


# ---------------------------------------------------------------- registration

def test_a_registration_makes_a_draft_application_with_who_and_where():
    app, trail = register(candidateName="张三", idNumber=id_number(42).replace("X", "x"), phone="13800138000")
    assert (app.id, app.candidate_id, app.candidate_name, app.id_number, app.phone) == (
        "app-1", "cand-1", "张三", id_number(42), "13800138000")  # the number normalised (x -> X)
    assert (app.region, app.site, app.household_region, app.category, app.exam_year) == (
        "11", "1101", "11", "临床执业医师", 2026)
    assert (app.status, app.version, app.created_at, app.updated_at, app.queue) == (
        AppStatus.DRAFT, 1, NOW.iso, NOW.iso, None)
    assert trail == AuditEntry(at=NOW.iso, actor="registration", role="registrar", action="registered",
                               to_status=AppStatus.DRAFT)


def register_with(change: dict):
    return register(**change)


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(("change", "code"), [
    ({"idNumber": wrong_check_digit(id_number(7))}, "INVALID_ID_NUMBER"),
    ({"idNumber": "110101199002300011"}, "INVALID_ID_NUMBER"),  # 30 February
    ({"householdRegion": "99"}, "INVALID_REQUEST"),
    ({"region": "99", "site": "9901"}, "UNKNOWN_REGION"),
    ({"site": "9999"}, "UNKNOWN_SITE"),
    ({"site": "3101"}, "SITE_NOT_IN_REGION"),  # a real site, of region 31
    ({"category": "兽医"}, "UNKNOWN_CATEGORY"),
])
def test_registration_refuses_what_nobody_could_review(change, code):
    error = refusal(register_with, change)
    assert (error.code, error.status) == (code, 400)
    assert error.message_zh and error.message_zh != DomainError("INVALID_REQUEST").message_zh


def test_the_registration_fields_decide_whether_a_second_put_is_the_same():
    first, _ = register()
    again, _ = registration.application("app-1", contract.Registration(**registration_body("cand-1")), NOW.plus(60),
                                        catalog.Catalog(catalog.version(1).data, 2))
    other, _ = register(candidateName="另一个人")
    assert first.registration() == again.registration() and first.registration() != other.registration()
    assert (first.catalogue_version, again.catalogue_version) == (1, 2)  # the catalogue it came under is no part of it


def test_a_registration_is_created_answered_as_it_is_or_refused_by_what_is_there():
    app, trail = register()
    assert registration.decide(registration.Seen(), app, trail) == ((app, trail), (app, True))
    existing = replace(app, version=5, catalogue_version=1)
    assert registration.decide(registration.Seen(existing, app.id), app, trail) == (None, (existing, False))
    other, _ = register(candidateName="另一个人")
    assert refusal(registration.decide, registration.Seen(other, app.id), app, trail).code == "APPLICATION_EXISTS"
    # the person already has another application this exam year
    error = refusal(registration.decide, registration.Seen(None, "app-0"), app, trail)
    assert (error.code, error.status) == ("DUPLICATE_REGISTRATION", 409)
    assert "app-0" in error.message and idnumber.masked(app.id_number) in error.message_zh
    assert app.id_number not in error.message + error.message_zh  # the number only masked


# ---------------------------------------------------------------- who sees an application

@pytest.mark.parametrize(("who", "sees"), [
    (CANDIDATE, True), (caller("cand-999", "candidate"), False),
    (SITE, True), (caller("x", "site_reviewer", site="3101", region="31"), False),
    (caller("x", "site_reviewer", region="11"), False),  # a site reviewer's scope is their site, not its region
    (REGION, True), (caller("y", "region_reviewer", region="31"), False),
    (OFFICE, True), (caller("reg", "registrar"), False), (caller("cand-1"), False),  # no role, not even their own
], ids=lambda v: v.sub if hasattr(v, "sub") else str(v))
def test_a_candidate_sees_their_own_a_reviewer_their_scope_the_office_all_and_otherwise_it_does_not_exist(who, sees):
    if sees:
        assert access.visible(who, queued()).id == "app-1"
    else:
        assert refusal(access.visible, who, queued()).code == "NOT_FOUND"
    assert refusal(access.visible, who, None).code == "NOT_FOUND"


@pytest.mark.parametrize("groups", [("exam_office",), ("site_reviewer",), ("region_reviewer",),
                                    ("exam_office", "site_reviewer", "region_reviewer")])
def test_one_s_own_application_is_seen_only_as_its_candidate_never_through_a_review_scope(groups):
    own = caller(CANDIDATE.sub, *groups, site="1101", region="11")
    assert refusal(access.visible, own, queued()).code == "NOT_FOUND"
    assert access.visible(caller(CANDIDATE.sub, "candidate", *groups, site="1101", region="11"), queued()).id == "app-1"


# ---------------------------------------------------------------- identity numbers (GB 11643)

def test_identity_numbers_need_a_real_birth_date_and_the_check_digit():
    assert idnumber.valid(id_number(1)) and idnumber.valid(id_number(42))
    assert not idnumber.valid(wrong_check_digit(id_number(1)))
    assert not idnumber.valid("110101199002300011")  # no 30 February
    assert not idnumber.valid(id_number(1, born="18991231"))  # before 1900
    assert not idnumber.valid(id_number(1)[:17]) and not idnumber.valid(id_number(1).lower() + "1")
    assert idnumber.check_digit("11010519491231002") == "X"  # the standard's own example
    assert idnumber.normalise(" 11010519491231002x ") == "11010519491231002X"


def test_identity_numbers_are_masked_but_the_first_six_and_last_four():
    assert idnumber.masked("11010519491231002X") == "110105********002X"
    assert idnumber.masked("1234567890") == "**********"


# ---------------------------------------------------------------- views

def test_the_status_view_carries_progress_and_the_labels_in_both_languages():
    view = views.status_view(claimed_by(queued(), SITE), NOW.seconds)
    assert view.model_dump() == {"status": "DRAFT", "statusLabel": "填报", "statusLabelEn": "Filling in",
                                 "progress": {"code": "IN_SITE_REVIEW", "label": "考点审核中",
                                              "labelEn": "The exam site is reviewing"},
                                 "version": 7, "updatedAt": EARLIER.iso}


@pytest.mark.parametrize(("status", "label"), [(AppStatus.READY_FOR_EXAM, "备考"), (AppStatus.PASSED, "通过"),
                                               (AppStatus.FAILED, "未通过"), (AppStatus.APPROVED, "审核通过")])
def test_the_candidate_s_list_shows_each_phase_in_words(status, label):
    row = views.summary(application(status=status), NOW.seconds)
    assert (row.statusLabel, row.progress.label, row.regionName, row.siteName) == (label, label, "北京市", "北京市东城区考点")


def test_the_etag_moves_with_the_version_and_when_a_reviewer_takes_the_application():
    waiting = queued()
    tag = views.etag(waiting, NOW.seconds)
    assert tag == '"app-1.7.WAITING_SITE_REVIEW"'
    assert views.etag(queued(version=8), NOW.seconds) != tag
    assert views.etag(claimed_by(waiting, SITE), NOW.seconds) != tag  # a claim keeps the version


@pytest.mark.parametrize(("header", "matches"), [
    (None, False), ("", False), ('"app-1.7.FILLING"', True), ('W/"app-1.7.FILLING"', True),
    ('"other", "app-1.7.FILLING"', True), ("*", True), ('"app-1.6.FILLING"', False),
])
def test_if_none_match(header, matches):
    assert views.etag_matches(header, '"app-1.7.FILLING"') is matches


def test_a_queue_row_shows_the_wait_the_place_a_re_review_and_a_live_claim_only():
    app = queued(returns=1, image_count=5, warning_count=2, ready_at=NOW.iso)
    row = views.queue_item(claimed_by(app, SITE), NOW.seconds)
    assert (row.applicationId, row.candidateName, row.readyAt, row.firstReadyAt, row.reReview) == (
        "app-1", "张三", NOW.iso, EARLIER.iso, True)
    assert (row.imageCount, row.warningCount, row.claimedBy, row.claimExpiresAtEpoch) == (5, 2, "rev-site", NOW.seconds + 600)
    assert row.idNumberMasked.count("*") == 8 and "idNumber" not in row.model_dump()
    ran_out = views.queue_item(claimed_by(app, SITE, expires=NOW.seconds), NOW.seconds)
    assert (ran_out.claimedBy, ran_out.claimExpiresAt) == (None, None)


def test_places_come_with_the_names_a_person_reads():
    view = views.application_view(application(household_region="31"), NOW.seconds)
    assert (view.householdRegion, view.householdRegionName, view.region, view.regionName) == ("31", "上海市", "11", "北京市")


def test_a_region_queue_row_shows_its_region_place():
    app = application(status=AppStatus.SITE_APPROVED, queue=Level.REGION, site_first_ready_at=EARLIER.iso,
                      region_first_ready_at=NOW.iso)
    assert views.queue_item(app, NOW.seconds).firstReadyAt == NOW.iso
    assert views.search_item(app, NOW.seconds).progress.code == "WAITING_REGION_REVIEW"


# ---------------------------------------------------------------- cursors

KEYS = frozenset({"PK", "SK", "QueuePK", "QueueSK"})
LAST = {"PK": "APP#app-1", "SK": "APP", "QueuePK": "QUEUE#SITE#1101", "QueueSK": f"{EARLIER.iso}#app-1"}


def test_a_cursor_round_trips_only_in_the_list_that_issued_it():
    token = cursor.encode("QUEUE#SITE#1101", LAST, s="1101")
    assert "=" not in token
    assert cursor.decode("QUEUE#SITE#1101", token, KEYS) == {"q": "QUEUE#SITE#1101", "k": LAST, "s": "1101"}
    assert cursor.encode("QUEUE#SITE#1101", None) is None and cursor.decode("x", None, KEYS) is None
    assert refusal(cursor.decode, "QUEUE#SITE#3101", token, KEYS).code == "INVALID_REQUEST"


def forge(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize("token", [
    "garbage!", "e30", forge([]), forge({"q": "QUEUE#SITE#1101"}), forge({"q": "QUEUE#SITE#1101", "k": "PK"}),
    forge({"q": "QUEUE#SITE#1101", "k": {"PK": "x", "Secret": "y"}}),  # a key name the index does not have
    forge({"q": "QUEUE#SITE#1101", "k": {**LAST, "PK": 1}}), forge({"q": "QUEUE#SITE#1101", "k": {**LAST, "SK": "x" * 1025}}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    base64.urlsafe_b64encode(b"[" * 1500).decode(),  # 2000 characters, the most the route takes
], ids=lambda t: t[:24])
def test_a_cursor_that_this_list_did_not_issue_is_invalid_request(token):
    error = refusal(cursor.decode, "QUEUE#SITE#1101", token, KEYS)
    assert (error.code, error.status) == ("INVALID_REQUEST", 400) and "cursor" in error.message_zh
