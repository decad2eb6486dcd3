"""Deployed, the client signs in through Cognito's Hosted UI with the authorization code + PKCE flow
and sends the ID token as the Bearer. Here a stand-in Hosted UI on 127.0.0.1 (Playwright routes)
checks what Cognito checks: S256 challenge, state, client id, redirect URI, and the verifier."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.localstack

CLIENT_ID = "web-client-id"


def test_sign_in_with_the_hosted_ui_authorization_code_and_pkce(browser_session, stack):
    # Given: a deployed-style /config.json, and a Hosted UI that checks the flow
    domain = f"{stack.url}/hosted-ui"
    redirect = f"{stack.url}/"
    config = {"apiUrl": "", "auth": {"type": "cognito", "domain": domain, "clientId": CLIENT_ID,
                                     "redirectUri": redirect, "scopes": ["openid", "email", "profile"]}}
    seen: dict = {}
    me = browser_session((375, 812), mobile=True)
    page = me.page

    def authorize(route):
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        seen["authorize"] = query
        route.fulfill(status=302, headers={"Location": f"{query['redirect_uri']}?{urlencode({'code': 'the-code', 'state': query['state']})}"})

    def token(route):
        form = {k: v[0] for k, v in parse_qs(route.request.post_data).items()}
        seen["token"] = form
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest()).rstrip(b"=").decode()
        ok = (challenge == seen["authorize"]["code_challenge"] and form["code"] == "the-code"
              and form["grant_type"] == "authorization_code" and form["client_id"] == CLIENT_ID
              and form["redirect_uri"] == redirect)
        if not ok:
            route.fulfill(status=400, content_type="application/json", body='{"error":"invalid_grant"}')
            return
        tokens = {"id_token": stack.token("cand-001", ["candidate"]), "access_token": "not-for-the-api",
                  "refresh_token": "r", "token_type": "Bearer", "expires_in": 3600}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(tokens))

    def logout(route):
        seen["logout"] = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        route.fulfill(status=302, headers={"Location": seen["logout"]["logout_uri"]})

    page.route("**/config.json", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(config)))
    page.route(f"{domain}/oauth2/authorize?*", authorize)
    page.route(f"{domain}/oauth2/token", token)
    page.route(f"{domain}/logout?*", logout)

    # When
    page.goto(f"{stack.url}/")
    me.shot("sign-in")
    page.get_by_role("button", name="使用统一身份认证登录").click()

    # Then: back from the Hosted UI, the code exchanged, the ID token used for the API
    expect(page.get_by_role("heading", name="我的报名")).to_be_visible()
    expect(page.locator("article.app-card[data-app='app-2026-0001']")).to_be_visible()
    me.shot("signed-in")
    assert seen["authorize"]["response_type"] == "code"
    assert seen["authorize"]["code_challenge_method"] == "S256"
    assert seen["authorize"]["client_id"] == CLIENT_ID
    assert seen["authorize"]["scope"] == "openid email profile"
    assert len(seen["token"]["code_verifier"]) >= 43  # RFC 7636
    assert "code=" not in page.url and "state=" not in page.url

    # When: signing out ends the Hosted UI session too
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="使用统一身份认证登录")).to_be_visible()
    assert seen["logout"] == {"client_id": CLIENT_ID, "logout_uri": redirect}
    assert me.errors == [] and me.http_errors == []
    assert me.foreign_requests() == []
