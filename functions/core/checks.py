"""The machine pre-checks as an image carries them (api-contract.md "Machine pre-checks"): advice on a
SUBMITTED picture, never a refusal. process_image marks a new picture PENDING (a slot the checks cover)
or SKIPPED (any other) in the transaction that makes it SUBMITTED; functions/precheck reads it a moment
later and stores its result, DONE, under the same attribute. Plain data, shared by the pages, the
reviewers' bulk approval and the precheck function.

Stored as the contract shows it (``state``, ``documentType``, ``findings``) plus what only staff see
(``read``: the values read, beside the registration's) and ``own``: the picture's findings before its
slot was looked at as a whole (two fronts of the identity card and no back is the slot's finding, on
the second front; the slot is judged again from ``own`` whenever one of its pictures changes).
"""

from __future__ import annotations

from typing import Any

# The slots whose pictures are checked (precheck.decide.EXPECTED names what each one takes).
CHECKED = frozenset({"id_card", "diploma", "practice_proof", "residence_permit"})
PENDING, DONE, SKIPPED = "PENDING", "DONE", "SKIPPED"
SHOWN = ("state", "documentType", "findings")  # what a candidate sees; staff see "read" too


def queued(material_type: str) -> dict:
    """The checks of a picture just SUBMITTED: to be read (PENDING) or not covered (SKIPPED)."""
    return {"state": PENDING if material_type in CHECKED else SKIPPED}


def state(checks: dict | None) -> str | None:
    return checks.get("state") if checks else None


def passed(checks: dict | None) -> bool | None:
    """True when the checks are done and found nothing; None until then (or when skipped)."""
    if state(checks) != DONE or checks is None:
        return None
    return not checks.get("findings")


def view(checks: dict | None, with_read: bool) -> dict[str, Any] | None:
    """The contract's ``checks`` of an image; ``with_read`` for reviewers and the exam office only."""
    if not checks:
        return None
    out: dict[str, Any] = {name: checks.get(name) for name in SHOWN}
    out["findings"] = list(out["findings"] or [])
    out["passed"] = passed(checks)
    if with_read:
        out["read"] = checks.get("read") or {"idNumber": None, "name": None, "validUntil": None}
    return out
