"""The exam season runs without a developer (api-contract.md "Third release"), through the real handlers
and moto: the office's windows set and shown, a candidate's change refused outside the time that
applies (uploads closing; a returned application's fixUntil), the deadline reminders sent once each by
overlapping sweeps, one registration per person and exam year under twenty at once, and the
requirement catalogue edited in versions that reach new registrations only."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.season import BEIJING, DAY
from tests.conftest import REGISTRAR, claims, registration
from tests.flow import caller, complete, race, reserve
from tests.notify_flow import sms, start

OFFICE = claims("office", "exam_office")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
CAND = claims("cand-001", "candidate")
YEAR = 2026


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), BEIJING).isoformat()


def beijing(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), BEIJING).strftime("%Y-%m-%d %H:%M")


def window_times(now: float, closes_in: float, fix_after: float = 5 * DAY) -> dict[str, str]:
    """A window opened a day ago that closes `closes_in` seconds from `now`; fixes due `fix_after` later."""
    closes = now + closes_in
    return {"uploadOpens": iso(now - DAY), "uploadCloses": iso(closes), "fixUntil": iso(closes + fix_after),
            "siteReviewDue": iso(closes + fix_after + DAY), "regionReviewDue": iso(closes + fix_after + 2 * DAY)}


def set_window(api, times: dict, region: str = "11", who=OFFICE):
    return api("season", "PUT", f"/windows/{YEAR}/{region}", who, times)


def page(api, app_id: str = "app-1", who=CAND) -> dict:
    reply = api("status", "GET", f"/applications/{app_id}", who)
    assert reply.status == 200, reply
    return reply.body


def refused(reply, status: int, code: str) -> dict:
    assert reply.status == status, reply
    assert reply.body["error"]["code"] == code, reply
    return reply.body["error"]


# ---------------------------------------------------------------- windows


def test_a_window_set_by_the_office_is_listed_and_shown_on_the_candidate_s_page(api, register, clock):
    # Given a registered candidate in region 11
    register("app-1")
    # When the exam office sets region 11's window for the year
    times = window_times(clock.t, closes_in=10 * DAY)
    reply = set_window(api, times)
    # Then it is answered in Beijing time, version 1, by the office
    assert reply.status == 200, reply
    assert reply.body["uploadCloses"] == times["uploadCloses"] and reply.body["uploadCloses"].endswith("+08:00")
    assert (reply.body["version"], reply.body["updatedBy"], reply.body["regionName"]) == (1, "office", "北京市")
    # and every role reads it in the year's list
    listed = api("season", "GET", f"/windows/{YEAR}", CAND)
    assert listed.status == 200 and [w["region"] for w in listed.body["items"]] == ["11"]
    assert listed.body["items"][0]["fixUntil"] == times["fixUntil"]
    # and the candidate's page carries it: the time that applies, open
    shown = page(api)["window"]
    assert shown["applies"] == "uploadCloses" and shown["closesAt"] == times["uploadCloses"] and shown["open"] is True
    # When the office moves it, the version goes on; a candidate may not set one
    assert set_window(api, window_times(clock.t, closes_in=9 * DAY)).body["version"] == 2
    refused(set_window(api, times, who=CAND), 403, "FORBIDDEN")


def test_window_times_out_of_order_or_without_an_offset_are_400_and_change_nothing(api, clock):
    times = window_times(clock.t, closes_in=DAY)
    swapped = {**times, "uploadCloses": times["uploadOpens"], "uploadOpens": times["uploadCloses"]}
    error = refused(set_window(api, swapped), 400, "INVALID_REQUEST")
    assert "uploadCloses" in error["message"] and "上传截止时间" in error["messageZh"]
    error = refused(set_window(api, {**times, "fixUntil": "2026-03-20T17:00:00"}), 400, "INVALID_REQUEST")
    assert "fixUntil" in error["message"]
    refused(set_window(api, times, region="99"), 404, "NOT_FOUND")
    assert api("season", "GET", f"/windows/{YEAR}", OFFICE).body["items"] == []


def test_a_reservation_after_the_close_is_409_window_closed_naming_the_time(api, aws, register, clock):
    # Given a candidate filling in, and a window that closes in an hour
    register("app-1")
    closes = clock.t + 3600
    set_window(api, window_times(clock.t, closes_in=3600))
    first = reserve(api, CAND, "app-1", "id_card")
    assert first.status == 201, first
    # When the close has passed
    clock.tick(3601)
    # Then a reservation and a delete are refused, naming the closing time in Beijing time, and nothing changes
    before = aws.items("app-1")
    error = refused(reserve(api, CAND, "app-1", "id_card"), 409, "WINDOW_CLOSED")
    assert beijing(closes) in error["message"] and beijing(closes) in error["messageZh"] and "北京时间" in error["messageZh"]
    deleted = api("upload_presign", "DELETE", f"/applications/app-1/materials/id_card/images/{first.body['imageId']}", CAND)
    refused(deleted, 409, "WINDOW_CLOSED")
    assert aws.items("app-1") == before
    # and the page says so: closed, nothing can be uploaded
    shown = page(api)
    assert shown["window"]["open"] is False and not any(m["canUpload"] for m in shown["materials"])


def test_before_the_window_opens_a_reservation_is_refused_naming_the_opening(api, register, clock):
    register("app-1")
    opens = clock.t + DAY
    set_window(api, {**window_times(clock.t, closes_in=3 * DAY), "uploadOpens": iso(opens)})
    error = refused(reserve(api, CAND, "app-1", "id_card"), 409, "WINDOW_CLOSED")
    assert beijing(opens) in error["messageZh"]


def test_the_office_closing_the_window_while_the_candidate_s_change_is_decided_still_refuses_it(api, aws, register, clock,
                                                                                                 monkeypatch):
    """The rule is the transaction's condition on the window's item, not the decision's read: a close that
    lands between them still refuses the change."""
    from core import db

    register("app-1")
    set_window(api, window_times(clock.t, closes_in=DAY))
    commit = db.commit

    def closed_meanwhile(plan):
        monkeypatch.setattr(db, "commit", commit)  # once
        assert set_window(api, window_times(clock.t, closes_in=-60)).status == 200
        return commit(plan)

    monkeypatch.setattr(db, "commit", closed_meanwhile)
    refused(reserve(api, CAND, "app-1", "id_card"), 409, "WINDOW_CLOSED")
    assert [i for i in aws.items("app-1") if i["kind"] == "image"] == []


def test_a_returned_candidate_fixes_after_the_close_and_before_fix_until(api, aws, register, clock):
    # Given a complete application returned by the site reviewer, and a window whose uploads close in an hour
    register("app-1")
    ids = complete(api, aws, CAND, "app-1")
    fix_until = clock.t + 3600 + 2 * DAY
    set_window(api, window_times(clock.t, closes_in=3600, fix_after=2 * DAY))
    assert api("review", "POST", "/review/applications/app-1/claim", SITE).status == 200
    version = api("review", "GET", "/review/applications/app-1", SITE).body["application"]["version"]
    returned = api("review", "POST", "/review/applications/app-1/decision", SITE,
                   {"decision": "return", "version": version, "comment": "身份证照片模糊,请重新上传"})
    assert returned.status == 200, returned
    # When the uploads have closed, but fixUntil has not come
    clock.tick(3601)
    shown = page(api)["window"]
    assert (shown["applies"], shown["open"]) == ("fixUntil", True)
    # Then the candidate deletes the blurred picture and reserves its replacement
    blurred = ids["id_card"][0]
    deleted = api("upload_presign", "DELETE", f"/applications/app-1/materials/id_card/images/{blurred}", CAND)
    assert deleted.status == 204, deleted
    assert reserve(api, CAND, "app-1", "id_card").status == 201
    # while a candidate still filling in, in the same region, is refused
    register("app-2", candidate="cand-002")
    refused(reserve(api, claims("cand-002", "candidate"), "app-2", "id_card"), 409, "WINDOW_CLOSED")
    # When fixUntil has passed too, the returned candidate is refused, by the fix-by time
    clock.tick(2 * DAY)
    error = refused(reserve(api, CAND, "app-1", "diploma"), 409, "WINDOW_CLOSED")
    assert beijing(fix_until) in error["messageZh"] and "退回修改" in error["messageZh"]


def test_the_reviewer_sees_the_review_deadline(api, aws, register, clock):
    register("app-1")
    complete(api, aws, CAND, "app-1")
    times = window_times(clock.t, closes_in=DAY)
    set_window(api, times)
    deadline = api("review", "GET", "/review/applications/app-1", SITE).body["reviewDeadline"]
    assert (deadline["level"], deadline["due"], deadline["overdue"]) == ("SITE", times["siteReviewDue"], False)
    (line,) = api("review", "GET", "/review/queue", SITE).body["items"]
    assert line["reviewDue"] == times["siteReviewDue"] and line["overdue"] is False


def test_the_office_s_overview_counts_what_is_overdue_per_site(api, aws, register, clock):
    # Given: at site 1101 one application complete (waiting for the site's review), one still being filled in
    register("app-1")
    complete(api, aws, CAND, "app-1")
    register("app-2", candidate="cand-002")
    # and a window whose uploads closed and whose site review was due an hour ago
    set_window(api, {"uploadOpens": iso(clock.t - 30 * DAY), "uploadCloses": iso(clock.t - 3 * DAY),
                     "fixUntil": iso(clock.t - 2 * DAY), "siteReviewDue": iso(clock.t - 3600),
                     "regionReviewDue": iso(clock.t + DAY)})
    # When: the office looks at the season per site
    reply = api("review", "GET", "/review/stats", OFFICE, query={"site": "1101"})
    assert reply.status == 200, reply
    (site,) = reply.body["sites"]
    # Then: one site review overdue, one candidate still filling in after the close
    assert site["overdue"] == {"siteReview": 1, "regionReview": 0, "filling": 1, "returned": 0}


# ---------------------------------------------------------------- deadline reminders


@pytest.fixture
def notifications(aws, monkeypatch):
    return start(aws, monkeypatch)


def consent(who: dict, phone: str) -> None:
    """A phone given with consent and verified by its code: only such a contact is reminded."""
    from tests.notify_flow import verified_contact

    verified_contact(who, phone)


def sweep(notifications, times: int = 1) -> None:
    """The schedule's message, `times` over (sweeps that overlap), handled by the notify function."""
    for _ in range(times):
        notifications.aws.sqs.send_message(QueueUrl=notifications.queue_url, MessageBody='{"reminders": "sweep"}')
    notifications.pump()


