"""What a check changes, as a pure decision on a fresh snapshot (core.transact): the picture's result
is stored only on the very image version that was read, and only while it is SUBMITTED with its checks
PENDING (a re-upload, a delete or a reviewer's decision meanwhile wins: nothing is written); then its
slot is judged as a whole (``decide.reconcile``: the identity card's front twice and no back) from every
picture of the slot whose checks are done, so the slot's finding is right whichever picture finished
last, and again after one of them is deleted. Each write moves the application's version on, so the
candidate's page (its ETag) shows the findings at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core import checks as stored_checks
from core.clock import Now
from core.models import REVIEWABLE, Image, ImageStatus, Snapshot
from core.plan import Plan
from precheck.classify import DocumentType
from precheck.decide import Checks, CheckState, Finding, Read, reconcile


@dataclass(frozen=True)
class Result:
    """What the OCR and the decider made of one image, at the version that was read."""

    image_id: str
    version: int
    checks: Checks


def to_stored(checks: Checks, own: Checks) -> dict:
    """An image's ``checks`` attribute (core.checks): as shown, with what was read and the picture's own findings."""
    return {"state": checks.state.value, "documentType": checks.document_type.value if checks.document_type else None,
            "findings": [f.as_dict() for f in checks.findings], "own": [f.as_dict() for f in own.findings],
            "read": checks.read.as_dict()}  # fmt: skip


def from_stored(value: dict) -> Checks:
    """The picture's own result (before its slot was judged) from the stored attribute."""
    read = value.get("read") or {}
    kind = value.get("documentType")
    return Checks(CheckState(value["state"]), DocumentType(kind) if kind else None,
                  tuple(Finding(f["code"], f["message"], f["messageZh"]) for f in value.get("own", value.get("findings", []))),
                  Read(read.get("idNumber"), read.get("name"), read.get("validUntil")))  # fmt: skip


def record(snap: Snapshot | None, material_type: str, result: Result | None, now: Now) -> tuple[Plan, list[str]] | None:
    """The plan and the images whose checks it writes; None when there is nothing to write. ``result``
    None: only the slot is judged again (one of its pictures was deleted)."""
    if snap is None:
        return None
    own: dict[str, Checks] = {}
    if result is not None:
        image = snap.image(result.image_id)
        if image is None or image.version != result.version or image.status is not ImageStatus.SUBMITTED \
                or stored_checks.state(image.checks) != stored_checks.PENDING:
            return None  # replaced, deleted, decided or already checked meanwhile: the read is stale
        own[image.image_id] = result.checks
    slot: list[Image] = [i for i in snap.images_of(material_type) if i.status in REVIEWABLE
                         and (i.image_id in own or stored_checks.state(i.checks) == stored_checks.DONE)]
    for image in slot:
        own.setdefault(image.image_id, from_stored(image.checks or {}))
    judged = reconcile(material_type, [own[i.image_id] for i in slot])
    changed: list[tuple[Image, int | None]] = []
    for image, shown in zip(slot, judged, strict=True):
        value = to_stored(shown, own[image.image_id])
        # Advice lands on pictures still waiting for a reviewer; an approved or flagged one keeps what it had.
        if value != image.checks and image.status is ImageStatus.SUBMITTED:
            changed.append((replace(image, checks=value), image.version))
    if not changed:
        return None
    app = snap.application
    return Plan(before=app, after=app.changed(now.iso), now=now, put_images=changed), [i.image_id for i, _ in changed]
