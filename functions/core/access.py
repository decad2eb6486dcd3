"""Who may see which application (api-contract.md "Identity"): a candidate their own, a reviewer
those of their site or region, the exam office all. Anything else is 404, so that a resource the
caller may not see does not reveal that it exists. A staff member's read is on the trail (`viewed`)."""

from __future__ import annotations

from core.clock import Now
from core.errors import DomainError
from core.identity import Caller
from core.models import Application, AuditEntry


def scope_role(caller: Caller, app: Application) -> str | None:
    """The role that puts the application in the caller's review scope, if one does."""
    if caller.has("exam_office"):
        return "exam_office"
    if caller.has("site_reviewer") and caller.site is not None and app.site == caller.site:
        return "site_reviewer"
    if caller.has("region_reviewer") and caller.region is not None and app.region == caller.region:
        return "region_reviewer"
    return None


def reviews(caller: Caller, app: Application) -> bool:
    """In the caller's review scope (whether or not it is their own: review.rules.in_scope refuses that)."""
    return scope_role(caller, app) is not None


def can_see(caller: Caller, app: Application, as_candidate: bool = True) -> bool:
    """One's own application only as its candidate, never through a review scope: nobody acts as
    reviewer or exam office on their own (api-contract.md "Separation of duties")."""
    if app.candidate_id == caller.sub:
        return as_candidate and caller.has("candidate")
    return reviews(caller, app)


def visible(caller: Caller, app: Application | None) -> Application:
    if app is None or not can_see(caller, app):
        raise DomainError("NOT_FOUND")
    return app


def viewed(caller: Caller, app: Application, now: Now) -> tuple[AuditEntry, int] | None:
    """A staff read of the application's identity data (its full name and identity number) is on its
    trail: the `viewed` entry (who, role, when) and the hour it counts in, at most one per person,
    application and hour (core.db.trail writes it only if that hour's marker is new). None: the
    candidate reading their own."""
    role = None if app.candidate_id == caller.sub else scope_role(caller, app)
    if role is None:
        return None
    return AuditEntry(at=now.iso, actor=caller.sub, role=role, action="viewed"), now.seconds // 3600
