"""Resident identity numbers (居民身份证号码, GB 11643-1999): 17 digits and a check digit (0-9 or X).

Reviewers compare the identity card in the picture with the number the registration system sent,
so a number with a wrong check digit is refused at registration. Lists show it masked; nobody but
the candidate, their reviewers and the exam office ever sees it whole, and logs never do.
"""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(number: str) -> str:
    return number.strip().upper()


def valid(number: str) -> bool:
    """18 characters, a real date of birth (positions 7-14) and the GB 11643 check digit."""
    if not _SHAPE.match(number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today() and check_digit(number[:17]) == number[17]


def masked(number: str) -> str:
    """First 6 and last 4 characters kept (api-contract.md), the rest `*`."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
