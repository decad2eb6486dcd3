"""Review as an exam office really works (api-contract.md "Second release"), where it needs the real
handlers and moto: nobody reviews their own application in any list, late uploads leave nothing in S3,
the office's search over the lookup items and the BySite index, and the season's counts. The rules
themselves (who the candidate is, where they stand, fair order, requests, separation of duties) are
decided on hand-built snapshots in tests/unit."""

from __future__ import annotations

from core.idnumber import masked
from core.keys import thumbnail_key
from testkit.people import id_number
from tests.conftest import REGISTRAR, claims, registration
from tests.flow import approve_images, complete, drain, put, reserve, small_photo

SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
REGION = claims("rev-region", "region_reviewer", region="11")
OFFICE = claims("office", "exam_office")


def cand(n: int | str) -> dict:
    return claims(f"cand-{n}", "candidate")


def register(api, app_id, candidate, **kw):
    reply = api("status", "PUT", f"/applications/{app_id}", REGISTRAR, registration(candidate, **kw))
    assert reply.status == 201, reply
    return reply.body


def review_page(api, app_id, who=SITE):
    reply = api("review", "GET", f"/review/applications/{app_id}", who)
    assert reply.status == 200, reply
    return reply.body


def claim(api, app_id, who=SITE):
    return api("review", "POST", f"/review/applications/{app_id}/claim", who)


def decide(api, app_id, decision="approve", who=SITE, **kw):
    version = review_page(api, app_id, who)["application"]["version"]
    return api("review", "POST", f"/review/applications/{app_id}/decision", who,
               {"decision": decision, "version": version, **kw})


def queue(api, who=SITE, **query):
    reply = api("review", "GET", "/review/queue", who, query={k: str(v) for k, v in query.items()} or None)
    assert reply.status == 200, reply
    return reply.body["items"]


# ---------------------------------------------------------------- registration

def test_a_registration_nobody_could_review_is_400_with_its_reason_and_writes_nothing(api, aws):
    # every refusal of registration.application is tests/unit/test_views_and_registration.py's
    reply = api("status", "PUT", "/applications/app-x", REGISTRAR, {**registration("cand-x"), "site": "3101"})
    assert (reply.status, reply.code) == (400, "SITE_NOT_IN_REGION")
    assert "3101" in reply.body["error"]["messageZh"] and aws.items("app-x") == []


# ---------------------------------------------------------------- own applications

def test_nobody_reviews_or_sets_the_phase_of_their_own_application(api, aws):
    register(api, "app-1", "office")  # the exam office's own application, as a candidate
    mine = claims("office", "candidate", "exam_office", "site_reviewer", site="1101", region="11")
    complete(api, aws, claims("office", "candidate"), "app-1")
    assert api("review", "GET", "/review/applications/app-1", mine).code == "NOT_FOUND"
    assert claim(api, "app-1", mine).code == "NOT_FOUND"
    assert api("review", "POST", "/review/applications/app-1/phase", mine, {"status": "PASSED"}).code == "NOT_FOUND"
    assert queue(api, mine) == []
    assert api("review", "GET", "/review/applications", mine, query={"q": "app-1"}).body["items"] == []
    assert api("status", "GET", "/applications/app-1", mine).status == 200  # as a candidate, it is theirs
    office_only = claims("office", "exam_office")  # the same person without the candidate role
    assert api("status", "GET", "/applications/app-1", office_only).code == "NOT_FOUND"
    assert api("status", "GET", "/applications/app-1/status", office_only).code == "NOT_FOUND"


def test_a_comma_in_cognito_groups_is_part_of_one_unknown_name(api, aws):
    register(api, "app-1", "cand-1")
    forged = {"sub": "x", "cognito:groups": "[foo,exam_office]", "amr": "[pwd mfa]"}
    assert api("review", "POST", "/review/applications/app-1/phase", forged, {"status": "PASSED"}).code == "FORBIDDEN"
    assert api("review", "GET", "/review/stats", forged).code == "FORBIDDEN"


# ---------------------------------------------------------------- uploads that arrive too late

