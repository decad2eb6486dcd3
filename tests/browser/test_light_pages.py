"""Light pages on a phone on a slow network: the candidate's page with six images, at 375x812 with
Chromium's own network emulation (1.6 Mbps down, 750 kbps up, 150 ms round trip) and the CPU slowed
4x, transfers at most 250 KB in all and shows every thumbnail within 3 s (the median of three visits
with an empty cache: printed and written to artifacts/test_light_pages/figures.json, not asserted, as
the GUIDE wants speed kept out of tests); no full-size picture is fetched until one is tapped; a reload a moment later
fetches no image again (the links are the distribution's signed URLs, the same within their window, and
the stack's stand-in for it, as strict as CloudFront (local.cdn), answers them with the object's own
Cache-Control).

The context here has no Playwright route: a routed context bypasses the browser's HTTP cache, which is
what the reload measures. What went over the network is read from Chromium's DevTools protocol."""

from __future__ import annotations

import json
import statistics
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.api_steps import register, wait_for
from tests.browser.axe import assert_accessible
from tests.browser.conftest import ARTIFACTS, LOOPBACK, Session
from tests.browser.pages import CandidatePage, open_with_token
from tests.browser.photos import document_jpeg

pytestmark = pytest.mark.localstack

PHONE = (375, 812)
SLOW = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4
BUDGET_BYTES = 250 * 1024
THUMBNAILS_WITHIN_MS = 3000
VISITS = 3
# Six pictures as phones send them (1280x960 photos of documents): a page that showed the pictures
# themselves would download ~700 KB of them.
SIX = (("id_card", ("card front", 3)), ("id_card", ("card back", 4)), ("diploma", ("diploma", 5)),
       ("diploma", ("text page", 9)), ("practice_proof", ("certificate", 6)), ("other", ("text page", 8)))


@dataclass
class Network:
    """What Chromium's network stack did, from the DevTools protocol: per request its URL, the bytes
    that came over the wire (headers and body), and whether the answer came from the browser's cache."""
    requests: dict[str, dict] = field(default_factory=dict)

    def listen(self, cdp) -> None:
        def one(event) -> dict:
            return self.requests.setdefault(event["requestId"], {"bytes": 0, "cached": False, "status": None})

        cdp.on("Network.requestWillBeSent", lambda e: one(e).update(url=e["request"]["url"]))
        cdp.on("Network.requestServedFromCache", lambda e: one(e).update(cached=True))
        cdp.on("Network.responseReceived", lambda e: one(e).update(
            status=e["response"]["status"], cache_control=e["response"]["headers"].get("cache-control")
            or e["response"]["headers"].get("Cache-Control"),
            cached=one(e)["cached"] or e["response"].get("fromDiskCache", False)))
        cdp.on("Network.loadingFinished", lambda e: one(e).update(bytes=e["encodedDataLength"]))

    def clear(self) -> None:
        self.requests.clear()

    def total_bytes(self) -> int:
        return sum(r["bytes"] for r in self.requests.values())

    def pictures(self, thumbnails: bool) -> list[dict]:
        """Requests for stored pictures (thumbnails, or the full-size ones)."""
        return [r for r in self.requests.values() if "/materials/" in r.get("url", "")
                and r["url"].split("?")[0].endswith(".thumb.jpg") == thumbnails]

    def fetched(self, rows: list[dict]) -> list[str]:
        """The ones the network answered (not the browser's cache)."""
        return [r["url"] for r in rows if not r["cached"] and r["bytes"] > 0]


def upload_six(stack, app_id: str, candidate: str) -> None:
    headers = stack.auth(candidate, ["candidate"])
    for material, (kind, seed) in SIX:
        reserved = requests.post(f"{stack.url}/applications/{app_id}/materials/{material}/images",
                                 json={"contentType": "image/jpeg"}, headers=headers, timeout=10)
        assert reserved.status_code in (200, 201), reserved.text
        upload = reserved.json()["upload"]
        posted = requests.post(upload["url"], data=upload["fields"], timeout=10,
                               files={"file": ("photo.jpg", document_jpeg(kind, seed), "image/jpeg")})
        assert posted.status_code in (200, 201, 204), posted.text

    def submitted():
        page = requests.get(f"{stack.url}/applications/{app_id}", headers=headers, timeout=10).json()
        images = [i for m in page["materials"] for i in m["images"]]
        return images if len(images) == 6 and all(i["status"] == "SUBMITTED" for i in images) else None

    images = wait_for(submitted, f"{app_id}'s six images to be processed", timeout=60)
    assert sum(i["bytes"] for i in images) > 2 * BUDGET_BYTES  # the pictures themselves would not fit


def phone(chromium, shots_dir, prefix: str) -> tuple[Session, object, Network]:
    """A new phone with an empty cache, slowed as the issue says; every request recorded."""
    context = chromium.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, locale="zh-CN",
                                   device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    session = Session(context, page, shots_dir, prefix)
    page.on("request", lambda r: session.urls.append(r.url))
    page.on("pageerror", lambda e: session.errors.append(f"pageerror: {e}"))
    page.set_default_timeout(30_000)
    cdp = context.new_cdp_session(page)
    network = Network()
    network.listen(cdp)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return session, cdp, network


