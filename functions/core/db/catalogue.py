"""The requirement catalogue's versions (core.catalog): each change of the exam office is a new version,
written with its change record and the move of the current pointer in one transaction conditional on the
version it was made from, so two concurrent changes make two versions, never one lost. Versions never
change: a function keeps the ones it read (core.catalog); only the pointer is read per registration."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from core.catalog import CatalogueVersion
from core.db import calls, keys
from core.db.wire import decode, encode


def _compressed(data: dict) -> str:
    # A version holds every region and site: zlib keeps a national catalogue far below DynamoDB's 400 KB
    # (base64 text rather than a binary attribute: one kind of value whoever reads the table).
    return base64.b64encode(zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 9)).decode()


def _data(text: str) -> dict:
    return json.loads(zlib.decompress(base64.b64decode(text)))


def version_item(v: CatalogueVersion) -> dict:
    return {"PK": keys.CATALOGUE, "SK": keys.version_sk(keys.catalogue_sk, v.version), "kind": "catalogue",
            "version": v.version, "data": _compressed(v.data), "by": v.by, "at": v.at, "change": v.change}


def change_item(v: CatalogueVersion) -> dict:
    return {"PK": keys.CATALOGUE, "SK": keys.version_sk(keys.catalogue_log_sk, v.version), "kind": "catalogueChange",
            "version": v.version, "by": v.by, "at": v.at, "change": v.change}


def version_from(item: dict) -> CatalogueVersion:
    return CatalogueVersion(version=int(item["version"]), data=_data(item["data"]),
                            by=item.get("by", ""), at=item.get("at", ""), change=item.get("change") or {})


def change_from(item: dict) -> CatalogueVersion:
    return CatalogueVersion(version=int(item["version"]), data={}, by=item.get("by", ""), at=item.get("at", ""),
                            change=item.get("change") or {})


def publish_items(v: CatalogueVersion, table: str) -> list[dict]:
    """Version `v` (its change record with it) becomes the current one, only if the current one is still
    the one before it (none, for the first)."""
    pointer: dict[str, Any]
    if v.version == 1:
        pointer = {"Put": {"TableName": table, "Item": encode({"PK": keys.CATALOGUE, "SK": keys.CURRENT,
                                                              "kind": "catalogueCurrent", "version": 1}),
                           "ConditionExpression": "attribute_not_exists(PK)"}}
    else:
        pointer = {"Update": {"TableName": table, "Key": keys.key(keys.CATALOGUE, keys.CURRENT),
                              "UpdateExpression": "SET version = :next", "ConditionExpression": "version = :before",
                              "ExpressionAttributeValues": {":next": {"N": str(v.version)},
                                                            ":before": {"N": str(v.version - 1)}}}}
    return [{"Put": {"TableName": table, "Item": encode(version_item(v)), "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": table, "Item": encode(change_item(v)), "ConditionExpression": "attribute_not_exists(PK)"}},
            pointer]


def history_request(limit: int, table: str) -> dict:
    return {"TableName": table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :log)",
            "ExpressionAttributeValues": {":pk": {"S": keys.CATALOGUE}, ":log": {"S": keys.catalogue_log_sk("")}},
            "ScanIndexForward": False, "Limit": limit}


# ---------------------------------------------------------------- operations

def current_version(consistent: bool = False) -> int | None:
    """The newest version's number (a registration reads it consistently: it takes the newest)."""
    item = calls.get(keys.CATALOGUE, keys.CURRENT, consistent=consistent)
    return int(item["version"]) if item else None


def get_version(version: int) -> CatalogueVersion | None:
    item = calls.get(keys.CATALOGUE, keys.version_sk(keys.catalogue_sk, version))
    return version_from(item) if item else None


def publish(v: CatalogueVersion) -> None:
    """Raises Conflict if another version was published since v's predecessor was read."""
    calls.write_transaction(publish_items(v, calls.table()))


def history(limit: int) -> list[CatalogueVersion]:
    """The newest changes first (who, when, what), without the versions' data."""
    out = calls.call(calls.client().query, **history_request(limit, calls.table()))
    return [change_from(decode(i)) for i in out.get("Items", [])]
