"""The exam season's dates: per exam year and region the exam office sets when uploads open and close,
until when a returned application may still change, and each review level's deadline (a `Window`).

A candidate's reservation or delete is allowed only inside the time that applies to the application:
from `upload_opens` to `upload_closes` while it is being filled in (填报), to `fix_until` once returned
(退回修改). Outside it: `409 WINDOW_CLOSED`, naming the time in Beijing time. The rule is enforced by a
condition on the window's item in the change's own transaction (`condition`), so it holds even if the
office moves the window at the same moment; no window set means no limit.

Reminders go out 3 days and 1 day before the time that applies (`reminder_due`). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from core.errors import DomainError
from core.models import Application, AppStatus, Level, Window

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has one time zone, no summer time
DAY = 86400
REMINDER_DAYS = (3, 1)  # before the time that applies, each sent once

# The window's times in the order they must come (the API's names; the item's attributes are the same).
ORDER = ("uploadOpens", "uploadCloses", "fixUntil", "siteReviewDue", "regionReviewDue")
FIELD = {"uploadOpens": "upload_opens", "uploadCloses": "upload_closes", "fixUntil": "fix_until",
         "siteReviewDue": "site_review_due", "regionReviewDue": "region_review_due"}
NAMES = {"uploadOpens": "上传开始时间", "uploadCloses": "上传截止时间", "fixUntil": "退回修改截止时间",
         "siteReviewDue": "考点审核截止时间", "regionReviewDue": "考区审核截止时间"}


def beijing(epoch: int) -> str:
    """`2026-03-20 17:00`, as a candidate reads a time (Beijing time)."""
    return datetime.fromtimestamp(epoch, BEIJING).strftime("%Y-%m-%d %H:%M")


def iso_beijing(epoch: int) -> str:
    """ISO 8601 with the +08:00 offset: what the API answers."""
    return datetime.fromtimestamp(epoch, BEIJING).isoformat()


def parse_time(name: str, text: str) -> int:
    """An ISO 8601 time with its offset (`2026-03-20T17:00:00+08:00`, or `Z`) as epoch seconds."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise DomainError("INVALID_REQUEST",
                          f"{name} must be an ISO 8601 time with its offset, e.g. 2026-03-20T17:00:00+08:00.",
                          f"{name}({NAMES.get(name, name)})须为带时区的 ISO 8601 时间,例如 2026-03-20T17:00:00+08:00。")
    return int(moment.timestamp())


def window(exam_year: int, region: str, times: dict[str, str], by: str, at: str, version: int) -> Window:
    """The office's window from the API's five times, in their order (equal is allowed: a window
    opening and closing at once is closed)."""
    epochs = {name: parse_time(name, times[name]) for name in ORDER}
    for before, after in zip(ORDER, ORDER[1:], strict=False):
        if epochs[after] < epochs[before]:
            raise DomainError(
                "INVALID_REQUEST", f"{after} ({beijing(epochs[after])} Beijing time) is before {before} "
                f"({beijing(epochs[before])}): the times go {' <= '.join(ORDER)}.",
                f"{NAMES[after]}({beijing(epochs[after])})早于{NAMES[before]}({beijing(epochs[before])}):"
                f"各时间须依次为{'、'.join(NAMES[n] for n in ORDER)}。")
    return Window(exam_year=exam_year, region=region, **{FIELD[n]: epochs[n] for n in ORDER}, version=version,
                  by=by, at=at)


# ---------------------------------------------------------------- which time applies, and the rule

@dataclass(frozen=True)
class Deadline:
    field: Literal["uploadCloses", "fixUntil"]  # while filling in, once returned
    at: int


def deadline(app: Application, w: Window | None) -> Deadline | None:
    """The time until which the candidate may change this application, if a window says so."""
    if w is None:
        return None
    if app.status is AppStatus.DRAFT:
        return Deadline("uploadCloses", w.upload_closes)
    if app.status is AppStatus.RETURNED:
        return Deadline("fixUntil", w.fix_until)
    return None


@dataclass(frozen=True)
class WindowCheck:
    """The condition a candidate's change carries (a ConditionCheck on the window's item): no window, or
    one open at `now` for the time that applies. The decision was made on what was read; this makes it
    hold on what is there when it lands."""

    exam_year: int
    region: str
    until: str  # the attribute that applies: uploadCloses or fixUntil
    now: int


def condition(app: Application, now: int) -> WindowCheck | None:
    """The check of a candidate's change to `app` (None where no window limits it: it is not editable)."""
    if app.status is AppStatus.DRAFT:
        return WindowCheck(app.exam_year, app.region, "uploadCloses", now)
    if app.status is AppStatus.RETURNED:
        return WindowCheck(app.exam_year, app.region, "fixUntil", now)
    return None


def check_open(app: Application, w: Window | None, now: int) -> None:
    """WINDOW_CLOSED, naming the time in Beijing time, when the candidate may not change `app` now."""
    due = deadline(app, w)
    if w is None or due is None:
        return
    if now < w.upload_opens:
        raise DomainError("WINDOW_CLOSED",
                          f"Uploads for exam region {w.region} open at {beijing(w.upload_opens)} Beijing time.",
                          f"本考区材料上传将于 {beijing(w.upload_opens)}(北京时间)开始。")
    if now >= due.at:
        if due.field == "fixUntil":
            raise DomainError("WINDOW_CLOSED",
                              f"Changes to a returned application were due by {beijing(due.at)} Beijing time.",
                              f"退回修改的截止时间 {beijing(due.at)}(北京时间)已过,不能再修改材料。")
        raise DomainError("WINDOW_CLOSED", f"Uploads closed at {beijing(due.at)} Beijing time.",
                          f"材料上传已于 {beijing(due.at)}(北京时间)截止。")


def is_open(app: Application, w: Window | None, now: int) -> bool:
    try:
        check_open(app, w, now)
    except DomainError:
        return False
    return True


# ---------------------------------------------------------------- reminders and what is overdue

def reminder_due(at: int, now: int) -> int | None:
    """Which reminder is due at `now` for a time `at`: 3 (days before) from 3 days to 1 day before it,
    1 from 1 day before until it passes; None otherwise. A missed 3-day reminder is not sent late."""
    for days, later in zip(REMINDER_DAYS, (*REMINDER_DAYS[1:], 0), strict=True):
        if at - days * DAY <= now < at - later * DAY:
            return days
    return None


def review_due(w: Window | None, level: Level) -> int | None:
    """The deadline of a review level."""
    if w is None:
        return None
    return w.site_review_due if level is Level.SITE else w.region_review_due


def overdue(app: Application, w: Window | None, now: int) -> str | None:
    """What of the season `app` is late with, if anything (the office's per-site overview): a review
    level's (siteReview, regionReview) while it waits there, or the candidate's (filling: still not
    complete after uploads closed; returned: not fixed by fixUntil)."""
    if w is None:
        return None
    if app.queue is not None:
        due = review_due(w, app.queue)
        return ("siteReview" if app.queue is Level.SITE else "regionReview") if due is not None and now >= due else None
    limit = deadline(app, w)
    if limit is not None and now >= limit.at:
        return "filling" if app.status is AppStatus.DRAFT else "returned"
    return None
