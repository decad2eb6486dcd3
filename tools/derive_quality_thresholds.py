"""Re-derive process_image/quality_thresholds.json from the labelled set (testkit/quality_set.py).

    .venv/bin/python tools/derive_quality_thresholds.py           # print thresholds, tables, hash study
    .venv/bin/python tools/derive_quality_thresholds.py --write   # and write the JSON

Thresholds come from the training set (seeds TRAIN); the unit test judges them on another seed
(HELD_OUT), so a threshold that only fits its own photos fails there. Each threshold separates the
photos that must get its warning from those that must not, with the fewest errors, at the middle of the
widest gap between the two (the most room on both sides for photos unlike the generated ones).
Exposure is derived first, because ``quality.judge`` names only the exposure on a dark or blown-out
photo; blur, glare and cut-off are then derived on the photos it goes on to judge.

The same picture is derived on the duplicate pairs of testkit/quality_set.py and testkit/same_desk.py
(different documents photographed on one desk). The hash study compares aHash, dHash and pHash of the
whole picture and pHash of the document on the same pairs: distances of duplicates (re-encoded, resized,
cropped 2-5 %, turned, lightened, taken again, everything at once) against different documents on one
desk, the two sides of one card and two candidates' documents of one kind; then how often a duplicate
within the bounds shares an index key.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "functions")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from PIL import Image  # noqa: E402

from process_image import quality  # noqa: E402
from testkit import quality_set, same_desk  # noqa: E402


def say(text: str = "") -> None:
    sys.stdout.write(f"{text}\n")


SATURATED_MIN = 0.10  # set by hand, see its comment below
GLARE_AREA_MAX = 0.25  # set by hand, see its comment below
SCREEN_ASPECT_MIN = 1.7  # set by hand, see its comment below


def split(pos: list[float], neg: list[float], below: bool, no_false: bool = False) -> tuple[float, int, float, float]:
    """(threshold, errors, nearest positive, nearest negative): ``value < threshold`` (below) or
    ``value > threshold`` flags; fewest errors, then the widest gap, at the gap's middle. ``no_false``:
    fewest negatives flagged first, then fewest errors."""
    values = sorted(set(pos) | set(neg))
    best = None
    for lo, hi in itertools.pairwise(values):
        t = (lo + hi) / 2
        if below:
            missed, false = sum(v >= t for v in pos), sum(v < t for v in neg)
        else:
            missed, false = sum(v <= t for v in pos), sum(v > t for v in neg)
        errors = missed + false
        key = (false if no_false else 0, errors, -(hi - lo))
        if best is None or key < best[0]:
            best = (key, t, lo, hi)
    (_, errors, _), t, lo, hi = best
    near_pos, near_neg = (lo, hi) if below else (hi, lo)
    return t, errors, near_pos, near_neg


def separate(rows, warning: str, value, below: bool) -> tuple[float, int, float, float]:
    """``split`` of ``value(measures)`` between the photos made with ``warning`` and the others."""
    return split([value(m) for s, m in rows if warning in s.warnings],
                 [value(m) for s, m in rows if warning not in s.warnings], below)  # fmt: skip


def measured(seeds: tuple[int, ...]) -> list[tuple[quality_set.Sample, dict]]:
    return [(s, quality.measure(s.image)[0]) for seed in seeds for s in quality_set.labelled_set(seed)]


def derive(rows: list[tuple[quality_set.Sample, dict]]) -> dict:
    n = len(rows)
    out: dict = {"_about": (
        f"Thresholds of process_image/quality.py, derived by tools/derive_quality_thresholds.py from the "
        f"labelled set of testkit/quality_set.py (seeds {quality_set.TRAIN}, {n} photos) and judged by "
        f"tests/unit/test_quality.py on another seed. Each sits in the middle of the widest gap between "
        f"the photos that must get the warning and those that must not.")}

    t, err, p, q = separate(rows, "TOO_DARK", lambda m: m["brightness"], below=True)
    out["TOO_DARK"] = {"brightness_below": round(t, 1), "comment": (
        f"brightness = 95th percentile of grey (the paper). The brightest too-dark photo has {p:.0f}, the "
        f"darkest other {q:.0f}; {err} errors on the training set.")}
    dark = lambda m: m["brightness"] < out["TOO_DARK"]["brightness_below"]  # noqa: E731

    bright = [(s, m) for s, m in rows if m["saturated"] >= SATURATED_MIN and not dark(m)]
    # Two conditions: each threshold is split on the photos the other one lets through (twice over).
    ink = separate(bright, "OVEREXPOSED", lambda m: m["ink"], below=False)
    for _ in range(2):
        mid = separate([(s, m) for s, m in bright if m["ink"] > ink[0]], "OVEREXPOSED",
                       lambda m: m["midtones"], below=False)  # fmt: skip
        ink = separate([(s, m) for s, m in bright if m["midtones"] > mid[0]], "OVEREXPOSED",
                       lambda m: m["ink"], below=False)  # fmt: skip
    low = min(m["saturated"] for s, m in rows if "OVEREXPOSED" in s.warnings)
    out["OVEREXPOSED"] = {"saturated_min": SATURATED_MIN, "ink_above": round(ink[0], 1),
                          "midtones_above": round(mid[0], 1), "comment": (
        f"Blown out = at least saturated_min of the picture at >= 250 grey (set by hand: the overexposed "
        f"photos of the set clip >= {low:.0%}, a good photo clips nothing unless it is white paper) AND "
        f"the darkest 1 % (ink) above ink_above AND the lower quartile of the unclipped grey (desk, "
        f"shadows) above midtones_above. An app-whitened scan keeps black ink (overexposed from {ink[2]:.0f}, "
        f"others up to {ink[3]:.0f}; {ink[1]} errors); a white page on a desk keeps a normal desk "
        f"(overexposed from {mid[2]:.0f}, others up to {mid[3]:.0f}; {mid[1]} errors).")}
    over = out["OVEREXPOSED"]
    blown = lambda m: (m["saturated"] >= SATURATED_MIN and m["ink"] > over["ink_above"]  # noqa: E731
                       and m["midtones"] > over["midtones_above"])  # fmt: skip
    judged = [(s, m) for s, m in rows if not dark(m) and not blown(m)]

    t, err, p, q = separate(judged, "BLURRY", lambda m: m["sharpness"], below=True)
    out["BLURRY"] = {"sharpness_below": round(t, 3), "comment": (
        f"sharpness = steepest neighbour step (99.5th percentile) / contrast on the 256 px sample. The "
        f"sharpest blurred photo (sigma >= 0.3 % of the long side, or a 1-2 % shake) has {p:.3f}, the "
        f"least sharp other {q:.3f}; {err} errors.")}
    sharp = [(s, m) for s, m in judged if m["sharpness"] >= out["BLURRY"]["sharpness_below"]]

    blobs = [(s, m) for s, m in sharp if 0 < m["glare"] <= GLARE_AREA_MAX]
    pos = [m["glare_surround"] for s, m in blobs if "GLARE" in s.warnings]
    middle = sorted(pos)[len(pos) // 2]
    neg = [m["glare_surround"] for s, m in blobs if "GLARE" not in s.warnings]
    lo, err_lo, lo_p, lo_q = split(pos, [v for v in neg if v < middle], below=False)
    hi, err_hi, hi_p, hi_q = split(pos, [v for v in neg if v >= middle], below=True)
    window = lambda m: lo <= m["glare_surround"] <= hi  # noqa: E731
    t, err, p, q = separate(sharp, "GLARE", lambda m: m["glare"] if window(m) else 0.0, below=False)
    out["GLARE"] = {"area_above": round(t, 4), "area_max": GLARE_AREA_MAX, "surround_min": int(lo) + 1,
                    "surround_max": int(hi), "comment": (
        f"Glare = featureless saturated blobs (>= 3x3 of the 128 px sample at >= 250 grey) covering more "
        f"than area_above and at most area_max of the picture (set by hand: a reflection, not a white page "
        f"or an app-whitened scan, which clip half of it or more), with surroundings (median grey) between "
        f"surround_min and surround_max: a lit document around a reflection; darker is the desk beside a "
        f"clipped page margin (others up to {lo_q:.0f}, glare from {lo_p:.0f}; {err_lo} errors), whiter is "
        f"white paper (glare up to {hi_p:.0f}, others from {hi_q:.0f}; {err_hi} errors). Area: {err} errors, "
        f"counting the photos the surround already ruled out.")}

    t, err, p, q = separate(judged, "CUT_OFF", lambda m: m["cut"], below=False)
    out["CUT_OFF"] = {"cut_above": round(t, 3), "comment": (
        f"cut = the largest share of a side's outermost samples that is document (paper colour); for a "
        f"scan (document on all four sides) the share that is ink. The least cut-off photo has {p:.3f}, "
        f"the most of any other {q:.3f}; {err} errors.")}
    return out


def derive_screenshot(rows: list[tuple[quality_set.Sample, dict]]) -> dict:
    """``flat`` between the screenshots and the photos in a camera's tall frames (quality_set.screen_set):
    the photos the aspect alone would let through."""
    tall = [(s, m) for s, m in rows if m["aspect"] >= SCREEN_ASPECT_MIN]
    t, err, p, q = split([m["flat"] for s, m in tall if s.kind == "screenshot"],
                         [m["flat"] for s, m in tall if s.kind != "screenshot"], below=False)
    return {"aspect_min": SCREEN_ASPECT_MIN, "flat_min": round(t, 3), "comment": (
        f"A screenshot = a frame at least aspect_min long (set by hand: phone screens are 16:9 = 1.78 to "
        f"21:9; a camera's default frame is 4:3, a scan of A4 1.41) AND at least flat_min of neighbouring "
        f"samples exactly equal. The least flat screenshot has {p:.3f}, the flattest photo in a camera's "
        f"tall frame (16:9, 20:9) {q:.3f}; {err} errors. Only blur is judged on a screenshot.")}


def derive_duplicate(pairs: list[quality_set.Pair], hashes: dict[int, quality.Measured]) -> dict:
    """The document's bound first: it separates the same picture from a different document, on one desk
    or on the two sides of one card, taking none of those for one picture (a false DUPLICATE tells a
    candidate that a right document is wrong; a missed one a reviewer still sees). Then the scene's, on
    the pairs the document's lets through: it separates the same picture from two candidates' documents
    of one template, each on its own desk (a reviewer's hint either way: fewest errors)."""
    def dist(p):
        a, b = hashes[id(p.a)], hashes[id(p.b)]
        return quality.hamming(a.phash, b.phash), quality.hamming(a.document, b.document)

    same = [dist(p) for p in pairs if p.same]
    different = [dist(p) for p in pairs if p.kind in ("same desk", "card sides")]
    t, d_err, _, d_neg = split([d for _, d in same], [d for _, d in different], below=True, no_false=True)
    document = int(t)
    template = [dist(p) for p in pairs if p.kind == "same template"]
    t, s_err, _, _ = split([s for s, d in same if d <= document], [s for s, d in template if d <= document],
                                   below=True)  # fmt: skip
    scene = int(t)
    found = sum(s <= scene and d <= document for s, d in same)
    hints = sum(s <= scene and d <= document for s, d in template)
    return {"scene_max": scene, "document_max": document, "probe_flips": 2, "comment": (
        f"same_picture = the scene's pHash (the whole picture) within scene_max bits AND the document's (the "
        f"picture cropped to the document) within document_max. Document: different documents on one desk "
        f"and the two sides of a card are at least {d_neg} bits apart (none taken for one picture; {d_err} "
        f"duplicates beyond the bound). Scene, on the pairs within document_max: the fewest errors ({s_err}) "
        f"between the duplicates and two candidates' documents of one template, each on its own desk, of "
        f"which {hints}/{len(template)} stay within both bounds (a reviewer's duplicateOf hint). Duplicates (re-encoded, resized, cropped 2-5 %, turned, lightened or "
        f"darkened, taken again, all at once) within both: {found}/{len(same)}. probe_flips: the lookup "
        f"also tries each band of the scene's hash with its 1 and 2 least certain bits flipped.")}


# --- reporting -----------------------------------------------------------------------------------

def hash_study(pairs: list[quality_set.Pair]) -> str:
    """aHash / dHash / pHash of the whole picture and pHash of the document on the same pairs (the
    choice of pHash rests on this; the document's hash is what tells documents on one desk apart)."""

    def grey(img):
        return quality._sampled(img, quality.WORK_SIDE).convert("L")

    def ahash(img):
        px = grey(img).resize((8, 8), Image.Resampling.BOX).tobytes()
        mean = sum(px) / 64
        return sum(1 << i for i, v in enumerate(px) if v > mean)

    def dhash(img):
        px = grey(img).resize((9, 8), Image.Resampling.BOX).tobytes()
        return sum(1 << (r * 8 + c) for r in range(8) for c in range(8) if px[r * 9 + c] > px[r * 9 + c + 1])

    def phash(img):
        return quality._phash(grey(img))[0]

    def document(img):
        return quality.measure(img).document

    lines = [f"{'hash':6} {'kind':24} {'n':>4} {'min':>4} {'median':>6} {'p95':>4} {'max':>4}"]
    for name, fn in (("aHash", ahash), ("dHash", dhash), ("pHash", phash), ("doc", document)):
        cache: dict[int, int] = {}

        def h(im, cache=cache, fn=fn):
            return cache.setdefault(id(im), fn(im))

        kinds: dict[str, list[int]] = {}
        for p in pairs:
            kinds.setdefault(p.kind, []).append(quality.hamming(h(p.a), h(p.b)))
        for kind, ds in kinds.items():
            ds.sort()
            lines.append(f"{name:6} {kind:24} {len(ds):>4} {ds[0]:>4} {ds[len(ds) // 2]:>6} "
                         f"{ds[min(len(ds) - 1, len(ds) * 19 // 20)]:>4} {ds[-1]:>4}")
    return "\n".join(lines)


def index_study(seeds: tuple[int, ...], pairs: list[quality_set.Pair], hashes: dict[int, quality.Measured],
                bounds: quality.Bounds) -> str:
    """How often a duplicate within the bounds is found through the index, and how full a key gets."""
    hashed = {k: (m.phash, m.margins) for k, m in hashes.items()}
    within = [p for p in pairs if p.same and quality.alike(_text(hashes[id(p.a)]), _text(hashes[id(p.b)]), bounds)]
    lines = []
    for flips in (0, 1, 2):
        found = 0
        for p in within:
            stored = set(quality.band_keys(hashed[id(p.a)][0]))
            probes = set(quality._probe(*hashed[id(p.b)], flips))
            found += bool(stored & probes)
        nprobe = len(quality._probe(*hashed[id(within[0].b)], flips))
        lines.append(f"  probe flips {flips}: {nprobe:>2} Queries per upload, duplicates found through the index "
                     f"{found}/{len(within)} ({found / len(within):.0%})")
    good = [s for seed in seeds for s in quality_set.labelled_set(seed) if s.kind == "good"]
    hs = [quality.measure(s.image).phash for s in good]
    pairs_n = len(hs) * (len(hs) - 1) // 2
    shared = sum(len(set(quality.band_keys(a)) & set(quality.band_keys(b))) for a, b in itertools.combinations(hs, 2))
    rate = shared / (pairs_n * quality.BANDS)
    lines.append(f"  band keys shared by two different good photos: {shared} of {pairs_n * quality.BANDS} "
                 f"(rate {rate:.5f}; uniform 16-bit keys: {1 / 65536:.5f})")
    for n in (6_000_000,):
        lines.append(f"  expected images under one key with {n:,} stored: uniform {n / 65536:,.0f}; "
                     f"at the set's rate {rate * n:,.0f} (a set of 6 document templates: an upper estimate)")
    return "\n".join(lines)


def _text(m: quality.Measured) -> str:
    return quality.as_text(m.phash, m.document)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write functions/process_image/quality_thresholds.json")
    args = parser.parse_args(argv)
    seeds = quality_set.TRAIN

    rows = measured(seeds)
    derived = derive(rows)
    pairs = [p for seed in seeds for p in (*quality_set.duplicate_pairs(seed), *same_desk.pairs(seed))]
    hashes = {}
    for p in pairs:
        for im in (p.a, p.b):
            if id(im) not in hashes:
                hashes[id(im)] = quality.measure(im)
    derived["DUPLICATE"] = derive_duplicate(pairs, hashes)
    screens = [(s, quality.measure(s.image)[0]) for seed in seeds for s in quality_set.screen_set(seed)]
    derived["SCREENSHOT"] = derive_screenshot(screens)
    text = json.dumps(derived, indent=2, ensure_ascii=False) + "\n"
    say(text)
    if args.write:
        quality.THRESHOLDS_FILE.write_text(text, encoding="utf-8")
        quality.thresholds.cache_clear()
        say(f"written: {quality.THRESHOLDS_FILE.relative_to(ROOT)}")

    # What these thresholds do on the training set itself (the test judges them on the held-out seed).
    limits = quality.values(derived)
    samples = [s for s, _ in rows]
    judged = [quality.judge(m, limits) for _, m in rows]
    say(f"Confusion on the training set (seeds {seeds}):")
    say(quality_set.format_confusion(quality_set.confusion(samples, judged)))
    shots = [quality.judge(m, limits) for s, m in screens if s.kind == "screenshot"]
    tall_cut = [("CUT_OFF" in quality.judge(m, limits)) for s, m in screens if "CUT_OFF" in s.warnings]
    say(f"  screenshots warned about: {sum(bool(w) for w in shots)}/{len(shots)}; photos in tall frames cut off "
        f"and warned CUT_OFF: {sum(tall_cut)}/{len(tall_cut)}")
    for w, (prec, rec, tp, fp, fn) in quality_set.scores(samples, judged).items():
        say(f"  {w:12} precision {prec:.2f} recall {rec:.2f} (tp {tp}, fp {fp}, fn {fn})")
    bounds = quality.Bounds(derived["DUPLICATE"]["scene_max"], derived["DUPLICATE"]["document_max"])
    say(f"\nThe same picture (scene <= {bounds.scene}, document <= {bounds.document} bits):")
    say(same_desk.format_tally(same_desk.tally(
        pairs, lambda a, b: quality.alike(_text(hashes[id(a)]), _text(hashes[id(b)]), bounds))))
    say("\nHash study (Hamming distances):")
    say(hash_study(pairs))
    say("\nIndex (4 bands x 16 bits of the scene's hash):")
    say(index_study(seeds, pairs, hashes, bounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
