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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from functools import lru_cache

from botocore.config import Config
from botocore.exceptions import ClientError

from core import aws
from core.errors import DomainError
from core.likeness import as_int, band_keys
from core.models import (
    Announcement,
    Application,
    AppStatus,
    AuditEntry,
    Contact,
    Delivery,
    Image,
    ImageStatus,
    Level,
    Marker,
    Request,
    Seat,
    Snapshot,
    Subscription,
)
from core.plan import Likeness, Plan, Reference
from core.settings import settings


class Conflict(Exception):
    """A condition failed or another transaction got there first: reload and decide again."""


class ReferenceTaken(Conflict):
    """The watermark reference drawn for an image is already someone else's: draw another."""


@lru_cache(maxsize=1)
def client():
    # Standard retry mode retries throttling with backoff; endpoint comes from AWS_ENDPOINT_URL locally.
    # Short timeouts: a hung connection is retried in seconds, not after botocore's 60 s, so one stalled
    # call cannot carry an API request past its 10 s or an image past its bound in process_image.
    return aws.client("dynamodb", config=Config(retries={"max_attempts": 4, "mode": "standard"},
                                                connect_timeout=2, read_timeout=5))


def reset_client() -> None:
    client.cache_clear()


def _table() -> str:
    return settings().table_name


# ---------------------------------------------------------------- encoding (pure)

def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != () and v != []}


def to_attribute(v) -> dict:
    """One value in DynamoDB's JSON, as boto3's TypeSerializer writes it (tests compare the two on
    generated values; boto3's own would import all of boto3 at cold start)."""
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, str):
        return {"S": v}
    if isinstance(v, int | Decimal):
        return {"N": _number(v)}
    if isinstance(v, bytes | bytearray):
        return {"B": bytes(v)}
    if isinstance(v, dict):
        return {"M": {k: to_attribute(x) for k, x in v.items()}}
    if isinstance(v, list | tuple):
        return {"L": [to_attribute(x) for x in v]}
    if isinstance(v, set | frozenset) and v:
        if all(isinstance(x, str) for x in v):
            return {"SS": list(v)}
        if all(isinstance(x, int | Decimal) and not isinstance(x, bool) for x in v):
            return {"NS": [_number(x) for x in v]}
        if all(isinstance(x, bytes | bytearray) for x in v):
            return {"BS": [bytes(x) for x in v]}
    raise TypeError(f"no DynamoDB type for {type(v).__name__} {v!r:.40}")  # floats too, as boto3: use int


# DynamoDB's numbers: 38 significant digits, exponents -130..125; anything else raises (as in boto3).
_NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def _number(v: int | Decimal) -> str:
    text = str(_NUMBERS.create_decimal(v))
    if text in ("Infinity", "-Infinity", "NaN", "sNaN"):
        raise TypeError(f"DynamoDB has no number {text}")
    return text


def encode(d: dict) -> dict:
    return {k: to_attribute(v) for k, v in _clean(d).items()}


def _number_value(text: str) -> int | float:
    n = Decimal(text)
    return int(n) if n == n.to_integral_value() else float(n)


def from_attribute(a: dict):
    """One attribute as plain Python: numbers as int/float, sets as lists, binary as bytes."""
    (kind, v), = a.items()
    if kind == "S" or kind == "BOOL" or kind == "B":
        return v
    if kind == "N":
        return _number_value(v)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attribute(x) for k, x in v.items()}
    if kind == "L":
        return [from_attribute(x) for x in v]
    if kind == "SS" or kind == "BS":
        return list(v)
    if kind == "NS":
        return [_number_value(x) for x in v]
    raise TypeError(f"unknown DynamoDB type {kind}")


def decode(item: dict) -> dict:
    """A DynamoDB item as plain Python (numbers as int/float)."""
    return {k: from_attribute(v) for k, v in item.items()}


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


def site_pk(site: str) -> str:
    return f"SITE#{site}"


def site_sk_prefix(status: str | None) -> str:
    """What a BySite Query for `status` (None: every status) requires of the sort key."""
    return f"{status}#" if status else ""


def site_keys(app: Application) -> dict:
    """BySite: every application of a site, by status (the office's lists and the season's counts)."""
    return {"SitePK": site_pk(app.site), "SiteSK": f"{app.status.value}#{app.id}"}


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
    "duplicate_of": "duplicateOf", "same_as": "sameAs",
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
            values[f":a{i}"] = to_attribute(_app_value(name, value))
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
               "ExpressionAttributeValues": {":pk": {"S": site_pk(site)}}}
    if status:
        request["KeyConditionExpression"] += " AND begins_with(SiteSK, :status)"
        request["ExpressionAttributeValues"][":status"] = {"S": site_sk_prefix(status)}
    return request


