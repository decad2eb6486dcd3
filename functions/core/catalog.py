"""The requirement catalogue: which material types (slots) an application must fill (R3, R4, R9, R10).

Plain data in catalog.json, merged national -> region -> site. Changing one site's requirements is
an edit of that file, never of this code.
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


class Catalog:
    def __init__(self, data: dict):
        self._types: dict[str, dict] = data["materialTypes"]
        self._national: dict[str, dict] = data["national"]
        self._regions: dict[str, dict] = data.get("regions", {})
        self._sites: dict[str, dict] = data.get("sites", {})
        for level in [self._national, *(r.get("materials", {}) for r in self._regions.values()),
                      *(s.get("materials", {}) for s in self._sites.values())]:
            unknown = set(level) - set(self._types)
            if unknown:
                raise ValueError(f"catalog names unknown material types {sorted(unknown)}")

    def site_region(self, site: str) -> str | None:
        return self._sites.get(site, {}).get("region")

    def requirements(self, region: str, site: str) -> list[MaterialType]:
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
        ordered = [t for t in self._types if t in merged]
        return [self._material(t, merged[t]) for t in ordered]

    def requirement(self, region: str, site: str, type_: str) -> MaterialType | None:
        return next((m for m in self.requirements(region, site) if m.type == type_), None)

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