def thumbnails_shown_ms(session: Session) -> float:
    """Milliseconds from the navigation's start until all six thumbnails are decoded and laid out (the
    poll runs every 50 ms: a figure at most that late, never early)."""
    handle = session.page.wait_for_function("""() => {
        const imgs = [...document.querySelectorAll('section.material .tile:not(.sample) img')];
        return imgs.length === 6 && imgs.every(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)
            && performance.now();
    }""", polling=50, timeout=30_000)
    return handle.json_value()


def signed_window(url: str) -> str:
    return parse_qs(urlsplit(url).query)["Expires"][0]


def test_a_phone_on_a_slow_network_opens_the_page_of_six_images_light_and_at_once(chromium, stack):
    shots_dir = ARTIFACTS / "test_light_pages"
    shots_dir.mkdir(parents=True, exist_ok=True)
    for old in shots_dir.glob("*.png"):
        old.unlink()
    app_id, candidate = f"app-light-{uuid.uuid4().hex[:8]}", f"cand-light-{uuid.uuid4().hex[:6]}"
    register(stack, app_id, candidate)
    upload_six(stack, app_id, candidate)
    token = stack.token(candidate, ["candidate"])
    times, transfers = [], []

    for visit in range(1, VISITS + 1):
        for attempt in range(2):  # a second try only when the reload fell into the links' next window
            session, cdp, network = phone(chromium, shots_dir, f"visit{visit}-")
            try:
                open_with_token(session, stack.url, token, path="/healthz")
                network.clear()

                # When: the candidate opens the page (an empty cache, a slow phone on a slow network)
                session.page.goto(f"{stack.url}/#/app/{app_id}")
                shown = thumbnails_shown_ms(session)
                page = CandidatePage(session, stack.url)
                first = [page.page.locator("section.material .tile:not(.sample) img").nth(k).get_attribute("src")
                         for k in range(6)]

                # Then: six thumbnails, no full-size picture, everything within the budget
                thumbs = network.pictures(thumbnails=True)
                assert len(network.fetched(thumbs)) == 6, thumbs
                assert all((r.get("cache_control") or "").startswith("private, max-age=") for r in thumbs), thumbs
                assert network.pictures(thumbnails=False) == []
                transfer = network.total_bytes()
                parts = {"thumbnails": sum(r["bytes"] for r in thumbs),
                         "samples": sum(r["bytes"] for r in network.requests.values() if "/samples/" in r.get("url", ""))}
                assert not session.errors, session.errors
                if visit == 1 and attempt == 0:
                    session.shot("thumbnails")
                    assert_accessible(session, "six-thumbnails")

                # When: the page is reloaded a moment later
                network.clear()
                session.page.reload()
                thumbnails_shown_ms(session)
                again = [page.page.locator("section.material .tile:not(.sample) img").nth(k).get_attribute("src")
                         for k in range(6)]
                if again != first:  # the links' window turned between the two reads: a new pair
                    assert {signed_window(u) for u in again} != {signed_window(u) for u in first}
                    continue
                # Then: no picture comes over the network again
                assert network.pictures(thumbnails=True), "the reload showed no thumbnail"
                assert network.fetched(network.pictures(thumbnails=True)) == []
                assert network.pictures(thumbnails=False) == []

                # When: the candidate taps one; Then: that picture (and only it) is fetched, full size
                network.clear()
                page.page.locator("section.material .tile:not(.sample) a.open-picture").first.tap()
                big = page.opened_picture()
                expect(big).to_be_visible()
                session.page.wait_for_function("img => img.complete && img.naturalWidth >= 960", arg=big.element_handle())
                full = network.fetched(network.pictures(thumbnails=False))
                assert len(full) == 1 and network.fetched(network.pictures(thumbnails=True)) == [], network.requests
                if visit == 1:
                    session.shot("tapped-to-enlarge")
                    assert_accessible(session, "picture-opened")
                    big.tap()
                    session.shot("tapped-again-actual-size")
                assert not [u for u in session.urls if urlsplit(u).hostname not in LOOPBACK
                            and urlsplit(u).scheme in ("http", "https")]
                times.append(shown)
                transfers.append(transfer)
                breakdown = {**parts, "the rest (HTML, JS, CSS, API)": transfer - sum(parts.values())}
                break
            finally:
                cdp.detach()
                session.context.close()
        else:
            pytest.fail("the links' window turned during both tries")

    print(f"thumbnails shown after {', '.join(f'{t:.0f}' for t in times)} ms (median {statistics.median(times):.0f}); "
          f"transferred {', '.join(f'{b / 1024:.1f}' for b in transfers)} KB; the last: "
          + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in breakdown.items()))
    assert max(transfers) <= BUDGET_BYTES
    # The time is printed and kept with the screenshots, not asserted: the GUIDE keeps speed goals out of
    # tests (on a shared machine a slow answer is "not yet", never a failure).
    (shots_dir / "figures.json").write_text(json.dumps({
        "thumbnails_shown_ms": times, "median_ms": statistics.median(times), "goal_ms": THUMBNAILS_WITHIN_MS,
        "transferred_bytes": transfers, "budget_bytes": BUDGET_BYTES, "last_visit": breakdown}, indent=1))
