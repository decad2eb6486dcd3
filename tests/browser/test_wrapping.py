"""Reviewers' comments and notes are free text: a long unbroken run (a pasted link, a reference, 500
letters without a space) wraps on a 375 px phone instead of widening the page past the screen."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import register, unique_name, upload_required
from tests.browser.pages import DIPLOMA, ID_CARD, CandidatePage, OfficePage, open_with_token

pytestmark = pytest.mark.localstack

COMMENT = "退回原因" + "A" * 480  # the comment's limit is 500
IMAGE_NOTE = "https://example.invalid/" + "x" * 470
REQUEST_NOTE = "B" * 200  # a request's note's limit


def return_with_long_texts(stack, app_id: str) -> None:
    headers = stack.auth("site-1101", ["site_reviewer"], site="1101", region="11")
    base = f"{stack.url}/review/applications/{app_id}"
    assert requests.post(f"{base}/claim", headers=headers, timeout=10).status_code == 200
    page = requests.get(base, headers=headers, timeout=10).json()
    image = next(i for m in page["materials"] if m["type"] == ID_CARD[0] for i in m["images"])
    revised = requests.post(f"{base}/images/{image['imageId']}/decision", headers=headers, timeout=10,
                            json={"decision": "revise", "reasonCode": "BLURRY", "note": IMAGE_NOTE, "version": image["version"]})
    assert revised.status_code == 200, revised.text
    version = requests.get(base, headers=headers, timeout=10).json()["application"]["version"]
    returned = requests.post(f"{base}/decision", headers=headers, timeout=10, json={
        "decision": "return", "version": version, "comment": COMMENT,
        "requests": [{"type": DIPLOMA[0], "count": 1, "note": REQUEST_NOTE}]})
    assert returned.status_code == 200, returned.text


def overflow(page) -> dict:
    """How far the page and each text box reach past the viewport's width (0: none)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const boxes = [...document.querySelectorAll('.notes li, .requested, .fix li, .quality li, .timeline li, .meta dd, .muted')];
        return {page: document.documentElement.scrollWidth - width,
                boxes: boxes.map(b => Math.ceil(b.getBoundingClientRect().right - width)).filter(d => d > 0)}; }""")


def test_long_unbroken_comments_and_notes_wrap_on_a_phone(browser_session, stack):
    # Given an application returned with a 484-letter comment, a 494-letter image note, a 200-letter request
    app_id, candidate = f"app-wrap-{uuid.uuid4().hex[:8]}", f"cand-wrap-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate, name=unique_name())
    upload_required(stack, app_id, candidate)
    return_with_long_texts(stack, app_id)
    # When the candidate opens it on a 375 px phone
    me = browser_session((375, 812), mobile=True)
    open_with_token(me, stack.url, stack.token(candidate, ["candidate"]))
    expect(me.page.get_by_role("heading", name="我的报名")).to_be_visible()
    page = CandidatePage(me, stack.url).open_application(app_id)
    expect(page.notes()).to_contain_text(COMMENT)
    expect(page.notes()).to_contain_text(IMAGE_NOTE)
    expect(page.requested(DIPLOMA)).to_contain_text(REQUEST_NOTE)
    me.page.locator("details.timeline summary").click()
    me.shot("returned-on-a-phone")
    # Then nothing reaches past the screen: the texts wrap
    assert overflow(me.page) == {"page": 0, "boxes": []}
    # And the exam office's application view on a phone wraps the comment too
    office_session = browser_session((375, 812), prefix="office-", mobile=True)
    office = OfficePage(office_session, stack.url).sign_in()
    office.search(app_id)
    office.row(app_id).get_by_role("button", name="查看").click()
    expect(office.detail()).to_contain_text(COMMENT)
    office_session.shot("office-detail-on-a-phone")
    assert overflow(office_session.page)["boxes"] == []
    assert me.errors == [] and office_session.errors == []
