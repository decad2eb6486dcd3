"""The use cases the handlers call: read a fresh snapshot, let the pure domain decide, commit the
decision as one conditional transaction, and decide again from a fresh read if another writer got
there first. Side effects on S3 happen only after the decision is committed."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import replace

from aws_lambda_powertools import Logger

from core import db, page, processing, review, storage, uploads, views
from core.access import visible
from core.catalog import MAX_BYTES, catalog
from core.clock import now as clock
from core.errors import DomainError
from core.identity import Caller
from core.keys import material_key, parse_upload_key
from core.models import Application, AppStatus, AuditEntry, Image, Snapshot
from core.plan import Plan
from core.settings import settings

logger = Logger(child=True)

ATTEMPTS = 8


def apply(app_id: str, decide: Callable[[Snapshot | None], Plan | None], with_audit: bool = False,
          read: Snapshot | None = None) -> Plan | None:
    """Optimistic concurrency: a lost race is retried from a fresh read, never merged blindly.
    `read`: a snapshot the caller already has, tried first (the version condition catches it if stale)."""
    for attempt in range(ATTEMPTS):
        snap = read if attempt == 0 and read is not None else db.load(app_id, with_audit)
        plan = decide(snap)
        if plan is None:
            return None
        try:
            db.commit(plan)
            return plan
        except db.Conflict:
            logger.info("write conflict, deciding again", extra={"application": app_id, "attempt": attempt})
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # jitter spreads out colliding writers
    raise DomainError("TRY_AGAIN", "too many concurrent changes")


# ---------------------------------------------------------------- registration (registrar)

def register(app_id: str, reg: dict) -> tuple[Application, bool]:
    """Idempotent intake from the registration system: 201 the first time, 200 for the same data again."""
    known_region = catalog().site_region(reg["site"])
    if known_region is not None and known_region != reg["region"]:
        raise DomainError("INVALID_REQUEST", f"site {reg['site']} belongs to region {known_region}")
    _, at = clock()
    app = Application(id=app_id, candidate_id=reg["candidateId"], region=reg["region"], site=reg["site"],
                      category=reg["category"], exam_year=reg["examYear"], status=AppStatus.DRAFT, version=1,
                      created_at=at, updated_at=at)
    entry = AuditEntry(at=at, actor="registration", role="registrar", action="registered", to_status=AppStatus.DRAFT)
    if db.create_application(app, entry):
        return app, True
    existing = db.get_application(app_id)
    if existing is None:  # created and removed in between: let the client retry
        raise DomainError("TRY_AGAIN")
    if existing.registration() != app.registration():
        raise DomainError("APPLICATION_EXISTS")
    return existing, False


def application(caller: Caller, app_id: str) -> Application:
    return visible(caller, db.get_application(app_id))


def my_applications(caller: Caller) -> list[Application]:
    return db.list_applications(caller.sub)


def materials_page(caller: Caller, app_id: str, with_identities: bool = False) -> dict:
    """The whole upload page: one Query on the application's partition, URLs signed locally."""
    snap = db.load(app_id)
    visible(caller, snap.application if snap else None)
    now, _ = clock()
    return page.page(snap, now, storage.material_url, storage.sample_url, with_identities)


# ---------------------------------------------------------------- uploads (candidate)

def reserve_upload(caller: Caller, app_id: str, material_type: str, content_type: str, size: int | None,
                   file_name: str | None) -> dict:
    image_id = secrets.token_urlsafe(16)  # unguessable: it is part of the upload key
    ttl = settings().upload_url_ttl
    reserved: dict[str, Image] = {}

    def decide(snap):
        now, at = clock()
        plan, image = uploads.reserve(snap, caller, material_type, content_type, size, file_name, image_id, now, at, ttl)
        reserved["image"] = image
        return plan

    apply(app_id, decide)
    image = reserved["image"]
    post = storage.presigned_post(image.upload_key, content_type, MAX_BYTES, ttl)
    return {"imageId": image.image_id, "upload": {"url": post["url"], "fields": post["fields"]},
            "expiresAt": image.expires_at, "maxBytes": MAX_BYTES, "materialType": image.material_type}


