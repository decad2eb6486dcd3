"""Long histories stay light on the page: the candidate's 办理记录 and the reviewer's 审核记录 show the
newest 50 entries and load earlier ones on request (the lists' cursors), oldest first when all are in."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import register, upload_required
from tests.browser.pages import open_with_token

pytestmark = pytest.mark.localstack

CYCLES = 30  # reserve + delete: 60 entries after the registration's one


def cycles(stack, app_id: str, candidate: str, n: int) -> None:
    headers = stack.auth(candidate, ["candidate"])
    base = f"{stack.url}/applications/{app_id}/materials/other/images"
    for _ in range(n):
        reserved = requests.post(base, json={"contentType": "image/jpeg"}, headers=headers, timeout=10)
        assert reserved.status_code == 201, reserved.text
        gone = requests.delete(f"{base}/{reserved.json()['imageId']}", headers=headers, timeout=10)
        assert gone.status_code == 204, gone.text


def site_console(browser_session, stack, app_id: str):
    """The site reviewer's console on the application, at desktop size."""
    desk = browser_session((1280, 900), prefix="reviewer-")
    return desk, open_with_token(desk, stack.url, stack.token("site-older", ["site_reviewer"], site="1101", region="11"),
                                 f"/review.html#{app_id}")


def test_the_timeline_and_the_audit_trail_load_earlier_entries(browser_session, stack):
    app_id, candidate = f"app-older-{uuid.uuid4().hex[:6]}", f"cand-older-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate)
    cycles(stack, app_id, candidate, CYCLES)
    # The candidate's page: the newest 50, then all 61 with the earlier ones, the registration first
    me = browser_session((375, 812), prefix="candidate-", mobile=True)
    page = open_with_token(me, stack.url, stack.token(candidate, ["candidate"]), f"/#/app/{app_id}")
    timeline = page.locator("details.timeline")
    timeline.locator("summary").click()
    expect(timeline.locator("li")).to_have_count(50)
    timeline.get_by_role("button", name="更早的记录").click()
    expect(timeline.locator("li")).to_have_count(2 * CYCLES + 1)
    expect(timeline.locator("li").last).to_contain_text("报名信息已登记")
    expect(timeline.get_by_role("button", name="更早的记录")).to_have_count(0)
    me.shot("timeline-all")
    # The site reviewer's console: the trail with their own read of the identity data on it
    desk, console = site_console(browser_session, stack, app_id)
    trail = console.locator("details.audit")
    expect(trail.locator("summary")).to_contain_text("审核记录 (50+)")
    trail.locator("summary").click()
    expect(trail.locator("li").first).to_contain_text("查看了考生身份信息")
    trail.get_by_role("button", name="更早的记录").click()
    expect(trail.locator("li")).to_have_count(2 * CYCLES + 2)  # and the reviewer's `viewed`
    expect(trail.get_by_role("button", name="更早的记录")).to_have_count(0)
    desk.shot("audit-all")
    for session in (me, desk):
        assert session.errors == [] and session.foreign_requests() == []


def test_one_images_history_loads_its_earlier_entries(browser_session, stack):
    # Given: an application whose pictures were uploaded, then 60 entries of reserve/delete on another
    # slot: the first picture's own entries are older than the trail's newest 50
    app_id, candidate = f"app-older-{uuid.uuid4().hex[:6]}", f"cand-older-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate)
    upload_required(stack, app_id, candidate)
    cycles(stack, app_id, candidate, CYCLES)
    reviewer = stack.auth("site-older", ["site_reviewer"], site="1101", region="11")
    first = requests.get(f"{stack.url}/review/applications/{app_id}", timeout=10, headers=reviewer).json()
    image = first["materials"][0]["images"][0]
    assert image["history"] == [] and image["historyCursor"], image
    mine = requests.get(f"{stack.url}/review/applications/{app_id}/images/{image['imageId']}/history",
                        params={"cursor": image["historyCursor"]}, timeout=10, headers=reviewer).json()["items"]
    # When: the reviewer opens it and asks for the picture's earlier entries
    desk, console = site_console(browser_session, stack, app_id)
    history = console.locator("details.history")
    expect(history.locator("summary")).to_have_text("此图记录 (0+)")
    history.locator("summary").click()
    history.get_by_role("button", name="更早的记录").click()
    # Then: they are all there, oldest first, and nothing more to load
    expect(history.locator("summary")).to_have_text(f"此图记录 ({len(mine)})")
    expect(history.locator("li")).to_have_count(len(mine))
    expect(history.locator("li").first).to_contain_text(mine[0]["label"])
    expect(history.get_by_role("button", name="更早的记录")).to_have_count(0)
    desk.shot("image-history-all")
    assert desk.errors == [] and desk.foreign_requests() == []