def texts(phone: str) -> list[str]:
    return [text for number, text in sms() if number == "+86" + phone]


def test_two_sweeps_send_one_3_day_reminder_the_1_day_sweep_one_more_a_complete_application_none(
        api, aws, register, clock, notifications):
    # Given a candidate filling in and one whose application is complete (waiting for review), both consented
    register("app-1")
    register("app-2", candidate="cand-002")
    complete(api, aws, claims("cand-002", "candidate"), "app-2")
    consent(CAND, "13900000001")
    consent(claims("cand-002", "candidate"), "13900000002")
    # and one filling in whose number was given with consent but never verified by its code
    register("app-3", candidate="cand-003")
    from tests.notify_flow import notify_api
    given = notify_api("PUT", "/me/contact", claims("cand-003", "candidate"), {"phone": "13900000003", "consent": True})
    assert given.status == 202
    notifications.pump()
    # and uploads that close in 3 days less an hour
    closes = clock.t + 3 * DAY - 3600
    set_window(api, window_times(clock.t, closes_in=3 * DAY - 3600))
    # When two sweeps run
    sweep(notifications, times=2)
    # Then the one filling in got one reminder, naming the close in Beijing time; the complete one none
    (text,) = texts("13900000001")
    assert "3 天" in text and beijing(closes) in text and "/#/app/app-1" in text
    assert texts("13900000002") == [] and texts("13900000003") == []
    # When a later sweep runs still in the 3-day stretch, nothing more
    clock.tick(DAY)
    sweep(notifications)
    assert len(texts("13900000001")) == 1
    # When the 1-day sweeps run, one more
    clock.tick(DAY)
    sweep(notifications, times=2)
    first, second = texts("13900000001")
    assert "1 天" in second and beijing(closes) in second
    assert texts("13900000002") == []