def delete_image(caller: Caller, app_id: str, material_type: str, image_id: str) -> None:
    def decide(snap):
        now, at = clock()
        return uploads.delete(snap, caller, material_type, image_id, now, at)

    plan = apply(app_id, decide)
    # Only once the record is gone: the objects of an image that won a race to approval must stay.
    for image in plan.delete_images:
        storage.discard(image.upload_key, image.object_key or material_key(app_id, image.material_type, image.image_id))


# ---------------------------------------------------------------- processing (process_image)

def short_reference(app_id: str) -> str:
    """The application reference drawn in the watermark (R7): traceable, short, no personal data."""
    return hashlib.sha256(app_id.encode()).hexdigest()[:8].upper()


def process_upload(key: str, transform: Callable[[bytes, str], tuple[bytes | None, processing.Outcome]]) -> str:
    """Turn one uploaded object into a SUBMITTED (watermarked) or INVALID image, exactly once.

    Returns what happened: "submitted", "invalid", "duplicate" or "orphan". Transient failures
    (S3, DynamoDB) raise, so the queue delivers the message again; nothing is half-written: the
    watermarked copy is stored before the record that points at it, and removed again if the
    record could not take it."""
    parsed = parse_upload_key(key)
    if parsed is None:
        logger.warning("not an upload key, ignored", extra={"key": key})
        return "orphan"
    app_id, _, image_id = parsed
    snap = db.load(app_id, with_audit=False)
    if processing.waiting(snap, image_id, key) is None:
        return _settled_or_orphan(snap, image_id, key)
    head = storage.head_upload(key)
    if head is None:  # already processed and removed by an earlier delivery
        return _settled_or_orphan(db.load(app_id, with_audit=False), image_id, key)
    started = time.perf_counter()
    if head.size == 0 or head.size > MAX_BYTES:
        # Cheapest check first, from the object's metadata: storage may not have enforced the size.
        jpeg, outcome = None, processing.Outcome(reason="EMPTY" if head.size == 0 else "TOO_LARGE")
    else:
        data = storage.read_upload(key, MAX_BYTES)
        if data is None:
            return _settled_or_orphan(db.load(app_id, with_audit=False), image_id, key)
        jpeg, outcome = transform(data, short_reference(app_id))
    stored = None
    if jpeg is not None:
        stored = material_key(app_id, snap.image(image_id).material_type, image_id)
        storage.put_material(stored, jpeg)
        outcome = replace(outcome, object_key=stored)
    outcome = replace(outcome, processing_ms=round((time.perf_counter() - started) * 1000))
    final: dict = {}

    def decide(current):
        now, at = clock()
        final["image"] = current.image(image_id) if current else None
        return processing.record(current, image_id, key, outcome, now, at)

    plan = apply(app_id, decide, read=snap)  # the read from before processing: no second Query if unchanged
    if plan is None:
        winner = final.get("image")
        if stored and not (winner and winner.object_key == stored):
            storage.delete_material(stored)  # the reservation was deleted or replaced meanwhile
        storage.delete_upload(key)
        return "duplicate" if winner and winner.upload_key == key else "orphan"
    storage.delete_upload(key)
    return "invalid" if outcome.reason else "submitted"


def _settled_or_orphan(snap: Snapshot | None, image_id: str, key: str) -> str:
    image = snap.image(image_id) if snap else None
    storage.delete_upload(key)  # idempotent: nothing else will ever read this object
    return "duplicate" if image and image.upload_key == key else "orphan"


# ---------------------------------------------------------------- review (review)

def _queue_of(caller: Caller, level: str | None) -> tuple[str, str]:
    wanted = (level or "").upper() or ("SITE" if caller.has("site_reviewer") else "REGION")
    if wanted == "SITE" and caller.has("site_reviewer") and caller.site:
        return "SITE", caller.site
    if wanted == "REGION" and caller.has("region_reviewer") and caller.region:
        return "REGION", caller.region
    raise DomainError("FORBIDDEN", f"no {wanted.lower()} review scope in this sign-in")


