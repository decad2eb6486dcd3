"""`python -m bench.loadtest` (`make loadtest`): prints the figures, writes them to
bench/results/loadtest-<UTC timestamp>.json; exits 1 unless every started journey completed."""

from __future__ import annotations

import argparse
import datetime
import json
import sys

from bench import RESULTS
from bench.__main__ import table
from bench.common import machine
from bench.loadtest import SCALE, run


def route_table(detail: dict) -> str:
    lines = [f"{'route':58} {'per journey':>11} {'model':>6} {'p95 ms':>8} {'waited 429':>10}"]
    for name, per in sorted(detail["per_journey"].items()):
        model = detail["model_per_candidate"].get(name)
        waited = detail["waits"].get(f"{name} 429", 0)
        lines.append(f"{name:58} {per:>11.1f} {model if model is not None else '-':>6} "
                     f"{detail['stats'][name]['p95_ms']:>8.0f} {waited:>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__)
    parser.add_argument("--journeys", type=int, default=50, help="candidate journeys, 7 images each (default 50)")
    parser.add_argument("--users", type=int, default=14, help="candidates at once (default 14)")
    parser.add_argument("--scale", type=float, default=SCALE, help=f"throttles at this share of the model's (default {SCALE})")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 8 journeys by 4 candidates")
    args = parser.parse_args(argv)
    journeys, users = (8, 4) if args.quick else (args.journeys, args.users)
    started = datetime.datetime.now(datetime.UTC)
    rows, detail = run(journeys, users, args.scale)
    print(table(rows))
    print()
    print(route_table(detail))
    if detail["failed_samples"] or detail["request_failures"]:
        print(f"\nfailed journeys: {detail['failed_samples']}\nrequest failures: {detail['request_failures']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"loadtest-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps({"started": started.isoformat(), "argv": sys.argv[1:], "machine": machine(),
                                "rows": [r.as_dict() for r in rows], "detail": detail}, indent=1, default=str),
                    encoding="utf-8")
    print(f"\nwritten: {path.relative_to(RESULTS.parent.parent)}")
    return 0 if rows[0].verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
