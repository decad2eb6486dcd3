"""Whoever the issuer is (template parameters JwtIssuer, the claim names, StaffMfa), the roles come out
the same: the claims named at deploy time carry groups, site and region; a person in a group named
`registrar` is not the registration system; staff without a second factor get no staff role."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from core.identity import caller_from_event, claim_names


def event(claims: dict) -> dict:
    return {"requestContext": {"authorizer": {"jwt": {"claims": claims}}}}


@pytest.fixture
def names(monkeypatch):
    def set_env(**values):
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        claim_names.cache_clear()

    yield set_env
    claim_names.cache_clear()


def test_the_claim_names_come_from_the_deployment(names):
    # Given: an issuer whose tokens say "roles", "exam_site", "exam_region"
    names(GROUPS_CLAIM="roles", SITE_CLAIM="exam_site", REGION_CLAIM="exam_region")
    claims = {"sub": "u1", "roles": "[site_reviewer]", "exam_site": "1101", "exam_region": "11", "amr": "[pwd mfa]",
              "cognito:groups": "[exam_office]", "custom:site": "9999"}
    # When
    caller = caller_from_event(event(claims))
    # Then: only the named claims count
    assert (caller.groups, caller.site, caller.region) == ({"site_reviewer"}, "1101", "11")


def test_an_issuer_passing_a_real_list_works_too(names):
    names(GROUPS_CLAIM="groups")
    caller = caller_from_event(event({"sub": "u1", "groups": ["candidate", "unknown"]}))
    assert caller.groups == {"candidate"}


@pytest.mark.parametrize("groups", ["[registrar]", "[candidate registrar]", "[registrar exam_office]"])
def test_a_group_named_registrar_grants_nothing(groups):
    caller = caller_from_event(event({"sub": "person", "cognito:groups": groups, "amr": "[pwd mfa]"}))
    assert not caller.has("registrar")
    with pytest.raises(DomainError) as raised:
        caller.require("registrar")
    assert raised.value.code == "FORBIDDEN"


@pytest.mark.parametrize("amr", [None, "[pwd]", "[pwd otp]", "mfa-ish", "[MFA]"])
@pytest.mark.parametrize("role", ["site_reviewer", "region_reviewer", "exam_office"])
def test_staff_without_mfa_in_amr_get_no_staff_role(role, amr):
    claims = {"sub": "s1", "cognito:groups": f"[{role} candidate]", "custom:site": "1101", "custom:region": "11"}
    if amr is not None:
        claims["amr"] = amr
    caller = caller_from_event(event(claims))
    assert caller.groups == {"candidate"}  # what needs no second factor stays
    with pytest.raises(DomainError) as raised:
        caller.require(role)
    assert (raised.value.code, raised.value.status) == ("MFA_REQUIRED", 403)


@pytest.mark.parametrize("amr", ["[pwd mfa]", "[mfa]", ["pwd", "otp", "mfa"]])
def test_staff_with_mfa_in_amr_have_their_role(amr):
    caller = caller_from_event(event({"sub": "s1", "cognito:groups": "[exam_office]", "amr": amr}))
    assert caller.groups == {"exam_office"}
    caller.require("exam_office")


def test_a_candidate_needs_no_second_factor():
    assert caller_from_event(event({"sub": "c1", "cognito:groups": "[candidate]"})).groups == {"candidate"}


def test_where_the_issuer_enforces_mfa_amr_is_not_read(names):
    # The template's own Cognito pool requires MFA of every account (StaffMfa: issuer)
    names(STAFF_MFA="issuer")
    assert caller_from_event(event({"sub": "s1", "cognito:groups": "[exam_office]"})).groups == {"exam_office"}


def test_an_unknown_mfa_mode_fails_loudly(names):
    names(STAFF_MFA="none")
    with pytest.raises(RuntimeError):
        caller_from_event(event({"sub": "s1", "cognito:groups": "[exam_office]"}))
