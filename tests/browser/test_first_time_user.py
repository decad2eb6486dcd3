"""What a first-time user tripped over, each fixed where they met it: a candidate on a 375 px phone
(and in WeChat's and Android's in-app browsers), a reviewer and the exam office at a desk.

- The candidate is told what to choose before choosing (JPG/PNG, compressed to 200 KB), and a PDF is
  refused as a PDF next to its material, not as "HEIC" in a bar at the top; a screenshot of the phone's
  picture viewer is not called 不完整; 删除 is a 44 px target that asks first; the keyboard focus stays
  in the material after an upload or a delete, and each step is announced (aria-live); an application
  that is not theirs says so, without 加载中… under it.
- The file input offers the camera and the gallery in the in-app browsers (only image types, no capture).
- The registration system's upload-page link survives the demo sign-in; README's curl registers it.
- A region's first review is not 复审; rejecting asks first, naming the candidate; a refusal speaks the
  reviewer's words; 户籍 reads 北京市; the 已保存 message covers no name.
- The office traces a reference as printed (#, spaces, lower case) and reads provinces by name.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import (
    approve_at_site,
    approved_application,
    register,
    replace_flagged,
    return_at_site,
    review_page,
    unique_name,
    upload_required,
)
from tests.browser.pages import (
    DIPLOMA,
    ID_CARD,
    CandidatePage,
    OfficePage,
    ReviewerConsole,
    open_with_token,
    sign_in,
)
from tests.browser.photos import document_photo, pdf_file, phone_screenshot

pytestmark = pytest.mark.localstack

PHONE, DESK = (375, 812), (1280, 900)
README = Path(__file__).resolve().parents[2] / "README.md"
WECHAT = ("Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
          "(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64")
ANDROID_WEBVIEW = ("Mozilla/5.0 (Linux; Android 12; SM-A525F Build/SP1A.210812.016; wv) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36")


def focused_material(page) -> str | None:
    """The material section the keyboard focus is in (None: on the page's top or nowhere)."""
    return page.evaluate("() => document.activeElement?.closest('section.material')?.dataset.type ?? null")


def overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_a_candidate_on_a_phone_knows_what_to_choose_where_it_went_wrong_and_keeps_their_place(
        browser_session, stack, tmp_path):
    # Given: a new application, opened on a phone
    app_id, candidate = f"app-web-first-{uuid.uuid4().hex[:8]}", f"cand-first-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate)
    me = browser_session(PHONE, prefix="candidate-", mobile=True)
    page = CandidatePage(me, stack.url)
    open_with_token(me, stack.url, stack.token(candidate, ["candidate"]))
    page.open_application(app_id)
    live = me.page.locator("#live")

    # Then: before a file is chosen, what to choose
    hint = page.material(ID_CARD).locator(".file-hint")
    expect(hint).to_have_text("JPG/PNG,手机照片会自动压缩到 200KB 以内")
    assert page.file_input(ID_CARD).get_attribute("aria-describedby").split()[0] == hint.get_attribute("id")

    # When: a PDF is chosen
    page.upload(ID_CARD, pdf_file(tmp_path / "身份证.pdf"))
    # Then: said next to the identity document, as a PDF, and nothing at the top
    error = page.material(ID_CARD).locator(".upload-error")
    expect(error).to_contain_text("不接受 PDF 文件")
    assert "HEIC" not in error.inner_text()
    expect(me.page.locator("#toast")).to_be_empty()
    expect(live).to_contain_text("身份证明:不接受 PDF 文件")
    assert error.bounding_box()["y"] > page.material(ID_CARD).locator(".tiles").bounding_box()["y"]
    me.shot("pdf-refused")

    # When: a photo is chosen with the keyboard (focus on the file input)
    page.file_input(ID_CARD).focus()
    page.upload(ID_CARD, document_photo(tmp_path / "front.jpg", "card front", 3))
    # Then: each step is announced, the error is gone, and the focus is still in the identity document
    expect(live).to_have_text(re.compile("^身份证明 第 1 张:已提交"), timeout=30_000)
    page.wait_for_thumbnails(ID_CARD, 1)
    expect(error).to_have_count(0)
    assert focused_material(me.page) == ID_CARD[0]
    me.shot("uploaded-focus-kept")

    # When: a screenshot of the phone's picture viewer, the diploma fit to the screen's width
    page.upload(DIPLOMA, phone_screenshot(tmp_path / "Screenshot_20260301.png"))
    page.wait_for_thumbnails(DIPLOMA, 1)
    # Then: no quality warning (not 不完整: the diploma touches the screen's edges, it is not cut off); the
    # machine pre-checks may still find it is no diploma (a drawn stand-in), which is theirs to say
    expect(page.material(DIPLOMA).locator(".warn-tag:not(.check-finding)")).to_have_count(0)
    expect(page.material(DIPLOMA)).not_to_contain_text("不完整")
    me.shot("screenshot-no-warning")

    # Then: 删除 is a thumb's target, and asks first, naming the picture
    delete = page.delete_buttons(ID_CARD).first
    box = delete.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    delete.click()
    question = me.page.get_by_role("dialog")
    expect(question).to_contain_text("删除身份证明 第 1 张?")
    expect(question.get_by_role("button", name="取消")).to_be_focused()
    me.shot("delete-question")
    question.get_by_role("button", name="取消").click()
    expect(question).to_have_count(0)
    expect(page.thumbnails(ID_CARD)).to_have_count(1)
    expect(page.delete_buttons(ID_CARD).first).to_be_focused()

    # When: deleted after all
    page.delete_buttons(ID_CARD).first.click()
    question.get_by_role("button", name="删除").click()
    # Then: gone, announced, and the focus on the identity document's add control, not the top of the page
    expect(page.thumbnails(ID_CARD)).to_have_count(0)
    expect(live).to_have_text("已删除身份证明 第 1 张")
    expect(page.file_input(ID_CARD)).to_be_focused()
    me.shot("deleted-focus-kept")

    # When: someone else's application, by its link
    me.page.goto(f"{stack.url}/#/app/app-2026-0001")
    # Then: it does not exist for them, and nothing is left loading
    expect(me.page.get_by_role("heading", name="未找到该报名")).to_be_visible()
    expect(me.page.get_by_text("加载中…")).to_have_count(0)
    expect(me.page.locator("#toast")).to_be_empty()
    expect(me.page.get_by_role("link", name="返回我的报名")).to_be_visible()
    me.shot("not-theirs")

    assert me.errors == [] and me.foreign_requests() == []
    assert {(status, url.split("/applications/")[-1]) for status, url in me.http_errors} <= {
        (404, "app-2026-0001/status"), (404, "app-2026-0001")}, me.http_errors


@pytest.mark.parametrize("agent", [WECHAT, ANDROID_WEBVIEW], ids=["wechat", "android-webview"])
def test_the_file_input_offers_the_camera_and_the_gallery_in_in_app_browsers(browser_session, stack, tmp_path, agent):
    # Given: the upload page in an in-app browser
    app_id, candidate = f"app-web-inapp-{uuid.uuid4().hex[:8]}", f"cand-inapp-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate)
    me = browser_session(PHONE, prefix="candidate-", mobile=True, user_agent=agent)
    assert "wv)" in me.page.evaluate("navigator.userAgent")
    page = CandidatePage(me, stack.url)
    open_with_token(me, stack.url, stack.token(candidate, ["candidate"]))
    page.open_application(app_id)

    # Then: the input asks for images only (the pickers then offer camera and gallery) and forces neither
    field = page.file_input(ID_CARD)
    accept = field.get_attribute("accept")
    assert accept and all(kind.strip().startswith("image/") for kind in accept.split(",")), accept
    assert field.get_attribute("capture") is None and field.get_attribute("multiple") is None

    # When: the add tile is tapped, the picker opens, a photo is chosen
    with me.page.expect_file_chooser() as chooser:
        page.material(ID_CARD).locator(".tile.add").tap()
    assert not chooser.value.is_multiple()
    chooser.value.set_files(str(document_photo(tmp_path / "IMG_20260301.jpg", "card back", 4)))
    # Then
    page.wait_for_thumbnails(ID_CARD, 1)
    me.shot("in-app-upload")
    assert me.errors == [] and me.http_errors == [] and me.foreign_requests() == []


def test_readme_registers_an_application_whose_link_survives_the_demo_sign_in(browser_session, stack):
    # Given: README's curl lines that register an application, run as written against the stack
    block = README.read_text(encoding="utf-8").split("## Try it with curl", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = block.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# 0. the registration system"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("# 1."))
    assert lines[0] == "API=http://127.0.0.1:3000"
    script = "\n".join([f"API={stack.url}", *lines[start:end]])
    out = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    registered = json.loads(out)
    assert registered["status"] == "DRAFT" and registered["candidateId"] == "cand-001"
    link = registered["uploadPageUrl"]
    assert link.endswith(f"/#/app/{registered['id']}")

    # When: the candidate follows the link and signs in as the demo candidate (through the issuer's consent)
    me = browser_session(PHONE, prefix="candidate-", mobile=True)
    sign_in(me, stack.url, "cand-001", path=link.removeprefix(stack.url))
    # Then: that application's upload page, not the list
    me.page.wait_for_url(re.compile(re.escape(f"#/app/{registered['id']}") + "$"))
    expect(me.page.locator("section.app-head")).to_contain_text(registered["id"])
    expect(me.page.locator("section.material").first).to_be_visible()
    me.shot("upload-page-after-sign-in")
    assert me.errors == [] and me.foreign_requests() == []


def test_a_region_s_first_review_rejecting_with_a_question_and_the_reviewer_s_words(browser_session, stack):
    # Given: an application the site returned once, fixed by the candidate and approved by the site
    app_id, candidate, name = f"app-web-region-{uuid.uuid4().hex[:8]}", f"cand-region-{uuid.uuid4().hex[:6]}", unique_name()
    person = register(stack, app_id, candidate, name=name)
    upload_required(stack, app_id, candidate)
    return_at_site(stack, app_id, "请重新上传学历证书。", revise=DIPLOMA[0])
    replace_flagged(stack, app_id, candidate)
    approve_at_site(stack, app_id)
    desk = browser_session(DESK, prefix="region-")
    open_with_token(desk, stack.url, stack.token("region-11", ["region_reviewer"], region="11"), "/review.html")
    console = ReviewerConsole(desk, stack.url)
    page = desk.page

    # Then: in the region's queue, and open, it is no re-review (the region has not seen it)
    expect(console.queue_item(app_id)).to_be_visible()
    expect(console.queue_item(app_id).locator(".q-rereview")).to_have_count(0)
    console.open(app_id)
    expect(console.who_card()).not_to_contain_text("复审")
    expect(console.who_card().locator("dd").filter(has_text="北京市").first).to_be_visible()
    expect(console.who_card()).to_contain_text("户籍北京市")
    expect(page.get_by_role("button", name="1:1 复原", exact=True)).to_be_visible()
    desk.shot("first-region-review")

    # When: rejected without a comment
    console.claim()
    page.get_by_role("button", name="审核不通过", exact=True).click()
    # Then: refused in the reviewer's words, at the foot of the window, covering nothing of who it is
    toast = page.locator("#toast .toast")
    expect(toast).to_contain_text("退回或不通过时须填写审核意见")
    assert not re.search(r"\(comment\)|R16|[A-Za-z]", toast.inner_text().rstrip("×")), toast.inner_text()
    assert not overlaps(toast.bounding_box(), console.who_card().locator("h2").bounding_box())
    expect(page.get_by_role("dialog")).to_have_count(0)
    desk.shot("comment-needed")

    # When: with a comment, then asked, and "取消"
    page.get_by_label(re.compile("^审核意见")).fill("不符合报考条件")
    page.get_by_role("button", name="审核不通过", exact=True).click()
    question = page.get_by_role("dialog")
    expect(question).to_contain_text(f"确定不通过 {name} 的报名?")
    expect(question).to_contain_text(person["idNumber"][:6] + "*" * 8 + person["idNumber"][-4:])
    expect(question).to_contain_text("最终决定")
    desk.shot("reject-question")
    question.get_by_role("button", name="取消").click()
    # Then: nothing happened
    expect(question).to_have_count(0)
    expect(console.who_card().get_by_role("status")).to_have_text("考点通过")
    assert review_page(stack, app_id)["application"]["status"] == "SITE_APPROVED"

    # When: asked again and confirmed
    page.get_by_role("button", name="审核不通过", exact=True).click()
    question.get_by_role("button", name="审核不通过").click()
    # Then: rejected; 已保存 shows and covers neither the name nor the number
    expect(console.who_card().get_by_role("status")).to_have_text("审核拒绝")
    expect(toast).to_contain_text("已保存")
    for part in (console.who_card().locator("h2"), console.who_card().locator(".id-number")):
        assert not overlaps(toast.bounding_box(), part.bounding_box())
    expect(console.who_card()).not_to_contain_text("复审")  # decided: no review of any kind
    desk.shot("rejected-saved")
    assert review_page(stack, app_id)["application"]["status"] == "REJECTED"
    assert desk.errors == [] and desk.foreign_requests() == []


def test_the_office_traces_a_reference_as_printed_and_reads_provinces_by_name(browser_session, stack):
    # Given: an approved application and one of its watermark references
    app_id, _, person = approved_application(stack, "trace")
    reference = next(i for m in review_page(stack, app_id)["materials"] for i in m["images"])["reference"]
    me = browser_session(DESK, prefix="office-")
    open_with_token(me, stack.url, stack.token("office", ["exam_office"]), "/office.html")
    office = OfficePage(me, stack.url)
    expect(office.chart_row("1101")).to_be_visible()

    # Then: the region filters name the provinces
    form = me.page.get_by_role("search")
    expect(form.get_by_label("考区").locator("option[value='11']")).to_have_text("北京市")
    expect(me.page.locator("#stats-region option[value='31']")).to_have_text("上海市")

    # When: the reference is typed as printed on the picture, then with spaces and in lower case
    for typed in (f"#{reference}", f" # {reference[:5].lower()} {reference[5:]} "):
        result = office.trace(typed)
        # Then: found
        expect(result).to_contain_text(app_id)
        expect(result.locator("code")).to_have_text(reference)
    me.shot("traced-as-printed")
    # When: what cannot be a reference: said at once, nothing asked of the API
    asked = len(me.urls)
    expect(office.trace("#12AB")).to_contain_text("水印编号是 8 到 16 位字母和数字")
    assert not any("/review/trace/" in u for u in me.urls[asked:])

    # When: the application is opened and its phase set
    office.search(person["idNumber"])
    office.row(app_id).get_by_role("button", name="查看").click()
    detail = office.detail()
    expect(detail.locator("dd").filter(has_text="北京市").first).to_be_visible()
    expect(detail).to_contain_text("户籍北京市")
    detail.get_by_role("button", name="设为 备考").click()
    # Then: 已保存, over none of the application's heading
    toast = me.page.locator("#toast .toast")
    expect(toast).to_contain_text("已保存")
    expect(detail.get_by_role("status")).to_have_text("备考")
    me.page.evaluate("document.querySelector('section.detail').scrollIntoView({block: 'start'})")
    assert not overlaps(toast.bounding_box(), detail.locator("h2").bounding_box())
    me.shot("phase-saved")
    assert me.errors == [] and me.http_errors == [] and me.foreign_requests() == []
    assert requests.get(f"{stack.url}/healthz", timeout=5).status_code == 200
