"""Row 5: what one exam season costs on AWS, from the measured journey (row 4: calls, capacity units,
handler time, log bytes, stored bytes) and public on-demand list prices, against a floor: what the same
view model costs with no overhead at all.

Lambda is billed for wall time, which moto cannot show: a handler's time here is its own CPU time
(measured, minus the time inside moto) scaled to the vCPU share its memory size buys, plus a fixed
latency per real AWS call. Everything that is an assumption is in ASSUMPTIONS; every price in
PRICES, with the date and region it was read for.

The view model: the candidate opens the upload page ``candidate_page_views`` times in a season, spread
over ``season_days``. The web client (web/js/candidate.js) sends what the journey measured: an open is
the page (which carries the status's ETag); each upload is followed by the page, then busy polls every
2 s until the image is processed (the last one a 200 and the page again), and a checked picture's
findings are one more change seen (a 200 and the page); while a look is idle the page polls
``idle_polls_per_view`` times (304 while nothing changed). Each read is priced as its own journey step
(page, status, poll). Each open shows every image's thumbnail; a link stays the same through its window
and the browser keeps what it fetched, so thumbnails are downloaded once per window the opens fall in
(``view_windows``). Each reviewer level opens the application once (the thumbnails) and every image once
at full size; the queue shows no pictures. The image links are what template.yaml deploys (StatusFunction's
IMAGE_LINKS: CloudFront signed URLs, thumbnails' the same for 7 days, pictures' for a day; LINKS has their
windows from the template and what a download costs); the other kind is priced beside it.
"""

from __future__ import annotations

from bench.common import Row, ratio, stack

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
    "cloudfront_transfer_out_gb": 0.085,  # to the internet, United States/Europe, first 10 TB a month
    "cloudfront_https_request": 0.0100 / 10_000,  # HTTPS requests, United States/Europe
    # S3 -> CloudFront transfer is free; each request CloudFront sends to S3 is an S3 GET (s3_get)
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk
    "logs_ingest_gb": 0.50,  # CloudWatch Logs, standard class
}
# The kinds of image link (core.storage): how long a link stays the same (the browser's cache lasts as
# long), and where a download goes. A CloudFront download is an HTTPS request, its transfer out and,
# as the objects are ``Cache-Control: private`` (each candidate's own pictures, a handful of viewers days
# apart), an origin request: with the cache policy's minimum TTL at 0 CloudFront does not keep a private
# object, and above 0 it keeps it only that long (CloudFront API reference, CachePolicyConfig), so every
# viewer request is counted as reaching S3 (one S3 GET; no credit for the edge cache).
def _links() -> tuple[dict, str]:
    """Both kinds with their windows as template.yaml configures them, and the kind the deployed
    functions hand out (StatusFunction's IMAGE_LINKS): the model follows what deploys."""
    env = stack().functions["StatusFunction"].environment
    hours = {k: int(env.get(k, default)) / 3600 for k, default in (
        ("VIEW_URL_WINDOW_SECONDS", "3600"), ("THUMBNAIL_URL_WINDOW_SECONDS", "604800"),
        ("PICTURE_URL_WINDOW_SECONDS", "86400"))}
    kinds = {
        "s3-presigned": {"thumbnail_window_hours": hours["VIEW_URL_WINDOW_SECONDS"],
                         "picture_window_hours": hours["VIEW_URL_WINDOW_SECONDS"], "cloudfront": False},
        "cloudfront-signed": {"thumbnail_window_hours": hours["THUMBNAIL_URL_WINDOW_SECONDS"],
                              "picture_window_hours": hours["PICTURE_URL_WINDOW_SECONDS"], "cloudfront": True},
    }
    return kinds, "cloudfront-signed" if env.get("IMAGE_LINKS", "s3") == "cloudfront" else "s3-presigned"


