"""Rows 4 and 5 of `make bench`: the journey measures what the web client sends (the status read and the
poll, 200 and 304) with a warm-up that is another candidate's, and the cost model prices it against a floor
computed from the journey's own numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench import cost
from bench.common import stack

JOURNEY = """
import json, sys
from bench import image_row, journey
files = list(image_row.cases().values())
rows, detail = journey.run((files + files[:2])[: journey.N_IMAGES])
json.dump(detail, sys.stdout)
"""


@pytest.fixture(scope="module")
def journey() -> dict:
    """Row 4's journey, in its own interpreter (it becomes the functions' environment, as the bench does)."""
    out = subprocess.run([sys.executable, "-c", JOURNEY], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def step(journey: dict, name: str) -> dict:
    return next(s for s in journey["steps"] if s["step"] == name)


def test_the_journey_measures_the_status_read_and_the_poll_through_the_handler(journey):
    status, poll = step(journey, "status"), step(journey, "poll")
    assert (status["invocations"], poll["invocations"]) == (1, 1)  # a change seen (200); nothing changed (304)
    assert status["operations"] == poll["operations"] == {"dynamodb:GetItem": 1}
    assert status["function"] == poll["function"] == "StatusFunction"
    assert poll["handler_seconds"] > 0 and status["handler_seconds"] > 0
    assert journey["api_requests"] == sum(s["invocations"] for s in journey["steps"] if s["step"] in
                                          ("register", "reserve", "page", "status", "poll", "site review",
                                           "site image decisions", "region review"))


def test_the_warm_up_is_another_candidates_so_the_measured_journey_notes_no_duplicate(journey):
    assert journey["noted_duplicates"] == 0
    assert "dynamodb:UpdateItem" not in step(journey, "process")["operations"]
    assert step(journey, "process")["operations"]["dynamodb:Query"] > 6  # the likeness index's probes stay


def test_the_floor_is_the_journeys_bytes_priced_and_under_the_figure(journey):
    detail = cost.model(journey)
    least = detail["floor"]
    assert 0 < least["total"] < detail["total_per_candidate"]
    assert least["api_requests"] == 1 + 6 + 15 + 2 * 3
    more = dict(journey, materials_bytes=journey["materials_bytes"] * 2, thumbnail_bytes=journey["thumbnail_bytes"] * 2)
    bigger = cost.floor(more)
    assert bigger["lines"]["stored bytes, season"] == pytest.approx(2 * least["lines"]["stored bytes, season"])
    assert bigger["lines"]["downloads (transfer)"] == pytest.approx(2 * least["lines"]["downloads (transfer)"])
    rows, _ = cost.run(journey)
    assert rows[0].ratio == pytest.approx(detail["total_per_candidate"] / least["total"])


def test_the_client_reads_are_priced_as_their_own_steps(journey):
    reads = cost.client_reads(journey["images"])
    assert reads["poll"] == 15 * cost.ASSUMPTIONS["idle_polls_per_view"] + 6 * (cost.ASSUMPTIONS["status_polls_per_image"] - 1)
    base = cost.model(journey)["per_candidate"]["Lambda compute (GB-s)"]
    dearer = [dict(s, handler_seconds=s["handler_seconds"] + 1.0) if s["step"] == "poll" else s for s in journey["steps"]]
    more = cost.model(dict(journey, steps=dearer))["per_candidate"]["Lambda compute (GB-s)"]
    memory = cost.stack().functions["StatusFunction"].memory_mb
    stretch = max(1.0, cost.ASSUMPTIONS["vcpu_mb"] / memory)  # each poll 1 s more CPU: the journey's and the rest
    assert more - base == pytest.approx(reads["poll"] * stretch * memory / 1024 * cost.PRICES["lambda_gb_second"])


def test_link_windows_follow_the_window_length_and_the_season():
    assert cost.view_windows(1) == 15  # an hour's links: every open a window of its own
    assert cost.view_windows(24) == 15
    assert cost.view_windows(7 * 24) == 3  # two weeks touch at most three 7-day windows
    assert cost.view_windows(7 * 24, opens=2) == 2


def test_the_switch_prices_cloudfront_downloads_with_an_origin_get_each(journey):
    s3, cloudfront = cost.model(journey, "s3-presigned"), cost.model(journey, "cloudfront-signed")
    assert s3["quantities"]["thumbnail_views"] == 6 * (15 + 2)
    assert cloudfront["quantities"]["thumbnail_views"] == 6 * (3 + 2)
    views = cloudfront["quantities"]["image_views"]
    p = cost.PRICES
    assert cloudfront["per_candidate"]["CloudFront: image views (requests, origin GETs)"] == pytest.approx(
        views * (p["cloudfront_https_request"] + p["s3_get"]))
    assert cloudfront["floor"]["total"] == s3["floor"]["total"]  # the floor does not depend on the switch


def test_the_model_prices_the_links_the_template_deploys():
    # StatusFunction hands out CloudFront signed links (IMAGE_LINKS), thumbnails' windows a week, pictures' a day
    env = stack().functions["StatusFunction"].environment
    assert env["IMAGE_LINKS"] == "cloudfront" and cost.IMAGE_LINKS == "cloudfront-signed"
    kind = cost.LINKS["cloudfront-signed"]
    assert (kind["thumbnail_window_hours"], kind["picture_window_hours"]) == (
        int(env["THUMBNAIL_URL_WINDOW_SECONDS"]) / 3600, int(env["PICTURE_URL_WINDOW_SECONDS"]) / 3600)
