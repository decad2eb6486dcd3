"""The in-process AWS the tests and the bench drive the functions against: its clients and resource
names, and resetting the functions' cached clients when moto starts or stops."""

from __future__ import annotations

from dataclasses import dataclass


def reset_clients() -> None:
    from core import aws, catalog, db, image_links, settings, storage

    settings.settings.cache_clear()
    aws.reset()
    db.reset_client()
    storage.reset_client()
    image_links.reset()
    catalog.forget()  # another table: its own catalogue versions
    db.forget_shown_windows()


@dataclass
class Aws:
    ddb: object
    s3: object
    sqs: object
    queue_url: str
    dlq_url: str
    table: str
    uploads: str
    materials: str

    def items(self, app_id: str) -> list[dict]:
        from core import db

        out = self.ddb.query(TableName=self.table, KeyConditionExpression="PK = :pk",
                             ExpressionAttributeValues={":pk": {"S": db.app_pk(app_id)}})
        return [db.decode(i) for i in out["Items"]]

    def kinds(self, app_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items(app_id):
            counts[item["kind"]] = counts.get(item["kind"], 0) + 1
        return counts