# ---------------------------------------------------------------- operations

_RETRYABLE = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
              "InternalServerError", "ServiceUnavailable")


# Cancellation reasons (TransactWriteItems API reference): a lost race means decide again; throttling
# means later; anything else (ValidationError, ItemCollectionSizeLimitExceeded, a code added later) is
# not contention, and retrying it as if it were would only end in a 503 after eight tries.
_LOST_RACE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_THROTTLED = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


def _cancelled(e: ClientError, items: list[dict]) -> Exception:
    """Map a cancelled transaction by its reasons, item by item: a lost race is a Conflict (decide
    again), throttling is TRY_AGAIN, and anything else is a bug, never retried as contention."""
    reasons = [r.get("Code", "None") for r in e.response.get("CancellationReasons", [])]
    if not reasons:  # some emulators leave them out: the message lists them
        message = e.response.get("Error", {}).get("Message", "")
        reasons = [r.strip() for r in message.partition("[")[2].rstrip("]").split(",") if r.strip()]
    failed = [(code, items[i] if i < len(items) else {}) for i, code in enumerate(reasons) if code != "None"]
    codes = {code for code, _ in failed}
    if not codes or codes - _LOST_RACE - _THROTTLED:
        message = e.response.get("Error", {}).get("Message", "")[:300]  # the unhandled-error log shows it
        return RuntimeError(f"transaction rejected, not contention: {reasons} ({message})")
    if codes & _THROTTLED:
        return DomainError("TRY_AGAIN")
    for code, item in failed:
        if code == "ConditionalCheckFailed" and item.get("Put", {}).get("Item", {}).get("kind", {}).get("S") == "reference":
            return ReferenceTaken(code)
    return Conflict(",".join(reasons))


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


def _batch_get(keys: list[dict]) -> list[dict]:
    """The items of these keys that exist, in no particular order: BatchGetItem, 100 keys a call,
    until nothing is left unprocessed."""
    found = []
    for start in range(0, len(keys), 100):
        request = {_table(): {"Keys": keys[start:start + 100]}}
        while request:
            out = _call(client().batch_get_item, RequestItems=request)
            found += [decode(i) for i in out.get("Responses", {}).get(_table(), [])]
            request = out.get("UnprocessedKeys") or None
    return found


def get_applications(app_ids: list[str]) -> list[Application]:
    """Several application items by id (search results), in the order asked."""
    ids = list(dict.fromkeys(app_ids))
    found = {a.id: a for a in map(application_from, _batch_get([_key(app_pk(i), "APP") for i in ids]))}
    return [found[i] for i in ids if i in found]


def _created(items: list[dict]) -> bool:
    """A transaction whose conditions say "only if new": False (nothing written) if it was not."""
    try:
        _transact(items)
        return True
    except Conflict:
        return False


def create_application(app: Application, entry: AuditEntry) -> bool:
    """Register an application; False if it already exists (the caller compares the data)."""
    return _created(create_items(app, entry, _table(), _keep(app.exam_year)))


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
    """Index entries sharing any of these bands of a perceptual hash (the near-duplicate candidates).
    One Query per band, sent together: the lookup waits for the slowest, not for their sum."""
    dynamodb, table = client(), _table()  # made here, not in the threads: one session, not thread-safe

    def band(key: str) -> list[dict]:
        page = _call(dynamodb.query, TableName=table, KeyConditionExpression="PK = :pk",
                     ExpressionAttributeValues={":pk": {"S": f"LIKE#{key}"}}, Limit=LIKENESS_PAGE)
        return [decode(i) for i in page.get("Items", [])]

    found: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=min(8, len(bands) or 1)) as pool:
        for items in pool.map(band, bands):
            found.update((item["SK"], item) for item in items)
    return list(found.values())


def note_duplicate(app_id: str, image_id: str, other: dict) -> None:
    """Tell an earlier image that a later upload of another candidate looks the same (a reviewer's hint,
    not state: the application's version does not move). Nothing if that image is gone."""
    with contextlib.suppress(Conflict):
        _call(client().update_item, TableName=_table(), Key=_key(app_pk(app_id), f"IMG#{image_id}"),
              UpdateExpression="SET #d = list_append(if_not_exists(#d, :none), :one)",
              ConditionExpression="attribute_exists(PK)", ExpressionAttributeNames={"#d": "duplicateOf"},
              ExpressionAttributeValues={":none": {"L": []}, ":one": to_attribute([other])})


