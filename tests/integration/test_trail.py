"""An application's trail through the handlers and moto: staff reads of identity data are audited
(`viewed`: who, role, when; at most one per person, application and hour, by a conditional write on the
hour's key, raced on threads), and every list of the trail is paged (the newest 50 and a cursor), so
3,000 reserve/delete cycles leave the pages small and the cursors walk every entry exactly once."""

from __future__ import annotations

import base64
import json
import time

import pytest

from core import db, uploads
from core.clock import Now
from core.models import Snapshot
from review import use_cases as review
from status import use_cases as status
from tests.conftest import claims
from tests.flow import caller, race, small_photo, upload

CAND = claims("cand-001", "candidate")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
SITE_2 = claims("rev-site-2", "site_reviewer", site="1101", region="11")
OTHER_SITE = claims("rev-3101", "site_reviewer", site="3101", region="31")
OFFICE = claims("office-1", "exam_office")
HOUR = 3600


def viewed(api, app_id: str = "app-1") -> list[dict]:
    """The `viewed` entries of the audit list, as the exam office sees them (every page of it)."""
    return [e for e in audit_walk(api, OFFICE, app_id) if e["action"] == "viewed"]


def walk(api, function: str, who: dict, first: str, path: str, items: str) -> tuple[list[dict], list[int]]:
    """Every entry of a list, the page's own first, then each older page by its cursor; the size of each
    answer in bytes."""
    reply = api(function, "GET", first, who)
    assert reply.status == 200, reply
    body, sizes = reply.body, [len(json.dumps(reply.body, ensure_ascii=False).encode())]
    entries, more = list(body[items[0]] if isinstance(items, tuple) else body[items]), None
    more = body[items[1]] if isinstance(items, tuple) else body["nextCursor"]
    while more:
        page = api(function, "GET", path, who, query={"cursor": more})
        assert page.status == 200, page
        sizes.append(len(json.dumps(page.body, ensure_ascii=False).encode()))
        assert len(page.body["items"]) <= 50
        entries = page.body["items"] + entries  # older ones come before
        more = page.body["nextCursor"]
    return entries, sizes


def audit_walk(api, who: dict, app_id: str = "app-1") -> list[dict]:
    entries, _ = walk(api, "review", who, f"/review/applications/{app_id}/audit", f"/review/applications/{app_id}/audit",
                      "items")
    return entries


# ---------------------------------------------------------------- staff reads of identity data are audited

@pytest.fixture
def app1(register):
    return register("app-1")


def test_a_reviewers_read_is_on_the_trail_once_an_hour(api, app1, clock):
    clock.t = clock.t // HOUR * HOUR + 1  # the start of an hour
    # When a site reviewer opens the review page three times within the hour
    for _ in range(3):
        assert api("review", "GET", "/review/applications/app-1", SITE).status == 200
        clock.tick(600)
    # Then the trail has one `viewed` entry: who, in which role, when
    (entry,) = viewed(api)
    assert (entry["actor"], entry["role"], entry["label"], entry["labelEn"]) == (
        "rev-site", "site_reviewer", "查看了考生身份信息", "Viewed the candidate's identity data")
    assert entry["at"] == Now(clock.t - 1800).iso  # the first read's time
    # and the next hour's read is another one
    clock.tick(HOUR)
    assert api("review", "GET", "/review/applications/app-1", SITE).status == 200
    assert [e["actor"] for e in viewed(api)] == ["rev-site", "rev-site"]


def test_every_staff_read_of_a_full_identity_number_is_audited_and_the_candidates_own_is_not(api, app1, clock):
    # The routes that answer the full idNumber to staff: the review page and the upload page
    for function, path, who in (("review", "/review/applications/app-1", OFFICE),
                                ("status", "/applications/app-1", OFFICE),
                                ("status", "/applications/app-1", SITE_2),
                                ("status", "/applications/app-1", CAND)):
        reply = api(function, "GET", path, who)
        assert reply.status == 200 and reply.body["application"]["idNumber"], reply
    # Then the office's first read (either route) and the second reviewer's are there; the candidate's is not
    assert sorted((e["actor"], e["role"]) for e in viewed(api)) == [("office-1", "exam_office"),
                                                                    ("rev-site-2", "site_reviewer")]
    # The candidate's timeline never shows who looked
    page = api("status", "GET", "/applications/app-1", CAND).body
    assert "viewed" not in {e["action"] for e in page["timeline"]}
    # A read refused as out of scope (404) leaves nothing
    assert api("review", "GET", "/review/applications/app-1", OTHER_SITE).status == 404
    assert len(viewed(api)) == 2
    # Lists with masked numbers only are not reads of identity data
    assert api("review", "GET", "/review/applications", OFFICE, query={"q": "app-1"}).status == 200
    assert len(viewed(api)) == 2


