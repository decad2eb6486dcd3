"""Make the watermark font: Noto Sans CJK SC Bold, subset to the characters the watermark draws.

Source: Debian's fonts-noto-cjk (``/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc``, face
"Noto Sans CJK SC"), SIL Open Font License 1.1. The OFL travels with the subset as ``OFL.txt``
(copyright line from the font's own name table + the licence text from Debian's copyright file).

    .venv/bin/python tools/subset_font.py            # writes functions/process_image/fonts/
    .venv/bin/python tools/subset_font.py --check    # exit 1 if the committed subset is stale

The character set is ``imaging.WATERMARK_CHARSET``; change it there and re-run this script.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

from process_image.imaging import FONT_FILE, WATERMARK_CHARSET  # noqa: E402

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
FAMILY = "Noto Sans CJK SC"
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
OUT_DIR = FONT_FILE.parent


def face_index(path: Path, family: str) -> int:
    for i, font in enumerate(TTCollection(str(path), lazy=True).fonts):
        if font["name"].getDebugName(1) == family:
            return i
    raise SystemExit(f"{family!r} not found in {path}")


def build(path: Path = SOURCE, text: str = WATERMARK_CHARSET) -> tuple[bytes, str]:
    """The subset font's bytes, and the trademark line of the source face (name ID 7)."""
    opts = subset.Options()
    opts.font_number = face_index(path, FAMILY)
    opts.layout_features = []  # no shaping needed: Pillow's BASIC layout, one glyph per character
    opts.drop_tables += ["BASE", "GSUB", "GPOS", "GDEF", "VORG", "vhea", "vmtx", "DSIG"]
    opts.hinting = False  # the watermark is drawn large and anti-aliased; hints only cost bytes
    opts.desubroutinize = True  # smaller for a handful of glyphs
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]  # names, copyright, trademark, licence
    opts.notdef_outline = True
    opts.glyph_names = False
    font = subset.load_font(str(path), opts, dontLoadGlyphNames=True)
    subsetter = subset.Subsetter(opts)
    subsetter.populate(text=text)
    subsetter.subset(font)
    missing = [c for c in text if ord(c) not in font.getBestCmap()]
    if missing:
        raise SystemExit(f"source font lacks glyphs for {missing!r}")
    font.flavor = None
    head = font["head"]
    head.modified = head.created  # reproducible bytes: no build timestamp
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue(), font["name"].getDebugName(7) or ""


# The notice of upstream's LICENSE (github.com/notofonts/noto-cjk); the font's name table says
# "© 2014-2021 Adobe (http://www.adobe.com/)." and Debian's copyright file only the licence.
UPSTREAM_NOTICE = "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'."


def licence_text(trademark: str) -> str:
    """OFL 1.1 as Debian ships it (``License: SIL-1.1`` stanza), preceded by the copyright notice."""
    raw = DEBIAN_COPYRIGHT.read_text(encoding="utf-8")
    m = re.search(r"^License: SIL-1\.1\n((?: .*\n)+)", raw, flags=re.M)
    if not m:
        raise SystemExit(f"no SIL-1.1 licence stanza in {DEBIAN_COPYRIGHT}")
    body = "\n".join("" if line.strip() == "." else line[1:] for line in m.group(1).splitlines())
    return (
        f"{FAMILY} Bold, subset for the process_image watermark (a Modified Version under the OFL).\n"
        f"{UPSTREAM_NOTICE}\n"
        f"{trademark}\n\n"
        f"{body.strip()}\n"
    )


def readme(size: int) -> str:
    return (
        "# Watermark font\n\n"
        f"`{FONT_FILE.name}` ({size} bytes) is {FAMILY} Bold from Debian's `fonts-noto-cjk` "
        f"(`{SOURCE}`), subset with fontTools by `tools/subset_font.py` to exactly the characters "
        "in `process_image.imaging.WATERMARK_CHARSET` (no hinting, no layout tables). "
        "Licence: SIL Open Font License 1.1, see `OFL.txt`. Re-run the script after changing the "
        "character set; `tests/unit/test_imaging.py` checks every character has a glyph.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args(argv)
    data, trademark = build()
    TTFont(io.BytesIO(data))  # parses back
    files = {
        FONT_FILE: data,
        OUT_DIR / "OFL.txt": licence_text(trademark).encode(),
        OUT_DIR / "README.md": readme(len(data)).encode(),
    }
    if args.check:
        stale = [p.name for p, b in files.items() if not p.exists() or p.read_bytes() != b]
        if stale:
            sys.stderr.write(f"stale: {', '.join(stale)}; run tools/subset_font.py\n")
            return 1
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        path.write_bytes(content)
        sys.stdout.write(f"wrote {path.relative_to(ROOT)} ({len(content)} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
