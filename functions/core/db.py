"""The only module that talks to DynamoDB.

Key design (one table; see README "DynamoDB key design"):

| item          | PK                 | SK                         | GSI keys |
|---------------|--------------------|----------------------------|----------|
| application   | APP#{id}           | APP                        | GSI1PK=CAND#{candidateId}, GSI1SK={examYear}#{id} (ByCandidate); QueuePK=QUEUE#SITE#{site} or QUEUE#REGION#{region}, QueueSK={readyAt}#{id} (ReviewQueue, sparse: only while waiting) |
| image         | APP#{id}           | IMG#{imageId}              | |
| seat          | APP#{id}           | SEAT#{type}#{n}            | one per place in a slot, n < maxCount |
| audit entry   | APP#{id}           | TRAIL#{at}#{rand}          | sorts last: decisions read the partition without the trail |

Everything about one application lives in its partition, so the candidate's page is one Query.
Builders (`*_item`, `_plan_items`) are pure; `commit` executes a Plan as one transaction.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from functools import lru_cache

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from core.errors import DomainError
from core.models import (
    Application,
    AppStatus,
    AuditEntry,
    Image,
    ImageStatus,
    Seat,
    Snapshot,
)
from core.plan import Plan
from core.settings import settings

_ser = TypeSerializer()
_de = TypeDeserializer()


class Conflict(Exception):
    """A transaction's condition failed or it collided with another one: reload and decide again."""


@lru_cache(maxsize=1)
def _client():
    # Standard retry mode retries throttling with backoff; endpoint comes from AWS_ENDPOINT_URL locally.
    return boto3.client("dynamodb", config=Config(retries={"max_attempts": 5, "mode": "standard"}))


def reset_client() -> None:
    _client.cache_clear()


def _table() -> str:
    return settings().table_name


# ---------------------------------------------------------------- encoding (pure)

def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _encode(d: dict) -> dict:
    return {k: _ser.serialize(v) for k, v in _clean(d).items()}


def _plain(v):
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _decode(item: dict) -> dict:
    return {k: _plain(_de.deserialize(v)) for k, v in item.items()}


def app_pk(app_id: str) -> str:
    return f"APP#{app_id}"


def queue_keys(app: Application) -> dict:
    """The sparse ReviewQueue index entry: present only while the application waits for a review (R15)."""
    if app.queue == "SITE":
        return {"QueuePK": f"QUEUE#SITE#{app.site}", "QueueSK": f"{app.ready_at}#{app.id}"}
    if app.queue == "REGION":
        return {"QueuePK": f"QUEUE#REGION#{app.region}", "QueueSK": f"{app.ready_at}#{app.id}"}
    return {}


def queue_pk(level: str, scope: str) -> str:
    return f"QUEUE#{level}#{scope}"


_APP_FIELDS = {
    "candidate_id": "candidateId", "region": "region", "site": "site", "category": "category",
    "exam_year": "examYear", "status": "status", "version": "version", "created_at": "createdAt",
    "updated_at": "updatedAt", "ready_at": "readyAt", "queue": "queue", "site_decision": "siteDecision",
    "region_decision": "regionDecision", "claimed_by": "claimedBy", "claim_expires_at": "claimExpiresAt",
}
# Attributes a Plan may change on the application item (the registration fields never change).
_APP_MUTABLE = ("status", "version", "updated_at", "ready_at", "queue", "site_decision", "region_decision",
                "claimed_by", "claim_expires_at")

_IMAGE_FIELDS = {
    "material_type": "materialType", "status": "status", "version": "version", "seat": "seat",
    "upload_key": "uploadKey", "uploaded_at": "uploadedAt", "expires_at": "expiresAt",
    "content_type": "contentType", "file_name": "fileName", "object_key": "objectKey", "width": "width",
    "height": "height", "bytes": "bytes", "sha256": "sha256", "processing_ms": "processingMs",
    "processed_at": "processedAt", "reason": "reason", "reason_found": "reasonFound",
    "review_reason_code": "reviewReasonCode", "review_note": "reviewNote", "decided_at": "decidedAt",
    "decided_by": "decidedBy",
}

