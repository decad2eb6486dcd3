"""An application's partition: the application item, its images, seats and audit trail, read as one
Snapshot; registration, and the lists (a candidate's, a queue, a site's, a lookup).
Request builders (`*_item`, `*_items`, `*_request`) are pure and take the table name, so tests assert
them exactly."""

from __future__ import annotations

import secrets
from dataclasses import fields
from typing import Any

from core.db import calls, keys
from core.db.items import TTL_GRACE, from_item, keep, retain, to_item
from core.db.keys import key
from core.db.wire import clean, encode
from core.models import (
    Application,
    AuditEntry,
    Image,
    ImageStatus,
    Level,
    Seat,
    Snapshot,
)

# Attributes a Plan may change on the application item: all but its id, its creation time and what the
# registration system owns (those never change).
APP_MUTABLE = tuple(f for f in fields(Application) if f.name not in ("id", "created_at", *Application.REGISTRATION))


# ---------------------------------------------------------------- items (pure)

def application_item(app: Application) -> dict:
    return clean({"PK": keys.app_pk(app.id), "SK": keys.APP, "kind": "application", **keys.candidate_keys(app),
                  **to_item(app), **keys.queue_keys(app), **keys.site_keys(app)})


def application_from(item: dict) -> Application:
    return from_item(Application, item)


def _expiring(item: dict, expires_at: int | None) -> dict:
    """A reservation's item goes by itself a day after the reservation does (TTL)."""
    return clean({**item, "ttl": expires_at + TTL_GRACE}) if expires_at else clean(item)


def image_item(app_id: str, image: Image) -> dict:
    item = {"PK": keys.app_pk(app_id), "SK": keys.image_sk(image.image_id), "kind": "image", **to_item(image)}
    return _expiring(item, image.expires_at if image.status is ImageStatus.PENDING else None)


def image_from(item: dict) -> Image:
    return from_item(Image, item)


def seat_item(app_id: str, seat: Seat) -> dict:
    item = {"PK": keys.app_pk(app_id), "SK": keys.seat_sk(seat.material_type, seat.index), "kind": "seat",
            **to_item(seat)}
    return _expiring(item, seat.expires_at)


def seat_from(item: dict) -> Seat:
    return from_item(Seat, item)


def audit_item(app_id: str, entry: AuditEntry) -> dict:
    return clean({"PK": keys.app_pk(app_id), "SK": keys.trail_sk(entry.at, secrets.token_hex(4)), "kind": "audit",
                  **to_item(entry)})


def audit_from(item: dict) -> AuditEntry:
    return from_item(AuditEntry, item)


def snapshot_from(items: list[dict]) -> Snapshot | None:
    app = None
    snap_images, seats, audit = [], [], []
    for item in items:
        kind = item.get("kind")
        if kind == "application":
            app = application_from(item)
        elif kind == "image":
            snap_images.append(image_from(item))
        elif kind == "seat":
            seats.append(seat_from(item))
        elif kind == "audit":
            audit.append(audit_from(item))
    if app is None:
        return None
    snap_images.sort(key=lambda i: (i.uploaded_at, i.image_id))
    return Snapshot(application=app, images=snap_images, seats=seats, audit=audit)


# ---------------------------------------------------------------- requests (pure)

def registered_item(app: Application) -> dict:
    """The person's one application of the exam year: created with it, only if there is none."""
    return {"PK": keys.registered_pk(app.exam_year, app.id_number), "SK": keys.REG, "kind": "registered",
            "applicationId": app.id}


def create_items(app: Application, entry: AuditEntry, table: str, until: int | None = None) -> list[dict]:
    """Registration: the application and the person's one application of the year (both only if new),
    its audit entry, and the office's lookups."""
    items = [{"Put": {"TableName": table, "Item": encode(application_item(app)),
                      "ConditionExpression": "attribute_not_exists(PK)"}},
             {"Put": {"TableName": table, "Item": encode(registered_item(app)),
                      "ConditionExpression": "attribute_not_exists(PK)"}},
             {"Put": {"TableName": table, "Item": encode(audit_item(app.id, entry))}}]
    for pk in keys.lookup_pks(app):
        items.append({"Put": {"TableName": table, "Item": encode(
            {"PK": pk, "SK": keys.app_pk(app.id), "kind": "lookup", "applicationId": app.id})}})
    return retain(items, until)


