"""The exam season's pure rules (core.season): which time applies to an application, when a candidate's
change is refused and how the refusal names the time, which reminder is due when, and what is overdue."""

from __future__ import annotations

import pytest

from core import season
from core.errors import DomainError
from core.models import Application, AppStatus, Level, Window
from core.season import DAY

CLOSES = 1_774_000_000  # 2026-03-20 17:46:40 Beijing time


def window(**kw) -> Window:
    times = {"upload_opens": CLOSES - 20 * DAY, "upload_closes": CLOSES, "fix_until": CLOSES + 7 * DAY,
             "site_review_due": CLOSES + 14 * DAY, "region_review_due": CLOSES + 21 * DAY, **kw}
    return Window(exam_year=2026, region="11", version=1, by="office", at="2026-01-01T00:00:00Z", **times)


def app(status: AppStatus = AppStatus.DRAFT, queue: Level | None = None) -> Application:
    return Application(id="app-1", candidate_id="cand-1", region="11", site="1101", category="临床执业医师",
                       exam_year=2026, status=status, queue=queue)


def test_beijing_time_is_utc_plus_8_whatever_the_machine_s_zone():
    assert season.beijing(CLOSES) == "2026-03-20 17:46"
    assert season.iso_beijing(CLOSES) == "2026-03-20T17:46:40+08:00"
    assert season.parse_time("uploadCloses", "2026-03-20T09:46:40Z") == CLOSES


def test_a_time_without_its_offset_is_refused_naming_the_field():
    with pytest.raises(DomainError) as e:
        season.parse_time("fixUntil", "2026-03-20T17:00:00")
    assert e.value.code == "INVALID_REQUEST" and "fixUntil" in e.value.message and "退回修改截止时间" in e.value.message_zh


def test_filling_in_is_limited_by_the_close_a_returned_one_by_fix_until_others_not_at_all():
    w = window()
    assert season.deadline(app(), w) == season.Deadline("uploadCloses", CLOSES)
    assert season.deadline(app(AppStatus.RETURNED), w) == season.Deadline("fixUntil", CLOSES + 7 * DAY)
    assert season.deadline(app(AppStatus.APPROVED), w) is None
    assert season.deadline(app(), None) is None


@pytest.mark.parametrize(("status", "now", "open_"), [
    (AppStatus.DRAFT, CLOSES - 1, True), (AppStatus.DRAFT, CLOSES, False),
    (AppStatus.DRAFT, CLOSES - 20 * DAY - 1, False),  # not yet open
    (AppStatus.RETURNED, CLOSES + 1, True), (AppStatus.RETURNED, CLOSES + 7 * DAY, False),
])
def test_the_window_is_open_up_to_not_including_the_time_that_applies(status, now, open_):
    assert season.is_open(app(status), window(), now) is open_


def test_the_refusal_names_the_time_that_applies_in_beijing_time():
    with pytest.raises(DomainError) as closed:
        season.check_open(app(), window(), CLOSES)
    assert closed.value.code == "WINDOW_CLOSED" and "2026-03-20 17:46" in closed.value.message_zh
    with pytest.raises(DomainError) as fix:
        season.check_open(app(AppStatus.RETURNED), window(), CLOSES + 7 * DAY)
    assert "2026-03-27 17:46" in fix.value.message_zh and "退回修改" in fix.value.message_zh


@pytest.mark.parametrize(("before", "due"), [
    (4 * DAY, None), (3 * DAY, 3), (2 * DAY, 3), (DAY + 1, 3), (DAY, 1), (1, 1), (0, None), (-1, None),
])
def test_the_3_day_reminder_is_due_from_3_days_to_1_day_before_the_1_day_one_until_the_time(before, due):
    assert season.reminder_due(CLOSES, CLOSES - before) == due


def test_times_out_of_order_are_refused_naming_both():
    times = {n: season.iso_beijing(CLOSES + i * DAY) for i, n in enumerate(season.ORDER)}
    times["fixUntil"] = season.iso_beijing(CLOSES - DAY)
    with pytest.raises(DomainError) as e:
        season.window(2026, "11", times, "office", "now", 1)
    assert "fixUntil" in e.value.message and "uploadCloses" in e.value.message


def test_what_is_overdue_a_review_level_or_the_candidate():
    w = window()
    assert season.overdue(app(AppStatus.DRAFT, Level.SITE), w, CLOSES + 14 * DAY) == "siteReview"
    assert season.overdue(app(AppStatus.DRAFT, Level.SITE), w, CLOSES + 14 * DAY - 1) is None
    assert season.overdue(app(AppStatus.SITE_APPROVED, Level.REGION), w, CLOSES + 21 * DAY) == "regionReview"
    assert season.overdue(app(), w, CLOSES) == "filling"
    assert season.overdue(app(AppStatus.RETURNED), w, CLOSES + 7 * DAY) == "returned"
    assert season.overdue(app(), None, CLOSES) is None