_AUDIT_FIELDS = {
    "at": "at", "actor": "actor", "role": "role", "action": "action", "from_status": "from",
    "to_status": "to", "image_id": "imageId", "material_type": "materialType", "note": "note",
    "reason_code": "reasonCode", "level": "level",
}

# The audit trail's sort-key prefix sorts after APP, IMG# and SEAT#, so a decision can read everything
# it needs with `SK < TRAIL` and leave the ever-growing trail out of its read (and its RCUs).
TRAIL = "TRAIL#"

# A PENDING reservation that is never uploaded is swept by DynamoDB TTL a day later; correctness
# never depends on that (expired reservations are treated as free by the conditions themselves).
_TTL_GRACE = 86400


def application_item(app: Application) -> dict:
    item = {"PK": app_pk(app.id), "SK": "APP", "kind": "application", "id": app.id,
            "GSI1PK": f"CAND#{app.candidate_id}", "GSI1SK": f"{app.exam_year:04d}#{app.id}"}
    item.update({attr: getattr(app, name) for name, attr in _APP_FIELDS.items()})
    item.update(queue_keys(app))
    return _clean(item)


def application_from(item: dict) -> Application:
    values = {name: item.get(attr) for name, attr in _APP_FIELDS.items()}
    values["status"] = AppStatus(values["status"])
    return Application(id=item["id"], **{k: v for k, v in values.items() if v is not None})


def image_item(app_id: str, image: Image) -> dict:
    item = {"PK": app_pk(app_id), "SK": f"IMG#{image.image_id}", "kind": "image", "imageId": image.image_id}
    item.update({attr: getattr(image, name) for name, attr in _IMAGE_FIELDS.items()})
    if image.status is ImageStatus.PENDING and image.expires_at:
        item["ttl"] = image.expires_at + _TTL_GRACE
    return _clean(item)


def image_from(item: dict) -> Image:
    values = {name: item.get(attr) for name, attr in _IMAGE_FIELDS.items()}
    values["status"] = ImageStatus(values["status"])
    return Image(image_id=item["imageId"], **values)


def seat_item(app_id: str, seat: Seat) -> dict:
    item = {"PK": app_pk(app_id), "SK": f"SEAT#{seat.material_type}#{seat.index}", "kind": "seat",
            "materialType": seat.material_type, "index": seat.index, "imageId": seat.image_id,
            "expiresAt": seat.expires_at}
    if seat.expires_at:
        item["ttl"] = seat.expires_at + _TTL_GRACE
    return _clean(item)


def seat_from(item: dict) -> Seat:
    return Seat(material_type=item["materialType"], index=item["index"], image_id=item["imageId"],
                expires_at=item.get("expiresAt"))


def audit_item(app_id: str, entry: AuditEntry) -> dict:
    item = {"PK": app_pk(app_id), "SK": f"{TRAIL}{entry.at}#{secrets.token_hex(4)}", "kind": "audit"}
    item.update({attr: getattr(entry, name) for name, attr in _AUDIT_FIELDS.items()})
    return _clean(item)


def audit_from(item: dict) -> AuditEntry:
    return AuditEntry(**{name: item.get(attr) for name, attr in _AUDIT_FIELDS.items()})


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


# ---------------------------------------------------------------- transaction building (pure)

