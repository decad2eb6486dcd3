"""Photos the browser cannot read by itself: a HEIC from an iPhone is converted in the browser by
libheif (WebAssembly, from our origin, loaded only then); a file that is no picture gets guidance."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import register
from tests.browser.pages import ID_CARD, CandidatePage, open_with_token
from tests.browser.photos import heic_photo
from tests.browser.test_candidate_journey import MAX_BYTES, upright_with_red_top_left

pytestmark = pytest.mark.localstack


def test_a_heic_photo_is_converted_in_the_browser_and_a_non_picture_gets_guidance(browser_session, stack, tmp_path):
    # Given
    app_id, candidate = f"app-web-heic-{uuid.uuid4().hex[:8]}", f"cand-heic-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate)
    heic = heic_photo(tmp_path / "IMG_0002.HEIC")
    assert heic.read_bytes()[4:12] == b"ftypheic"
    not_a_picture = tmp_path / "scan.jpg"
    not_a_picture.write_text("this is a note, not a photo")
    me = browser_session((375, 812), mobile=True)
    token = stack.token(candidate, ["candidate"])
    page = CandidatePage(me, stack.url)

    # When: signed in (a token from the scripts' shortcut), the candidate chooses a file that is no picture
    open_with_token(me, stack.url, token)
    expect(me.page.get_by_role("heading", name="我的报名")).to_be_visible()
    page.open_application(app_id)
    page.upload(ID_CARD, not_a_picture)
    # Then
    expect(page.material(ID_CARD).locator(".upload-error")).to_contain_text("无法识别该文件为图片")
    expect(page.thumbnails(ID_CARD)).to_have_count(0)
    me.shot("not-a-picture")
    assert not any("libheif" in u for u in me.urls)

    # When: a HEIC photo
    page.upload(ID_CARD, heic)
    # Then: converted, shrunk, uploaded, watermarked, upright
    page.wait_for_thumbnails(ID_CARD, 1, timeout=60_000)
    sizes = page.sizes(ID_CARD).first
    assert 0 < int(sizes.get_attribute("data-after")) <= MAX_BYTES
    me.shot("heic-converted")
    # the picture the thumbnail opens (the page shows its 320 px thumbnail, upright too)
    for link, size in ((page.picture_link(ID_CARD).get_attribute("href"), (1500, 2000)),
                       (page.thumbnails(ID_CARD).first.get_attribute("src"), (214, 285))):  # 1/7 of it
        width, height, red = upright_with_red_top_left(requests.get(link, timeout=10).content)
        assert (width, height) == size
        assert red[0] > 150 and red[1] < 110 and red[2] < 110, red
    assert any(u.endswith("/vendor/libheif/libheif.wasm") for u in me.urls)
    assert me.errors == [] and me.http_errors == []
    assert me.foreign_requests() == []
