"""Deadline day in the browser: API Gateway throttles the reservation (429, Retry-After: 1) twice and S3
answers the first POST 503 SlowDown; the page says "排队中，请勿关闭页面", waits, retries, and the
watermarked thumbnail appears without anything done, no error shown, one image stored. And a POST whose
policy ran out while the page waited: the place is given back and reserved again, the file goes once."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import register
from tests.browser.pages import ID_CARD, CandidatePage, open_with_token
from tests.browser.photos import document_photo
from tests.browser.test_candidate_journey import upright_with_red_top_left

pytestmark = pytest.mark.localstack

SLOW_DOWN = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
             "<Message>Please reduce your request rate.</Message></Error>")
POLICY_EXPIRED = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                  "<Message>Invalid according to Policy: Policy expired.</Message></Error>")


class Faults:
    """Playwright routes that answer the first few reservations and S3 POSTs with a fault, and record
    every attempt (when, and the S3 key it carried) in the order the browser made them."""

    def __init__(self, stack, reservations: list[tuple[int, dict, str]], posts: list[tuple[int, str]]):
        self.stack, self.reservation_faults, self.post_faults = stack, list(reservations), list(posts)
        # (monotonic time, status answered, "dropped" (no answer), or 0 = passed on)
        self.reservations: list[tuple[float, int | str]] = []
        self.posts: list[tuple[float, str, int]] = []  # (time, key field, status or 0)
        self.deletes: list[str] = []
        self._lock = threading.Lock()

    def install(self, page) -> None:
        page.route("**/applications/*/materials/*/images", self._reserve)
        page.route("**/applications/*/materials/*/images/*", self._delete)
        page.route(f"{self.stack.endpoint_url}/{self.stack.name('UploadsBucket')}", self._post)

    def _reserve(self, route):
        if route.request.method != "POST":
            return route.fallback()
        with self._lock:
            fault = self.reservation_faults.pop(0) if self.reservation_faults else None
            self.reservations.append((time.monotonic(), (fault[0] or "dropped") if fault else 0))
        if fault and fault[0] == 0:  # no answer the page may read: a dropped connection, or a 429 without CORS
            return route.abort("failed")
        if fault:
            status, headers, body = fault
            return route.fulfill(status=status, headers={"Content-Type": "application/json", **headers}, body=body)
        return route.fallback()

    def _delete(self, route):
        if route.request.method == "DELETE":
            with self._lock:
                self.deletes.append(route.request.url.rsplit("/", 1)[1])
        return route.fallback()

    def _post(self, route):
        if route.request.method != "POST":
            return route.fallback()  # the CORS preflight goes to S3 (moto) as it is
        body = route.request.post_data_buffer or b""
        key = body.split(b'name="key"\r\n\r\n', 1)[1].split(b"\r\n", 1)[0].decode() if b'name="key"' in body else ""
        with self._lock:
            fault = self.post_faults.pop(0) if self.post_faults else None
            self.posts.append((time.monotonic(), key, fault[0] if fault else 0))
        if fault:
            status, xml = fault
            return route.fulfill(status=status, body=xml, headers={
                "Content-Type": "application/xml", "Access-Control-Allow-Origin": self.stack.url,
                "Access-Control-Expose-Headers": "ETag", "Vary": "Origin"})
        return route.fallback()


def images_of(stack, candidate: str, app_id: str) -> list[dict]:
    page = requests.get(f"{stack.url}/applications/{app_id}", headers=stack.auth(candidate, ["candidate"]), timeout=10).json()
    return [i for m in page["materials"] if m["type"] == ID_CARD[0] for i in m["images"]]


def open_upload_page(browser_session, stack, prefix: str):
    app_id, candidate = f"app-web-{prefix}-{uuid.uuid4().hex[:8]}", f"cand-{prefix}-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate)
    me = browser_session((1280, 900))
    open_with_token(me, stack.url, stack.token(candidate, ["candidate"]))
    page = CandidatePage(me, stack.url)
    expect(me.page.get_by_role("heading", name="我的报名")).to_be_visible()
    page.open_application(app_id)
    return me, page, app_id, candidate


def test_throttled_reservations_and_a_slow_s3_are_waited_out_without_the_candidate_noticing(browser_session, stack, tmp_path):
    # Given: the first two reservations are throttled (Retry-After: 1), the first S3 POST slowed down
    photo = document_photo(tmp_path / "card-front.jpg", "card front", 3)
    me, page, app_id, candidate = open_upload_page(browser_session, stack, "throttled")
    throttled = (429, {"Retry-After": "1"}, '{"message":"Too Many Requests"}')
    faults = Faults(stack, reservations=[throttled, throttled], posts=[(503, SLOW_DOWN)])
    faults.install(me.page)

    # When: the candidate chooses one photo, and does nothing else
    page.upload(ID_CARD, photo)

    # Then: a calm note while the page waits, never an error
    note = me.page.locator(".queue-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("排队中，请勿关闭页面")
    assert note.get_attribute("role") == "status"
    me.shot("waiting-in-the-queue")
    expect(me.page.get_by_role("alert")).to_be_empty()
    expect(page.upload_errors()).to_have_count(0)

    # Then: the watermarked thumbnail appears by itself; the note is gone; no error was shown
    page.wait_for_thumbnails(ID_CARD, 1, timeout=60_000)
    expect(note).to_be_hidden()
    expect(me.page.get_by_role("alert")).to_be_empty()
    expect(page.upload_errors()).to_have_count(0)
    me.shot("thumbnail-after-the-waits")
    stored = requests.get(page.picture_link(ID_CARD).get_attribute("href"), timeout=10).content  # the picture
    width, height, _ = upright_with_red_top_left(stored)
    assert (width, height) == (1280, 960)

    # the attempts: three reservations, each retry at least Retry-After (1 s) after the 429 before it
    assert [status for _, status in faults.reservations] == [429, 429, 0]
    gaps = [b - a for (a, _), (b, _) in zip(faults.reservations, faults.reservations[1:], strict=False)]
    assert all(gap >= 0.95 for gap in gaps), gaps
    # two S3 POSTs with the same policy (same key: a repeat overwrites, never adds), after a backoff
    (first_at, first_key, first_status), (second_at, second_key, second_status) = faults.posts
    assert (first_status, second_status) == (503, 0)
    assert first_key == second_key and first_key.startswith(f"uploads/{app_id}/")
    assert second_at - first_at >= 0.25  # the first backoff is 250-500 ms
    assert faults.deletes == []  # the place was kept all along
    # one image, stored once, SUBMITTED
    (image,) = images_of(stack, candidate, app_id)
    assert image["status"] == "SUBMITTED" and first_key.endswith(image["imageId"])
    assert me.errors == []
    assert sorted(status for status, _ in me.http_errors) == [429, 429, 503]  # only what the routes answered


def test_a_throttle_answer_the_page_cannot_read_is_waited_out_too(browser_session, stack, tmp_path):
    # Given: API Gateway's own 429 has no CORS headers, so the browser hides it: to the page the first
    # five reservations get no answer at all (more than the 4 tries a passing 5xx gets)
    photo = document_photo(tmp_path / "card-front.jpg", "card front", 5)
    me, page, app_id, candidate = open_upload_page(browser_session, stack, "unread")
    faults = Faults(stack, reservations=[(0, {}, "")] * 5, posts=[])
    faults.install(me.page)

    # When: the candidate chooses one photo
    page.upload(ID_CARD, photo)

    # Then: the calm note while it waits, then the thumbnail by itself; never an error
    expect(me.page.locator(".queue-note")).to_contain_text("排队中，请勿关闭页面")
    page.wait_for_thumbnails(ID_CARD, 1, timeout=90_000)
    expect(me.page.get_by_role("alert")).to_be_empty()
    expect(page.upload_errors()).to_have_count(0)
    me.shot("thumbnail-after-unreadable-throttles")
    # six reservations, backing off between them (250-500 ms, then doubling); one image stored
    assert [status for _, status in faults.reservations] == ["dropped"] * 5 + [0]
    gaps = [b - a for (a, _), (b, _) in zip(faults.reservations, faults.reservations[1:], strict=False)]
    assert all(gap >= 0.25 * 2 ** n for n, gap in enumerate(gaps)), gaps
    (image,) = images_of(stack, candidate, app_id)
    assert image["status"] == "SUBMITTED"


def test_a_post_whose_policy_ran_out_is_sent_once_with_a_fresh_reservation(browser_session, stack, tmp_path):
    # Given: S3 says the first POST's policy has expired (the page waited too long)
    photo = document_photo(tmp_path / "card-back.jpg", "card back", 4)
    me, page, app_id, candidate = open_upload_page(browser_session, stack, "expired")
    faults = Faults(stack, reservations=[], posts=[(403, POLICY_EXPIRED)])
    faults.install(me.page)

    # When
    page.upload(ID_CARD, photo)

    # Then: the thumbnail appears by itself, from a second reservation; the first place was given back
    page.wait_for_thumbnails(ID_CARD, 1, timeout=60_000)
    expect(me.page.get_by_role("alert")).to_be_empty()
    expect(page.upload_errors()).to_have_count(0)
    (_, expired_key, _), (_, fresh_key, status) = faults.posts
    assert status == 0 and expired_key != fresh_key
    assert faults.deletes == [expired_key.rsplit("/", 1)[1]]
    (image,) = images_of(stack, candidate, app_id)
    assert image["status"] == "SUBMITTED" and fresh_key.endswith(image["imageId"])
    assert page.count(ID_CARD).inner_text() == "1/2"
    me.shot("fresh-reservation")
    assert me.errors == []
    assert [status for status, _ in me.http_errors] == [403]
