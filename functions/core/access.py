"""Who may see which application (api-contract.md "Identity"): a candidate their own, a reviewer
those of their site or region, the exam office all. Anything else is 404, so that a resource the
caller may not see does not reveal that it exists."""

from __future__ import annotations

from core.errors import DomainError
from core.identity import Caller
from core.models import Application


def reviews(caller: Caller, app: Application) -> bool:
    """In the caller's review scope (whether or not it is their own: review.rules.in_scope refuses that)."""
    return bool(
        (caller.has("site_reviewer") and caller.site is not None and app.site == caller.site)
        or (caller.has("region_reviewer") and caller.region is not None and app.region == caller.region)
        or caller.has("exam_office")
    )


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
