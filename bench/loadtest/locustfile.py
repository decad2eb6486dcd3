"""Deadline day's mix for Locust (run by `python -m bench.loadtest`, in .venv-locust): candidates who
do what the web client does (web/js/candidate.js, api.js, upload.js) and reviewers who read.

A candidate's journey: the list, the upload page (it carries the status's ETag), then per image a
reservation, the presigned S3 POST, the page, the status poll every 2 s until the page shows it
SUBMITTED, idle polls while the next photo is chosen. What is meant to be retried is retried as the browser does: 429 and 503 waited out
(Retry-After, else exponential backoff with jitter), other 5xx and dropped connections a few tries;
the S3 POST with its own policy while it lasts, else the place is given back and reserved again.

Only the standard library and Locust here. LOADTEST_PLAN names the plan the runner wrote (applications
with their candidates' tokens, reviewer tokens, photo files); LOADTEST_JOURNAL the JSON-lines file
this writes one line per journey started, finished or failed, and per wait.
"""

from __future__ import annotations

import json
import os
import random
import re
import time

import gevent
from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

PLAN = json.load(open(os.environ["LOADTEST_PLAN"], encoding="utf-8"))  # noqa: SIM115 - read once at import
PHOTOS = [open(p, "rb").read() for p in PLAN["photos"]]  # noqa: SIM115
JOURNAL = open(os.environ["LOADTEST_JOURNAL"], "a", encoding="utf-8")  # noqa: SIM115 - closed at quit
APPLICATIONS = list(PLAN["applications"])  # taken one per journey
IN_FLIGHT = [0]  # journeys started and not yet written down as done or failed

BASE_S, CAP_S, SLOW_DOWN_BUDGET_S, OTHER_TRIES = 0.5, 30.0, 600.0, 4  # as web/js/api.js RETRY
BUSY_POLL_S, IDLE_POLL_S, IDLE_POLLS = 2.0, 15.0, 2  # candidate.js BUSY_POLL_MS, IDLE_POLL_MS, IDLE_POLLS
MARGIN_S = 15.0  # upload.js MARGIN_MS
IMAGES = "/applications/{id}/materials/{type}/images"


def note(kind: str, **fields) -> None:
    JOURNAL.write(json.dumps({"kind": kind, "at": time.time(), **fields}) + "\n")
    JOURNAL.flush()


@events.quitting.add_listener
def _close(**_):
    JOURNAL.close()


@events.test_start.add_listener
def _stop_when_every_journey_ended(environment, **_):
    """The plan's journeys are the run: once each has ended, stop (the reviewers would read forever)."""
    def watch():
        while APPLICATIONS or IN_FLIGHT[0]:
            gevent.sleep(0.5)
        note("all_ended")
        environment.runner.quit()
    gevent.spawn(watch)


def backoff_s(attempt: int, retry_after: float | None) -> float:
    ceiling = min(CAP_S, BASE_S * 2**attempt)
    jittered = ceiling / 2 + random.random() * ceiling / 2
    return jittered if retry_after is None else max(retry_after, jittered)


def retry_after_s(response) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(120.0, max(0.0, float(value))) if value else None
    except ValueError:
        return None


def should_retry(status: int, attempt: int, started: float) -> bool:
    if status in (429, 503):
        return time.monotonic() - started < SLOW_DOWN_BUDGET_S
    return (status == 0 or status >= 500) and attempt + 1 < OTHER_TRIES


