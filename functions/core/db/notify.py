"""Notifications' storage (R22, status changes): contacts, subscriptions and their fan-out list,
announcements and the fan-out's lease, and one delivery marker per message (keys in core.db.keys)."""

from __future__ import annotations

import contextlib
from typing import Any

from core.db import calls, keys
from core.db.items import from_item, to_item
from core.db.keys import key
from core.db.wire import clean, encode
from core.models import Announcement, Contact, Delivery, Marker, Subscription


def contact_item(contact: Contact, ttl: int | None) -> dict:
    return {"PK": keys.user_pk(contact.user), "SK": keys.CONTACT, "kind": "contact",
            **to_item(contact, omit=("user",)), "ttl": ttl}


def contact_from(item: dict) -> Contact:
    return from_item(Contact, item, user=keys.user_of(item["PK"]))


def subscription_items(s: Subscription, ttl: int | None) -> tuple[dict, dict]:
    """The candidate's own item and the fan-out list's, always written and deleted together."""
    mine = {"PK": keys.user_pk(s.user), "SK": keys.subscription_sk(s.id), "kind": "subscription",
            **to_item(s, omit=("user",)), "ttl": ttl}
    listed = {"PK": keys.subscribers_pk(s.exam_year, s.category), "SK": keys.user_pk(s.user), "kind": "subscriber",
              "subscriptionId": s.id, "createdAt": s.created_at, "ttl": ttl}
    return mine, listed


def subscription_from(item: dict) -> Subscription:
    return from_item(Subscription, item, user=keys.user_of(item["PK"]))


def announcement_item(a: Announcement, ttl: int | None) -> dict:
    return clean({"PK": keys.announcement_pk(a.id), "SK": keys.ANN, "kind": "announcement", **to_item(a), "ttl": ttl})


def announcement_from(item: dict) -> Announcement:
    return from_item(Announcement, item)


def subscription_put_items(s: Subscription, ttl: int | None, table: str) -> list[dict]:
    return [{"Put": {"TableName": table, "Item": encode(item), "ConditionExpression": "attribute_not_exists(PK)"}}
            for item in subscription_items(s, ttl)]


def subscription_delete_items(s: Subscription, table: str) -> list[dict]:
    mine, listed = subscription_items(s, 0)
    return [{"Delete": {"TableName": table, "Key": key(item["PK"], item["SK"])}} for item in (mine, listed)]


def subscribers_request(exam_year: int, category: str, after: str | None, limit: int, table: str) -> dict:
    pk = keys.subscribers_pk(exam_year, category)
    request: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": pk}},
               "ProjectionExpression": "SK", "Limit": limit}
    if after:
        request["ExclusiveStartKey"] = key(pk, after)
    return request


