"""The machine pre-checks end to end over HTTP, as deployed: candidates upload generated photos
(testkit/precheck_set.py's 'quick' split: fictitious people, mock cards and diplomas, photographed),
process_image watermarks them, the table's stream hands each SUBMITTED picture of a checked slot to the
precheck queue, precheck.app reads it with the real OCR, and the pages show `checks`: codes and how to
fix for the candidate (never what was read), what was read for reviewers; `approve-passed` clears a
clean application in one transaction. ~30 s, most of it the OCR (one thread)."""

from __future__ import annotations

import pytest

from testkit import precheck_set
from testkit.people import registration
from tests.conftest import claims
from tests.flow import drain, upload
from tests.precheck_flow import Prechecks

CAND = claims("cand-001", "candidate")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
APPS = {a.id.removeprefix("quick-"): a for a in precheck_set.applications("quick")}


def images(page: dict) -> list[dict]:
    return [i for m in page["materials"] for i in m["images"]]


@pytest.fixture
def checked(aws, api):
    """Register one of the quick split's applications, upload its photos into their slots, let the
    pipeline and the pre-checks run; the candidate's page, the reviewer's page and the images uploaded."""
    def run(name: str) -> tuple[dict, dict, dict[str, dict]]:
        app = APPS[name]
        reg = registration("cand-001", name=app.registration.name, number=app.registration.id_number,
                           year=app.registration.exam_year)
        assert api("status", "PUT", "/applications/app-1", claims("registrar-1", "registrar"), reg).status == 201
        prechecks = Prechecks(aws)
        uploaded = {upload(api, aws, CAND, "app-1", item.slot, item.upload()): item for item in app.items}
        drain(aws)
        assert prechecks.pump() >= len(app.items)
        page = api("status", "GET", "/applications/app-1", CAND).body
        review = api("review", "GET", "/review/applications/app-1", SITE).body
        return page, review, uploaded

    return run


def findings(page: dict) -> dict[str, list[str]]:
    return {i["imageId"]: [f["code"] for f in i["checks"]["findings"]] for i in images(page)}


def test_a_correct_application_passes_every_check_and_one_call_approves_it(checked, api):
    # Given a correct application: both sides of the card, the diploma, the probation certificate
    page, review, uploaded = checked("correct-00")
    # Then every picture is checked and passed; the candidate sees no `read`, the reviewer what was read
    assert {i["checks"]["state"] for i in images(page)} == {"DONE"} and all(i["checks"]["passed"] for i in images(page))
    assert "read" not in str([i["checks"] for i in images(page)])
    read = {i["imageId"]: i["checks"]["read"] for i in images(review)}
    front = next(k for k, item in uploaded.items() if item.kind == "id_front")
    assert read[front]["idNumber"] == review["application"]["idNumber"] and read[front]["name"] == review["application"]["candidateName"]
    assert {i["checks"]["documentType"] for i in images(review)} == {"ID_CARD_FRONT", "ID_CARD_BACK", "DIPLOMA", "PRACTICE_PROOF"}
    # When the site reviewer claims it and approves what passed, in one call
    assert api("review", "POST", "/review/applications/app-1/claim", SITE).status == 200
    version = api("review", "GET", "/review/applications/app-1", SITE).body["application"]["version"]
    reply = api("review", "POST", "/review/applications/app-1/images/approve-passed", SITE, {"version": version})
    # Then: every image approved, each audited as the reviewer's own decision, and the page answered
    assert reply.status == 200, reply
    assert {i["status"] for i in images(reply.body)} == {"APPROVED"}
    approvals = [e for e in reply.body["audit"] if e["action"] == "image_approved"]
    assert sorted(e["imageId"] for e in approvals) == sorted(uploaded) and {e["actor"] for e in approvals} == {"rev-site"}
    assert reply.body["application"]["version"] == version + 1
    # and a stale version changes nothing
    again = api("review", "POST", "/review/applications/app-1/images/approve-passed", SITE, {"version": version})
    assert (again.status, again.code) == (409, "STALE_VERSION")


@pytest.mark.parametrize(("name", "code"), [
    ("wrong_document-00", "WRONG_DOCUMENT"),  # a diploma in the identity slot
    ("id_mismatch-00", "ID_NUMBER_MISMATCH"),  # the registration's number one digit off
    ("name_mismatch-00", "NAME_MISMATCH"),  # another name
    ("expired-00", "ID_EXPIRED"),  # the card's validity ended before the review
    ("wrong_document-01", "WRONG_DOCUMENT"),  # the card's front twice, no back: on the second
])
def test_each_mismatch_is_found_and_told_to_the_candidate_with_how_to_fix(checked, name, code):
    page, review, uploaded = checked(name)
    expected = {image_id: list(item.expect) for image_id, item in uploaded.items()}
    assert findings(page) == expected == findings(review)
    flagged = next(i for i in images(page) if i["checks"]["findings"])
    finding = flagged["checks"]["findings"][0]
    assert (finding["code"], flagged["checks"]["passed"]) == (code, False)
    assert finding["message"] and finding["messageZh"]
    assert all("read" not in i["checks"] for i in images(page))