def _late(api, aws, app_id, image_id, key):
    put(aws, key, small_photo(99))
    drain(aws)
    items = aws.items(app_id)
    assert image_id not in {i.get("imageId") for i in items if i["kind"] == "image"}
    assert aws.s3.list_objects_v2(Bucket=aws.uploads, Prefix=key).get("KeyCount") == 0
    stored = [i["objectKey"] for i in items if i["kind"] == "image" and i.get("objectKey")]
    found = aws.s3.list_objects_v2(Bucket=aws.materials, Prefix=f"materials/{app_id}/").get("Contents", [])
    assert sorted(o["Key"] for o in found) == sorted(stored + [thumbnail_key(k) for k in stored])
    discarded = [i for i in items if i["kind"] == "audit" and i["action"] == "upload_discarded"]
    assert [d["imageId"] for d in discarded] == [image_id]


def test_an_upload_after_the_site_rejected_is_discarded(api, aws):
    register(api, "app-1", "cand-1")
    complete(api, aws, cand(1), "app-1")
    late = reserve(api, cand(1), "app-1", "other").body
    claim(api, "app-1")
    assert decide(api, "app-1", "reject", comment="材料不实").body["status"] == "REJECTED"
    _late(api, aws, "app-1", late["imageId"], late["upload"]["fields"]["key"])


def test_an_upload_after_its_reservation_expired_and_the_site_approved_is_discarded(api, aws, clock):
    register(api, "app-1", "cand-1")
    ids = complete(api, aws, cand(1), "app-1")
    late = reserve(api, cand(1), "app-1", "other").body
    claim(api, "app-1")
    approve_images(api, SITE, "app-1", ids)
    assert decide(api, "app-1").code == "INCOMPLETE_MATERIALS"  # a reservation in flight holds approval
    clock.tick(301)  # it expires unused
    claim(api, "app-1")
    assert decide(api, "app-1").body["status"] == "SITE_APPROVED"
    _late(api, aws, "app-1", late["imageId"], late["upload"]["fields"]["key"])
    assert review_page(api, "app-1", REGION)["application"]["status"] == "SITE_APPROVED"


# ---------------------------------------------------------------- the exam office

def test_office_finds_by_id_number_name_and_application_id_and_filters(api, aws):
    register(api, "app-1", "cand-1", name="赵六", number=id_number(101))
    register(api, "app-2", "cand-2", name="钱七", number=id_number(102))
    register(api, "app-3", "cand-3", name="赵六", number=id_number(103), region="31", site="3101", household="31")
    complete(api, aws, cand(2), "app-2")

    def ids(who=OFFICE, **query):
        reply = api("review", "GET", "/review/applications", who, query={k: str(v) for k, v in query.items()})
        assert reply.status == 200, reply
        return sorted(i["applicationId"] for i in reply.body["items"])

    assert ids(q=id_number(102)) == ["app-2"]
    assert ids(q="赵六") == ["app-1", "app-3"]
    assert ids(q="app-3") == ["app-3"]
    assert ids(q="nobody") == []
    assert ids(site="1101") == ["app-1", "app-2"]
    assert ids(status="DRAFT", region="31") == ["app-3"]
    assert ids(SITE, q="赵六") == ["app-1"]  # a site reviewer finds only their site's
    assert ids(claims("r31", "region_reviewer", region="31")) == ["app-3"]
    row = api("review", "GET", "/review/applications", OFFICE, query={"q": id_number(101)}).body["items"][0]
    assert row["candidateName"] == "赵六" and row["idNumberMasked"] == masked(id_number(101))
    assert "idNumber" not in row and row["statusLabel"] == "填报" and row["updatedAt"]
    assert api("review", "GET", "/review/applications", cand(1)).code == "FORBIDDEN"


