"""A Plan (core.plan) as one DynamoDB transaction: every item carries its condition, so a decision lands
only on exactly the state it was computed from, or not at all (Conflict: decide again)."""

from __future__ import annotations

from core.db import calls, keys
from core.db.applications import APP_MUTABLE, audit_item, image_item, seat_item
from core.db.images import likeness_items, reference_item
from core.db.items import attribute, keep, retain, stored
from core.db.keys import key
from core.db.windows import window_check_item
from core.db.wire import encode, to_attribute
from core.plan import Plan


def _app_update(plan: Plan, table: str, until: int | None = None) -> dict:
    """SET/REMOVE the application's changed attributes, conditional on the version the plan was made from."""
    before, after = plan.before, plan.after
    sets, removes, values, names = [], [], {}, {}
    for i, f in enumerate(APP_MUTABLE):
        value, previous = getattr(after, f.name), getattr(before, f.name)
        if value == previous and f.name != "version":
            continue
        names[f"#a{i}"] = attribute(f)
        if value is None or value == ():
            removes.append(f"#a{i}")
        else:
            sets.append(f"#a{i} = :a{i}")
            values[f":a{i}"] = to_attribute(stored(value))
    for old, new in ((keys.queue_keys(before), keys.queue_keys(after)), (keys.site_keys(before), keys.site_keys(after))):
        for attr in sorted(set(old) | set(new)):
            if new.get(attr) == old.get(attr):
                continue
            names[f"#{attr}"] = attr
            if attr in new:
                sets.append(f"#{attr} = :{attr}")
                values[f":{attr}"] = {"S": new[attr]}
            else:
                removes.append(f"#{attr}")
    if until is not None:
        sets.append("#ttl = :keep")
        names["#ttl"], values[":keep"] = "ttl", {"N": str(until)}
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    names["#v"] = "version"
    values[":expected"] = {"N": str(before.version)}
    condition = "#v = :expected"
    if plan.claim_holder:
        names.update({"#cb": "claimedBy", "#ce": "claimExpiresAt"})
        values.update({":holder": {"S": plan.claim_holder}, ":now": {"N": str(plan.now.seconds)}})
        condition += " AND #cb = :holder AND #ce > :now"
    elif plan.claim_for:
        names.update({"#cb": "claimedBy", "#ce": "claimExpiresAt"})
        values.update({":me": {"S": plan.claim_for}, ":now": {"N": str(plan.now.seconds)}})
        condition += " AND (attribute_not_exists(#cb) OR #cb = :me OR #ce <= :now)"
    return {"Update": {
        "TableName": table, "Key": key(keys.app_pk(after.id), keys.APP), "UpdateExpression": expression,
        "ConditionExpression": condition, "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }}


def _versioned(expected: int | None) -> dict:
    if expected is None:
        return {"ConditionExpression": "attribute_not_exists(PK)"}
    return {"ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": {"N": str(expected)}}}


def plan_items(plan: Plan, table: str, until: int | None = None) -> list[dict]:
    """The Plan as TransactItems, in a fixed order: application, images, seats, references, likeness,
    audit, the window's check. `until`: the application's TTL (keep_until), written on everything it puts."""
    app_id = plan.after.id
    pk = keys.app_pk(app_id)
    items: list[dict] = [_app_update(plan, table, until)]
    for image, expected in plan.put_images:
        items.append({"Put": {"TableName": table, "Item": encode(image_item(app_id, image)), **_versioned(expected)}})
    for image in plan.delete_images:
        items.append({"Delete": {"TableName": table, "Key": key(pk, keys.image_sk(image.image_id)),
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
                "ExpressionAttributeValues": {":image": {"S": seat.image_id}, ":keep": {"N": str(until)}}} \
            if until is not None else {"UpdateExpression": "REMOVE expiresAt, #ttl",
                                       "ExpressionAttributeValues": {":image": {"S": seat.image_id}}}
        items.append({"Update": {
            "TableName": table, "Key": key(pk, keys.seat_sk(seat.material_type, seat.index)),
            "ConditionExpression": "imageId = :image", "ExpressionAttributeNames": {"#ttl": "ttl"}, **kept,
        }})
    for seat in plan.release_seats:
        items.append({"Delete": {
            "TableName": table, "Key": key(pk, keys.seat_sk(seat.material_type, seat.index)),
            "ConditionExpression": "imageId = :image", "ExpressionAttributeValues": {":image": {"S": seat.image_id}},
        }})
    for ref in plan.references:
        items.append({"Put": {"TableName": table, "Item": encode(reference_item(ref)),
                              "ConditionExpression": "attribute_not_exists(PK)"}})
    for likeness in plan.add_likeness:
        items += [{"Put": {"TableName": table, "Item": encode(item)}} for item in likeness_items(likeness)]
    for likeness in plan.remove_likeness:
        items += [{"Delete": {"TableName": table, "Key": key(item["PK"], item["SK"])}}
                  for item in likeness_items(likeness)]
    for entry in plan.audit:
        items.append({"Put": {"TableName": table, "Item": encode(audit_item(app_id, entry))}})
    if plan.window_check is not None:
        items.append(window_check_item(plan.window_check, table))
    return retain(items, until)


def commit(plan: Plan) -> None:
    """Write a Plan as one transaction; raises Conflict if any condition no longer holds."""
    calls.write_transaction(plan_items(plan, calls.table(), keep(plan.after.exam_year)))
