"""Page objects for the web client: what a person sees and does, by the accessible names the issue
fixes (`上传<name>`, thumbnails whose alt starts with the material name, `删除`, `已审核通过`, role
`status`). New fields of the API get a helper here, so tests stay readable."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Session

ID_CARD = ("id_card", "身份证明")
DIPLOMA = ("diploma", "学历证书")
PRACTICE = ("practice_proof", "试用期考核证明")


def sign_in(session: Session, base_url: str, sub: str, path: str = "/") -> Page:
    """The local sign-in picker: one button per demo user, each a login hint for the stack's OIDC issuer
    (the registration system's stand-in), whose consent page asks to authorise the account (R1)."""
    page = session.page
    page.goto(f"{base_url}{path}")
    button = page.locator(f"button.demo-user[data-sub='{sub}']")
    expect(button).to_be_visible()
    session.shot(f"sign-in-{sub}")
    button.click()
    consent(session)
    return page


def consent(session: Session, shot: bool = False) -> None:
    """The issuer's consent step: 同意并授权, then back to the web client with a code."""
    page = session.page
    page.wait_for_url(re.compile(r"/oidc/authorize\?"))
    agree = page.get_by_role("button", name="同意并授权")
    expect(agree).to_be_visible()
    if shot:
        session.shot("consent")
    agree.click()
    page.wait_for_url(lambda url: "/oidc/" not in url and "code=" not in url)


def open_with_token(session: Session, base_url: str, token: str, path: str = "/") -> Page:
    """Signed in by a token from POST /dev/token (the scripts' shortcut), put where the page keeps it:
    for tests of other things than signing in, as anyone (not only the demo users)."""
    page = session.page
    page.goto(f"{base_url}/healthz")
    page.evaluate("t => sessionStorage.setItem('token', t)", token)
    page.goto(f"{base_url}{path}")
    return page


class CandidatePage:
    def __init__(self, session: Session, base_url: str):
        self.session, self.page, self.base_url = session, session.page, base_url

    def sign_in(self, sub: str) -> CandidatePage:
        sign_in(self.session, self.base_url, sub)
        expect(self.page.get_by_role("heading", name="我的报名")).to_be_visible()
        return self

    def card(self, app_id: str) -> Locator:
        return self.page.locator(f"article.app-card[data-app='{app_id}']")

    def open_application(self, app_id: str) -> CandidatePage:
        self.card(app_id).get_by_role("link", name="上传相关材料").click()
        expect(self.page.locator("section.material").first).to_be_visible()
        return self

    def status(self) -> Locator:
        """The application's status label, top right of its card (R19)."""
        return self.page.locator("section.app-head").get_by_role("status")

    def notes(self) -> Locator:
        return self.page.locator("section.notes")

    def progress(self) -> Locator:
        """The progress in words (`application.progress.label`)."""
        return self.page.locator("section.app-head .progress-words")

    def requests_at_top(self) -> Locator:
        """Return requests ("add N more of type") listed in the comments at the top."""
        return self.notes().locator("li.request")

    def requested(self, material: tuple[str, str]) -> Locator:
        """A return request on its material (`requested: {count, note}`)."""
        return self.material(material).locator(".requested")

    def warning_tags(self, material: tuple[str, str], code: str) -> Locator:
        """The short warning on a thumbnail (e.g. `⚠ 模糊`)."""
        return self.material(material).locator(f".tile .warn-tag[data-code='{code}']")

    def quality_hints(self, material: tuple[str, str], code: str) -> Locator:
        """A quality warning with its how-to-fix text, under the material's thumbnails."""
        return self.material(material).get_by_role("note").locator(f"li[data-code='{code}']")

    def material(self, material: tuple[str, str]) -> Locator:
        return self.page.locator(f"section.material[data-type='{material[0]}']")

    def file_input(self, material: tuple[str, str]) -> Locator:
        return self.page.get_by_label(f"上传{material[1]}")

    def thumbnails(self, material: tuple[str, str]) -> Locator:
        return self.material(material).get_by_role("img", name=re.compile(f"^{re.escape(material[1])}"))

    def picture_link(self, material: tuple[str, str]) -> Locator:
        """The first thumbnail's link: the full picture's address, opened in the viewer by a tap."""
        return self.material(material).locator("a.open-picture").first

    def opened_picture(self) -> Locator:
        """The full picture of the thumbnail tapped, in the viewer over the page."""
        return self.page.get_by_role("dialog").get_by_role("img")

    def close_picture(self) -> None:
        self.page.get_by_role("dialog").get_by_role("button", name="关闭").click()
        expect(self.page.get_by_role("dialog")).to_have_count(0)

    def delete_buttons(self, material: tuple[str, str]) -> Locator:
        return self.material(material).get_by_role("button", name="删除", exact=True)

    def delete(self, button: Locator) -> None:
        """删除, and yes to the question that follows."""
        button.click()
        question = self.page.get_by_role("dialog")
        question.get_by_role("button", name="删除", exact=True).click()
        expect(question).to_have_count(0)

    def upload_errors(self) -> Locator:
        """Why a chosen file was not taken, said next to its material."""
        return self.page.locator("section.material .upload-error")

    def check_marks(self, material: tuple[str, str]) -> Locator:
        return self.material(material).get_by_role("img", name="已审核通过", exact=True)

    def count(self, material: tuple[str, str]) -> Locator:
        return self.material(material).locator(".count")

    def sizes(self, material: tuple[str, str]) -> Locator:
        """Before/after sizes of what this tab compressed and uploaded (data-before / data-after bytes)."""
        return self.material(material).locator(".sizes")

    def upload(self, material: tuple[str, str], path) -> None:
        self.file_input(material).set_input_files(str(path))

    def come_back(self) -> None:
        """The candidate comes back to the tab (a reviewer's SMS, photos sent from the phone): the browser
        says the page is visible again, and an idle page, which stops polling after its look, polls at once."""
        self.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    def wait_for_thumbnails(self, material: tuple[str, str], count: int, timeout: float = 30_000) -> None:
        """Without a reload: the page polls the status and refreshes itself."""
        expect(self.thumbnails(material)).to_have_count(count, timeout=timeout)
        expect(self.material(material).locator(".tile.uploading")).to_have_count(0, timeout=timeout)


class ReviewerConsole:
    def __init__(self, session: Session, base_url: str):
        self.session, self.page, self.base_url = session, session.page, base_url

    def sign_in(self, sub: str) -> ReviewerConsole:
        sign_in(self.session, self.base_url, sub)
        self.page.wait_for_url(re.compile(r"/review\.html"))
        expect(self.page.get_by_role("heading", name=re.compile("待审队列"))).to_be_visible()
        return self

    def queue_item(self, app_id: str) -> Locator:
        return self.page.locator(f"button.queue-item[data-app='{app_id}']")

    def open(self, app_id: str) -> ReviewerConsole:
        self.queue_item(app_id).click()
        expect(self.page.locator(".who-card")).to_contain_text(app_id)
        return self

    def claim(self) -> None:
        self.page.get_by_role("button", name=re.compile("^领取")).click()
        expect(self.page.locator(".claim-who")).to_contain_text("我正在审核")

    def show_image(self, material: tuple[str, str], n: int) -> None:
        self.page.locator(".strip").get_by_role("button", name=f"{material[1]} {n}", exact=True).click()
        expect(self.page.locator(".viewer-title")).to_contain_text(f"{material[1]} 第 {n} 张")

    def approve_image(self) -> None:
        self.page.get_by_role("button", name=re.compile("^通过此图")).click()

    def image_status(self) -> Locator:
        return self.page.locator(".image-facts .pill")

    def queue_names(self) -> list[str]:
        """The queue as shown, in order: the candidates' names."""
        return self.page.locator(".queue-item .q-name").all_inner_texts()

    def queue_warning_counts(self) -> list[int]:
        """Each queue item's number of quality warnings as shown (0 when it shows none)."""
        return [int(item.locator(".q-warn").inner_text().strip("⚠ ")) if item.locator(".q-warn").count() else 0
                for item in self.page.locator(".queue-item").all()]

    def sort_queue(self, by: str) -> None:
        """`队列顺序`, `等待最久` or `提示最多`."""
        button = self.page.get_by_role("group", name="排序").get_by_role("button", name=by)
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")

    def who_card(self) -> Locator:
        """The candidate's name and full identity number, beside the viewer on a wide screen."""
        return self.page.locator(".who-card")

    def viewer(self) -> Locator:
        return self.page.locator(".viewer-card")

    def image_hints(self) -> Locator:
        """The shown image's quality warnings and near-duplicates in other applications."""
        return self.page.locator(".viewer .hints li")

    def reference(self) -> str:
        """The shown image's watermark reference."""
        return self.page.locator(".image-facts .reference code").inner_text()

    def add_request(self, material: tuple[str, str], count: int, note: str) -> None:
        """A return request: "add `count` more images of `material`" (sent with the next return)."""
        self.page.get_by_role("button", name=re.compile("要求补充材料")).click()
        row = self.page.locator(".request-row").last
        row.get_by_label("补充材料类型").select_option(material[0])
        row.get_by_label("补充张数").fill(str(count))
        row.get_by_label("补充说明").fill(note)

    def return_application(self, comment: str) -> None:
        self.page.get_by_label(re.compile("^审核意见")).fill(comment)
        self.page.get_by_role("button", name="退回修改", exact=True).click()


class OfficePage:
    def __init__(self, session: Session, base_url: str):
        self.session, self.page, self.base_url = session, session.page, base_url

    def sign_in(self) -> OfficePage:
        sign_in(self.session, self.base_url, "office")
        self.page.wait_for_url(re.compile(r"/office\.html"))
        expect(self.page.get_by_role("heading", name="查询报名")).to_be_visible()
        return self

    def search(self, q: str = "", status: str | None = None, region: str | None = None, site: str | None = None) -> None:
        """By identity number, name or application id; the status by its label (e.g. `备考`), region and
        site by code; a filter not given is set to all."""
        form = self.page.get_by_role("search")
        form.get_by_role("searchbox").fill(q)
        form.get_by_label("状态").select_option(**({"label": status} if status else {"value": ""}))
        form.get_by_label("考区").select_option(region or "")
        form.get_by_label("考点").select_option(site or "")
        form.get_by_role("button", name="查询").click()

    def results(self) -> Locator:
        return self.page.locator("table.results tbody tr")

    def row(self, app_id: str) -> Locator:
        return self.page.locator(f"table.results tr[data-app='{app_id}']")

    def detail(self) -> Locator:
        return self.page.locator("section.detail")

    def chart_row(self, site: str) -> Locator:
        return self.page.locator(f"#stats-body .chart-row[data-site='{site}']")

    def chart_segment(self, site: str, code: str) -> Locator:
        return self.chart_row(site).locator(f".chart-seg[data-code='{code}']")

    def chart_by(self, label: str) -> None:
        """`按状态` or `按进度`."""
        self.page.get_by_role("group", name="图表分组").get_by_role("button", name=label).click()

    def trace(self, reference: str) -> Locator:
        self.page.get_by_label("水印上的编号").fill(reference)
        self.page.get_by_role("button", name="追溯").click()
        return self.page.locator("#trace-result")
