"""The same-desk set for the DUPLICATE judgement (``process_image.quality``): generated, seeded, in memory.

A candidate photographs every document of an application in one sitting: one desk, one lamp, the phone
held the same way and each document laid in the same place. Different documents then make pictures
whose scene is the same (the desk, the framing, a light shape in the middle) and whose document is not:
a hash of the whole picture sees mostly the scene. Each sitting here is eight documents of one
application, in their slots (``SITTING``): the two sides of the identity card, two diploma pages of one
template, the probation certificate, a residence permit, and two letters of one template under "other".
Every document is taken with the sitting's framing, light and desk, moved by what a hand moves it
(about 1 % of the frame, 1 degree).

The same document twice (what DUPLICATE must still find) is one of these photos
* re-encoded (q 55-75), resized (50-80 %), cropped (2-5 % over one to four sides), turned (1-3
  degrees, cropped back to a full frame as a phone's editor does), made lighter or darker (x0.8-1.2),
  all of those at once;
* or taken again: the same document on the same desk, moved by up to 3 % of the frame, turned by up
  to 2 degrees, the phone 4 % nearer or further, the exposure up to 8 % different.

``sittings(seed)`` gives the photos; ``pairs(seed)`` (``quality_set.Pair``) every pair of different
documents of one sitting (kind "same desk", or "same desk, one template" for two pages of one kind)
and every (photo, its duplicate) pair (kind: how it was made). tools/derive_quality_thresholds.py derives on ``quality_set.TRAIN``; the
unit test judges on ``quality_set.HELD_OUT``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image, ImageChops, ImageEnhance

from testkit import quality_set as qs

# (slot, document kind, which one): one application's documents, in the order a candidate uploads them.
SITTING = (("id_card", "card front", 0), ("id_card", "card back", 0), ("diploma", "diploma", 0),
           ("diploma", "diploma", 1), ("practice_proof", "certificate", 0),
           ("residence_permit", "residence permit", 0), ("other", "text page", 0), ("other", "text page", 1))  # fmt: skip
SITTINGS = 6
VARIANTS = ("reencode", "resize", "crop", "rotate", "brightness", "all", "retaken")


@dataclass(frozen=True)
class Photo:
    name: str
    image: Image.Image
    sitting: int
    slot: str
    kind: str
    document: int  # the document's seed: the same document is the same number


def _turned(img: Image.Image, degrees: float) -> Image.Image:
    """Turned and cropped back to the largest upright rectangle of the same aspect (no blank corners)."""
    w, h = img.size
    a = math.radians(abs(degrees))
    k = 1 / (math.cos(a) + math.sin(a) * max(w / h, h / w))
    turned = img.rotate(degrees, Image.Resampling.BILINEAR)
    cw, ch = w * k, h * k
    return turned.crop((round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2)))


def variant(img: Image.Image, how: str, rnd: random.Random) -> Image.Image:
    """An edit of one photo ("retaken" is not an edit: see ``_sitting``)."""
    if how in qs.VARIANTS:
        return qs.variant(img, how, rnd)
    if how == "rotate":
        return qs.decode(qs.jpeg(_turned(img, rnd.choice((-1, 1)) * rnd.uniform(1, 3)), 85))
    if how == "brightness":
        return qs.decode(qs.jpeg(ImageEnhance.Brightness(img).enhance(rnd.choice((0.8, 0.87, 1.12, 1.2))), 85))
    raise ValueError(how)


def _sitting(i: int, seed: int, rnd: random.Random) -> tuple[list[Photo], list[Photo]]:
    """(the sitting's photos, each one taken again)."""
    frame = qs.FRAMES[(i + seed) % len(qs.FRAMES)]
    style = (i + seed) % len(qs.DESKS)
    bg = ImageChops.offset(qs._desk(frame, style, rnd.random() < 0.5), rnd.randrange(frame[0]), rnd.randrange(frame[1]))
    base = qs._shot(rnd, frame, fill=rnd.uniform(0.6, 0.8), angle=rnd.uniform(-3, 3))
    photos, again = [], []
    for n, (slot, kind, which) in enumerate(SITTING):
        doc = seed * 1000 + i * 20 + n
        shot = replace(base, fill=base.fill + rnd.uniform(-0.02, 0.02), angle=base.angle + rnd.uniform(-1, 1),
                       centre=(base.centre[0] + rnd.uniform(-0.01, 0.01), base.centre[1] + rnd.uniform(-0.01, 0.01)),
                       gain=base.gain * rnd.uniform(0.97, 1.03), quality=rnd.randrange(78, 93))
        name = f"s{seed}-desk{i} {slot} {kind}{' #2' * which}"
        photos.append(Photo(name, qs.take(kind, doc, shot, rnd, bg), i, slot, kind, doc))
        moved = replace(shot, fill=shot.fill * rnd.uniform(0.96, 1.04), angle=shot.angle + rnd.uniform(-2, 2),
                        centre=(shot.centre[0] + rnd.uniform(-0.03, 0.03), shot.centre[1] + rnd.uniform(-0.03, 0.03)),
                        gain=shot.gain * rnd.uniform(0.92, 1.08), quality=rnd.randrange(78, 93))
        again.append(Photo(f"{name} / retaken", qs.take(kind, doc, moved, rnd, bg), i, slot, kind, doc))
    return photos, again


@lru_cache(maxsize=8)
def _taken(seed: int, i: int) -> tuple[list[Photo], list[Photo]]:
    return _sitting(i, seed, random.Random(seed * 1000 + 27 + i))


def sitting(seed: int = qs.HELD_OUT, i: int = 0) -> tuple[Photo, ...]:
    """The eight documents of SITTING photographed in sitting ``i``."""
    return tuple(_taken(seed, i)[0])


def sittings(seed: int = qs.HELD_OUT) -> tuple[tuple[Photo, ...], ...]:
    """SITTINGS sittings of the eight documents of SITTING, one desk style each."""
    return tuple(sitting(seed, i) for i in range(SITTINGS))


DIFFERENT = ("same desk", "same desk, one template")


@lru_cache(maxsize=4)
def pairs(seed: int = qs.HELD_OUT) -> tuple[qs.Pair, ...]:
    rnd = random.Random(seed * 1000 + 28)
    out: list[qs.Pair] = []
    for photos, again in (_taken(seed, i) for i in range(SITTINGS)):
        for k, a in enumerate(photos):
            for b in photos[k + 1 :]:
                out.append(qs.Pair(f"{a.name} / {b.name}", a.image, b.image, False, DIFFERENT[a.kind == b.kind]))
        for a, b in zip(photos, again, strict=True):
            for how in VARIANTS:
                dup = b.image if how == "retaken" else variant(a.image, how, rnd)
                out.append(qs.Pair(f"{a.name} / {how}", a.image, dup, True, how))
    return tuple(out)


def tally(pairs, same: Callable[[Image.Image, Image.Image], bool]) -> dict[str, tuple[int, int, bool]]:
    """Per kind of pair: (pairs taken for one picture, pairs, whether they are one picture)."""
    out: dict[str, tuple[int, int, bool]] = {}
    for p in pairs:
        hit, n, _ = out.get(p.kind, (0, 0, p.same))
        out[p.kind] = (hit + same(p.a, p.b), n + 1, p.same)
    return out


def format_tally(counts: dict[str, tuple[int, int, bool]]) -> str:
    found = [(h, n) for h, n, same in counts.values() if same]
    lines = [f"  {kind:24} {'the same picture' if same else 'different':16} taken for one picture {h:>3}/{n}"
             for kind, (h, n, same) in counts.items()]
    hit, total = sum(h for h, _ in found), sum(n for _, n in found)
    return "\n".join([*lines, f"  duplicates found {hit}/{total} ({hit / total:.1%})"])
