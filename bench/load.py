"""Row 6: N candidates uploading through the local stack over HTTP at once.

The stack (`local.stack.LocalStack`: moto server, API gateway, SQS worker running process_image)
runs in a child process, as `make run` would, so the load generator does not share its GIL.

1. register: every application is created with a registrar token (`PUT /applications/{id}`);
2. upload, the burst: all candidates at once through a pool of threads; each reserves
   (`POST .../materials/{type}/images`) and POSTs its file with the returned presigned form, twice
   (id card and diploma; every tenth candidate's diploma is a truncated JPEG, which must end INVALID);
3. watch: every waiting candidate's page (`GET /applications/{id}`) is read in rounds, a few
   seconds apart by a few threads (the watching must not slow the stack down), until each image is
   SUBMITTED or INVALID. It gives up when nothing has finished for STALL_S seconds (then what is
   left is stuck) or at the hard deadline.

Upload -> SUBMITTED is the image's own `processedAt` (recorded by process_image, milliseconds)
minus the moment S3 answered the candidate's POST: same machine, same clock, independent of how
often the page is polled. Loopback only; every loop has a deadline.
"""

from __future__ import annotations

import contextlib
import datetime
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.common import Row, median, percentile
from testkit.people import registration

TERMINAL = {"SUBMITTED", "INVALID"}
WATCH_INTERVAL_S = 5.0
WATCH_THREADS = 8
STALL_S = 60.0  # no image finished for this long: what is still waiting is stuck
DEADLINE_S = 1800.0  # the whole watch, whatever happens
START_TIMEOUT_S = 120


def _serve(conn, log_path: str, parameters: dict[str, str] | None = None) -> None:
    """The child: start the stack (template parameters over their defaults), send its URL, stop when
    told (or when the parent goes away)."""
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    import logging
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logging.basicConfig(level=logging.WARNING, stream=log)
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):  # as `make run` quiets them
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from local.stack import LocalStack

    stack = LocalStack(port=0, seed_demo=False, parameters=parameters)
    try:
        conn.send(stack.start())
        conn.recv()  # anything, or EOF when the parent dies
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        stack.stop()


@dataclass
class Upload:
    app_id: str
    material: str
    expect: str
    image_id: str | None = None
    uploaded_at: float | None = None  # epoch seconds, when S3 answered the POST
    status: str | None = None
    processed_at: float | None = None  # epoch seconds, the image's processedAt
    error: str | None = None


