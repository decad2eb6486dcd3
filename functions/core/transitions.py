"""The application status transition table (R18-R20), and nothing else: who may move an
application from which status to which. Every row has a test (tests/unit/test_transitions.py)."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError
from core.models import AppStatus as S


class Actor(StrEnum):
    SITE = "SITE"  # 考点 reviewer (site_reviewer)
    REGION = "REGION"  # 考区 reviewer (region_reviewer)
    CANDIDATE = "CANDIDATE"  # the candidate's fix after a return re-queues by itself (issue 6)
    OFFICE = "OFFICE"  # exam office, later phases (R20)


# (from, action, actor) -> to
TRANSITIONS: dict[tuple[S, str, Actor], S] = {
    (S.DRAFT, "approve", Actor.SITE): S.SITE_APPROVED,  # 填报 -> 考点通过
    (S.DRAFT, "return", Actor.SITE): S.RETURNED,
    (S.DRAFT, "reject", Actor.SITE): S.REJECTED,
    (S.SITE_APPROVED, "approve", Actor.REGION): S.APPROVED,  # 考点通过 -> 审核通过
    (S.SITE_APPROVED, "return", Actor.REGION): S.RETURNED,
    (S.SITE_APPROVED, "reject", Actor.REGION): S.REJECTED,
    (S.RETURNED, "resubmit", Actor.CANDIDATE): S.DRAFT,  # fixed after a return -> 填报, back in the queue
    (S.APPROVED, "READY_FOR_EXAM", Actor.OFFICE): S.READY_FOR_EXAM,  # 备考
    (S.APPROVED, "PASSED", Actor.OFFICE): S.PASSED,
    (S.APPROVED, "FAILED", Actor.OFFICE): S.FAILED,
    (S.READY_FOR_EXAM, "PASSED", Actor.OFFICE): S.PASSED,  # 备考 -> 通过 / 未通过
    (S.READY_FOR_EXAM, "FAILED", Actor.OFFICE): S.FAILED,
}


def next_status(current: S, action: str, actor: Actor) -> S:
    try:
        return TRANSITIONS[(current, action, actor)]
    except KeyError:
        raise DomainError("INVALID_TRANSITION", f"{actor.value} cannot {action} an application in {current.value}") from None