def test_simultaneous_reads_by_one_person_leave_one_entry(api, app1, serial_moto, clock):
    clock.t = clock.t // HOUR * HOUR + 1800  # mid-hour: every thread's read counts in the same hour
    # When one reviewer's page is read on eight threads at once (two tabs, retries), and another's on four
    me, other = caller(SITE), caller(SITE_2)
    results = race(*[(review.review_page, me, "app-1")] * 8, *[(status.materials_page, other, "app-1")] * 4)
    assert all(not isinstance(r, str) for r in results), results  # every read answered
    # Then each person's read is on the trail exactly once
    assert sorted(e["actor"] for e in viewed(api)) == ["rev-site", "rev-site-2"]
    markers = [i for i in db_partition(api, "app-1") if i["SK"].startswith(db.keys.VIEWED)]
    assert len(markers) == 2


def test_the_view_is_a_conditional_write_on_the_hours_key():
    from core.db.trail import view_items
    from tests.unit.factories import application, entry

    app = application()
    seen = entry("viewed", actor="rev-site", role="site_reviewer")
    marker, audit = view_items(app, seen, 500_000, "T", until=123)
    assert marker["Put"]["Item"]["SK"] == {"S": "VIEWED#500000#rev-site"}
    assert marker["Put"]["ConditionExpression"] == "attribute_not_exists(PK)"
    assert marker["Put"]["Item"]["ttl"] == {"N": str(500_002 * HOUR)}  # gone after its hour; never needed then
    assert audit["Put"]["Item"]["SK"]["S"].startswith("TRAIL#") and "ConditionExpression" not in audit["Put"]
    assert audit["Put"]["Item"]["ttl"] == {"N": "123"}  # kept as long as the application


def db_partition(api, app_id: str) -> list[dict]:
    from core.db import calls

    return calls.query_all(db.partition_request(app_id, True, calls.table()))


# ---------------------------------------------------------------- histories are paged

CYCLES = 3000


def cycles(aws, app_id: str, n: int, start: float, hidden_every: int = 0) -> list:
    """`n` reserve/delete cycles of one candidate, decided by the domain's own deciders (core.uploads) on
    an in-memory snapshot, their audit entries written as the commits would write them (BatchWriteItem:
    6,000 transactions through moto would take minutes); with `hidden_every`, a staff member's `viewed`
    entry after every so many cycles. Returns the entries, oldest first."""
    from core.access import viewed as staff_read

    snap = db.load(app_id, with_audit=False)
    who, staff = caller(CAND), caller(OFFICE)
    written = []
    for i in range(n):
        now = Now(start + 3 * i)
        plan, image = uploads.reserve(snap, uploads.Reserve(who, "other", "image/jpeg", 1000, None, f"cycle{i:06d}", 300),
                                      now)
        snap = Snapshot(plan.after, [*snap.images, image], [*snap.seats, *plan.take_seats])
        plan2 = uploads.delete(snap, uploads.Delete(who, "other", image.image_id), now.plus(1))
        snap = Snapshot(plan2.after, [i for i in snap.images if i.image_id != image.image_id],
                        [s for s in snap.seats if s.image_id != image.image_id])
        written += plan.audit + plan2.audit
        if hidden_every and i % hidden_every == 0:
            written.append(staff_read(staff, snap.application, now.plus(2))[0])
    items = [{"PutRequest": {"Item": db.encode(db.audit_item(app_id, e))}} for e in written]
    for k in range(0, len(items), 25):
        aws.ddb.batch_write_item(RequestItems={aws.table: items[k:k + 25]})
    return written


@pytest.fixture
def kept_image(api, aws, app1) -> str:
    """app-1 with its identity card's front uploaded and processed."""
    from tests.flow import drain

    kept = upload(api, aws, CAND, "app-1", "id_card", small_photo())
    drain(aws)
    return kept


def key(e: dict) -> tuple:
    return e["at"], e["action"], e.get("imageId")


def trail_keys(app_id: str) -> list[tuple]:
    """Every entry of the trail, oldest first, as the table has it (one paged Query)."""
    from core.db import calls

    request = {**db.trail_request(app_id, calls.table()), "ScanIndexForward": True}
    return [(i["at"], i["action"], i.get("imageId")) for i in calls.query_all(request)]


