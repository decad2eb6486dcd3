"""Items: what each domain object is in the table, and how long it stays there (TTL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.settings import settings

# A PENDING reservation that is never uploaded is swept by DynamoDB TTL a day later; correctness
# never depends on that (expired reservations are treated as free by the conditions themselves).
TTL_GRACE = 86400
CHINA = timezone(timedelta(hours=8))


def keep_until(exam_year: int, retention_days: int) -> int | None:
    """When an application's records may go (DynamoDB TTL): `retention_days` after the end of its exam
    year, China time; the same instant for every item of the application, so its audit trail never
    outlives or predeceases its images. None: kept for good."""
    if not retention_days:
        return None
    season_end = datetime(exam_year + 1, 1, 1, tzinfo=CHINA).timestamp()
    return int(season_end) + retention_days * 86400


def keep(exam_year: int) -> int | None:
    """keep_until with the retention this function is configured with."""
    return keep_until(exam_year, settings().retention_days)


def retain(items: list[dict], until: int | None) -> list[dict]:
    """Every item put without a TTL of its own (a PENDING reservation has one) is kept until `until`."""
    if until is not None:
        for entry in items:
            put = entry.get("Put")
            if put and "ttl" not in put["Item"]:
                put["Item"]["ttl"] = {"N": str(until)}
    return items
