"""The capacity model (tools/capacity.py) is where the template's throttles, concurrency and warm
throughput come from: its numbers are the template's parameter defaults and README's table."""

from __future__ import annotations

import re

from local.template import TEMPLATE_PATH, load_template
from tools import capacity


def test_the_template_defaults_are_the_models():
    declared = load_template()["Parameters"]
    model = capacity.parameters()
    assert {name: declared[name]["Default"] for name in model} == model


def test_no_throttle_concurrency_or_warm_throughput_is_a_literal_in_the_template():
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    for key in ("ThrottlingRateLimit", "ThrottlingBurstLimit", "ReservedConcurrentExecutions", "MaximumConcurrency",
                "ReadUnitsPerSecond", "WriteUnitsPerSecond"):
        found = re.findall(rf"{key}: *([^,}}\n]+)", text)
        assert found, key
        assert not [v for v in found if re.search(r"(^|[\s,\[])\d", v)], (key, found)


def test_the_readme_shows_the_current_model():
    assert capacity.markdown() in capacity.README.read_text(encoding="utf-8"), "run: python -m tools.capacity --write"


def test_the_model_sizes_each_part_for_the_peak_minute():
    m = capacity.model()
    factor = capacity.PEAK["peak_minute_factor"]
    assert 90 <= m["images_per_s"] <= 110  # the issue's ~100 images/s in the last hours
    for name, (route, rate, burst) in m["throttles"].items():
        assert burst == rate * capacity.PEAK["burst_seconds"]
        if name not in ("Default", "Register"):
            assert rate >= m["mean"][route] * factor, name  # the peak minute passes
    # Lambda is never what says no first: each function can run its routes at their throttles.
    for name, (count, busy) in m["concurrency"].items():
        assert busy is None or count >= busy, name
    assert m["concurrency"]["ProcessImage"][0] > m["pollers"] >= m["images_per_s"] * factor * capacity.DURATION_S["process_image"]
    reads, writes = m["dynamodb"]["warm"]
    assert writes >= m["dynamodb"]["writes"] * factor and reads >= m["dynamodb"]["reads"] * factor
    assert m["quotas"]["lambda_concurrency"] >= m["reserved"] + 100


def test_the_web_clients_poll_is_the_models():
    """The status poll's rates are lines of the model: the constants in candidate.js are POLL's."""
    script = (capacity.README.parent / "web" / "js" / "candidate.js").read_text(encoding="utf-8")
    found = {name: int(value.replace("_", "")) for name, value in
             re.findall(r"^const ((?:BUSY|IDLE)_POLL\w*) = ([\d_]+);", script, re.MULTILINE)}
    assert found == capacity.POLL
    status = capacity.PER_CANDIDATE["GET /applications/{id}/status"]
    assert status - capacity.POLL["IDLE_POLLS"] == 3 * capacity.PEAK["images_per_candidate"]  # 2 busy, 1 idle each
