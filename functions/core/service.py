"""The use cases the handlers call: read a fresh snapshot, let the pure domain decide, commit the
decision as one conditional transaction, and decide again from a fresh read if another writer got
there first. Side effects on S3 happen only after the decision is committed."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable

from aws_lambda_powertools import Logger

from core import db, storage, uploads
from core.access import visible
from core.catalog import MAX_BYTES, catalog
from core.clock import now as clock
from core.errors import DomainError
from core.identity import Caller
from core.keys import material_key
from core.models import Application, AppStatus, AuditEntry, Image, Snapshot
from core.plan import Plan
from core.settings import settings

logger = Logger(child=True)

ATTEMPTS = 8


def apply(app_id: str, decide: Callable[[Snapshot | None], Plan | None]) -> Plan | None:
    """Optimistic concurrency: a lost race is retried from a fresh read, never merged blindly."""
    for attempt in range(ATTEMPTS):
        plan = decide(db.load(app_id))
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
        storage.delete_upload(image.upload_key)
        storage.delete_material(image.object_key or material_key(app_id, image.material_type, image.image_id))
