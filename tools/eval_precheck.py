"""Measure the machine pre-checks on the generated set, and derive their thresholds.

    .venv/bin/python -m tools.eval_precheck                      # the held-out split: the table
    .venv/bin/python -m tools.eval_precheck --split train --derive [--write]
    .venv/bin/python -m tools.eval_precheck --det-side 960       # another detector size
    .venv/bin/python -m tools.eval_precheck --no-lift            # OCR on the watermarked picture as it is

The pictures come from tools/make_precheck_set.py (drawn here when missing). The OCR reads each once,
in this one process on one thread; its readings are kept beside the pictures
(readings-<settings>.json), so deciding again (after a change to the decider or its thresholds)
costs no OCR. ``--derive`` (on the training split) prints the thresholds the decider's data supports
and, with ``--write``, puts them in functions/precheck/thresholds.json; the table is then read on the
held-out split, which the thresholds never saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "functions")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from precheck import thresholds  # noqa: E402
from precheck.reading import Reading  # noqa: E402
from testkit import precheck_set  # noqa: E402
from tools.make_precheck_set import ensure  # noqa: E402


def say(text: str = "") -> None:
    sys.stdout.write(f"{text}\n")


def settings_key(det_side: int, lift: bool) -> str:
    """What a reading depends on: the OCR stack's versions (OpenCV resizes and warps the crops ONNX
    Runtime reads), the detector's size and the watermark's lift."""
    fit = f"lift{thresholds.get('unwatermark', 'fit')}" if lift else "raw"
    stack = f"rapidocr{version('rapidocr')}-ort{version('onnxruntime')}-cv{version('opencv-python-headless')}"
    return f"{stack}-det{det_side}-{fit}"


def upper_bound(failures: int, trials: int, confidence: float = 0.95) -> float:
    """The one-sided Clopper-Pearson upper bound of a rate seen as failures/trials: with none in n,
    1 - (1 - confidence) ** (1 / n) (the "rule of three", ~3/n)."""
    if trials == 0:
        return 1.0
    if failures == 0:
        return 1 - (1 - confidence) ** (1 / trials)
    lo, hi = failures / trials, 1.0
    for _ in range(60):  # the p at which seeing <= failures has probability 1 - confidence
        mid = (lo + hi) / 2
        tail = sum(math.comb(trials, k) * mid**k * (1 - mid) ** (trials - k) for k in range(failures + 1))
        lo, hi = (mid, hi) if tail > 1 - confidence else (lo, mid)
    return hi


def readings(split: str, det_side: int, lift: bool, n_threads: int = 1) -> tuple[dict[str, Reading], dict]:
    """Every picture's reading (cached), and the OCR's time per picture for those read now."""
    folder = ensure(split, say=lambda s: sys.stderr.write(s + "\n"))
    marks = json.loads((folder / "watermarks.json").read_text(encoding="utf-8"))
    cache = folder / f"readings-{settings_key(det_side, lift)}.json"
    done = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}  # picture digest -> reading
    pictures = {item.name: (folder / f"{item.name}.jpg").read_bytes() for _, item in precheck_set.items(split)}
    digest = {name: hashlib.sha256(data).hexdigest() for name, data in pictures.items()}
    todo = [name for name in pictures if digest[name] not in done]
    seconds: list[float] = []
    if todo:
        from precheck import ocr

        reader = ocr.Reader(det_side=det_side, n_threads=n_threads)
        for n, name in enumerate(todo, 1):
            started = time.perf_counter()
            reading = reader.read(pictures[name], [marks[name]] if lift else ())
            seconds.append(time.perf_counter() - started)
            done[digest[name]] = reading.as_json()
            if n % 10 == 0 or n == len(todo):
                sys.stderr.write(f"[{split}] OCR {n}/{len(todo)}, median {statistics.median(seconds):.2f} s a picture\n")
                cache.write_text(json.dumps(done, ensure_ascii=False), encoding="utf-8")
    return {name: Reading.from_json(done[digest[name]]) for name in pictures}, {"seconds": seconds}


# --- deriving ----------------------------------------------------------------------------------


def _gap(pos: list[float], neg: list[float]) -> tuple[float, int]:
    """A threshold t with ``value >= t`` for pos and ``< t`` for neg: fewest errors, then the middle
    of the widest gap; (t, errors)."""
    values = sorted(set(pos) | set(neg))
    best = None
    for lo, hi in zip(values, values[1:], strict=False):
        t = (lo + hi) / 2
        errors = sum(v < t for v in pos) + sum(v >= t for v in neg)
        key = (errors, -(hi - lo))
        if best is None or key < best[0]:
            best = (key, t)
    if best is None:
        return (values[0] if values else 0.0), 0
    return best[1], best[0][0]


def derive_fit(split: str) -> tuple[float, str]:
    """unwatermark.fit: the share of the watermark's edges that taking out the right text leaves,
    against taking out another image's (a wrong reference)."""
    from precheck import unwatermark

    folder = precheck_set.CACHE / split
    marks = json.loads((folder / "watermarks.json").read_text(encoding="utf-8"))
    right, wrong = [], []
    for name, text in marks.items():
        picture = unwatermark.decode((folder / f"{name}.jpg").read_bytes())
        right.append(unwatermark.edges_left(picture, text))
        wrong.append(unwatermark.edges_left(picture, text[:-10] + "ZZ99YY88XX"))
    fit, errors = _gap([-v for v in right], [-v for v in wrong])  # fits: at most the threshold
    note = (f"Edges left with the right text up to {max(right):.3f}, with another image's reference from "
            f"{min(wrong):.3f} ({len(right)} pictures); {errors} errors.")
    return -fit, note


