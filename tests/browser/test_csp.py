"""The site's Content-Security-Policy and the URLs core.storage signs are one form: URLs signed for the
global and the China regions load under the policy as template.yaml renders it for that region, in
Chromium; the local stack serves that policy with only the buckets' origins moto's (built by one
function, local.template.security_headers); and the candidate page with an uploaded image, the review
console and the office page run under it without a single `securitypolicyviolation`."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
from playwright.sync_api import expect

from local.template import ACCOUNT_ID, derive, load_template, partition_of, security_headers
from tests.browser.api_steps import register, unique_name, upload_required, wait_for
from tests.browser.conftest import CSP_LISTENER
from tests.browser.pages import ID_CARD, CandidatePage, OfficePage, ReviewerConsole, open_with_token
from tests.conftest import reset_clients

pytestmark = pytest.mark.localstack

SITE = "https://site.test"
PARAMETERS = {"JwtIssuer": "https://issuer.test", "JwtAudience": "web"}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4fb0000000049454e44ae426082")
PROBE = """
const attempts = [];
const load = (url) => new Promise((done) => {
  const img = new Image(); img.onload = img.onerror = done; img.src = url; document.body.append(img); });
const post = (url) => { const form = new FormData(); form.append('key', 'k'); form.append('file', new Blob(['x']), 'x.jpg');
  return fetch(url, { method: 'POST', body: form }).catch(() => null); };
(async () => {
  const urls = await (await fetch('/urls.json')).json();
  for (const url of urls.img) { attempts.push(url); await load(url); }
  for (const url of urls.connect) { attempts.push(url); await post(url); }
  const preview = URL.createObjectURL(new Blob([new Uint8Array(urls.png)], { type: 'image/png' }));
  attempts.push(preview); await load(preview);
  window.attempted = attempts;
})();
"""


def signed(monkeypatch, region: str) -> dict[str, str]:
    """What core.storage signs in `region` for the template's buckets there: the upload POST's URL; an
    image's, its thumbnail's and a sample picture's link on the site's distribution (core.image_links,
    the site being SITE here), the key pair's private key in Secrets Manager as the template keeps it."""
    from moto import mock_aws

    from core import storage
    from local.cdn import KeyPair

    names = derive(load_template(), PARAMETERS, region=region).names
    keys = KeyPair.generate()
    for var, value in (("AWS_REGION", region), ("AWS_DEFAULT_REGION", region),
                       ("UPLOADS_BUCKET", names["UploadsBucket"]), ("MATERIALS_BUCKET", names["MaterialsBucket"]),
                       ("IMAGE_LINKS", "cloudfront"), ("IMAGE_ORIGIN", SITE), ("IMAGE_KEY_PAIR_ID", keys.key_id),
                       ("IMAGE_KEY_SECRET", "image-key")):
        monkeypatch.setenv(var, value)
    reset_clients()
    try:
        with mock_aws():
            import boto3

            boto3.client("secretsmanager", region_name=region).create_secret(Name="image-key", SecretString=keys.private_pem)
            return {"post": storage.presigned_post("uploads/app-1/id_card/img-1", "image/jpeg", 204800, 300)["url"],
                    "image": storage.material_url("materials/app-1/id_card/img-1.jpg"),
                    "thumbnail": storage.thumbnail_url("materials/app-1/id_card/img-1.jpg"),
                    "sample": storage.sample_url("id_card.png"), "uploads": names["UploadsBucket"],
                    "materials": names["MaterialsBucket"]}
    finally:
        reset_clients()


