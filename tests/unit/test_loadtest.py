"""The load test's verdict (bench/loadtest): PASS only when every started journey ended with each image
SUBMITTED, stored exactly once, no request failed and nothing waits in the dead-letter queue; the 429s
waited out are counted per route."""

from __future__ import annotations

from types import SimpleNamespace

from bench.loadtest import PER_MATERIAL, _rows

WANT = sum(PER_MATERIAL.values())


def journey(app: str, at: float, status: str = "SUBMITTED") -> list[dict]:
    images = [{"imageId": f"{app}-{n}", "status": status, "uploadedAt": at + n, "seenAt": at + n + 2.5,
               "processedAt": "2026-01-01T00:00:01Z"} for n in range(WANT)]
    return [{"kind": "start", "app": app, "at": at}, {"kind": "done", "app": app, "at": at + 30, "images": images}]


def verdict(entries, stored=None, failures=0, dlq=0):
    stats = {"GET /applications": {"requests": 4, "failures": failures, "p95_ms": 10.0, "p50_ms": 5.0}}
    stored = stored or {"a": ["SUBMITTED"] * WANT, "b": ["SUBMITTED"] * WANT}
    rows, detail = _rows(entries, stats, stored, {"dead_letters": dlq, "queued": 0}, 2, 2, 0.01, {}, 60.0,
                         SimpleNamespace(returncode=0, stderr=""), "log")
    return rows[0], detail


def test_every_journey_completed_and_stored_once_passes_and_counts_the_429s():
    waits = [{"kind": "wait", "route": "GET /applications", "status": 429, "seconds": 1, "at": 1},
             {"kind": "wait", "route": "S3 POST uploads/", "status": 503, "seconds": 1, "at": 2}]
    row, detail = verdict(journey("a", 0.0) + journey("b", 2.0) + waits)
    assert (row.figure, row.verdict) == ("2/2", "PASS")
    assert detail["answered_429"] == 1 and detail["waits"] == {"GET /applications 429": 1, "S3 POST uploads/ 503": 1}
    assert detail["arrival_per_s"] == 0.5


def test_a_failed_or_unfinished_journey_a_duplicate_a_failure_or_a_dead_letter_is_a_miss():
    assert verdict(journey("a", 0.0) + journey("b", 1.0, status="PENDING"))[0].verdict == "MISS"
    failed = journey("a", 0.0) + [{"kind": "start", "app": "b", "at": 1.0}, {"kind": "failed", "app": "b", "at": 2, "error": "x"}]
    assert verdict(failed)[0].figure == "1/2"
    twice = {"a": ["SUBMITTED"] * WANT, "b": ["SUBMITTED"] * (WANT + 1)}
    assert verdict(journey("a", 0.0) + journey("b", 1.0), stored=twice)[0].verdict == "MISS"
    assert verdict(journey("a", 0.0) + journey("b", 1.0), failures=1)[0].verdict == "MISS"
    assert verdict(journey("a", 0.0) + journey("b", 1.0), dlq=1)[0].verdict == "MISS"
