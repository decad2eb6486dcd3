"""The exam season's window on the candidate's page (api-contract.md "Third release"): the close that
applies, in Beijing time whatever the browser's zone, counted down; the last day urges; once it has passed
the page says so and offers no upload. An exam year of its own, so no other test's window moves."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime

import pytest
import requests
from playwright.sync_api import expect

from core.season import BEIJING, DAY
from tests.browser.api_steps import id_number
from tests.browser.pages import open_with_token

pytestmark = pytest.mark.localstack


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), BEIJING).isoformat()


def set_window(stack, year: int, closes: float) -> None:
    times = {"uploadOpens": iso(closes - 30 * DAY), "uploadCloses": iso(closes), "fixUntil": iso(closes + 5 * DAY),
             "siteReviewDue": iso(closes + 10 * DAY), "regionReviewDue": iso(closes + 15 * DAY)}
    response = requests.put(f"{stack.url}/windows/{year}/11", json=times, timeout=10,
                            headers=stack.auth("office", ["exam_office"]))
    assert response.status_code == 200, response.text


def application_closing(stack, year: int, closes: float) -> tuple[str, str]:
    """A new candidate's application in `year`, whose uploads close at `closes`. A year each: the pages read a
    window through a minute-long cache per year and region, and this one is set before any page reads it."""
    app_id, candidate = f"app-window-{uuid.uuid4().hex[:8]}", f"cand-window-{uuid.uuid4().hex[:6]}"
    body = {"candidateId": candidate, "candidateName": "孙悦", "idNumber": id_number(), "householdRegion": "11",
            "region": "11", "site": "1101", "category": "临床执业医师", "examYear": year}
    assert requests.put(f"{stack.url}/applications/{app_id}", json=body, headers=stack.registrar_auth(), timeout=10).ok
    set_window(stack, year, closes)
    return app_id, candidate


def test_the_candidate_counts_down_to_the_close_in_beijing_time_and_sees_when_it_has_passed(browser_session, stack):
    # Given: an application whose uploads close in 2 days and 5 hours (exam years of this run's own)
    year = 2080 + uuid.uuid4().int % 6
    closes = time.time() + 2 * DAY + 5 * 3600
    app_id, candidate = application_closing(stack, year, closes)
    me = browser_session((390, 844), mobile=True)

    # When: the candidate opens the upload page (the browser's zone is the machine's, not Beijing's)
    page = open_with_token(me, stack.url, stack.token(candidate, ["candidate"]), f"/#/app/{app_id}")
    banner = page.locator("section.window")
    # Then: the close in Beijing time, counted down, the dates
    expect(banner.locator("h2")).to_contain_text(f"材料上传截止 {datetime.fromtimestamp(int(closes), BEIJING):%Y-%m-%d %H:%M}")
    expect(banner).to_contain_text("(北京时间)")
    expect(banner.locator(".countdown")).to_have_text(re.compile(r"^还剩 2 天 [45] 小时$"))
    expect(banner).to_have_attribute("data-state", "soon")
    expect(page.locator(".window-hint")).to_be_hidden()
    expect(page.locator("section.material[data-type='id_card'] .tile.add")).to_have_count(1)
    me.shot("two-days-left")

    # When: another candidate's uploads close on this day
    app_id, candidate = application_closing(stack, year + 1, time.time() + 5 * 3600)
    page = open_with_token(me, stack.url, stack.token(candidate, ["candidate"]), f"/#/app/{app_id}")
    # Then: hours and minutes, and the urging not to wait for the last minute
    expect(banner.locator(".countdown")).to_have_text(re.compile(r"^还剩 [45] 小时 \d+ 分$"))
    expect(banner).to_have_attribute("data-state", "urgent")
    expect(page.locator(".window-hint")).to_be_visible()
    me.shot("last-day")

    # When: a third's closed a minute ago
    app_id, candidate = application_closing(stack, year + 2, time.time() - 60)
    page = open_with_token(me, stack.url, stack.token(candidate, ["candidate"]), f"/#/app/{app_id}")
    # Then: closed, and nothing can be uploaded
    expect(banner.locator(".countdown")).to_have_text("已截止,不能再上传或删除材料")
    expect(banner).to_have_attribute("data-state", "closed")
    expect(page.locator("section.material").first).to_be_visible()
    expect(page.locator(".tile.add")).to_have_count(0)
    me.shot("closed")
    assert not me.errors, me.errors
