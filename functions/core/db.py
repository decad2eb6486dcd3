"""The only module that talks to DynamoDB.

Key design (one table; see README "DynamoDB key design"):

| item          | PK                 | SK                 | GSI keys |
|---------------|--------------------|--------------------|----------|
| application   | APP#{id}           | APP                | ByCandidate: GSI1PK=CAND#{candidateId}, GSI1SK={examYear}#{id}; ReviewQueue (sparse, only while waiting): QueuePK=QUEUE#{level}#{site or region}, QueueSK={firstReadyAt at that level}#{id}; BySite: SitePK=SITE#{site}, SiteSK={status}#{id} |
| image         | APP#{id}           | IMG#{imageId}      | |
| seat          | APP#{id}           | SEAT#{type}#{n}    | one per place in a slot, n < maxCount |
| audit entry   | APP#{id}           | TRAIL#{at}#{rand}  | sorts last: decisions read the partition without the trail |
| lookup        | IDN#{idNumber} / NAME#{name} | APP#{id} | written once at registration: the office's search by id number or name |
| reference     | REF#{reference}    | REF                | one per watermark, created with attribute_not_exists: unique by condition |
| likeness      | LIKE#{band}        | {appId}#{imageId}  | one per band of an image's perceptual hash: near duplicates by Query |

Everything about one application lives in its partition, so the candidate's page is one Query.
Request builders (`*_item`, `plan_items`, `*_request`) are pure and take the table name, so tests
assert them exactly; the operations below them are the only code that sends anything.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from core.errors import DomainError
from core.likeness import as_int, band_keys
from core.models import (
    Application,
    AppStatus,
    AuditEntry,
    Image,
    ImageStatus,
    Level,
    Request,
    Seat,
    Snapshot,
)
from core.plan import Likeness, Plan, Reference
from core.settings import settings

_ser = TypeSerializer()
_de = TypeDeserializer()


class Conflict(Exception):
    """A condition failed or another transaction got there first: reload and decide again."""


class ReferenceTaken(Conflict):
    """The watermark reference drawn for an image is already someone else's: draw another."""


@lru_cache(maxsize=1)
def client():
    # Standard retry mode retries throttling with backoff; endpoint comes from AWS_ENDPOINT_URL locally.
    return boto3.client("dynamodb", config=Config(retries={"max_attempts": 5, "mode": "standard"}))


def reset_client() -> None:
    client.cache_clear()


def _table() -> str:
    return settings().table_name


# ---------------------------------------------------------------- encoding (pure)

def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != () and v != []}


def encode(d: dict) -> dict:
    return {k: _ser.serialize(v) for k, v in _clean(d).items()}


def _plain(v):
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | set | tuple):
        return [_plain(x) for x in v]
    return v


def decode(item: dict) -> dict:
    """A DynamoDB item as plain Python (numbers as int/float)."""
    return {k: _plain(_de.deserialize(v)) for k, v in item.items()}


def _key(pk: str, sk: str) -> dict:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def app_pk(app_id: str) -> str:
    return f"APP#{app_id}"


def queue_pk(level: Level, scope: str) -> str:
    return f"QUEUE#{level.value}#{scope}"


def queue_keys(app: Application) -> dict:
    """The sparse ReviewQueue entry: present only while the application waits for a review, sorted
    by the first time it became ready at that level (R15)."""
    if app.queue is None:
        return {}
    scope = app.site if app.queue is Level.SITE else app.region
    first = app.first_ready_at(app.queue) or app.ready_at
    return {"QueuePK": queue_pk(app.queue, scope), "QueueSK": f"{first}#{app.id}"}


def site_keys(app: Application) -> dict:
    """BySite: every application of a site, by status (the office's lists and the season's counts)."""
    return {"SitePK": f"SITE#{app.site}", "SiteSK": f"{app.status.value}#{app.id}"}


def lookup_pks(app: Application) -> list[str]:
    return [f"IDN#{app.id_number}", f"NAME#{app.candidate_name}"]