def files() -> tuple[list[bytes], bytes]:
    from testkit import corpus

    photos = [corpus.photo_jpeg((1600, 1200), seed=s) for s in (1, 2)] + [
        corpus.photo_jpeg((1200, 1600), seed=s) for s in (3, 4)]
    return photos, photos[0][: len(photos[0]) * 6 // 10]  # cut at 60%: CORRUPT


class Client:
    """One keep-alive session per thread. A refused or reset connection, or the gateway's 429, is retried
    (a few times, backing off) and counted: it says the server could not take the request now, not that
    it failed; a retried reservation may leave an unused one behind, which expires."""

    ATTEMPTS = 5

    def __init__(self, url: str):
        import requests

        self.url, self.local = url, threading.local()
        self.requests = requests
        self.retries = 0
        self._lock = threading.Lock()

    def request(self, method: str, url: str, **kw):
        if not hasattr(self.local, "session"):
            self.local.session = self.requests.Session()
        for attempt in range(self.ATTEMPTS):
            try:
                response = self.local.session.request(method, url, timeout=60, **kw)
                if response.status_code != 429 or attempt == self.ATTEMPTS - 1:
                    return response
                # the gateway's throttle (the template's, as API Gateway's): wait, as a browser would
                with self._lock:
                    self.retries += 1
                time.sleep(0.5 * 2**attempt)
            except self.requests.ConnectionError:
                if attempt == self.ATTEMPTS - 1:
                    raise
                with self._lock:
                    self.retries += 1
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def auth(self, sub: str, groups: list[str]) -> dict:
        r = self.request("POST", f"{self.url}/dev/token", json={"sub": sub, "groups": groups})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def registrar(self) -> dict:
        """The registration system's client-credentials token (the registrar is a machine, not a group)."""
        from local.auth import REGISTRATION_CLIENT_ID, REGISTRATION_CLIENT_SECRET

        r = self.request("POST", f"{self.url}/oauth2/token", data={"grant_type": "client_credentials"},
                         auth=(REGISTRATION_CLIENT_ID, REGISTRATION_CLIENT_SECRET))
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def upload(client: Client, auth: dict, up: Upload, data: bytes) -> None:
    try:
        r = client.request("POST", f"{client.url}/applications/{up.app_id}/materials/{up.material}/images",
                           headers=auth, json={"contentType": "image/jpeg", "size": len(data)})
        if r.status_code != 201:
            up.error = f"reserve {r.status_code} {r.text[:200]}"
            return
        body = r.json()
        up.image_id = body["imageId"]
        s3 = client.request("POST", body["upload"]["url"], data=body["upload"]["fields"],
                            files={"file": ("photo.jpg", data, "image/jpeg")})
        if s3.status_code not in (200, 201, 204):
            up.error = f"S3 POST {s3.status_code} {s3.text[:200]}"
            return
        up.uploaded_at = time.time()
    except Exception as e:  # a failed request is a result, not a crash of the bench
        up.error = f"{type(e).__name__}: {e}"


def watch(client: Client, auth: dict, ups: list[Upload]) -> None:
    """One read of the candidate's page: the status (and processedAt) of each of their images."""
    try:
        r = client.request("GET", f"{client.url}/applications/{ups[0].app_id}", headers=auth)
        seen = {im["imageId"]: im for m in r.json().get("materials", []) for im in m["images"]}
    except Exception:
        return
    for up in ups:
        image = seen.get(up.image_id)
        if image:
            up.status = image["status"]
            up.processed_at = _epoch(image.get("processedAt"))


@contextlib.contextmanager
def child_stack(parameters: dict[str, str] | None = None, name: str = "bench-load"):
    """The local stack in a child process (its own GIL): yields (url, log path); stopped on exit."""
    log_path = os.path.join(tempfile.gettempdir(), f"{name}-{os.getpid()}.log")
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child, log_path, parameters), name=f"{name}-local-stack", daemon=True)
    server.start()
    try:
        if not parent.poll(START_TIMEOUT_S):
            raise RuntimeError(f"the local stack did not start in {START_TIMEOUT_S} s (log: {log_path})")
        yield parent.recv(), log_path
    finally:
        with contextlib.suppress(OSError):
            parent.send("stop")
        server.join(timeout=30)
        if server.is_alive():
            server.terminate()
            server.join(timeout=10)


def run(n: int, workers: int = 32, deadline_s: float = DEADLINE_S) -> tuple[list[Row], dict]:
    photos, broken = files()
    try:
        with child_stack() as (url, log_path):
            return _drive(url, n, workers, deadline_s, photos, broken, log_path)
    except Exception as e:
        return [Row("6 load through the local stack", f"failed: {type(e).__name__}", verdict="MISS",
                    note=str(e)[:200])], {"error": repr(e)}


def _drive(url: str, n: int, workers: int, deadline_s: float, photos, broken, log_path: str):
    client = Client(url)
    run_id = f"{int(time.time()) % 100000:05d}"
    apps = [f"load-{run_id}-{i:04d}" for i in range(n)]
    registrar = client.registrar()

    def register(i: int) -> int:
        body = registration(f"lc-{run_id}-{i:04d}")
        return client.request("PUT", f"{url}/applications/{apps[i]}", json=body, headers=registrar).status_code

    plans = [[Upload(apps[i], "id_card", "SUBMITTED"),
              Upload(apps[i], "diploma", "INVALID" if i % 10 == 9 else "SUBMITTED")] for i in range(n)]
    auths: list[dict] = [{} for _ in range(n)]

    def candidate(i: int) -> None:
        try:
            auths[i] = client.auth(f"lc-{run_id}-{i:04d}", ["candidate"])
        except Exception as e:
            for up in plans[i]:
                up.error = f"token: {type(e).__name__}: {e}"
            return
        for k, up in enumerate(plans[i]):
            upload(client, auths[i], up, broken if up.expect == "INVALID" else photos[(i + k) % len(photos)])

    with ThreadPoolExecutor(workers) as pool:
        statuses = list(pool.map(register, range(n)))
        if any(s not in (200, 201) for s in statuses):
            raise RuntimeError(f"registration failed: {sorted(set(statuses))}")
        started = time.time()
        list(pool.map(candidate, range(n)))
        uploads_done = time.time()
    deadline = time.monotonic() + deadline_s
    progress, finished, rounds = time.monotonic(), 0, 0
    with ThreadPoolExecutor(WATCH_THREADS) as pool:
        while time.monotonic() < deadline and time.monotonic() - progress < STALL_S:
            pending = [i for i in range(n) if any(u.uploaded_at and u.status not in TERMINAL for u in plans[i])]
            if not pending:
                break
            rounds += 1
            list(pool.map(lambda i: watch(client, auths[i], [u for u in plans[i] if u.uploaded_at]), pending))
            done = sum(1 for p in plans for u in p if u.status in TERMINAL)
            if done > finished:
                progress, finished = time.monotonic(), done
            time.sleep(WATCH_INTERVAL_S)
    return _rows([u for p in plans for u in p], n, workers, deadline_s, started, uploads_done, rounds,
                 _queues(url), log_path, client.retries)


