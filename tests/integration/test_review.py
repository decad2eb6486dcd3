"""Review through the handlers and moto: queues in order from the sparse index and paged by cursor,
claims as conditional updates (and under races), decisions racing each other or the candidate, and
the two-level journey. Each decision rule is decided on hand-built snapshots in
tests/unit/test_review_decisions.py."""

from __future__ import annotations

import base64

import pytest

from core import contract
from review import use_cases as review
from tests.conftest import claims
from tests.flow import caller, complete, drain, race, small_photo, upload
from upload_presign import use_cases as uploads

CAND = claims("cand-001", "candidate")
DAY = 30
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
SITE2 = claims("rev-site-2", "site_reviewer", site="1101", region="11")
REGION = claims("rev-region", "region_reviewer", region="11")
OFFICE = claims("office", "exam_office")


@pytest.fixture
def ready(api, aws, register):
    register("app-1")
    return complete(api, aws, CAND, "app-1")


def page(api, who=SITE, app_id="app-1"):
    return api("review", "GET", f"/review/applications/{app_id}", who).body


def claim(api, who=SITE, app_id="app-1"):
    return api("review", "POST", f"/review/applications/{app_id}/claim", who)


def decide_image(api, image_id, decision="approve", who=SITE, version=None, app_id="app-1", **kw):
    if version is None:
        version = next(i for m in page(api, who, app_id)["materials"] for i in m["images"] if i["imageId"] == image_id)["version"]
    return api("review", "POST", f"/review/applications/{app_id}/images/{image_id}/decision", who,
               {"decision": decision, "version": version, **kw})


def decide(api, decision="approve", who=SITE, version=None, app_id="app-1", **kw):
    if version is None:
        version = page(api, who, app_id)["application"]["version"]
    return api("review", "POST", f"/review/applications/{app_id}/decision", who,
               {"decision": decision, "version": version, **kw})


def approve_all_images(api, ids, who=SITE, app_id="app-1"):
    """Approve every image at the version the reviewer sees now (some may have been decided before)."""
    for image_id in [i for group in ids.values() for i in group]:
        assert decide_image(api, image_id, who=who, app_id=app_id).status == 200


def queue(api, who=SITE, **query):
    return api("review", "GET", "/review/queue", who, query={k: str(v) for k, v in query.items()} or None)


# ---------------------------------------------------------------- queues

def test_complete_application_enters_the_site_queue_and_incomplete_does_not(api, aws, register, ready):
    register("app-2", candidate="cand-002")
    upload(api, aws, claims("cand-002", "candidate"), "app-2", "id_card", small_photo())
    drain(aws)

    items = queue(api).body["items"]
    assert [i["applicationId"] for i in items] == ["app-1"]
    assert items[0]["status"] == "DRAFT" and items[0]["readyAt"] and items[0]["claimedBy"] is None


def test_deleting_a_required_image_takes_the_application_out_of_the_queue(api, aws, ready):
    image_id = ready["diploma"][0]
    assert api("upload_presign", "DELETE", f"/applications/app-1/materials/diploma/images/{image_id}", CAND).status == 204
    assert queue(api).body["items"] == []
    upload(api, aws, CAND, "app-1", "diploma", small_photo(9))
    drain(aws)
    assert [i["applicationId"] for i in queue(api).body["items"]] == ["app-1"]