# Application attributes: python name -> DynamoDB attribute.
_APP_FIELDS = {
    "candidate_id": "candidateId", "candidate_name": "candidateName", "id_number": "idNumber",
    "household_region": "householdRegion", "phone": "phone", "region": "region", "site": "site",
    "category": "category", "exam_year": "examYear", "status": "status", "version": "version",
    "created_at": "createdAt", "updated_at": "updatedAt", "ready_at": "readyAt", "queue": "queue",
    "site_first_ready_at": "siteFirstReadyAt", "region_first_ready_at": "regionFirstReadyAt",
    "returns": "returns", "requests": "requests", "site_deciders": "siteDeciders", "image_count": "imageCount",
    "warning_count": "warningCount",
    "site_decision": "siteDecision", "region_decision": "regionDecision", "claimed_by": "claimedBy",
    "claim_expires_at": "claimExpiresAt",
}
# Attributes a Plan may change on the application item (the registration fields never change).
_APP_MUTABLE = ("status", "version", "updated_at", "ready_at", "queue", "site_first_ready_at",
                "region_first_ready_at", "returns", "requests", "site_deciders", "image_count", "warning_count",
                "site_decision",
                "region_decision", "claimed_by", "claim_expires_at")

_IMAGE_FIELDS = {
    "material_type": "materialType", "status": "status", "version": "version", "seat": "seat",
    "upload_key": "uploadKey", "uploaded_at": "uploadedAt", "expires_at": "expiresAt",
    "content_type": "contentType", "file_name": "fileName", "object_key": "objectKey", "width": "width",
    "height": "height", "bytes": "bytes", "sha256": "sha256", "processing_ms": "processingMs",
    "processed_at": "processedAt", "reason": "reason", "reason_found": "reasonFound",
    "review_reason_code": "reviewReasonCode", "review_note": "reviewNote", "decided_at": "decidedAt",
    "decided_by": "decidedBy", "reference": "reference", "quality_warnings": "qualityWarnings", "phash": "phash",
    "duplicate_of": "duplicateOf",
}
_IMAGE_LISTS = ("quality_warnings", "duplicate_of")

_AUDIT_FIELDS = {
    "at": "at", "actor": "actor", "role": "role", "action": "action", "from_status": "from",
    "to_status": "to", "image_id": "imageId", "material_type": "materialType", "note": "note",
    "reason_code": "reasonCode", "level": "level", "count": "count",
}

# The audit trail's sort-key prefix sorts after APP, IMG# and SEAT#, so a decision can read everything
# it needs with `SK < TRAIL` and leave the ever-growing trail out of its read (and its RCUs).
TRAIL = "TRAIL#"

# A PENDING reservation that is never uploaded is swept by DynamoDB TTL a day later; correctness
# never depends on that (expired reservations are treated as free by the conditions themselves).
_TTL_GRACE = 86400
CHINA = timezone(timedelta(hours=8))


def keep_until(exam_year: int, retention_days: int) -> int | None:
    """When an application's records may go (DynamoDB TTL): `retention_days` after the end of its exam
    year, China time; the same instant for every item of the application, so its audit trail never
    outlives or predeceases its images. None: kept for good."""
    if not retention_days:
        return None
    season_end = datetime(exam_year + 1, 1, 1, tzinfo=CHINA).timestamp()
    return int(season_end) + retention_days * 86400


def _retain(items: list[dict], keep: int | None) -> list[dict]:
    """Every item put without a TTL of its own (a PENDING reservation has one) is kept until `keep`."""
    if keep is not None:
        for entry in items:
            put = entry.get("Put")
            if put and "ttl" not in put["Item"]:
                put["Item"]["ttl"] = {"N": str(keep)}
    return items


def _app_value(name: str, value):
    if name == "requests":
        return [asdict(r) for r in value]
    if name == "site_deciders":
        return list(value)
    return value


def application_item(app: Application) -> dict:
    item = {"PK": app_pk(app.id), "SK": "APP", "kind": "application", "id": app.id,
            "GSI1PK": f"CAND#{app.candidate_id}", "GSI1SK": f"{app.exam_year:04d}#{app.id}"}
    item.update({attr: _app_value(name, getattr(app, name)) for name, attr in _APP_FIELDS.items()})
    item.update(queue_keys(app))
    item.update(site_keys(app))
    return _clean(item)


def application_from(item: dict) -> Application:
    values = {name: item.get(attr) for name, attr in _APP_FIELDS.items()}
    values["status"] = AppStatus(values["status"])
    values["queue"] = Level(values["queue"]) if values.get("queue") else None
    values["requests"] = tuple(Request(**r) for r in values.get("requests") or ())
    values["site_deciders"] = tuple(values.get("site_deciders") or ())
    return Application(id=item["id"], **{k: v for k, v in values.items() if v is not None})


