"""Where things are on the picture: the watermark's leftovers set aside, the document's lines put
into rows (a label and its value are on one row, whatever the OCR cut them into), and labels found
in a row with the misreads OCR makes (one character in four may be wrong)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from precheck.reading import Line, Reading
from process_image.imaging import WATERMARK_CHARSET

WATERMARK_ANGLE = 30.0  # process_image's watermark runs at 30 degrees (R7)
_WATERMARK_TEXT = re.compile(r"仅用|用于|医师|资格|考试|\d{4}-\d{2}-\d{2}|#[0-9A-Z]{3,}")
_WATERMARK_CHARS = set(WATERMARK_CHARSET) | {"·"}


def is_watermark(line: Line) -> bool:
    """A piece of the watermark the OCR read (when it could not be taken out): its angle, and its
    words or characters. A document is rarely photographed turned by 30 degrees, and then its words
    are not these."""
    if abs(line.angle - WATERMARK_ANGLE) >= 9:
        return False
    text = line.clean
    return bool(_WATERMARK_TEXT.search(text)) or all(ch in _WATERMARK_CHARS for ch in text)


def document_lines(reading: Reading) -> list[Line]:
    return [line for line in reading.lines if line.clean and not is_watermark(line)]


@dataclass(frozen=True)
class Row:
    lines: tuple[Line, ...]  # left to right along the text

    @property
    def text(self) -> str:
        return "".join(line.clean for line in self.lines)

    @property
    def certainty(self) -> tuple[float, ...]:
        """Per character of ``text``: the engine's own where it gave one, else its line's score."""
        out: list[float] = []
        for line in self.lines:
            out += list(line.chars) if len(line.chars) == len(line.clean) else [line.score] * len(line.clean)
        return tuple(out)


def rows(lines: list[Line]) -> list[Row]:
    """Lines grouped into rows, top to bottom: measured across the document's own text direction
    (the median angle of its lines), so a turned or slanted photo keeps its rows."""
    if not lines:
        return []
    angle = statistics.median(line.angle for line in lines)
    ref = min(lines, key=lambda line: abs(line.angle - angle))
    height = statistics.median(line.height for line in lines)
    placed = sorted(((ref.along(line.centre)[1], ref.along(line.centre)[0], line) for line in lines),
                    key=lambda t: t[0])  # fmt: skip
    groups: list[list[tuple[float, float, Line]]] = []
    for item in placed:
        if groups and abs(item[0] - statistics.fmean(g[0] for g in groups[-1])) < 0.5 * height:
            groups[-1].append(item)
        else:
            groups.append([item])
    return [Row(tuple(line for _, _, line in sorted(g, key=lambda t: t[1]))) for g in groups]


def find(pattern: str, text: str, max_errors: int | None = None) -> tuple[int, int, int] | None:
    """The best approximate occurrence of ``pattern`` in ``text`` (edit distance, Sellers' algorithm):
    (start, end, errors), or None if it needs more than ``max_errors`` (default: one per four
    characters, none for labels of one to three characters)."""
    if max_errors is None:
        max_errors = len(pattern) // 4
    m = len(pattern)
    if not text or m == 0:
        return None
    # Column by column over the text: cost[i] is the fewest errors matching pattern[:i] so that it
    # ends at the current text position, begin[i] where that match begins (pattern[:0] costs nothing).
    cost, begin = list(range(m + 1)), [0] * (m + 1)
    best: tuple[int, int, int] | None = None
    for j, ch in enumerate(text, 1):
        new_cost, new_begin = [0] * (m + 1), [j] * (m + 1)
        for i in range(1, m + 1):
            new_cost[i], new_begin[i] = min(
                (cost[i - 1] + (pattern[i - 1] != ch), begin[i - 1]),  # match or substitute
                (cost[i] + 1, begin[i]),  # an extra character in the text
                (new_cost[i - 1] + 1, new_begin[i - 1]),  # a character missing from the text
            )
        cost, begin = new_cost, new_begin
        if cost[m] <= max_errors and (best is None or cost[m] <= best[2]):  # ties: the longer match
            best = (begin[m], j, cost[m])
    return best


def label_row(all_rows: list[Row], label: str, max_errors: int | None = None) -> tuple[int, Row, str, tuple[float, ...]] | None:
    """The first row (top down) with ``label``: (its index, the row, what follows the label in it,
    the certainty of each character that follows)."""
    for k, row in enumerate(all_rows):
        hit = find(label, row.text, max_errors)
        if hit is not None:
            end = hit[1]
            while end > hit[0] + 1 and row.text[end - 1].isascii():  # a misread label ends in CJK, not in its value
                end -= 1
            return k, row, row.text[end:], row.certainty[end:]
    return None
