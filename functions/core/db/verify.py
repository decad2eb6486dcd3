"""A phone number's verification (api-contract.md "What is tested is what deploys"): the code sent to a
number not yet verified, its tries, and the contact it becomes; and one message per number per
announcement. Every limit is a condition of the write that needs it: one code a minute, five tries,
a code voided by a newer one, a number's announcement message claimed by one account."""

from __future__ import annotations

import contextlib

from core.db import calls, keys
from core.db.items import from_item, to_item
from core.db.keys import key
from core.db.notify import contact_item
from core.db.wire import decode, encode
from core.models import Contact, Verification


def verification_item(v: Verification) -> dict:
    """Kept until the code expires: an unused code is gone by itself (the TTL is its expiry)."""
    return {"PK": keys.user_pk(v.user), "SK": keys.VERIFY, "kind": "verification", **to_item(v, omit=("user",)),
            "ttl": v.expires_at}


def verification_from(item: dict) -> Verification:
    return from_item(Verification, item, user=keys.user_of(item["PK"]))


def start_request(v: Verification, sent_before: int, table: str) -> dict:
    """A new code replaces the old one (and its tries) only if the old one was sent before `sent_before`:
    one code a minute, so nobody texts a number over and over or tries codes faster than that."""
    return {"TableName": table, "Item": encode(verification_item(v)),
            "ConditionExpression": "attribute_not_exists(PK) OR sentAt <= :before",
            "ExpressionAttributeValues": {":before": {"N": str(sent_before)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


def try_request(user: str, limit: int, table: str) -> dict:
    """One try at the code, counted before the code is compared: however many arrive at once, at most
    `limit` are ever compared."""
    return {"TableName": table, "Key": key(keys.user_pk(user), keys.VERIFY), "UpdateExpression": "ADD tries :one",
            "ConditionExpression": "attribute_exists(PK) AND (attribute_not_exists(tries) OR tries < :limit)",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":limit": {"N": str(limit)}}, "ReturnValues": "ALL_NEW"}


def confirm_items(contact: Contact, token: str, ttl: int | None, table: str) -> list[dict]:
    """The verified contact replaces any older one, and the code is used up, only if it is still the
    latest code (a newer one voids it)."""
    return [{"Put": {"TableName": table, "Item": encode(contact_item(contact, ttl))}},
            {"Delete": {"TableName": table, "Key": key(keys.user_pk(contact.user), keys.VERIFY),
                        "ConditionExpression": "#t = :token", "ExpressionAttributeNames": {"#t": "token"},
                        "ExpressionAttributeValues": {":token": {"S": token}}}}]


def number_request(ann_id: str, number: str, user: str, ttl: int | None, table: str) -> dict:
    """The announcement's message to this number belongs to the first account that claims it (and to it
    again when its sender comes back after a crash)."""
    item: dict[str, str | int] = {"PK": keys.announcement_pk(ann_id), "SK": keys.number_sk(number), "kind": "number",
                                  "user": user}
    if ttl:
        item["ttl"] = ttl
    return {"TableName": table, "Item": encode(item),
            "ConditionExpression": "attribute_not_exists(PK) OR #u = :user",
            "ExpressionAttributeNames": {"#u": "user"}, "ExpressionAttributeValues": {":user": {"S": user}}}


# ---------------------------------------------------------------- operations

def start_verification(v: Verification, sent_before: int) -> Verification | None:
    """None if the new code is stored; else the one sent since `sent_before`, which stays."""
    held = calls.holder(calls.client().put_item, **start_request(v, sent_before, calls.table()))
    return None if held is None else verification_from(held)


def get_verification(user: str) -> Verification | None:
    item = calls.get(keys.user_pk(user), keys.VERIFY, consistent=True)
    return verification_from(item) if item else None


def drop_verification(v: Verification) -> None:
    """The code was never sent: take it away (only this one), so the candidate may ask again at once."""
    with contextlib.suppress(calls.Conflict):  # a newer code is there: it stays
        calls.call(calls.client().delete_item, TableName=calls.table(), Key=key(keys.user_pk(v.user), keys.VERIFY),
                   ConditionExpression="#t = :token", ExpressionAttributeNames={"#t": "token"},
                   ExpressionAttributeValues={":token": {"S": v.token}})


def take_try(user: str, limit: int) -> Verification | None:
    """The verification with this try counted; None if there is none or its tries are used up."""
    try:
        out = calls.call(calls.client().update_item, **try_request(user, limit, calls.table()))
    except calls.Conflict:
        return None
    return verification_from(decode(out["Attributes"]))


def confirm_contact(contact: Contact, token: str, ttl: int | None) -> bool:
    """False if a newer code replaced this one meanwhile (nothing is written then)."""
    return calls.created(confirm_items(contact, token, ttl, calls.table()))


def claim_number(ann_id: str, number: str, user: str, ttl: int | None) -> bool:
    """True if this user's message is the number's one for this announcement."""
    try:
        calls.call(calls.client().put_item, **number_request(ann_id, number, user, ttl, calls.table()))
        return True
    except calls.Conflict:
        return False