def test_two_sweeps_at_the_same_moment_send_each_reminder_once(api, aws, register, clock, notifications, serial_moto):
    import notify.app
    from notify import reminders

    for n in range(6):
        register(f"app-{n}", candidate=f"cand-10{n}")
        consent(claims(f"cand-10{n}", "candidate"), f"1390000010{n}")
    notifications.pump()
    set_window(api, window_times(clock.t, closes_in=DAY - 60))
    sender = notify.app.sender
    outcomes = race(*[(reminders.sweep, notify.app.channel, notify.app.pacer, sender.sms_per_second,
                       sender.lease_seconds, sender.web_url, 60.0, lambda _: None)] * 2)
    assert "finished" in outcomes, outcomes
    assert sorted(number for number, _ in sms()) == sorted(f"+861390000010{n}" for n in range(6))


def test_a_returned_application_is_reminded_of_fix_until(api, aws, register, clock, notifications):
    register("app-1")
    complete(api, aws, CAND, "app-1")
    consent(CAND, "13900000001")
    assert api("review", "POST", "/review/applications/app-1/claim", SITE).status == 200
    version = api("review", "GET", "/review/applications/app-1", SITE).body["application"]["version"]
    assert api("review", "POST", "/review/applications/app-1/decision", SITE,
               {"decision": "return", "version": version, "comment": "学历证书不清晰"}).status == 200
    notifications.pump()
    before = len(texts("13900000001"))  # the return's own message
    fix_until = clock.t + DAY - 60
    set_window(api, window_times(clock.t, closes_in=-DAY, fix_after=2 * DAY - 60))
    sweep(notifications, times=2)
    reminders = texts("13900000001")[before:]
    assert len(reminders) == 1 and "退回修改" in reminders[0] and beijing(fix_until) in reminders[0]