LINKS, IMAGE_LINKS = _links()
ASSUMPTIONS = {
    "candidates": 1_000_000,
    "season_months": 3,  # watermarked images and table items kept for a season
    "candidate_page_views": 15,  # the candidate opens the page this many times in a season
    "season_days": 14,  # the upload window those opens are spread over (a day apart at most)
    "image_links": IMAGE_LINKS,
    # While a look at the page is idle (web/js/candidate.js IDLE_POLLS: at 15 and 45 s, then none until the
    # tab is shown again or the candidate acts): 304s while nothing changed
    "idle_polls_per_view": 2,
    "status_polls_per_image": 2,  # busy, every 2 s while an upload is processed (~4 s): a 304, then the 200
    "reviewer_levels": 2,  # site and region: each opens the application once and each image once, full size
    "candidate_full_views_per_image": 0,  # the stated model: only reviewers open pictures full size
    "call_latency_ms": {"dynamodb": 8, "s3": 20, "sqs": 10},  # what a real call adds to a handler's wall time
    "vcpu_mb": 1769,  # Lambda gives one vCPU at 1,769 MB; below that CPU time stretches in proportion
    "process_invocations_per_image": 1.0,  # uploads come minutes apart: each image its own SQS batch (worst case)
    "platform_log_bytes_per_invoke": 300,  # Lambda's START / END / REPORT lines
    "access_log_bytes_per_request": 300,  # one HTTP API access-log line in the template's format
    # The machine pre-checks (PrecheckFunction, off the journey's path; tools/capacity.py has its duration and
    # the share of pictures in checked slots): per checked picture the stream forwarder's invocation, three SQS
    # requests (send, receive, delete), one picture GET, the partition's Query and one transaction (the
    # application and the image with its checks, ~1 KB each, written transactionally: 2 WRU a KB; the BySite
    # and ReviewQueue index entries of the application move too). The page polls busy until they are in, and
    # shows them: one more change seen (a 200 and the page) per checked picture.
    "precheck_forwarder_seconds": 0.03,  # notify.events at 256 MB: one SendMessage
    "precheck_sqs_requests": 3,
    "precheck_units": (2.0, 8.0),  # (RRU, WRU) per checked picture
    "precheck_log_bytes": 900,  # its two log lines and Lambda's three, per picture
    # The floor's API requests, the fewest the journey can do with: the registration, a reservation per
    # image, one read per open (the page carrying its ETag), and per reviewer level a claim, a read and one
    # decision carrying the images' (a queue read serves a page of applications: none per candidate).
    "floor_api_requests": {"register": 1, "reserve per image": 1, "page per open": 1, "per reviewer level": 3},
}
GB = 2**30


