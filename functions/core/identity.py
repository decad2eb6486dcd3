"""Who is calling: read only from the JWT authorizer's claims (api-contract.md "Identity"),
never from the body or the query string."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DomainError

ROLES = ("candidate", "site_reviewer", "region_reviewer", "registrar", "exam_office")
REVIEWERS = ("site_reviewer", "region_reviewer")
READERS = ("candidate", *REVIEWERS, "exam_office")  # who may read an application (each their own scope)


@dataclass(frozen=True)
class Caller:
    sub: str
    groups: frozenset[str]
    site: str | None = None
    region: str | None = None

    def has(self, role: str) -> bool:
        return role in self.groups

    def require(self, *roles: str) -> None:
        """A route the caller's role may not use is 403 (the resource's existence is not the question)."""
        if not any(r in self.groups for r in roles):
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
    return Caller(
        sub=str(sub),
        groups=parse_groups(claims.get("cognito:groups")) & frozenset(ROLES),
        site=claims.get("custom:site") or None,
        region=claims.get("custom:region") or None,
    )
