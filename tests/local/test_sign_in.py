"""The two kinds of token the template's user pool issues, minted by the local stack, each do exactly
what its role allows through the local gateway: the web page's ID token (groups and a reviewer's
scope) and the registration system's client-credentials access token (the registrar scope, only)."""

from __future__ import annotations

import base64
import uuid

import jwt
import pytest
import requests

from local.auth import AUDIENCE, REGISTRAR_SCOPE, REGISTRATION_CLIENT_ID, REGISTRATION_CLIENT_SECRET
from testkit.people import person_number, registration

pytestmark = pytest.mark.localstack

REGISTRATION = registration("cand-signin")


def registration_for(app_id: str) -> dict:
    """REGISTRATION as a person of its own (one application per identity number and exam year)."""
    return {**REGISTRATION, "idNumber": person_number(app_id)}


# Every role-checked route once, with a body a permitted caller could send (403 comes before validation).
ROUTES = [
    ("PUT", "/applications/{new}", REGISTRATION),
    ("GET", "/applications", None),
    ("GET", "/applications/{app}", None),
    ("GET", "/applications/{app}/status", None),
    ("POST", "/applications/{app}/materials/id_card/images", {"contentType": "image/jpeg"}),
    ("GET", "/review/queue", None),
    ("GET", "/review/applications/{app}", None),
]


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def client_credentials(stack, secret: str = REGISTRATION_CLIENT_SECRET, **form) -> requests.Response:
    return requests.post(f"{stack.url}/oauth2/token", data={"grant_type": "client_credentials", **form},
                         headers={"Authorization": basic(REGISTRATION_CLIENT_ID, secret)}, timeout=10)


def statuses(stack, token: str, app: str) -> dict[str, int]:
    found = {}
    for method, path, body in ROUTES:
        target = path.replace("{new}", f"app-{uuid.uuid4().hex[:10]}").replace("{app}", app)
        body = registration_for(target) if body is REGISTRATION else body
        response = requests.request(method, f"{stack.url}{target}", json=body, timeout=15,
                                    headers={"Authorization": f"Bearer {token}"})
        found[f"{method} {path}"] = response.status_code
    return found


def test_the_registration_system_gets_an_access_token_shaped_as_cognitos(local_stack):
    # When
    response = client_credentials(local_stack)
    # Then
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["token_use"] == "access" and claims["scope"] == REGISTRAR_SCOPE
    assert claims["client_id"] == claims["sub"] == REGISTRATION_CLIENT_ID
    assert "aud" not in claims and "cognito:groups" not in claims


@pytest.mark.parametrize("secret, form, error", [
    ("wrong", {}, "invalid_client"),
    (REGISTRATION_CLIENT_SECRET, {"scope": "exam-materials/exam_office"}, "invalid_scope"),
    (REGISTRATION_CLIENT_SECRET, {"scope": f"{REGISTRAR_SCOPE} openid"}, "invalid_scope"),
])
def test_the_token_endpoint_refuses_a_wrong_secret_or_another_scope(local_stack, secret, form, error):
    response = client_credentials(local_stack, secret, **form)
    assert (response.status_code, response.json()) == (400, {"error": error})


@pytest.fixture(scope="module")
def app(local_stack) -> str:
    """An application of the candidate "cand-signin" at site 1101, registered for these tests alone."""
    app_id = f"app-{uuid.uuid4().hex[:10]}"
    token = client_credentials(local_stack).json()["access_token"]
    response = requests.put(f"{local_stack.url}/applications/{app_id}", json=registration_for(app_id), timeout=15,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    return app_id


def test_the_client_credentials_token_registers_and_does_nothing_else(local_stack, app):
    # Given
    token = client_credentials(local_stack).json()["access_token"]
    # When
    found = statuses(local_stack, token, app)
    # Then
    assert found == {"PUT /applications/{new}": 201, **{f"{m} {p}": 403 for m, p, _ in ROUTES[1:]}}


def test_registering_twice_with_the_access_token_is_idempotent(local_stack):
    token = client_credentials(local_stack, scope=REGISTRAR_SCOPE).json()["access_token"]
    url = f"{local_stack.url}/applications/app-{uuid.uuid4().hex[:10]}"
    headers = {"Authorization": f"Bearer {token}"}
    body = registration_for(url)
    assert requests.put(url, json=body, headers=headers, timeout=15).status_code == 201
    assert requests.put(url, json=body, headers=headers, timeout=15).status_code == 200


def test_an_id_token_has_the_pools_claims(local_stack):
    claims = jwt.decode(local_stack.token("site-1101", ["site_reviewer"], site="1101"), options={"verify_signature": False})
    assert claims["token_use"] == "id" and claims["aud"] == AUDIENCE
    assert (claims["cognito:username"], claims["cognito:groups"], claims["custom:site"]) == ("site-1101", ["site_reviewer"], "1101")
    assert "scope" not in claims


@pytest.mark.parametrize("who, allowed", [
    (("cand-signin", ["candidate"], None, None),
     {"GET /applications": 200, "GET /applications/{app}": 200, "GET /applications/{app}/status": 200,
      "POST /applications/{app}/materials/id_card/images": 201}),
    (("site-1101", ["site_reviewer"], "1101", None),
     {"GET /applications/{app}": 200, "GET /applications/{app}/status": 200,
      "GET /review/queue": 200, "GET /review/applications/{app}": 200}),
    # a person in a group named "registrar" is not the registration system: nothing at all
    (("registrar", ["registrar"], None, None), {}),
])
def test_an_id_token_does_what_its_group_allows_and_nothing_more(local_stack, app, who, allowed):
    found = statuses(local_stack, local_stack.token(*who), app)
    assert found == {route: allowed.get(route, 403) for route in found}


@pytest.mark.parametrize("who", [("site-1101", ["site_reviewer"], "1101", None), ("region-11", ["region_reviewer"], None, "11"),
                                 ("office", ["exam_office"], None, None)])
def test_staff_signed_in_without_a_second_factor_get_mfa_required(local_stack, app, who):
    # Given: a staff token whose amr says password only
    sub, groups, site, region = who
    token = requests.post(f"{local_stack.url}/dev/token", json={"sub": sub, "groups": groups, "site": site,
                                                                "region": region, "mfa": False}, timeout=10).json()["token"]
    assert jwt.decode(token, options={"verify_signature": False})["amr"] == ["pwd"]
    # When
    response = requests.get(f"{local_stack.url}/review/stats", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    # Then: refused with its own code, and the same person with MFA is let in
    assert response.status_code == 403 and response.json()["error"]["code"] == "MFA_REQUIRED", response.text
    assert requests.get(f"{local_stack.url}/review/stats", headers=local_stack.auth(*who), timeout=15).status_code == 200
