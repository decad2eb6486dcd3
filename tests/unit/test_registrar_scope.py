"""The registration system signs in with a client-credentials token whose scope names the registrar:
that makes it the registrar role and nothing else; a scope alone never grants any other role."""

from __future__ import annotations

import pytest

from core.identity import REGISTRAR_SCOPE, caller_from_event


def event(claims: dict, scopes=None) -> dict:
    return {"requestContext": {"authorizer": {"jwt": {"claims": claims, "scopes": scopes}}}}


ACCESS = {"sub": "client-1", "client_id": "client-1", "token_use": "access"}


@pytest.mark.parametrize("scope", [REGISTRAR_SCOPE, f"openid {REGISTRAR_SCOPE}", f"  {REGISTRAR_SCOPE}  other/x"])
def test_the_registrar_scope_in_the_scope_claim_is_the_registrar_role(scope):
    caller = caller_from_event(event({**ACCESS, "scope": scope}))
    assert (caller.sub, caller.groups, caller.site, caller.region) == ("client-1", {"registrar"}, None, None)


@pytest.mark.parametrize("scopes", [[REGISTRAR_SCOPE], REGISTRAR_SCOPE, ("other/x", REGISTRAR_SCOPE)])
def test_scopes_listed_by_the_authorizer_count_too(scopes):
    assert caller_from_event(event(ACCESS, scopes)).groups == {"registrar"}


def test_the_scope_grants_nothing_else_whatever_the_token_also_claims():
    claims = {**ACCESS, "scope": REGISTRAR_SCOPE, "cognito:groups": "[exam_office site_reviewer]",
              "custom:site": "1101", "custom:region": "11"}
    caller = caller_from_event(event(claims))
    assert (caller.groups, caller.site, caller.region) == ({"registrar"}, None, None)
    assert not caller.has("exam_office") and not caller.has("site_reviewer")


@pytest.mark.parametrize("scope", ["exam-materials/registrar-extra", "exam-materials/Registrar", "registrar",
                                   "exam-materials/registrar,x", "openid email profile", ""])
def test_any_other_scope_is_no_role(scope):
    assert caller_from_event(event({**ACCESS, "scope": scope})).groups == frozenset()


def test_a_user_token_without_the_scope_keeps_its_groups():
    caller = caller_from_event(event({"sub": "u1", "cognito:groups": "[candidate]", "scope": "openid email"}))
    assert caller.groups == {"candidate"}
