"""Text message settings (R22 without the password): the candidate saves a number with consent (a
wrong one is refused in words), subscribes to the registration-opening reminder; the exam office
announces and watches the messages go out; the candidate's phone gets one. Desktop and phone."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import wait_for
from tests.browser.pages import open_with_token

pytestmark = pytest.mark.localstack

CATEGORY = "公共卫生执业助理医师"


@pytest.mark.parametrize("viewport", [(1280, 900), (375, 812)], ids=["desktop", "phone-375x812"])
def test_a_candidate_subscribes_and_the_office_announcement_reaches_the_phone(browser_session, stack, viewport):
    sub, phone = f"cand-web-sms-{uuid.uuid4().hex[:6]}", f"137{uuid.uuid4().int % 10**8:08d}"
    me = browser_session(viewport, prefix="candidate-", mobile=viewport[0] < 600)
    page = me.page
    # Given: a signed-in candidate (a fresh one each run: the stack may be reused) opens the settings
    open_with_token(me, stack.url, stack.token(sub, ['candidate']))
    expect(page.get_by_role("heading", name="我的报名")).to_be_visible()
    page.locator("#notify-settings summary").click()
    settings = page.locator("#notify-settings")
    expect(settings.get_by_text("本系统不会索取您在任何网站的密码")).to_be_visible()
    expect(settings.get_by_role("textbox", name="手机号码")).to_be_visible()
    assert not settings.locator("input[type=password]").count()

    # When: a wrong number, then the right one without consent
    settings.get_by_role("textbox", name="手机号码").fill("1234567")
    settings.get_by_role("checkbox").check()
    settings.get_by_role("button", name="保存", exact=True).click()
    # Then: refused, in Chinese, saying what a number must be
    expect(page.locator("#toast")).to_contain_text("11 位中国大陆手机号码")
    settings.get_by_role("textbox", name="手机号码").fill(f"{phone[:3]} {phone[3:7]} {phone[7:]}")
    settings.get_by_role("checkbox").uncheck()
    settings.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#toast")).to_contain_text("须同意隐私声明才能接收短信通知")  # the box, not the JSON field
    expect(page.locator("#toast")).not_to_contain_text("true")

    # When: with consent
    settings.get_by_role("checkbox").check()
    settings.get_by_role("button", name="保存", exact=True).click()
    # Then: a code is texted to the number (the outbox, kind "verify") and the page asks for it
    expect(settings.get_by_role("status")).to_contain_text(f"验证码已发送至 {phone[:3]}****{phone[-4:]}")
    me.shot("code-asked")
    (sent,) = wait_for(lambda: [m for m in requests.get(f"{stack.url}/dev/outbox", timeout=10).json()["messages"]
                                if m["to"] == "+86" + phone and m["kind"] == "verify"], "the code in the outbox")
    code = re.search(r"\b([0-9]{6})\b", sent["text"]).group(1)
    # When: the page is reloaded before the code is typed
    page.reload()
    expect(page.get_by_role("heading", name="我的报名")).to_be_visible()
    page.locator("#notify-settings summary").click()
    # Then: it still asks for the code texted to that number (without offering a new one: only the masked
    # number is known after a reload; "change number" is there)
    expect(settings.get_by_role("status")).to_contain_text(f"验证码已发送至 {phone[:3]}****{phone[-4:]}")
    expect(settings.get_by_role("button", name="重新获取验证码")).to_have_count(0)
    me.shot("code-asked-after-reload")
    # When: a wrong code, then the right one
    settings.get_by_role("textbox", name="短信验证码").fill(f"{(int(code) + 1) % 10**6:06d}")
    settings.get_by_role("button", name="验证", exact=True).click()
    expect(page.locator("#toast")).to_contain_text("验证码不正确,还可尝试 4 次")
    settings.get_by_role("textbox", name="短信验证码").fill(code)
    settings.get_by_role("button", name="验证", exact=True).click()
    # Then: the number is verified, and shows masked, never whole
    expect(settings.locator(".masked")).to_have_text(f"{phone[:3]}****{phone[-4:]}")
    expect(settings).not_to_contain_text(phone)
    me.shot("contact-saved")

    # When: the candidate subscribes to next year's reminder for a category
    year = requests.get(f"{stack.url}/categories", headers=stack.auth(sub, ["candidate"]), timeout=10).json()["examYears"][1]
    settings.locator("select[name=year]").select_option(str(year))
    settings.locator("select[name=category]").select_option(CATEGORY)
    settings.get_by_role("button", name="订阅", exact=True).click()
    expect(settings.locator("li[data-subscription]")).to_contain_text(f"{year} {CATEGORY}")
    me.shot("subscribed")

    # When: the exam office announces that registration is open
    office = browser_session(viewport, prefix="office-", mobile=viewport[0] < 600)
    open_with_token(office, stack.url, stack.token('office', ['exam_office']), "/office.html")
    office.page.wait_for_url(re.compile(r"/office\.html"))
    form = office.page.locator("section.announce")
    form.locator("select[name=year]").select_option(str(year))
    form.locator("select[name=category]").select_option(CATEGORY)
    form.get_by_role("button", name="发送通知").click()
    # Then: it follows the messages going out until done
    expect(form.get_by_role("status")).to_have_text("已完成", timeout=30_000)
    recipients = int(form.locator("[data-count=recipients]").inner_text())
    assert recipients >= 1 and form.locator("[data-count=sent]").inner_text() == str(recipients)
    office.shot("announced")
    # and the candidate's phone got exactly one reminder
    mine = wait_for(lambda: [m for m in requests.get(f"{stack.url}/dev/outbox", timeout=10).json()["messages"]
                             if m["to"] == "+86" + phone], "the reminder in the outbox")
    assert [m["kind"] for m in mine] == ["verify", "ANNOUNCEMENT"] and CATEGORY in mine[1]["text"]

    # When: the candidate deletes the number: the subscriptions go too
    page.get_by_role("button", name="删除号码及全部订阅").click()
    expect(settings.get_by_text("暂无订阅")).to_be_visible()
    expect(settings.get_by_role("textbox", name="手机号码")).to_be_visible()
    for session in (me, office):
        assert session.errors == [] and session.foreign_requests() == []
    assert all(status == 400 and url.endswith(("/me/contact", "/me/contact/verify")) for status, url in me.http_errors), \
        me.http_errors