def derive(apps, read: dict[str, Reading], split: str) -> dict:
    """The thresholds the training split supports:

    * classify.min_score: the score of the right kind on each legible document of ours against the
      best score on papers that are none of ours (receipts, notices, blank paper);
    * readable.min_chars: for a picture no kind is recognised on, the characters read on other papers
      with text (receipts, notices: the wrong document) against our documents that were not
      recognised and blank sheets (too little read);
    * name.certain: the certainty of the name's characters read right (what a character that differs
      from the registration because the card is another person's looks like) against those misread.
    """
    from precheck import classify as cl
    from precheck import fields
    from precheck.layout import document_lines, rows

    ours, others, chars_wrong, chars_little, right_c, misread_c = [], [], [], [], [], []
    for app in apps:
        for item in app.items:
            lines = document_lines(read[item.name])
            all_rows = rows(lines)
            front = fields.front(all_rows)
            verdict = cl.classify(all_rows, front.number if front.number_valid else None, front.number_on_label_row)
            n_chars = sum(len(line.clean) for line in lines)
            if item.truth != "OTHER" and not verdict.recognised or item.kind == "blank":
                chars_little.append(n_chars)
            elif item.kind in ("receipt", "notice"):
                chars_wrong.append(n_chars)
            if item.spoil:  # made unreadable on purpose: no evidence for the others
                continue
            if item.truth != "OTHER":
                ours.append(verdict.scores[item.truth])
            elif item.kind in ("receipt", "notice", "blank"):
                others.append(verdict.best)
            printed = item.person.name
            if item.kind == "id_front" and front.name and len(front.name) == len(printed) == len(front.name_certainty):
                for ch, want, c in zip(front.name, printed, front.name_certainty, strict=True):
                    (right_c if ch == want else misread_c).append(c)
    min_score, e1 = _gap(ours, others)
    min_chars, e2 = _gap(chars_wrong, chars_little)
    if misread_c:
        certain, e3 = _gap(right_c, misread_c)
    else:  # no misread to place it against: below every character read right
        certain, e3 = math.floor(min(right_c) * 100) / 100, 0
    notes = {
        "classify": f"The right kind's score on our legible documents from {min(ours):.1f}; the best score on a "
                    f"receipt, notice or blank sheet up to {max(others, default=0):.1f}; {e1} errors.",
        "readable": f"Characters read on other papers (receipts, notices) from {min(chars_wrong, default=0)}; on our "
                    f"documents that no kind was recognised on, and on blank sheets, up to {max(chars_little, default=0)} "
                    f"({len(chars_little)} pictures); {e2} errors.",
        "name": f"Certainty of the name's characters on cards (against what is printed): read right from "
                f"{min(right_c, default=1):.3f} ({len(right_c)} characters), misread up to "
                f"{max(misread_c, default=0):.3f} ({len(misread_c)} characters); {e3} errors"
                + ("" if misread_c else "; with no misread, just below the least certain right one")
                + ". A differing character read with less is doubtful: never a name mismatch.",
    }  # fmt: skip
    say(f"classify.min_score {min_score:.2f}: {notes['classify']}")
    say(f"readable.min_chars {min_chars:.0f}: {notes['readable']}")
    say(f"name.certain {certain:.3f}: {notes['name']}")
    fit, notes["unwatermark"] = derive_fit(split)
    say(f"unwatermark.fit {fit:.3f}: {notes['unwatermark']}")
    return {
        "_about": "Thresholds of functions/precheck (classify.py, decide.py), derived by tools/eval_precheck.py "
                  "--derive on the generated training split (testkit/precheck_set.py, seed 'train'), each in the middle "
                  "of the widest gap between the pictures that must pass it and those that must not, and judged on "
                  "the held-out split by the same tool.",
        "classify": {"min_score": round(min_score, 2), "comment": notes["classify"]},
        "readable": {"min_chars": round(min_chars), "comment": notes["readable"]},
        "name": {"certain": round(certain, 3), "comment": notes["name"]},
        "unwatermark": {"fit": round(fit, 3), "comment": notes["unwatermark"]},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.eval_precheck", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--split", default="test", choices=sorted(precheck_set.SEEDS))
    parser.add_argument("--det-side", type=int, default=None, help="the detector's long side (default: ocr.DET_SIDE)")
    parser.add_argument("--no-lift", action="store_true", help="OCR the watermarked picture as it is")
    parser.add_argument("--derive", action="store_true", help="print the thresholds this split supports")
    parser.add_argument("--write", action="store_true", help="with --derive: write functions/precheck/thresholds.json")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads (default 1: the machine is shared)")
    parser.add_argument("--errors", action="store_true", help="list every picture judged wrong")
    args = parser.parse_args(argv)
    det_side = args.det_side or 1280
    apps = precheck_set.applications(args.split)
    started = time.perf_counter()
    read, timing = readings(args.split, det_side, not args.no_lift, args.threads)
    if args.derive:
        derived = derive(apps, read, args.split)
        if args.write:
            thresholds.FILE.write_text(json.dumps(derived, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            thresholds.document.cache_clear()
            say(f"written: {thresholds.FILE.relative_to(ROOT)}")
    outcomes = precheck_set.judge(apps, read)
    n = sum(len(a.items) for a in apps)
    say(f"\nMachine pre-checks on the '{args.split}' split: {n} pictures, {len(apps)} applications "
        f"(OCR: {settings_key(det_side, not args.no_lift)})")  # fmt: skip
    rows = precheck_set.figures(outcomes)
    say(precheck_set.format_figures(rows))
    _, right, of, _ = next(r for r in rows if r[0] == "correct application, no finding")
    say(f"\nA false finding on a correct application: {of - right}/{of}; 95 % upper bound "
        f"{upper_bound(of - right, of):.2%} (goal {precheck_set.MAX_FALSE:.0%})")
    if timing["seconds"]:
        s = timing["seconds"]
        say(f"\nOCR per picture (read now, {len(s)}): median {statistics.median(s):.2f} s, max {max(s):.2f} s, 1 thread")
    wrong = precheck_set.misjudged(outcomes)
    if wrong:
        say(f"\n{len(wrong)} pictures judged otherwise than labelled" + (":" if args.errors else " (--errors lists them)"))
        if args.errors:
            for line in wrong:
                say(f"  {line}")
    say(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
