"""What an image leaves outside its application's partition: the watermark reference that traces a
leaked copy back to it (R7), and its entries in the likeness index (near duplicates by Query)."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

from core.db import calls, keys
from core.db.items import to_item
from core.db.wire import decode, to_attribute
from core.likeness import as_int, band_keys
from core.plan import Likeness, Reference


def reference_item(ref: Reference) -> dict:
    return {"PK": keys.reference_pk(ref.reference), "SK": keys.REF, "kind": "reference", **to_item(ref)}


def likeness_items(entry: Likeness) -> list[dict]:
    return [{"PK": keys.likeness_pk(band), "SK": keys.likeness_sk(entry.application_id, entry.image_id),
             "kind": "likeness", **to_item(entry)} for band in band_keys(as_int(entry.phash))]


def get_reference(reference: str) -> dict | None:
    return calls.get(keys.reference_pk(reference), keys.REF)


LIKENESS_PAGE = 100  # per probed band: a band that common says little; the nearest ones come back first


def likeness(bands: list[str]) -> list[dict]:
    """Index entries sharing any of these bands of a perceptual hash (the near-duplicate candidates).
    One Query per band, sent together: the lookup waits for the slowest, not for their sum."""
    dynamodb, table = calls.client(), calls.table()  # made here, not in the threads: one session, not thread-safe

    def band(name: str) -> list[dict]:
        page = calls.call(dynamodb.query, TableName=table, KeyConditionExpression="PK = :pk",
                          ExpressionAttributeValues={":pk": {"S": keys.likeness_pk(name)}}, Limit=LIKENESS_PAGE)
        return [decode(i) for i in page.get("Items", [])]

    found: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=min(8, len(bands) or 1)) as pool:
        for items in pool.map(band, bands):
            found.update((item["SK"], item) for item in items)
    return list(found.values())


def note_duplicate(app_id: str, image_id: str, other: dict) -> None:
    """Tell an earlier image that a later upload of another candidate looks the same (a reviewer's hint,
    not state: the application's version does not move). Nothing if that image is gone."""
    with contextlib.suppress(calls.Conflict):
        calls.call(calls.client().update_item, TableName=calls.table(),
                   Key=keys.key(keys.app_pk(app_id), keys.image_sk(image_id)),
                   UpdateExpression="SET #d = list_append(if_not_exists(#d, :none), :one)",
                   ConditionExpression="attribute_exists(PK)", ExpressionAttributeNames={"#d": "duplicateOf"},
                   ExpressionAttributeValues={":none": {"L": []}, ":one": to_attribute([other])})