def probe(chromium, csp: str, img: list[str], connect: list[str]) -> tuple[set[str], list[dict]]:
    """A page served with `csp` loads each `img` and POSTs a form to each `connect`; returns the URLs
    that reached the network (allowed) and the violations reported (blocked). Nothing leaves Chromium."""
    context = chromium.new_context()
    reached, violations = set(), []
    files = {"/": ("text/html", b'<!doctype html><html><head><link rel="icon" href="/favicon.svg"></head>'
                                b'<body><script src="/probe.js"></script></body></html>'),
             "/probe.js": ("text/javascript", PROBE.encode()),
             "/favicon.svg": ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
             "/urls.json": ("application/json", json.dumps({"img": img, "connect": connect, "png": list(PNG)}).encode())}

    def serve(route):
        url = route.request.url
        if url.startswith(SITE + "/") and url[len(SITE):] in files:
            kind, body = files[url[len(SITE):]]
            return route.fulfill(status=200, body=body, headers={"Content-Type": kind, "Content-Security-Policy": csp})
        reached.add(url)
        return route.fulfill(status=204, headers={"Access-Control-Allow-Origin": SITE})

    context.route("**/*", serve)
    context.expose_binding("__cspViolation", lambda _source, event: violations.append(event))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    try:
        page.goto(SITE + "/")
        wait_for(lambda: page.evaluate("window.attempted !== undefined"), "the probe's attempts")
        # each attempt ends as a request or a violation; the events arrive as tasks of their own
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            accounted = {u for u in img + connect if u in reached or any(v["blocked"] == u for v in violations)}
            if accounted == set(img + connect):
                break
            page.wait_for_timeout(50)
    finally:
        context.close()
    return reached, violations


@pytest.mark.parametrize("region", ["us-east-1", "cn-north-1", "cn-northwest-1"])
def test_urls_signed_in_each_region_load_under_the_policy_the_template_renders_there(chromium, monkeypatch, region):
    # Given the deployed policy for the region, and what core.storage signs there
    csp = dict(security_headers(load_template(), PARAMETERS, region=region))["Content-Security-Policy"]
    urls = signed(monkeypatch, region)
    suffix = partition_of(region)[1]
    assert urls["post"] == f"https://{urls['uploads']}.s3.{region}.{suffix}/"
    path_style = f"https://s3.{region}.{suffix}/{urls['uploads']}"
    # When the page loads the images and POSTs the upload, and tries what the policy must not allow
    assert all(urls[k].startswith(f"{SITE}/") for k in ("image", "thumbnail", "sample"))  # the site's own origin
    allowed_img, allowed_connect = [urls["image"], urls["thumbnail"], urls["sample"]], [urls["post"]]
    refused_img = [urls["post"] + "x.jpg", "data:image/png;base64,iVBORw0KGgo=",
                   f"https://{urls['materials']}.s3.{region}.{suffix}/materials/app-1/id_card/img-1.jpg"]
    refused_connect = [path_style, f"https://{urls['materials']}.s3.{region}.{suffix}/",
                       f"https://other-bucket.s3.{region}.{suffix}/"]
    reached, violations = probe(chromium, csp, allowed_img + refused_img, allowed_connect + refused_connect)
    # Then the signed URLs went out, the rest was blocked, each by its directive
    assert set(allowed_img + allowed_connect) <= reached
    assert not [v for v in violations if v["blocked"] in allowed_img + allowed_connect or v["blocked"].startswith("blob:")]
    blocked = {v["blocked"]: v["directive"] for v in violations}
    assert {u: blocked.get(u) for u in refused_connect} == dict.fromkeys(refused_connect, "connect-src")
    assert blocked.get(refused_img[0]) == "img-src" and blocked.get("data") == "img-src"
    assert blocked.get(refused_img[2]) == "img-src"  # the materials bucket itself: images come from the site
    assert not reached & set(refused_img + refused_connect)


def directives(csp: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (d.split() for d in csp.split("; "))}