def size(body: dict) -> int:
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def test_3000_cycles_leave_the_pages_small_and_the_cursor_walks_every_entry_once(api, aws, kept_image,
                                                                                 record_property):
    # Given an application whose candidate reserved and deleted an image 3,000 times after their first upload
    written = cycles(aws, "app-1", CYCLES, time.time() + 10)
    everything = trail_keys("app-1")
    assert len(everything) == len(written) + 3  # registered, reserved and submitted before the cycles
    # Then the candidate's page shows the timeline's newest 50, a cursor to the rest, and stays small
    mine = api("status", "GET", "/applications/app-1", CAND).body
    assert [key(e) for e in mine["timeline"]] == everything[-50:] and mine["timelineCursor"]
    # and so does the review page, for every list of the trail
    page = api("review", "GET", "/review/applications/app-1", SITE).body
    everything = trail_keys("app-1")  # with the reviewer's read
    assert [key(e) for e in page["audit"]] == everything[-50:] and page["auditCursor"] and page["timelineCursor"]
    assert sum(len(v) for v in page["imageHistory"].values()) <= 50
    assert size(mine) < 64_000 and size(page) < 64_000, (size(mine), size(page))
    # The audit list's cursor walks every entry exactly once, oldest first, each answer small
    audit, sizes = walk(api, "review", SITE, "/review/applications/app-1", "/review/applications/app-1/audit",
                        ("audit", "auditCursor"))
    assert [key(e) for e in audit] == everything and len(set(map(key, audit))) == len(audit) == 6004
    assert [e["actor"] for e in audit if e["action"] == "viewed"] == ["rev-site"]  # twice in the hour: once
    # The kept image's history goes on past the page: its cursor finds its reservation and its processing
    (image,) = [i for m in page["materials"] for i in m["images"] if i["imageId"] == kept_image]
    assert image["history"] == [] and image["historyCursor"]
    found, more, answers = [], image["historyCursor"], 0
    while more:  # a filtered list may answer fewer, with a cursor to go on
        nxt = api("review", "GET", f"/review/applications/app-1/images/{kept_image}/history", SITE, query={"cursor": more})
        assert nxt.status == 200, nxt
        found, more, answers = nxt.body["items"] + found, nxt.body["nextCursor"], answers + 1
    assert [e["action"] for e in found] == ["image_reserved", "image_submitted"]
    figures = {"entries": len(audit), "candidate_page_bytes": size(mine), "review_page_bytes": size(page),
               "largest_audit_page_bytes": max(sizes[1:]), "audit_pages": len(sizes),
               "whole_trail_bytes": size({"audit": audit}), "history_answers": answers}
    record_property("figures", figures)
    print(f"\n{CYCLES} cycles: {figures}")


def test_the_timeline_cursor_walks_every_entry_a_candidate_sees_once(api, aws, kept_image):
    # Given 150 cycles with a staff read after every third (reads the candidate's timeline leaves out)
    written = cycles(aws, "app-1", 150, time.time() + 10, hidden_every=3)
    assert sum(e.action == "viewed" for e in written) == 50
    # When the candidate walks their timeline from the page by its cursor
    timeline, sizes = walk(api, "status", CAND, "/applications/app-1", "/applications/app-1/timeline",
                           ("timeline", "timelineCursor"))
    # Then every entry they may see comes once, oldest first, and no `viewed` one
    visible = [k for k in trail_keys("app-1") if k[1] != "viewed"]
    assert [key(e) for e in timeline] == visible and len(visible) == 303
    assert len(sizes) == 7  # 303 entries, 50 a page


def forged(app_id: str, list_: str = "audit", pk: str | None = None, sk: str = "TRAIL#2026-01-01T00:00:00.000Z#ab") -> str:
    data = {"q": f"{list_}:{app_id}", "k": {"PK": pk or f"APP#{app_id}", "SK": sk}}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_cursor_this_list_did_not_issue_is_400(api, register):
    register("app-1")
    register("app-2", candidate="cand-002")
    page = api("review", "GET", "/review/applications/app-1", OFFICE).body
    assert page["auditCursor"] is None and page["timelineCursor"] is None  # a short trail: all of it is here
    good = forged("app-1")
    assert api("review", "GET", "/review/applications/app-1/audit", OFFICE, query={"cursor": good}).status == 200
    for path, cursor in (
            ("/review/applications/app-1/audit", "not-a-cursor"),
            ("/review/applications/app-1/audit", forged("app-2")),  # another application's
            ("/review/applications/app-2/audit", good),
            ("/review/applications/app-1/audit", forged("app-1", "timeline")),  # another list's
            ("/review/applications/app-1/audit", forged("app-1", pk="APP#app-2")),  # outside the partition
            ("/review/applications/app-1/audit", forged("app-1", sk="SEAT#id_card#0")),  # outside the trail
            ("/review/applications/app-1/audit", forged("app-1", sk="")),
            ("/review/applications/app-1/images/img-abcdefgh/history", good)):
        reply = api("review", "GET", path, OFFICE, query={"cursor": cursor})
        assert (reply.status, reply.code) == (400, "INVALID_REQUEST"), (path, cursor, reply)
        assert "cursor" in reply.body["error"]["message"] and "cursor" in reply.body["error"]["messageZh"]
    timeline = forged("app-1", "timeline")
    assert api("status", "GET", "/applications/app-1/timeline", CAND, query={"cursor": timeline}).status == 200
    assert api("status", "GET", "/applications/app-1/timeline", CAND, query={"cursor": good}).code == "INVALID_REQUEST"
    # and nobody lists what they may not read
    assert api("status", "GET", "/applications/app-1/timeline", claims("cand-002", "candidate")).status == 404
    assert api("review", "GET", "/review/applications/app-1/audit", OTHER_SITE).status == 404
    assert api("review", "GET", "/review/applications/app-1/audit", CAND).status == 403
