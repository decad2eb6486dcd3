"""Row 5: what one exam season costs on AWS, from the measured journey (row 4: calls, capacity units,
handler time, log bytes, stored bytes) and public on-demand list prices.

Lambda is billed for wall time, which moto cannot show: a handler's time here is its own CPU time
(measured, minus the time inside moto) scaled to the vCPU share its memory size buys, plus a fixed
latency per real AWS call. Everything that is an assumption is in ASSUMPTIONS; every price in
PRICES, with the date and region it was read for.

The view model: the candidate opens the upload page CANDIDATE_PAGE_VIEWS times in a season (the
journey reads it once; every other read costs what that one did: a request, the function, its
Query). Each open shows every image's thumbnail; an image link stays the same for its window (an hour,
core.storage) and the browser keeps what it fetched, so thumbnails are downloaded once per window the
opens fall in: ASSUMPTIONS' candidate_view_windows, as many as the opens (each on a day of its own),
which takes no credit for a re-open within the hour (tests/browser/test_light_pages.py shows it
downloads nothing). While the page is open it polls the status (ETag, 304 while nothing changed):
status_polls_per_page_view idle polls a look, status_polls_per_image while an upload is processed,
each costed as a page read (an upper bound: the poll reads one item). Each reviewer level opens the
application once (the thumbnails) and every image once at full size; the queue shows no pictures.
A candidate who also opens their own pictures adds ASSUMPTIONS' candidate_full_views_per_image.
"""

from __future__ import annotations

from bench.common import Row, stack

GOAL_PER_CANDIDATE = 0.0005  # US$ per candidate, the view model below

PRICES_AS_OF = "us-east-1 on-demand list prices as of 2025-01 (DynamoDB after the 2024-11-01 cut), no free tier"
PRICES = {
    "lambda_gb_second": 0.0000133334,  # arm64, first 7.5 billion GB-s a month
    "lambda_request": 0.20 / 1e6,
    "http_api_request": 1.00 / 1e6,  # HTTP API, first 300 million a month
    "dynamodb_wru": 0.625 / 1e6,  # on-demand write request unit
    "dynamodb_rru": 0.125 / 1e6,  # on-demand read request unit
    "dynamodb_gb_month": 0.25,  # table storage, standard table class
    "dynamodb_pitr_gb_month": 0.20,  # continuous backups (the template enables PITR)
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # GET, HEAD, SELECT; DELETE is free
    "s3_gb_month": 0.023,  # S3 Standard, first 50 TB
    "s3_transfer_out_gb": 0.09,  # to the internet, first 10 TB a month
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk
    "logs_ingest_gb": 0.50,  # CloudWatch Logs, standard class
}
ASSUMPTIONS = {
    "candidates": 1_000_000,
    "season_months": 3,  # watermarked images and table items kept for a season
    "candidate_page_views": 15,  # the candidate opens the page this many times in a season
    "candidate_view_windows": 15,  # the link windows (1 h) those opens fall in: thumbnails downloaded once in each
    "status_polls_per_page_view": 4,  # idle polls at 5, 10, 20 and 40 s: a two-minute look at the page
    "status_polls_per_image": 2,  # every 2 s while an upload is processed (~4 s)
    "reviewer_levels": 2,  # site and region: each opens the application once and each image once, full size
    "candidate_full_views_per_image": 0,  # the stated model: only reviewers open pictures full size (each one a candidate opens: +US$0.000014)
    "call_latency_ms": {"dynamodb": 8, "s3": 20, "sqs": 10},  # what a real call adds to a handler's wall time
    "vcpu_mb": 1769,  # Lambda gives one vCPU at 1,769 MB; below that CPU time stretches in proportion
    "process_invocations_per_image": 1.0,  # uploads come minutes apart: each image its own SQS batch (worst case)
    "platform_log_bytes_per_invoke": 300,  # Lambda's START / END / REPORT lines
    "access_log_bytes_per_request": 300,  # one HTTP API access-log line in the template's format
    # The machine pre-checks (PrecheckFunction, off the journey's path; tools/capacity.py has its duration and
    # the share of pictures in checked slots): per checked picture the stream forwarder's invocation, three SQS
    # requests (send, receive, delete), one picture GET, the partition's Query and one transaction (the
    # application and the image with its checks, ~1 KB each, written transactionally: 2 WRU a KB; the BySite
    # and ReviewQueue index entries of the application move too).
    "precheck_forwarder_seconds": 0.03,  # notify.events at 256 MB: one SendMessage
    "precheck_sqs_requests": 3,
    "precheck_units": (2.0, 8.0),  # (RRU, WRU) per checked picture
    "precheck_log_bytes": 900,  # its two log lines and Lambda's three, per picture
}
GB = 2**30


