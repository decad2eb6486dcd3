"""File fuzzing of the whole image pipeline (R6, R12): random bytes and mutated valid JPEG and PNG
files (bit flips, truncation, marker and chunk surgery, scan floods, huge declared sizes, broken ICC
profiles and EXIF) only ever give a processed picture or an INVALID reason of the contract, never
another exception, and each stays within a memory bound.

``make test`` runs a bounded, derandomised budget (IMAGING_FUZZ_EXAMPLES, default 500 per test);
``make fuzz`` runs ``python -m tests.unit.test_imaging_fuzz`` with a large random budget and prints
the files fuzzed, the outcomes and the worst time and memory seen. Time is reported, never asserted
(the machine is shared); the memory bound is asserted per example: the peak resident memory one
file adds (Linux's VmHWM, reset before each file) stays under MEMORY_BOUND_MB.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import io
import os
import re
import struct
import sys
import time
import warnings
import zlib
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bench.image_row import reset_peak_rss, status_kb
from process_image import imaging
from process_image.imaging import InvalidImage
from testkit import icc
from testkit.corpus import (
    colourful,
    exif_rotated_jpeg,
    gps_exif,
    jpeg,
    jpeg_units,
    photo,
    png,
    png_chunk,
    scan_flood,
    screenshot,
    tagged_jpeg,
)

DAY = datetime.date(2026, 11, 25)
EXAMPLES = int(os.environ.get("IMAGING_FUZZ_EXAMPLES", "500"))
# process_image has 1024 MB; the largest picture accepted (16 Mpx) needs a few 64 MB copies.
MEMORY_BOUND_MB = 600


# --- seeds -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def seeds() -> dict[str, bytes]:
    """Small valid files of every kind the pipeline has a path for (a few KB each: fast to decode)."""
    pic = photo((320, 304), seed=81, grain=1)
    flat = colourful(photo((336, 300), seed=82, grain=0))
    rgba = screenshot((300, 400), seed=83).convert("RGBA")
    rgba.putalpha(200)
    return {
        "jpeg": jpeg(pic, 80),
        "jpeg-progressive": jpeg(pic, 80, progressive=True),
        "jpeg-grey": jpeg(pic.convert("L"), 80),
        "jpeg-444-restart": jpeg(pic, 80, subsampling=0, restart_marker_rows=2),
        "jpeg-cmyk-press": tagged_jpeg(flat.convert("CMYK"), icc.cmyk_profile(5), 75),
        "jpeg-p3": tagged_jpeg(flat, icc.rgb_profile(icc.DISPLAY_P3), 75),
        "jpeg-exif-6": exif_rotated_jpeg(6, (304, 320), seed=84),
        "jpeg-flood": scan_flood((320, 320), scans=120),
        "png-rgb": png(flat),
        "png-palette-trns": png(flat.quantize(16), transparency=0),
        "png-16bit-grey": png(flat.convert("L").point(lambda v: v * 257, "I").convert("I;16")),
        "png-rgba-iccp-exif": png(rgba, icc_profile=icc.rgb_profile(icc.ADOBE_RGB), exif=gps_exif(8)),
    }


# --- mutations -------------------------------------------------------------------------------------

_SIZES = (0, 1, 299, 300, 301, 4000, 4001, 8000, 8001, 16384, 65535)


def jpeg_segments(data: bytes) -> list[bytes]:
    """Header segments and scan units (tables + SOS + entropy data) as separate pieces, and the end."""
    head, units, tail = jpeg_units(data)
    pieces, i = [data[:2]], 2
    while i < len(head):
        length = struct.unpack(">H", head[i + 2 : i + 4])[0]
        pieces.append(head[i : i + 2 + length])
        i += 2 + length
    return pieces + units + [tail]


def png_chunks(data: bytes) -> list[bytes]:
    chunks, i = [], 8
    while i + 12 <= len(data):
        length = struct.unpack(">I", data[i : i + 4])[0]
        chunks.append(data[i : i + 12 + length])
        i += 12 + length
    return chunks


def _sof_size(piece: bytes, width: int, height: int) -> bytes:
    return piece[:5] + struct.pack(">HH", height, width) + piece[9:]


@st.composite
def jpeg_surgery(draw, data: bytes) -> bytes:
    pieces = jpeg_segments(data)
    op = draw(st.sampled_from(["drop", "duplicate", "swap", "size", "flood", "no-eoi", "garbage", "dqt", "dht"]))
    k = draw(st.integers(1, len(pieces) - 2))
    if op == "drop":
        del pieces[k]
    elif op == "duplicate":
        pieces.insert(k, pieces[k] * draw(st.integers(1, 3)))
    elif op == "swap":
        j = draw(st.integers(1, len(pieces) - 2))
        pieces[k], pieces[j] = pieces[j], pieces[k]
    elif op == "size":  # huge, tiny or zero declared sizes in the frame header
        sof = next((i for i, p in enumerate(pieces) if p[1:2] in (b"\xc0", b"\xc1", b"\xc2")), None)
        if sof is not None:
            pieces[sof] = _sof_size(pieces[sof], draw(st.sampled_from(_SIZES)), draw(st.sampled_from(_SIZES)))
    elif op == "flood":  # a scan repeated: up to thousands of times
        scans = [i for i, p in enumerate(pieces) if b"\xff\xda" in p[:200]]
        if scans:
            unit = pieces[draw(st.sampled_from(scans))]
            pieces.insert(len(pieces) - 1, unit * draw(st.sampled_from([2, 50, 101, 500, 3000])))
    elif op == "no-eoi":
        pieces[-1] = b""
    elif op == "garbage":
        pieces.insert(k, draw(st.binary(min_size=1, max_size=64)))
    else:  # table bytes: quantisation to zero, Huffman counts out of range
        marker = b"\xff\xdb" if op == "dqt" else b"\xff\xc4"
        tables = [i for i, p in enumerate(pieces) if p.startswith(marker)]
        if tables:
            i = draw(st.sampled_from(tables))
            p = bytearray(pieces[i])
            pos = draw(st.integers(4, len(p) - 1))
            p[pos] = draw(st.sampled_from([0, 1, 0x7F, 0xFF]))
            pieces[i] = bytes(p)
    return b"".join(pieces)


@st.composite
def png_surgery(draw, data: bytes) -> bytes:
    chunks = png_chunks(data)
    op = draw(st.sampled_from(["drop", "duplicate", "swap", "ihdr", "bad-crc", "extra", "bomb-text", "exif"]))
    k = draw(st.integers(0, len(chunks) - 1))
    if op == "drop":
        del chunks[k]
    elif op == "duplicate":
        chunks.insert(k, chunks[k])
    elif op == "swap":
        j = draw(st.integers(0, len(chunks) - 1))
        chunks[k], chunks[j] = chunks[j], chunks[k]
    elif op == "ihdr":  # huge or odd declared sizes, depths and colour types (with a valid CRC)
        fields = (draw(st.sampled_from(_SIZES)), draw(st.sampled_from(_SIZES)), draw(st.sampled_from([1, 2, 4, 8, 16, 3])),
                  draw(st.sampled_from([0, 2, 3, 4, 6, 1])), 0, 0, draw(st.sampled_from([0, 1])))  # fmt: skip
        chunks[0] = png_chunk(b"IHDR", struct.pack(">IIBBBBB", *fields))
    elif op == "bad-crc":
        c = bytearray(chunks[k])
        c[-1] ^= 0x55
        chunks[k] = bytes(c)
    elif op == "extra":
        kind = draw(st.sampled_from([b"iCCP", b"eXIf", b"tRNS", b"PLTE", b"zTXt", b"acTL", b"abcd"]))
        chunks.insert(max(1, k), png_chunk(kind, draw(st.binary(max_size=256))))
    elif op == "bomb-text":  # a compressed text chunk that inflates to megabytes
        chunks.insert(1, png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"\x00" * 20_000_000, 9)))
    else:
        chunks.insert(1, png_chunk(b"eXIf", gps_exif(draw(st.integers(0, 9)))[6:]))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


@st.composite
def byte_damage(draw, data: bytes) -> bytes:
    buf = bytearray(data)
    if not buf:
        return draw(random_file())
    op = draw(st.sampled_from(["flip", "set", "truncate", "cut", "insert", "profile"]))
    if op == "truncate":
        return bytes(buf[: draw(st.integers(0, len(buf)))])
    if op in ("cut", "insert"):
        a = draw(st.integers(0, len(buf)))
        b = draw(st.integers(a, min(len(buf), a + 4096)))
        return bytes(buf[:a] + (draw(st.binary(max_size=512)) if op == "insert" else b"") + buf[b:])
    if op == "profile" and b"ICC_PROFILE" in buf:  # damage inside the embedded ICC profile
        start = buf.index(b"ICC_PROFILE") + 14
        for _ in range(draw(st.integers(1, 16))):
            buf[draw(st.integers(start, min(len(buf) - 1, start + 4000)))] = draw(st.integers(0, 255))
        return bytes(buf)
    # header-heavy: half the damage in the first 2 KB, where the structure is
    for _ in range(draw(st.integers(1, 24))):
        limit = min(len(buf), 2048) if draw(st.booleans()) else len(buf)
        pos = draw(st.integers(0, limit - 1))
        buf[pos] = buf[pos] ^ (1 << draw(st.integers(0, 7))) if op == "flip" else draw(st.integers(0, 255))
    return bytes(buf)


_MAGIC = [b"", b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\x89PNG\r\n\x1a\n",
          b"\x00\x00\x00\x18ftypheic", b"RIFF\x00\x00\x00\x00WEBP", b"GIF89a", b"%PDF-1.7"]  # fmt: skip


@st.composite
def random_file(draw) -> bytes:
    return draw(st.sampled_from(_MAGIC)) + draw(st.binary(max_size=4096))


@st.composite
def mutated_file(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(seeds())))
    data = seeds()[name]
    rounds = draw(st.integers(1, 3))
    for _ in range(rounds):
        if data.startswith(b"\xff\xd8") and len(_parses(jpeg_segments, data)) > 2 and draw(st.booleans()):
            data = draw(jpeg_surgery(data))
        elif data.startswith(b"\x89PNG") and _parses(png_chunks, data) and draw(st.booleans()):
            data = draw(png_surgery(data))
        else:
            data = draw(byte_damage(data))
    return name, data


def _parses(parse, data: bytes) -> list:
    """The pieces, or [] where an earlier mutation left nothing the surgery could cut along."""
    try:
        return parse(data)
    except (IndexError, ValueError, AttributeError, struct.error):
        return []


# --- the property ----------------------------------------------------------------------------------


STATS: dict = {"files": 0, "outcomes": collections.Counter(), "by_seed": collections.Counter(),
               "max_ms": 0.0, "max_ms_file": b"", "max_peak_mb": 0.0}  # fmt: skip


def check(data: bytes, seed: str = "random") -> str:
    """One file through the pipeline: a processed picture or a contract reason, within the bounds."""
    measured = reset_peak_rss()
    before = status_kb("VmRSS") or 0
    started = time.perf_counter()
    try:
        got = imaging.process(data, reference="FUZZ01", day=DAY)
    except InvalidImage as e:
        assert e.reason in imaging.REASONS
        assert e.found is None or e.found in imaging.FOUND_FORMATS
        outcome = e.reason if e.found is None else f"{e.reason}:{e.found}"
    else:
        assert 0 < len(got.jpeg) <= imaging.MAX_OUTPUT_BYTES
        out = Image.open(io.BytesIO(got.jpeg))
        assert out.format == "JPEG" and out.size == (got.width, got.height) and out.mode in ("RGB", "L")
        out.load()
        outcome = "ok"
    elapsed = (time.perf_counter() - started) * 1000
    peak_mb = ((status_kb("VmHWM") or before) - before) / 1024 if measured else 0.0
    assert peak_mb <= MEMORY_BOUND_MB, f"{peak_mb:.0f} MB for one file"
    STATS["files"] += 1
    STATS["outcomes"][outcome] += 1
    STATS["by_seed"][seed] += 1
    if elapsed > STATS["max_ms"]:
        STATS["max_ms"], STATS["max_ms_file"] = elapsed, data
    STATS["max_peak_mb"] = max(STATS["max_peak_mb"], peak_mb)
    return outcome


def fuzz_settings(examples: int, *, derandomize: bool) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
                    suppress_health_check=list(HealthCheck), print_blob=True)  # fmt: skip


@fuzz_settings(EXAMPLES, derandomize=True)
@given(random_file())
def test_random_bytes_give_a_reason_never_an_exception(data):
    check(data)


@fuzz_settings(EXAMPLES, derandomize=True)
@given(mutated_file())
def test_mutated_images_give_a_picture_or_a_reason_never_an_exception(named):
    name, data = named
    check(data, name)


def test_every_seed_is_accepted_as_it_is():
    """The mutations start from files that take every path through the pipeline."""
    outcomes = {name: check(data, name) for name, data in seeds().items()}
    assert outcomes.pop("jpeg-flood") == "CORRUPT"
    assert set(outcomes.values()) == {"ok"}, outcomes


# --- make fuzz -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz imaging.process with a large random budget.")
    parser.add_argument("--examples", type=int, default=20_000, help="files per strategy (random, mutated)")
    parser.add_argument("--keep-slowest", default="", help="write the slowest file here")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)  # Pillow on broken metadata: noise here
    started = time.perf_counter()
    failures = []

    def random_one(data: bytes) -> None:
        check(data)

    def mutated_one(named: tuple[str, bytes]) -> None:
        check(named[1], named[0])

    for test, strategy in ((random_one, random_file()), (mutated_one, mutated_file())):
        runner = fuzz_settings(args.examples, derandomize=False)(given(strategy)(test))
        try:
            runner()
        except Exception as e:  # report every strategy's failure, then fail
            failures.append(e)
            print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
    minutes = (time.perf_counter() - started) / 60
    print(f"files fuzzed: {STATS['files']:,} in {minutes:.1f} min; failures: {len(failures)}")
    print("outcomes: " + ", ".join(f"{k} {v:,}" for k, v in STATS["outcomes"].most_common()))
    print("mutated from: " + ", ".join(f"{k} {v:,}" for k, v in sorted(STATS["by_seed"].items())))
    head = re.sub(rb"[^ -~]", b".", STATS["max_ms_file"][:16]).decode()
    print(f"slowest file: {STATS['max_ms']:.0f} ms (starts {head!r}); largest peak memory of one file: "
          f"{STATS['max_peak_mb']:.0f} MB (bound {MEMORY_BOUND_MB} MB)")  # fmt: skip
    if args.keep_slowest:
        with open(args.keep_slowest, "wb") as f:
            f.write(STATS["max_ms_file"])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
