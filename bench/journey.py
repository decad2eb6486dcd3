"""Row 4: the AWS calls and DynamoDB capacity of one candidate's journey, against the minimum the
design needs.

The journey (in-process moto, the real handlers, the tests' way of driving them): the registrar
registers the application; the candidate reserves and uploads six images (id card x2, diploma x2,
practice proof, one other); S3 notifies SQS and Lambda's event source mapping (local/worker.py)
runs process_image; the candidate reads the page; the site reviewer takes the queue, claims, reads,
decides every image and approves; the region reviewer takes the queue, claims, reads and approves.

Every AWS call is seen by botocore event hooks on the clients that make them: ``core.db.client()``
and ``core.storage.client()`` (the functions'), the tests' S3 client (the browser's upload) and
SQS client (the event source mapping). ``before-send`` counts the request and keeps its body,
``after-call`` its parsed response; DynamoDB capacity comes from item sizes (bench/units.py), with
the item before and after each write read through a separate, unhooked client.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench import units
from bench.common import Row, ratio, stack

N_IMAGES = 6
MATERIALS = (("id_card", 2), ("diploma", 2), ("practice_proof", 1), ("other", 1))  # region 11: 6 images
APP_ID = "bench-app-0001"
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}

# What the design needs, per step, for n images: (DynamoDB, S3, SQS) calls. The design: one table,
# an application's state in one partition, every change read-decide-commit (one Query, one
# conditional transaction), presigned URLs signed locally (no S3 call), the browser uploads straight
# to S3, S3 -> SQS -> process_image in batches of up to 10.
MINIMUM = {
    "register": (1, 0, 0),  # one conditional transaction: application + audit entry, no read first
    "reserve": (2, 0, 0),  # per image: Query the partition (slots, status), transaction (seat, image, app)
    "upload": (0, 1, 0),  # per image: the browser's POST to S3
    "process": (2, 4, 0),  # per image: Query, transaction; S3 GetObject, PutObject x2 (picture, thumbnail), DeleteObject
    "sqs": (0, 0, 0),  # per image: S3's notification; per batch: ReceiveMessage, DeleteMessageBatch (below)
    "page": (1, 0, 0),  # one Query; image URLs presigned locally; the status's ETag from the same item
    "status": (1, 0, 0),  # a poll that sees a change (200, the new ETag): one read
    "poll": (1, 0, 0),  # a poll that sees nothing changed: the same read, 304 and no body
    "site review": (1 + 1 + 1 + 2, 0, 0),  # queue Query, claim (conditional update), page Query, decide (Query + tx)
    "site image decisions": (2, 0, 0),  # per image: Query (versions, trail), transaction
    "region review": (1 + 1 + 1 + 2, 0, 0),  # queue, claim, page, decide
}
PER_IMAGE = {"reserve", "upload", "process", "site image decisions"}


def minimum(step: str, n: int = N_IMAGES) -> tuple[int, int, int]:
    if step == "sqs":
        batches = -(-n // 10)
        return 0, 0, n + 2 * batches  # S3 sends one message per object; one receive + one delete per batch
    per = MINIMUM[step]
    return tuple(x * (n if step in PER_IMAGE else 1) for x in per)


@dataclass
class Call:
    step: str
    service: str
    op: str
    seconds: float = 0.0
    rru: float = 0.0
    wru: float = 0.0
    wru_standard: float = 0.0  # the same writes as plain (non-transactional) writes
    note: str = ""


@dataclass
class Meter:
    """botocore hooks that record every call made through the attached clients."""

    side: object = None  # an unhooked DynamoDB client, to read items before and after writes
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    capacity: bool = True  # False: count and time only
    keys: tuple[str, ...] = ("PK", "SK")  # the table's key attributes
    step: str = "setup"
    calls: list[Call] = field(default_factory=list)
    overhead: dict[str, float] = field(default_factory=dict)  # step -> seconds spent in these hooks

    def attach(self, *clients) -> None:
        for client in clients:
            # First, so it runs before moto's own before-send handler answers the request.
            client.meta.events.register_first("before-send", self._before)
            client.meta.events.register("after-call", self._after)

    def _before(self, request, event_name: str, **_):
        entered = time.perf_counter()
        _, service, op = event_name.split(".", 2)
        state = {"service": service, "op": op}
        if service == "dynamodb" and self.capacity:
            state["body"] = json.loads(request.body or b"{}")
            if op in WRITES:
                state["before"] = self._images(state["body"], op)
        state["started"] = time.perf_counter()
        request.context["bench"] = state
        self._spent(entered, state["started"])

    def _after(self, http_response, parsed, context, **_):
        state = context.get("bench")
        if state is None:
            return
        # The event source mapping's SQS calls are their own step, whichever step they happen in.
        step = "sqs" if state["service"] == "sqs" else self.step
        entered = time.perf_counter()
        call = Call(step, state["service"], state["op"], entered - state["started"])
        if call.service == "dynamodb" and self.capacity and "Error" not in parsed:
            self._capacity(call, state, parsed)
        if call.service == "sqs" and call.op == "ReceiveMessage":
            received = len(parsed.get("Messages", []))
            if not received:
                call.note = "idle"  # Lambda's pollers make these whether or not anyone uploads
            self.calls += [Call(step, "sqs", "SendMessage", note="by S3 notification") for _ in range(received)]
        self.calls.append(call)
        self._spent(entered, time.perf_counter())

    def _spent(self, start: float, end: float) -> None:
        """The hooks' own time runs inside the handlers: kept apart so it is not billed as theirs."""
        self.overhead[self.step] = self.overhead.get(self.step, 0.0) + end - start

    # ------------------------------------------------------------ capacity from item sizes
    def _keys(self, body: dict, op: str) -> list[tuple[str, dict]]:
        if op == "TransactWriteItems":
            out = []
            for entry in body["TransactItems"]:
                (_, spec), = entry.items()
                key = spec.get("Key") or {k: spec["Item"][k] for k in self.keys}
                out.append((spec["TableName"], key))
            return out
        key = body.get("Key") or {k: body["Item"][k] for k in self.keys}
        return [(body["TableName"], key)]

    def _images(self, body: dict, op: str) -> list[dict | None]:
        return [self.side.get_item(TableName=t, Key=k, ConsistentRead=True).get("Item")
                for t, k in self._keys(body, op)]

    def _capacity(self, call: Call, state: dict, parsed: dict) -> None:
        body, op = state["body"], state["op"]
        if op == "GetItem":
            call.rru = units.read_units(units.item_size(parsed.get("Item")), body.get("ConsistentRead", False))
        elif op in ("Query", "Scan"):
            size = sum(units.item_size(i) for i in parsed.get("Items", []))
            consistent = body.get("ConsistentRead", False) and "IndexName" not in body
            call.rru = units.read_units(size, consistent)
        elif op in WRITES:
            transactional = op == "TransactWriteItems"
            for before, after in zip(state["before"], self._images(body, op), strict=True):
                b, a = units.item_size(before), units.item_size(after)
                table = units.write_units(b, a, transactional)
                index = sum(units.index_write_units(before, after, keys) for keys in self.indexes.values())
                call.wru += table + index
                call.wru_standard += units.write_units(b, a) + index

    # ------------------------------------------------------------ summaries
    def per_step(self) -> dict[str, dict]:
        out: dict[str, dict] = defaultdict(lambda: {"calls": Counter(), "rru": 0.0, "wru": 0.0,
                                                    "wru_standard": 0.0, "aws_seconds": 0.0, "idle": 0})
        for c in self.calls:
            s = out[c.step]
            if c.note == "idle":
                s["idle"] += 1
                continue
            s["calls"][f"{c.service}:{c.op}"] += 1
            s["rru"] += c.rru
            s["wru"] += c.wru
            s["wru_standard"] += c.wru_standard
            s["aws_seconds"] += c.seconds
        return out


