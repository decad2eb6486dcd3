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


def sign_in(session: Session, base_url: str, sub: str) -> Page:
    """The local sign-in picker: one button per demo user."""
    page = session.page
    page.goto(f"{base_url}/")
    button = page.locator(f"button.demo-user[data-sub='{sub}']")
    expect(button).to_be_visible()
    session.shot(f"sign-in-{sub}")
    button.click()
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

    # Second-release fields (api-contract.md), shown when the API sends them:
    def progress(self) -> Locator:
        """The progress in words (`application.progress.label`, or the status's own words)."""
        return self.page.locator("section.app-head .progress-words")

    def requests_at_top(self) -> Locator:
        """Return requests ("add N more of type") listed in the comments at the top."""
        return self.notes().locator("li.request")

    def requested(self, material: tuple[str, str]) -> Locator:
        """A return request on its material (`requested: {count, note}`)."""
        return self.material(material).locator(".requested")

    def quality_warnings(self, material: tuple[str, str]) -> Locator:
        return self.material(material).locator(".tile .warn")

    def material(self, material: tuple[str, str]) -> Locator:
        return self.page.locator(f"section.material[data-type='{material[0]}']")

    def file_input(self, material: tuple[str, str]) -> Locator:
        return self.page.get_by_label(f"上传{material[1]}")

    def thumbnails(self, material: tuple[str, str]) -> Locator:
        return self.material(material).get_by_role("img", name=re.compile(f"^{re.escape(material[1])}"))

    def delete_buttons(self, material: tuple[str, str]) -> Locator:
        return self.material(material).get_by_role("button", name="删除", exact=True)

    def check_marks(self, material: tuple[str, str]) -> Locator:
        return self.material(material).get_by_role("img", name="已审核通过", exact=True)

    def count(self, material: tuple[str, str]) -> Locator:
        return self.material(material).locator(".count")

    def sizes(self, material: tuple[str, str]) -> Locator:
        """Before/after sizes of what this tab compressed and uploaded (data-before / data-after bytes)."""
        return self.material(material).locator(".sizes")

    def upload(self, material: tuple[str, str], path) -> None:
        self.file_input(material).set_input_files(str(path))

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
        """The queue, in order: the candidate's name (or id until names land)."""
        return self.page.locator(".queue-item .q-name").all_inner_texts()

    def add_request(self, material: tuple[str, str], count: int, note: str) -> None:
        """A return request: "add `count` more images of `material`" (sent with the next return)."""
        self.page.get_by_role("button", name=re.compile("要求补充材料")).click()
        row = self.page.locator(".request-row").last
        row.get_by_role("combobox").select_option(material[0])
        row.get_by_label("张数").fill(str(count))
        row.get_by_label("备注").fill(note)

    def return_application(self, comment: str) -> None:
        self.page.get_by_label(re.compile("^审核意见")).fill(comment)
        self.page.get_by_role("button", name="退回修改", exact=True).click()