# ---------------------------------------------------------------- one registration per person and year


def test_twenty_concurrent_registrations_of_one_number_give_one_201(api, aws, serial_moto):
    from core import contract
    from status import use_cases

    body = contract.Registration(**registration("cand-001"))
    results = race(*[(use_cases.register, f"app-{n:02d}", body) for n in range(20)])
    created = [r for r in results if not isinstance(r, str) and r[1]]
    assert len(created) == 1, results
    assert sorted(r for r in results if isinstance(r, str)) == ["DUPLICATE_REGISTRATION"] * 19
    winner = created[0][0].id
    apps = aws.ddb.scan(TableName=aws.table, FilterExpression="kind = :k",
                        ExpressionAttributeValues={":k": {"S": "application"}})["Items"]
    assert [a["id"]["S"] for a in apps] == [winner]


def test_a_second_registration_over_http_is_409_naming_the_first_and_the_same_one_again_is_idempotent(api, register):
    register("app-1")
    again = api("status", "PUT", "/applications/app-1", REGISTRAR, registration("cand-001"))
    assert again.status == 200, again
    error = refused(api("status", "PUT", "/applications/app-2", REGISTRAR, registration("cand-001")), 409,
                    "DUPLICATE_REGISTRATION")
    assert "app-1" in error["message"] and "2026" in error["messageZh"]
    # another exam year is another application
    assert api("status", "PUT", "/applications/app-3", REGISTRAR, registration("cand-001", year=2027)).status == 201


# ---------------------------------------------------------------- the requirement catalogue in versions

LICENCE = {"name": "执业助理医师资格证书", "nameEn": "Assistant physician certificate",
           "description": "已取得执业助理医师资格者上传证书首页。", "minCount": 1, "maxCount": 1}


def materials_of(api, app_id: str, who: dict) -> list[str]:
    return [m["type"] for m in page(api, app_id, who)["materials"]]


def catalogue(api) -> dict:
    reply = api("season", "GET", "/catalogue", OFFICE)
    assert reply.status == 200, reply
    return reply.body


