"""Who is calling: read only from the JWT authorizer's claims (api-contract.md "Identity"),
never from the body or the query string.

The issuer is named at deploy time (template parameters JwtIssuer, JwtAudience): the stack's Cognito
pool, or any OIDC issuer such as the registration system's accounts (R1). Which claims carry the groups
and a reviewer's site and region is set there too (GROUPS_CLAIM, SITE_CLAIM, REGION_CLAIM; Cognito's
names by default). Two rules hold whatever the issuer:
- `registrar` is a machine: only a client-credentials token with the registrar scope is one. A person in
  a group named `registrar` is not.
- Staff (reviewers, the exam office) signed in with a second factor. STAFF_MFA says who checks it:
  `amr` (the default) - this module: the token's `amr` claim must list "mfa" (RFC 8176), or the staff
  roles are not granted; `issuer` - the issuer refuses staff sign-ins without one (the template's own
  Cognito pool requires MFA of every account; an external issuer must be configured so, README).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from core.errors import DomainError

ROLES = ("candidate", "site_reviewer", "region_reviewer", "registrar", "exam_office")
REVIEWERS = ("site_reviewer", "region_reviewer")
READERS = ("candidate", *REVIEWERS, "exam_office")  # who may read an application (each their own scope)
STAFF = (*REVIEWERS, "exam_office")  # must have signed in with a second factor
PERSON_ROLES = frozenset(ROLES) - {"registrar"}  # what a group claim may grant
MFA = "mfa"  # RFC 8176: multiple-factor authentication


@dataclass(frozen=True)
class ClaimNames:
    groups: str = "cognito:groups"
    site: str = "custom:site"
    region: str = "custom:region"
    staff_mfa: str = "amr"  # "amr": checked here; "issuer": the issuer enforces it

    def __post_init__(self):
        if self.staff_mfa not in ("amr", "issuer"):
            raise RuntimeError("STAFF_MFA must be amr or issuer")


@lru_cache(maxsize=1)
def claim_names() -> ClaimNames:
    env = os.environ
    return ClaimNames(groups=env.get("GROUPS_CLAIM") or ClaimNames.groups,
                      site=env.get("SITE_CLAIM") or ClaimNames.site,
                      region=env.get("REGION_CLAIM") or ClaimNames.region,
                      staff_mfa=env.get("STAFF_MFA") or ClaimNames.staff_mfa)


@dataclass(frozen=True)
class Caller:
    sub: str
    groups: frozenset[str]
    site: str | None = None
    region: str | None = None
    without_mfa: frozenset[str] = frozenset()  # staff roles the groups name, not granted: no second factor

    def has(self, role: str) -> bool:
        return role in self.groups

    def require(self, *roles: str) -> None:
        """A route the caller's role may not use is 403 (the resource's existence is not the question)."""
        if not any(r in self.groups for r in roles):
            if any(r in self.without_mfa for r in roles):
                raise DomainError("MFA_REQUIRED")
            raise DomainError("FORBIDDEN", "Your role may not use this function (it needs one of: "
                              + ", ".join(roles) + ").", "您的角色无权使用此功能(需要以下角色之一:" + "、".join(roles) + ")。")


def parse_groups(raw) -> frozenset[str]:
    """Group names, matched exactly. API Gateway's JWT authorizer passes a list claim as one string,
    "[candidate site_reviewer]": split it on whitespace only, so that "foo,exam_office" stays one
    (unknown) group. A string is never read as JSON: a group may be named `"foo","exam_office"`
    (Cognito allows quotes and commas), and that name must not grant exam_office. Other issuers may
    pass a real list."""
    if raw is None:
        return frozenset()
    if isinstance(raw, list | tuple):
        return frozenset(str(g) for g in raw)
    text = str(raw).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return frozenset(text.split())


# The registration system's scope (resource server "exam-materials", scope "registrar"): a machine with
# a client-credentials token, not a person in a group.
REGISTRAR_SCOPE = "exam-materials/registrar"


def _scopes(jwt: dict) -> frozenset[str]:
    """The token's `scope` claim (space-separated) and whatever scopes the authorizer lists itself."""
    listed = jwt.get("scopes") or ()
    listed = listed.split() if isinstance(listed, str) else listed
    claimed = str((jwt.get("claims") or {}).get("scope") or "").split()
    return frozenset(claimed) | frozenset(str(s) for s in listed)


def caller_from_event(event: dict) -> Caller:
    jwt = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}
    claims = jwt.get("claims") or {}
    sub = claims.get("sub")
    if not sub:
        # The authorizer lets no request through without a valid token; reaching here means misconfiguration.
        raise DomainError("UNAUTHORIZED")
    if REGISTRAR_SCOPE in _scopes(jwt):
        # The registrar role and nothing else, whatever else the token claims.
        return Caller(sub=str(sub), groups=frozenset({"registrar"}))
    names = claim_names()
    groups = parse_groups(claims.get(names.groups)) & PERSON_ROLES
    without_mfa: frozenset[str] = frozenset()
    if names.staff_mfa == "amr" and MFA not in parse_groups(claims.get("amr")):
        without_mfa = groups & frozenset(STAFF)
    return Caller(
        sub=str(sub),
        groups=groups - without_mfa,
        site=claims.get(names.site) or None,
        region=claims.get(names.region) or None,
        without_mfa=without_mfa,
    )
