"""What a candidate is told, and when (R16, R19-R22): one message per status change they need to act
on or wait for, and one per registration-opening announcement they subscribed to.

The events are the audit entries every status change already writes in its own transaction, so an
event exists exactly when its change does: nothing else is written that could be lost. DynamoDB
Streams carry them (template.yaml, NotifyPipe: only the actions below pass its filter) to a queue
and the notify function.

Pure: which entry is worth a message, the Chinese texts with the link to the upload page, and the
pacing of the announcement fan-out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from core.models import STATUS_LABELS, Announcement, AppStatus, AuditEntry, Level

SIGNATURE = "【医师资格考试】"  # a Chinese SMS opens with the sender's signature
COMMENT_CHARS = 60  # the first comment, shortened: the whole one is at the top of the upload page (R16)
ANNOUNCEMENT = "ANNOUNCEMENT"
DEADLINE = "deadline"  # a reminder before the time that applies (core.season)

# Each decision's audit action (the pipe's filter lets exactly these through) and the statuses it
# tells the candidate about (api-contract.md "Notifications").
TOLD: dict[str, frozenset[AppStatus]] = {
    "return": frozenset({AppStatus.RETURNED}),
    "approve": frozenset({AppStatus.SITE_APPROVED, AppStatus.APPROVED}),
    "reject": frozenset({AppStatus.REJECTED}),
    "phase": frozenset({AppStatus.READY_FOR_EXAM, AppStatus.PASSED, AppStatus.FAILED}),
}
DECISIONS = tuple(TOLD)


@dataclass(frozen=True)
class Message:
    kind: str  # the status told about, or ANNOUNCEMENT
    ref: str  # the application or the announcement it is about
    text: str


def upload_page(web_url: str, app_id: str) -> str:
    """The web client's upload page of one application (web/js/candidate.js routes #/app/<id>)."""
    return f"{web_url.rstrip('/')}/#/app/{quote(app_id, safe='')}"


def _shorten(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= COMMENT_CHARS else text[:COMMENT_CHARS - 1] + "…"


def _sentence(text: str) -> str:
    """The comment as a sentence of the message: its own full stop (or ! ? …) kept, one added if none."""
    return text if not text or text[-1] in "。！？!?…." else text + "。"


def status_message(app_id: str, entry: AuditEntry, web_url: str) -> Message | None:
    """The message for a status change, or None if this entry is not one a candidate is told about."""
    if entry.to_status not in {s.value for s in TOLD.get(entry.action, ())}:
        return None
    to = AppStatus(entry.to_status)
    link = upload_page(web_url, app_id)
    where = Level(entry.level).label if entry.level in (Level.SITE, Level.REGION) else ""
    comment = _shorten(entry.note)
    head = f"{SIGNATURE}您的报名(报名号 {app_id})"
    if to is AppStatus.RETURNED:
        body = f"材料被{where}退回修改。审核意见:{_sentence(comment)}请按意见修改后等待再次审核:{link}"
    elif to is AppStatus.SITE_APPROVED:
        body = f"已通过考点审核,等待考区审核。详情:{link}"
    elif to is AppStatus.APPROVED:
        body = f"已通过考区审核,状态为“审核通过”。详情:{link}"
    elif to is AppStatus.REJECTED:
        reason = f"审核意见:{_sentence(comment)}" if comment else ""
        body = f"{where}审核未通过,状态为“审核拒绝”。{reason}详情:{link}"
    else:  # the exam office's later phases (R20)
        body = f"状态已变更为“{STATUS_LABELS[to][0]}”。详情:{link}"
    return Message(kind=to.value, ref=app_id, text=head + body)


def deadline_message(app_id: str, deadline: str, days: int, at: str, web_url: str) -> Message:
    """A reminder `days` before the time that applies (`at`, Beijing time, as core.season writes it): uploads
    close for an application being filled in, fixes are due for a returned one."""
    link = upload_page(web_url, app_id)
    head = f"{SIGNATURE}您的报名(报名号 {app_id})"
    if deadline == "fixUntil":
        body = f"已退回修改,须在 {at}(北京时间)前按审核意见修改完成,还剩 {days} 天。请尽快修改:{link}"
    else:
        body = f"材料尚未上传齐全,上传将于 {at}(北京时间)截止,还剩 {days} 天。请尽快上传,不要等到最后一天:{link}"
    return Message(kind=DEADLINE, ref=app_id, text=head + body)


def announcement_message(ann: Announcement) -> Message:
    """R22: "registration is open", or the office's own words for it."""
    body = ann.text or f"{ann.exam_year}年医师资格考试({ann.category})报名已开通,请及时登录报名系统报名。"
    return Message(kind=ANNOUNCEMENT, ref=ann.id, text=SIGNATURE + body)


# ---------------------------------------------------------------- the fan-out's pace


BATCH_MAX = 100  # one Query page, one BatchGetItem of contacts
BATCH_SECONDS = 10  # a batch takes at most this long at the rate, well inside the function's timeout


def batch_size(per_second: float) -> int:
    """How many subscribers one invocation handles: as many as the rate sends in BATCH_SECONDS."""
    return max(1, min(BATCH_MAX, int(per_second * BATCH_SECONDS)))


class Pacer:
    """At most `per_second` sends in any second: each send waits until 1/rate after the one before.
    Only one batch runs at a time (the fan-out lease, core.db), and `settle()` at its end waits out the
    last interval, so the next batch cannot start early either."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if per_second <= 0:
            raise ValueError("the SMS rate must be positive")
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def settle(self) -> None:
        if self._next is not None and self.clock() < self._next:
            self.sleep(self._next - self.clock())
        self._next = None