def lambda_seconds(step: dict, memory_mb: int) -> float:
    """Billed seconds of one step: CPU time outside moto, stretched to the memory's vCPU share,
    plus the latency of the real AWS calls the step makes."""
    cpu = max(0.0, step["handler_seconds"] - step["aws_seconds"])
    stretch = max(1.0, ASSUMPTIONS["vcpu_mb"] / memory_mb)
    latency = ASSUMPTIONS["call_latency_ms"]
    waits = (step["dynamodb"] * latency["dynamodb"] + step["s3"] * latency["s3"]) / 1000
    return cpu * stretch + waits


def model(journey: dict) -> dict:
    """Dollars per candidate by line item, from row 4's journey detail."""
    functions = stack().functions
    p, a = PRICES, ASSUMPTIONS
    steps = {s["step"]: s for s in journey["steps"]}
    n = journey["images"]
    gb_seconds = 0.0
    for s in steps.values():
        if s["function"] and s["invocations"]:
            memory = functions[s["function"]].memory_mb
            gb_seconds += lambda_seconds(s, memory) * memory / 1024
    process_invocations = n * a["process_invocations_per_image"]
    # The page views the journey did not make, and the status polls while the page is open: each costs
    # what its one candidate page read did.
    page = steps["page"]
    polls = a["candidate_page_views"] * a["status_polls_per_page_view"] + n * a["status_polls_per_image"]
    more_pages = a["candidate_page_views"] - page["invocations"] + polls
    page_memory = functions[page["function"]].memory_mb
    gb_seconds += more_pages * lambda_seconds(page, page_memory) * page_memory / 1024 / page["invocations"]
    api_requests = journey["api_requests"] + more_pages
    invocations = api_requests + process_invocations
    ops: dict[str, int] = {}
    for s in steps.values():
        for name, count in s["operations"].items():
            ops[name] = ops.get(name, 0) + count
    s3_put = sum(c for k, c in ops.items() if k in ("s3:PutObject", "s3:CopyObject", "s3:ListObjectsV2"))
    s3_get = sum(c for k, c in ops.items() if k in ("s3:GetObject", "s3:HeadObject"))
    # Downloads: thumbnails once in each window the candidate's opens fall in, and once for each reviewer
    # level; pictures at full size where opened.
    thumbnail_views = n * (a["candidate_view_windows"] + a["reviewer_levels"])
    full_views = n * (a["reviewer_levels"] + a["candidate_full_views_per_image"])
    thumbnail_bytes = journey.get("thumbnail_bytes", 0)
    picture_bytes = journey["materials_bytes"] - thumbnail_bytes
    transfer_gb = (thumbnail_views * thumbnail_bytes / n + full_views * picture_bytes / n) / GB
    views = thumbnail_views + full_views
    rru = journey["totals"]["rru"] + more_pages * page["rru"] / page["invocations"]
    sqs = sum(c for k, c in ops.items() if k.startswith("sqs:"))
    stored_gb = journey["materials_bytes"] / GB
    log_bytes = (journey["log_bytes"] * (1 + more_pages / max(1, journey["api_requests"]))
                 + invocations * a["platform_log_bytes_per_invoke"] + api_requests * a["access_log_bytes_per_request"])
    months = a["season_months"]
    lines = {
        "Lambda compute (GB-s)": gb_seconds * p["lambda_gb_second"],
        "Lambda requests": invocations * p["lambda_request"],
        "API Gateway HTTP API requests": api_requests * p["http_api_request"],
        "DynamoDB writes (WRU)": journey["totals"]["wru"] * p["dynamodb_wru"],
        "DynamoDB reads (RRU)": rru * p["dynamodb_rru"],
        "DynamoDB storage + PITR, season": journey["storage_bytes"] / GB * months
        * (p["dynamodb_gb_month"] + p["dynamodb_pitr_gb_month"]),
        "S3 requests (PUT/POST, GET/HEAD, views)": s3_put * p["s3_put"] + (s3_get + views) * p["s3_get"],
        "S3 storage, season": stored_gb * months * p["s3_gb_month"],
        "S3 transfer out (image views)": transfer_gb * p["s3_transfer_out_gb"],
        "SQS requests": sqs * p["sqs_request"],
        "CloudWatch Logs ingestion": log_bytes / GB * p["logs_ingest_gb"],
    }
    pre = precheck(n)
    lines.update(pre["lines"])
    return {"per_candidate": lines, "total_per_candidate": sum(lines.values()), "precheck": pre,
            "quantities": {"lambda_gb_seconds": gb_seconds, "lambda_invocations": invocations,
                           "api_requests": api_requests, "s3_put_class": s3_put, "s3_get_class": s3_get,
                           "image_views": views, "thumbnail_views": thumbnail_views, "full_views": full_views,
                           "status_polls": polls,
                           "transfer_gb": transfer_gb, "sqs_requests": sqs, "materials_gb": stored_gb,
                           "dynamodb_storage_bytes": journey["storage_bytes"], "log_bytes": log_bytes},
            "prices": PRICES, "prices_as_of": PRICES_AS_OF, "assumptions": ASSUMPTIONS}


