"""Bench row 1's floor is what no implementation can skip to make the same output: so it must make the
same output, byte for byte, and encode no more than once."""

from __future__ import annotations

import pytest

from bench import image_row

CASES = image_row.cases()
KINDS = ["photo 1600x1200", "photo 1200x1600 EXIF-rotated", "screenshot PNG 1080x1920", "grey scan 1240x1754"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_floor_makes_the_subjects_output_byte_for_byte(kind):
    data = CASES[kind]
    assert image_row.floor(data) == image_row.subject(data)


@pytest.mark.parametrize("kind", KINDS)
def test_the_clean_floor_differs_only_by_the_watermark(kind):
    # the note's second ratio: the same pipeline minus the watermark, so fewer bytes at the same quality
    data = CASES[kind]
    assert len(image_row.clean(data)) < len(image_row.floor(data))
