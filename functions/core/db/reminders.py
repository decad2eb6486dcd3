"""The deadline reminders' sweeps (notify.reminders): one run item per reminder of one deadline (exam
year, region, which deadline, how many days before, the time itself), holding where the walk over the
region's sites has got and what it sent; the applications it walks come from the BySite index (never a
Scan). The messages' own markers (core.db.notify) are what make each reminder once per application."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core.db import calls, keys
from core.db.applications import site_request
from core.models import AppStatus


@dataclass(frozen=True)
class ReminderRun:
    exam_year: int
    region: str
    deadline: str  # uploadCloses (to applications being filled in) or fixUntil (to returned ones)
    days: int  # before the deadline
    at: int  # the deadline, epoch seconds: a moved deadline is another run
    cursor: str | None = None  # JSON {site, key}: the site walked and the index key to go on from (none: its start)
    done: bool = False
    recipients: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def sk(self) -> str:
        return keys.reminder_run_sk(self.exam_year, self.region, self.deadline, self.days, self.at)

    @property
    def status(self) -> AppStatus:
        return AppStatus.DRAFT if self.deadline == "uploadCloses" else AppStatus.RETURNED


def run_from(run: ReminderRun, item: dict | None) -> ReminderRun:
    if not item:
        return run
    return replace(run, cursor=item.get("cursor"), done=bool(item.get("done")), recipients=int(item.get("recipients", 0)),
                   sent=int(item.get("sent", 0)), failed=int(item.get("failed", 0)))


def progress_request(run: ReminderRun, cursor: str | None, counts: dict[str, int], done: bool, ttl: int | None,
                     table: str) -> dict:
    """One page of a run, recorded: the cursor moves on and the page's counts are added in the same write,
    only from the cursor this page started at (a second sweep on the same run loses here, and goes on
    from where the first one got)."""
    names = {"#c": "cursor", "#d": "done", "#y": "examYear", "#r": "region", "#l": "deadline", "#n": "days", "#a": "at"}
    values: dict[str, dict] = {":false": {"BOOL": False}, ":done": {"BOOL": done}, ":y": {"N": str(run.exam_year)},
                               ":r": {"S": run.region}, ":l": {"S": run.deadline}, ":n": {"N": str(run.days)},
                               ":a": {"N": str(run.at)}}
    sets = ["#d = :done", "#y = :y", "#r = :r", "#l = :l", "#n = :n", "#a = :a", "kind = :kind"]
    values[":kind"] = {"S": "reminderRun"}
    if cursor is not None:
        sets.append("#c = :cursor")
        values[":cursor"] = {"S": cursor}
    if ttl is not None:
        names["#t"] = "ttl"
        sets.append("#t = :ttl")
        values[":ttl"] = {"N": str(ttl)}
    adds = []
    for i, (name, n) in enumerate(sorted(counts.items())):
        names[f"#k{i}"] = name
        values[f":k{i}"] = {"N": str(n)}
        adds.append(f"#k{i} :k{i}")
    condition = "(attribute_not_exists(#d) OR #d = :false) AND "
    if run.cursor is None:
        condition += "attribute_not_exists(#c)"
    else:
        condition += "#c = :before"
        values[":before"] = {"S": run.cursor}
    return {"TableName": table, "Key": keys.key(keys.REMINDERS, run.sk),
            "UpdateExpression": "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else ""),
            "ConditionExpression": condition, "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def page_request(site: str, run: ReminderRun, table: str) -> dict:
    """A site's applications in the run's status and exam year (the index projects both); filling in
    means not waiting in the site's queue (complete ones wait there)."""
    request: dict[str, Any] = site_request(site, run.status.value, table)
    request["FilterExpression"] = "examYear = :year"
    request["ExpressionAttributeValues"][":year"] = {"N": str(run.exam_year)}
    if run.status is AppStatus.DRAFT:
        request["FilterExpression"] += " AND attribute_not_exists(#q)"
        request["ExpressionAttributeNames"] = {"#q": "queue"}
    return request


# ---------------------------------------------------------------- operations

def get_run(run: ReminderRun) -> ReminderRun:
    return run_from(run, calls.get(keys.REMINDERS, run.sk, consistent=True))


def record_run(run: ReminderRun, cursor: str | None, counts: dict[str, int], done: bool, ttl: int | None) -> None:
    """Raises Conflict if another sweep moved the run on meanwhile."""
    calls.call(calls.client().update_item, **progress_request(run, cursor, counts, done, ttl, calls.table()))


def reminder_page(site: str, run: ReminderRun, start: dict | None, limit: int) -> tuple[list[dict], dict | None]:
    """Up to `limit` index entries of one site from `start` (those the filter keeps; fewer is no end)."""
    return calls.page(page_request(site, run, calls.table()), limit, start)
