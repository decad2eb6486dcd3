"""The requirement catalogue: which material types (slots) an application must fill (R3, R4, R9, R10),
the exam regions and sites that exist, the exam categories, and the provinces of household registration.

Plain data, merged national -> region -> site, kept in versions the exam office makes (season function,
`PUT /catalogue/...`): each change is a new version, and an application keeps the version it was
registered under (`Application.catalogue_version`), so a change reaches new registrations only. A
requirement may apply only to some candidates ("when"), e.g. region 31 asks non-local (非户籍)
candidates, and only them, for a residence permit. The first version is deploy/catalogue.json, written
by a seed step (deploy/catalogue.py), never by this code.

Versions never change, so a function keeps the few it read (`version`); `current` reads which one is the
newest (one GetItem of a small item), and nothing else here reads anything.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import DomainError

if TYPE_CHECKING:
    from core.models import Application

ACCEPT = ("image/jpeg", "image/png")  # R6
MAX_BYTES = 204800  # R6: 200 KB


@dataclass(frozen=True)
class MaterialType:
    type: str
    name: str
    name_en: str
    description: str
    description_en: str
    min_count: int
    max_count: int
    sample: str

    @property
    def required(self) -> bool:
        return self.min_count > 0


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    region: str


def _applies(when: dict | None, household_region: str | None) -> bool:
    if not when:
        return True
    for kind, codes in when.items():
        if kind == "householdRegionIn" and household_region not in codes:
            return False
        if kind == "householdRegionNotIn" and household_region in codes:
            return False
        if kind not in ("householdRegionIn", "householdRegionNotIn"):
            raise ValueError(f"unknown condition {kind}")
    return True


class Catalog:
    def __init__(self, data: dict, version: int = 1):
        self.data, self.version = data, version
        self._types: dict[str, dict] = data["materialTypes"]
        self._national: dict[str, dict] = data["national"]
        self._regions: dict[str, dict] = data.get("regions", {})
        self._sites: dict[str, dict] = data.get("sites", {})
        self.categories: tuple[str, ...] = tuple(data.get("categories", ()))
        self.household_regions: dict[str, str] = data.get("householdRegions", {})
        for level in [self._national, *(r.get("materials", {}) for r in self._regions.values()),
                      *(s.get("materials", {}) for s in self._sites.values())]:
            unknown = set(level) - set(self._types)
            if unknown:
                raise ValueError(f"catalog names unknown material types {sorted(unknown)}")
        for code, site in self._sites.items():
            if site.get("region") not in self._regions:
                raise ValueError(f"site {code} names unknown region {site.get('region')}")

    # ------------------------------------------------------------ places
    def region_name(self, region: str) -> str | None:
        return self._regions.get(region, {}).get("name")

    def site(self, code: str) -> Site | None:
        spec = self._sites.get(code)
        return Site(code, spec.get("name", code), spec["region"]) if spec else None

    def has_region(self, region: str) -> bool:
        return region in self._regions

    def sites(self, region: str | None = None) -> list[Site]:
        """Every site, or those of one region, in catalogue order (the office's season view walks them)."""
        return [s for s in (self.site(c) for c in self._sites) if s and (region is None or s.region == region)]

    # ------------------------------------------------------------ requirements
    def requirements(self, region: str, site: str, household_region: str | None = None) -> list[MaterialType]:
        """The material types, in catalogue order, that an application in region/site must or may fill."""
        merged: dict[str, dict] = {}
        levels = [self._national, self._regions.get(region, {}).get("materials", {}),
                  self._sites.get(site, {}).get("materials", {})]
        for level in levels:
            for type_, override in level.items():
                if override is None:
                    merged.pop(type_, None)
                else:
                    merged[type_] = {**merged.get(type_, {}), **override}
        ordered = [t for t in self._types if t in merged and _applies(merged[t].get("when"), household_region)]
        return [self._material(t, merged[t]) for t in ordered]

    def requirement(self, region: str, site: str, type_: str, household_region: str | None = None) -> MaterialType | None:
        return next((m for m in self.requirements(region, site, household_region) if m.type == type_), None)

    def _material(self, type_: str, override: dict) -> MaterialType:
        spec = {**self._types[type_], **override}
        if not 0 <= spec["minCount"] <= spec["maxCount"]:
            raise ValueError(f"{type_}: minCount/maxCount out of order")
        return MaterialType(
            type=type_, name=spec["name"], name_en=spec["nameEn"], description=spec["description"],
            description_en=spec.get("descriptionEn") or spec["description"], min_count=spec["minCount"], max_count=spec["maxCount"],
            sample=spec.get("sample", ""),
        )


    def region_codes(self) -> list[str]:
        return list(self._regions)


@dataclass(frozen=True)
class CatalogueVersion:
    """One version as stored: the whole catalogue's data, who made it when, and what changed from the one
    before (`{scope, type, action}`; the seed's is `{action: "seed"}`)."""

    version: int
    data: dict
    by: str
    at: str
    change: dict = field(default_factory=dict)


# ---------------------------------------------------------------- the versions a function has read

KEPT = 8  # versions kept in a warm function (a version is parsed once; a season sees a few in use)
_versions: OrderedDict[int, Catalog] = OrderedDict()


def remember(version: int, data: dict) -> Catalog:
    """A version read (or seeded): kept, most recently used last."""
    found = _versions[version] = Catalog(data, version)
    _versions.move_to_end(version)
    while len(_versions) > KEPT:
        _versions.popitem(last=False)
    return found


def forget() -> None:
    """Nothing kept (tests: another table)."""
    _versions.clear()


def version(number: int) -> Catalog:
    """The catalogue as of version `number`: read once, then kept."""
    found = _versions.get(number)
    if found is not None:
        _versions.move_to_end(number)
        return found
    from core import db  # the versions' storage; the model itself reads nothing

    stored = db.get_catalogue_version(number)
    if stored is None:
        raise RuntimeError(f"catalogue version {number} is missing")  # versions are never deleted: a bug
    return remember(number, stored.data)


def current(consistent: bool = False) -> Catalog:
    """The newest version (a registration's: read consistently, it takes the newest)."""
    from core import db

    number = db.current_catalogue_version(consistent)
    if number is None:
        raise DomainError("TRY_AGAIN", "The requirement catalogue has not been set up yet (make seed-catalogue).",
                          "材料要求目录尚未初始化(make seed-catalogue),请稍后重试。")
    return version(number)


def of(app: Application) -> Catalog:
    """The catalogue an application was registered under: its slots and its places' names, for good."""
    return version(app.catalogue_version)


# ---------------------------------------------------------------- the exam office's changes (pure)

MAX_COUNT = 10  # images one material takes at most (a request for more may raise it for one application)
CONDITIONS = ("householdRegionIn", "householdRegionNotIn")


def scope_levels(data: dict, scope: str) -> list[dict]:
    """The materials of each level from national down to `scope` (`national`, `region-{code}`,
    `site-{code}`); UNKNOWN_SCOPE if the region or site is not in the catalogue."""
    kind, _, code = scope.partition("-")
    levels = [data["national"]]
    if kind == "national" and not code:
        return levels
    if kind == "region" and code in data.get("regions", {}):
        return [*levels, data["regions"][code].setdefault("materials", {})]
    site = data.get("sites", {}).get(code) if kind == "site" else None
    if site is not None:
        region = data["regions"][site["region"]].setdefault("materials", {})
        return [*levels, region, site.setdefault("materials", {})]
    raise DomainError("UNKNOWN_SCOPE", f"No scope {scope[:40]}: national, region-{{code}} or site-{{code}} of the catalogue.",
                      f"没有范围 {scope[:40]}:须为 national、region-{{考区代码}} 或 site-{{考点代码}},且在目录中。")


def _inherited(levels: list[dict], type_: str) -> bool:
    """Whether the levels above the last one give this type (before the last level's own entry)."""
    present = False
    for level in levels[:-1]:
        if type_ in level:
            present = level[type_] is not None
    return present


def with_material(data: dict, scope: str, type_: str, spec: dict) -> dict:
    """The catalogue with `type_` at `scope` exactly as `spec` says (name, texts, counts, sample, when):
    a new type is added to the list of types too (after the others: the page's order)."""
    out = copy.deepcopy(data)
    levels = scope_levels(out, scope)
    if not 0 <= spec["minCount"] <= spec["maxCount"] or not 1 <= spec["maxCount"] <= MAX_COUNT:
        raise DomainError("INVALID_COUNTS", f"minCount {spec['minCount']} and maxCount {spec['maxCount']}: they must be "
                          f"0 <= minCount <= maxCount and 1 <= maxCount <= {MAX_COUNT}.",
                          f"minCount 为 {spec['minCount']}、maxCount 为 {spec['maxCount']}:须满足 0 ≤ minCount ≤ "
                          f"maxCount,且 1 ≤ maxCount ≤ {MAX_COUNT}。")
    for kind, codes in (spec.get("when") or {}).items():
        unknown = [c for c in codes if c not in out.get("householdRegions", {})]
        if kind not in CONDITIONS or unknown:
            raise DomainError("INVALID_REQUEST", f"when.{kind}: {', '.join(unknown) or kind} is not a household region code.",
                              f"when.{kind}:{'、'.join(unknown) or kind} 不是有效的户籍所在地代码。")
    definition = {k: v for k, v in spec.items() if k != "when" and v is not None}
    out["materialTypes"].setdefault(type_, definition)
    # Every field stated, so the entry means what it says whatever the levels above it say.
    levels[-1][type_] = {"name": spec["name"], "nameEn": spec["nameEn"], "description": spec["description"],
                         "descriptionEn": spec.get("descriptionEn"), "minCount": spec["minCount"],
                         "maxCount": spec["maxCount"], "when": spec.get("when") or None,
                         **({"sample": spec["sample"]} if spec.get("sample") else {})}
    Catalog(out)  # still a catalogue
    return out


def without_material(data: dict, scope: str, type_: str) -> dict:
    """The catalogue without `type_` at `scope`: its entry there goes, and where a level above still gives
    it, the scope says no to it (null); UNKNOWN_MATERIAL_TYPE if the scope does not have it."""
    out = copy.deepcopy(data)
    levels = scope_levels(out, scope)
    inherited = _inherited(levels, type_)
    own = levels[-1].get(type_, "absent")
    if own is None or (own == "absent" and not inherited):
        raise DomainError("UNKNOWN_MATERIAL_TYPE", f"{scope} does not ask for {type_}.", f"{scope} 不要求 {type_} 这类材料。")
    if inherited:
        levels[-1][type_] = None
    else:
        del levels[-1][type_]
    return out
