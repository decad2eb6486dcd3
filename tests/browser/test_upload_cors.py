"""The uploads bucket's CORS on the local stack is S3's, from template.yaml: the web origin may POST
(the browser's preflight passes), any other origin, method or a bucket without CORS is refused as S3
refuses it. (moto alone is more permissive: local/s3_cors.py.)"""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.localstack


def preflight(url: str, origin: str, method: str = "POST", headers: str | None = None) -> requests.Response:
    extra = {"Access-Control-Request-Headers": headers} if headers else {}
    return requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": method, **extra}, timeout=10)


def test_only_the_web_origin_may_post_to_the_uploads_bucket(stack):
    uploads = f"{stack.endpoint_url}/{stack.name('UploadsBucket')}"
    materials = f"{stack.endpoint_url}/{stack.name('MaterialsBucket')}"

    ok = preflight(uploads, stack.url, headers="content-type")
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == stack.url
    assert ok.headers["Access-Control-Allow-Methods"] == "POST"
    assert ok.headers["Access-Control-Max-Age"] == "600"

    for refused in (preflight(uploads, "http://elsewhere.example"), preflight(uploads, stack.url, "PUT"),
                    preflight(materials, stack.url, "GET")):
        assert refused.status_code == 403
        assert "Access-Control-Allow-Origin" not in refused.headers

    # An actual request from another origin is answered without CORS headers (its page cannot read it).
    posted = requests.post(uploads, headers={"Origin": "http://elsewhere.example"}, timeout=10,
                           data={"key": "not-an-upload/x"}, files={"file": ("x.jpg", b"x", "image/jpeg")})
    assert not any(h.lower().startswith("access-control-") for h in posted.headers)
    mine = requests.post(uploads, headers={"Origin": stack.url}, timeout=10,
                         data={"key": "not-an-upload/x"}, files={"file": ("x.jpg", b"x", "image/jpeg")})
    assert mine.headers["Access-Control-Allow-Origin"] == stack.url
    assert mine.headers["Access-Control-Expose-Headers"] == "ETag"
