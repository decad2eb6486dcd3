"""The requirement catalogue: which material types (slots) an application must fill (R3, R4, R9, R10),
the exam regions and sites that exist, the exam categories, and the provinces of household registration.

Plain data in catalog.json, merged national -> region -> site. Changing one site's requirements is
an edit of that file, never of this code. A requirement may apply only to some candidates ("when"),
e.g. region 31 asks non-local (非户籍) candidates, and only them, for a residence permit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
    def __init__(self, data: dict):
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
            description_en=spec["descriptionEn"], min_count=spec["minCount"], max_count=spec["maxCount"],
            sample=spec.get("sample", ""),
        )


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog(json.loads((Path(__file__).with_name("catalog.json")).read_text(encoding="utf-8")))
