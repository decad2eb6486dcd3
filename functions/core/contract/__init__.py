"""The shapes of api-contract.md as typed models: what each route accepts and what it answers.

Handlers are annotated with these, so the OpenAPI document is generated from the code that serves
the requests and cannot describe a different API. Request models are strict (no coercion of "100"
or true into a number) and forbid unknown fields; response models list every field a client may
rely on. camelCase, as the contract writes them.

`contract.X` loads X's module on first use: a cold start defines the models of the route it serves
(and the error body), not the API's fifty-odd (bench row 3). Handlers' modules postpone their
annotations, so a route's models load when it first answers.
"""

from importlib import import_module
from typing import TYPE_CHECKING

MODULES = {  # module -> the names it defines (tests/unit/test_contract.py: complete and in one place)
    "base": ("Model", "RequestModel", "ErrorDetail", "ErrorBody", "Integral", "MAX_VERSION", "Version", "ExamYear",
             "Count", "Bytes", "ReviewReason", "Note", "MaterialTypeCode",),
    "status": ("Progress", "StatusOut",),
    "applications": ("Registration", "Phase", "LevelOutcome", "ReviewLevelOutcome", "Outcomes",
                     "ReviewOutcomes", "ApplicationOut", "Registered", "ReviewApplicationOut", "ApplicationSummary",
                     "ApplicationList",),
    "page": ("QualityWarning", "Quality", "CheckFinding", "Checks", "CheckRead", "ReviewChecks", "DuplicateRef", "ImageOut",
             "ReviewImageOut", "Requested", "MaterialOut", "ReviewMaterialOut", "ReviewNote", "TimelineEntry", "AuditOut",
             "PageWindow", "ReviewDeadline", "Page", "ReviewPage", "TimelinePage", "AuditPage",),
    "uploads": ("UploadRequest", "PresignedPost", "Reservation",),
    "review": ("ImageDecision", "ApprovePassed", "MaterialRequest", "ApplicationDecision", "QueueItem", "QueuePage", "Claim",
               "ImageDecisionOut", "SearchItem", "SearchPage", "Waiting", "Overdue", "SiteStats", "Stats", "Trace",),
    "notify": ("ContactIn", "PendingNumber", "ContactOut", "VerificationSent", "CodeIn", "SubscriptionIn", "SubscriptionOut",
               "SubscriptionList", "Categories",
               "AnnouncementIn", "AnnouncementAccepted", "AnnouncementProgress",),
    "season": ("WindowIn", "WindowOut", "WindowList", "When", "MaterialIn",
               "CatalogueOut", "CatalogueChange", "CatalogueHistory", "CatalogueChanged", "CataloguePreview",
               "SampleRequest", "SampleUpload",),
}
HOME = {name: module for module, names in MODULES.items() for name in names}
__all__ = sorted(HOME)


def __getattr__(name: str):
    module = HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # what editors and type checkers see
    from core.contract.applications import *  # noqa: F403
    from core.contract.base import *  # noqa: F403
    from core.contract.notify import *  # noqa: F403
    from core.contract.page import *  # noqa: F403
    from core.contract.review import *  # noqa: F403
    from core.contract.season import *  # noqa: F403
    from core.contract.status import *  # noqa: F403
    from core.contract.uploads import *  # noqa: F403
