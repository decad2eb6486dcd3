"""A watermark's reference as the exam office types it back (R7): as printed, with '#', spaces, lower
case and the look-alikes the alphabet leaves out; what cannot be a reference is not one."""

from __future__ import annotations

import pytest

from core import references


@pytest.mark.parametrize("typed", ["N1FG2Z9XJ2", "#N1FG2Z9XJ2", " # n1fg 2z9x j2 ", "N1FG2Z9XJ2\n", "%23N1FG2Z9XJ2",
                                   "NIFG2Z9XJ2", "NlFG2Z9XJ2", "#N1FG\u00a02Z9XJ2"])
def test_what_a_person_types_is_the_reference_printed(typed):
    assert references.normalise(typed) == "N1FG2Z9XJ2"


def test_o_is_read_as_zero():
    assert references.normalise("#AB0O0O0O0O") == "AB00000000"


@pytest.mark.parametrize("typed", ["", "#", "   ", "ABC1234", "U" * 10, "Z" * 17, "N1FG-2Z9XJ2", "身份证明12345678",
                                   "N1FG2Z9XJ2/..", "'; DROP"])
def test_what_cannot_be_a_reference_is_none(typed):
    assert references.normalise(typed) is None