def by_service(calls: Counter) -> tuple[int, int, int]:
    total = Counter()
    for name, n in calls.items():
        total[name.split(":", 1)[0]] += n
    return total["dynamodb"], total["s3"], total["sqs"]


# ---------------------------------------------------------------- the journey

def _ok(reply, status: int = 200):
    if reply.status != status:
        raise RuntimeError(f"journey step failed: {reply.status} {reply.body}")
    return reply.body


def _journey(aws, api, meter: Meter, app_id: str, photos: list[bytes], queue_arn: str, timing: dict,
             logs=None) -> None:
    from local.invoke import LambdaContext, claims
    from local.worker import Worker
    from process_image.app import lambda_handler
    from testkit.people import REGISTRAR, registration
    from testkit.steps import put, reserve

    cand = claims(f"cand-{app_id}", "candidate")
    site = claims("bench-site", "site_reviewer", site="1101", region="11")
    region = claims("bench-region", "region_reviewer", region="11")

    def step(name: str):
        meter.step = name
        timing.setdefault(name, {"handler_seconds": 0.0, "invocations": 0, "log_bytes": 0})
        return timing[name]

    def timed(t, fn, *args, **kw):
        written = logs.bytes if logs else 0
        started = time.perf_counter()
        try:
            return fn(*args, **kw)
        finally:
            t["handler_seconds"] += time.perf_counter() - started
            t["invocations"] += 1
            t["log_bytes"] += (logs.bytes if logs else 0) - written

    t = step("register")
    timed(t, lambda: _ok(api("status", "PUT", f"/applications/{app_id}", REGISTRAR,
                             registration(candidate=f"cand-{app_id}")), 201))
    keys = []
    for material, count in MATERIALS:
        for _ in range(count):
            t = step("reserve")
            keys.append(timed(t, lambda m=material: _ok(reserve(api, cand, app_id, m), 201))["upload"]["fields"]["key"])
    step("upload")
    for key, data in zip(keys, photos, strict=False):
        put(aws, key, data)
    meter.step = "unmetered"  # the ETag the page had before its images were processed: the poll's old one
    before = api("status", "GET", f"/applications/{app_id}/status", cand)
    _ok(before)
    stale = before.headers["etag"]

    t = step("process")
    worker = Worker(aws.sqs, aws.queue_url, queue_arn, "us-east-1", invoke=lambda event: timed(
        t, lambda_handler, event, LambdaContext()), wait_seconds=0)
    for _ in range(20):
        if not worker.poll_once():
            break

    # The web client's open reads the page, which carries the status's ETag; while the page is open it
    # polls the status with If-None-Match: 200 and the new ETag when something changed, else 304.
    t = step("page")
    opened = timed(t, lambda: api("status", "GET", f"/applications/{app_id}", cand))
    page = _ok(opened)
    current = opened.headers["etag"]
    states = [i["status"] for m in page["materials"] for i in m["images"]]
    if states.count("SUBMITTED") != N_IMAGES:
        raise RuntimeError(f"journey: images are {states}")
    status = f"/applications/{app_id}/status"
    t = step("status")
    changed = timed(t, lambda: api("status", "GET", status, cand, headers={"If-None-Match": stale}))
    _ok(changed)
    if stale == current or changed.headers["etag"] != current:
        raise RuntimeError(f"journey: ETags {stale} -> {current}, a poll with the old one got {changed.headers}")
    t = step("poll")
    same = timed(t, lambda: api("status", "GET", status, cand, headers={"If-None-Match": current}))
    _ok(same, 304)

    t = step("site review")
    timed(t, lambda: _ok(api("review", "GET", "/review/queue", site)))
    timed(t, lambda: _ok(api("review", "POST", f"/review/applications/{app_id}/claim", site)))
    page = timed(t, lambda: _ok(api("review", "GET", f"/review/applications/{app_id}", site)))
    version = page["application"]["version"]
    t = step("site image decisions")
    for image in [i for m in page["materials"] for i in m["images"]]:
        body = {"decision": "approve", "version": image["version"]}
        version = timed(t, lambda i=image, b=body: _ok(api(
            "review", "POST", f"/review/applications/{app_id}/images/{i['imageId']}/decision", site, b)))[
            "applicationVersion"]
    t = step("site review")
    timed(t, lambda: _ok(api("review", "POST", f"/review/applications/{app_id}/decision", site,
                             {"decision": "approve", "version": version})))

    t = step("region review")
    timed(t, lambda: _ok(api("review", "GET", "/review/queue", region)))
    timed(t, lambda: _ok(api("review", "POST", f"/review/applications/{app_id}/claim", region)))
    page = timed(t, lambda: _ok(api("review", "GET", f"/review/applications/{app_id}", region)))
    final = timed(t, lambda: _ok(api("review", "POST", f"/review/applications/{app_id}/decision", region,
                                     {"decision": "approve", "version": page["application"]["version"]})))
    if final["status"] != "APPROVED":
        raise RuntimeError(f"journey ended {final['status']}")
    meter.step = "done"