def lease_request(ann_id: str, token: str, now: int, until: int, table: str) -> dict:
    """Take the fan-out lease if nobody holds a live one. On failure DynamoDB answers with the holder."""
    pk, sk = keys.LEASE_KEY
    return {"TableName": table, "Item": encode({"PK": pk, "SK": sk, "kind": "lease", "announcementId": ann_id,
                                                "token": token, "until": until, "ttl": until}),
            "ConditionExpression": "attribute_not_exists(PK) OR #until <= :now",
            "ExpressionAttributeNames": {"#until": "until"}, "ExpressionAttributeValues": {":now": {"N": str(now)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


def progress_items(ann: Announcement, cursor: str | None, counts: dict[str, int], done: bool, at: str, token: str,
                   table: str) -> list[dict]:
    """One batch of the fan-out, recorded: the cursor moves past the subscribers handled and their
    counts are added in the same write, only from the cursor this batch started at and only while
    this sender holds the lease; the lease is given back with it."""
    names = {"#c": "cursor", "#d": "done"}
    values: dict[str, dict] = {":false": {"BOOL": False}, ":done": {"BOOL": done}}
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
    update = {"TableName": table, "Key": key(keys.announcement_pk(ann.id), keys.ANN),
              "UpdateExpression": "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else ""),
              "ConditionExpression": condition, "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
    release = {"TableName": table, "Key": key(*keys.LEASE_KEY), "ConditionExpression": "#t = :token",
               "ExpressionAttributeNames": {"#t": "token"}, "ExpressionAttributeValues": {":token": {"S": token}}}
    return [{"Update": update}, {"Delete": release}]


def delivery_item(m: Marker, status: Delivery, at: str | None = None, message_id: str | None = None) -> dict:
    return clean({"PK": m.pk, "SK": m.sk, "kind": "delivery", "status": status.value,
                  **to_item(m, omit=("pk", "sk")), "at": at, "messageId": message_id})


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


# ---------------------------------------------------------------- operations

def put_contact(contact: Contact, ttl: int | None) -> None:
    """One contact per user: a new number or a new consent replaces the old one."""
    calls.call(calls.client().put_item, TableName=calls.table(), Item=encode(contact_item(contact, ttl)))


def get_contact(user: str) -> Contact | None:
    item = calls.get(keys.user_pk(user), keys.CONTACT)
    return contact_from(item) if item else None


def get_contacts(users: list[str]) -> dict[str, Contact]:
    """Several users' contacts (the fan-out's batch), by user; users without one are left out."""
    found = calls.batch_get([key(keys.user_pk(u), keys.CONTACT) for u in dict.fromkeys(users)])
    return {c.user: c for c in map(contact_from, found)}


def subscribe(s: Subscription, ttl: int | None) -> bool:
    """False if the user already has this subscription (nothing is written then)."""
    return calls.created(subscription_put_items(s, ttl, calls.table()))


def get_subscription(user: str, subscription_id: str) -> Subscription | None:
    item = calls.get(keys.user_pk(user), keys.subscription_sk(subscription_id))
    return subscription_from(item) if item else None


def subscriptions(user: str) -> list[Subscription]:
    return [subscription_from(i) for i in calls.query_all({
        "TableName": calls.table(), "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sub)",
        "ExpressionAttributeValues": {":pk": {"S": keys.user_pk(user)}, ":sub": {"S": keys.SUB}}})]


def unsubscribe(s: Subscription) -> None:
    calls.write_transaction(subscription_delete_items(s, calls.table()))


def forget_contact(user: str) -> int:
    """Delete a user's contact and every subscription (both items of each). Returns how many
    subscriptions went. Deletes are idempotent: a repeat finishes whatever an interrupted one left."""
    subs = subscriptions(user)
    items = [i for s in subs for i in subscription_delete_items(s, calls.table())]
    items.append({"Delete": {"TableName": calls.table(), "Key": key(keys.user_pk(user), keys.CONTACT)}})
    items.append({"Delete": {"TableName": calls.table(), "Key": key(keys.user_pk(user), keys.VERIFY)}})  # a code sent
    for start in range(0, len(items), 100):
        calls.write_transaction(items[start:start + 100])
    return len(subs)


def subscribers_page(exam_year: int, category: str, after: str | None, limit: int) -> tuple[list[str], str | None]:
    """Up to `limit` subscribers after `after` (a subscriber's SK), in key order; the SK to continue
    from, or None at the end."""
    out = calls.call(calls.client().query, **subscribers_request(exam_year, category, after, limit, calls.table()))
    users = [keys.user_of(i["SK"]["S"]) for i in out.get("Items", [])]
    last = out.get("LastEvaluatedKey")
    return users, (last["SK"]["S"] if last else None)


def create_announcement(a: Announcement, ttl: int | None) -> None:
    calls.call(calls.client().put_item, TableName=calls.table(), Item=encode(announcement_item(a, ttl)),
               ConditionExpression="attribute_not_exists(PK)")


def get_announcement(ann_id: str) -> Announcement | None:
    item = calls.get(keys.announcement_pk(ann_id), keys.ANN, consistent=True)
    return announcement_from(item) if item else None


def take_fanout_lease(ann_id: str, token: str, now: int, until: int) -> str | None:
    """None if this sender now holds the lease, else the announcement id the holder is sending."""
    held = calls.holder(calls.client().put_item, **lease_request(ann_id, token, now, until, calls.table()))
    return None if held is None else str(held.get("announcementId", ""))


def release_fanout_lease(token: str) -> None:
    """Give the fan-out lease back (only the attempt holding it can; gone already is fine)."""
    with contextlib.suppress(calls.Conflict):
        calls.call(calls.client().delete_item, TableName=calls.table(), Key=key(*keys.LEASE_KEY),
                   ConditionExpression="#t = :token", ExpressionAttributeNames={"#t": "token"},
                   ExpressionAttributeValues={":token": {"S": token}})


def record_progress(ann: Announcement, cursor: str | None, counts: dict[str, int], done: bool, at: str,
                    token: str) -> None:
    """Raises Conflict if another sender moved the cursor or took the lease meanwhile."""
    calls.write_transaction(progress_items(ann, cursor, counts, done, at, token, calls.table()))


def claim_delivery(m: Marker) -> Delivery | None:
    """None if the marker is ours now (send the message); else the status it already has."""
    held = calls.holder(calls.client().put_item, **delivery_claim_request(m, calls.table()))
    return None if held is None else Delivery(held.get("status", Delivery.SENDING.value))


def finish_delivery(m: Marker, status: Delivery, at: str, message_id: str | None = None) -> None:
    calls.call(calls.client().put_item, **delivery_finish_request(m, status, at, message_id, calls.table()))


def release_delivery(m: Marker) -> None:
    """Nothing was sent: take the marker away so that a retry sends it."""
    calls.call(calls.client().delete_item, TableName=calls.table(), Key=key(m.pk, m.sk),
               ConditionExpression="#t = :token", ExpressionAttributeNames={"#t": "token"},
               ExpressionAttributeValues={":token": {"S": m.token}})
