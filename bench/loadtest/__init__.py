"""`make loadtest` (and `make bench` row 8): deadline day on the local stack, driven by Locust.

The capacity model's peak (tools/capacity.py) at `scale` times its size: the stack runs with every
Throttle* parameter at `scale` times its default (local.throttle.scaled; the registration import,
which is over by deadline day, keeps its own), so its gateway answers 429 where API Gateway would at
the full peak. Locust (bench/loadtest/locustfile.py, in .venv-locust) runs `journeys` candidate
journeys, 7 images each as in the model, by `users` candidates at once, plus two reviewers reading the
queue. Every started journey must end with each image SUBMITTED and no image lost or stored twice; the
429s are waited out by the client's retry, as the web client's. Reported: journeys completed / started,
upload -> SUBMITTED (S3 answered the POST -> the image's processedAt, and -> the page showing it), the
429s and waits, requests per journey per route against the model's per-candidate counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench import ROOT
from bench.common import Row, median, percentile

LOCUST = ROOT / ".venv-locust" / "bin" / "locust"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PER_MATERIAL = {"id_card": 2, "diploma": 2, "practice_proof": 1, "other": 2}  # 7 images, the model's
SCALE = 0.01  # what this 2-core machine carries: the scaled peak minute is then above the throttles
THINK_S = (0.5, 3.0)  # choosing the next photo: shorter than a person's, so few users make the peak's rate
HARD_DEADLINE_S = 900


def _plan(url: str, journeys: int, folder: Path, run_id: str) -> dict:
    from bench.load import Client
    from testkit import corpus
    from testkit.people import registration

    client = Client(url)
    registrar = client.registrar()
    applications = []
    for i in range(journeys):
        sub, app = f"lt-{run_id}-{i:04d}", f"lt-{run_id}-{i:04d}"
        r = client.request("PUT", f"{url}/applications/{app}", json=registration(sub), headers=registrar)
        if r.status_code not in (200, 201):
            raise RuntimeError(f"registration {r.status_code}: {r.text[:200]}")
        applications.append({"app": app, "token": client.auth(sub, ["candidate"])["Authorization"].split()[1]})
    photos = []
    for seed in range(sum(PER_MATERIAL.values())):
        path = folder / f"photo-{seed}.jpg"
        path.write_bytes(corpus.photo_jpeg((1600, 1200) if seed % 2 else (1200, 1600), seed=seed + 11))
        photos.append(str(path))
    reviewer = client.request("POST", f"{url}/dev/token", json={"sub": "loadtest-site", "groups": ["site_reviewer"],
                                                                "site": "1101", "region": "11"}).json()["token"]
    return {"applications": applications, "photos": photos, "per_material": PER_MATERIAL, "think_s": list(THINK_S),
            "reviewer_token": reviewer}


def run(journeys: int = 50, users: int = 14, scale: float = SCALE, deadline_s: float = HARD_DEADLINE_S) -> tuple[list[Row], dict]:
    from bench.load import _queues, child_stack
    from local.template import load_template
    from local.throttle import scaled

    if not LOCUST.exists():
        raise RuntimeError(f"{LOCUST} is missing: `make loadtest` (or `make bench`) installs it")
    declared = load_template()["Parameters"]
    parameters = {k: v for k, v in scaled(declared, scale).items() if not k.startswith("ThrottleRegister")}
    run_id = f"{int(time.time()) % 100000:05d}"
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp, child_stack(parameters, "loadtest") as (url, log_path):
        folder = Path(tmp)
        plan_path, journal_path = folder / "plan.json", folder / "journal.jsonl"
        plan_path.write_text(json.dumps(_plan(url, journeys, folder, run_id)), encoding="utf-8")
        journal_path.touch()
        env = {**os.environ, "LOADTEST_PLAN": str(plan_path), "LOADTEST_JOURNAL": str(journal_path)}
        started = time.time()
        locust = subprocess.run(
            [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", url, "-u", str(users + 2), "-r", str(users + 2),
             "-t", f"{int(deadline_s)}s", "--stop-timeout", "120", "--csv", str(folder / "stats"), "--only-summary",
             "--loglevel", "WARNING"],
            env=env, capture_output=True, text=True, timeout=deadline_s + 300, check=False)
        wall = time.time() - started
        entries = [json.loads(line) for line in journal_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        stats = _stats(folder / "stats_stats.csv")
        stored = _stored(url, plan_path)
        queues = _queues(url)
    return _rows(entries, stats, stored, queues, journeys, users, scale, parameters, wall, locust, log_path)


def model_peak_arrival(scale: float) -> float:
    """Candidates starting a journey per second at the model's peak minute, scaled."""
    from tools.capacity import PEAK, model

    return model()["candidates_per_s"] * PEAK["peak_minute_factor"] * scale


