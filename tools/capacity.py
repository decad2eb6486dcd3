"""The deadline-day capacity model: from the national peak and what one candidate's browser does, the
requests per second per route, the API's throttles, each function's concurrency, the upload queue's
pollers, DynamoDB's throughput (the table's warm throughput) and S3's request rates per prefix.

The template's throttle, concurrency and warm-throughput parameters take their defaults from here (a
test compares them), and README "Deadline day: the capacity model" is this module's table.

    python -m tools.capacity            # prints the README section
    python -m tools.capacity --write    # updates it in README.md (a test fails when it is stale)
    python -m tools.capacity --params   # the template parameters and their defaults

Durations are what `make bench` row 4 measured for each handler (in-process moto), turned into Lambda
wall time as row 5 does (`bench.cost.lambda_seconds`: CPU outside moto stretched to the memory's share
of a vCPU, plus a fixed latency per real AWS call). Capacity units are row 4's, per call.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN, END = "<!-- capacity model: python -m tools.capacity --write -->", "<!-- end of capacity model -->"

# ---------------------------------------------------------------- the peak
PEAK = {
    "candidates": 1_000_000,  # a season
    "images_per_candidate": 7,  # 6-8 million images a season
    "peak_hour_share": 0.05,  # of all candidates, in the last hour before a close: ~100 images/s
    "peak_minute_factor": 2.0,  # the busiest minutes of that hour, over its mean: what the throttles admit
    "burst_seconds": 2,  # each throttle's bucket holds this many seconds of its rate (API Gateway's burst)
    "reviewers": 2_000,  # site and region reviewers at work in the same hour
    "review_minutes_per_application": 2.0,  # one level's review of one application
    "registration_hours": 6,  # the registration system imports every candidate within this window
    "cold_start_margin": 1.5,  # concurrency over rate x warm duration: cold starts and slow calls
    "checked_share": 4 / 7,  # of the images, those in slots the machine pre-checks read (id_card x2, diploma, probation)
}

# The web client's status poll (web/js/candidate.js, whose constants a test keeps equal to these): every
# 2 s while an image is processed or its pre-checks pend; an idle look polls IDLE_POLLS times, from 15 s
# doubling, then waits for the tab to be shown again or the candidate to act.
POLL = {"BUSY_POLL_MS": 2000, "IDLE_POLL_MS": 15_000, "IDLE_POLLS": 2, "IDLE_POLL_MAX_MS": 60_000}
# What one candidate's browser sends in their session in the peak hour (web/js/candidate.js): the list,
# then the upload page (one read: it carries the status's ETag). Per image: a reservation, the S3 POST,
# the page read after it, the poll every 2 s while it processes (~2 polls), the page again when the
# poll sees it processed, ~1 idle poll (at 15 s) while the next photo is chosen; after the last, the idle
# look's polls. One reservation in ten is a retake.
PER_CANDIDATE = {
    "GET /applications": 1,
    "GET /applications/{id}": 1 + 2 * 7,
    "GET /applications/{id}/status": (2 + 1) * 7 + POLL["IDLE_POLLS"],
    "POST /applications/{id}/materials/{type}/images": 8,
    "DELETE /applications/{id}/materials/{type}/images/{imageId}": 1,
    "S3 POST uploads/": 8,
}
# One level's review of one application (bench row 4: queue, claim, read, decisions, the decision).
PER_REVIEW = {
    "GET /review/queue": 1, "POST /review/applications/{id}/claim": 1, "GET /review/applications/{id}": 1,
    "POST /review/applications/{id}/images/{imageId}/decision": 3,
    "POST /review/applications/{id}/decision": 1,
}

# Lambda wall time per call (seconds) and capacity units per call, from `make bench` row 4
# (bench/results/20261206T161654Z.json, AMD EPYC x2): register, reserve, page, the reviews; process per image.
DURATION_S = {
    "PUT /applications/{id}": 0.021,
    "GET /applications": 0.064,  # a Query of the candidate's index: taken as the page read's
    "GET /applications/{id}": 0.064,
    "GET /applications/{id}/status": 0.064,  # one GetItem in the same function: bounded by the page read's
    "POST /applications/{id}/materials/{type}/images": 0.041,
    "DELETE /applications/{id}/materials/{type}/images/{imageId}": 0.041,  # one transaction, as a reservation
    "review": 0.045,  # mean of the site review (53 ms), image decisions (37 ms) and region review (41 ms)
    "process_image": 0.372,  # per image, at 1,024 MB
    # per picture, at 1,769 MB (one vCPU, one ONNX Runtime thread): bench row 9's OCR (~1.3 s a picture on one
    # core) with the partition's Query, the picture's GET and the transaction
    "precheck": 1.5,
}
UNITS = {  # (RRU, WRU) per call; per image for process_image; per application and level for review
    "GET /applications": (1.0, 0),
    "GET /applications/{id}": (1.0, 0),
    "GET /applications/{id}/status": (0.5, 0),
    "POST /applications/{id}/materials/{type}/images": (0.5, 10),
    "DELETE /applications/{id}/materials/{type}/images/{imageId}": (0.5, 10),
    "process_image": (8.7, 22),
    "review": (7.5, 43),
}
NEW_TABLE_WARM = (12_000, 4_000)  # what a new on-demand table serves at once (reads, writes per second)
S3_PER_PREFIX = (3_500, 5_500)  # PUT/POST/DELETE, GET/HEAD per second per prefix

# The routes with a throttle of their own (the template's parameter prefix); every other route gets the
# default route settings, each route its own bucket.
ROUTE_PARAMETERS = {
    "PUT /applications/{id}": "Register",
    "POST /applications/{id}/materials/{type}/images": "Images",
    "GET /applications/{id}/status": "Status",
    "GET /applications/{id}": "Page",
}
FUNCTION_ROUTES = {
    "Status": ["PUT /applications/{id}", "GET /applications", "GET /applications/{id}", "GET /applications/{id}/status"],
    "UploadPresign": ["POST /applications/{id}/materials/{type}/images",
                      "DELETE /applications/{id}/materials/{type}/images/{imageId}"],
}
# The notify functions are not on the candidates' path: sized by the SMS rate (SmsPerSecond, 20/s x
# ~0.1 s a message), the stream's shards and the announcements' one-batch-at-a-time lease.
NOTIFY = {"NotifyApi": 10, "Notify": 10, "NotifyEvents": 5, "notify_pollers": 5}
# The exam office's season settings (windows, the catalogue): a few people at a time, never candidates.
OFFICE = {"Season": 5}


def _nice(value: float, step: int) -> int:
    return int(math.ceil(value / step - 1e-9) * step)


def _step(value: float) -> int:
    """Round up to a number an operator reads at a glance: 5s under 100, 10s under 1,000, then 100s."""
    return _nice(value, 5 if value < 100 else 10 if value < 1000 else 100)


def model() -> dict:
    p = PEAK
    per_s = p["candidates"] * p["peak_hour_share"] / 3600  # candidates starting a session per second
    images_per_s = per_s * p["images_per_candidate"]
    reviews_per_s = p["reviewers"] / (p["review_minutes_per_application"] * 60)
    mean = {route: per_s * n for route, n in PER_CANDIDATE.items()}
    mean.update({route: reviews_per_s * n for route, n in PER_REVIEW.items()})
    mean["PUT /applications/{id}"] = p["candidates"] / (p["registration_hours"] * 3600)
    factor = p["peak_minute_factor"]

    throttles = {}
    for route, name in ROUTE_PARAMETERS.items():
        rate = _step(mean[route] * (1 if name == "Register" else factor))  # an import runs at a steady rate
        throttles[name] = (route, rate, rate * p["burst_seconds"])
    others = [r for r in mean if r not in ROUTE_PARAMETERS and not r.startswith("S3")]
    busiest = max(others, key=lambda r: mean[r])
    default = _step(max(mean[busiest] * factor, 50))
    throttles["Default"] = (f"every other route (busiest: {busiest})", default, default * p["burst_seconds"])
    limit = {route: rate for route, rate, _ in (v for k, v in throttles.items() if k != "Default")}

    margin = p["cold_start_margin"]
    concurrency = {}
    for function, routes in FUNCTION_ROUTES.items():
        # Enough for every route at its throttle (the API, not Lambda, is what says 429), or at twice its
        # mean where it has only the default throttle.
        busy = sum(limit.get(r, mean[r] * factor) * DURATION_S[r] for r in routes)
        concurrency[function] = (_step(busy * margin), busy)
    review_busy = sum(mean[r] for r in PER_REVIEW) * factor * DURATION_S["review"]
    concurrency["Review"] = (_step(max(review_busy * margin, 10)), review_busy)
    # The queue absorbs the peak minute: its pollers keep up with it; the reservation stays above them.
    process_busy = images_per_s * factor * DURATION_S["process_image"]
    pollers = _step(process_busy)
    concurrency["ProcessImage"] = (pollers + 5, process_busy)
    # The pre-checks are advice, off the candidates' path: their pollers keep up with the peak hour's mean
    # and the queue holds the peak minutes' excess a few minutes; the reservation stays above them.
    precheck_busy = images_per_s * p["checked_share"] * DURATION_S["precheck"]
    precheck_pollers = _step(precheck_busy)
    concurrency["Precheck"] = (precheck_pollers + 5, precheck_busy)
    for name in ("NotifyApi", "Notify", "NotifyEvents"):
        concurrency[name] = (NOTIFY[name], None)
    for name, count in OFFICE.items():
        concurrency[name] = (count, None)
    reserved = sum(c for c, _ in concurrency.values())

    reads = sum(mean[r] * UNITS[r][0] for r in UNITS if r in mean)
    writes = sum(mean[r] * UNITS[r][1] for r in UNITS if r in mean)
    reads += images_per_s * UNITS["process_image"][0] + reviews_per_s * UNITS["review"][0]
    writes += images_per_s * UNITS["process_image"][1] + reviews_per_s * UNITS["review"][1]
    warm = (max(NEW_TABLE_WARM[0], _step(reads * factor)), max(NEW_TABLE_WARM[1], _step(writes * factor)))

    s3 = {  # per second at the peak minute
        "uploads/": {"PUT/POST/DELETE": mean["S3 POST uploads/"] * factor + images_per_s * factor,
                     "GET/HEAD": images_per_s * factor},
        "materials/": {"PUT/POST/DELETE": images_per_s * factor,
                       "GET/HEAD": (images_per_s + reviews_per_s * p["images_per_candidate"] / 2) * factor},
    }
    api_total = sum(v for r, v in mean.items() if not r.startswith("S3")) * factor
    return {
        "candidates_per_s": per_s, "images_per_s": images_per_s, "reviews_per_s": reviews_per_s, "mean": mean,
        "throttles": throttles, "concurrency": concurrency, "pollers": pollers, "reserved": reserved,
        "precheck_pollers": precheck_pollers,
        "dynamodb": {"reads": reads, "writes": writes, "warm": warm}, "s3": s3, "api_total": api_total,
        "quotas": {"lambda_concurrency": _nice(reserved + 100, 100), "api_rate": api_total},
    }


def parameters(m: dict | None = None) -> dict[str, int]:
    """The template's parameters this model sets, with their defaults."""
    m = m or model()
    out = {}
    for name, (_, rate, burst) in m["throttles"].items():
        out[f"Throttle{name}Rate"], out[f"Throttle{name}Burst"] = rate, burst
    for name, (count, _) in m["concurrency"].items():
        out[f"Concurrency{name}"] = count
    out["PollersProcessImage"], out["PollersNotify"] = m["pollers"], NOTIFY["notify_pollers"]
    out["PollersPrecheck"] = m["precheck_pollers"]
    out["TableWarmReads"], out["TableWarmWrites"] = m["dynamodb"]["warm"]
    return out