def _queues(url: str) -> dict[str, int | None]:
    """Messages left in the upload queue (waiting or in flight) and in its dead-letter queue
    (/dev/aws says where the stack's AWS is)."""
    try:
        import requests

        from local.stack import client

        aws = requests.get(f"{url}/dev/aws", timeout=10).json()
        sqs = client("sqs", aws["endpointUrl"])
        out = {}
        for key, logical in (("queued", "UploadQueue"), ("dead_letters", "UploadDeadLetterQueue")):
            queue = sqs.get_queue_url(QueueName=aws["resources"][logical])["QueueUrl"]
            attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            out[key] = sum(int(v) for v in attrs.values())
        return out
    except Exception:
        return {"queued": None, "dead_letters": None}


def _rows(ups: list[Upload], n: int, workers: int, deadline_s: float, started: float, uploads_done: float,
          rounds: int, queues: dict, log_path: str, retries: int):
    errors = [u for u in ups if u.error]
    uploaded = [u for u in ups if u.uploaded_at]
    done = [u for u in uploaded if u.status in TERMINAL]
    stuck = [u for u in uploaded if u.status not in TERMINAL]
    wrong = [u for u in done if u.status != u.expect]
    latency = [u.processed_at - u.uploaded_at for u in done if u.status == "SUBMITTED" and u.processed_at]
    burst = uploads_done - started
    last = max((u.processed_at for u in done if u.processed_at), default=None)
    wall = (last - started) if last else None
    dlq = queues["dead_letters"]
    ok = not errors and not stuck and not wrong and dlq == 0 and len(uploaded) == len(ups)
    detail = {
        "candidates": n, "uploads": len(ups), "workers": workers, "deadline_s": deadline_s,
        "uploaded": len(uploaded), "terminal": len(done), "stuck": len(stuck), "errors": len(errors),
        "unexpected": len(wrong), "dead_letters": dlq, "still_queued": queues["queued"],
        "connection_retries": retries, "watch_rounds": rounds, "stall_s": STALL_S,
        "upload_burst_s": burst, "last_processed_after_s": wall, "submitted_latency_s": sorted(latency),
        "by_status": {s: sum(1 for u in done if u.status == s) for s in TERMINAL},
        "error_samples": [u.error for u in errors[:5]],
        "unexpected_samples": [(u.material, u.expect, u.status) for u in wrong[:5]], "log": log_path,
    }
    rows = [
        Row(f"6 load: {n} candidates x 2 uploads at once, uploads/s", len(uploaded) / burst if burst else None,
            unit="/s", note=f"{workers} client threads; reserve + S3 POST; burst took {burst:.1f} s"),
        Row("6   processed (to SUBMITTED/INVALID) per s", len(done) / wall if wall else None, unit="/s",
            note=f"last one {wall or 0:.1f} s after the burst began"),
        Row("6   upload -> SUBMITTED, p50", median(latency) if latency else None, unit="s",
            note="S3 answered the POST -> the image's processedAt"),
        Row("6   upload -> SUBMITTED, p95", percentile(latency, 0.95) if latency else None, unit="s"),
        Row("6   every reservation SUBMITTED or INVALID", f"{len(done)}/{len(ups)}",
            verdict="PASS" if ok else "MISS",
            note=f"stuck {len(stuck)} (queued {queues['queued']}), errors {len(errors)}, unexpected {len(wrong)},"
                 f" DLQ {dlq}, retried (refused connection or 429) {retries}"),
    ]
    return rows, detail