STEPS = ("register", "reserve", "upload", "process", "sqs", "page", "status", "poll", "site review",
         "site image decisions", "region review")
API_STEPS = {"register", "reserve", "page", "status", "poll", "site review", "site image decisions", "region review"}
FUNCTION_OF_STEP = {"register": "StatusFunction", "page": "StatusFunction", "status": "StatusFunction",
                    "poll": "StatusFunction", "reserve": "UploadPresignFunction",
                    "process": "ProcessImageFunction", "site review": "ReviewFunction",
                    "site image decisions": "ReviewFunction", "region review": "ReviewFunction"}


def warm_up_photos() -> list[bytes]:
    """The warm-up's own six pictures: the measured journey's kinds, drawn from other seeds. With the
    same pictures the measured journey's process step would find them in the likeness index as another
    candidate's and note a duplicate on each (UpdateItems no real candidate's journey makes)."""
    from testkit import corpus

    return [corpus.photo_jpeg(seed=41), corpus.exif_rotated_jpeg(6, (1200, 1600), seed=43),
            corpus.png(corpus.screenshot(seed=47)), corpus.fit_jpeg(corpus.grey_scan(seed=53)),
            corpus.photo_jpeg(seed=59), corpus.exif_rotated_jpeg(6, (1200, 1600), seed=61)]