def markdown(m: dict | None = None) -> str:
    m = m or model()
    p = PEAK
    f = p["peak_minute_factor"]
    lines = [
        BEGIN,
        "| the peak | |",
        "|---|---|",
        f"| candidates a season | {p['candidates']:,}, {p['images_per_candidate']} images each |",
        f"| active in the peak hour (the last before a close) | {p['peak_hour_share']:.0%} = "
        f"{p['candidates'] * p['peak_hour_share']:,.0f} = {m['candidates_per_s']:.1f} candidates/s, "
        f"{m['images_per_s']:.0f} images/s |",
        f"| the peak minute | {f:g}x the hour's mean: what the throttles admit |",
        f"| reviewers at work | {p['reviewers']:,}, one application per {p['review_minutes_per_application']:g} min "
        f"each = {m['reviews_per_s']:.1f} reviews/s |",
        "",
        "| route | per candidate | mean req/s | throttle (rate / burst) | Lambda ms | concurrency at the throttle |",
        "|---|---|---|---|---|---|",
    ]
    rate_of = {route: (rate, burst) for route, rate, burst in m["throttles"].values()}
    for route, n in {**PER_CANDIDATE, **{r: None for r in PER_REVIEW}, "PUT /applications/{id}": None}.items():
        if route.startswith("S3"):
            continue
        rate, burst = rate_of.get(route, (m["throttles"]["Default"][1], m["throttles"]["Default"][2]))
        ms = DURATION_S.get(route, DURATION_S["review"])
        per = f"{n}" if n is not None else ("import" if route.startswith("PUT") else "reviewers")
        lines.append(f"| `{route}` | {per} | {m['mean'][route]:.1f} | {rate} / {burst} | {ms * 1000:.0f} | "
                     f"{rate * ms:.1f} |")
    lines += [
        "",
        "| function | busy at the peak (rate x duration) | reserved concurrency (parameter) |",
        "|---|---|---|",
    ]
    for name, (count, busy) in m["concurrency"].items():
        why = (f"{busy:.1f}" if busy is not None else "the exam office's settings, a few people" if name in OFFICE
               else "not on the candidates' path (SMS rate, stream shards)")
        lines.append(f"| {name} | {why} | {count} (`Concurrency{name}`) |")
    warm_r, warm_w = m["dynamodb"]["warm"]
    s3 = m["s3"]
    lines += [
        f"| process_image's SQS pollers | {m['images_per_s'] * f:.0f} images/s x {DURATION_S['process_image']:.3f} s | "
        f"{m['pollers']} (`PollersProcessImage`); the queue absorbs what is above |",
        f"| the pre-checks' SQS pollers | {m['images_per_s'] * p['checked_share']:.0f} checked pictures/s (the hour's mean) "
        f"x {DURATION_S['precheck']:.1f} s | {m['precheck_pollers']} (`PollersPrecheck`); advice, so the peak minutes wait "
        "in the queue |",
        "",
        "| DynamoDB (on demand) | reads/s (RRU) | writes/s (WRU) |",
        "|---|---|---|",
        f"| peak hour mean | {m['dynamodb']['reads']:,.0f} | {m['dynamodb']['writes']:,.0f} |",
        f"| peak minute | {m['dynamodb']['reads'] * f:,.0f} | {m['dynamodb']['writes'] * f:,.0f} |",
        f"| a new on-demand table serves at once | {NEW_TABLE_WARM[0]:,} | {NEW_TABLE_WARM[1]:,} |",
        f"| warm throughput set (`TableWarmReads`, `TableWarmWrites`) | {warm_r:,} | {warm_w:,} |",
        "",
        "| S3 prefix (peak minute) | PUT/POST/DELETE per s | GET/HEAD per s | S3's rate per prefix |",
        "|---|---|---|---|",
    ]
    for prefix, r in s3.items():
        lines.append(f"| `{prefix}` | {r['PUT/POST/DELETE']:.0f} | {r['GET/HEAD']:.0f} | "
                     f"{S3_PER_PREFIX[0]:,} / {S3_PER_PREFIX[1]:,} |")
    q = m["quotas"]
    lines += [
        "",
        f"Reserved concurrency adds up to {m['reserved']} (Lambda keeps 100 unreserved): the account needs a "
        f"concurrency quota of at least {q['lambda_concurrency']:,}. The API's routes together take "
        f"{q['api_rate']:,.0f} req/s at the peak minute, under API Gateway's account rate of 10,000 req/s "
        "(burst 5,000) per region, which every API of the account shares.",
        END,
    ]
    return "\n".join(lines)


def write_readme(path: Path = README) -> bool:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no capacity model section ({BEGIN} ... {END})")
    new = pattern.sub(lambda _: markdown(), text)
    path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.capacity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update the section in README.md")
    parser.add_argument("--params", action="store_true", help="print the template parameters and defaults")
    args = parser.parse_args(argv)
    if args.params:
        sys.stdout.write("".join(f"{name}: {value}\n" for name, value in parameters().items()))
    elif args.write:
        sys.stdout.write("README.md updated\n" if write_readme() else "README.md already current\n")
    else:
        sys.stdout.write(markdown() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
