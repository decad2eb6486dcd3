"""Optimistic concurrency for every use case that changes an application: read a fresh snapshot, let
the pure domain decide, commit the decision as one conditional transaction, and decide again from a
fresh read if another writer got there first. Never merged blindly, never a read-then-write."""

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
from core.plan import Plan

logger = Logger(child=True)

ATTEMPTS = 8
# What a decision gives: the plan and its result, or None for nothing to write. A decider that always
# writes (never None) makes transact's answer never None too.
Decided = TypeVar("Decided", bound="tuple[Plan, Any] | None")


def _read(app_id: str, with_audit: bool, application_only: bool) -> Snapshot | None:
    if not application_only:
        return db.load(app_id, with_audit)
    app = db.get_application(app_id)
    return Snapshot(application=app) if app else None


def transact(app_id: str, decide: Callable[[Snapshot | None, Now], Decided], with_audit: bool = False,
             read: Snapshot | None = None, application_only: bool = False,
             redraw: Callable[[], None] | None = None) -> Decided:
    """Run `decide(snapshot, now) -> (plan, result) | None` until its plan commits (or it decides there
    is nothing to write: None). The one loop that retries a write: every use case that changes an
    application comes through here.

    `read`: a snapshot the caller already has, tried first (the version condition catches it if it is
    stale). `application_only`: the decision needs the application item alone (one GetItem, not the
    partition's Query). `redraw`: called when the plan's watermark reference turned out to be taken,
    before deciding again (without it, ReferenceTaken is raised)."""
    for attempt in range(ATTEMPTS):
        snap = read if attempt == 0 and read is not None else _read(app_id, with_audit, application_only)
        decided = decide(snap, clock.now())
        if decided is None:
            return decided  # nothing to write
        try:
            db.commit(decided[0])
            return decided
        except db.ReferenceTaken:
            if redraw is None:
                raise
            logger.info("watermark reference taken, drawing another", extra={"application": app_id})
            redraw()  # a new reference is no contention: no wait
        except db.Conflict:
            logger.info("write conflict, deciding again", extra={"application": app_id, "attempt": attempt})
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # full jitter spreads out colliding writers
    raise DomainError("TRY_AGAIN", "Too many changes at the same moment; please try again.",
                      "同一时间的修改过多,请重试。")