def image_item(app_id: str, image: Image) -> dict:
    item = {"PK": app_pk(app_id), "SK": f"IMG#{image.image_id}", "kind": "image", "imageId": image.image_id}
    item.update({attr: getattr(image, name) for name, attr in _IMAGE_FIELDS.items()})
    for name in _IMAGE_LISTS:
        item[_IMAGE_FIELDS[name]] = list(getattr(image, name))
    if image.status is ImageStatus.PENDING and image.expires_at:
        item["ttl"] = image.expires_at + _TTL_GRACE
    return _clean(item)


def image_from(item: dict) -> Image:
    values = {name: item.get(attr) for name, attr in _IMAGE_FIELDS.items()}
    values["status"] = ImageStatus(values["status"])
    for name in _IMAGE_LISTS:
        values[name] = tuple(values[name] or ())
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


def reference_item(ref: Reference) -> dict:
    return {"PK": f"REF#{ref.reference}", "SK": "REF", "kind": "reference", "reference": ref.reference,
            "applicationId": ref.application_id, "imageId": ref.image_id, "materialType": ref.material_type,
            "watermarkedAt": ref.watermarked_at}


def likeness_items(entry: Likeness) -> list[dict]:
    return [{"PK": f"LIKE#{band}", "SK": f"{entry.application_id}#{entry.image_id}", "kind": "likeness",
             "phash": entry.phash, "applicationId": entry.application_id, "imageId": entry.image_id,
             "candidateId": entry.candidate_id} for band in band_keys(as_int(entry.phash))]


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

