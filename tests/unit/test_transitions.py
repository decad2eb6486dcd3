"""Every row of the application status transition table, and what is not in it (R18-R20)."""

from __future__ import annotations

import itertools

import pytest

from core.errors import DomainError
from core.models import STATUS_LABELS, AppStatus
from core.transitions import TRANSITIONS, Actor, next_status

S = AppStatus
EXPECTED = {
    (S.DRAFT, "approve", Actor.SITE): S.SITE_APPROVED,
    (S.DRAFT, "return", Actor.SITE): S.RETURNED,
    (S.DRAFT, "reject", Actor.SITE): S.REJECTED,
    (S.SITE_APPROVED, "approve", Actor.REGION): S.APPROVED,
    (S.SITE_APPROVED, "return", Actor.REGION): S.RETURNED,
    (S.SITE_APPROVED, "reject", Actor.REGION): S.REJECTED,
    (S.RETURNED, "resubmit", Actor.CANDIDATE): S.DRAFT,
    (S.APPROVED, "READY_FOR_EXAM", Actor.OFFICE): S.READY_FOR_EXAM,
    (S.APPROVED, "PASSED", Actor.OFFICE): S.PASSED,
    (S.APPROVED, "FAILED", Actor.OFFICE): S.FAILED,
    (S.READY_FOR_EXAM, "PASSED", Actor.OFFICE): S.PASSED,
    (S.READY_FOR_EXAM, "FAILED", Actor.OFFICE): S.FAILED,
}


@pytest.mark.parametrize(("row", "to"), list(EXPECTED.items()), ids=lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else str(v))
def test_each_row(row, to):
    assert next_status(*row) is to


def test_the_table_is_exactly_the_expected_rows():
    assert TRANSITIONS == EXPECTED


ACTIONS = sorted({a for _, a, _ in EXPECTED})


@pytest.mark.parametrize(("status", "action", "actor"),
                         [c for c in itertools.product(S, ACTIONS, Actor) if c not in EXPECTED])
def test_everything_else_is_an_invalid_transition(status, action, actor):
    with pytest.raises(DomainError) as e:
        next_status(status, action, actor)
    assert e.value.code == "INVALID_TRANSITION" and e.value.status == 409


def test_terminal_statuses_have_no_way_out_but_the_exam_phase():
    for terminal in (S.REJECTED, S.PASSED, S.FAILED):
        assert not [r for r in TRANSITIONS if r[0] is terminal]


def test_every_status_has_the_contract_label():
    assert {s.value: STATUS_LABELS[s][0] for s in S} == {
        "DRAFT": "填报", "RETURNED": "退回修改", "SITE_APPROVED": "考点通过", "APPROVED": "审核通过",
        "REJECTED": "审核拒绝", "READY_FOR_EXAM": "备考", "PASSED": "通过", "FAILED": "未通过"}
