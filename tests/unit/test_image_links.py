"""Image links a browser can cache (core.storage): the same link all through a fixed window, valid long
enough after it is handed out, with the Cache-Control S3 answers with, signed as botocore signs."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import botocore.auth
import pytest

from core import keys, storage
from core.settings import Settings, settings

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