def partition_request(app_id: str, with_audit: bool, table: str) -> dict:
    request: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "PK = :pk",
                               "ExpressionAttributeValues": {":pk": {"S": keys.app_pk(app_id)}}}
    if not with_audit:
        request["KeyConditionExpression"] += " AND SK < :trail"
        request["ExpressionAttributeValues"][":trail"] = {"S": keys.TRAIL}
    return request


def queue_request(level: Level, scope: str, limit: int, table: str) -> dict:
    return {"TableName": table, "IndexName": "ReviewQueue", "KeyConditionExpression": "QueuePK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.queue_pk(level, scope)}}, "Limit": limit,
            "ScanIndexForward": True}


def site_request(site: str, status: str | None, table: str) -> dict:
    request: dict[str, Any] = {"TableName": table, "IndexName": "BySite", "KeyConditionExpression": "SitePK = :pk",
                               "ExpressionAttributeValues": {":pk": {"S": keys.site_pk(site)}}}
    if status:
        request["KeyConditionExpression"] += " AND begins_with(SiteSK, :status)"
        request["ExpressionAttributeValues"][":status"] = {"S": keys.site_sk_prefix(status)}
    return request


# ---------------------------------------------------------------- operations

def load(app_id: str, with_audit: bool = True) -> Snapshot | None:
    """The whole partition of one application (without its audit trail if not asked for): one Query,
    more pages only past 1 MB."""
    return snapshot_from(calls.query_all(partition_request(app_id, with_audit, calls.table())))


def get_application(app_id: str) -> Application | None:
    """The application item alone (the status poll's one GetItem)."""
    item = calls.get(keys.app_pk(app_id), keys.APP)
    return application_from(item) if item else None


def get_applications(app_ids: list[str]) -> list[Application]:
    """Several application items by id (search results), in the order asked."""
    ids = list(dict.fromkeys(app_ids))
    found = {a.id: a for a in map(application_from, calls.batch_get([key(keys.app_pk(i), keys.APP) for i in ids]))}
    return [found[i] for i in ids if i in found]


def create_application(app: Application, entry: AuditEntry) -> None:
    """Register an application; raises Conflict if it, or another of the person in its exam year, exists
    (the registration's decider looks at which: core.transact)."""
    calls.write_transaction(create_items(app, entry, calls.table(), keep(app.exam_year)))


def registered_as(exam_year: int, id_number: str) -> str | None:
    """The application the person registered in this exam year, if any."""
    item = calls.get(keys.registered_pk(exam_year, id_number), keys.REG, consistent=True)
    return str(item["applicationId"]) if item else None


def list_applications(candidate_id: str) -> list[Application]:
    """A candidate's applications, newest exam year first (R2)."""
    return [application_from(i) for i in calls.query_all({
        "TableName": calls.table(), "IndexName": "ByCandidate", "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": keys.candidate_pk(candidate_id)}}, "ScanIndexForward": False})]


def queue_page(level: Level, scope: str, limit: int, start: dict | None) -> tuple[list[Application], dict | None]:
    """One page of a review queue, oldest first (R15), from the sparse ReviewQueue index."""
    items, last = calls.page(queue_request(level, scope, limit, calls.table()), limit, start)
    return [application_from(i) for i in items], last


def site_page(site: str, status: str | None, limit: int, start: dict | None) -> tuple[list[dict], dict | None]:
    """One page of a site's applications (BySite index, projected fields only), by status then id."""
    return calls.page(site_request(site, status, calls.table()), limit, start)


def site_all(site: str) -> list[dict]:
    """Every application of a site (projected fields only): the season's counts."""
    return calls.query_all(site_request(site, None, calls.table()))


def _lookup(pk: str) -> list[str]:
    items = calls.query_all({"TableName": calls.table(), "KeyConditionExpression": "PK = :pk",
                             "ExpressionAttributeValues": {":pk": {"S": pk}}})
    return [i["applicationId"] for i in items]


def by_id_number(id_number: str) -> list[str]:
    """Application ids registered under this identity number (the lookup items of registration)."""
    return _lookup(keys.id_number_pk(id_number))


def by_name(name: str) -> list[str]:
    """Application ids registered under this candidate name."""
    return _lookup(keys.name_pk(name))