def precheck(images: int) -> dict:
    """What the machine pre-checks add per candidate: their function's OCR at its memory (one vCPU), the
    stream forwarder, SQS, DynamoDB, the picture's GET and the logs. Reading the table's stream is free for
    Lambda's event source."""
    from tools.capacity import DURATION_S, PEAK

    p, a = PRICES, ASSUMPTIONS
    memory = stack().functions["PrecheckFunction"].memory_mb
    forwarder = stack().functions["NotifyEventsFunction"].memory_mb
    checked = images * PEAK["checked_share"]
    gb_seconds = checked * (DURATION_S["precheck"] * memory + a["precheck_forwarder_seconds"] * forwarder) / 1024
    rru, wru = a["precheck_units"]
    lines = {
        "Pre-checks: Lambda (OCR, forwarder)": gb_seconds * p["lambda_gb_second"] + 2 * checked * p["lambda_request"],
        "Pre-checks: DynamoDB": checked * (rru * p["dynamodb_rru"] + wru * p["dynamodb_wru"]),
        "Pre-checks: SQS, S3 GET, logs": checked * (a["precheck_sqs_requests"] * p["sqs_request"] + p["s3_get"]
                                                    + a["precheck_log_bytes"] / GB * p["logs_ingest_gb"]),
    }
    return {"lines": lines, "total": sum(lines.values()), "checked_pictures": checked, "gb_seconds": gb_seconds,
            "seconds_per_picture": DURATION_S["precheck"], "memory_mb": memory}


def run(journey: dict) -> tuple[list[Row], dict]:
    detail = model(journey)
    per = detail["total_per_candidate"]
    candidates = ASSUMPTIONS["candidates"]
    top = sorted(detail["per_candidate"].items(), key=lambda kv: -kv[1])[:2]
    q, a = detail["quantities"], ASSUMPTIONS
    rows = [
        Row("5 AWS cost per candidate", f"${per:.5f}", f"${GOAL_PER_CANDIDATE:.4f}", unit="USD",
            verdict="PASS" if per <= GOAL_PER_CANDIDATE else "MISS",
            note=f"{a['candidate_page_views']} page views in {a['candidate_view_windows']} link windows, "
            f"{q['status_polls']} status polls, {q['thumbnail_views']} thumbnail and {q['full_views']} "
            "full-size downloads; largest: " + ", ".join(f"{k} ${v:.5f}" for k, v in top)),
        Row("5 pre-checks' added cost per candidate", f"${detail['precheck']['total']:.5f}", unit="USD",
            note=f"{detail['precheck']['checked_pictures']:.1f} checked pictures x {detail['precheck']['seconds_per_picture']} s "
            f"at {detail['precheck']['memory_mb']} MB = {detail['precheck']['gb_seconds']:.1f} GB-s; in the total above"),
        Row(f"5 season: {candidates:,} candidates x {journey['images']} images", f"${per * candidates:,.0f}", unit="USD",
            note=f"{ASSUMPTIONS['season_months']} months of storage; prices {PRICES_AS_OF[:30]}"),
    ]
    return rows, detail


def cost_table(detail: dict) -> str:
    candidates = ASSUMPTIONS["candidates"]
    lines = [f"{'line item':42} {'per candidate':>14} {f'x {candidates:,}':>14}"]
    for name, usd in sorted(detail["per_candidate"].items(), key=lambda kv: -kv[1]):
        lines.append(f"{name:42} {usd:>14.6f} {usd * candidates:>14,.2f}")
    total = detail["total_per_candidate"]
    lines.append(f"{'total (USD)':42} {total:>14.6f} {total * candidates:>14,.2f}")
    lines.append(f"prices: {detail['prices_as_of']}")
    return "\n".join(lines)