def _app_update(plan: Plan, table: str, keep: int | None = None) -> dict:
    """SET/REMOVE the application's changed attributes, conditional on the version the plan was made from."""
    before, after = plan.before, plan.after
    sets, removes, values, names = [], [], {}, {}
    for i, name in enumerate(_APP_MUTABLE):
        value, previous = getattr(after, name), getattr(before, name)
        if value == previous and name != "version":
            continue
        names[f"#a{i}"] = _APP_FIELDS[name]
        if value is None or value == ():
            removes.append(f"#a{i}")
        else:
            sets.append(f"#a{i} = :a{i}")
            values[f":a{i}"] = _ser.serialize(_plain(_app_value(name, value)))
    for old, new in ((queue_keys(before), queue_keys(after)), (site_keys(before), site_keys(after))):
        for attr in sorted(set(old) | set(new)):
            if new.get(attr) == old.get(attr):
                continue
            names[f"#{attr}"] = attr
            if attr in new:
                sets.append(f"#{attr} = :{attr}")
                values[f":{attr}"] = {"S": new[attr]}
            else:
                removes.append(f"#{attr}")
    if keep is not None:
        sets.append("#ttl = :keep")
        names["#ttl"], values[":keep"] = "ttl", {"N": str(keep)}
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    names["#v"] = "version"
    values[":expected"] = {"N": str(before.version)}
    condition = "#v = :expected"
    if plan.claim_holder:
        names.update({"#cb": "claimedBy", "#ce": "claimExpiresAt"})
        values.update({":holder": {"S": plan.claim_holder}, ":now": {"N": str(plan.now.seconds)}})
        condition += " AND #cb = :holder AND #ce > :now"
    return {"Update": {
        "TableName": table, "Key": _key(app_pk(after.id), "APP"), "UpdateExpression": expression,
        "ConditionExpression": condition, "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }}


def _versioned(expected: int | None) -> dict:
    if expected is None:
        return {"ConditionExpression": "attribute_not_exists(PK)"}
    return {"ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": {"N": str(expected)}}}


def plan_items(plan: Plan, table: str, keep: int | None = None) -> list[dict]:
    """The Plan as TransactItems, in a fixed order: application, images, seats, references, likeness,
    audit. `keep`: the application's TTL (keep_until), written on everything it puts."""
    app_id = plan.after.id
    items: list[dict] = [_app_update(plan, table, keep)]
    for image, expected in plan.put_images:
        items.append({"Put": {"TableName": table, "Item": encode(image_item(app_id, image)), **_versioned(expected)}})
    for image in plan.delete_images:
        items.append({"Delete": {"TableName": table, "Key": _key(app_pk(app_id), f"IMG#{image.image_id}"),
                                 **_versioned(image.version)}})
    for seat in plan.take_seats:
        # The slot-capacity invariant lives in this condition (R10): a place is free if nobody
        # holds it, or if the reservation holding it expired unused — no background job needed.
        items.append({"Put": {
            "TableName": table, "Item": encode(seat_item(app_id, seat)),
            "ConditionExpression": "attribute_not_exists(PK) OR expiresAt <= :now",
            "ExpressionAttributeValues": {":now": {"N": str(plan.now.seconds)}},
        }})
    for seat in plan.keep_seats:
        kept = {"UpdateExpression": "SET #ttl = :keep REMOVE expiresAt",
                "ExpressionAttributeValues": {":image": {"S": seat.image_id}, ":keep": {"N": str(keep)}}} \
            if keep is not None else {"UpdateExpression": "REMOVE expiresAt, #ttl",
                                      "ExpressionAttributeValues": {":image": {"S": seat.image_id}}}
        items.append({"Update": {
            "TableName": table, "Key": _key(app_pk(app_id), f"SEAT#{seat.material_type}#{seat.index}"),
            "ConditionExpression": "imageId = :image", "ExpressionAttributeNames": {"#ttl": "ttl"}, **kept,
        }})
    for seat in plan.release_seats:
        items.append({"Delete": {
            "TableName": table, "Key": _key(app_pk(app_id), f"SEAT#{seat.material_type}#{seat.index}"),
            "ConditionExpression": "imageId = :image", "ExpressionAttributeValues": {":image": {"S": seat.image_id}},
        }})
    for ref in plan.references:
        items.append({"Put": {"TableName": table, "Item": encode(reference_item(ref)),
                              "ConditionExpression": "attribute_not_exists(PK)"}})
    for entry in plan.add_likeness:
        items += [{"Put": {"TableName": table, "Item": encode(item)}} for item in likeness_items(entry)]
    for entry in plan.remove_likeness:
        items += [{"Delete": {"TableName": table, "Key": _key(item["PK"], item["SK"])}}
                  for item in likeness_items(entry)]
    for entry in plan.audit:
        items.append({"Put": {"TableName": table, "Item": encode(audit_item(app_id, entry))}})
    return _retain(items, keep)


def create_items(app: Application, entry: AuditEntry, table: str, keep: int | None = None) -> list[dict]:
    """Registration: the application (only if new), its audit entry, and the office's lookups."""
    items = [{"Put": {"TableName": table, "Item": encode(application_item(app)),
                      "ConditionExpression": "attribute_not_exists(PK)"}},
             {"Put": {"TableName": table, "Item": encode(audit_item(app.id, entry))}}]
    for pk in lookup_pks(app):
        items.append({"Put": {"TableName": table, "Item": encode(
            {"PK": pk, "SK": app_pk(app.id), "kind": "lookup", "applicationId": app.id})}})
    return _retain(items, keep)


def claim_items(app_id: str, status: AppStatus, level: Level, reviewer: str, expires_at: int, now: int,
                entry: AuditEntry, table: str) -> list[dict]:
    """Take or renew the review lease: only while the application waits at this level, and only if
    nobody else holds a live lease."""
    return [
        {"Update": {
            "TableName": table, "Key": _key(app_pk(app_id), "APP"),
            "UpdateExpression": "SET #cb = :me, #ce = :exp",
            "ConditionExpression": "#s = :status AND #q = :queue"
                                   " AND (attribute_not_exists(#cb) OR #cb = :me OR #ce <= :now)",
            "ExpressionAttributeNames": {"#cb": "claimedBy", "#ce": "claimExpiresAt", "#s": "status", "#q": "queue"},
            "ExpressionAttributeValues": {":me": {"S": reviewer}, ":exp": {"N": str(expires_at)},
                                          ":now": {"N": str(now)}, ":status": {"S": status.value},
                                          ":queue": {"S": level.value}},
        }},
        {"Put": {"TableName": table, "Item": encode(audit_item(app_id, entry))}},
    ]


def release_items(app_id: str, reviewer: str, now: int, entry: AuditEntry, table: str) -> list[dict]:
    return [
        {"Update": {
            "TableName": table, "Key": _key(app_pk(app_id), "APP"),
            "UpdateExpression": "REMOVE #cb, #ce",
            "ConditionExpression": "#cb = :me AND #ce > :now",
            "ExpressionAttributeNames": {"#cb": "claimedBy", "#ce": "claimExpiresAt"},
            "ExpressionAttributeValues": {":me": {"S": reviewer}, ":now": {"N": str(now)}},
        }},
        {"Put": {"TableName": table, "Item": encode(audit_item(app_id, entry))}},
    ]


def partition_request(app_id: str, with_audit: bool, table: str) -> dict:
    request = {"TableName": table, "KeyConditionExpression": "PK = :pk",
               "ExpressionAttributeValues": {":pk": {"S": app_pk(app_id)}}}
    if not with_audit:
        request["KeyConditionExpression"] += " AND SK < :trail"
        request["ExpressionAttributeValues"][":trail"] = {"S": TRAIL}
    return request


def queue_request(level: Level, scope: str, limit: int, table: str) -> dict:
    return {"TableName": table, "IndexName": "ReviewQueue", "KeyConditionExpression": "QueuePK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": queue_pk(level, scope)}}, "Limit": limit,
            "ScanIndexForward": True}


