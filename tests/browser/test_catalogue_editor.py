"""The exam office edits the requirement catalogue on its page (api-contract.md "Third release", "The exam
season runs without a developer"): a material added at a site with a sample picture, seen in the preview
of the candidate's page, then no longer asked for after a confirmation; each change a new version with
who made it. Site 3101 and an optional material: the other browser tests' applications are unaffected
(they register in site 1101, and an application keeps the version it was registered under)."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.pages import OfficePage
from tests.browser.photos import small_photo

pytestmark = pytest.mark.localstack


def catalogue(stack) -> dict:
    response = requests.get(f"{stack.url}/catalogue", headers=stack.auth("office", ["exam_office"]), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_office_adds_a_material_for_a_site_with_a_sample_previews_it_and_removes_it(browser_session, stack, tmp_path):
    # Given: the office's page, and the catalogue's version now (a reused stack may have had changes)
    before = catalogue(stack)["version"]
    code = f"letter_{uuid.uuid4().hex[:6]}"
    me = browser_session((1280, 900))
    office = OfficePage(me, stack.url).sign_in()
    editor = office.page.locator("#catalogue-body")
    expect(editor.locator(".catalogue-version")).to_contain_text(f"第 {before} 版")

    # When: it opens site 3101's scope and adds an optional material for non-local candidates, with a sample
    editor.get_by_label("范围").select_option("site-3101")
    expect(editor.locator("tr[data-type='residence_permit']")).to_contain_text("户籍不在 31")  # inherited from the region
    editor.get_by_role("button", name="+ 新增材料").click()
    form = editor.locator("#material-form")
    form.get_by_label("材料代码").fill(code)
    form.get_by_label("名称(中文)").fill("单位同意报考证明")
    form.get_by_label("名称(英文)").fill("Employer's consent letter")
    form.get_by_label("说明(中文)").fill("在职人员上传所在单位出具的同意报考证明,加盖公章。")
    form.get_by_label("最少张数").fill("0")
    form.get_by_label("最多张数").fill("2")
    form.get_by_label("适用考生").select_option("notLocal")
    form.locator("input[type=file]").set_input_files(str(small_photo(tmp_path / "sample.jpg")))
    expect(form.locator("figure.sample-new img")).to_be_visible()
    me.shot("material-form")
    form.get_by_role("button", name="保存").click()

    # Then: a new version, the row at this level, by the office
    expect(office.page.locator(".toast")).to_contain_text(f"已保存为第 {before + 1} 版")
    row = editor.locator(f"tr[data-type='{code}']")
    expect(row).to_contain_text("单位同意报考证明")
    expect(row).to_contain_text("0–2")
    expect(row).to_contain_text("本级")
    expect(editor.locator(".catalogue-version")).to_contain_text(f"第 {before + 1} 版")
    me.shot("material-added")
    after = catalogue(stack)
    assert after["version"] == before + 1 and after["changedBy"] == "office"
    added = after["sites"]["3101"]["materials"][code]
    assert added["when"] == {"householdRegionNotIn": ["31"]} and added["sample"].startswith(f"{code}/")

    # When: it previews the candidate's page for site 3101, a non-local candidate (household 11), then a local one
    preview_form = editor.locator("form.preview-form")
    preview_form.get_by_label("考区").select_option("31")
    preview_form.get_by_label("考点").select_option("3101")
    preview_form.get_by_label("户籍所在地").select_option("11")
    preview_form.get_by_role("button", name="预览").click()
    card = editor.locator(f".preview-page section.material[data-type='{code}']")
    expect(card).to_contain_text("单位同意报考证明")
    expect(card).to_contain_text("选传")
    expect(card.locator("figure.sample img")).to_be_visible()
    assert card.locator("figure.sample img").evaluate("img => img.complete && img.naturalWidth > 0")
    card.scroll_into_view_if_needed()
    me.shot("preview-non-local")
    preview_form.get_by_label("户籍所在地").select_option("31")
    preview_form.get_by_role("button", name="预览").click()
    expect(editor.locator(".preview-page")).to_contain_text("户籍所在地 31")
    expect(card).to_have_count(0)

    # When: it no longer asks for it: a question naming the material and the scope first
    row.get_by_role("button", name="不再要求").click()
    question = office.page.get_by_role("dialog")
    expect(question).to_contain_text("不再要求“单位同意报考证明”?")
    expect(question).to_contain_text("上海市黄浦区考点")
    me.shot("remove-question")
    # answered no: nothing changed
    question.get_by_role("button", name="取消").click()
    expect(question).to_have_count(0)
    assert catalogue(stack)["version"] == before + 1
    # answered yes
    row.get_by_role("button", name="不再要求").click()
    office.page.get_by_role("dialog").get_by_role("button", name="不再要求").click()

    # Then: another version, the material gone from the scope, the history naming both changes
    expect(office.page.locator(".toast")).to_contain_text(f"已保存为第 {before + 2} 版")
    expect(editor.locator(f"tr[data-type='{code}']")).to_have_count(0)
    editor.locator("details.history-list summary").click()
    history = editor.locator("details.history-list li")
    expect(history.first).to_contain_text(f"第 {before + 2} 版")
    expect(history.first).to_contain_text(f"不再要求 site-3101 / {code}")
    expect(history.nth(1)).to_contain_text(f"设置 site-3101 / {code}")
    me.shot("material-removed")
    assert code not in catalogue(stack)["sites"]["3101"].get("materials", {})
    assert not me.errors, me.errors