def test_the_local_policy_is_the_templates_with_moto_in_the_buckets_places(stack):
    template = load_template()
    deployed = dict(security_headers(template, PARAMETERS))
    local = dict(security_headers(template, PARAMETERS, s3_endpoint=stack.endpoint_url))
    # every header as deployed but the policy, and in the policy each bucket's origin where it stands
    assert {k: v for k, v in deployed.items() if k != "Content-Security-Policy"} == {
        k: v for k, v in local.items() if k != "Content-Security-Policy"}
    ours, theirs = directives(deployed["Content-Security-Policy"]), directives(local["Content-Security-Policy"])
    assert list(ours) == list(theirs)
    moved = []
    for name, sources in ours.items():
        expected = []
        for source in sources:
            bucket = re.fullmatch(r"https://([a-z0-9-]+)\.s3\.us-east-1\.amazonaws\.com", source)
            if bucket:  # the bucket's path on moto: the POST's URL, and every object under it
                moved.append(bucket[1])
                expected += [f"{stack.endpoint_url}/{bucket[1]}", f"{stack.endpoint_url}/{bucket[1]}/"]
            else:
                expected.append(source)
        assert theirs[name] == expected, name
    assert moved == [stack.name("UploadsBucket")]  # the upload's POST; images are the site's own (local.cdn)
    assert all(ACCOUNT_ID in b for b in moved)
    # The stack serves it on the site's files and config.json (what CloudFront serves), not on the API.
    for path in ("/", "/review.html", "/office.html", "/js/candidate.js", "/favicon.svg", "/config.json"):
        served = requests.get(f"{stack.url}{path}", timeout=10).headers
        policy = directives(served["Content-Security-Policy"])
        assert {k: v for k, v in policy.items() if k != "connect-src"} == {
            k: v for k, v in theirs.items() if k != "connect-src"}, path  # connect-src names the stack's issuer
        issuer_origin = "/".join(PARAMETERS["JwtIssuer"].split("/")[:3])
        assert set(theirs["connect-src"]) - set(policy["connect-src"]) <= {
            s for s in theirs["connect-src"] if "amazoncognito" in s or "execute-api" in s or s == issuer_origin}
        assert {"Strict-Transport-Security", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} <= set(served)
    assert "Content-Security-Policy" not in requests.get(f"{stack.url}/healthz", timeout=10).headers


def test_the_pages_run_under_the_policy_without_a_violation(browser_session, stack):
    # Given an application whose images went through the stack's S3 (the POST policy checked) and were processed
    candidate, app_id = f"cand-csp-{time.time_ns()}", f"app-csp-{time.time_ns()}"
    register(stack, app_id, candidate, name=unique_name())
    upload_required(stack, app_id, candidate)
    # When the candidate opens the upload page on a phone
    me = browser_session((375, 812), prefix="candidate-", mobile=True)
    open_with_token(me, stack.url, stack.token(candidate, ["candidate"]))
    expect(me.page.get_by_role("heading", name="我的报名")).to_be_visible()
    candidate_page = CandidatePage(me, stack.url).open_application(app_id)
    expect(candidate_page.thumbnails(ID_CARD)).to_have_count(2)
    wait_for(lambda: me.page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)"), "pictures")
    me.shot("upload-page")
    # the site reviewer opens it in the console, the exam office sees the season's chart (inline widths)
    desk = browser_session((1280, 900), prefix="desk-")
    console = ReviewerConsole(desk, stack.url).sign_in("site-1101")
    console.open(app_id)
    expect(desk.page.locator("#big")).to_be_visible()
    wait_for(lambda: desk.page.evaluate("document.querySelector('#big').naturalWidth > 0"), "the image in the viewer")
    desk.shot("review-console")
    office_session = browser_session((1280, 900), prefix="office-")
    office = OfficePage(office_session, stack.url).sign_in()
    expect(office.chart_row("1101")).to_be_visible()
    widths = office_session.page.evaluate("[...document.querySelectorAll('.chart-bar')].map(b => b.style.width)")
    assert widths and all(w.endswith("%") for w in widths)
    office_session.shot("office")
    # Then nothing was refused, and each page is the one the CSP was served with
    for session in (me, desk, office_session):
        assert session.violations == [] and session.errors == [], session.errors
        assert session.page.evaluate("document.querySelector('link[rel=icon]').href").endswith("/favicon.svg")
    # (the listener works: an inline style attribute is reported)
    office_session.page.evaluate("document.body.setAttribute('style', 'color: red')")
    # (a round trip to the page lets Playwright deliver the binding's call)
    wait_for(lambda: office_session.page.evaluate("true") and office_session.violations, "the inline style's violation")
    assert office_session.violations[0]["directive"] == "style-src-attr"
