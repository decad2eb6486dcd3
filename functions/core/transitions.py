"""The application status transition table (R18-R20), and nothing else: who may move an
application from which status to which. Every row has a test (tests/unit/test_transitions.py)."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError
from core.models import STATUS_LABELS
from core.models import AppStatus as S


class Actor(StrEnum):
    SITE = "SITE"  # 考点 reviewer (site_reviewer)
    REGION = "REGION"  # 考区 reviewer (region_reviewer)
    CANDIDATE = "CANDIDATE"  # the candidate's fix after a return re-queues by itself (R16, R21)
    OFFICE = "OFFICE"  # exam office, later phases (R20)


ACTOR_LABELS = {Actor.SITE: ("the exam site reviewer", "考点审核人员"),
                Actor.REGION: ("the exam region reviewer", "考区审核人员"),
                Actor.CANDIDATE: ("the candidate", "考生"), Actor.OFFICE: ("the exam office", "考务管理机构")}
ACTION_LABELS = {"approve": ("approve", "审核通过"), "return": ("return", "退回修改"), "reject": ("reject", "审核拒绝"),
                 "resubmit": ("resubmit", "重新提交"), "READY_FOR_EXAM": ("set 备考 on", "设为“备考”"),
                 "PASSED": ("set 通过 on", "设为“通过”"), "FAILED": ("set 未通过 on", "设为“未通过”")}


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
        who, who_zh = ACTOR_LABELS[actor]
        what, what_zh = ACTION_LABELS.get(action, (action, action))
        label, label_en = STATUS_LABELS[current]
        raise DomainError(
            "INVALID_TRANSITION",
            f"{who[0].upper()}{who[1:]} cannot {what} an application in {label} ({current.value}, {label_en}).",
            f"{who_zh}不能对状态为“{label}”的报名{what_zh}。",
        ) from None