class Candidate(HttpUser):
    weight = 10
    wait_time = constant(0)

    def send(self, method: str, url: str, name: str, retry: bool = True, **kw):
        """One request as api.js sends it: waits out what is meant to be retried; returns the answer."""
        started = time.monotonic()
        for attempt in range(10_000):
            with self.client.request(method, url, name=name, catch_response=True, **kw) as response:
                status = response.status_code or 0
                if status in (429, 503) or status >= 500 or status == 0:
                    response.success()  # counted here as waited out, not as a failure of the system
                if not (retry and should_retry(status, attempt, started)):
                    if status >= 400 and status not in (404, 409):
                        response.failure(f"{status}")
                    return response
            wait = backoff_s(attempt, retry_after_s(response))
            note("wait", route=name, status=status, seconds=wait)
            gevent.sleep(wait)
        raise AssertionError("unreachable")

    @task
    def journey(self) -> None:
        if not APPLICATIONS:
            raise StopUser()
        plan = APPLICATIONS.pop(0)
        app, auth = plan["app"], {"Authorization": f"Bearer {plan['token']}"}
        IN_FLIGHT[0] += 1
        note("start", app=app)
        try:
            images = self._journey(app, auth)
            note("done", app=app, images=images)
        except Exception as e:  # a journey that cannot finish is a result, written down
            note("failed", app=app, error=f"{type(e).__name__}: {e}"[:300])
        finally:
            IN_FLIGHT[0] -= 1

    def _journey(self, app: str, auth: dict) -> list[dict]:
        self.send("GET", "/applications", "GET /applications", headers=auth)
        opened = self.send("GET", f"/applications/{app}", "GET /applications/{id}", headers=auth)
        etag, page = opened.headers.get("ETag"), opened.json()
        wanted = [m["type"] for m in page["materials"] for _ in range(PLAN["per_material"].get(m["type"], 0))]
        done = []
        for n, material in enumerate(wanted):
            photo = PHOTOS[n % len(PHOTOS)]  # each image of an application a different photo
            image_id, uploaded_at = self._upload(app, auth, material, photo)
            read = self.send("GET", f"/applications/{app}", "GET /applications/{id}", headers=auth)
            etag, image = read.headers.get("ETag"), self._image(read, image_id)  # the page carries the status's ETag
            while image.get("status") == "PENDING":  # the page polls until the thumbnail is there
                gevent.sleep(BUSY_POLL_S)
                polled = self.send("GET", f"/applications/{app}/status", "GET /applications/{id}/status",
                                   retry=False, headers={**auth, "If-None-Match": etag or ""})
                if polled.status_code == 200 and polled.headers.get("ETag") != etag:
                    etag = polled.headers.get("ETag")
                    image = self._image(self.send("GET", f"/applications/{app}", "GET /applications/{id}", headers=auth),
                                        image_id)
            done.append({"imageId": image_id, "material": material, "status": image.get("status"),
                         "uploadedAt": uploaded_at, "seenAt": time.time(), "processedAt": image.get("processedAt")})
            etag = self._idle(app, auth, etag, random.uniform(*PLAN["think_s"]))  # choosing the next photo
        return done

    def _idle(self, app: str, auth: dict, etag: str | None, seconds: float) -> str | None:
        """Nothing pending: the page polls from 15 s, doubling, twice at most (candidate.js IDLE_POLL_MS)."""
        interval, until, polls = IDLE_POLL_S, time.monotonic() + seconds, 0
        while polls < IDLE_POLLS and time.monotonic() + interval <= until:
            polls += 1
            gevent.sleep(interval)
            polled = self.send("GET", f"/applications/{app}/status", "GET /applications/{id}/status", retry=False,
                               headers={**auth, "If-None-Match": etag or ""})
            if polled.status_code == 200:
                etag = polled.headers.get("ETag")
            interval = min(interval * 2, 60.0)
        gevent.sleep(max(0.0, until - time.monotonic()))
        return etag

    @staticmethod
    def _image(response, image_id: str) -> dict:
        for material in response.json().get("materials", []):
            for image in material["images"]:
                if image["imageId"] == image_id:
                    return image
        return {"status": "MISSING"}

    def _upload(self, app: str, auth: dict, material: str, photo: bytes) -> tuple[str, float]:
        """upload.js sendImage: reserve, POST, retry with the same policy while it lasts, else anew."""
        path = f"/applications/{app}/materials/{material}/images"

        def reserve():
            r = self.send("POST", path, f"POST {IMAGES}", headers=auth,
                          json={"contentType": "image/jpeg", "size": len(photo), "fileName": "photo.jpg"})
            if r.status_code != 201:
                raise RuntimeError(f"reserve {r.status_code} {r.text[:200]}")
            body = r.json()
            left = body.get("expiresAtEpoch", time.time() + 60) - time.time()
            return body, time.time() + min(max(left, 60), 3600) - MARGIN_S

        reserved, deadline = reserve()
        started = time.monotonic()
        for attempt in range(10_000):
            if time.time() >= deadline:
                self.send("DELETE", f"{path}/{reserved['imageId']}", f"DELETE {IMAGES}/{{imageId}}", headers=auth)
                reserved, deadline = reserve()
                note("renewed", route="S3 POST uploads/")
            upload = reserved["upload"]
            with self.client.post(upload["url"], name="S3 POST uploads/", data=upload["fields"], catch_response=True,
                                  files={"file": ("photo.jpg", photo, "image/jpeg")}) as response:
                status = response.status_code or 0
                if 200 <= status < 300:
                    return reserved["imageId"], time.time()
                expired = status == 403 and re.search("policy expired", response.text or "", re.I)
                if expired or should_retry(status, attempt, started):
                    response.success()
                else:
                    response.failure(f"{status}")
                    raise RuntimeError(f"S3 POST {status} {response.text[:200]}")
            if expired:
                deadline = 0
                continue
            wait = backoff_s(attempt, None)
            note("wait", route="S3 POST uploads/", status=status, seconds=wait)
            gevent.sleep(wait)
        raise AssertionError("unreachable")


class Reviewer(HttpUser):
    """A site reviewer reading: the queue, then the application at its head, as review.js does."""

    fixed_count = 2
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {PLAN['reviewer_token']}"}

    @task
    def read(self) -> None:
        queue = Candidate.send(self, "GET", "/review/queue", "GET /review/queue", headers=self.auth)
        items = queue.json().get("items", []) if queue.status_code == 200 else []
        if items:
            app = random.choice(items[:5])["applicationId"]
            Candidate.send(self, "GET", f"/review/applications/{app}", "GET /review/applications/{id}", headers=self.auth)
