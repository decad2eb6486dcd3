"""The local gateway throttles as API Gateway does, from the template's parameters: a token bucket per
route (its RouteSettings, else the default route settings), 429 `{"message":"Too Many Requests"}`
before the authorizer or the function, CORS as on any answer; and the load test's scaled throttles."""

from __future__ import annotations

import threading

import pytest

from local.auth import TokenIssuer
from local.gateway import Gateway, Request
from local.template import derive, load_template
from local.throttle import Limit, Throttles, TokenBucket, scaled

ORIGIN = "http://127.0.0.1:3000"
IMAGES = "POST /applications/{id}/materials/{type}/images"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_its_burst_through_then_its_rate():
    clock = Clock()
    bucket = TokenBucket(Limit(rate=2, burst=3), clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token back at 2 per second
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 60  # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 3


def test_concurrent_takes_never_exceed_the_tokens():
    bucket = TokenBucket(Limit(rate=0.001, burst=50))
    taken = []
    barrier = threading.Barrier(8)

    def grab():
        barrier.wait()
        taken.extend(t for t in (bucket.take() for _ in range(20)) if t)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 50


def test_each_route_has_its_own_bucket_and_the_default_applies_to_each_other_route():
    clock = Clock()
    throttles = Throttles({IMAGES: Limit(1, 1)}, Limit(1, 2), clock)
    assert [throttles.admit(IMAGES), throttles.admit(IMAGES)] == [True, False]
    assert [throttles.admit("GET /review/queue") for _ in range(3)] == [True, True, False]
    assert [throttles.admit("GET /applications") for _ in range(3)] == [True, True, False]
    assert throttles.refused == {IMAGES: 1, "GET /review/queue": 1, "GET /applications": 1}
    assert Throttles({}, None, clock).admit(IMAGES)


def test_derive_reads_the_throttles_from_the_parameters():
    template = load_template()
    declared = template["Parameters"]
    stack = derive(template, {"JwtIssuer": "i", "JwtAudience": "a"})
    assert stack.throttles[IMAGES] == (float(declared["ThrottleImagesRate"]["Default"]),
                                       int(declared["ThrottleImagesBurst"]["Default"]))
    assert stack.default_throttle == (float(declared["ThrottleDefaultRate"]["Default"]),
                                      int(declared["ThrottleDefaultBurst"]["Default"]))
    lowered = derive(template, {"JwtIssuer": "i", "JwtAudience": "a", "ThrottleImagesRate": "2", "ThrottleImagesBurst": "3"})
    assert lowered.throttles[IMAGES] == (2.0, 3)


def test_scaled_throttles_keep_the_models_proportions():
    declared = load_template()["Parameters"]
    tenth = scaled(declared, 0.1)
    assert set(tenth) == {n for n in declared if n.startswith("Throttle")}
    assert float(tenth["ThrottleImagesRate"]) == pytest.approx(declared["ThrottleImagesRate"]["Default"] * 0.1)
    assert int(tenth["ThrottleImagesBurst"]) == round(declared["ThrottleImagesBurst"]["Default"] * 0.1)
    assert scaled(declared, 0.0001)["ThrottleRegisterBurst"] == "1"  # never a route that admits nothing


@pytest.fixture
def throttled():
    tokens = TokenIssuer()
    stack = derive(load_template(), {"JwtIssuer": tokens.issuer, "JwtAudience": tokens.audience, "WebOrigin": ORIGIN,
                                     "ThrottleImagesRate": "0.001", "ThrottleImagesBurst": "2"})
    calls = []
    gateway = Gateway(stack, tokens, lambda fn, event: calls.append(fn) or {"statusCode": 201, "body": "{}"})
    return gateway, tokens, calls


def test_the_gateway_answers_429_like_api_gateway_before_the_authorizer(throttled):
    gateway, tokens, calls = throttled
    token = tokens.mint("cand-001", ["candidate"])
    request = Request("POST", "/applications/a-1/materials/id_card/images",
                      [("Authorization", f"Bearer {token}"), ("Origin", ORIGIN)], b'{"contentType":"image/jpeg"}')
    answers = [gateway.handle(request) for _ in range(3)]
    assert [a.status for a in answers] == [201, 201, 429]
    refused = answers[-1]
    assert refused.body == b'{"message":"Too Many Requests"}'
    assert ("Access-Control-Allow-Origin", ORIGIN) in refused.headers  # the page can read it and wait
    assert calls == ["UploadPresignFunction", "UploadPresignFunction"]
    # no token at all: still 429 while the bucket is empty (throttling comes first)
    anonymous = gateway.handle(Request("POST", "/applications/a-1/materials/id_card/images"))
    assert anonymous.status == 429
    # another route is untouched
    page = gateway.handle(Request("GET", "/applications/a-1", [("Authorization", f"Bearer {token}")]))
    assert page.status == 201 and calls[-1] == "StatusFunction"
