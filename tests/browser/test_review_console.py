"""The reviewer console with the keyboard, as a reviewer works all day: the queue with each candidate's
name, masked identity number, image count and quality hints, sortable; the name and full number beside
the viewer; look through the images (next, zoom, rotate the view), see a blurred one flagged, approve
one, ask for a new one with a reason code and a note, return the application; the candidate sees why
at the top and on the image, replaces it, and the application goes back into review by itself. Also:
the page in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.api_steps import upload_required
from tests.browser.pages import DIPLOMA, ID_CARD, CandidatePage, ReviewerConsole
from tests.browser.photos import document_jpeg, document_photo

APP, CANDIDATE = "app-2026-0002", "cand-002"  # region 31 / site 3101 (demo data)
NOTE = "毕业证书反光,请在室内重拍"
COMMENT = "请按要求重新上传学历证书。"

pytestmark = pytest.mark.localstack


def test_reviewer_flags_an_image_with_the_keyboard_and_the_candidate_replaces_it(browser_session, stack, tmp_path):
    # Given: an application with everything required, waiting in site 3101's queue
    upload_required(stack, APP, CANDIDATE, photos={"diploma": document_jpeg("diploma", 21, blur=0.006)})
    desk = browser_session((1280, 900), prefix="reviewer-")
    console = ReviewerConsole(desk, stack.url).sign_in("site-3101")
    page = desk.page

    # Then: the queue shows who, how many images, how long it waits and the quality hints
    item = console.queue_item(APP)
    expect(item.locator(".q-name")).to_have_text("李娜")
    expect(item.locator(".q-id")).to_have_text("320102********0027")
    expect(item.locator(".q-images")).to_have_text("5 张图片")  # region 31, non-local: 居住证明 too
    expect(item.locator(".q-wait")).to_contain_text("等待")
    expect(item.locator(".q-warn")).to_have_text("⚠ 1")
    console.sort_queue("提示最多")
    counts = console.queue_warning_counts()
    assert counts == sorted(counts, reverse=True) and 1 in counts
    console.sort_queue("队列顺序")

    # And: the name and the full number beside the large viewer, the blurred diploma flagged
    console.open(APP)
    expect(console.who_card().get_by_role("heading")).to_contain_text("李娜")
    expect(console.who_card().locator(".id-number")).to_have_text("320102199205120027")
    who, viewer = console.who_card().bounding_box(), console.viewer().bounding_box()
    assert who["x"] >= viewer["x"] + viewer["width"] and who["y"] < viewer["y"] + viewer["height"], (who, viewer)
    console.show_image(DIPLOMA, 1)
    expect(console.image_hints().and_(page.locator("[data-code='BLURRY']"))).to_contain_text("照片模糊")
    assert len(console.reference()) >= 8
    desk.shot("name-number-and-blur-hint")
    console.show_image(ID_CARD, 1)

    # When: the reviewer works with the keyboard
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_have_attribute("open", "")
    expect(page.locator("#shortcuts")).to_contain_text("通过当前图片")
    desk.shot("shortcuts")
    page.keyboard.press("j")
    expect(page.locator(".viewer-title")).to_have_text("身份证明 第 2 张(共 2 张)")
    page.keyboard.press("r")
    expect(page.locator("#big")).to_have_attribute("style", re.compile(r"rotate\(90deg\)"))
    before = page.locator("#big").bounding_box()["height"]
    page.keyboard.press("+")
    assert page.locator("#big").bounding_box()["height"] > before
    desk.shot("rotated-zoomed")
    page.keyboard.press("0")
    page.keyboard.press("c")
    expect(page.locator(".claim-who")).to_contain_text("我正在审核")
    page.keyboard.press("a")  # approve identity image 2
    expect(page.locator(".strip").get_by_role("button", name="身份证明 2", exact=True)).to_have_class(re.compile(r"\bs-APPROVED\b"))

    console.show_image(DIPLOMA, 1)
    page.keyboard.press("x")
    expect(page.get_by_label("原因")).to_be_focused()
    page.get_by_label("原因").select_option("GLARE")
    page.get_by_label("备注").fill(NOTE)
    page.get_by_role("button", name=re.compile("^要求重传")).click()
    expect(console.image_status()).to_have_class(re.compile(r"\bs-NEEDS_REVISION\b"))
    console.return_application(COMMENT)
    expect(page.locator(".who-card").get_by_role("status")).to_have_text("退回修改")
    desk.shot("returned")

    # Then: the candidate sees why, at the top and on the image, and may replace it
    me = browser_session((375, 812), prefix="candidate-", mobile=True)
    cand = CandidatePage(me, stack.url).sign_in(CANDIDATE).open_application(APP)
    expect(cand.status()).to_have_text("退回修改")
    expect(cand.notes()).to_contain_text(COMMENT)
    expect(cand.notes()).to_contain_text("反光")  # the reason's how-to-fix text
    flagged = cand.material(DIPLOMA).locator(".tile.s-NEEDS_REVISION")
    expect(flagged).to_contain_text(NOTE)
    expect(flagged.get_by_role("button", name="删除", exact=True)).to_have_count(1)
    expect(cand.check_marks(ID_CARD)).to_have_count(1)
    me.shot("returned")

    # When: the candidate replaces the flagged image
    cand.delete(flagged.get_by_role("button", name="删除", exact=True))
    expect(flagged).to_have_count(0)
    cand.upload(DIPLOMA, document_photo(tmp_path / "diploma.jpg", "diploma", 9))
    cand.wait_for_thumbnails(DIPLOMA, 1)

    # Then: back to 填报 and into the queue by itself (R17), the comment gone from the top
    expect(cand.status()).to_have_text("填报")
    expect(cand.notes()).to_have_count(0)
    me.shot("resubmitted")
    console.page.get_by_role("button", name="刷新").click()
    expect(console.queue_item(APP)).to_be_visible()

    # And: English on request
    me.page.get_by_role("button", name="English").click()
    expect(me.page.get_by_role("heading", name=re.compile("^Identity document"))).to_be_visible()
    expect(me.page.get_by_label("Upload Diploma")).to_have_count(1)
    expect(cand.status()).to_have_text("Filling in")
    me.shot("english")
    me.page.get_by_role("button", name="中文").click()
    expect(cand.status()).to_have_text("填报")

    assert me.errors == [] and desk.errors == []
    assert me.http_errors == [] and desk.http_errors == []
    assert me.foreign_requests() == [] and desk.foreign_requests() == []