def test_a_scripted_day_of_thirty_candidates_pages_in_completion_order(api, aws, register, clock):
    # Given 30 candidates completing in a known order (R15), every third one returned and fixed
    order = []
    for n in range(DAY):
        app_id, who = f"day-{n:02d}", claims(f"cand-{n:02d}", "candidate")
        register(app_id, candidate=f"cand-{n:02d}")
        complete(api, aws, who, app_id)
        order.append(app_id)
        clock.tick(60)
    returned = order[::3]
    for app_id in returned:
        ids = complete_ids(api, app_id)
        assert claim(api, app_id=app_id).status == 200
        assert decide_image(api, ids["diploma"][0], "revise", reasonCode="BLURRY", app_id=app_id).status == 200
        assert decide(api, "return", comment="学历证书模糊", app_id=app_id).status == 200
        clock.tick(60)
    fixed = returned[:5]  # five fix theirs, in this order; the other five have not yet
    for n, app_id in enumerate(fixed):
        who = claims(f"cand-{order.index(app_id):02d}", "candidate")
        flagged = complete_ids(api, app_id)["diploma"][0]
        assert api("upload_presign", "DELETE", f"/applications/{app_id}/materials/diploma/images/{flagged}", who).status == 204
        upload(api, aws, who, app_id, "diploma", small_photo(50 + n))
        drain(aws)
        clock.tick(60)

    # When the site reviewer pages through the queue, 7 at a time
    seen, cursor, pages = [], None, 0
    while True:
        reply = queue(api, limit=7, **({"cursor": cursor} if cursor else {})).body
        seen += [i["applicationId"] for i in reply["items"]]
        pages += 1
        cursor = reply["nextCursor"]
        if not cursor:
            break

    # Then: in completion order, the fixed ones back at the place they first had (R15)
    expected = [a for a in order if a not in returned or a in fixed]
    assert seen == expected
    assert pages >= 4
    assert all(api("status", "GET", f"/applications/{a}/status", claims(f"cand-{order.index(a):02d}", "candidate"))
               .body["status"] == ("DRAFT" if a in fixed else "RETURNED") for a in returned)


def complete_ids(api, app_id):
    return {m["type"]: [i["imageId"] for i in m["images"]] for m in page(api, SITE, app_id)["materials"]}


def test_bad_cursor_is_400_and_cursor_of_another_queue_too(api, ready):
    assert queue(api, cursor="garbage!").code == "INVALID_REQUEST"
    deep = base64.urlsafe_b64encode(b"[" * 1500).decode()  # JSON nested past the recursion limit, in 2000 characters
    reply = queue(api, cursor=deep)
    assert (reply.status, reply.code) == (400, "INVALID_REQUEST")


def test_region_queue_lists_site_approved_in_site_approval_order(api, aws, register, ready, clock):
    register("app-2", candidate="cand-002")
    ids2 = complete(api, aws, claims("cand-002", "candidate"), "app-2")
    for app_id, ids in (("app-2", ids2), ("app-1", ready)):
        assert claim(api, app_id=app_id).status == 200
        approve_all_images(api, ids, app_id=app_id)
        assert decide(api, app_id=app_id).status == 200
        clock.tick(5)
    items = queue(api, REGION).body["items"]
    assert [i["applicationId"] for i in items] == ["app-2", "app-1"]
    assert queue(api).body["items"] == []  # out of the site queue


# ---------------------------------------------------------------- claims

def test_claims_lease_renew_release_and_expiry(api, ready, clock):
    first = claim(api)
    assert first.status == 200 and first.body["claimedBy"] == "rev-site"
    assert claim(api, SITE2).code == "CLAIMED_BY_OTHER"
    clock.tick(60)
    renewed = claim(api)
    assert renewed.body["expiresAtEpoch"] == first.body["expiresAtEpoch"] + 60
    assert renewed.body["expiresAt"] > first.body["expiresAt"]  # ISO 8601, sorts in time order
    assert queue(api).body["items"][0]["claimedBy"] == "rev-site"
    assert api("review", "DELETE", "/review/applications/app-1/claim", SITE2).code == "NOT_CLAIMED"
    assert api("review", "DELETE", "/review/applications/app-1/claim", SITE).status == 204
    assert claim(api, SITE2).status == 200
    clock.tick(15 * 60 + 1)  # the lease runs out by itself
    assert claim(api).status == 200


def test_two_reviewers_claiming_at_once_one_wins(api, ready, serial_moto):
    first, second = race((review.claim, caller(SITE), "app-1"), (review.claim, caller(SITE2), "app-1"))
    won = [r for r in (first, second) if isinstance(r, contract.Claim)]
    assert len(won) == 1 and "CLAIMED_BY_OTHER" in (first, second)
    assert page(api)["application"]["claimedBy"] == won[0].claimedBy


# ---------------------------------------------------------------- image decisions and locks

