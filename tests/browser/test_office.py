"""The exam office's overview (R20, R21): find an application by identity number and by name (with
filters), open it and set a later phase; the season per site as a chart (by status, by progress, with
the waits); trace the reference watermarked into an uploaded image back to its application."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import (
    approved_application,
    register,
    review_page,
)
from tests.browser.pages import OfficePage

pytestmark = pytest.mark.localstack


def stats(stack) -> dict:
    response = requests.get(f"{stack.url}/review/stats", headers=stack.auth("office", ["exam_office"]), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_exam_office_finds_an_application_sets_its_phase_sees_the_season_and_traces_a_watermark(browser_session, stack):
    # Given: an application approved at site and region level (new each run: the stack may be reused)
    app_id, _, person = approved_application(stack, "office")
    me = browser_session((1280, 900))
    office = OfficePage(me, stack.url).sign_in()

    # When: the office searches by the identity number
    office.search(person["idNumber"])
    # Then: exactly that application, the number masked in the list
    expect(office.results()).to_have_count(1)
    row = office.row(app_id)
    expect(row).to_contain_text(person["candidateName"])
    expect(row).to_contain_text(person["idNumber"][:6] + "*" * 8 + person["idNumber"][-4:])
    expect(row).to_contain_text("审核通过")
    me.shot("found-by-id-number")

    # When: by the name, with the status and site filters
    office.search(person["candidateName"], status="审核通过", region="11", site="1101")
    # Then
    expect(office.results()).to_have_count(1)
    office.row(app_id).get_by_role("button", name="查看").click()
    detail = office.detail()
    expect(detail.get_by_role("status")).to_have_text("审核通过")
    expect(detail.locator(".id-number")).to_have_text(person["idNumber"])  # in full on the application itself
    me.shot("found-by-name")

    # When: a filter that excludes it
    office.search(person["candidateName"], status="备考")
    expect(office.page.locator("#search-results")).to_contain_text("未找到")

    # When: the site's applications still being filled in, more than a page of them
    for _ in range(21):
        register(stack, f"app-web-page-{uuid.uuid4().hex[:8]}", f"cand-page-{uuid.uuid4().hex[:6]}")
    office.search(status="填报", region="11", site="1101")
    # Then: 20 a page, the next page others, and back
    expect(office.results()).to_have_count(20)
    first = office.results().evaluate_all("rows => rows.map(r => r.dataset.app)")
    expect(office.results().locator("td:nth-child(4)")).to_have_text(["填报"] * 20)
    office.page.get_by_role("button", name="下一页").click()
    expect(office.page.locator(".pager")).to_contain_text("第 2 页")
    second = office.results().evaluate_all("rows => rows.map(r => r.dataset.app)")
    assert second and not set(first) & set(second)
    me.shot("second-page")
    office.page.get_by_role("button", name="上一页").click()
    expect(office.page.locator(".pager")).to_contain_text("第 1 页")
    assert office.results().evaluate_all("rows => rows.map(r => r.dataset.app)") == first

    # When: the office sets the later phase
    office.search(app_id)
    office.row(app_id).get_by_role("button", name="查看").click()
    detail.get_by_role("button", name="设为 备考").click()
    # Then: 备考, and only 通过 / 未通过 can follow
    expect(detail.get_by_role("status")).to_have_text("备考")
    expect(detail.locator("button[data-phase]")).to_have_text(["设为 通过", "设为 未通过"])
    me.shot("ready-for-exam")

    # Then: the season per site, by status and by progress, with the waits
    site = office.chart_row("1101")
    expect(site).to_contain_text("北京市东城区考点")
    # the chart is read again after the phase is set: wait for the count the API gives now (an earlier
    # test's application may already be 备考, so the segment is there before the new count is)
    ready = next(x for x in stats(stack)["sites"] if x["site"] == "1101")["byStatus"]["READY_FOR_EXAM"]
    assert ready >= 1
    expect(office.chart_segment("1101", "READY_FOR_EXAM")).to_have_text(str(ready))
    waiting = next(x for x in stats(stack)["sites"] if x["site"] == "1101")["waiting"]
    expect(site.locator(".chart-wait")).to_have_text(
        re.compile(f"等待 {waiting['count']} 件 · 中位 .+ · P90 .+") if waiting["count"] else "无等待")
    me.shot("chart-by-status")
    office.chart_by("按进度")
    expect(office.chart_segment("1101", "READY_FOR_EXAM")).to_have_text(str(ready))
    expect(office.chart_segment("1101", "READY_FOR_EXAM")).to_have_attribute("title", f"备考: {ready}")
    me.shot("chart-by-progress")

    # When: a watermark reference of one of its uploaded images is traced
    image = next(i for m in review_page(stack, app_id)["materials"] if m["type"] == "diploma" for i in m["images"])
    result = office.trace(image["reference"])
    # Then: the application, the candidate and the image
    expect(result).to_contain_text(app_id)
    expect(result).to_contain_text(person["candidateName"])
    expect(result).to_contain_text(image["imageId"])
    result.get_by_role("button", name="查看该报名").click()
    traced = detail.locator(f".tile.traced[data-reference='{image['reference']}']")
    expect(traced).to_have_count(1)
    expect(traced.get_by_role("img")).to_have_attribute("alt", "学历证书 1")
    me.shot("traced")
    # And: an unknown reference is simply not found
    expect(office.trace("ZZZZZZZZZZ")).to_contain_text("未找到")

    assert me.errors == []
    assert me.foreign_requests() == []
    assert me.http_errors == [(404, f"{stack.url}/review/trace/ZZZZZZZZZZ")]
