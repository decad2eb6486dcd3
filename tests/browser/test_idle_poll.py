"""The candidate's idle page polls its status twice a look (15 s, then 30 s later), then not until the
tab is shown again, which polls at once and once more 30 s later (web/js/candidate.js; the capacity
model's POLL and the cost model's idle polls are these numbers). The page's clock is Playwright's, so
ten minutes pass at once."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.api_steps import register, wait_for
from tests.browser.pages import CandidatePage, open_with_token

pytestmark = pytest.mark.localstack


def test_an_idle_look_polls_twice_then_waits_for_the_tab_to_come_back(browser_session, stack):
    tag = uuid.uuid4().hex[:8]
    candidate, app_id = f"cand-idle-{tag}", f"app-idle-{tag}"
    register(stack, app_id, candidate)
    me = browser_session()
    me.page.clock.install()
    # Counted in the page, as fetch is called (a poll's timer calls fetch before it awaits anything, so once
    # the clock has moved the count is final) and as each answer is in: the clock moves on only once the
    # poll has handled its answer, which is when it schedules the next one (under load an answer can come
    # after the test's next move of the clock, and its schedule would then replace what that move did).
    me.page.add_init_script(f"""(() => {{
      const fetch = window.fetch; window.__statusPolls = 0; window.__statusAnswers = 0;
      window.fetch = function (input, init) {{
        const url = String(typeof input === 'string' ? input : input.url).split('?')[0];
        if (!url.endsWith('/applications/{app_id}/status')) return fetch.apply(this, arguments);
        window.__statusPolls += 1;
        return fetch.apply(this, arguments).finally(() => {{ window.__statusAnswers += 1; }});
      }};
    }})();""")
    open_with_token(me, stack.url, stack.token(candidate, ["candidate"]), f"/#/app/{app_id}")
    page = CandidatePage(me, stack.url)
    expect(me.page.locator("section.material").first).to_be_visible()

    def polls() -> int:
        return me.page.evaluate("window.__statusPolls")

    def seconds_until(count: int) -> int:
        """The page's clock moved a second at a time until its `count`-th status request: how many."""
        moved = [0]

        def tick() -> bool:
            me.page.clock.run_for(1000)
            moved[0] += 1
            return polls() >= count

        wait_for(tick, f"status request {count}", timeout=120)
        assert polls() == count
        wait_for(lambda: me.page.evaluate("window.__statusAnswers") == count, f"status answer {count}", timeout=60)
        return moved[0]

    # From here only the test moves the page's time: paused 2 s ahead of the page's clock, which runs on
    # until the pause lands (pausing at a time the page has already passed is refused)
    me.page.clock.pause_at(me.page.evaluate("Date.now()") / 1000 + 2)
    assert polls() == 0  # an open is one request: the page, which carries the status's ETag
    assert 12 <= seconds_until(1) <= 17  # the look's first idle poll, 15 s after the page was shown
    assert 30 <= seconds_until(2) <= 32  # and its second
    me.page.clock.run_for(10 * 60_000)  # ten minutes of an open, idle tab (the token lasts an hour)
    assert polls() == 2
    page.come_back()
    assert seconds_until(3) == 1  # at once (its timer of 0 ms fires at the first tick)
    assert 30 <= seconds_until(4) <= 32  # and once more
    me.page.clock.run_for(10 * 60_000)
    assert polls() == 4
    page.come_back()
    assert seconds_until(5) == 1
    assert not me.errors
