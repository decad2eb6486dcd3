"""The season function's use cases: the exam office's windows (upload, fix-by and review dates per exam
year and region) and its requirement catalogue (read, changed in versions, previewed as the candidate's
page shows it, sample pictures uploaded through presigned POSTs)."""

from __future__ import annotations

import secrets

from core import catalog, clock, db, season, storage
from core import contract as c
from core import page as pages
from core.catalog import MAX_BYTES, Catalog
from core.clock import iso
from core.errors import DomainError
from core.identity import Caller
from core.keys import sample_key
from core.models import Application, Snapshot, Window
from core.settings import settings
from core.transact import retry
from season import rules


def _window_view(w: Window, places: Catalog) -> c.WindowOut:
    return c.WindowOut(examYear=w.exam_year, region=w.region, regionName=places.region_name(w.region),
                       uploadOpens=season.iso_beijing(w.upload_opens), uploadCloses=season.iso_beijing(w.upload_closes),
                       fixUntil=season.iso_beijing(w.fix_until), siteReviewDue=season.iso_beijing(w.site_review_due),
                       regionReviewDue=season.iso_beijing(w.region_review_due), version=w.version, updatedBy=w.by,
                       updatedAt=w.at)


def set_window(caller: Caller, exam_year: int, region: str, body: c.WindowIn) -> c.WindowOut:
    """The office sets (or moves) a window: the next version of the one read, conditional on it."""
    places = catalog.current()
    cmd = rules.SetWindow(caller=caller, exam_year=exam_year, region=region, times=body.model_dump())
    _, made = retry(lambda _: db.get_window(exam_year, region), lambda w, now: rules.set_window(w, places, cmd, now),
                    lambda plan: db.put_window(*plan), {"window": f"{exam_year}#{region}"})
    return _window_view(made, places)


def windows(exam_year: int) -> c.WindowList:
    places = catalog.current()
    return c.WindowList(examYear=exam_year, items=[_window_view(w, places) for w in db.windows(exam_year)])


# ---------------------------------------------------------------- the requirement catalogue

def _version(number: int | None) -> Catalog:
    if number is None:
        return catalog.current()
    newest = db.current_catalogue_version()
    if newest is None or not 1 <= number <= newest:
        raise DomainError("NOT_FOUND", f"There is no catalogue version {number}.", f"没有第 {number} 版材料要求目录。")
    return catalog.version(number)


def get_catalogue(number: int | None) -> c.CatalogueOut:
    places = _version(number)
    stored = db.get_catalogue_version(places.version)
    newest = db.current_catalogue_version() or places.version
    data = places.data
    return c.CatalogueOut(
        version=places.version, changedBy=stored.by if stored else "", changedAt=stored.at if stored else "",
        change=stored.change if stored else {}, current=newest, categories=list(places.categories),
        householdRegions=places.household_regions, materialTypes=data["materialTypes"], national=data["national"],
        regions=data.get("regions", {}), sites=data.get("sites", {}))


def history(limit: int) -> c.CatalogueHistory:
    return c.CatalogueHistory(items=[c.CatalogueChange(version=v.version, by=v.by, at=v.at, change=v.change)
                                     for v in db.catalogue_history(limit)])


def change_material(caller: Caller, scope: str, type_: str, body: c.MaterialIn | None) -> c.CatalogueChanged:
    """A material put at a scope (exactly as given) or taken from it: a new version of the newest one,
    published only if it is still the newest (else decided again on the one that is)."""
    spec = body.model_dump() if body is not None else None
    if spec is not None and spec["when"] is not None:
        spec["when"] = {k: v for k, v in spec["when"].items() if v is not None}
    if spec is not None and spec.get("sample") and not storage.publish_sample(spec["sample"], MAX_BYTES):
        raise DomainError("NOT_FOUND", f"There is no sample picture {spec['sample']}: upload it first "
                          "(POST /catalogue/samples/{type}, then the file to its presigned POST).",
                          f"没有示例图片 {spec['sample']}:请先上传(POST /catalogue/samples/{{type}},再按返回的地址上传文件)。")
    cmd = rules.ChangeMaterial(caller=caller, scope=scope, type=type_, spec=spec)
    _, made = retry(lambda _: catalog.current(consistent=True), lambda current, now: rules.change_material(current, cmd, now),
                    db.publish_catalogue, {"catalogue": scope})
    catalog.remember(made.version, made.data)
    return c.CatalogueChanged(version=made.version, scope=scope, type=type_, action=made.change["action"])


def preview(region: str, site: str, household_region: str | None, number: int | None) -> c.CataloguePreview:
    """The materials of the candidate's page in `region` and `site` for a candidate of `household_region`
    (default: local), as version `number` (default: the newest) has them: the page's own code, on an
    application with nothing uploaded."""
    places = _version(number)
    found = places.site(site)
    if not places.has_region(region) or found is None or found.region != region:
        raise DomainError("UNKNOWN_SCOPE", f"There is no exam site {site} in region {region} in catalogue version "
                          f"{places.version}.", f"第 {places.version} 版目录中,考区 {region} 下没有考点 {site}。")
    household = household_region or region
    app = Application(id="preview", candidate_id="", region=region, site=site, category="", exam_year=0,
                      household_region=household, catalogue_version=places.version)
    shown = pages.materials(Snapshot(application=app), clock.now().seconds, lambda _: "", storage.sample_url)
    return c.CataloguePreview(version=places.version, region=region, regionName=places.region_name(region), site=site,
                              siteName=found.name, householdRegion=household, materials=shown)


def sample_upload(material_type: str, body: c.SampleRequest) -> c.SampleUpload:
    """Where the office's browser POSTs a sample picture (the quarantine bucket; published when a
    material names it): a new name each time, so a catalogue version keeps the picture it named."""
    name = f"{material_type}/{secrets.token_urlsafe(12)}.{'png' if body.contentType == 'image/png' else 'jpg'}"
    ttl = settings().upload_url_ttl
    post = storage.presigned_post(sample_key(name), body.contentType, MAX_BYTES, ttl)
    return c.SampleUpload(sample=name, upload=c.PresignedPost(url=post["url"], fields=post["fields"]),
                          expiresAt=iso(clock.now().seconds + ttl), maxBytes=MAX_BYTES)
