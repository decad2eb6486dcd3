"""Settings are validated once, at cold start (issue 2)."""

from __future__ import annotations

import pytest

from core.settings import Settings, settings


def test_the_environment_of_the_tests_is_valid():
    assert settings().table_name and settings().upload_url_ttl <= 300


@pytest.mark.parametrize("bad", [
    {"table_name": ""},
    {"uploads_bucket": ""},
    {"region": ""},
    {"upload_url_ttl": 301},  # a presigned POST lives at most 5 minutes (issue 3)
    {"view_url_ttl": 901},  # an image URL lives at most 15 minutes (issue 5)
    {"upload_url_ttl": 0},
])
def test_missing_or_out_of_range_settings_fail_loudly(bad):
    good = {"table_name": "t", "uploads_bucket": "u", "materials_bucket": "m", "region": "us-east-1"}
    with pytest.raises(RuntimeError):
        Settings(**{**good, **bad})
