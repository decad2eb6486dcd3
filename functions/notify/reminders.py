"""The deadline reminders (core.season): a candidate with a consented contact whose application is being
filled in (FILLING) or was returned (RETURNED) gets one SMS 3 days and one 1 day before the time that
applies to it (uploads closing; fixes due), each exactly once.

A schedule (template.yaml, RemindersSchedule: every 15 minutes; locally also `POST /dev/run/reminders`)
puts a message on the notify queue; the notify function runs a sweep for it:
- the windows of every exam year (one small partition) say which reminders are due now: a *run* per
  exam year, region, deadline, day count and time (a moved deadline is a new run);
- a run walks its region's sites in the catalogue's order, each site's applications in the run's status
  and year from the BySite index (never a Scan), a page at a time; after each page its cursor moves on,
  conditional on the cursor it started from, so a run is walked once however many sweeps there are,
  and a finished one costs a GetItem;
- each message has its marker (notify.use_cases.deliver: written before it is sent, only if there is
  none, `NOTICE#{app}` / `DEADLINE#{deadline}#{days}`): two sweeps that overlap, a retried page, a sweep
  that died mid-page, send nothing twice;
- it sends at the SMS rate holding the fan-out lease the announcements hold (one sender at a time, so
  the rate holds across both), and stops in time: what is left goes on in its next message.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from aws_lambda_powertools import Logger

from core import catalog, clock, db, notifications, season
from core.db import keys
from core.models import Window
from core.notifications import Pacer
from core.settings import settings
from notify.channels import Channel
from notify.use_cases import BUSY_DELAY_SECONDS, COUNTED_AS, deliver

logger = Logger(child=True)

HOLDER = "reminders"  # the fan-out lease's holder while a sweep sends
MARGIN_S = 15  # a page ends well inside the function's time and the lease


def due_runs(windows: list[Window], now: int) -> list[db.ReminderRun]:
    """The reminders due now, one run per window and deadline (uploads closing, fixes due)."""
    runs = []
    for w in windows:
        for deadline, at in (("uploadCloses", w.upload_closes), ("fixUntil", w.fix_until)):
            days = season.reminder_due(at, now)
            if days:
                runs.append(db.ReminderRun(exam_year=w.exam_year, region=w.region, deadline=deadline, days=days, at=at))
    return runs


def sweep(channel: Channel, pacer: Pacer, per_second: float, lease_seconds: int, web_url: str, seconds_left: float,
          requeue: Callable[[int], None]) -> str:
    """One sweep: the due runs from where they are, until done or out of time (then its next message)."""
    now = clock.now()
    token = secrets.token_hex(8)
    holder = db.take_fanout_lease(HOLDER, token, now.seconds, now.seconds + lease_seconds)
    if holder == HOLDER:
        return "running"  # another sweep sends; its own next message goes on where it stops
    if holder is not None:
        requeue(BUSY_DELAY_SECONDS)  # an announcement is being sent: its rate is the same SMS rate
        return "waiting"
    ends = time.monotonic() + min(seconds_left, lease_seconds) - MARGIN_S
    try:
        finished = all(_walk(run, channel, pacer, per_second, web_url, ends) for run in due_runs(db.windows(), now.seconds))
        pacer.settle()
    finally:
        db.release_fanout_lease(token)
    if not finished:
        requeue(0)
        return "batch"
    return "finished"


def _position(cursor: str | None, sites: list[str]) -> tuple[int, dict | None]:
    """The site to go on with (its index) and the index key to go on from."""
    if not cursor:
        return 0, None
    at = json.loads(cursor)
    index = sites.index(at["site"]) if at.get("site") in sites else len(sites)
    return index, at.get("key")


def _walk(run: db.ReminderRun, channel: Channel, pacer: Pacer, per_second: float, web_url: str, ends: float) -> bool:
    """A run's pages until it is done (True) or the time is up (False)."""
    state = db.get_run(run)
    sites = [s.code for s in catalog.current().sites(run.region)]
    keep = db.keep_until(run.exam_year, settings().retention_days)
    marker = keys.reminder_sk(run.deadline, run.days)
    while not state.done:
        if time.monotonic() >= ends:
            return False
        index, start = _position(state.cursor, sites)
        counts: Counter[str] = Counter()
        last = None
        if index < len(sites):
            rows, last = db.reminder_page(sites[index], state, start, notifications.batch_size(per_second))
            apps = [db.application_from(r) for r in rows]
            contacts = db.get_contacts([a.candidate_id for a in apps])
            for app in apps:
                contact = contacts.get(app.candidate_id)
                if contact is None or not contact.consented:  # given with consent and verified by its code
                    continue
                message = notifications.deadline_message(app.id, run.deadline, run.days, season.beijing(run.at), web_url)
                status, _ = deliver(db.notice_pk(app.id), marker, contact, message, channel, keep, before_send=pacer.wait)
                counts["recipients"] += 1
                counts[COUNTED_AS[status]] += 1
        if last is not None:
            following: dict = {"site": sites[index], "key": last}
        elif index + 1 < len(sites):
            following = {"site": sites[index + 1], "key": None}
        else:
            following = {"site": None, "key": None}
        done = last is None and index + 1 >= len(sites)
        cursor = json.dumps(following, separators=(",", ":"), sort_keys=True)
        try:
            db.record_run(state, cursor, dict(counts), done, keep)
        except db.Conflict:
            # Another sweep moved this run on meanwhile: it counted the page; its markers stopped any second copy.
            state = db.get_run(run)
            continue
        logger.info("reminders page", extra={"run": run.sk, "counts": dict(counts), "done": done})
        state = replace(state, cursor=cursor, done=done)
    return True