def get_reference(reference: str) -> dict | None:
    item = _call(client().get_item, TableName=_table(), Key=_key(f"REF#{reference}", "REF")).get("Item")
    return decode(item) if item else None


# ---------------------------------------------------------------- notifications (R22, status changes)
#
# | item            | PK                          | SK             | notes |
# |-----------------|-----------------------------|----------------|-------|
# | contact         | USER#{sub}                  | CONTACT        | the phone, stored once per user; consent time and notice version |
# | subscription    | USER#{sub}                  | SUB#{id}       | the candidate's own list |
# | subscriber      | SUBS#{examYear}#{category}  | USER#{sub}     | the fan-out's list, written with the subscription in one transaction |
# | announcement    | ANN#{id}                    | ANN            | the fan-out's cursor and counts |
# | delivery        | ANN#{id} / NOTICE#{appId}   | USER#{sub} / the audit entry's SK | one per message: claimed before it is sent |
# | fan-out lease   | FANOUT                      | LEASE          | one announcement batch at a time, so the SMS rate holds |

CONTACT = "CONTACT"
SUB = "SUB#"
USER = "USER#"
ANN = "ANN"
LEASE_KEY = ("FANOUT", "LEASE")


def user_pk(user: str) -> str:
    return f"{USER}{user}"


def subscribers_pk(exam_year: int, category: str) -> str:
    return f"SUBS#{exam_year}#{category}"


def announcement_pk(ann_id: str) -> str:
    return f"ANN#{ann_id}"


def notice_pk(app_id: str) -> str:
    return f"NOTICE#{app_id}"


def contact_item(contact: Contact, ttl: int | None) -> dict:
    return {"PK": user_pk(contact.user), "SK": CONTACT, "kind": "contact", "phone": contact.phone,
            "consentAt": contact.consent_at, "notice": contact.notice, "updatedAt": contact.updated_at, "ttl": ttl}


def contact_from(item: dict) -> Contact:
    return Contact(user=item["PK"][len(USER):], phone=item["phone"], consent_at=item["consentAt"],
                   notice=item["notice"], updated_at=item["updatedAt"])


def subscription_items(s: Subscription, ttl: int | None) -> tuple[dict, dict]:
    """The candidate's own item and the fan-out list's, always written and deleted together."""
    mine = {"PK": user_pk(s.user), "SK": f"{SUB}{s.id}", "kind": "subscription", "id": s.id,
            "examYear": s.exam_year, "category": s.category, "createdAt": s.created_at, "ttl": ttl}
    listed = {"PK": subscribers_pk(s.exam_year, s.category), "SK": user_pk(s.user), "kind": "subscriber",
              "subscriptionId": s.id, "createdAt": s.created_at, "ttl": ttl}
    return mine, listed


def subscription_from(item: dict) -> Subscription:
    return Subscription(id=item["id"], user=item["PK"][len(USER):], exam_year=item["examYear"],
                        category=item["category"], created_at=item["createdAt"])


_ANNOUNCEMENT_FIELDS = {"exam_year": "examYear", "category": "category", "by": "by", "created_at": "createdAt",
                        "text": "text", "cursor": "cursor", "recipients": "recipients", "sent": "sent",
                        "failed": "failed", "unconfirmed": "unconfirmed", "done": "done", "finished_at": "finishedAt"}


def announcement_item(a: Announcement, ttl: int | None) -> dict:
    item = {"PK": announcement_pk(a.id), "SK": ANN, "kind": "announcement", "id": a.id, "ttl": ttl}
    item.update({attr: getattr(a, name) for name, attr in _ANNOUNCEMENT_FIELDS.items()})
    return _clean(item)


def announcement_from(item: dict) -> Announcement:
    return Announcement(id=item["id"], **{name: item[attr] for name, attr in _ANNOUNCEMENT_FIELDS.items() if attr in item})


def subscription_put_items(s: Subscription, ttl: int | None, table: str) -> list[dict]:
    return [{"Put": {"TableName": table, "Item": encode(item), "ConditionExpression": "attribute_not_exists(PK)"}}
            for item in subscription_items(s, ttl)]