def _key(pk: str, sk: str) -> dict:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _app_update(plan: Plan) -> dict:
    """SET/REMOVE the application's changed attributes, conditional on the version the plan was made from."""
    before, after = plan.before, plan.after
    sets, removes, values, names = [], [], {}, {}
    for i, name in enumerate(_APP_MUTABLE):
        value, previous = getattr(after, name), getattr(before, name)
        if value == previous and name != "version":
            continue
        if value is None:
            removes.append(f"#a{i}")
        else:
            sets.append(f"#a{i} = :a{i}")
            values[f":a{i}"] = _ser.serialize(_plain(value))
        names[f"#a{i}"] = _APP_FIELDS[name]
    old_q, new_q = queue_keys(before), queue_keys(after)
    for attr in ("QueuePK", "QueueSK"):
        if new_q.get(attr) == old_q.get(attr):
            continue
        names[f"#{attr}"] = attr
        if attr in new_q:
            sets.append(f"#{attr} = :{attr}")
            values[f":{attr}"] = {"S": new_q[attr]}
        else:
            removes.append(f"#{attr}")
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    names["#v"] = "version"
    values[":expected"] = {"N": str(before.version)}
    condition = "#v = :expected"
    if plan.claim_holder:
        names.update({"#cb": "claimedBy", "#ce": "claimExpiresAt"})
        values.update({":holder": {"S": plan.claim_holder}, ":now": {"N": str(plan.now)}})
        condition += " AND #cb = :holder AND #ce > :now"
    return {"Update": {
        "TableName": _table(), "Key": _key(app_pk(after.id), "APP"), "UpdateExpression": expression,
        "ConditionExpression": condition, "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }}


def _versioned(expected: int | None) -> dict:
    if expected is None:
        return {"ConditionExpression": "attribute_not_exists(PK)"}
    return {"ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": {"N": str(expected)}}}


def plan_items(plan: Plan) -> list[dict]:
    app_id = plan.after.id
    table = _table()
    items: list[dict] = [_app_update(plan)]
    for image, expected in plan.put_images:
        items.append({"Put": {"TableName": table, "Item": _encode(image_item(app_id, image)), **_versioned(expected)}})
    for image in plan.delete_images:
        items.append({"Delete": {"TableName": table, "Key": _key(app_pk(app_id), f"IMG#{image.image_id}"),
                                 **_versioned(image.version)}})
    for seat in plan.take_seats:
        # The slot-capacity invariant lives in this condition (issue 3): a place is free if nobody
        # holds it, or if the reservation holding it expired unused — no background job needed.
        items.append({"Put": {
            "TableName": table, "Item": _encode(seat_item(app_id, seat)),
            "ConditionExpression": "attribute_not_exists(PK) OR expiresAt <= :now",
            "ExpressionAttributeValues": {":now": {"N": str(plan.now)}},
        }})
    for seat in plan.keep_seats:
        items.append({"Update": {
            "TableName": table, "Key": _key(app_pk(app_id), f"SEAT#{seat.material_type}#{seat.index}"),
            "UpdateExpression": "REMOVE expiresAt, #ttl", "ConditionExpression": "imageId = :image",
            "ExpressionAttributeNames": {"#ttl": "ttl"},
            "ExpressionAttributeValues": {":image": {"S": seat.image_id}},
        }})
    for seat in plan.release_seats:
        items.append({"Delete": {
            "TableName": table, "Key": _key(app_pk(app_id), f"SEAT#{seat.material_type}#{seat.index}"),
            "ConditionExpression": "imageId = :image", "ExpressionAttributeValues": {":image": {"S": seat.image_id}},
        }})
    for entry in plan.audit:
        items.append({"Put": {"TableName": table, "Item": _encode(audit_item(app_id, entry))}})
    return items


# ---------------------------------------------------------------- operations

def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if code in ("TransactionCanceledException", "ConditionalCheckFailedException", "TransactionConflictException"):
            raise Conflict(code) from e
        if code in ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                    "InternalServerError", "ServiceUnavailable"):
            raise DomainError("TRY_AGAIN", code) from e
        raise


def commit(plan: Plan) -> None:
    """Write a Plan as one transaction; raises Conflict if any condition no longer holds."""
    _call(_client().transact_write_items, TransactItems=plan_items(plan))