def _cursor_out(queue: str, last: dict | None) -> str | None:
    if not last:
        return None
    return base64.urlsafe_b64encode(json.dumps({"q": queue, "k": last}).encode()).decode().rstrip("=")


def _cursor_in(queue: str, cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data["q"] != queue or not all(isinstance(v, str) for v in data["k"].values()):
            raise ValueError
        return data["k"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise DomainError("INVALID_REQUEST", "cursor is not one this queue issued") from None


def review_queue(caller: Caller, level: str | None, limit: int, cursor: str | None) -> dict:
    """The caller's queue, oldest first (R15), one index Query per page."""
    level, scope = _queue_of(caller, level)
    queue = db.queue_pk(level, scope)
    apps, last = db.queue_page(level, scope, limit, _cursor_in(queue, cursor))
    now, _ = clock()
    return {"level": level, "items": [views.queue_item(a, now) for a in apps], "nextCursor": _cursor_out(queue, last)}


def claim(caller: Caller, app_id: str) -> dict:
    for _ in range(3):
        app = review.in_scope(caller, db.get_application(app_id))
        level = review.claimable(caller, app)
        now, at = clock()
        if app.claimed_by and app.claimed_by != caller.sub and (app.claim_expires_at or 0) > now:
            raise DomainError("CLAIMED_BY_OTHER")
        expires = now + settings().claim_ttl
        entry = AuditEntry(at=at, actor=caller.sub, role=review.ROLE_OF_LEVEL[level], action="claimed", level=level.value)
        try:
            db.claim(app_id, app.status, level.value, caller.sub, expires, now, entry)
            return {"claimedBy": caller.sub, "expiresAt": expires, "level": level.value}
        except db.Conflict:
            continue  # someone else moved first: look again, the next read says who
    raise DomainError("TRY_AGAIN")


def release(caller: Caller, app_id: str) -> None:
    app = review.in_scope(caller, db.get_application(app_id))
    now, at = clock()
    if app.claimed_by != caller.sub or (app.claim_expires_at or 0) <= now:
        raise DomainError("NOT_CLAIMED")
    entry = AuditEntry(at=at, actor=caller.sub, role="reviewer", action="claim_released")
    try:
        db.release(app_id, caller.sub, now, entry)
    except db.Conflict:
        raise DomainError("NOT_CLAIMED") from None


def decide_image(caller: Caller, app_id: str, image_id: str, decision: str, version: int,
                 reason_code: str | None, note: str | None) -> dict:
    def decide(snap):
        now, at = clock()
        return review.decide_image(snap, caller, image_id, decision, version, reason_code, note, now, at)

    plan = apply(app_id, decide, with_audit=True)  # the trail tells a replaced image from an unknown one
    image = plan.put_images[0][0]
    return {"imageId": image.image_id, "status": image.status.value, "locked": image.locked, "version": image.version,
            "applicationVersion": plan.after.version}


def decide_application(caller: Caller, app_id: str, decision: str, version: int, comment: str | None) -> dict:
    def decide(snap):
        now, at = clock()
        return review.decide_application(snap, caller, decision, version, comment, now, at)

    return views.application_view(apply(app_id, decide).after)


def set_phase(caller: Caller, app_id: str, status: str) -> dict:
    def decide(snap):
        now, at = clock()
        return review.set_phase(snap, caller, status, now, at)

    return views.application_view(apply(app_id, decide).after)


def review_page(caller: Caller, app_id: str) -> dict:
    snap = db.load(app_id)
    review.in_scope(caller, snap.application if snap else None)
    now, _ = clock()
    out = page.page(snap, now, storage.material_url, storage.sample_url, with_identities=True)
    out["application"].update({"claimedBy": snap.application.claimed_by,
                               "claimExpiresAt": snap.application.claim_expires_at,
                               "readyAt": snap.application.ready_at, "queue": snap.application.queue})
    out["imageHistory"] = review.image_histories(snap)
    out["audit"] = out.pop("timeline")
    return out