def view_windows(window_hours: float, opens: int | None = None, days: float | None = None) -> int:
    """The link windows the candidate's opens fall in: at most one per open, and at most the windows a
    span of ``days`` can touch (a span of k whole windows not aligned to them touches k + 1)."""
    opens = ASSUMPTIONS["candidate_page_views"] if opens is None else opens
    days = ASSUMPTIONS["season_days"] if days is None else days
    return min(opens, int(days * 24 // window_hours) + 1)


def lambda_seconds(step: dict, memory_mb: int) -> float:
    """Billed seconds of one step: CPU time outside moto, stretched to the memory's vCPU share,
    plus the latency of the real AWS calls the step makes."""
    cpu = max(0.0, step["handler_seconds"] - step["aws_seconds"])
    stretch = max(1.0, ASSUMPTIONS["vcpu_mb"] / memory_mb)
    latency = ASSUMPTIONS["call_latency_ms"]
    waits = (step["dynamodb"] * latency["dynamodb"] + step["s3"] * latency["s3"]) / 1000
    return cpu * stretch + waits


def client_reads(n: int) -> dict[str, float]:
    """What the web client sends to read the candidate's page in a season (see the module's docstring):
    page reads, status reads answered 200, and polls answered 304."""
    from tools.capacity import PEAK

    a = ASSUMPTIONS
    seen = n + n * PEAK["checked_share"]  # changes a poll sees: each image processed, each picture's findings
    return {"page": a["candidate_page_views"] + n + seen, "status": seen,  # the page: each open, upload, change
            "poll": a["candidate_page_views"] * a["idle_polls_per_view"] + n * (a["status_polls_per_image"] - 1)}


def downloads(n: int, links: str) -> dict[str, float]:
    """Image downloads in a season: thumbnails once in each window the candidate's opens fall in and once
    for each reviewer level; pictures at full size where opened."""
    a, kind = ASSUMPTIONS, LINKS[links]
    windows = view_windows(kind["thumbnail_window_hours"])
    return {"thumbnails": n * (windows + a["reviewer_levels"]),
            "pictures": n * (a["reviewer_levels"] + a["candidate_full_views_per_image"]), "windows": windows}


def download_price(links: str) -> tuple[float, float]:
    """(US$ a request, US$ a GB) of one image download."""
    p = PRICES
    if LINKS[links]["cloudfront"]:
        return p["cloudfront_https_request"] + p["s3_get"], p["cloudfront_transfer_out_gb"]
    return p["s3_get"], p["s3_transfer_out_gb"]


def model(journey: dict, links: str | None = None) -> dict:
    """Dollars per candidate by line item, from row 4's journey detail."""
    functions = stack().functions
    p, a = PRICES, ASSUMPTIONS
    links = links or a["image_links"]
    steps = {s["step"]: s for s in journey["steps"]}
    n = journey["images"]
    gb_seconds = 0.0
    for s in steps.values():
        if s["function"] and s["invocations"]:
            memory = functions[s["function"]].memory_mb
            gb_seconds += lambda_seconds(s, memory) * memory / 1024
    process_invocations = n * a["process_invocations_per_image"]
    # The candidate's reads the journey did not make: each costs what its kind (page, status, poll) cost
    # in the journey, per invocation: its function's time, its reads and log lines.
    reads = client_reads(n)
    more = {kind: max(0.0, count - steps[kind]["invocations"]) for kind, count in reads.items()}
    rru = journey["totals"]["rru"]
    log_bytes = journey["log_bytes"]
    for kind, count in more.items():
        s = steps[kind]
        memory = functions[s["function"]].memory_mb
        gb_seconds += count * lambda_seconds(s, memory) * memory / 1024 / s["invocations"]
        rru += count * s["rru"] / s["invocations"]
        log_bytes += count * s.get("log_bytes", 0) / s["invocations"]
    extra = sum(more.values())
    api_requests = journey["api_requests"] + extra
    invocations = api_requests + process_invocations
    ops: dict[str, int] = {}
    for s in steps.values():
        for name, count in s["operations"].items():
            ops[name] = ops.get(name, 0) + count
    s3_put = sum(c for k, c in ops.items() if k in ("s3:PutObject", "s3:CopyObject", "s3:ListObjectsV2"))
    s3_get = sum(c for k, c in ops.items() if k in ("s3:GetObject", "s3:HeadObject"))
    got = downloads(n, links)
    thumbnail_bytes = journey.get("thumbnail_bytes", 0)
    picture_bytes = journey["materials_bytes"] - thumbnail_bytes
    transfer_gb = (got["thumbnails"] * thumbnail_bytes / n + got["pictures"] * picture_bytes / n) / GB
    views = got["thumbnails"] + got["pictures"]
    per_request, per_gb = download_price(links)
    sqs = sum(c for k, c in ops.items() if k.startswith("sqs:"))
    stored_gb = journey["materials_bytes"] / GB
    log_bytes += invocations * a["platform_log_bytes_per_invoke"] + api_requests * a["access_log_bytes_per_request"]
    months = a["season_months"]
    cloudfront = LINKS[links]["cloudfront"]
    lines = {
        "Lambda compute (GB-s)": gb_seconds * p["lambda_gb_second"],
        "Lambda requests": invocations * p["lambda_request"],
        "API Gateway HTTP API requests": api_requests * p["http_api_request"],
        "DynamoDB writes (WRU)": journey["totals"]["wru"] * p["dynamodb_wru"],
        "DynamoDB reads (RRU)": rru * p["dynamodb_rru"],
        "DynamoDB storage + PITR, season": journey["storage_bytes"] / GB * months
        * (p["dynamodb_gb_month"] + p["dynamodb_pitr_gb_month"]),
        "S3 requests (PUT/POST, GET/HEAD)": s3_put * p["s3_put"] + s3_get * p["s3_get"],
        "S3 storage, season": stored_gb * months * p["s3_gb_month"],
        ("CloudFront: image views (requests, origin GETs)" if cloudfront
         else "S3 GETs (image views)"): views * per_request,
        ("CloudFront transfer out (image views)" if cloudfront
         else "S3 transfer out (image views)"): transfer_gb * per_gb,
        "SQS requests": sqs * p["sqs_request"],
        "CloudWatch Logs ingestion": log_bytes / GB * p["logs_ingest_gb"],
    }
    pre = precheck(n)
    lines.update(pre["lines"])
    return {"per_candidate": lines, "total_per_candidate": sum(lines.values()), "precheck": pre,
            "image_links": links, "floor": floor(journey, links),
            "quantities": {"lambda_gb_seconds": gb_seconds, "lambda_invocations": invocations,
                           "api_requests": api_requests, "client_reads": reads,
                           "s3_put_class": s3_put, "s3_get_class": s3_get,
                           "image_views": views, "thumbnail_views": got["thumbnails"], "full_views": got["pictures"],
                           "candidate_view_windows": got["windows"], "status_polls": reads["poll"] + reads["status"],
                           "transfer_gb": transfer_gb, "sqs_requests": sqs, "materials_gb": stored_gb,
                           "dynamodb_storage_bytes": journey["storage_bytes"], "log_bytes": log_bytes},
            "prices": PRICES, "prices_as_of": PRICES_AS_OF, "assumptions": ASSUMPTIONS}


def floor(journey: dict, links: str | None = None) -> dict:
    """What the view model costs with no overhead at all: the uploads' POSTs, one PUT per stored picture
    and thumbnail, the stored bytes for the season, the downloads the view model implies (each thumbnail
    once for the candidate, whose browser would keep it all season, and once per reviewer level; each
    picture once per level) at the cheaper link kind, the pre-checks' OCR (its measured duration at its
    memory size), and the fewest API requests (ASSUMPTIONS' floor_api_requests: API Gateway and Lambda's
    request price, no compute). Nothing else: DynamoDB, the image's processing, logs, queues are all
    counted as overhead over it, so it is a lower bound no implementation of this view model goes under."""
    from tools.capacity import DURATION_S, PEAK

    p, a = PRICES, ASSUMPTIONS
    n = journey["images"]
    thumbnail_bytes = journey.get("thumbnail_bytes", 0)
    picture_bytes = journey["materials_bytes"] - thumbnail_bytes
    thumbnails, pictures = n * (1 + a["reviewer_levels"]), n * a["reviewer_levels"]
    per_request = min(download_price(kind)[0] for kind in LINKS)  # S3's GET
    per_gb = min(download_price(kind)[1] for kind in LINKS)  # CloudFront's transfer
    need = a["floor_api_requests"]
    api = need["register"] + n * need["reserve per image"] + a["candidate_page_views"] * need["page per open"] \
        + a["reviewer_levels"] * need["per reviewer level"]
    memory = stack().functions["PrecheckFunction"].memory_mb
    checked = n * PEAK["checked_share"]
    lines = {
        "uploads' POSTs": n * p["s3_put"],
        "PUT per picture and thumbnail": 2 * n * p["s3_put"],
        "stored bytes, season": journey["materials_bytes"] / GB * a["season_months"] * p["s3_gb_month"],
        "downloads (requests)": (thumbnails + pictures) * per_request,
        "downloads (transfer)": (thumbnails * thumbnail_bytes + pictures * picture_bytes) / n / GB * per_gb,
        "pre-checks' OCR": checked * DURATION_S["precheck"] * memory / 1024 * p["lambda_gb_second"],
        "API requests": api * (p["http_api_request"] + p["lambda_request"]),
    }
    return {"lines": lines, "total": sum(lines.values()), "api_requests": api, "thumbnail_downloads": thumbnails,
            "picture_downloads": pictures}


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
    least = detail["floor"]["total"]
    candidates = ASSUMPTIONS["candidates"]
    top = sorted(detail["per_candidate"].items(), key=lambda kv: -kv[1])[:2]
    q, a = detail["quantities"], ASSUMPTIONS
    reads = q["client_reads"]
    left = GOAL_PER_CANDIDATE - least
    reach = (f"the goal leaves ${left:.6f} over it for DynamoDB, processing, logs and queues"
             if left > 0 else f"the floor alone is ${-left:.6f} over the goal")
    rows = [
        Row("5 AWS cost per candidate", f"${per:.5f}", f"${least:.5f}", ratio(per, least), unit="USD",
            verdict="PASS" if per <= GOAL_PER_CANDIDATE else "MISS",
            note=f"goal ${GOAL_PER_CANDIDATE:.4f} = {GOAL_PER_CANDIDATE / least:.2f}x the floor; "
            f"{detail['image_links']} links: {a['candidate_page_views']} opens in {q['candidate_view_windows']} "
            f"link windows, {reads['page']:.0f} page reads, {reads['status']:.0f} status 200s, {reads['poll']:.0f} "
            f"polls 304, {q['thumbnail_views']} thumbnail and {q['full_views']} full-size downloads; largest: "
            + ", ".join(f"{k} ${v:.5f}" for k, v in top)),
        Row("5 floor: the view model with no overhead", f"${least:.5f}", unit="USD",
            note=reach + (": out of reach under this view model and these prices" if left < 0.1 * GOAL_PER_CANDIDATE
                          else "") + "; largest: "
            + ", ".join(f"{k} ${v:.5f}" for k, v in sorted(detail["floor"]["lines"].items(), key=lambda kv: -kv[1])[:3])),
        Row("5 pre-checks' added cost per candidate", f"${detail['precheck']['total']:.5f}", unit="USD",
            note=f"{detail['precheck']['checked_pictures']:.1f} checked pictures x {detail['precheck']['seconds_per_picture']} s "
            f"at {detail['precheck']['memory_mb']} MB = {detail['precheck']['gb_seconds']:.1f} GB-s; in the total above"),
        Row(f"5 season: {candidates:,} candidates x {journey['images']} images", f"${per * candidates:,.0f}", unit="USD",
            note=f"{ASSUMPTIONS['season_months']} months of storage; prices {PRICES_AS_OF[:30]}"),
    ]
    other = next(kind for kind in LINKS if kind != detail["image_links"])
    alt = model(journey, other)["total_per_candidate"]
    rows.append(Row(f"5 the same with {other} links", f"${alt:.5f}", f"${least:.5f}", ratio(alt, least), unit="USD",
                    note=f"thumbnail links the same for {LINKS[other]['thumbnail_window_hours']} h, pictures' for "
                    f"{LINKS[other]['picture_window_hours']} h; IMAGE_LINKS in template.yaml decides"))
    return rows, detail


def cost_table(detail: dict) -> str:
    candidates = ASSUMPTIONS["candidates"]
    lines = [f"{'line item':48} {'per candidate':>14} {f'x {candidates:,}':>14}"]
    for name, usd in sorted(detail["per_candidate"].items(), key=lambda kv: -kv[1]):
        lines.append(f"{name:48} {usd:>14.6f} {usd * candidates:>14,.2f}")
    total = detail["total_per_candidate"]
    lines.append(f"{'total (USD)':48} {total:>14.6f} {total * candidates:>14,.2f}")
    least = detail["floor"]
    lines.append(f"floor ({least['api_requests']} API requests, {least['thumbnail_downloads']} thumbnail and "
                 f"{least['picture_downloads']} picture downloads):")
    for name, usd in sorted(least["lines"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:46} {usd:>14.6f} {usd * candidates:>14,.2f}")
    lines.append(f"{'  floor total (USD)':48} {least['total']:>14.6f} {least['total'] * candidates:>14,.2f}")
    lines.append(f"prices: {detail['prices_as_of']}")
    return "\n".join(lines)
