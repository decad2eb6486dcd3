"""Image links a browser can cache (core.storage): the same link all through a fixed window, valid long
enough after it is handed out, with the Cache-Control S3 answers with, signed as botocore signs."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import botocore.auth
import pytest

from core import keys, page, storage
from core.models import ImageStatus
from core.settings import Settings, settings
from tests.unit.factories import NOW, image, pending, snapshot

KEY = "materials/app-1/id_card/abc.jpg"
BUCKET = "exam-materials-test"
T0 = 1_796_000_000  # a moment of the exam season (epoch seconds)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def signed_at(url: str) -> int:
    return int(datetime.strptime(query(url)["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp())


def test_every_read_within_a_window_gets_the_same_link_and_the_next_window_another():
    window = settings().view_url_window
    start = storage.window_start(T0, window)
    same = {storage.presigned_get(BUCKET, KEY, now=start + s) for s in (0, 1, window // 2, window - 1)}
    assert len(same) == 1
    assert storage.presigned_get(BUCKET, KEY, now=start + window) not in same
    assert storage.presigned_get(BUCKET, "materials/app-1/id_card/other.jpg", now=start) not in same


@pytest.mark.parametrize("offset", [0, 1, 1799, 3599])
def test_a_link_is_valid_at_least_the_ttl_after_it_is_handed_out_and_never_longer_than_window_plus_ttl(offset):
    window, ttl = settings().view_url_window, settings().view_url_ttl
    now = storage.window_start(T0, window) + offset
    url = storage.presigned_get(BUCKET, KEY, now=now)
    expires = int(query(url)["X-Amz-Expires"])
    until = signed_at(url) + expires
    assert until - now >= ttl and expires == window + ttl
    assert signed_at(url) <= now < signed_at(url) + window


def test_the_browser_may_keep_what_a_link_fetched_for_the_links_whole_life():
    url = storage.material_url(KEY)
    cache = query(url)["response-cache-control"]
    assert cache == f"private, max-age={settings().view_url_window + settings().view_url_ttl}, immutable"
    assert storage.OBJECT_CACHE_CONTROL.startswith("private, ") and "immutable" in storage.OBJECT_CACHE_CONTROL


def test_the_signature_is_botocores_own_as_of_the_windows_start(monkeypatch):
    """Re-signed as of the window's start, the link is exactly what botocore's presigner makes when its
    clock reads that moment: same canonical request, same key derivation, same signature."""
    start = storage.window_start(T0, settings().view_url_window)
    ours = storage.presigned_get(BUCKET, KEY, now=T0)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.fromtimestamp(start, UTC))
    expires = settings().view_url_window + settings().view_url_ttl
    theirs = storage.client().generate_presigned_url("get_object", ExpiresIn=expires, Params={
        "Bucket": BUCKET, "Key": KEY, "ResponseCacheControl": f"private, max-age={expires}, immutable"})
    assert ours == theirs
    assert query(ours)["X-Amz-Signature"] != query(storage.presigned_get(BUCKET, KEY, now=T0 + 86400))["X-Amz-Signature"]


def test_a_thumbnail_lives_beside_its_picture():
    assert keys.thumbnail_key(KEY) == "materials/app-1/id_card/abc.thumb.jpg"
    assert urlsplit(storage.thumbnail_url(KEY)).path.endswith("/materials/app-1/id_card/abc.thumb.jpg")


@pytest.mark.parametrize("window", [59, 7000, 86401, 172800])
def test_a_window_that_does_not_divide_a_day_is_refused(window):
    with pytest.raises(RuntimeError):
        Settings(table_name="t", uploads_bucket="u", materials_bucket="m", region="us-east-1", view_url_window=window)


# ---------------------------------------------------------------- the links on the pages

def page_images(monkeypatch, snap, at: float, reviewer: bool = False) -> dict[str, dict]:
    """Every image of the page as the API serialises it, read at `at` with the real signer."""
    monkeypatch.setattr(storage.time, "time", lambda: at)
    build = page.review_page if reviewer else page.candidate_page
    body = build(snap, int(at), storage.material_url, storage.sample_url).model_dump(by_alias=True)
    return {i["imageId"]: i for m in body["materials"] for i in m["images"]}


@pytest.mark.parametrize("reviewer", [False, True], ids=["candidate", "reviewer"])
def test_every_shown_image_has_its_thumbnail_link_beside_the_pictures_and_nothing_else_has_one(monkeypatch, reviewer):
    snap = snapshot(images=[image("id_card", 0), image("id_card", 1, ImageStatus.APPROVED),
                            image("diploma", 0, ImageStatus.INVALID), pending("diploma", 1)])
    shown = page_images(monkeypatch, snap, NOW.seconds, reviewer)
    for image_id in ("id_card-0", "id_card-1"):
        thumb, full = urlsplit(shown[image_id]["thumbnailUrl"]), urlsplit(shown[image_id]["url"])
        assert thumb.path.endswith(f"/materials/app-1/id_card/{image_id}.thumb.jpg")
        assert full.path.endswith(f"/materials/app-1/id_card/{image_id}.jpg")
        assert query(shown[image_id]["thumbnailUrl"])["response-cache-control"].endswith("immutable")
    assert (shown["diploma-0"]["thumbnailUrl"], shown["diploma-1"]["thumbnailUrl"]) == (None, None)
    assert (shown["diploma-0"]["url"], shown["diploma-1"]["url"]) == (None, None)


def test_an_image_processed_before_thumbnails_were_made_shows_its_picture_as_thumbnail(monkeypatch):
    snap = snapshot(images=[image("id_card", 0, thumbnail_key=None)])
    shown = page_images(monkeypatch, snap, T0)["id_card-0"]
    assert shown["thumbnailUrl"] == shown["url"] and urlsplit(shown["url"]).path.endswith("/id_card-0.jpg")


def test_every_page_read_within_a_window_hands_out_the_same_links_and_a_new_picture_new_ones(monkeypatch):
    start = storage.window_start(T0, settings().view_url_window)
    snap = snapshot(images=[image("id_card", 0), image("diploma", 0)])
    reads = [page_images(monkeypatch, snap, start + s, reviewer) for s in (0, 600, settings().view_url_window - 1)
             for reviewer in (False, True)]
    for image_id in ("id_card-0", "diploma-0"):
        assert len({(r[image_id]["url"], r[image_id]["thumbnailUrl"]) for r in reads}) == 1
    # The candidate deletes the ID card and uploads another picture: a new image, new keys, new links;
    # the diploma's links stay the same.
    again = page_images(monkeypatch, snapshot(images=[image("id_card", 0, image_id="id-card-new"), image("diploma", 0)]),
                        start + 900)
    before = reads[0]
    assert again["id-card-new"]["thumbnailUrl"] != before["id_card-0"]["thumbnailUrl"]
    assert urlsplit(again["id-card-new"]["thumbnailUrl"]).path.endswith("/id-card-new.thumb.jpg")
    assert again["diploma-0"] == before["diploma-0"]