def load(app_id: str, with_audit: bool = True) -> Snapshot | None:
    """The whole partition of one application (without its audit trail if not asked for): one Query,
    more pages only past 1 MB."""
    items, start = [], None
    while True:
        kwargs = {"TableName": _table(), "KeyConditionExpression": "PK = :pk",
                  "ExpressionAttributeValues": {":pk": {"S": app_pk(app_id)}}}
        if not with_audit:
            kwargs["KeyConditionExpression"] += " AND SK < :trail"
            kwargs["ExpressionAttributeValues"][":trail"] = {"S": TRAIL}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = _call(_client().query, **kwargs)
        items.extend(_decode(i) for i in page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return snapshot_from(items)


def claim(app_id: str, status: str, queue: str, reviewer: str, expires_at: int, now: int, entry: AuditEntry) -> None:
    """Take or renew the review lease: only if nobody else holds a live one (issue 6). Raises Conflict."""
    _call(_client().transact_write_items, TransactItems=[
        {"Update": {
            "TableName": _table(), "Key": _key(app_pk(app_id), "APP"),
            "UpdateExpression": "SET #cb = :me, #ce = :exp",
            "ConditionExpression": "#s = :status AND #q = :queue"
                                   " AND (attribute_not_exists(#cb) OR #cb = :me OR #ce <= :now)",
            "ExpressionAttributeNames": {"#cb": "claimedBy", "#ce": "claimExpiresAt", "#s": "status", "#q": "queue"},
            "ExpressionAttributeValues": {":me": {"S": reviewer}, ":exp": {"N": str(expires_at)},
                                          ":now": {"N": str(now)}, ":status": {"S": status}, ":queue": {"S": queue}},
        }},
        {"Put": {"TableName": _table(), "Item": _encode(audit_item(app_id, entry))}},
    ])


def release(app_id: str, reviewer: str, now: int, entry: AuditEntry) -> None:
    """Give a live lease back. Raises Conflict unless the caller holds it."""
    _call(_client().transact_write_items, TransactItems=[
        {"Update": {
            "TableName": _table(), "Key": _key(app_pk(app_id), "APP"),
            "UpdateExpression": "REMOVE #cb, #ce",
            "ConditionExpression": "#cb = :me AND #ce > :now",
            "ExpressionAttributeNames": {"#cb": "claimedBy", "#ce": "claimExpiresAt"},
            "ExpressionAttributeValues": {":me": {"S": reviewer}, ":now": {"N": str(now)}},
        }},
        {"Put": {"TableName": _table(), "Item": _encode(audit_item(app_id, entry))}},
    ])


def get_application(app_id: str) -> Application | None:
    """The application item alone (the status poll's one GetItem)."""
    item = _call(_client().get_item, TableName=_table(), Key=_key(app_pk(app_id), "APP")).get("Item")
    return application_from(_decode(item)) if item else None


def create_application(app: Application, entry: AuditEntry) -> bool:
    """Register an application; False if it already exists (the caller compares the data)."""
    try:
        _call(_client().transact_write_items, TransactItems=[
            {"Put": {"TableName": _table(), "Item": _encode(application_item(app)),
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": _table(), "Item": _encode(audit_item(app.id, entry))}},
        ])
        return True
    except Conflict:
        return False


def list_applications(candidate_id: str) -> list[Application]:
    """A candidate's applications, newest exam year first (R2)."""
    apps, start = [], None
    while True:
        kwargs = {"TableName": _table(), "IndexName": "ByCandidate", "KeyConditionExpression": "GSI1PK = :pk",
                  "ExpressionAttributeValues": {":pk": {"S": f"CAND#{candidate_id}"}}, "ScanIndexForward": False}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = _call(_client().query, **kwargs)
        apps.extend(application_from(_decode(i)) for i in page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return apps


def queue_page(level: str, scope: str, limit: int, start: dict | None) -> tuple[list[Application], dict | None]:
    """One page of a review queue, oldest first (R15), from the sparse ReviewQueue index."""
    kwargs = {"TableName": _table(), "IndexName": "ReviewQueue", "KeyConditionExpression": "QueuePK = :pk",
              "ExpressionAttributeValues": {":pk": {"S": queue_pk(level, scope)}}, "Limit": limit,
              "ScanIndexForward": True}
    if start:
        kwargs["ExclusiveStartKey"] = {k: {"S": v} for k, v in start.items()}
    page = _call(_client().query, **kwargs)
    apps = [application_from(_decode(i)) for i in page.get("Items", [])]
    last = page.get("LastEvaluatedKey")
    return apps, ({k: v["S"] for k, v in last.items()} if last else None)
