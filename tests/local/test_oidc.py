"""The local stack's OIDC issuer, standing in for the registration system's accounts (R1): discovery,
the key set, the consent page, authorization code + PKCE (S256), single-use codes, refresh; its tokens
verified as a deployed issuer's are (signature by the published key set, issuer, audience, expiry)
and accepted by the API exactly as API Gateway's JWT authorizer would."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

pytestmark = pytest.mark.localstack


class Forms(HTMLParser):
    """Every form of a page: action, method, fields (name -> value) and submit buttons' texts."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._button = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": attrs.get("method"), "fields": {}, "buttons": []})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and self.forms and attrs.get("type", "submit") == "submit":
            self._button = ""

    def handle_data(self, data):
        if self._button is not None:
            self._button += data

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self.forms[-1]["buttons"].append(self._button.strip())
            self._button = None


def forms_of(text: str) -> list[dict]:
    parser = Forms()
    parser.feed(text)
    return parser.forms


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def oidc(local_stack) -> dict:
    config = requests.get(f"{local_stack.url}/config.json", timeout=10).json()["auth"]
    discovery = requests.get(f"{config['issuer']}/.well-known/openid-configuration", timeout=10).json()
    return {**config, **discovery}


def authorize(stack, oidc, sub: str = "cand-001", challenge: str | None = None, **extra) -> requests.Response:
    query = {"response_type": "code", "client_id": oidc["clientId"], "redirect_uri": oidc["redirectUri"],
             "scope": "openid profile", "state": "st-1", "code_challenge_method": "S256",
             "code_challenge": challenge or pkce()[1], "login_hint": sub, **extra}
    return requests.get(f"{oidc['authorization_endpoint']}?{urlencode({k: v for k, v in query.items() if v is not None})}",
                        timeout=10, allow_redirects=False)


