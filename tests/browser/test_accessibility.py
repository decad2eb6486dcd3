"""axe-core on every state of every page a person sees, under the deployed Content-Security-Policy: the
sign-in; the candidate's list and upload page as a draft, with images (a quality hint among them, the
delete question open), returned and approved (on a 375 px phone); the reviewer's queue, an open
application and the rejection question; the exam office's home and an application's detail (on a
desktop). No critical, serious or moderate violation, experimental rules included (tests/browser/axe.py)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.api_steps import (
    approve_at_region,
    approve_at_site,
    register,
    return_at_site,
    unique_name,
    upload_required,
)
from tests.browser.axe import assert_accessible
from tests.browser.pages import DIPLOMA, ID_CARD, CandidatePage, OfficePage, ReviewerConsole, open_with_token
from tests.browser.photos import document_jpeg

pytestmark = pytest.mark.localstack

PHONE, DESK = (375, 812), (1280, 900)


def test_every_page_state_has_no_critical_serious_or_moderate_violation(browser_session, stack):
    # Given: a candidate with an application to fill in, one to be returned and one approved
    tag = uuid.uuid4().hex[:8]
    candidate, name = f"cand-a11y-{tag}", unique_name()
    draft, returned, approved = (f"app-a11y-{kind}-{tag}" for kind in ("draft", "returned", "approved"))
    for app_id in (draft, returned, approved):
        register(stack, app_id, candidate, name=name)
    blurred = {"diploma": document_jpeg("diploma", 21, blur=0.006)}  # a quality hint on the page
    for app_id in (returned, approved):
        upload_required(stack, app_id, candidate, photos=blurred)
    return_at_site(stack, returned, "请重新上传清晰的学历证书。", revise=DIPLOMA[0])
    approve_at_site(stack, approved)
    approve_at_region(stack, approved)

    # The sign-in
    guest = browser_session(PHONE, prefix="guest-", mobile=True)
    guest.page.goto(f"{stack.url}/")
    expect(guest.page.get_by_role("heading", name="登录")).to_be_visible()
    guest.shot("sign-in")
    assert_accessible(guest, "sign-in")

    # The candidate, on a phone
    me = browser_session(PHONE, prefix="candidate-", mobile=True)
    page = CandidatePage(me, stack.url)
    open_with_token(me, stack.url, stack.token(candidate, ["candidate"]))
    expect(me.page.get_by_role("heading", name="我的报名")).to_be_visible()
    assert_accessible(me, "my-applications")
    page.open_application(draft)
    expect(page.status()).to_have_text("填报")
    me.shot("draft")
    assert_accessible(me, "draft")

    upload_required(stack, draft, candidate, photos=blurred)
    page.come_back()  # sent from another device: the tab polls when it is shown again, then while they process
    page.wait_for_thumbnails(ID_CARD, 2, timeout=60_000)
    expect(page.quality_hints(DIPLOMA, "BLURRY")).to_have_count(1)
    me.shot("with-images")
    assert_accessible(me, "with-images")
    page.delete_buttons(ID_CARD).first.click()
    expect(me.page.get_by_role("dialog")).to_be_visible()
    me.shot("delete-question")
    assert_accessible(me, "delete-question")
    me.page.get_by_role("dialog").get_by_role("button", name="取消").click()
    expect(me.page.get_by_role("dialog")).to_have_count(0)

    me.page.goto(f"{stack.url}/#/app/{returned}")
    expect(page.status()).to_have_text("退回修改")
    expect(page.notes()).to_be_visible()
    me.shot("returned")
    assert_accessible(me, "returned")

    me.page.goto(f"{stack.url}/#/app/{approved}")
    expect(page.status()).to_have_text("审核通过")
    expect(page.check_marks(ID_CARD)).to_have_count(2)
    me.shot("approved")
    assert_accessible(me, "approved")

    # The site reviewer, at a desk
    desk = browser_session(DESK, prefix="reviewer-")
    open_with_token(desk, stack.url, stack.token("site-1101", ["site_reviewer"], site="1101", region="11"),
                    "/review.html")
    console = ReviewerConsole(desk, stack.url)
    expect(desk.page.get_by_role("heading", level=1, name=re.compile("待审队列"))).to_be_visible()
    expect(console.queue_item(draft)).to_be_visible()
    desk.shot("queue")
    assert_accessible(desk, "queue")
    console.open(draft)
    expect(desk.page.locator("#big")).to_be_visible()
    desk.shot("open-application")
    assert_accessible(desk, "open-application")
    console.claim()
    desk.page.get_by_label(re.compile("^审核意见")).fill("不符合报考条件")
    desk.page.get_by_role("button", name="审核不通过", exact=True).click()
    expect(desk.page.get_by_role("dialog")).to_contain_text(name)
    desk.shot("reject-question")
    assert_accessible(desk, "reject-question")
    desk.page.get_by_role("dialog").get_by_role("button", name="取消").click()

    # The exam office, at a desk
    office_session = browser_session(DESK, prefix="office-")
    open_with_token(office_session, stack.url, stack.token("office", ["exam_office"]), "/office.html")
    office = OfficePage(office_session, stack.url)
    expect(office_session.page.get_by_role("heading", name="查询报名")).to_be_visible()
    expect(office.chart_row("1101")).to_be_visible()
    office_session.shot("home")
    assert_accessible(office_session, "home")
    office.search(approved)
    office.row(approved).get_by_role("button", name="查看").click()
    expect(office.detail().get_by_role("status")).to_have_text("审核通过")
    office_session.shot("detail")
    assert_accessible(office_session, "detail")

    for session in (guest, me, desk, office_session):
        assert session.errors == [], session.errors  # axe ran without one CSP violation
        assert session.foreign_requests() == []