def test_office_pages_through_every_site(api, aws):
    for n in range(7):
        register(api, f"b-{n}", f"cand-b{n}")
        register(api, f"s-{n}", f"cand-s{n}", region="31", site="3101", household="31")
    seen, cursor = [], None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        body = api("review", "GET", "/review/applications", OFFICE, query=query).body
        seen += [i["applicationId"] for i in body["items"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([f"b-{n}" for n in range(7)] + [f"s-{n}" for n in range(7)])
    assert len(seen) == len(set(seen))


def test_stats_count_a_scripted_season_of_fifty(api, aws, clock):
    expected_status = {"DRAFT": 0, "RETURNED": 0, "SITE_APPROVED": 0, "REJECTED": 0}
    expected_progress = {"FILLING": 0, "WAITING_SITE_REVIEW": 0, "IN_SITE_REVIEW": 0, "RETURNED": 0,
                         "WAITING_REGION_REVIEW": 0, "REJECTED": 0}
    for n in range(50):
        register(api, f"s{n:02d}", f"cand-{n}")
    for n in range(20):  # 20 complete: they wait in the site queue
        complete(api, aws, cand(n), f"s{n:02d}")
        clock.tick(10)
    for n in range(0, 4):  # 4 rejected, 3 returned, 3 in review, 4 approved at site level
        claim(api, f"s{n:02d}")
        decide(api, f"s{n:02d}", "reject", comment="不符")
    for n in range(4, 7):
        claim(api, f"s{n:02d}")
        decide(api, f"s{n:02d}", "return", comment="补充")
    for n in range(7, 10):
        claim(api, f"s{n:02d}")
    for n in range(10, 14):
        claim(api, f"s{n:02d}")
        page_ = review_page(api, f"s{n:02d}")
        approve_images(api, SITE, f"s{n:02d}", {m["type"]: [i["imageId"] for i in m["images"]] for m in page_["materials"]})
        decide(api, f"s{n:02d}")
    clock.tick(100)
    expected_status.update(DRAFT=50 - 4 - 3 - 4, RETURNED=3, SITE_APPROVED=4, REJECTED=4)
    expected_progress.update(FILLING=30, WAITING_SITE_REVIEW=6, IN_SITE_REVIEW=3, RETURNED=3, WAITING_REGION_REVIEW=4,
                             REJECTED=4)

    reply = api("review", "GET", "/review/stats", OFFICE, query={"site": "1101"})
    (site,) = reply.body["sites"]
    assert site["site"] == "1101" and site["siteName"] == "北京市东城区考点" and (site["region"], site["regionName"]) == ("11", "北京市")
    assert {k: v for k, v in site["byStatus"].items() if v} == {k: v for k, v in expected_status.items() if v}
    assert {k: v for k, v in site["byProgress"].items() if v} == {k: v for k, v in expected_progress.items() if v}
    assert site["waiting"]["count"] == 6 + 3 + 4
    assert site["waiting"]["p50Seconds"] >= 100 and site["waiting"]["p90Seconds"] >= site["waiting"]["p50Seconds"]
    everything = api("review", "GET", "/review/stats", OFFICE).body["sites"]
    assert [s["site"] for s in everything] == ["1101", "3101"] and sum(everything[1]["byStatus"].values()) == 0
    assert [s["site"] for s in api("review", "GET", "/review/stats", SITE).body["sites"]] == ["1101"]


def test_a_name_many_candidates_share_pages_through_every_one(api, aws):
    for n in range(23):
        register(api, f"w-{n:02d}", f"cand-w{n:02d}", name="王伟", number=id_number(500 + n))
    seen, after, pages = [], None, 0
    while True:
        query = {"q": "王伟", "limit": "10", **({"cursor": after} if after else {})}
        body = api("review", "GET", "/review/applications", OFFICE, query=query).body
        seen += [i["applicationId"] for i in body["items"]]
        pages += 1
        after = body["nextCursor"]
        if not after:
            break
    assert sorted(seen) == [f"w-{n:02d}" for n in range(23)] and pages == 3
    row = api("review", "GET", "/review/applications", OFFICE, query={"q": "w-07"}).body["items"][0]
    assert (row["regionName"], row["siteName"]) == ("北京市", "北京市东城区考点")
    first = api("review", "GET", "/review/applications", OFFICE, query={"q": "王伟", "limit": "10"}).body["nextCursor"]
    other = api("review", "GET", "/review/applications", OFFICE, query={"q": "赵六", "cursor": first})
    assert other.code == "INVALID_REQUEST"  # a cursor belongs to its own search