def consent(stack, oidc, sub: str = "cand-001", **extra) -> tuple[str, str]:
    """(code, verifier) after the consent form is submitted as the page gives it."""
    verifier, challenge = pkce()
    page = authorize(stack, oidc, sub, challenge, **extra)
    (form,) = forms_of(page.text)
    answer = requests.post(f"{stack.url}{form['action']}", data=form["fields"], timeout=10, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return query["code"][0], verifier


def exchange(oidc, code: str, verifier: str, **extra) -> requests.Response:
    return requests.post(oidc["token_endpoint"], timeout=10, data={
        "grant_type": "authorization_code", "client_id": oidc["clientId"], "code": code,
        "redirect_uri": oidc["redirectUri"], "code_verifier": verifier, **extra})


def test_config_json_names_the_issuer_and_the_client(local_stack, oidc):
    assert oidc["type"] == "oidc" and oidc["issuer"] == f"{local_stack.url}/oidc"
    assert oidc["clientId"] and oidc["redirectUri"] == f"{local_stack.url}/"
    # discovery: the issuer is the one config.json names; endpoints on it
    assert oidc["authorization_endpoint"] == f"{oidc['issuer']}/authorize"
    assert oidc["token_endpoint"] == f"{oidc['issuer']}/token"
    assert oidc["jwks_uri"] == f"{oidc['issuer']}/jwks.json"
    assert oidc["code_challenge_methods_supported"] == ["S256"]
    (key,) = requests.get(oidc["jwks_uri"], timeout=10).json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig") and "d" not in key  # public only


def test_the_authorise_page_is_one_consent_form_in_chinese(local_stack, oidc):
    # When
    page = authorize(local_stack, oidc, "cand-001")
    # Then
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    (form,) = forms_of(page.text)
    assert form["buttons"] == ["同意并授权"] and form["method"] == "post"
    assert form["fields"]["login_hint"] == "cand-001" and form["fields"]["state"] == "st-1"
    assert "报名系统账号" in page.text and "授权" in page.text


def test_consent_redirects_with_a_code_and_the_state(local_stack, oidc):
    verifier, challenge = pkce()
    (form,) = forms_of(authorize(local_stack, oidc, "cand-001", challenge).text)
    answer = requests.post(f"{local_stack.url}{form['action']}", data=form["fields"], timeout=10, allow_redirects=False)
    assert answer.status_code == 302
    target = urlsplit(answer.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == oidc["redirectUri"]
    query = parse_qs(target.query)
    assert query["state"] == ["st-1"] and len(query["code"][0]) >= 32


def test_the_code_and_verifier_give_tokens_the_api_accepts(local_stack, oidc):
    # Given
    code, verifier = consent(local_stack, oidc, "cand-001", nonce="n-42")
    # When
    answer = exchange(oidc, code, verifier)
    # Then
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert {"id_token", "access_token", "refresh_token"} <= set(tokens) and tokens["token_type"] == "Bearer"
    # verified as anyone verifies a deployed issuer's token: by its jwks_uri, issuer, audience, expiry
    keys = jwt.PyJWKClient(oidc["jwks_uri"])
    claims = jwt.decode(tokens["id_token"], keys.get_signing_key_from_jwt(tokens["id_token"]).key, algorithms=["RS256"],
                        issuer=oidc["issuer"], audience=oidc["clientId"], options={"require": ["exp", "iat", "sub"]})
    assert (claims["sub"], claims["cognito:groups"], claims["nonce"]) == ("cand-001", ["candidate"], "n-42")
    mine = requests.get(f"{local_stack.url}/applications", timeout=15,
                        headers={"Authorization": f"Bearer {tokens['id_token']}"})
    assert mine.status_code == 200 and "app-2026-0001" in {a["id"] for a in mine.json()["items"]}


def test_staff_sign_in_with_a_second_factor(local_stack, oidc):
    code, verifier = consent(local_stack, oidc, "site-1101")
    token = exchange(oidc, code, verifier).json()["id_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert "mfa" in claims["amr"] and claims["custom:site"] == "1101"
    queue = requests.get(f"{local_stack.url}/review/queue", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert queue.status_code == 200, queue.text


def test_a_wrong_verifier_is_invalid_grant_and_spends_the_code(local_stack, oidc):
    code, verifier = consent(local_stack, oidc)
    wrong = exchange(oidc, code, pkce()[0])
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_grant"})
    # a code is tried once: the right verifier after a wrong one gets nothing either
    assert exchange(oidc, code, verifier).status_code == 400


@pytest.mark.parametrize("change", [{"code_verifier": ""}, {"code_verifier": "short"},
                                    {"redirect_uri": "http://127.0.0.1:1/"}, {"code": "made-up"}])
def test_a_missing_verifier_another_redirect_or_an_unknown_code_is_invalid_grant(local_stack, oidc, change):
    code, verifier = consent(local_stack, oidc)
    form = {"code": code, "verifier": verifier, **{("verifier" if k == "code_verifier" else k): v for k, v in change.items()}}
    answer = exchange(oidc, form.pop("code"), form.pop("verifier"), **form)
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_grant"})


def test_a_code_works_once(local_stack, oidc):
    code, verifier = consent(local_stack, oidc)
    assert exchange(oidc, code, verifier).status_code == 200
    again = exchange(oidc, code, verifier)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_another_client_cannot_exchange_the_code(local_stack, oidc):
    code, verifier = consent(local_stack, oidc)
    answer = exchange(oidc, code, verifier, client_id="someone-else")
    assert answer.status_code == 401 and answer.json() == {"error": "invalid_client"}


def test_a_refresh_gives_a_new_id_token(local_stack, oidc):
    # Given
    code, verifier = consent(local_stack, oidc, "cand-002")
    first = exchange(oidc, code, verifier).json()
    # When
    answer = requests.post(oidc["token_endpoint"], data={"grant_type": "refresh_token", "client_id": oidc["clientId"],
                                                         "refresh_token": first["refresh_token"]}, timeout=10)
    # Then
    assert answer.status_code == 200, answer.text
    token = answer.json()["id_token"]
    assert token != first["id_token"]  # a new one (each has its own jti)
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "cand-002"
    assert requests.get(f"{local_stack.url}/applications", headers={"Authorization": f"Bearer {token}"},
                        timeout=15).status_code == 200
    # and a made-up refresh token is refused
    bad = requests.post(oidc["token_endpoint"], data={"grant_type": "refresh_token", "client_id": oidc["clientId"],
                                                      "refresh_token": "made-up"}, timeout=10)
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_grant"})


def test_an_unregistered_redirect_uri_is_never_redirected_to(local_stack, oidc):
    page = authorize(local_stack, oidc, redirect_uri="https://attacker.example/")
    assert page.status_code == 400 and "Location" not in page.headers and not forms_of(page.text)


@pytest.mark.parametrize("extra, error", [({"code_challenge_method": "plain"}, "invalid_request"),
                                          ({"response_type": "token"}, "unsupported_response_type"),
                                          ({"login_hint": "nobody"}, "login_required"),
                                          ({"scope": "profile"}, "invalid_scope")])
def test_other_bad_requests_go_back_to_the_client_with_an_error(local_stack, oidc, extra, error):
    page = authorize(local_stack, oidc, **extra)
    assert page.status_code == 302
    assert parse_qs(urlsplit(page.headers["Location"]).query) == {"error": [error], "state": ["st-1"]}


def test_the_gateway_checks_what_api_gateway_checks(local_stack, oidc):
    code, verifier = consent(local_stack, oidc)
    token = exchange(oidc, code, verifier).json()["id_token"]
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})

    def forged(**changes) -> str:
        body = base64.urlsafe_b64encode(json.dumps({**claims, **changes}).encode()).rstrip(b"=").decode()
        return f"{header}.{body}.{signature}"

    other_key = jwt.encode({**claims}, _rsa_key(), algorithm="RS256",
                           headers={"kid": jwt.get_unverified_header(token)["kid"]})
    for bad in (forged(sub="cand-002"), forged(exp=int(time.time()) - 1), forged(iss="https://elsewhere"),
                forged(aud="another-client"), other_key):
        answer = requests.get(f"{local_stack.url}/applications", headers={"Authorization": f"Bearer {bad}"}, timeout=15)
        assert answer.status_code == 401


def _rsa_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