def _stats(path: Path) -> dict[str, dict]:
    import csv

    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {row["Name"]: {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                              "p95_ms": float(row["95%"] or 0), "p50_ms": float(row["50%"] or 0)}
                for row in csv.DictReader(f) if row["Name"] != "Aggregated"}


def _stored(url: str, plan_path: Path) -> dict[str, list[str]]:
    """What the API holds for each application afterwards: the image statuses (none lost, none twice)."""
    from bench.load import Client

    client = Client(url)
    out = {}
    for plan in json.loads(plan_path.read_text(encoding="utf-8"))["applications"]:
        r = client.request("GET", f"{url}/applications/{plan['app']}", headers={"Authorization": f"Bearer {plan['token']}"})
        out[plan["app"]] = [i["status"] for m in r.json().get("materials", []) for i in m["images"]] if r.ok else ["?"]
    return out


def _rows(entries, stats, stored, queues, journeys, users, scale, parameters, wall, locust, log_path):
    from bench.load import _epoch
    from tools.capacity import PER_CANDIDATE

    started = [e for e in entries if e["kind"] == "start"]
    done = [e for e in entries if e["kind"] == "done"]
    failed = [e for e in entries if e["kind"] == "failed"]
    waits = [e for e in entries if e["kind"] == "wait"]
    images = [i for e in done for i in e["images"]]
    want = sum(PER_MATERIAL.values())
    complete = [e for e in done if len(e["images"]) == want and all(i["status"] == "SUBMITTED" for i in e["images"])]
    exact = [app for app, statuses in stored.items() if statuses == ["SUBMITTED"] * want]
    processed = [p - i["uploadedAt"] for i in images if (p := _epoch(i.get("processedAt")))]
    seen = [i["seenAt"] - i["uploadedAt"] for i in images]
    throttled = {}
    for w in waits:
        key = f"{w['route']} {w['status']}"
        throttled[key] = throttled.get(key, 0) + 1
    count_429 = sum(v for k, v in throttled.items() if k.endswith(" 429"))
    per_journey = {name: s["requests"] / max(1, len(started)) for name, s in stats.items()}
    model = {name: PER_CANDIDATE.get(name) for name in per_journey}
    failures = {name: s["failures"] for name, s in stats.items() if s["failures"]}
    first, last = (min(e["at"] for e in started), max(e["at"] for e in started)) if started else (0, 0)
    arrival = (len(started) - 1) / (last - first) if last > first else None
    scaled_peak = model_peak_arrival(scale)
    ok = (len(started) == journeys and len(complete) == len(started) and not failed and len(exact) == journeys
          and not failures and queues.get("dead_letters") == 0)
    detail = {
        "journeys": journeys, "users": users, "scale": scale, "throttles": parameters, "wall_s": wall,
        "arrival_per_s": arrival, "model_peak_minute_arrival_per_s": scaled_peak,
        "started": len(started), "completed": len(complete), "failed": len(failed),
        "failed_samples": [e["error"] for e in failed[:5]], "stored_exactly": len(exact),
        "images": len(images), "waits": throttled, "answered_429": count_429,
        "upload_to_processed_s": sorted(processed), "upload_to_seen_s": sorted(seen),
        "stats": stats, "per_journey": per_journey, "model_per_candidate": model, "request_failures": failures,
        "queues": queues, "locust_exit": locust.returncode, "locust_stderr": locust.stderr[-3000:], "log": log_path,
    }
    p95 = percentile(processed, 0.95) if processed else None
    rows = [
        Row("8 deadline day (Locust): journeys completed / started", f"{len(complete)}/{len(started)}",
            verdict="PASS" if ok else "MISS",
            note=f"{users} candidates at once x 7 images, {arrival or 0:.2f} journeys/s started (the model's peak minute"
                 f" x{scale:g}: {scaled_peak:.2f}/s), throttles x{scale:g}; {count_429} answers 429 waited out; stored"
                 f" exactly once {len(exact)}/{journeys}; DLQ {queues.get('dead_letters')}"),
        Row("8   upload -> SUBMITTED, p95", p95, unit="s",
            note=f"p50 {median(processed):.2f} s; the page shows it at p95 "
                 f"{percentile(seen, 0.95):.2f} s (2 s poll)" if processed else "no image processed"),
        Row("8   images processed per s", len(images) / wall if wall else None, unit="/s",
            note=f"{len(images)} images in {wall:.0f} s, with the journeys' think time"),
    ]
    return rows, detail
