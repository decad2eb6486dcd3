"""axe-core (vendored: tests/vendor/axe-core) on a page as it stands, under the page's own strict
Content-Security-Policy.

The page allows scripts from its own origin only, so axe cannot be added as a <script> (Playwright's
add_script_tag is refused by script-src 'self' and would fail the test with a securitypolicyviolation).
It runs instead in an isolated world that the DevTools protocol creates for the page's frame: the same
DOM, its own JavaScript globals (nothing of the page's scripts is touched or seen), and not under the
page's CSP. Every rule runs, the experimental ones too (label-content-name-mismatch is one).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious", "moderate")

RUN = """
(() => {
  const experimental = Object.fromEntries(axe.getRules(['experimental']).map((r) => [r.ruleId, { enabled: true }]));
  return axe.run(document, { rules: experimental, resultTypes: ['violations'] }).then((r) => JSON.stringify({
    version: axe.version,
    violations: r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html.slice(0, 300), summary: n.failureSummary })),
    })),
  }));
})()
"""


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def audit(session, state: str) -> list[dict]:
    """Every axe violation on the page now; the report is written beside the test's screenshots as
    axe-<state>.json. Returns the violations whose impact is critical, serious or moderate."""
    cdp = session.context.new_cdp_session(session.page)
    try:
        frame = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        world = cdp.send("Page.createIsolatedWorld", {"frameId": frame, "worldName": "axe"})["executionContextId"]
        result = cdp.send("Runtime.evaluate", {"expression": _source() + "\n;" + RUN, "contextId": world,
                                               "awaitPromise": True, "returnByValue": True})
    finally:
        cdp.detach()
    if "exceptionDetails" in result:
        raise AssertionError(f"axe did not run: {result['exceptionDetails']}")
    report = json.loads(result["result"]["value"])
    path = session.shots_dir / f"{session.prefix}axe-{state}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    found = report["violations"]
    print(f"axe {report['version']} on {state}: {len(found)} violations "
          f"{[(v['id'], v['impact'], len(v['nodes'])) for v in found]} -> {path}")
    return [v for v in found if v["impact"] in BLOCKING]


def assert_accessible(session, state: str) -> None:
    blocking = audit(session, state)
    assert blocking == [], json.dumps(blocking, ensure_ascii=False, indent=1)
