"""Response shapes of api-contract.md "Routes", built from domain objects (camelCase, both languages)."""

from __future__ import annotations

from core.models import Application


def application_view(app: Application) -> dict:
    return {
        "id": app.id, "candidateId": app.candidate_id, "region": app.region, "site": app.site,
        "category": app.category, "examYear": app.exam_year, "status": app.status.value,
        "statusLabel": app.label, "statusLabelEn": app.label_en, "version": app.version,
        "createdAt": app.created_at, "updatedAt": app.updated_at,
    }


def status_view(app: Application) -> dict:
    return {"status": app.status.value, "statusLabel": app.label, "statusLabelEn": app.label_en,
            "version": app.version, "updatedAt": app.updated_at}


def list_item(app: Application) -> dict:
    return {"id": app.id, "status": app.status.value, "statusLabel": app.label, "statusLabelEn": app.label_en,
            "region": app.region, "site": app.site, "category": app.category, "examYear": app.exam_year}


def etag(app: Application) -> str:
    """Changes whenever anything on the application's page changes (every change bumps `version`)."""
    return f'"{app.id}.{app.version}"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [t.strip() for t in if_none_match.split(",")]
    return "*" in candidates or any(t.removeprefix("W/") == tag for t in candidates)


def queue_item(app: Application, now: int) -> dict:
    live = bool(app.claimed_by and (app.claim_expires_at or 0) > now)
    return {"applicationId": app.id, "candidateId": app.candidate_id, "region": app.region, "site": app.site,
            "status": app.status.value, "statusLabel": app.label, "readyAt": app.ready_at,
            "claimedBy": app.claimed_by if live else None, "claimExpiresAt": app.claim_expires_at if live else None}