def test_deciding_on_an_image_the_candidate_replaced_is_stale(api, aws, ready):
    image_id = ready["diploma"][0]
    claim(api)
    seen = complete_ids(api, "app-1")
    assert api("upload_presign", "DELETE", f"/applications/app-1/materials/diploma/images/{image_id}", CAND).status == 204
    assert seen["diploma"] == [image_id]
    assert decide_image(api, image_id, version=2).code == "STALE_VERSION"


def test_approve_racing_the_candidates_delete_exactly_one_wins(api, aws, ready, serial_moto):
    image_id = ready["id_card"][0]
    claim(api)
    approved, deleted = race(
        (review.decide_image, caller(SITE), "app-1", image_id, contract.ImageDecision(decision="approve", version=2)),
        (uploads.delete_image, caller(CAND), "app-1", "id_card", image_id),
    )

    image = next((i for i in aws.items("app-1") if i.get("imageId") == image_id and i["kind"] == "image"), None)
    if isinstance(approved, contract.ImageDecisionOut):
        assert deleted == "IMAGE_LOCKED" and image["status"] == "APPROVED"
    else:
        assert deleted is None and approved == "STALE_VERSION" and image is None
        assert aws.s3.list_objects_v2(Bucket=aws.materials, Prefix="materials/app-1/id_card/" + image_id).get("KeyCount") == 0


def test_a_reason_code_outside_the_contract_is_refused_by_the_request_model(api, register):
    register("app-1")
    reply = api("review", "POST", "/review/applications/app-1/images/abcdefghij/decision", SITE,
                {"decision": "revise", "reasonCode": "UGLY", "version": 2})
    assert (reply.status, reply.code) == (400, "INVALID_REQUEST")


# ---------------------------------------------------------------- application decisions

def test_two_decisions_on_the_same_version_one_is_applied(api, aws, ready, serial_moto):
    claim(api)
    approve_all_images(api, ready)
    version = page(api)["application"]["version"]
    results = race(
        (review.decide_application, caller(SITE), "app-1", contract.ApplicationDecision(decision="approve", version=version)),
        (review.decide_application, caller(SITE), "app-1",
         contract.ApplicationDecision(decision="return", version=version, comment="请补充")))
    assert len([r for r in results if isinstance(r, contract.ApplicationOut)]) == 1
    assert [r for r in results if isinstance(r, str)][0] in ("STALE_VERSION", "NOT_CLAIMED")
    decisions = [a for a in aws.items("app-1") if a["kind"] == "audit" and a["action"] in ("approve", "return")]
    assert len(decisions) == 1


def test_full_two_level_approval_with_separation_of_duties(api, ready):
    claim(api)
    approve_all_images(api, ready)
    assert decide(api).status == 200
    # the same person holding both roles may not review it at both levels: not even take it
    both = claims("rev-site", "site_reviewer", "region_reviewer", site="1101", region="11")
    assert claim(api, both).code == "SEPARATION_OF_DUTIES"
    assert claim(api, REGION).status == 200
    reply = decide(api, who=REGION)
    assert reply.body["status"] == "APPROVED" and reply.body["statusLabel"] == "审核通过"
    candidate = api("status", "GET", "/applications/app-1", CAND).body
    assert candidate["reviewNotes"] == []  # R17: no comments, all locked
    assert all(i["locked"] for m in candidate["materials"] for i in m["images"])
    assert candidate["application"]["outcomes"]["site"]["decision"] == "approve"
    assert "by" not in candidate["application"]["outcomes"]["site"]  # candidates do not see who
    # then the exam office's later phases (R20), as the candidate's list shows them
    for phase, label in (("READY_FOR_EXAM", "备考"), ("PASSED", "通过")):
        reply = api("review", "POST", "/review/applications/app-1/phase", OFFICE, {"status": phase})
        assert (reply.status, reply.body["statusLabel"]) == (200, label)
    assert api("status", "GET", "/applications", CAND).body["items"][0]["statusLabel"] == "通过"


