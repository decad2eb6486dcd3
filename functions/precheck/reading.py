"""What the OCR read from one picture, as the checks see it: lines of text, each with where it is
(a four-corner box in picture pixels), how sure the recogniser was (0-1), and that certainty per
character where the engine gives it. Plain data: the decider is tested on readings made by hand, and
readings round-trip through JSON (the evaluation caches them)."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Line:
    text: str
    score: float
    box: tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left
    chars: tuple[float, ...] = ()  # per-character certainty, aligned with ``text`` when given

    @property
    def clean(self) -> str:
        return clean(self.text)

    @property
    def centre(self) -> Point:
        return (sum(p[0] for p in self.box) / 4, sum(p[1] for p in self.box) / 4)

    @property
    def left(self) -> float:
        return min(p[0] for p in self.box)

    @property
    def right(self) -> float:
        return max(p[0] for p in self.box)

    @property
    def top(self) -> float:
        return min(p[1] for p in self.box)

    @property
    def bottom(self) -> float:
        return max(p[1] for p in self.box)

    @property
    def height(self) -> float:
        """Across the text: the mean of the two short sides."""
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box
        return (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2

    @property
    def angle(self) -> float:
        """Direction of the text's baseline, degrees, counter-clockwise from the x axis (y down)."""
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box
        return math.degrees(math.atan2(-((y1 - y0) + (y2 - y3)) / 2, ((x1 - x0) + (x2 - x3)) / 2))

    def along(self, point: Point) -> tuple[float, float]:
        """``point`` in this line's own frame: (distance along the baseline from the centre, distance
        across it), so "on the same row, to the right" holds on a turned or slanted photo too."""
        cx, cy = self.centre
        a = math.radians(-self.angle)
        dx, dy = point[0] - cx, point[1] - cy
        return dx * math.cos(a) + dy * math.sin(a), -dx * math.sin(a) + dy * math.cos(a)

    def as_json(self) -> dict:
        return {"text": self.text, "score": round(self.score, 5), "box": [[round(x, 1), round(y, 1)] for x, y in self.box],
                "chars": [round(c, 4) for c in self.chars]}  # fmt: skip

    @classmethod
    def from_json(cls, doc: dict) -> Line:
        box = tuple((float(x), float(y)) for x, y in doc["box"])
        return cls(doc["text"], float(doc["score"]), box, tuple(float(c) for c in doc.get("chars", ())))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Reading:
    width: int
    height: int
    lines: tuple[Line, ...]

    def as_json(self) -> dict:
        return {"width": self.width, "height": self.height, "lines": [line.as_json() for line in self.lines]}

    @classmethod
    def from_json(cls, doc: dict) -> Reading:
        return cls(int(doc["width"]), int(doc["height"]), tuple(Line.from_json(d) for d in doc["lines"]))


def clean(text: str) -> str:
    """Full-width forms folded (NFKC: １２ -> 12, ： -> :), white space dropped: OCR puts spaces
    where a card spaces its labels out (姓 名)."""
    return "".join(unicodedata.normalize("NFKC", text).split())
