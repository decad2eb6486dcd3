"""The requirement catalogue is data: national defaults, region and site overrides (R3, R10); the exam
office changes it in versions (a material put at, or taken from, a scope)."""

from __future__ import annotations

import pytest

from core.catalog import Catalog, scope_levels, with_material, without_material
from core.catalog import version as catalog_version
from core.errors import DomainError
from deploy.catalogue import seed_data


def catalog() -> Catalog:
    """The first version (deploy/catalogue.json), as a function keeps it."""
    return catalog_version(1)


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
    data = seed_data()
    data["sites"]["1101"]["materials"] = {"practice_proof": None, "other": {"minCount": 1, "maxCount": 3}}
    data["regions"]["11"]["materials"] = {"residence_permit": {"maxCount": 1}}
    changed = Catalog(data)
    assert counts("11", "1101", changed) == {"id_card": (2, 2), "diploma": (1, 2), "other": (1, 3),
                                              "residence_permit": (1, 1)}
    assert counts("11", "1102", changed)["residence_permit"] == (1, 1)  # region-wide, other sites too
    assert "practice_proof" in counts("11", "1102", changed)


def test_a_catalogue_naming_an_unknown_type_or_impossible_counts_is_refused():
    data = seed_data()
    with pytest.raises(ValueError):
        Catalog({**data, "national": {**data["national"], "passport": {}}})
    bad = Catalog({**data, "sites": {"1101": {"region": "11", "materials": {"id_card": {"minCount": 3}}}}})
    with pytest.raises(ValueError):
        bad.requirements("11", "1101")


def test_every_type_has_both_languages_and_a_sample():
    for m in catalog().requirements("31", "3101"):
        assert m.name and m.name_en and m.description and m.description_en and m.sample.endswith(".png")


# ---------------------------------------------------------------- the exam office's changes

HEALTH = {"name": "健康证明", "nameEn": "Health certificate", "description": "体检合格证明。", "descriptionEn": None,
          "minCount": 1, "maxCount": 1, "when": None}


def test_a_material_put_at_a_region_is_asked_there_only_and_exactly_as_given():
    data = with_material(seed_data(), "region-11", "health_cert", HEALTH)
    changed = Catalog(data, 2)
    assert counts("11", "1101", changed)["health_cert"] == (1, 1)
    assert "health_cert" not in counts("31", "3101", changed)
    health = changed.requirement("11", "1101", "health_cert")
    assert (health.name, health.description_en) == ("健康证明", "体检合格证明。")  # English defaults to the Chinese
    assert "health_cert" not in seed_data()["materialTypes"]  # the data it was made from is untouched


def test_a_put_states_every_field_so_nothing_of_a_level_above_leaks_in():
    # region 31 asks non-local candidates for a residence permit; site 3101 asks every candidate
    data = with_material(seed_data(), "site-3101", "residence_permit", {**HEALTH, "name": "居住证明", "maxCount": 2})
    assert counts("31", "3101", Catalog(data), household="31")["residence_permit"] == (1, 2)


def test_a_condition_limits_a_material_to_non_local_candidates():
    spec = {**HEALTH, "when": {"householdRegionNotIn": ["11"]}}
    changed = Catalog(with_material(seed_data(), "region-11", "health_cert", spec))
    assert "health_cert" in counts("11", "1101", changed, household="32")
    assert "health_cert" not in counts("11", "1101", changed, household="11")


@pytest.mark.parametrize("low, high", [(2, 1), (0, 0), (-1, 2), (1, 11)])
def test_counts_out_of_range_or_order_are_invalid_counts(low, high):
    with pytest.raises(DomainError) as refused:
        with_material(seed_data(), "national", "health_cert", {**HEALTH, "minCount": low, "maxCount": high})
    assert refused.value.code == "INVALID_COUNTS"


@pytest.mark.parametrize("scope", ["region-99", "site-9999", "site-11", "national-11", "region-"])
def test_a_scope_not_in_the_catalogue_is_unknown(scope):
    with pytest.raises(DomainError) as refused:
        scope_levels(seed_data(), scope)
    assert refused.value.code == "UNKNOWN_SCOPE"


def test_a_deletion_takes_an_own_material_away_and_says_no_to_an_inherited_one():
    added = with_material(seed_data(), "region-11", "health_cert", HEALTH)
    assert "health_cert" not in counts("11", "1101", Catalog(without_material(added, "region-11", "health_cert")))
    no_diploma = Catalog(without_material(seed_data(), "site-1101", "diploma"))
    assert "diploma" not in counts("11", "1101", no_diploma)
    assert "diploma" in counts("31", "3101", no_diploma)  # only that site
    with pytest.raises(DomainError) as refused:
        without_material(seed_data(), "region-11", "residence_permit")  # region 11 never asked for it
    assert refused.value.code == "UNKNOWN_MATERIAL_TYPE"