def subscription_delete_items(s: Subscription, table: str) -> list[dict]:
    mine, listed = subscription_items(s, 0)
    return [{"Delete": {"TableName": table, "Key": _key(item["PK"], item["SK"])}} for item in (mine, listed)]


def subscribers_request(exam_year: int, category: str, after: str | None, limit: int, table: str) -> dict:
    pk = subscribers_pk(exam_year, category)
    request = {"TableName": table, "KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": pk}},
               "ProjectionExpression": "SK", "Limit": limit}
    if after:
        request["ExclusiveStartKey"] = _key(pk, after)
    return request


def lease_request(ann_id: str, token: str, now: int, until: int, table: str) -> dict:
    """Take the fan-out lease if nobody holds a live one. On failure DynamoDB answers with the holder."""
    return {"TableName": table, "Item": encode({"PK": LEASE_KEY[0], "SK": LEASE_KEY[1], "kind": "lease",
                                                "announcementId": ann_id, "token": token, "until": until, "ttl": until}),
            "ConditionExpression": "attribute_not_exists(PK) OR #until <= :now",
            "ExpressionAttributeNames": {"#until": "until"}, "ExpressionAttributeValues": {":now": {"N": str(now)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


def progress_items(ann: Announcement, cursor: str | None, counts: dict[str, int], done: bool, at: str, token: str,
                   table: str) -> list[dict]:
    """One batch of the fan-out, recorded: the cursor moves past the subscribers handled and their
    counts are added in the same write, only from the cursor this batch started at and only while
    this sender holds the lease; the lease is given back with it."""
    names = {"#c": "cursor", "#d": "done"}
    values = {":false": {"BOOL": False}, ":done": {"BOOL": done}}
    sets = ["#d = :done"]
    if cursor is not None:
        sets.append("#c = :cursor")
        values[":cursor"] = {"S": cursor}
    if done:
        names["#f"] = "finishedAt"
        sets.append("#f = :at")
        values[":at"] = {"S": at}
    adds = []
    for i, (name, n) in enumerate(sorted(counts.items())):
        names[f"#n{i}"] = name
        values[f":n{i}"] = {"N": str(n)}
        adds.append(f"#n{i} :n{i}")
    condition = "#d = :false AND " + ("attribute_not_exists(#c)" if ann.cursor is None else "#c = :before")
    if ann.cursor is not None:
        values[":before"] = {"S": ann.cursor}
    update = {"TableName": table, "Key": _key(announcement_pk(ann.id), ANN),
              "UpdateExpression": "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else ""),
              "ConditionExpression": condition, "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
    release = {"TableName": table, "Key": _key(*LEASE_KEY), "ConditionExpression": "#t = :token",
               "ExpressionAttributeNames": {"#t": "token"}, "ExpressionAttributeValues": {":token": {"S": token}}}
    return [{"Update": update}, {"Delete": release}]


def delivery_item(m: Marker, status: Delivery, at: str | None = None, message_id: str | None = None) -> dict:
    return _clean({"PK": m.pk, "SK": m.sk, "kind": "delivery", "status": status.value, "messageKind": m.message_kind,
                   "ref": m.ref, "channel": m.channel, "token": m.token, "claimedAt": m.claimed_at, "at": at,
                   "messageId": message_id, "ttl": m.ttl})


def delivery_claim_request(m: Marker, table: str) -> dict:
    """The marker of one message, written before the message is sent and only if there is none: a
    second delivery of the same event, or a second pass over the same subscriber, finds it (and
    DynamoDB answers with it)."""
    return {"TableName": table, "Item": encode(delivery_item(m, Delivery.SENDING)),
            "ConditionExpression": "attribute_not_exists(PK)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


def delivery_finish_request(m: Marker, status: Delivery, at: str, message_id: str | None, table: str) -> dict:
    """The marker's outcome, only by the attempt that claimed it (a whole Put: cheaper than an Update)."""
    return {"TableName": table, "Item": encode(delivery_item(m, status, at, message_id)),
            "ConditionExpression": "#t = :token", "ExpressionAttributeNames": {"#t": "token"},
            "ExpressionAttributeValues": {":token": {"S": m.token}}}


def _old_item_if_condition_fails(fn, **request) -> dict | None:
    """Run a conditional write: None if it was written, else the item that made its condition fail."""
    try:
        _call(fn, **request)
        return None
    except Conflict as e:
        cause = e.__cause__
        if not isinstance(cause, ClientError):
            raise
        return decode(cause.response.get("Item") or {})


def put_contact(contact: Contact, ttl: int | None) -> None:
    """One contact per user: a new number or a new consent replaces the old one."""
    _call(client().put_item, TableName=_table(), Item=encode(contact_item(contact, ttl)))


def get_contact(user: str) -> Contact | None:
    item = _call(client().get_item, TableName=_table(), Key=_key(user_pk(user), CONTACT)).get("Item")
    return contact_from(decode(item)) if item else None


def get_contacts(users: list[str]) -> dict[str, Contact]:
    """Several users' contacts (the fan-out's batch), by user; users without one are left out."""
    keys = [_key(user_pk(u), CONTACT) for u in dict.fromkeys(users)]
    return {c.user: c for c in map(contact_from, _batch_get(keys))}


def subscribe(s: Subscription, ttl: int | None) -> bool:
    """False if the user already has this subscription (nothing is written then)."""
    return _created(subscription_put_items(s, ttl, _table()))


def get_subscription(user: str, subscription_id: str) -> Subscription | None:
    item = _call(client().get_item, TableName=_table(), Key=_key(user_pk(user), f"{SUB}{subscription_id}")).get("Item")
    return subscription_from(decode(item)) if item else None


def subscriptions(user: str) -> list[Subscription]:
    return [subscription_from(i) for i in _query_all({
        "TableName": _table(), "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sub)",
        "ExpressionAttributeValues": {":pk": {"S": user_pk(user)}, ":sub": {"S": SUB}}})]


def unsubscribe(s: Subscription) -> None:
    _transact(subscription_delete_items(s, _table()))


def forget_contact(user: str) -> int:
    """Delete a user's contact and every subscription (both items of each). Returns how many
    subscriptions went. Deletes are idempotent: a repeat finishes whatever an interrupted one left."""
    subs = subscriptions(user)
    items = [i for s in subs for i in subscription_delete_items(s, _table())]
    items.append({"Delete": {"TableName": _table(), "Key": _key(user_pk(user), CONTACT)}})
    for start in range(0, len(items), 100):
        _transact(items[start:start + 100])
    return len(subs)


def subscribers_page(exam_year: int, category: str, after: str | None, limit: int) -> tuple[list[str], str | None]:
    """Up to `limit` subscribers after `after` (a subscriber's SK), in key order; the SK to continue
    from, or None at the end."""
    out = _call(client().query, **subscribers_request(exam_year, category, after, limit, _table()))
    users = [i["SK"]["S"][len(USER):] for i in out.get("Items", [])]
    last = out.get("LastEvaluatedKey")
    return users, (last["SK"]["S"] if last else None)


def create_announcement(a: Announcement, ttl: int | None) -> None:
    _call(client().put_item, TableName=_table(), Item=encode(announcement_item(a, ttl)),
          ConditionExpression="attribute_not_exists(PK)")


def get_announcement(ann_id: str) -> Announcement | None:
    item = _call(client().get_item, TableName=_table(), Key=_key(announcement_pk(ann_id), ANN),
                 ConsistentRead=True).get("Item")
    return announcement_from(decode(item)) if item else None


def take_fanout_lease(ann_id: str, token: str, now: int, until: int) -> str | None:
    """None if this sender now holds the lease, else the announcement id the holder is sending."""
    held = _old_item_if_condition_fails(client().put_item, **lease_request(ann_id, token, now, until, _table()))
    return None if held is None else str(held.get("announcementId", ""))


def record_progress(ann: Announcement, cursor: str | None, counts: dict[str, int], done: bool, at: str,
                    token: str) -> None:
    """Raises Conflict if another sender moved the cursor or took the lease meanwhile."""
    _transact(progress_items(ann, cursor, counts, done, at, token, _table()))


def claim_delivery(m: Marker) -> Delivery | None:
    """None if the marker is ours now (send the message); else the status it already has."""
    held = _old_item_if_condition_fails(client().put_item, **delivery_claim_request(m, _table()))
    return None if held is None else Delivery(held.get("status", Delivery.SENDING.value))


def finish_delivery(m: Marker, status: Delivery, at: str, message_id: str | None = None) -> None:
    _call(client().put_item, **delivery_finish_request(m, status, at, message_id, _table()))


def release_delivery(m: Marker) -> None:
    """Nothing was sent: take the marker away so that a retry sends it."""
    _call(client().delete_item, TableName=_table(), Key=_key(m.pk, m.sk), ConditionExpression="#t = :token",
          ExpressionAttributeNames={"#t": "token"}, ExpressionAttributeValues={":token": {"S": m.token}})
