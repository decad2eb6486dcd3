"""Optimistic concurrency for every use case that changes something: read a fresh snapshot, let the pure
domain decide, commit the decision as one conditional write, and decide again from a fresh read if
another writer got there first. Never merged blindly, never a read-then-write.

`retry` is the one loop; `transact` is it for an application's partition (a Plan, core.plan), and the
other aggregates (a registration, the exam season's window, the requirement catalogue) bring their own
read and commit to the same loop."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

from core import clock, db
from core.clock import Now
from core.errors import DomainError
from core.models import Snapshot

logger = Logger(child=True)

ATTEMPTS = 8
# What a decision gives: the plan and its result, or None for nothing to write (a plan of None with a
# result: nothing to write, and this is the answer). A decider that always writes (never None) makes
# the loop's answer never None too.
Decided = TypeVar("Decided", bound="tuple[Any, Any] | None")


def retry(read: Callable[[int], Any], decide: Callable[[Any, Now], Decided], commit: Callable[[Any], None],
          about: dict[str, str], redraw: Callable[[], None] | None = None) -> Decided:
    """Run `decide(read(attempt), now) -> (plan, result) | None` until `commit(plan)` succeeds (or it
    decides there is nothing to write). `commit` raises db.Conflict when a condition no longer holds:
    then it is decided again from a fresh read, after a jittered wait. `redraw`: called when the plan's
    watermark reference turned out to be taken, before deciding again (without it, ReferenceTaken is
    raised)."""
    for attempt in range(ATTEMPTS):
        decided = decide(read(attempt), clock.now())
        if decided is None or decided[0] is None:
            return decided  # nothing to write
        try:
            commit(decided[0])
            return decided
        except db.ReferenceTaken:
            if redraw is None:
                raise
            logger.info("watermark reference taken, drawing another", extra=about)
            redraw()  # a new reference is no contention: no wait
        except db.Conflict:
            logger.info("write conflict, deciding again", extra={**about, "attempt": attempt})
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # full jitter spreads out colliding writers
    raise DomainError("TRY_AGAIN", "Too many changes at the same moment; please try again.",
                      "同一时间的修改过多,请重试。")


def _read(app_id: str, with_audit: bool, application_only: bool) -> Snapshot | None:
    if not application_only:
        return db.load(app_id, with_audit)
    app = db.get_application(app_id)
    return Snapshot(application=app) if app else None


def transact(app_id: str, decide: Callable[[Snapshot | None, Now], Decided], with_audit: bool = False,
             read: Snapshot | None = None, application_only: bool = False,
             redraw: Callable[[], None] | None = None, window: bool = False) -> Decided:
    """`retry` on one application's partition: every use case that changes an application comes through here.

    `read`: a snapshot the caller already has, tried first (the version condition catches it if it is
    stale). `application_only`: the decision needs the application item alone (one GetItem, not the
    partition's Query). `window`: the decision checks the exam season's window (a candidate's change):
    the first attempt does not read it (its plan's condition on the window's item holds either way, and
    most changes are inside their window), every later one does, so a closed window is refused by name."""

    def fresh(attempt: int) -> Snapshot | None:
        snap = read if attempt == 0 and read is not None else _read(app_id, with_audit, application_only)
        if window and attempt > 0 and snap is not None:
            snap.window = db.get_window(snap.application.exam_year, snap.application.region)
        return snap

    return retry(fresh, decide, db.commit, {"application": app_id}, redraw)
