"""The OpenAPI document states the domain's own rules exactly: each pattern takes what the domain takes
and nothing else (tested on generated strings from the characters that matter), each list is the
catalogue's."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalog import ACCEPT, MAX_COUNT, Catalog
from core.errors import DomainError
from core.uploads import normalise_content_type
from deploy.catalogue import seed_data
from notify import contacts
from tools.openapi import DOCUMENT

SCHEMAS = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]


def documented(schema: str, field: str) -> dict:
    return SCHEMAS[schema]["properties"][field]


def phone_taken(raw: str) -> bool:
    try:
        contacts.normalise(raw.strip())  # the request model strips whitespace first
        return True
    except DomainError:
        return False


PHONE = re.compile(documented("ContactIn", "phone")["pattern"])
PHONE_TEXT = st.one_of(
    st.text(alphabet="0123456789+ -().\t\u3000\u00a0x", max_size=22),
    st.builds(lambda pre, body, sep: pre + sep.join(body),
              st.sampled_from(["", "+86", "0086", "+ 86", "(+86)", "86", "+8", "+86+86"]),
              st.lists(st.sampled_from(list("0123456789")), min_size=10, max_size=12),
              st.sampled_from(["", " ", "-", "."])),
    st.builds(lambda d: "1" + d, st.text(alphabet="0123456789", min_size=9, max_size=11)),
)


@settings(max_examples=3000, deadline=None)
@given(PHONE_TEXT)
def test_the_phone_pattern_is_what_the_domain_takes(raw):
    assert bool(PHONE.search(raw)) == phone_taken(raw), raw


def test_the_phone_pattern_on_the_forms_people_type():
    for raw in ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "(+86)13812345678", "138.1234.5678"]:
        assert PHONE.search(raw) and phone_taken(raw), raw
    for raw in ["12812345678", "1381234567", "138123456789", "86 13812345678", "+86+8613812345678", "1381234567x"]:
        assert not PHONE.search(raw) and not phone_taken(raw), raw


CONTENT_TYPE = re.compile(documented("UploadRequest", "contentType")["pattern"])


@settings(max_examples=3000, deadline=None)
@given(st.one_of(
    st.builds(lambda a, t, b: a + t + b, st.text(" \t", max_size=2),
              st.sampled_from(["image/jpeg", "IMAGE/JPG", "image/png", "Image/PnG", "image/jpe", "image/gif",
                               "image/pngx", "imagepng", "text/html", "image/svg+xml"]),
              st.text(alphabet=" ;=charset8a\t", max_size=8)),
    st.text(max_size=20)))
def test_the_content_type_pattern_is_what_the_domain_takes(raw):
    taken = normalise_content_type(raw.strip()) in ACCEPT
    assert bool(CONTENT_TYPE.search(raw)) == taken, raw


def catalog() -> Catalog:
    return Catalog(seed_data())  # the first version's lists: the office's editor does not change them


def test_the_catalogues_lists_and_the_upload_limit_are_stated():
    assert documented("Registration", "category")["enum"] == list(catalog().categories)
    assert documented("SubscriptionIn", "category")["enum"] == list(catalog().categories)
    assert documented("AnnouncementIn", "category")["enum"] == list(catalog().categories)
    assert documented("Registration", "householdRegion")["enum"] == sorted(catalog().household_regions)
    assert documented("UploadRequest", "size")["maximum"] == 200 * 1024


def test_a_materials_counts_are_stated_in_range_and_in_order():
    schema = SCHEMAS["MaterialIn"]
    assert (documented("MaterialIn", "minCount")["minimum"], documented("MaterialIn", "minCount")["maximum"]) == (0, MAX_COUNT)
    assert (documented("MaterialIn", "maxCount")["minimum"], documented("MaterialIn", "maxCount")["maximum"]) == (1, MAX_COUNT)
    # minCount <= maxCount: exactly one branch per maxCount, each bounding minCount by it
    assert [(b["properties"]["maxCount"]["const"], b["properties"]["minCount"]["maximum"]) for b in schema["anyOf"]] == [
        (k, k) for k in range(1, MAX_COUNT + 1)]
    assert documented("When", "householdRegionNotIn")["anyOf"][0]["items"]["enum"] == sorted(catalog().household_regions)
