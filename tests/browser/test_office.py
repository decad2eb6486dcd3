"""The exam office's overview: find an application, set a later phase (R20); search by name or ID
number, the per-site chart and watermark tracing say "not available yet" until the API has them."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import approve_at_region, approve_at_site, register, upload_required
from tests.browser.pages import sign_in

APP = f"app-web-office-{uuid.uuid4().hex[:8]}"  # a new one each run: the test may reuse a running stack
CANDIDATE = "cand-web-office"

pytestmark = pytest.mark.localstack


def available(stack, path: str) -> bool:
    headers = stack.auth("office", ["exam_office"])
    response = requests.get(f"{stack.url}{path}", headers=headers, timeout=10)
    return not (response.status_code == 404 and "No route" in response.text)


def test_exam_office_finds_an_approved_application_and_sets_it_ready_for_the_exam(browser_session, stack):
    # Given: an application approved at site and region level
    register(stack, APP, CANDIDATE)
    upload_required(stack, APP, CANDIDATE)
    approve_at_site(stack, APP)
    approve_at_region(stack, APP)
    me = browser_session((1280, 900))
    page = me.page

    # When: the exam office signs in and searches for it
    sign_in(me, stack.url, "office")
    page.wait_for_url(re.compile(r"/office\.html"))
    page.get_by_role("searchbox").fill(APP)
    page.get_by_role("button", name="查询").click()

    # Then
    row = page.locator(f"tr[data-app='{APP}']")
    expect(row).to_contain_text("审核通过")
    row.get_by_role("button", name="查看").click()
    detail = page.locator("section.detail")
    expect(detail.get_by_role("status")).to_have_text("审核通过")
    me.shot("found")

    # When: the office sets the later phase
    detail.get_by_role("button", name="设为 备考").click()
    # Then
    expect(detail.get_by_role("status")).to_have_text("备考")
    me.shot("ready-for-exam")

    # And: what the API does not have yet says so, and what it has shows
    if not available(stack, "/review/stats"):
        expect(page.locator("#stats-body")).to_contain_text("尚未开放")
    else:
        expect(page.locator("#stats-body svg")).to_be_visible()
    page.get_by_label("水印上的编号").fill("0123456789")
    page.get_by_role("button", name="追溯").click()
    if not available(stack, "/review/trace/0123456789"):
        expect(page.locator("#trace-result")).to_contain_text("尚未开放")
    else:
        expect(page.locator("#trace-result")).to_contain_text("未找到")
    me.shot("not-yet")
    assert me.errors == []
    assert me.foreign_requests() == []
    assert all(status == 404 and ("/review/stats" in url or "/review/trace/" in url or "/review/applications?" in url)
               for status, url in me.http_errors), me.http_errors  # only the routes still to come