def test_return_fix_requeue_and_approve(api, aws, ready):
    claim(api)
    flagged = ready["diploma"][0]
    keep = ready["id_card"][0]
    approved = decide_image(api, keep).body
    assert (approved["status"], approved["locked"], approved["version"]) == ("APPROVED", True, 3)
    revised = decide_image(api, flagged, "revise", reasonCode="BLURRY").body
    assert (revised["status"], revised["locked"], revised["version"]) == ("NEEDS_REVISION", False, 3)
    reply = decide(api, "return", comment="学历证书不清晰,请重新上传")
    assert reply.body["status"] == "RETURNED"
    top = api("status", "GET", "/applications/app-1", CAND).body
    assert top["reviewNotes"][0]["comment"] == "学历证书不清晰,请重新上传"
    assert api("upload_presign", "DELETE", f"/applications/app-1/materials/id_card/images/{keep}", CAND).code == "IMAGE_LOCKED"
    assert queue(api).body["items"] == []

    assert api("upload_presign", "DELETE", f"/applications/app-1/materials/diploma/images/{flagged}", CAND).status == 204
    upload(api, aws, CAND, "app-1", "diploma", small_photo(77))
    drain(aws)

    assert api("status", "GET", "/applications/app-1/status", CAND).body["status"] == "DRAFT"
    assert [i["applicationId"] for i in queue(api).body["items"]] == ["app-1"]
    assert claim(api).status == 200
    approve_all_images(api, complete_ids(api, "app-1"))
    assert decide(api).body["status"] == "SITE_APPROVED"


def test_review_page_is_the_candidate_page_plus_each_image_s_history_and_the_full_audit(api, ready):
    claim(api)
    decide_image(api, ready["id_card"][0])
    body = page(api)
    candidate = api("status", "GET", "/applications/app-1", CAND).body
    assert set(candidate) < set(body)  # the upload page's shape, and more
    assert body["timeline"] == candidate["timeline"]
    assert body["application"]["claimedBy"] == "rev-site"
    (image,) = [i for m in body["materials"] for i in m["images"] if i["imageId"] == ready["id_card"][0]]
    assert [h["action"] for h in image["history"]] == ["image_reserved", "image_submitted", "image_approved"]
    assert image["history"][-1]["actor"] == "rev-site" and image["history"][-1]["role"] == "site_reviewer"
    assert body["imageHistory"][ready["id_card"][0]] == image["history"]
    actions = [a["action"] for a in body["audit"]]
    assert actions[0] == "registered" and "claimed" in actions
    assert all("actor" not in t for t in candidate["timeline"])
    assert "claimed" not in [t["action"] for t in candidate["timeline"]]
    assert all("history" not in i for m in candidate["materials"] for i in m["images"])


# ---------------------------------------------------------------- scope and roles

ROUTES = [
    ("GET", "/review/queue", None),
    ("POST", "/review/applications/app-1/claim", None),
    ("DELETE", "/review/applications/app-1/claim", None),
    ("GET", "/review/applications/app-1", None),
    ("POST", "/review/applications/app-1/images/abcdefghij/decision", {"decision": "approve", "version": 1}),
    ("POST", "/review/applications/app-1/decision", {"decision": "approve", "version": 1}),
    ("POST", "/review/applications/app-1/phase", {"status": "PASSED"}),
]
ROLES = {
    "candidate": claims("cand-001", "candidate"),
    "registrar": claims("reg", "registrar"),
    "site_reviewer": SITE,
    "region_reviewer": REGION,
    "exam_office": OFFICE,
}
ALLOWED = {
    "GET /review/queue": {"site_reviewer", "region_reviewer"},
    "POST /review/applications/app-1/claim": {"site_reviewer", "region_reviewer"},
    "DELETE /review/applications/app-1/claim": {"site_reviewer", "region_reviewer"},
    "GET /review/applications/app-1": {"site_reviewer", "region_reviewer", "exam_office"},
    "POST /review/applications/app-1/images/abcdefghij/decision": {"site_reviewer", "region_reviewer"},
    "POST /review/applications/app-1/decision": {"site_reviewer", "region_reviewer"},
    "POST /review/applications/app-1/phase": {"exam_office"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_role_on_every_review_route(api, register, role, method, path, body):
    register("app-1")
    reply = api("review", method, path, ROLES[role], body)
    if role in ALLOWED[f"{method} {path}"]:
        assert reply.status != 403, (role, path, reply)
    else:
        assert (reply.status, reply.code) == (403, "FORBIDDEN"), (role, path)
    assert api("review", method, path, None, body).status == 401
