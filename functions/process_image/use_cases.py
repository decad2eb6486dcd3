"""process_image's use case: turn one uploaded object into a SUBMITTED (watermarked) or INVALID image,
exactly once, or discard it if it came too late (R5-R8, R12)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from aws_lambda_powertools import Logger

from core import db, references, storage
from core.catalog import MAX_BYTES
from core.keys import material_key, material_prefix, parse_upload_key, thumbnail_key
from core.likeness import alike, nearness
from core.models import Snapshot
from core.transact import transact
from process_image import processing
from process_image.processing import Outcome

logger = Logger(child=True)

# Crockford's base32 without I, L, O, U: read back from a photo of a leaked copy without ambiguity.
REFERENCE_ALPHABET, REFERENCE_LENGTH = references.ALPHABET, references.LENGTH
SNIFF_BYTES = 64

@dataclass(frozen=True)
class Picture:
    """What is stored of an accepted upload: the watermarked JPEG and its thumbnail (R7, R12)."""

    jpeg: bytes
    thumbnail: bytes


Transform = Callable[[bytes, str], tuple[Picture | None, Outcome]]
Sniff = Callable[[bytes], str | None]


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def process_upload(key: str, transform: Transform, size: int | None = None, sniff: Sniff | None = None) -> str:
    """What happened to the object: "submitted", "invalid", "discarded", "duplicate" or "orphan".

    Transient failures (S3, DynamoDB) raise, so the queue delivers the message again; nothing is
    half-written: the watermarked copy and its thumbnail are stored before the record that points at
    them, and removed again if the record could not take them; once the image is settled, whatever an
    attempt that died left beside it is swept. `size` is the S3 event's object size (no HEAD needed)."""
    parsed = parse_upload_key(key)
    if parsed is None:
        # Not a key this system hands out: nothing will ever read it, so it leaves quarantine now.
        logger.warning("not an upload key, deleted", extra={"key": key[:200]})
        storage.delete_upload(key)
        return "orphan"
    app_id, material_type, image_id = parsed
    copies = material_prefix(app_id, material_type, image_id)
    snap = db.load(app_id, with_audit=False)
    image = processing.waiting(snap, image_id, key)
    if snap is None or image is None:
        return _settled_or_orphan(snap, image_id, key, copies)
    if size is None:
        head = storage.head_upload(key)
        if head is None:  # already processed and removed by an earlier delivery
            return _settled_or_orphan(db.load(app_id, with_audit=False), image_id, key, copies)
        size = head.size
    started = time.perf_counter()
    upload = _read(key, size, sniff)
    if upload is None:  # gone meanwhile
        return _settled_or_orphan(db.load(app_id, with_audit=False), image_id, key, copies)
    candidate = snap.application.candidate_id

    def made(outcome: Outcome) -> Outcome:
        return replace(outcome, processing_ms=round((time.perf_counter() - started) * 1000))

    def render(data: bytes) -> Outcome:
        """Watermark with a new reference and store the copy: the record may only point at a stored one."""
        reference = new_reference()
        picture, outcome = transform(data, reference)
        if picture is None:
            return made(outcome)
        stored = material_key(app_id, material_type, image_id, reference)
        storage.put_image(stored, picture.jpeg, picture.thumbnail)
        return made(replace(outcome, object_key=stored, thumbnail_key=thumbnail_key(stored),
                            duplicate_of=_elsewhere(outcome, app_id, candidate)))

    outcome = render(upload) if isinstance(upload, bytes) else made(upload)

    def redraw() -> None:  # the reference drawn into the watermark is another image's: draw and render again
        nonlocal outcome
        if isinstance(upload, bytes):
            drawn, outcome = outcome.object_key, render(upload)
            if drawn:
                storage.delete_image(drawn)  # no record names it: the new drawing has its own key

    # the read from before processing is tried first: no second Query if nothing changed meanwhile
    decided = transact(app_id, lambda current, now: processing.record(current, image_id, key, outcome, now),
                       read=snap, redraw=redraw)
    if decided is None or decided[1] == "discarded":
        if outcome.object_key:
            storage.delete_image(outcome.object_key)  # the reservation was deleted, replaced, or came too late
        storage.delete_upload(key)
        if decided is None:
            return _settled_or_orphan(db.load(app_id, with_audit=False), image_id, key, copies, delete=False)
        storage.sweep_image(copies, keep=None)
        return "discarded"
    storage.delete_upload(key)
    # Settled: what earlier attempts left (one that died after its write; a message's receive count
    # cannot say, a redriven message's starts again) goes now, in one List.
    storage.sweep_image(copies, keep=outcome.object_key)
    for other in outcome.duplicate_of if decided[1] == "submitted" else ():
        db.note_duplicate(other["applicationId"], other["imageId"], {"applicationId": app_id, "imageId": image_id})
    return decided[1]


MAX_DUPLICATES = 10


def _elsewhere(outcome: Outcome, app_id: str, candidate_id: str | None) -> tuple[dict, ...]:
    """Near-identical pictures in other candidates' applications, from the likeness index (a few
    Queries, never a Scan). A hint for reviewers and the exam office; the candidate never sees it."""
    if not outcome.phash or not outcome.probes:
        return ()
    mine = outcome.phash
    found = [e for e in db.likeness(list(outcome.probes))
             if e["applicationId"] != app_id and e.get("candidateId") != candidate_id
             and alike(mine, e["phash"], outcome.duplicate_bounds)]
    found.sort(key=lambda e: (nearness(mine, e["phash"]), e["applicationId"], e["imageId"]))
    return tuple({"applicationId": e["applicationId"], "imageId": e["imageId"]} for e in found[:MAX_DUPLICATES])


def _read(key: str, size: int, sniff: Sniff | None) -> bytes | Outcome | None:
    """The upload's bytes to transform, or the refusal its size already is (cheapest checks first:
    storage may not have enforced it), or None if it is gone."""
    if size == 0:
        return Outcome(reason="EMPTY")
    if size > MAX_BYTES:
        # A phone's HEIC photo is usually also too big: its first bytes say so, and HEIC advice helps more.
        head = storage.read_upload(key, SNIFF_BYTES - 1) if sniff else None
        found = sniff(head) if sniff and head else None
        if found:
            return Outcome(reason="UNSUPPORTED_FORMAT", reason_found=found)
        return Outcome(reason="TOO_LARGE")
    return storage.read_upload(key, MAX_BYTES)


def _settled_or_orphan(snap: Snapshot | None, image_id: str, key: str, copies: str, delete: bool = True) -> str:
    """A delivery that finds its image settled or gone: nothing to record. It sweeps what an earlier
    attempt left (a redelivery is what follows one that died), unless the image still waits for an
    attempt under way, whose copy is not recorded yet."""
    image = snap.image(image_id) if snap else None
    if delete:
        storage.delete_upload(key)  # idempotent: nothing else will ever read this object
    if processing.waiting(snap, image_id, key) is None:
        storage.sweep_image(copies, keep=image.object_key if image and image.upload_key == key else None)
    return "duplicate" if image and image.upload_key == key else "orphan"
