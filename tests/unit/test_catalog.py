"""The requirement catalogue is data: national defaults, region and site overrides (R3, R10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.catalog import Catalog, catalog


def counts(region, site, cat=None, household=None):
    return {m.type: (m.min_count, m.max_count) for m in (cat or catalog()).requirements(region, site, household)}


def test_demo_data_of_the_contract():
    assert counts("11", "1101") == {"id_card": (2, 2), "diploma": (1, 2), "practice_proof": (1, 1), "other": (0, 5)}
    assert counts("31", "3101", household="11") == {**counts("11", "1101"), "residence_permit": (1, 2)}
    assert counts("31", "3101", household="31") == counts("11", "1101")  # local (户籍) candidates need none
    assert catalog().requirement("11", "1101", "other").required is False
    assert catalog().requirement("11", "1101", "id_card").required is True
    assert catalog().site("3101").region == "31" and catalog().site("3101").name == "上海市黄浦区考点"
    assert catalog().region_name("31") == "上海市"
    assert "中西医结合执业助理医师" in catalog().categories and len(catalog().household_regions) == 34


def test_unknown_region_and_site_get_the_national_defaults():
    assert counts("99", "9901") == counts("11", "1101")


def test_a_site_override_needs_no_code_change():
    data = json.loads((Path(__file__).parents[2] / "functions/core/catalog.json").read_text(encoding="utf-8"))
    data["sites"]["1101"]["materials"] = {"practice_proof": None, "other": {"minCount": 1, "maxCount": 3}}
    data["regions"]["11"]["materials"] = {"residence_permit": {"maxCount": 1}}
    changed = Catalog(data)
    assert counts("11", "1101", changed) == {"id_card": (2, 2), "diploma": (1, 2), "other": (1, 3),
                                              "residence_permit": (1, 1)}
    assert counts("11", "1102", changed)["residence_permit"] == (1, 1)  # region-wide, other sites too
    assert "practice_proof" in counts("11", "1102", changed)


def test_a_catalogue_naming_an_unknown_type_or_impossible_counts_is_refused():
    data = json.loads((Path(__file__).parents[2] / "functions/core/catalog.json").read_text(encoding="utf-8"))
    with pytest.raises(ValueError):
        Catalog({**data, "national": {**data["national"], "passport": {}}})
    bad = Catalog({**data, "sites": {"1101": {"region": "11", "materials": {"id_card": {"minCount": 3}}}}})
    with pytest.raises(ValueError):
        bad.requirements("11", "1101")


def test_every_type_has_both_languages_and_a_sample():
    for m in catalog().requirements("31", "3101"):
        assert m.name and m.name_en and m.description and m.description_en and m.sample.endswith(".png")
