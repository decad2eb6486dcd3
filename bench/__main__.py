"""`python -m bench` (`make bench`, `make bench ARGS=--quick`): prints one table, writes it as JSON
to bench/results/<UTC timestamp>.json. How to read it: bench/README.md."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import warnings

from bench import RESULTS
from bench.common import Row, machine, use_function_env

ROWS = {1: "process_image per image", 2: "handler throughput", 3: "cold start", 4: "AWS calls per journey",
        5: "cost model", 6: "load through the local stack", 7: "quality feedback per image",
        8: "deadline day (Locust)",
        9: "pre-check OCR per picture"}


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".rstrip() if unit else text


def table(rows: list[Row]) -> str:
    header = ("row", "figure", "floor", "ratio", "goal", "verdict", "note")
    cells = [(r.row, fmt(r.figure, r.unit), fmt(r.floor, r.unit if not isinstance(r.floor, str) else ""),
              f"{r.ratio:.2f}x" if r.ratio is not None else "-", f"<= {r.goal}x" if r.goal else "-", r.verdict, r.note)
             for r in rows]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header) - 1)]
    lines = []
    for n, c in enumerate([header, *cells]):
        left = f"{c[0]:<{widths[0]}}"
        middle = "  ".join(f"{c[i]:>{widths[i]}}" for i in range(1, len(widths)))
        lines.append(f"{left}  {middle}  {c[-1]}".rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few repetitions, 20 candidates")
    parser.add_argument("--candidates", type=int, default=None, help="row 6: simulated candidates (default 200)")
    parser.add_argument("--workers", type=int, default=32, help="row 6: client threads (default 32)")
    parser.add_argument("--only", default="", help="comma-separated rows to run, e.g. 1,3 (5 needs 4; all by default)")
    args = parser.parse_args(argv)
    only = {int(x) for x in args.only.split(",") if x.strip()} or set(ROWS)
    if 5 in only:
        only.add(4)
    repeats = {"image": 5 if args.quick else 30, "rounds": 2 if args.quick else 6, "cold": 3 if args.quick else 9,
               "ocr": 2 if args.quick else 5}
    candidates = args.candidates or (20 if args.quick else 200)

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    use_function_env()  # before any handler module is imported
    started = datetime.datetime.now(datetime.UTC)
    rows: list[Row] = []
    details: dict = {}
    extra: list[str] = []
    files: dict[str, bytes] = {}

    def section(n: int, fn):
        print(f"[bench] row {n}: {ROWS[n]} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            got, detail = fn()
        except Exception as e:  # one broken row must not hide the others
            got, detail = [Row(f"{n} {ROWS[n]}", f"failed: {type(e).__name__}", verdict="MISS", note=str(e)[:300])], \
                {"error": repr(e)}
        detail = {**detail, "seconds": time.perf_counter() - t0} if isinstance(detail, dict) else detail
        rows.extend(got)
        details[ROWS[n]] = detail
        return detail

    if only & {1, 2, 4}:
        from bench import image_row

        files = image_row.cases()
    if 1 in only:
        from bench import image_row

        section(1, lambda: image_row.run(repeats["image"]))
    if 2 in only:
        from bench import throughput

        section(2, lambda: throughput.run(list(files.values()), repeats["rounds"]))
    if 3 in only:
        from bench import coldstart

        section(3, lambda: coldstart.run(repeats["cold"]))
    journey_detail = None
    if 4 in only:
        from bench import journey

        photos = list(files.values()) + list(files.values())[:2]  # 6 images: each kind, 2 phone photos twice
        journey_detail = section(4, lambda: journey.run(photos[: journey.N_IMAGES]))
        if "steps" in journey_detail:
            extra.append("Row 4, per step (calls DynamoDB / S3 / SQS, design minimum, capacity units):\n"
                         + journey.step_table(journey_detail))
    if 5 in only and journey_detail and "steps" in journey_detail:
        from bench import cost

        cost_detail = section(5, lambda: cost.run(journey_detail))
        extra.append("Row 5, cost by line item (USD):\n" + cost.cost_table(cost_detail))
    if 6 in only:
        from bench import load

        section(6, lambda: load.run(candidates, args.workers))
    if 7 in only:
        from bench import quality_row

        section(7, lambda: quality_row.run(repeats["image"]))
    if 8 in only:
        from bench import loadtest

        section(8, lambda: loadtest.run(*((10, 4) if args.quick else (50, 14))))
    if 9 in only:
        from bench import ocr_row

        section(9, lambda: ocr_row.run(repeats["ocr"]))

    print()
    print(table(rows))
    for block in extra:
        print()
        print(block)
    result = {"started": started.isoformat(), "argv": sys.argv[1:], "quick": args.quick, "machine": machine(),
              "repeats": repeats, "candidates": candidates, "rows": [r.as_dict() for r in rows], "details": details}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    m = result["machine"]
    print(f"\n{m['cpu']} x{m['cores']}, Python {m['python']}, Pillow {m['pillow']} (libjpeg {m['libjpeg']}), "
          f"moto {m['moto']}, boto3 {m['boto3']}")
    print(f"written: {path.relative_to(RESULTS.parent.parent)}")
    # A MISS is a measurement, not an error; a row that could not be measured is.
    broken = [r.row for r in rows if isinstance(r.figure, str) and r.figure.startswith("failed")]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
