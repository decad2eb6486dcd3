"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright for Python) against the stack
`make run` starts. Every test gets a `browser_session` factory: a context that records every request
URL (nothing may leave 127.0.0.1), console errors and the JS/CSS each page loads, and a `shot()` that
screenshots into tests/browser/artifacts/<test>/ and prints the path.

    WEB_STACK_URL=http://127.0.0.1:3000  reuses a running `make run` instead of starting one.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.local.conftest import (
    RunningStack,
    local_stack,  # noqa: F401 - the fixture, requested by name below
)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LOOPBACK = {"127.0.0.1", "localhost"}

pytestmark = pytest.mark.localstack

CSP_LISTENER = """document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation({
    directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}`,
    sample: e.sample, document: e.documentURI}), true);"""


@pytest.fixture(scope="session")
def stack(request) -> RunningStack:
    url = os.environ.get("WEB_STACK_URL")
    if not url:
        return request.getfixturevalue("local_stack")
    aws = requests.get(f"{url}/dev/aws", timeout=5).json()
    return RunningStack(url=url, endpoint_url=aws["endpointUrl"], region=aws["region"], names=aws["resources"],
                        log=Path(os.devnull))


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@dataclass
class Session:
    """One browser context (one person, one tab) and what it did on the network."""
    context: object
    page: object
    shots_dir: Path
    prefix: str
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # console errors, uncaught exceptions, CSP violations
    violations: list[dict] = field(default_factory=list)  # securitypolicyviolation events, in any frame
    http_errors: list[tuple[int, str]] = field(default_factory=list)  # 4xx/5xx answers (Chromium logs each)
    _n: int = 0

    def shot(self, name: str) -> Path:
        self._n += 1
        path = self.shots_dir / f"{self.prefix}{self._n:02d}-{name}.png"
        self.page.evaluate("window.scrollTo(0, 0)")  # sticky bars land mid-picture otherwise
        # the pictures as a person sees them once loaded (a full-page shot loads the lazy ones too)
        self.page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    def foreign_requests(self) -> list[str]:
        return [u for u in self.urls if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOOPBACK]

    def script_and_style_bytes(self) -> dict[str, int]:
        """Body bytes of every JS and CSS file the current document loaded (Resource Timing, same origin)."""
        entries = self.page.evaluate("""() => performance.getEntriesByType('resource')
            .filter(e => /\\.(m?js|css)$/.test(new URL(e.name).pathname))
            .map(e => [e.name, e.decodedBodySize])""")
        return dict(entries)


@pytest.fixture
def browser_session(chromium, stack, request):
    shots_dir = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(shots_dir, ignore_errors=True)
    shots_dir.mkdir(parents=True)
    sessions: list[Session] = []

    def make(viewport=(1280, 900), prefix: str = "", mobile: bool = False, user_agent: str | None = None) -> Session:
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
                                       device_scale_factor=1, is_mobile=mobile, has_touch=mobile, user_agent=user_agent)
        page = context.new_page()
        session = Session(context, page, shots_dir, prefix)

        def record(route):
            session.urls.append(route.request.url)
            if urlsplit(route.request.url).hostname in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                route.abort()  # recorded above: the test fails on it

        context.route("**/*", record)

        def violated(_source, event: dict) -> None:
            session.violations.append(event)
            session.errors.append(f"securitypolicyviolation: {event}")

        # The pages run under the template's Content-Security-Policy (the stack serves it): any violation
        # is an error of the test that caused it.
        context.expose_binding("__cspViolation", violated)
        context.add_init_script(CSP_LISTENER)
        def console(message):
            # Chromium logs every 4xx/5xx as "Failed to load resource"; those are in http_errors with their URL.
            if message.type == "error" and not message.text.startswith("Failed to load resource: the server responded"):
                session.errors.append(f"console.{message.type}: {message.text}")

        page.on("console", console)
        page.on("response", lambda r: session.http_errors.append((r.status, r.url)) if r.status >= 400 else None)
        page.on("pageerror", lambda e: session.errors.append(f"pageerror: {e}"))
        page.set_default_timeout(20_000)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.context.close()
