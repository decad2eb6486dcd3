"""The DynamoDB requests `core.db` sends, asserted exactly: every key, condition, expression name and
value, as the loyalty service asserts its storage requests. Then a few operations run against botocore's
Stubber on `core.db.client()` with the exact request expected, and how a cancelled transaction maps,
reason by reason. No moto, no network: what DynamoDB itself does with these conditions (under races
too) is the moto tier's (tests/integration)."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from core import db, transact
from core.errors import DomainError
from core.models import AppStatus, AuditEntry, ImageStatus, Level, Seat
from core.plan import Likeness, Plan, Reference
from review import rules as review
from tests.unit.factories import (
    EARLIER,
    NOW,
    application,
    complete_images,
    entry,
    image,
    pending,
    queued,
    request,
    snapshot,
)
from tests.unit.factories import (
    SITE as SITE_REVIEWER,
)

TABLE = "test-table"
RAND = "5eed5eed"  # the audit entry's random sort-key suffix, fixed for the test
EXPIRES = NOW.seconds + 300
KEY = {"PK": {"S": "APP#app-1"}, "SK": {"S": "APP"}}


def S(value) -> dict:  # noqa: N802  (DynamoDB's own type letters)
    return {"S": value}


def N(value) -> dict:  # noqa: N802
    return {"N": str(value)}


@pytest.fixture(autouse=True)
def fixed_suffix(monkeypatch):
    monkeypatch.setattr(db.secrets, "token_hex", lambda _: RAND)


def audit_put(action: str, **attributes) -> dict:
    item = {"PK": S("APP#app-1"), "SK": S(f"TRAIL#{NOW.iso}#{RAND}"), "kind": S("audit"), "at": S(NOW.iso),
            "action": S(action), **attributes}
    return {"Put": {"TableName": TABLE, "Item": item}}


# ---------------------------------------------------------------- items

def test_the_application_item_carries_its_index_keys():
    app = queued(phone="13800138000")
    assert db.encode(db.application_item(app)) == {
        "PK": S("APP#app-1"), "SK": S("APP"), "kind": S("application"), "id": S("app-1"),
        "GSI1PK": S("CAND#cand-1"), "GSI1SK": S("2026#app-1"),  # ByCandidate: newest exam year first (R2)
        "QueuePK": S("QUEUE#SITE#1101"), "QueueSK": S(f"{EARLIER.iso}#app-1"),  # ReviewQueue, by first ready (R15)
        "SitePK": S("SITE#1101"), "SiteSK": S("DRAFT#app-1"),  # BySite
        "candidateId": S("cand-1"), "candidateName": S("张三"), "idNumber": S(app.id_number),
        "householdRegion": S("11"), "phone": S("13800138000"), "region": S("11"), "site": S("1101"),
        "category": S("临床执业医师"), "examYear": N(2026), "status": S("DRAFT"), "version": N(7),
        "createdAt": S(app.created_at), "updatedAt": S(app.updated_at), "readyAt": S(EARLIER.iso), "queue": S("SITE"),
        "siteFirstReadyAt": S(EARLIER.iso), "returns": N(0), "imageCount": N(0), "warningCount": N(0),
        "catalogueVersion": N(1)}  # the catalogue version it was registered under (its slots)


def test_an_application_leaves_the_sparse_queue_index_when_it_waits_for_nobody():
    assert not {"QueuePK", "QueueSK"} & set(db.application_item(application()))
    region = application(status=AppStatus.SITE_APPROVED, queue=Level.REGION, site_first_ready_at=EARLIER.iso,
                         region_first_ready_at=NOW.iso)
    assert db.queue_keys(region) == {"QueuePK": "QUEUE#REGION#11", "QueueSK": f"{NOW.iso}#app-1"}


def test_a_pending_image_and_its_seat_expire_a_day_after_their_reservation():
    assert db.encode(db.image_item("app-1", pending("id_card", 0, expires_at=EXPIRES, file_name="a.jpg"))) == {
        "PK": S("APP#app-1"), "SK": S("IMG#id_card-0"), "kind": S("image"), "imageId": S("id_card-0"),
        "materialType": S("id_card"), "status": S("PENDING"), "version": N(1), "seat": N(0),
        "uploadKey": S("uploads/app-1/id_card/id_card-0"), "uploadedAt": S(EARLIER.iso), "expiresAt": N(EXPIRES),
        "contentType": S("image/jpeg"), "fileName": S("a.jpg"), "ttl": N(EXPIRES + 86400)}
    assert db.encode(db.seat_item("app-1", Seat("id_card", 0, "id_card-0", EXPIRES))) == {
        "PK": S("APP#app-1"), "SK": S("SEAT#id_card#0"), "kind": S("seat"), "materialType": S("id_card"),
        "index": N(0), "imageId": S("id_card-0"), "expiresAt": N(EXPIRES), "ttl": N(EXPIRES + 86400)}
    assert "ttl" not in db.image_item("app-1", image("id_card", 0))
    assert db.seat_item("app-1", Seat("id_card", 0, "id_card-0")) == {
        "PK": "APP#app-1", "SK": "SEAT#id_card#0", "kind": "seat", "materialType": "id_card", "index": 0,
        "imageId": "id_card-0"}


def test_items_read_back_as_the_objects_they_were_written_from():
    app = replace(queued(), requests=(request("diploma", 1, 1, "第二页"),), site_deciders=("rev-site",),
                  site_decision={"decision": "return", "by": "rev-site", "at": NOW.iso, "comment": "x"},
                  claimed_by="rev-site", claim_expires_at=EXPIRES, returns=2, image_count=4, warning_count=1)
    assert db.application_from(db.decode(db.encode(db.application_item(app)))) == app
    shot = image("diploma", 0, quality_warnings=("BLURRY",), phash="0123456789abcdef",
                 duplicate_of=({"applicationId": "app-9", "imageId": "x"},), processing_ms=85, same_as="id_card-0")
    assert db.image_from(db.decode(db.encode(db.image_item("app-1", shot)))) == shot
    trail = entry("request", NOW, actor="rev-site", role="site_reviewer", material_type="diploma", count=1, level="SITE")
    assert db.audit_from(db.decode(db.encode(db.audit_item("app-1", trail)))) == trail


def test_a_snapshot_is_the_partition_sorted_by_upload_and_none_without_the_application():
    later, earlier = image("id_card", 1), image("id_card", 0)
    items = [db.application_item(application()), db.image_item("app-1", later), db.seat_item("app-1", Seat("id_card", 1, "id_card-1")),
             db.image_item("app-1", earlier), db.audit_item("app-1", entry("registered"))]
    snap = db.snapshot_from(items)
    assert snap == snapshot(application(), [earlier, later], [Seat("id_card", 1, "id_card-1")], [entry("registered")])
    assert db.snapshot_from(items[1:]) is None


def test_reference_and_likeness_items():
    assert db.reference_item(Reference("7K3M9QXW2A", "app-1", "diploma-0", "diploma", NOW.iso)) == {
        "PK": "REF#7K3M9QXW2A", "SK": "REF", "kind": "reference", "reference": "7K3M9QXW2A", "applicationId": "app-1",
        "imageId": "diploma-0", "materialType": "diploma", "watermarkedAt": NOW.iso}
    items = db.likeness_items(Likeness("0123456789abcdef", "app-1", "diploma-0", "cand-1"))
    assert [(i["PK"], i["SK"]) for i in items] == [("LIKE#0:cdef", "app-1#diploma-0"), ("LIKE#1:89ab", "app-1#diploma-0"),
                                                   ("LIKE#2:4567", "app-1#diploma-0"), ("LIKE#3:0123", "app-1#diploma-0")]
    assert items[0] == {"PK": "LIKE#0:cdef", "SK": "app-1#diploma-0", "kind": "likeness", "phash": "0123456789abcdef",
                        "applicationId": "app-1", "imageId": "diploma-0", "candidateId": "cand-1"}


# ---------------------------------------------------------------- a Plan as one transaction

def reservation_plan() -> Plan:
    """A reservation of seat 0 that replaces an expired one (as uploads.reserve decides it)."""
    app = application()
    stale = pending("id_card", 0, expires_at=NOW.seconds - 1, image_id="stale")
    new = pending("id_card", 0, expires_at=EXPIRES, image_id="img-new", uploaded_at=NOW.iso)
    return Plan(before=app, after=replace(app, version=8, updated_at=NOW.iso), now=NOW, put_images=[(new, None)],
                delete_images=[stale], take_seats=[Seat("id_card", 0, "img-new", EXPIRES)],
                audit=[AuditEntry(at=NOW.iso, actor="cand-1", role="candidate", action="image_reserved",
                                  image_id="img-new", material_type="id_card")])


RESERVATION_ITEMS = [
    {"Update": {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET #a1 = :a1, #a2 = :a2",
                "ConditionExpression": "#v = :expected",
                "ExpressionAttributeNames": {"#a1": "version", "#a2": "updatedAt", "#v": "version"},
                "ExpressionAttributeValues": {":a1": N(8), ":a2": S(NOW.iso), ":expected": N(7)}}},
    {"Put": {"TableName": TABLE, "Item": {
        "PK": S("APP#app-1"), "SK": S("IMG#img-new"), "kind": S("image"), "imageId": S("img-new"),
        "materialType": S("id_card"), "status": S("PENDING"), "version": N(1), "seat": N(0),
        "uploadKey": S("uploads/app-1/id_card/img-new"), "uploadedAt": S(NOW.iso), "expiresAt": N(EXPIRES),
        "contentType": S("image/jpeg"), "ttl": N(EXPIRES + 86400)},
        "ConditionExpression": "attribute_not_exists(PK)"}},
    {"Delete": {"TableName": TABLE, "Key": {"PK": S("APP#app-1"), "SK": S("IMG#stale")},
                "ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": N(1)}}},
    # R10: the place is free if nobody holds it, or if its reservation expired unused
    {"Put": {"TableName": TABLE, "Item": {
        "PK": S("APP#app-1"), "SK": S("SEAT#id_card#0"), "kind": S("seat"), "materialType": S("id_card"),
        "index": N(0), "imageId": S("img-new"), "expiresAt": N(EXPIRES), "ttl": N(EXPIRES + 86400)},
        "ConditionExpression": "attribute_not_exists(PK) OR expiresAt <= :now",
        "ExpressionAttributeValues": {":now": N(NOW.seconds)}}},
    audit_put("image_reserved", actor=S("cand-1"), role=S("candidate"), imageId=S("img-new"), materialType=S("id_card")),
]


def test_a_reservation_is_the_application_s_version_the_image_the_stale_one_and_the_seat_in_one_transaction():
    assert db.plan_items(reservation_plan(), TABLE) == RESERVATION_ITEMS


def test_a_site_approval_moves_the_index_keys_and_lands_only_under_the_reviewer_s_live_claim():
    # Given the plan of a site approval (review.decide_application)
    before = replace(queued(), claimed_by="rev-site", claim_expires_at=EXPIRES)
    record = {"decision": "approve", "by": "rev-site", "at": NOW.iso, "comment": None}
    after = replace(before, version=8, updated_at=NOW.iso, status=AppStatus.SITE_APPROVED, claimed_by=None,
                    claim_expires_at=None, queue=Level.REGION, ready_at=NOW.iso, region_first_ready_at=NOW.iso,
                    site_deciders=("rev-site",), site_decision=record)
    plan = Plan(before=before, after=after, now=NOW, claim_holder="rev-site")
    # When it becomes TransactItems
    (update,) = db.plan_items(plan, TABLE)
    # Then: changed attributes set, the claim removed, the queue and site index keys moved
    assert update == {"Update": {
        "TableName": TABLE, "Key": KEY,
        "UpdateExpression": "SET #a0 = :a0, #a1 = :a1, #a2 = :a2, #a3 = :a3, #a4 = :a4, #a6 = :a6, #a9 = :a9, "
                            "#a12 = :a12, #QueuePK = :QueuePK, #QueueSK = :QueueSK, #SiteSK = :SiteSK REMOVE #a14, #a15",
        "ConditionExpression": "#v = :expected AND #cb = :holder AND #ce > :now",
        "ExpressionAttributeNames": {
            "#a0": "status", "#a1": "version", "#a2": "updatedAt", "#a3": "readyAt", "#a4": "queue",
            "#a6": "regionFirstReadyAt", "#a9": "siteDeciders", "#a12": "siteDecision", "#a14": "claimedBy",
            "#a15": "claimExpiresAt", "#QueuePK": "QueuePK", "#QueueSK": "QueueSK", "#SiteSK": "SiteSK",
            "#v": "version", "#cb": "claimedBy", "#ce": "claimExpiresAt"},
        "ExpressionAttributeValues": {
            ":a0": S("SITE_APPROVED"), ":a1": N(8), ":a2": S(NOW.iso), ":a3": S(NOW.iso), ":a4": S("REGION"),
            ":a6": S(NOW.iso), ":a9": {"L": [S("rev-site")]},
            ":a12": {"M": {"decision": S("approve"), "by": S("rev-site"), "at": S(NOW.iso), "comment": {"NULL": True}}},
            ":QueuePK": S("QUEUE#REGION#11"), ":QueueSK": S(f"{NOW.iso}#app-1"), ":SiteSK": S("SITE_APPROVED#app-1"),
            ":expected": N(7), ":holder": S("rev-site"), ":now": N(NOW.seconds)}}}


def test_leaving_the_queue_removes_its_index_keys_and_requests_are_stored_as_maps():
    before = queued()
    after = replace(before, version=8, updated_at=NOW.iso, status=AppStatus.RETURNED, queue=None, ready_at=None,
                    returns=1, requests=(request("diploma", 1, baseline=1, note="第二页"),))
    (update,) = db.plan_items(Plan(before=before, after=after, now=NOW), TABLE)
    body = update["Update"]
    assert body["UpdateExpression"] == ("SET #a0 = :a0, #a1 = :a1, #a2 = :a2, #a7 = :a7, #a8 = :a8, #SiteSK = :SiteSK "
                                        "REMOVE #a3, #a4, #QueuePK, #QueueSK")
    assert body["ExpressionAttributeValues"][":a8"] == {"L": [{"M": {
        "type": S("diploma"), "count": N(1), "note": S("第二页"), "baseline": N(1)}}]}
    assert body["ConditionExpression"] == "#v = :expected"  # a candidate's change needs no claim


def test_a_processed_upload_updates_the_image_at_its_version_keeps_the_seat_and_claims_the_reference():
    app = application()
    waiting = pending("diploma", 0, expires_at=EXPIRES)
    done = replace(waiting, status=ImageStatus.SUBMITTED, version=2, expires_at=None, object_key="materials/k.jpg")
    plan = Plan(before=app, after=replace(app, version=8, updated_at=NOW.iso), now=NOW, put_images=[(done, 1)],
                keep_seats=[Seat("diploma", 0, "diploma-0", EXPIRES)],
                references=[Reference("7K3M9QXW2A", "app-1", "diploma-0", "diploma", NOW.iso)],
                add_likeness=[Likeness("0123456789abcdef", "app-1", "diploma-0", "cand-1")])
    items = db.plan_items(plan, TABLE)
    assert [next(iter(i)) for i in items] == ["Update", "Put", "Update", "Put"] + ["Put"] * 4
    image_put, seat_update, reference_put = items[1]["Put"], items[2]["Update"], items[3]["Put"]
    assert (image_put["ConditionExpression"], image_put["ExpressionAttributeValues"]) == (
        "version = :expected", {":expected": N(1)})
    assert "expiresAt" not in image_put["Item"] and "ttl" not in image_put["Item"]
    assert seat_update == {"TableName": TABLE, "Key": {"PK": S("APP#app-1"), "SK": S("SEAT#diploma#0")},
                           "UpdateExpression": "REMOVE expiresAt, #ttl", "ConditionExpression": "imageId = :image",
                           "ExpressionAttributeNames": {"#ttl": "ttl"},
                           "ExpressionAttributeValues": {":image": S("diploma-0")}}
    assert reference_put == {"TableName": TABLE, "ConditionExpression": "attribute_not_exists(PK)", "Item": {
        "PK": S("REF#7K3M9QXW2A"), "SK": S("REF"), "kind": S("reference"), "reference": S("7K3M9QXW2A"),
        "applicationId": S("app-1"), "imageId": S("diploma-0"), "materialType": S("diploma"),
        "watermarkedAt": S(NOW.iso)}}
    assert [i["Put"]["Item"]["PK"] for i in items[4:]] == [S("LIKE#0:cdef"), S("LIKE#1:89ab"), S("LIKE#2:4567"),
                                                           S("LIKE#3:0123")]
    assert all("ConditionExpression" not in i["Put"] for i in items[4:])


def test_a_delete_removes_the_image_at_its_version_the_seat_it_holds_and_its_likeness_entries():
    app = application()
    gone = image("id_card", 0)
    plan = Plan(before=app, after=replace(app, version=8, updated_at=NOW.iso), now=NOW, delete_images=[gone],
                release_seats=[Seat("id_card", 0, "id_card-0")],
                remove_likeness=[Likeness("0123456789abcdef", "app-1", "id_card-0", "cand-1")])
    items = db.plan_items(plan, TABLE)
    assert items[1:3] == [
        {"Delete": {"TableName": TABLE, "Key": {"PK": S("APP#app-1"), "SK": S("IMG#id_card-0")},
                    "ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": N(2)}}},
        {"Delete": {"TableName": TABLE, "Key": {"PK": S("APP#app-1"), "SK": S("SEAT#id_card#0")},
                    "ConditionExpression": "imageId = :image", "ExpressionAttributeValues": {":image": S("id_card-0")}}}]
    assert items[3:] == [{"Delete": {"TableName": TABLE, "Key": {"PK": S(f"LIKE#{band}"), "SK": S("app-1#id_card-0")}}}
                         for band in ("0:cdef", "1:89ab", "2:4567", "3:0123")]


def test_registration_creates_the_application_only_if_new_with_its_lookups():
    app = application(version=1)
    items = db.create_items(app, entry("registered", NOW, actor="registration", role="registrar", to_status="DRAFT"),
                            TABLE)
    assert items[0] == {"Put": {"TableName": TABLE, "Item": db.encode(db.application_item(app)),
                                "ConditionExpression": "attribute_not_exists(PK)"}}
    # one application per person and exam year: the number and the year are a key, written only if new
    assert items[1] == {"Put": {"TableName": TABLE, "Item": {
        "PK": S(f"REG#2026#{app.id_number}"), "SK": S("REG"), "kind": S("registered"), "applicationId": S("app-1")},
        "ConditionExpression": "attribute_not_exists(PK)"}}
    assert items[2] == audit_put("registered", actor=S("registration"), role=S("registrar"), to=S("DRAFT"))
    assert items[3:] == [
        {"Put": {"TableName": TABLE, "Item": {"PK": S(f"IDN#{app.id_number}"), "SK": S("APP#app-1"), "kind": S("lookup"),
                                              "applicationId": S("app-1")}}},
        {"Put": {"TableName": TABLE, "Item": {"PK": S("NAME#张三"), "SK": S("APP#app-1"), "kind": S("lookup"),
                                              "applicationId": S("app-1")}}}]


CLAIMED = entry("claimed", NOW, actor="rev-site", role="site_reviewer", level="SITE")
# Taken only on the version seen (so only while the application still waits at that level) and only if
# nobody else holds a live claim; taking one does not move the version.
CLAIM_ITEMS = [
    {"Update": {
        "TableName": TABLE, "Key": KEY, "UpdateExpression": "SET #a1 = :a1, #a14 = :a14, #a15 = :a15",
        "ConditionExpression": "#v = :expected AND (attribute_not_exists(#cb) OR #cb = :me OR #ce <= :now)",
        "ExpressionAttributeNames": {"#a1": "version", "#a14": "claimedBy", "#a15": "claimExpiresAt", "#v": "version",
                                     "#cb": "claimedBy", "#ce": "claimExpiresAt"},
        "ExpressionAttributeValues": {":a1": N(7), ":a14": S("rev-site"), ":a15": N(EXPIRES), ":expected": N(7),
                                      ":me": S("rev-site"), ":now": N(NOW.seconds)}}},
    audit_put("claimed", actor=S("rev-site"), role=S("site_reviewer"), level=S("SITE")),
]


def claim_plan() -> Plan:
    """review.claim's plan for rev-site on the site queue's application."""
    return review.claim(snapshot(queued()), review.Claim(caller=SITE_REVIEWER, ttl=EXPIRES - NOW.seconds), NOW)[0]


def test_a_claim_is_taken_only_on_the_version_seen_and_while_nobody_else_holds_a_live_one():
    assert db.plan_items(claim_plan(), TABLE) == CLAIM_ITEMS


def test_only_the_holder_of_a_live_claim_gives_it_back():
    held = snapshot(replace(queued(), claimed_by="rev-site", claim_expires_at=EXPIRES))
    assert db.plan_items(review.release(held, SITE_REVIEWER, NOW), TABLE) == [
        {"Update": {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET #a1 = :a1 REMOVE #a14, #a15",
                    "ConditionExpression": "#v = :expected AND #cb = :holder AND #ce > :now",
                    "ExpressionAttributeNames": {"#a1": "version", "#a14": "claimedBy", "#a15": "claimExpiresAt",
                                                 "#v": "version", "#cb": "claimedBy", "#ce": "claimExpiresAt"},
                    "ExpressionAttributeValues": {":a1": N(7), ":expected": N(7), ":holder": S("rev-site"),
                                                  ":now": N(NOW.seconds)}}},
        audit_put("claim_released", actor=S("rev-site"), role=S("site_reviewer"), level=S("SITE"))]


# ---------------------------------------------------------------- retention: one TTL for an application's items

KEEP = db.keep_until(2026, 400)


def test_keep_until_is_the_end_of_the_exam_year_china_time_plus_the_days():
    end_2026 = datetime(2027, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    assert db.keep_until(2026, 30) == int((end_2026 + timedelta(days=30)).timestamp())
    assert db.keep_until(2026, 0) is None


def test_with_retention_everything_put_carries_the_application_s_ttl_but_a_reservation_keeps_its_own():
    expected = deepcopy(RESERVATION_ITEMS)
    update = expected[0]["Update"]
    update["UpdateExpression"] += ", #ttl = :keep"
    update["ExpressionAttributeNames"]["#ttl"], update["ExpressionAttributeValues"][":keep"] = "ttl", N(KEEP)
    expected[4]["Put"]["Item"]["ttl"] = N(KEEP)  # the audit entry; the PENDING image and its seat go sooner
    assert db.plan_items(reservation_plan(), TABLE, KEEP) == expected


def test_with_retention_a_processed_upload_s_seat_reference_and_likeness_are_kept_as_long_as_the_application():
    app = application()
    done = image("diploma", 0)
    plan = Plan(before=app, after=replace(app, version=8), now=NOW, put_images=[(done, 1)],
                keep_seats=[Seat("diploma", 0, "diploma-0", EXPIRES)],
                references=[Reference("7K3M9QXW2A", "app-1", "diploma-0", "diploma", NOW.iso)],
                add_likeness=[Likeness("0123456789abcdef", "app-1", "diploma-0", "cand-1")])
    items = db.plan_items(plan, TABLE, KEEP)
    assert items[2]["Update"] == {
        "TableName": TABLE, "Key": {"PK": S("APP#app-1"), "SK": S("SEAT#diploma#0")},
        "UpdateExpression": "SET #ttl = :keep REMOVE expiresAt", "ConditionExpression": "imageId = :image",
        "ExpressionAttributeNames": {"#ttl": "ttl"},
        "ExpressionAttributeValues": {":image": S("diploma-0"), ":keep": N(KEEP)}}
    puts = [i["Put"]["Item"] for i in items if "Put" in i]
    assert [p["kind"]["S"] for p in puts] == ["image", "reference"] + ["likeness"] * 4
    assert all(p["ttl"] == N(KEEP) for p in puts)


def test_with_retention_registration_s_items_all_carry_it():
    items = db.create_items(application(version=1), entry("registered", NOW), TABLE, KEEP)
    assert [i["Put"]["Item"]["ttl"] for i in items] == [N(KEEP)] * 5


# ---------------------------------------------------------------- reads

def test_a_decision_reads_the_partition_without_its_trail_and_the_page_with_it():
    assert db.partition_request("app-1", False, TABLE) == {
        "TableName": TABLE, "KeyConditionExpression": "PK = :pk AND SK < :trail",
        "ExpressionAttributeValues": {":pk": S("APP#app-1"), ":trail": S("TRAIL#")}}
    assert db.partition_request("app-1", True, TABLE) == {
        "TableName": TABLE, "KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": S("APP#app-1")}}


def test_queue_and_site_lists_are_index_queries():
    assert db.queue_request(Level.REGION, "11", 25, TABLE) == {
        "TableName": TABLE, "IndexName": "ReviewQueue", "KeyConditionExpression": "QueuePK = :pk",
        "ExpressionAttributeValues": {":pk": S("QUEUE#REGION#11")}, "Limit": 25, "ScanIndexForward": True}
    assert db.site_request("1101", None, TABLE) == {
        "TableName": TABLE, "IndexName": "BySite", "KeyConditionExpression": "SitePK = :pk",
        "ExpressionAttributeValues": {":pk": S("SITE#1101")}}
    assert db.site_request("1101", "DRAFT", TABLE) == {
        "TableName": TABLE, "IndexName": "BySite", "KeyConditionExpression": "SitePK = :pk AND begins_with(SiteSK, :status)",
        "ExpressionAttributeValues": {":pk": S("SITE#1101"), ":status": S("DRAFT#")}}


# ---------------------------------------------------------------- operations on a stubbed client

@pytest.fixture
def stub(monkeypatch):
    """core.db's own client with botocore's Stubber: every request must be exactly the one expected."""
    from core import settings

    monkeypatch.setenv("TABLE_NAME", TABLE)
    settings.settings.cache_clear()
    db.reset_client()
    with Stubber(db.client()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    db.reset_client()
    settings.settings.cache_clear()


def cancelled(stub, *reasons: str, message: str = "Transaction cancelled", expected=None, listed: bool = True) -> None:
    stub.add_client_error("transact_write_items", "TransactionCanceledException", message, expected_params=expected,
                          modeled_fields={"CancellationReasons": [{"Code": r} for r in reasons]} if listed else None)


def test_commit_sends_the_plan_as_one_transaction(stub):
    stub.add_response("transact_write_items", {}, {"TransactItems": RESERVATION_ITEMS})
    db.commit(reservation_plan())


def test_commit_writes_the_retention_the_function_is_configured_with(stub, monkeypatch):
    from core import settings

    monkeypatch.setenv("RETENTION_DAYS", "400")
    settings.settings.cache_clear()
    stub.add_response("transact_write_items", {}, {"TransactItems": db.plan_items(reservation_plan(), TABLE, KEEP)})
    db.commit(reservation_plan())
    assert db.plan_items(reservation_plan(), TABLE, KEEP) != RESERVATION_ITEMS


def test_a_failed_condition_on_the_application_or_a_seat_is_a_conflict_to_decide_again(stub):
    cancelled(stub, "ConditionalCheckFailed", "None", "None", "None", "None", expected={"TransactItems": RESERVATION_ITEMS})
    cancelled(stub, "None", "None", "None", "ConditionalCheckFailed", "None")
    cancelled(stub, "TransactionConflict", "None", "None", "None", "None")
    for _ in range(3):
        with pytest.raises(db.Conflict) as e:
            db.commit(reservation_plan())
        assert type(e.value) is db.Conflict


def test_a_failed_condition_on_a_watermark_reference_is_reference_taken(stub):
    app = application()
    plan = Plan(before=app, after=replace(app, version=8), now=NOW,
                references=[Reference("7K3M9QXW2A", "app-1", "diploma-0", "diploma", NOW.iso)])
    cancelled(stub, "None", "ConditionalCheckFailed")  # item 1 is the reference's Put
    with pytest.raises(db.ReferenceTaken):
        db.commit(plan)


@pytest.mark.parametrize("reasons", [("None", "ValidationError", "None", "None", "None"),
                                     ("ConditionalCheckFailed", "ValidationError", "None", "None", "None"),
                                     ("None", "ItemCollectionSizeLimitExceeded", "None", "None", "None"),
                                     ("None", "SomeReasonAddedLater", "None", "None", "None"),
                                     ("None", "None", "None", "None", "None")])
def test_a_transaction_rejected_for_anything_but_a_race_or_throttling_is_a_bug_not_contention(stub, reasons):
    cancelled(stub, *reasons)
    with pytest.raises(RuntimeError, match="not contention") as e:
        db.commit(reservation_plan())
    assert not isinstance(e.value, db.Conflict | DomainError)


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"])
def test_a_throttled_transaction_is_try_again(stub, reason):
    cancelled(stub, "None", reason, "None", "None", "None")
    with pytest.raises(DomainError) as e:
        db.commit(reservation_plan())
    assert (e.value.code, e.value.status) == ("TRY_AGAIN", 503)


def test_reasons_are_read_from_the_message_when_an_emulator_leaves_them_out(stub):
    cancelled(stub, message="Transaction cancelled, please refer cancellation reasons for specific reasons "
                            "[None, ValidationError]", listed=False)
    cancelled(stub, message="Transaction cancelled, please refer cancellation reasons for specific reasons "
                            "[ConditionalCheckFailed, None]", listed=False)
    with pytest.raises(RuntimeError):
        db.commit(reservation_plan())
    with pytest.raises(db.Conflict):
        db.commit(reservation_plan())


def test_a_registration_that_finds_its_application_or_the_persons_raises_conflict(stub):
    app = application(version=1)
    registered = entry("registered", NOW, actor="registration", role="registrar")
    stub.add_response("transact_write_items", {}, {"TransactItems": db.create_items(app, registered, TABLE)})
    cancelled(stub, "ConditionalCheckFailed", "None", "None", "None", "None")
    cancelled(stub, "None", "ConditionalCheckFailed", "None", "None", "None")
    db.create_application(app, registered)
    for _ in range(2):  # the application exists / the person's one of the year does: the decider looks at which
        with pytest.raises(db.Conflict):
            db.create_application(app, registered)


def test_a_claim_reads_the_application_item_alone_and_sends_the_conditional_lease(stub, backoff):
    stub.add_response("get_item", {"Item": db.encode(db.application_item(queued()))}, {"TableName": TABLE, "Key": KEY})
    stub.add_response("transact_write_items", {}, {"TransactItems": CLAIM_ITEMS})
    plan, took = transact.transact("app-1", lambda snap, now: review.claim(snap, review.Claim(SITE_REVIEWER, 300), now),
                                   application_only=True)
    assert (took.level, took.expires_at, plan.after.claimed_by) == (Level.SITE, EXPIRES, "rev-site")


def test_load_reads_every_page_of_the_partition(stub):
    # Given a partition DynamoDB returns in two pages (past 1 MB)
    first = [db.encode(db.application_item(queued())), db.encode(db.image_item("app-1", image("id_card", 0)))]
    last_key = {"PK": S("APP#app-1"), "SK": S("IMG#id_card-0")}
    request = db.partition_request("app-1", False, TABLE)
    stub.add_response("query", {"Items": first, "LastEvaluatedKey": last_key}, request)
    stub.add_response("query", {"Items": [db.encode(db.seat_item("app-1", Seat("id_card", 0, "id_card-0")))]},
                      {**request, "ExclusiveStartKey": last_key})
    # When / Then
    assert db.load("app-1", with_audit=False) == snapshot(queued(), [image("id_card", 0)])


def test_get_application_is_one_get_item(stub):
    stub.add_response("get_item", {"Item": db.encode(db.application_item(queued()))}, {"TableName": TABLE, "Key": KEY})
    stub.add_response("get_item", {}, {"TableName": TABLE, "Key": {"PK": S("APP#nope"), "SK": S("APP")}})
    assert db.get_application("app-1") == queued()
    assert db.get_application("nope") is None


def test_get_applications_follows_unprocessed_keys_and_keeps_the_order_asked(stub):
    keys = [{"PK": S(f"APP#{i}"), "SK": S("APP")} for i in ("b", "a", "gone")]
    stub.add_response("batch_get_item", {
        "Responses": {TABLE: [db.encode(db.application_item(application(id="a")))]},
        "UnprocessedKeys": {TABLE: {"Keys": [keys[0]]}}}, {"RequestItems": {TABLE: {"Keys": keys}}})
    stub.add_response("batch_get_item", {"Responses": {TABLE: [db.encode(db.application_item(application(id="b")))]}},
                      {"RequestItems": {TABLE: {"Keys": [keys[0]]}}})
    assert [a.id for a in db.get_applications(["b", "a", "b", "gone"])] == ["b", "a"]


def test_errors_outside_a_transaction_map_to_conflict_try_again_or_stay_what_they_are(stub):
    update = {"TableName": TABLE, "Key": {"PK": S("APP#app-2"), "SK": S("IMG#img")},
              "UpdateExpression": "SET #d = list_append(if_not_exists(#d, :none), :one)",
              "ConditionExpression": "attribute_exists(PK)", "ExpressionAttributeNames": {"#d": "duplicateOf"},
              "ExpressionAttributeValues": {":none": {"L": []}, ":one": {"L": [{"M": {
                  "applicationId": S("app-1"), "imageId": S("diploma-0")}}]}}}
    stub.add_client_error("update_item", "ConditionalCheckFailedException", expected_params=update)
    stub.add_client_error("get_item", "ProvisionedThroughputExceededException")
    stub.add_client_error("get_item", "AccessDeniedException")
    db.note_duplicate("app-2", "img", {"applicationId": "app-1", "imageId": "diploma-0"})  # the image is gone: nothing
    with pytest.raises(DomainError) as e:
        db.get_application("app-1")
    assert e.value.code == "TRY_AGAIN"
    with pytest.raises(ClientError):
        db.get_application("app-1")


# ---------------------------------------------------------------- decide again from a fresh read

@pytest.fixture
def backoff(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(transact.time, "sleep", waits.append)
    monkeypatch.setattr(transact.clock, "now", lambda: NOW)
    return waits


def partition(app, images=()) -> dict:
    return {"Items": [db.encode(db.application_item(app)), *(db.encode(db.image_item("app-1", i)) for i in images)]}


def test_a_lost_race_is_decided_again_from_a_fresh_read(stub, backoff):
    # Given the first commit loses to another writer that moved the application to version 8
    request = db.partition_request("app-1", False, TABLE)
    stub.add_response("query", partition(queued()), request)
    cancelled(stub, "ConditionalCheckFailed")
    stub.add_response("query", partition(queued(version=8)), request)
    seen: list[int] = []

    def decide(snap, now):
        seen.append(snap.application.version)
        after = replace(snap.application, version=snap.application.version + 1, updated_at=now.iso)
        return Plan(before=snap.application, after=after, now=now), "done"

    stub.add_response("transact_write_items", {}, {"TransactItems": [{"Update": {
        "TableName": TABLE, "Key": KEY, "UpdateExpression": "SET #a1 = :a1, #a2 = :a2",
        "ConditionExpression": "#v = :expected",
        "ExpressionAttributeNames": {"#a1": "version", "#a2": "updatedAt", "#v": "version"},
        "ExpressionAttributeValues": {":a1": N(9), ":a2": S(NOW.iso), ":expected": N(8)}}}]})
    # When
    plan, result = transact.transact("app-1", decide)
    # Then it decided twice, the second time on what the other writer left, after a short jittered wait
    assert seen == [7, 8] and result == "done" and plan.after.version == 9
    assert len(backoff) == 1 and 0 <= backoff[0] <= 0.005


def test_a_malformed_transaction_is_not_retried(stub, backoff):
    stub.add_response("query", partition(application()), db.partition_request("app-1", False, TABLE))
    cancelled(stub, "ValidationError")
    with pytest.raises(RuntimeError):
        transact.transact("app-1", lambda snap, now: (Plan(before=snap.application, after=snap.application, now=now), None))
    assert backoff == []


def test_eight_lost_races_in_a_row_are_try_again(stub, backoff):
    for _ in range(transact.ATTEMPTS):
        stub.add_response("query", partition(application()), db.partition_request("app-1", False, TABLE))
        cancelled(stub, "ConditionalCheckFailed")
    with pytest.raises(DomainError) as e:
        transact.transact("app-1", lambda snap, now: (Plan(before=snap.application, after=snap.application, now=now), None))
    assert e.value.code == "TRY_AGAIN" and len(backoff) == transact.ATTEMPTS


def test_nothing_to_write_sends_nothing(stub, backoff):
    stub.add_response("query", partition(application(), complete_images()), db.partition_request("app-1", True, TABLE))
    assert transact.transact("app-1", lambda snap, now: None, with_audit=True) is None


def test_a_snapshot_the_caller_already_read_is_tried_first_and_a_conflict_reads_afresh(stub, backoff):
    # Given process_image's read from before it processed the file (now stale: version 7, the table has 8)
    stale = snapshot(application())
    cancelled(stub, "ConditionalCheckFailed")
    stub.add_response("query", partition(application(version=8)), db.partition_request("app-1", False, TABLE))
    stub.add_response("transact_write_items", {}, None)
    seen: list[int] = []

    def decide(snap, now):
        seen.append(snap.application.version)
        return Plan(before=snap.application, after=replace(snap.application, version=snap.application.version + 1),
                    now=now), None

    # When / Then: no Query before the first attempt, one after the lost race
    transact.transact("app-1", decide, read=stale)
    assert seen == [7, 8]


def test_a_taken_watermark_reference_is_drawn_again_at_once_and_without_a_redraw_it_is_raised(stub, backoff):
    # Given a plan whose reference (item 1) another image already has
    drawn = ["7K3M9QXW2A"]

    def decide(snap, now):
        ref = Reference(drawn[-1], "app-1", "diploma-0", "diploma", now.iso)
        return Plan(before=snap.application, after=replace(snap.application, version=8), now=now, references=[ref]), ref
    cancelled(stub, "None", "ConditionalCheckFailed")
    stub.add_response("query", partition(application()), db.partition_request("app-1", False, TABLE))
    stub.add_response("transact_write_items", {}, None)
    # When / Then: the redraw comes before the next decision, which reads afresh, with no wait
    _, ref = transact.transact("app-1", decide, read=snapshot(application()), redraw=lambda: drawn.append("8K3M9QXW2A"))
    assert ref.reference == "8K3M9QXW2A" and backoff == []
    cancelled(stub, "None", "ConditionalCheckFailed")
    with pytest.raises(db.ReferenceTaken):
        transact.transact("app-1", decide, read=snapshot(application()))


# ---------------------------------------------------------------- DynamoDB's JSON, as boto3 writes and reads it

_numbers = st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1) | st.decimals(
    allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20)
_scalars = st.none() | st.booleans() | st.text(max_size=20) | _numbers | st.binary(max_size=8)
_sets = (st.frozensets(st.text(max_size=8), min_size=1, max_size=4)
         | st.frozensets(st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1), min_size=1, max_size=4)
         | st.frozensets(st.binary(max_size=4), min_size=1, max_size=3))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                       | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4), max_leaves=20)


def _boto3_plain(v):
    """What core.db.decode promises on top of boto3's reading: numbers as int/float, sets as lists, bytes."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {k: _boto3_plain(x) for k, x in v.items()}
    if isinstance(v, list | set | frozenset | tuple):
        return [_boto3_plain(x) for x in v]
    return bytes(v.value) if hasattr(v, "value") else v


@examples(max_examples=400, deadline=None)
@given(_values)
def test_values_are_written_as_boto3_writes_them_and_read_back_as_boto3_reads_them(value):
    ours = db.to_attribute(value)
    assert ours == TypeSerializer().serialize(value)
    assert db.from_attribute(ours) == _boto3_plain(TypeDeserializer().deserialize(ours))


@examples(max_examples=200, deadline=None)
@given(_sets)
def test_sets_too_in_any_order(value):
    """A set has no order: written in the order boto3 writes it, read back as a list of its members."""
    ours = db.to_attribute(value)
    assert ours == TypeSerializer().serialize(value)
    assert sorted(db.from_attribute(ours)) == sorted(_boto3_plain(TypeDeserializer().deserialize(ours)))


@pytest.mark.parametrize("value", [1.5, float("nan"), Decimal("Infinity"), Decimal("NaN"), 10**38, Decimal("1" * 39),
                                   Decimal("1E+130"), Decimal("1E-170"), object(), {1, "a"}])
def test_what_dynamodb_cannot_store_is_refused_before_sending_as_boto3_refuses_it(value):
    with pytest.raises(Exception) as theirs:
        TypeSerializer().serialize(value)
    with pytest.raises(theirs.type):
        db.to_attribute(value)
