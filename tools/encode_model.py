"""How often process_image's first encode misses a limit, over generated uploads (process_image/encoding).

    .venv/bin/python tools/encode_model.py            # the corpus, and the labelled documents of seeds 1-3
    .venv/bin/python tools/encode_model.py --quick    # the corpus only (tests/corpus.py, a photo sweep)
    .venv/bin/python tools/encode_model.py --sweep    # and bytes out/in against the step ratio

The uploads: every accepted file of tests/corpus.py, a photo at every quality from 95 to 50, and the
documents of tests/quality_set.py (identity cards, diplomas, certificates, text pages, scans; good and
blurred, dark, blown-out, glaring, cut-off photos) saved as a phone or the web client would: a
libjpeg quality of 55-92 (the web client steps 0.85 down to 0.55), 4:2:0 or 4:4:4, and one in five
with a phone encoder's own, nearly flat tables. Per upload: how many full-size encodes it took, and
whether the output is within 200 KB and (a JPEG upload) 1.15x the upload; then the qualities chosen
and the thumbnails' bytes. ``--sweep`` re-encodes each watermarked picture at the qualities around
twice the upload's steps and prints bytes out/in per step ratio: where ``encoding.STEP_RATIO`` comes
from (the +-1 levels of the upload drop out from twice its steps on).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "functions")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from PIL import Image  # noqa: E402

from process_image import encoding, imaging  # noqa: E402

DAY = datetime.date(2026, 11, 25)
GROUPS_OF_SEED = {1: ("good", "BLURRY", "TOO_DARK", "CUT_OFF", "OVEREXPOSED"), 2: ("good", "BLURRY", "TOO_DARK"),
                  3: ("good", "BLURRY", "GLARE", "OVEREXPOSED")}


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")


def corpus_uploads() -> dict[str, bytes]:
    from testkit import corpus

    files = {f"corpus {c.name}": c.data for c in corpus.corpus() if c.ok}
    pic = corpus.photo((1280, 960), seed=61)
    files.update({f"sweep q{q}": corpus.jpeg(pic, q) for q in range(95, 45, -5)})
    return {name: data for name, data in files.items() if len(data) <= imaging.MAX_BYTES}


def document_uploads(seed: int) -> dict[str, bytes]:
    from testkit import quality_set

    rnd = random.Random(seed * 7 + 4)
    files = {}
    for s in quality_set.labelled_set(seed=seed):
        if s.kind not in GROUPS_OF_SEED[seed]:
            continue
        for k in range(2):
            kw: dict = {"subsampling": rnd.choice((0, 2, 2, 2))}
            if rnd.random() < 0.2:
                step = rnd.choice((4, 6, 8, 12))
                table = [step + (i // 8 + i % 8) // 2 for i in range(64)]
                kw["qtables"], label = [table, table], f"phone tables {step}"
            else:
                kw["quality"] = rnd.choice((55, 60, 65, 75, 85, 92))
                label = f"q{kw['quality']}"
            out = io.BytesIO()
            s.image.save(out, "JPEG", **kw)
            if out.tell() <= imaging.MAX_BYTES:
                files[f"seed {seed} {s.name} {label} #{k}"] = out.getvalue()
    return files


def measure(files: dict[str, bytes]) -> list[dict]:
    rows = []
    for name, data in files.items():
        got = imaging.process(data, reference="AB12CD34", day=DAY)
        jpeg = data[:2] == b"\xff\xd8"
        rows.append({"name": name, "input": len(data), "output": len(got.jpeg), "quality": got.quality,
                     "encodes": got.encodes, "thumbnail": len(got.thumbnail), "jpeg": jpeg,
                     "over": len(got.jpeg) > encoding.MAX_OUTPUT_BYTES
                     or jpeg and len(got.jpeg) > encoding.MAX_GROWTH * len(data)})
    return rows


def report(title: str, rows: list[dict]) -> None:
    n = len(rows)
    twice = [r for r in rows if r["encodes"] > 1]
    over = [r for r in rows if r["over"]]
    say(f"{title}: {n} uploads, encoded twice {len(twice)} ({len(twice) / n:.1%}), over a limit after all "
          f"{len(over)} ({len(over) / n:.1%})")
    for r in twice + over:
        say(f"    {r['name'][:60]:60} {r['input']:>7} -> {r['output']:>7} ({r['output'] / r['input']:.2f}x) "
              f"q{r['quality']} {r['encodes']} encode(s)")
    thumbs = sorted(r["thumbnail"] for r in rows)
    say(f"    thumbnails: median {thumbs[n // 2]} B, largest {thumbs[-1]} B")
    say("    qualities: " + ", ".join(f"q{q} x{c}" for q, c in sorted(collections.Counter(
        r["quality"] for r in rows).items())))


def sweep(files: dict[str, bytes]) -> None:
    text = imaging.watermark_text("AB12CD34", DAY)
    bins: dict[float, list[float]] = collections.defaultdict(list)
    for data in files.values():
        if data[:2] != b"\xff\xd8":
            continue
        luma = list(Image.open(io.BytesIO(data)).quantization[0])
        image = imaging._render(data, text).image
        for q in range(20, 91):
            ratio = encoding.step_ratio(q, luma)
            if 1.5 <= ratio <= 2.6:
                bins[round(ratio * 10) / 10].append(len(encoding.encode_jpeg(image, q)) / len(data))
    say("step ratio   n   median  p90   max   (bytes out / bytes in)")
    for b in sorted(bins):
        xs = sorted(bins[b])
        say(f"   {b:.1f}    {len(xs):4}  {xs[len(xs) // 2]:.2f}   {xs[int(len(xs) * 0.9)]:.2f}  {xs[-1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the corpus only")
    parser.add_argument("--sweep", action="store_true", help="bytes out/in against the step ratio")
    args = parser.parse_args()
    files = corpus_uploads()
    report("corpus", measure(files))
    if not args.quick:
        for seed in sorted(GROUPS_OF_SEED):
            documents = document_uploads(seed)
            report(f"documents, seed {seed}", measure(documents))
            files.update(documents)
    if args.sweep:
        sweep(files)


if __name__ == "__main__":
    main()
