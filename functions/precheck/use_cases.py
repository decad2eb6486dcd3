"""The precheck function's use case: read one SUBMITTED picture, decide what it shows and whether it
matches the registration, and store that as its checks (precheck.results, through core.transact).

Idempotent: a picture whose checks are no longer PENDING (done by an earlier delivery, or replaced,
deleted or decided meanwhile) is not read again, and a result is stored only on the image version
that was read. A deleted picture's message judges its slot again, with no OCR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core import checks, db, storage
from core.models import ImageStatus
from core.transact import transact
from precheck import decide, results, unwatermark
from precheck.reading import Reading

Read = Callable[[bytes, list[str]], Reading]  # the OCR: a stored picture and its watermark's texts


@dataclass(frozen=True)
class CheckCommand:
    application_id: str
    image_id: str
    material_type: str  # the slot it is (or was) in


def check(cmd: CheckCommand, read: Read) -> str:
    """What happened: "checked", "judged" (the slot only), "stale" (nothing to do) or "gone"."""
    snap = db.load(cmd.application_id, with_audit=False)
    if snap is None:
        return "gone"
    image = snap.image(cmd.image_id)
    result = None
    if image is not None:
        if image.status is not ImageStatus.SUBMITTED or checks.state(image.checks) != checks.PENDING \
                or not image.object_key:
            return "stale"
        picture = storage.read_material(image.object_key)
        if picture is None:
            return "gone"  # deleted since the snapshot: its own message judges the slot
        texts = unwatermark.texts_for(image.reference, image.processed_at) if image.reference and image.processed_at else []
        app = snap.application
        found = decide.check(decide.CheckImage(image.material_type, read(picture, texts),
                                               decide.Registration(app.candidate_name, app.id_number, app.exam_year)))
        result = results.Result(image.image_id, image.version, found)
    decided = transact(cmd.application_id, lambda current, now: results.record(current, cmd.material_type, result, now))
    if decided is None:
        return "stale" if result is not None else "judged"
    return "checked" if result is not None else "judged"