def site_request(site: str, status: str | None, table: str) -> dict:
    request = {"TableName": table, "IndexName": "BySite", "KeyConditionExpression": "SitePK = :pk",
               "ExpressionAttributeValues": {":pk": {"S": f"SITE#{site}"}}}
    if status:
        request["KeyConditionExpression"] += " AND begins_with(SiteSK, :status)"
        request["ExpressionAttributeValues"][":status"] = {"S": f"{status}#"}
    return request


# ---------------------------------------------------------------- operations

_RETRYABLE = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
              "InternalServerError", "ServiceUnavailable")


def _cancelled(e: ClientError, items: list[dict]) -> Exception:
    """Map a cancelled transaction by its reasons, item by item: a lost race is a Conflict (decide
    again), throttling is TRY_AGAIN, and anything else (a malformed transaction) is a bug, never
    retried as if it were contention."""
    reasons = [r.get("Code", "None") for r in e.response.get("CancellationReasons", [])]
    if not reasons:  # some emulators leave them out: the message lists them
        message = e.response.get("Error", {}).get("Message", "")
        reasons = [r.strip() for r in message.partition("[")[2].rstrip("]").split(",") if r.strip()]
    failed = [(code, items[i] if i < len(items) else {}) for i, code in enumerate(reasons) if code != "None"]
    if any(code in ("ValidationError",) for code, _ in failed):
        return RuntimeError(f"transaction rejected as malformed: {reasons}")
    if any(code in ("ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded") for code, _ in failed):
        return DomainError("TRY_AGAIN")
    for code, item in failed:
        if code == "ConditionalCheckFailed" and item.get("Put", {}).get("Item", {}).get("kind", {}).get("S") == "reference":
            return ReferenceTaken(code)
    return Conflict(",".join(reasons) or "cancelled")


def _call(fn, transact_items: list[dict] | None = None, **kwargs):
    try:
        return fn(**kwargs)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if code == "TransactionCanceledException":
            raise _cancelled(e, transact_items or []) from e
        if code in ("ConditionalCheckFailedException", "TransactionConflictException"):
            raise Conflict(code) from e
        if code in _RETRYABLE:
            raise DomainError("TRY_AGAIN") from e
        raise


def _transact(items: list[dict]) -> None:
    _call(client().transact_write_items, transact_items=items, TransactItems=items)


def _keep(exam_year: int) -> int | None:
    return keep_until(exam_year, settings().retention_days)


def commit(plan: Plan) -> None:
    """Write a Plan as one transaction; raises Conflict if any condition no longer holds."""
    _transact(plan_items(plan, _table(), _keep(plan.after.exam_year)))


