"""The machine pre-checks in the browser, on the `make run` stack (its precheck worker runs the real OCR):
a clean application's photos (testkit/precheck_set.py's generated card, diploma and probation
certificate, a fictitious person) get every check passed, the reviewer sees the badge and clears the
application's images with one key (P); an application whose card shows another name gets NAME_MISMATCH:
the candidate sees it at once with how to fix (never what was read), the reviewer sees the name read
beside the registration's, the difference marked. Pages under the deployed CSP (a violation fails)."""

from __future__ import annotations

import random

import pytest
import requests
from playwright.sync_api import expect

from testkit import precheck_set
from tests.browser.api_steps import wait_for
from tests.browser.pages import ReviewerConsole, open_with_token

pytestmark = pytest.mark.localstack
APPS = {a.id.removeprefix("quick-"): a for a in precheck_set.applications("quick")}
CHECKS_S = 120  # the OCR on a shared machine: ~2 s a picture, behind whatever else the stack is doing


def submit(stack, name: str) -> tuple[str, str]:
    """Register the quick split's application `name` for a new candidate at site 1101 and upload its
    photos into their slots; returns (application id, candidate) once every picture's checks are done."""
    app = APPS[name]
    suffix = random.randrange(10**6)
    app_id, candidate = f"app-pre-{name}-{suffix}", f"cand-pre-{suffix}"
    body = {"candidateId": candidate, "candidateName": app.registration.name, "idNumber": app.registration.id_number,
            "householdRegion": "11", "region": "11", "site": "1101", "category": "临床执业医师", "examYear": 2026}
    assert requests.put(f"{stack.url}/applications/{app_id}", json=body, headers=stack.registrar_auth(), timeout=10).ok
    headers = stack.auth(candidate, ["candidate"])
    for item in app.items:
        reserved = requests.post(f"{stack.url}/applications/{app_id}/materials/{item.slot}/images", headers=headers,
                                 json={"contentType": "image/jpeg"}, timeout=10).json()["upload"]
        posted = requests.post(reserved["url"], data=reserved["fields"], timeout=10,
                               files={"file": ("photo.jpg", item.upload(), "image/jpeg")})
        assert posted.status_code in (200, 201, 204), posted.text

    def checked():
        page = requests.get(f"{stack.url}/applications/{app_id}", headers=headers, timeout=10).json()
        images = [i for m in page["materials"] for i in m["images"]]
        return len(images) == len(app.items) and all((i.get("checks") or {}).get("state") == "DONE" for i in images)

    wait_for(checked, f"{app_id}'s pre-checks", timeout=CHECKS_S)
    return app_id, candidate


def test_the_reviewer_clears_a_clean_application_with_one_key_after_the_badge_shows(browser_session, stack):
    # Given: a correct application (card front and back, diploma, probation certificate), checked
    app_id, _ = submit(stack, "correct-00")
    desk = browser_session((1280, 900), prefix="prechecks-")
    console = ReviewerConsole(desk, stack.url).sign_in("site-1101")
    page = desk.page
    # When the reviewer opens it
    console.open(app_id)
    # Then: the badge, and each picture's panel says what it is and that it passed
    expect(page.locator(".all-passed")).to_contain_text("机器预检全部通过")
    expect(page.locator(".checks-panel.clean")).to_contain_text("身份证人像面")
    expect(page.locator(".read-vs tr.differs")).to_have_count(0)
    expect(page.locator("#approve-passed")).to_contain_text("(4)")
    desk.shot("badge-and-clean-panel")
    # When: one key
    page.keyboard.press("p")
    # Then: every image approved, the application ready for the site's decision
    expect(page.locator(".strip .thumb.s-APPROVED")).to_have_count(4)
    expect(page.locator("#approve-passed")).to_be_disabled()
    expect(page.locator("#approve-passed")).to_contain_text("(0)")
    desk.shot("approved-with-one-key")
    assert not desk.errors and not desk.violations


def test_a_name_mismatch_is_told_to_the_candidate_and_shown_to_the_reviewer_beside_the_registration(browser_session, stack):
    app_id, candidate = submit(stack, "name_mismatch-00")
    registered = APPS["name_mismatch-00"].registration.name
    printed = APPS["name_mismatch-00"].items[0].person.name
    # The candidate: the finding with how to fix, at once; never the name that was read
    home = browser_session((430, 900), prefix="candidate-")
    page = open_with_token(home, stack.url, stack.token(candidate, ["candidate"]), f"/#/app/{app_id}")
    finding = page.locator(".checks li[data-code='NAME_MISMATCH']")
    expect(finding).to_contain_text("姓名与报名信息不一致")
    expect(page.locator(".tile .check-finding[data-code='NAME_MISMATCH']")).to_have_count(1)
    assert printed not in page.locator("main").inner_text()
    home.shot("name-mismatch-at-once")
    # The reviewer: the name read beside the registration's, the difference marked
    desk = browser_session((1280, 900), prefix="reviewer-")
    console = ReviewerConsole(desk, stack.url).sign_in("site-1101")
    desk.page.goto(f"{stack.url}/review.html#{app_id}")
    panel = desk.page.locator(".checks-panel.found")
    expect(panel.locator("[data-code='NAME_MISMATCH']")).to_be_visible()
    expect(panel.locator("tr.differs mark")).to_have_text(printed)
    expect(panel.locator("tr.differs td").last).to_have_text(registered)
    expect(desk.page.locator(".all-passed")).to_have_count(0)
    desk.shot("findings-panel-name-mismatch")
    assert console and not home.errors and not desk.errors and not home.violations and not desk.violations