def test_a_material_added_for_region_11_reaches_new_region_11_applications_only_and_a_deletion_new_ones_only(api, register):
    # Given an application registered under the first version
    register("app-1")
    first = catalogue(api)["version"]
    assert "licence" not in materials_of(api, "app-1", CAND)
    # When the office asks region 11 for a licence
    put = api("season", "PUT", "/catalogue/region-11/materials/licence", OFFICE, LICENCE)
    assert put.status == 200, put
    assert put.body == {"version": first + 1, "scope": "region-11", "type": "licence", "action": "put"}
    # Then a new region-11 application asks for it; the older one keeps its list; region 31 is not asked
    register("app-2", candidate="cand-002")
    register("app-3", candidate="cand-003", region="31", site="3101")
    c2, c3 = claims("cand-002", "candidate"), claims("cand-003", "candidate")
    assert "licence" in materials_of(api, "app-2", c2) and "licence" not in materials_of(api, "app-1", CAND)
    assert "licence" not in materials_of(api, "app-3", c3)
    assert page(api, "app-2", c2)["application"]["catalogueVersion"] == first + 1
    assert page(api, "app-1", CAND)["application"]["catalogueVersion"] == first
    # When the office deletes it again
    deleted = api("season", "DELETE", "/catalogue/region-11/materials/licence", OFFICE)
    assert deleted.status == 200 and deleted.body["version"] == first + 2
    # Then new applications are not asked for it; the one registered while it was asked keeps it
    register("app-4", candidate="cand-004")
    assert "licence" not in materials_of(api, "app-4", claims("cand-004", "candidate"))
    assert "licence" in materials_of(api, "app-2", c2)
    # and the history says who changed what, newest first
    history = api("season", "GET", "/catalogue/versions", OFFICE).body["items"]
    assert [(h["version"], h["by"], h["change"].get("action")) for h in history[:3]] == [
        (first + 2, "office", "delete"), (first + 1, "office", "put"), (first, "seed", "seed")]
    # and the older version is still readable as it was
    assert "licence" in catalogue_version(api, first + 1)["regions"]["11"]["materials"]


def catalogue_version(api, number: int) -> dict:
    reply = api("season", "GET", "/catalogue", OFFICE, query={"version": str(number)})
    assert reply.status == 200, reply
    return reply.body


def test_a_deleted_national_material_is_said_no_to_at_the_region_and_the_preview_shows_the_page(api):
    assert api("season", "DELETE", "/catalogue/region-11/materials/practice_proof", OFFICE).status == 200
    preview = api("season", "GET", "/catalogue/preview", OFFICE, query={"region": "11", "site": "1101"})
    assert preview.status == 200, preview
    assert "practice_proof" not in [m["type"] for m in preview.body["materials"]]
    other = api("season", "GET", "/catalogue/preview", OFFICE, query={"region": "31", "site": "3101"}).body
    assert "practice_proof" in [m["type"] for m in other["materials"]]


@pytest.mark.parametrize(("min_count", "max_count"), [(2, 1), (0, 0), (1, 11)])
def test_bad_counts_are_400_invalid_counts_and_make_no_version(api, min_count, max_count):
    before = catalogue(api)["version"]
    reply = api("season", "PUT", "/catalogue/region-11/materials/licence", OFFICE,
                {**LICENCE, "minCount": min_count, "maxCount": max_count})
    error = refused(reply, 400, "INVALID_COUNTS")
    assert "minCount" in error["message"] and "minCount" in error["messageZh"]
    assert catalogue(api)["version"] == before


@pytest.mark.parametrize("scope", ["region-99", "site-9999", "site-110199"])
def test_an_unknown_scope_is_404_unknown_scope_and_makes_no_version(api, scope):
    before = catalogue(api)["version"]
    error = refused(api("season", "PUT", f"/catalogue/{scope}/materials/licence", OFFICE, LICENCE), 404, "UNKNOWN_SCOPE")
    assert scope in error["message"]
    refused(api("season", "DELETE", f"/catalogue/{scope}/materials/id_card", OFFICE), 404, "UNKNOWN_SCOPE")
    assert catalogue(api)["version"] == before


def test_only_the_exam_office_changes_the_catalogue(api):
    refused(api("season", "PUT", "/catalogue/national/materials/licence", SITE, LICENCE), 403, "FORBIDDEN")
    refused(api("season", "DELETE", "/catalogue/national/materials/id_card", CAND), 403, "FORBIDDEN")


def test_two_offices_changing_the_catalogue_at_once_make_two_versions(api, serial_moto):
    from core import contract
    from season import use_cases

    before = catalogue(api)["version"]
    office = caller(OFFICE)
    results = race((use_cases.change_material, office, "region-11", "licence", contract.MaterialIn(**LICENCE)),
                   (use_cases.change_material, office, "region-31", "licence", contract.MaterialIn(**LICENCE)))
    assert sorted(r.version for r in results) == [before + 1, before + 2]
    newest = catalogue(api)
    assert "licence" in newest["regions"]["11"]["materials"] and "licence" in newest["regions"]["31"]["materials"]