def _query_all(request: dict) -> list[dict]:
    items, start = [], None
    while True:
        page = _call(client().query, **request, **({"ExclusiveStartKey": start} if start else {}))
        items.extend(decode(i) for i in page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def load(app_id: str, with_audit: bool = True) -> Snapshot | None:
    """The whole partition of one application (without its audit trail if not asked for): one Query,
    more pages only past 1 MB."""
    return snapshot_from(_query_all(partition_request(app_id, with_audit, _table())))


def claim(app: Application, level: Level, reviewer: str, expires_at: int, now: int, entry: AuditEntry) -> None:
    """Raises Conflict unless the lease could be taken."""
    _transact(_retain(claim_items(app.id, app.status, level, reviewer, expires_at, now, entry, _table()),
                      _keep(app.exam_year)))


def release(app: Application, reviewer: str, now: int, entry: AuditEntry) -> None:
    """Give a live lease back. Raises Conflict unless the caller holds it."""
    _transact(_retain(release_items(app.id, reviewer, now, entry, _table()), _keep(app.exam_year)))


def get_application(app_id: str) -> Application | None:
    """The application item alone (the status poll's one GetItem)."""
    item = _call(client().get_item, TableName=_table(), Key=_key(app_pk(app_id), "APP")).get("Item")
    return application_from(decode(item)) if item else None


def get_applications(app_ids: list[str]) -> list[Application]:
    """Several application items by id (search results), in the order asked."""
    found: dict[str, Application] = {}
    ids = list(dict.fromkeys(app_ids))
    for start in range(0, len(ids), 100):
        keys = [_key(app_pk(i), "APP") for i in ids[start:start + 100]]
        request = {_table(): {"Keys": keys}}
        while request:
            out = _call(client().batch_get_item, RequestItems=request)
            for item in out.get("Responses", {}).get(_table(), []):
                app = application_from(decode(item))
                found[app.id] = app
            request = out.get("UnprocessedKeys") or None
    return [found[i] for i in ids if i in found]


def create_application(app: Application, entry: AuditEntry) -> bool:
    """Register an application; False if it already exists (the caller compares the data)."""
    try:
        _transact(create_items(app, entry, _table(), _keep(app.exam_year)))
        return True
    except Conflict:
        return False


def list_applications(candidate_id: str) -> list[Application]:
    """A candidate's applications, newest exam year first (R2)."""
    return [application_from(i) for i in _query_all({
        "TableName": _table(), "IndexName": "ByCandidate", "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"CAND#{candidate_id}"}}, "ScanIndexForward": False})]


def _page(request: dict, limit: int, start: dict | None) -> tuple[list[dict], dict | None]:
    request = {**request, "Limit": limit}
    if start:
        request["ExclusiveStartKey"] = {k: {"S": v} for k, v in start.items()}
    page = _call(client().query, **request)
    last = page.get("LastEvaluatedKey")
    return [decode(i) for i in page.get("Items", [])], ({k: v["S"] for k, v in last.items()} if last else None)


def queue_page(level: Level, scope: str, limit: int, start: dict | None) -> tuple[list[Application], dict | None]:
    """One page of a review queue, oldest first (R15), from the sparse ReviewQueue index."""
    items, last = _page(queue_request(level, scope, limit, _table()), limit, start)
    return [application_from(i) for i in items], last


def site_page(site: str, status: str | None, limit: int, start: dict | None) -> tuple[list[dict], dict | None]:
    """One page of a site's applications (BySite index, projected fields only), by status then id."""
    return _page(site_request(site, status, _table()), limit, start)


def site_all(site: str) -> list[dict]:
    """Every application of a site (projected fields only): the season's counts."""
    return _query_all(site_request(site, None, _table()))


def lookup(kind: str, value: str) -> list[str]:
    """Application ids registered under an id number ("IDN") or a candidate name ("NAME")."""
    items = _query_all({"TableName": _table(), "KeyConditionExpression": "PK = :pk",
                        "ExpressionAttributeValues": {":pk": {"S": f"{kind}#{value}"}}})
    return [i["applicationId"] for i in items]


LIKENESS_PAGE = 100  # per probed band: a band that common says little; the nearest ones come back first


def likeness(bands: list[str]) -> list[dict]:
    """Index entries sharing any of these bands of a perceptual hash (the near-duplicate candidates)."""
    found: dict[str, dict] = {}
    for band in bands:
        page = _call(client().query, TableName=_table(), KeyConditionExpression="PK = :pk",
                     ExpressionAttributeValues={":pk": {"S": f"LIKE#{band}"}}, Limit=LIKENESS_PAGE)
        for item in map(decode, page.get("Items", [])):
            found[item["SK"]] = item
    return list(found.values())


def note_duplicate(app_id: str, image_id: str, other: dict) -> None:
    """Tell an earlier image that a later upload of another candidate looks the same (a reviewer's hint,
    not state: the application's version does not move). Nothing if that image is gone."""
    with contextlib.suppress(Conflict):
        _call(client().update_item, TableName=_table(), Key=_key(app_pk(app_id), f"IMG#{image_id}"),
              UpdateExpression="SET #d = list_append(if_not_exists(#d, :none), :one)",
              ConditionExpression="attribute_exists(PK)", ExpressionAttributeNames={"#d": "duplicateOf"},
              ExpressionAttributeValues={":none": {"L": []}, ":one": _ser.serialize([other])})


def get_reference(reference: str) -> dict | None:
    item = _call(client().get_item, TableName=_table(), Key=_key(f"REF#{reference}", "REF")).get("Item")
    return decode(item) if item else None
