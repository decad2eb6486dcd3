"""Generate the machine pre-checks' labelled set (testkit/precheck_set.py) into .precheck-set/ (git-ignored).

    .venv/bin/python -m tools.make_precheck_set                  # train and test splits
    .venv/bin/python -m tools.make_precheck_set --split quick

Each split is a folder of SUBMITTED pictures (watermarked JPEGs as process_image stores them) named
after their items, with labels.json: for each picture its application, slot, document, what is
printed on it, the registration it is checked against, the findings it must get, and the text of its
watermark. Pictures already there are kept (the set is deterministic: same code, same pictures);
``--fresh`` draws them again. One process, one core: ~0.4 s a picture.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "functions")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from testkit import precheck_set  # noqa: E402


def labels(split: str) -> list[dict]:
    out = []
    for app, item in precheck_set.items(split):
        p = item.person
        out.append({"name": item.name, "application": app.id, "case": app.case, "slot": item.slot, "kind": item.kind,
                    "truth": item.truth, "expect": list(item.expect),
                    "printed": {"name": p.name, "idNumber": p.number, "sex": p.sex, "born": p.born.isoformat(),
                                "validUntil": p.valid_until_text},
                    "registration": {"name": app.registration.name, "idNumber": app.registration.id_number,
                                     "examYear": app.registration.exam_year}})  # fmt: skip
    return out


def fingerprint() -> str:
    """Of the code that draws the pictures: a change to it draws the split again."""
    digest = hashlib.sha256()
    for path in (ROOT / "testkit" / "precheck_set.py", ROOT / "testkit" / "quality_set.py",
                 ROOT / "functions" / "process_image" / "imaging.py"):  # fmt: skip
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure(split: str, fresh: bool = False, out: Path = precheck_set.CACHE, say=None) -> Path:
    """The split's folder, with every picture in it and its watermark texts (watermarks.json);
    drawn again when the drawing code changed (readings are kept by the picture's digest)."""
    folder = out / split
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / "fingerprint"
    if not stamp.exists() or stamp.read_text() != fingerprint():
        fresh = True
    marks_file = folder / "watermarks.json"
    marks = {} if fresh or not marks_file.exists() else json.loads(marks_file.read_text(encoding="utf-8"))
    todo = [(app, item) for app, item in precheck_set.items(split)
            if fresh or item.name not in marks or not (folder / f"{item.name}.jpg").exists()]  # fmt: skip
    if fresh:
        for old in folder.glob("*.jpg"):
            old.unlink()
    started = time.perf_counter()
    for n, (_, item) in enumerate(todo, 1):
        picture, text = item.picture()
        (folder / f"{item.name}.jpg").write_bytes(picture)
        marks[item.name] = text
        if say and (n % 25 == 0 or n == len(todo)):
            say(f"[{split}] {n}/{len(todo)} pictures drawn ({time.perf_counter() - started:.0f} s)")
    marks_file.write_text(json.dumps(marks, ensure_ascii=False, indent=0), encoding="utf-8")
    (folder / "labels.json").write_text(json.dumps(labels(split), ensure_ascii=False, indent=1), encoding="utf-8")
    stamp.write_text(fingerprint())
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.make_precheck_set", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--split", action="append", choices=sorted(precheck_set.SEEDS), help="default: train and test")
    parser.add_argument("--fresh", action="store_true", help="draw every picture again")
    args = parser.parse_args(argv)
    for split in args.split or ["train", "test"]:
        folder = ensure(split, args.fresh, say=lambda s: sys.stderr.write(s + "\n"))
        pictures = sorted(folder.glob("*.jpg"))
        sizes = [p.stat().st_size for p in pictures]
        sys.stdout.write(f"{split}: {len(pictures)} pictures in {folder.relative_to(ROOT)}, "
                         f"{min(sizes) // 1024}-{max(sizes) // 1024} KB\n")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
