"""The web client signs in through the issuer config.json names (here the local stack's stand-in for the
registration system's accounts, R1): the upload-page link the registration answer gives survives the
consent step; an expired ID token is renewed with the refresh token; a token in a link is adopted only
where config.json says auth.type "local"."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from testkit.people import registration
from tests.browser.api_steps import id_number
from tests.browser.pages import CandidatePage, consent

pytestmark = pytest.mark.localstack


def test_the_registration_link_asks_for_consent_then_opens_the_upload_page(browser_session, stack):
    # Given: the registration system registers an application of demo candidate cand-003 and is given its link
    app_id = f"app-oidc-{uuid.uuid4().hex[:8]}"
    answer = requests.put(f"{stack.url}/applications/{app_id}", json=registration("cand-003", number=id_number()), timeout=15,
                          headers=stack.registrar_auth())
    assert answer.status_code == 201, answer.text
    link = answer.json()["uploadPageUrl"]
    assert link == f"{stack.url}/#/app/{app_id}"
    me = browser_session((375, 812), mobile=True)
    page = me.page

    # When: the candidate follows it, not signed in here yet, and chooses their account
    page.goto(link)
    page.locator("button.demo-user[data-sub='cand-003']").click()
    # Then: the registration system's page asks to authorise the account, in Chinese
    page.wait_for_url(re.compile(r"/oidc/authorize\?"))
    expect(page.get_by_role("heading", name="授权登录")).to_be_visible()
    expect(page.locator("main")).to_contain_text("报名系统账号")
    expect(page.locator("main")).to_contain_text("cand-003")

    # When: they agree
    consent(me, shot=True)
    # Then: signed in, on the upload page of that application (the link kept through the sign-in)
    candidate = CandidatePage(me, stack.url)
    expect(page.locator("section.material").first).to_be_visible()
    expect(page.locator("section.app-head")).to_contain_text(app_id)
    assert page.url == link
    me.shot("upload-page")
    token = page.evaluate("sessionStorage.getItem('token')")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert (claims["sub"], claims["iss"]) == ("cand-003", f"{stack.url}/oidc")
    assert candidate.status().count() == 1
    assert me.errors == [] and me.http_errors == []
    assert me.foreign_requests() == []


def test_declining_leaves_the_candidate_signed_out_and_told_so(browser_session, stack):
    me = browser_session()
    page = me.page
    page.goto(f"{stack.url}/")
    page.locator("button.demo-user[data-sub='cand-001']").click()
    page.wait_for_url(re.compile(r"/oidc/authorize\?"))
    page.get_by_role("link", name="拒绝").click()
    expect(page.locator("#toast")).to_contain_text("未同意授权")
    expect(page.locator("button.demo-user").first).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('token')") is None


def test_an_expired_id_token_is_renewed_with_the_refresh_token(browser_session, stack):
    # Given: signed in through the issuer
    me = browser_session()
    page = me.page
    CandidatePage(me, stack.url).sign_in("cand-001")
    first = page.evaluate("sessionStorage.getItem('token')")
    assert page.evaluate("sessionStorage.getItem('refresh')")
    # When: the ID token has expired (its exp in the past) and the page loads again
    header, payload, signature = first.split(".")
    claims = {**json.loads(base64.urlsafe_b64decode(payload + "==")), "exp": 1}
    stale = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    page.evaluate("t => sessionStorage.setItem('token', t)", f"{header}.{stale}.{signature}")
    page.reload()
    # Then: still signed in, with a new token the API accepts
    expect(page.get_by_role("heading", name="我的报名")).to_be_visible()
    expect(page.locator("article.app-card[data-app='app-2026-0001']")).to_be_visible()
    renewed = page.evaluate("sessionStorage.getItem('token')")
    assert renewed not in (first, f"{header}.{stale}.{signature}")
    assert me.errors == [] and me.http_errors == []


def test_a_token_in_a_link_is_not_adopted_unless_config_says_local(browser_session, stack):
    token = stack.token("cand-001", ["candidate"])
    # Given: the stack's own config.json (auth.type "oidc", as deployed)
    me = browser_session()
    page = me.page
    # When
    page.goto(f"{stack.url}/#token={token}")
    # Then: the sign-in view, no token kept
    expect(page.locator("button.demo-user").first).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('token')") is None
    expect(page.get_by_role("heading", name="我的报名")).to_have_count(0)

    # Given: a config.json that says "local"
    local = browser_session()
    local.page.route("**/config.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"apiUrl": "", "auth": {"type": "local"}})))
    # When
    local.page.goto(f"{stack.url}/#token={token}")
    # Then: adopted, and gone from the address bar
    expect(local.page.get_by_role("heading", name="我的报名")).to_be_visible()
    assert "#token" not in local.page.url