def noted_duplicates(aws, table: str, app_id: str) -> int:
    """How many of the application's images carry a duplicate note (another candidate's look-alike)."""
    from core import db

    items = aws.ddb.query(TableName=table, KeyConditionExpression="PK = :pk",
                          ExpressionAttributeValues={":pk": {"S": db.app_pk(app_id)}})["Items"]
    return sum(1 for i in items if i.get("duplicateOf"))


def run(photos: list[bytes], warm_up: list[bytes] | None = None) -> tuple[list[Row], dict]:
    """One warm-up journey (imports, clients, caches) with pictures of its own, then the measured one."""
    import boto3

    from bench.aws import Api, in_process_aws
    from bench.common import captured_output
    from core import db, storage

    spec = stack()
    indexes = {g["IndexName"]: tuple(k["AttributeName"] for k in g["KeySchema"])
               for g in spec.tables[0].get("GlobalSecondaryIndexes", [])}
    with in_process_aws() as aws, captured_output() as logs:
        api = Api()
        queue_arn = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url,
                                                 AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        meter = Meter(side=boto3.client("dynamodb"), indexes=indexes,
                      keys=tuple(k["AttributeName"] for k in spec.tables[0]["KeySchema"]))
        meter.attach(db.client(), storage.client(), aws.s3, aws.sqs)
        _journey(aws, api, meter, "bench-warm-up", warm_up or warm_up_photos(), queue_arn, {})
        meter.calls.clear()
        meter.overhead.clear()
        logs.bytes = logs.lines = 0
        timing: dict[str, dict] = {}
        _journey(aws, api, meter, APP_ID, photos, queue_arn, timing, logs)
        steps = meter.per_step()
        partition = aws.ddb.query(TableName=spec.names["AppTable"], KeyConditionExpression="PK = :pk",
                                  ExpressionAttributeValues={":pk": {"S": db.app_pk(APP_ID)}})["Items"]
        duplicates = noted_duplicates(aws, spec.names["AppTable"], "bench-warm-up")
        stored = aws.s3.list_objects_v2(Bucket=spec.names["MaterialsBucket"], Prefix=f"materials/{APP_ID}/")
    table = []
    total = Counter()
    for name in STEPS:
        s = steps.get(name) or {"calls": Counter(), "rru": 0.0, "wru": 0.0, "wru_standard": 0.0, "aws_seconds": 0.0}
        got, need = by_service(s["calls"]), minimum(name)
        total.update({"calls": sum(got), "minimum": sum(need), "rru": s["rru"], "wru": s["wru"],
                      "wru_standard": s["wru_standard"]})
        t = timing.get(name, {})
        table.append({"step": name, "dynamodb": got[0], "s3": got[1], "sqs": got[2], "minimum": list(need),
                      "operations": dict(sorted(s["calls"].items())), "rru": s["rru"], "wru": s["wru"],
                      "wru_standard": s["wru_standard"], "aws_seconds": s["aws_seconds"],
                      "handler_seconds": max(0.0, t.get("handler_seconds", 0.0) - meter.overhead.get(name, 0.0)),
                      "invocations": t.get("invocations", 0), "log_bytes": t.get("log_bytes", 0),
                      "function": FUNCTION_OF_STEP.get(name)})
    detail = {
        "images": N_IMAGES, "steps": table, "totals": dict(total),
        "idle_sqs_receives": sum(s.get("idle", 0) for s in steps.values()),
        "api_requests": sum(r["invocations"] for r in table if r["step"] in API_STEPS),
        "process_invocations": next(r["invocations"] for r in table if r["step"] == "process"),
        "log_bytes": logs.bytes, "log_lines": logs.lines,
        "noted_duplicates": duplicates,  # on the warm-up's images by the measured journey: 0 for a real one
        "partition_items": len(partition),
        "partition_bytes": sum(units.item_size(i) for i in partition),
        "storage_bytes": units.storage_bytes(partition, indexes),
        "materials_bytes": sum(o["Size"] for o in stored.get("Contents", [])),
        "thumbnail_bytes": sum(o["Size"] for o in stored.get("Contents", []) if o["Key"].endswith(".thumb.jpg")),
    }
    rows = [
        Row("4 AWS calls per candidate journey", total["calls"], total["minimum"],
            ratio(total["calls"], total["minimum"]), unit="calls",
            note=f"{N_IMAGES} images; per step below"),
        Row("4 DynamoDB read units (RRU) per journey", total["rru"], unit="RRU",
            note="from item sizes; eventually consistent"),
        Row("4 DynamoDB write units (WRU) per journey", total["wru"], total["wru_standard"],
            ratio(total["wru"], total["wru_standard"]), unit="WRU",
            note="floor: same writes without the transaction premium"),
    ]
    return rows, detail


def step_table(detail: dict) -> str:
    """The per-step breakdown printed under the main table."""
    lines = [f"{'step':22} {'DynamoDB':>9} {'S3':>5} {'SQS':>5}   {'minimum':>10}  {'RRU':>6} {'WRU':>6}  operations"]
    for r in detail["steps"]:
        ops = ", ".join(f"{k.split(':', 1)[1]} {v}" for k, v in r["operations"].items())
        need = "/".join(str(x) for x in r["minimum"])
        lines.append(f"{r['step']:22} {r['dynamodb']:>9} {r['s3']:>5} {r['sqs']:>5}   {need:>10}  "
                     f"{r['rru']:>6.1f} {r['wru']:>6.0f}  {ops}")
    t = detail["totals"]
    lines.append(f"{'total':22} {t['calls']:>21}   {t['minimum']:>10}  {t['rru']:>6.1f} {t['wru']:>6.0f}"
                 f"  (+{detail['idle_sqs_receives']} idle SQS receive(s), not per candidate)")
    return "\n".join(lines)
