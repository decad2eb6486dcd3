"""The identity card's fields, read from the rows of its picture.

Front (人像面): the number after 公民身份号码, the name after 姓名, the sex after 性别, the birth date
after 出生. The number says itself whether it was read right: GB 11643's check digit catches any one
wrong digit and any two swapped neighbours, and digits 7-14 are the birth date and digit 17's parity
the sex, which the card also prints; a number that passes all three was read as printed.
Back (国徽面): the validity period after 有效期限, ``2016.01.01-2036.01.01`` or ``2016.01.01-长期``.
The law's periods (5, 10 or 20 years, ending on the day it started, or long-term) check the reading.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from core import idnumber
from precheck.layout import Row, label_row

# What OCR puts for a digit (or the check character X) in a number printed in a sans-serif face.
_AS_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1",
                           "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "b": "6", "G": "6", "x": "X",
                           "×": "X", "Χ": "X"})  # fmt: skip
_NUMBER_CHARS = re.compile(r"[^0-9X]")
_NAME_CHARS = re.compile(r"[^\u3400-\u9fff·]")
LONG_TERM = "LONG_TERM"
PERIOD_YEARS = (5, 10, 20)


@dataclass(frozen=True)
class Front:
    number: str | None  # 18 characters as read (the best of what the number row gives), or None
    number_valid: bool  # the GB 11643 check digit and a real birth date
    name: str | None
    name_certainty: tuple[float, ...]  # per character of ``name``
    sex: str | None  # 男 / 女
    born: datetime.date | None
    number_on_label_row: bool = False  # the number follows 公民身份号码 (where the card's front has it)

    @property
    def number_agrees(self) -> bool:
        """The birth date and sex the card prints say the same as the number (those that were read)."""
        if self.number is None:
            return False
        if self.born is not None and self.number[6:14] != f"{self.born:%Y%m%d}":
            return False
        return self.sex is None or (int(self.number[16]) % 2 == 1) == (self.sex == "男")

    @property
    def number_sure(self) -> bool:
        return self.number_valid and self.number_agrees


@dataclass(frozen=True)
class Back:
    valid_from: datetime.date | None
    valid_until: datetime.date | str | None  # a date, LONG_TERM, or None when not read
    consistent: bool  # a period the law gives (or long-term) from a real start date


def number_candidates(text: str) -> list[str]:
    """18-character windows of the number-like characters in ``text``, valid ones first."""
    chars = _NUMBER_CHARS.sub("", text.translate(_AS_DIGIT).upper())
    if len(chars) < 18:
        return []
    windows = [chars[i : i + 18] for i in range(len(chars) - 17)]
    windows = [w for w in windows if "X" not in w[:17]]
    return sorted(windows, key=lambda w: not idnumber.valid(w))


def _date(year: str, month: str, day: str) -> datetime.date | None:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def front(all_rows: list[Row]) -> Front:
    number: str | None = None
    hit = label_row(all_rows, "公民身份号码")
    on_label_row = False
    if hit is not None:
        k, _, rest, _ = hit
        found = number_candidates(rest)
        on_label_row = bool(found)
        if not found and k + 1 < len(all_rows):  # the number a little lower than its label
            found = number_candidates(all_rows[k + 1].text)
        number = found[0] if found else None
    if number is None:  # no label read: the row that holds an 18-character number
        for row in all_rows:
            found = number_candidates(row.text)
            if found:
                number = found[0]
                break
    sex = None
    sex_hit = label_row(all_rows, "性别")
    if sex_hit is not None:
        m = re.search("[男女]", sex_hit[2])
        sex = m.group(0) if m else None
    name: str | None = None
    certainty: tuple[float, ...] = ()
    hit = label_row(all_rows, "姓名")
    if hit is None and sex_hit is not None and sex_hit[0] > 0:
        # The label half read (名张伟): the name is the row just above 性别, after what is left of its label.
        above = all_rows[sex_hit[0] - 1]
        skip = next((k for k in (2, 1) if above.text[:k] in ("姓名", "姓", "名")), 0)
        hit = (sex_hit[0] - 1, above, above.text[skip:], above.certainty[skip:])
    if hit is not None:
        _, _, rest, rest_certainty = hit
        kept = [(ch, c) for ch, c in zip(rest, rest_certainty, strict=False) if not _NAME_CHARS.match(ch)]
        if kept:
            name = "".join(ch for ch, _ in kept)
            certainty = tuple(c for _, c in kept)
    born = None
    hit = label_row(all_rows, "出生")
    if hit is not None:
        parts = re.findall(r"\d+", hit[2].translate(_AS_DIGIT))
        if len(parts) >= 3 and len(parts[0]) == 4:
            born = _date(*parts[:3])
    return Front(number, bool(number and idnumber.valid(number)), name, certainty, sex, born, on_label_row)


def _later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # from 29 February
        return day.replace(year=day.year + years, day=28)


_SEPARATORS = str.maketrans({",": ".", "，": ".", "·": ".", ":": ".", "、": ".", "。": ".", "_": "-", "~": "-", "—": "-"})
_DAY = re.compile(r"(\d{4})\.?(\d{2})\.?(\d{2})")
_PERIOD = re.compile(r"\d{4}\.\d{2}\.\d{2}-(\d{4}\.\d{2}\.\d{2}|长)")


def back(all_rows: list[Row]) -> Back:
    hit = label_row(all_rows, "有效期限")
    rest = None
    if hit is not None:
        k, _, rest, _ = hit
        if len(re.sub(r"\D", "", rest)) < 8 and k + 1 < len(all_rows):  # the period a little lower than its label
            rest += all_rows[k + 1].text
    else:  # no label read: the row that holds a period
        rest = next((row.text for row in all_rows if _PERIOD.search(row.text.translate(_SEPARATORS))), None)
    if rest is None:
        return Back(None, None, False)
    text = rest.translate(_AS_DIGIT).translate(_SEPARATORS)
    days = [_date(*m.groups()) for m in _DAY.finditer(text)]
    start = days[0] if days else None
    if "长期" in text or (len(days) < 2 and "长" in text):  # long-term: read in full, it needs no start date
        return Back(start, LONG_TERM, start is not None or "长期" in text)
    if len(days) < 2:
        return Back(start, None, False)
    until = days[1]
    consistent = start is not None and until is not None and any(_later(start, n) == until for n in PERIOD_YEARS)
    return Back(start, until, consistent)


def repaired_until(b: Back) -> datetime.date | None:
    """Where the read end date is not one the start date allows: the end the law allows from the start
    date that is nearest the read one (fewest differing digits, at most two: a misread, not another
    date), if exactly one is nearest."""
    if b.valid_from is None or not isinstance(b.valid_until, datetime.date):
        return None
    read = f"{b.valid_until:%Y%m%d}"
    near: dict[int, list[datetime.date]] = {}
    for n in PERIOD_YEARS:
        end = _later(b.valid_from, n)
        d = sum(a != c for a, c in zip(f"{end:%Y%m%d}", read, strict=True))
        if d <= 2:
            near.setdefault(d, []).append(end)
    nearest = near[min(near)] if near else []
    return nearest[0] if len(nearest) == 1 else None
