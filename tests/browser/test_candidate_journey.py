"""The journey of issue "The web client", end to end in headless Chromium against `make run`'s stack:
a 1.5 MB sideways phone photo goes in through the file input, is shrunk in the browser under 200 KB,
uploaded with the presigned POST, watermarked upright, and shows by itself; the slot fills, `删除`
frees a place; a blurred photo shows BLURRY with how to fix it, by itself, and still counts; a site
reviewer sees the candidate's name and number in the queue and beside the viewer, approves both identity
images and returns the application with a comment and a request for one more diploma page; the candidate
sees the check marks, no `删除` on them, the comment and the request at the top and on the diploma,
adds the page, and the application is back in the reviewer's queue. Desktop and phone."""

from __future__ import annotations

import io
import re

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.browser.pages import DIPLOMA, ID_CARD, PRACTICE, CandidatePage, ReviewerConsole
from tests.browser.photos import blurred_photo, document_photo, phone_photo

MAX_BYTES = 204800  # R8
PAGE_BUDGET = 150 * 1024  # JS + CSS the candidate page loads before a file is chosen
COMMENT = "身份证明已审核;请按审核意见补充材料后再提交。"
REQUEST = "请补充毕业证书第二页"

pytestmark = pytest.mark.localstack


def throttle_uploads(session, bytes_per_second: int) -> None:
    """Chromium's own network emulation: a slow phone uplink, so the progress bar is seen moving."""
    cdp = session.context.new_cdp_session(session.page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": bytes_per_second})
    return cdp


def api_page(stack, candidate: str, app_id: str) -> dict:
    response = requests.get(f"{stack.url}/applications/{app_id}", headers=stack.auth(candidate, ["candidate"]), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def upright_with_red_top_left(jpeg: bytes) -> tuple[int, int, tuple]:
    img = Image.open(io.BytesIO(jpeg)).convert("RGB")
    w, h = img.size
    side = min(w, h) // 5  # corpus.with_marker's block, scaled with the picture
    return w, h, img.crop((side // 4, side // 4, side * 3 // 4, side * 3 // 4)).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))


@pytest.mark.parametrize(("viewport", "candidate", "app_id"), [
    ((1280, 900), "cand-001", "app-2026-0001"),
    ((375, 812), "cand-003", "app-2026-0003"),
], ids=["desktop", "phone-375x812"])
def test_a_phone_photo_goes_in_and_the_review_comes_back(browser_session, stack, tmp_path, viewport, candidate, app_id):
    # Given: a phone photo as phones store it, and a few small ones
    photo = phone_photo(tmp_path / "IMG_0001.JPG")
    assert 1_200_000 < photo.stat().st_size < 2_000_000
    back, back_again, diploma, second_page = (document_photo(tmp_path / f"{kind}-{seed}.jpg", kind, seed) for kind, seed in (
        ("card back", 2), ("card back", 3), ("diploma", 4), ("text page", 6)))
    blurred = blurred_photo(tmp_path / "practice-proof.jpg")
    phone = viewport[0] < 600
    me = browser_session(viewport, prefix="candidate-", mobile=phone)
    page = CandidatePage(me, stack.url)

    # When: the candidate signs in from the picker and opens the application
    page.sign_in(candidate)
    expect(page.card(app_id).get_by_role("status")).to_have_text("填报")
    me.shot("applications")
    page.open_application(app_id)

    # Then: status top right, each material with its count, sample and add control
    expect(page.status()).to_have_text("填报")
    expect(page.count(ID_CARD)).to_have_text("0/2")
    expect(page.material(ID_CARD).get_by_role("img", name="示例图片: 身份证明")).to_be_visible()
    expect(page.file_input(ID_CARD)).to_have_count(1)
    me.shot("upload-page")
    loaded = me.script_and_style_bytes()
    print(f"JS + CSS before a file is chosen: {sum(loaded.values())} bytes in {len(loaded)} files: {loaded}")
    assert sum(loaded.values()) <= PAGE_BUDGET
    assert not any("photo.js" in url or "libheif" in url for url in loaded)  # loaded only when a photo is chosen

    # When: the 1.5 MB photo goes in through the file input, on a slow uplink
    cdp = throttle_uploads(me, 48 * 1024)
    page.upload(ID_CARD, photo)

    # Then: shrunk in the browser under 200 KB, before/after shown, progress moving
    me.page.wait_for_function("""() => {
        const bar = document.querySelector("section.material[data-type='id_card'] progress");
        return bar && bar.value > 0 && bar.value < 1; }""")
    sizes = page.sizes(ID_CARD).first
    expect(sizes).to_contain_text("KB")
    assert int(sizes.get_attribute("data-before")) == photo.stat().st_size
    assert 0 < int(sizes.get_attribute("data-after")) <= MAX_BYTES
    me.shot("uploading")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})

    # Then: the watermarked thumbnail appears by itself, upright (portrait, red block top left)
    page.wait_for_thumbnails(ID_CARD, 1)
    expect(page.count(ID_CARD)).to_have_text("1/2")
    expect(page.sizes(ID_CARD).first).to_contain_text("原图")  # what this tab compressed stays shown
    me.shot("watermarked")
    thumb = page.thumbnails(ID_CARD).first
    natural = thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    stored = requests.get(thumb.get_attribute("src"), timeout=10)
    width, height, red = upright_with_red_top_left(stored.content)
    assert natural == [width, height]
    assert height > width and max(width, height) <= 320 and len(stored.content) <= 24 * 1024  # the thumbnail
    assert red[0] > 150 and red[1] < 110 and red[2] < 110, red

    # When: the candidate taps the thumbnail; Then: the watermarked picture itself, upright, full size
    thumb.click()
    big = page.opened_picture()
    expect(big).to_be_visible()
    me.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=big.element_handle())
    full = requests.get(big.get_attribute("src"), timeout=10).content
    width, height, red = upright_with_red_top_left(full)
    assert big.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [width, height]
    assert height > width and min(width, height) >= 1000 and len(full) <= MAX_BYTES
    assert red[0] > 150 and red[1] < 110 and red[2] < 110, red
    me.shot("picture-opened")
    # When: a tap on the picture; Then: it is shown at its own size (the watermark's text reads), scrolled
    big.click()
    expect(me.page.get_by_role("dialog").get_by_role("button", name="适合屏幕")).to_have_attribute("aria-pressed", "true")
    assert big.evaluate("img => img.getBoundingClientRect().width") == width
    me.shot("picture-actual-size")
    page.close_picture()

    # When: a second identity image fills the slot
    page.upload(ID_CARD, back)
    page.wait_for_thumbnails(ID_CARD, 2)
    # Then: the add control is gone
    expect(page.count(ID_CARD)).to_have_text("2/2")
    expect(page.file_input(ID_CARD)).to_have_count(0)
    me.shot("slot-full")

    # When: one is deleted before review
    page.delete(page.delete_buttons(ID_CARD).nth(1))
    # Then
    expect(page.thumbnails(ID_CARD)).to_have_count(1)
    expect(page.file_input(ID_CARD)).to_have_count(1)
    expect(page.count(ID_CARD)).to_have_text("1/2")
    me.shot("deleted")

    # Given: everything required is there, the practice proof out of focus
    page.upload(ID_CARD, back_again)
    page.wait_for_thumbnails(ID_CARD, 2)
    page.upload(DIPLOMA, diploma)
    page.wait_for_thumbnails(DIPLOMA, 1)
    me.page.evaluate("window.sameDocument = true")  # gone if the page reloads
    page.upload(PRACTICE, blurred)
    page.wait_for_thumbnails(PRACTICE, 1)

    # Then: the blurred photo says so, with how to fix it in Chinese, without a reload; it still counts
    expect(page.warning_tags(PRACTICE, "BLURRY")).to_have_text("⚠ 模糊")
    (warning,) = next(i for m in api_page(stack, candidate, app_id)["materials"] if m["type"] == PRACTICE[0]
                      for i in m["images"])["quality"]["warnings"]
    assert warning["code"] == "BLURRY" and "模糊" in warning["messageZh"]
    expect(page.quality_hints(PRACTICE, "BLURRY")).to_contain_text(warning["messageZh"])
    assert me.page.evaluate("window.sameDocument") is True
    expect(page.count(PRACTICE)).to_have_text("1/1")
    expect(page.progress()).to_have_text("已提交,等待考点审核")
    me.shot("complete-with-a-blurred-photo")

    # When: the site reviewer opens it from the queue
    who = api_page(stack, candidate, app_id)["application"]
    desk = browser_session((1280, 900), prefix="reviewer-")
    console = ReviewerConsole(desk, stack.url).sign_in("site-1101")
    item = console.queue_item(app_id)
    # Then: the queue shows the name, the masked number, the image count; the console the full number
    expect(item.locator(".q-name")).to_have_text(who["candidateName"])
    expect(item.locator(".q-id")).to_have_text(who["idNumber"][:6] + "*" * 8 + who["idNumber"][-4:])
    expect(item.locator(".q-images")).to_have_text("4 张图片")
    expect(item.locator(".q-warn")).to_have_text("⚠ 1")
    desk.shot("queue")
    console.open(app_id)
    expect(console.who_card()).to_contain_text(who["candidateName"])
    expect(console.who_card().locator(".id-number")).to_have_text(who["idNumber"])
    console.claim()
    console.show_image(PRACTICE, 1)
    expect(console.image_hints().filter(has_text="模糊")).to_have_count(1)
    desk.shot("claimed-blurred-practice-proof")
    for n in (1, 2):
        console.show_image(ID_CARD, n)
        console.approve_image()
        expect(desk.page.locator(".strip").get_by_role("button", name=f"身份证明 {n}", exact=True)).to_have_class(
            re.compile(r"\bs-APPROVED\b"))
    desk.shot("approved-both")
    console.add_request(DIPLOMA, 1, REQUEST)
    console.return_application(COMMENT)
    expect(desk.page.locator(".who-card").get_by_role("status")).to_have_text("退回修改")
    desk.shot("returned")

    # Then: the candidate, told by SMS, comes back to the tab left open (an idle page has stopped polling,
    # README "Deadline day"): it polls at once and shows the return: check marks, no 删除 on them, the comment on top
    page.come_back()
    expect(page.status()).to_have_text("退回修改", timeout=15_000)
    expect(page.check_marks(ID_CARD)).to_have_count(2)
    expect(page.delete_buttons(ID_CARD)).to_have_count(0)
    expect(page.delete_buttons(DIPLOMA)).to_have_count(1)
    expect(page.notes()).to_contain_text(COMMENT)
    expect(page.requests_at_top()).to_contain_text(["学历证书:请补充 1 张 — " + REQUEST])
    expect(page.requested(DIPLOMA)).to_contain_text(REQUEST)
    assert page.notes().bounding_box()["y"] < page.material(ID_CARD).bounding_box()["y"]
    me.shot("returned-with-comment")

    # When: the candidate adds the second diploma page
    page.upload(DIPLOMA, second_page)
    page.wait_for_thumbnails(DIPLOMA, 2)
    # Then: the request is met and the application is back in the site's queue by itself, as a re-review
    expect(page.status()).to_have_text("填报", timeout=15_000)
    expect(page.progress()).to_have_text("已提交,等待考点审核")
    expect(page.notes()).to_have_count(0)
    expect(page.requested(DIPLOMA)).to_have_count(0)
    me.shot("request-met")
    desk.page.get_by_role("button", name="刷新").click()
    expect(console.queue_item(app_id).locator(".q-rereview")).to_have_text("复审")
    expect(console.queue_item(app_id).locator(".q-images")).to_have_text("5 张图片")
    expect(console.who_card().get_by_role("status")).to_have_text("填报")  # the open application follows
    expect(desk.page.locator(".strip .thumb")).to_have_count(5)
    desk.shot("back-in-queue")

    # And: nothing went wrong and nothing left this machine
    assert me.errors == [] and desk.errors == []
    assert me.http_errors == [] and desk.http_errors == []
    assert me.foreign_requests() == [] and desk.foreign_requests() == []
    assert any(":" in u and "/exam-materials-uploads" in u for u in me.urls)  # the POST went straight to S3 (moto)
