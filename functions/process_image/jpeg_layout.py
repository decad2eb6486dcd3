"""The layout of a JPEG file from its markers alone, before a pixel is decoded (R6, R12: one upload
must not stall the others).

libjpeg decodes a progressive JPEG scan by scan, and every scan visits every 8x8 block of its
components, however few bytes the scan has: with end-of-band runs a scan of a 16-megapixel picture
takes a dozen bytes, so a 200 KB file can hold thousands of scans and keep the decoder busy for
minutes (libjpeg-turbo calls it LJT-01-003; its authors' advice is to limit the number of scans).
``read`` walks the markers the way libjpeg's marker reader does (segment lengths, fill bytes and
garbage skipped, entropy-coded data running to the next marker) and reports how many scans there are
and how many block visits they cost, so the pipeline refuses a flood before decoding it. It stops
counting past ``max_scans``, so a flood is refused in a millisecond however long it is.

It also says whether a file that lacks its end-of-image marker is otherwise whole: every frame
component in a scan and, for a progressive file, every coefficient coded down to its last bit; and
which scans are too short for their blocks. libjpeg does not stop at a scan that ends early: it
warns ("premature end of data segment"), fills the rest in grey and goes on, so a 20 KB file that
declares 4000x4000 makes it decode, convert and encode 16 megapixels of nothing (LJT-01-004; its
authors' advice is to treat that warning as fatal, which Pillow does not). Every block of a Huffman
sequential scan costs at least two bits (a DC code and an end of block), of a progressive DC scan at
least one, so a scan with fewer bytes than that is cut, whatever follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
# Markers read without a length: RSTn and TEM, and the reserved 0x02..0xBF, which libjpeg refuses,
# except while looking for a restart marker, where it skips them and reads on: a "segment" behind one
# must not hide scans from the count.
_NO_LENGTH = frozenset(range(0xD0, 0xD8)) | frozenset(range(0x01, 0xC0))
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))
_PROGRESSIVE = frozenset((0xC2, 0xC6, 0xCA, 0xCE))
_ARITHMETIC_OR_LOSSLESS = frozenset((0xC3, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))  # no bits-per-block floor
_ALL_COEFFICIENTS = (1 << 64) - 1
# libjpeg's next_marker(): any bytes up to an 0xFF, any number of 0xFF fill bytes, then the marker;
# 0xFF 0x00 is a stuffed data byte inside entropy-coded data, not a marker. Written with a single 0xFF
# first (not ``\xff+``): re then finds each candidate with a fast literal scan, ~20x quicker through
# 150 KB of scan data (2.4 ms -> 0.1 ms, a tenth of the whole pipeline's overhead).
_MARKER = re.compile(rb"\xff\xff*([^\x00\xff])")


class Unreadable(ValueError):
    """Structure libjpeg itself refuses (no SOI, a second SOI or frame, a scan before the frame, ...)."""


@dataclass(frozen=True)
class Layout:
    scans: int  # start-of-scan markers before the end (counting stops at max_scans + 1)
    block_visits: int  # sum over the scans of the 8x8 blocks each one decodes
    has_eoi: bool
    end: int  # just past EOI; without EOI, where the last whole segment or the scan data ends
    complete: bool  # every component scanned, every coefficient coded to its last bit (progressive)
    progressive: bool
    short_scans: int  # scans with fewer bytes than their blocks need: cut, libjpeg would fill in grey
    coded_bytes: int = 0  # entropy-coded data of all scans: the picture's own bytes, without metadata


@dataclass
class _Frame:
    progressive: bool
    bits_floor: bool  # Huffman DCT: every block of a sequential or DC scan costs at least a bit
    blocks: dict[int, int]  # component id -> 8x8 blocks in the component


def _frame(marker: int, payload: bytes) -> _Frame:
    if len(payload) < 6:
        raise Unreadable("short frame header")
    height = int.from_bytes(payload[1:3], "big")
    width = int.from_bytes(payload[3:5], "big")
    count = payload[5]
    if count == 0 or len(payload) < 6 + 3 * count:
        raise Unreadable("bad frame header")
    sampling = {payload[6 + 3 * i]: payload[7 + 3 * i] for i in range(count)}
    h_max = max(s >> 4 for s in sampling.values()) or 1
    v_max = max(s & 15 for s in sampling.values()) or 1
    blocks = {}
    for cid, s in sampling.items():
        w = -(-width * (s >> 4) // h_max)
        h = -(-height * (s & 15) // v_max)
        blocks[cid] = -(-w // 8) * -(-h // 8)
    return _Frame(progressive=marker in _PROGRESSIVE, bits_floor=marker not in _ARITHMETIC_OR_LOSSLESS, blocks=blocks)


def read(data: bytes, *, max_scans: int) -> Layout:
    if data[:2] != b"\xff\xd8":
        raise Unreadable("no SOI")
    frame: _Frame | None = None
    scans = visits = short = scan_bytes = 0
    coded: dict[int, int] = {}  # component id -> bit k set once coefficient k is coded with Al = 0
    pos = end = 2  # end: just past the last whole segment, or the end of the last scan's data
    in_scan = False
    scan_start = scan_bits = 0  # where the current scan's entropy-coded data starts, the least it needs

    def layout(has_eoi: bool, at: int) -> Layout:
        progressive = frame is not None and frame.progressive
        complete = frame is not None and all(
            coded.get(cid, 0) == _ALL_COEFFICIENTS if progressive else cid in coded for cid in frame.blocks
        )
        return Layout(scans, visits, has_eoi, at, complete, progressive, short, scan_bytes)

    while True:
        m = _MARKER.search(data, pos)
        if m is None:  # no end marker: the file ends in scan data or after (or inside) a segment
            if in_scan:
                short += 8 * (len(data) - scan_start) < scan_bits
                scan_bytes += len(data) - scan_start
            return layout(False, len(data) if in_scan else end)
        marker, after = m.group(1)[0], m.end()
        if in_scan:
            end = m.start()
        if marker in _NO_LENGTH:  # e.g. a restart marker inside a scan: the scan data goes on
            pos = after
            continue
        if in_scan:  # the scan's data ends here
            short += 8 * (end - scan_start) < scan_bits
            scan_bytes += end - scan_start
            in_scan = False
        if marker == EOI:
            return layout(True, after)
        if marker == SOI:
            raise Unreadable("second SOI")
        if after + 2 > len(data):
            return layout(False, end)
        length = max(2, int.from_bytes(data[after : after + 2], "big"))  # libjpeg skips nothing below 2
        if after + length > len(data):
            return layout(False, end)
        payload = data[after + 2 : after + length]
        if marker in _SOF:
            if frame is not None:
                raise Unreadable("second frame")
            frame = _frame(marker, payload)
        elif marker == SOS:
            if frame is None:
                raise Unreadable("scan before frame")
            scans += 1
            if scans > max_scans:
                return layout(False, end)
            blocks, scan_bits = _scan(frame, payload, coded)
            visits += blocks
            scan_start, in_scan = after + length, True
        pos = end = after + length


def _scan(frame: _Frame, payload: bytes, coded: dict[int, int]) -> tuple[int, int]:
    """Block visits of one scan and the fewest bits its data can have; records which coefficients
    it finishes."""
    count = payload[0] if payload else 0
    if count == 0 or len(payload) < 1 + 2 * count + 3:
        raise Unreadable("bad scan header")
    components = [payload[1 + 2 * i] for i in range(count)]
    if any(c not in frame.blocks for c in components):
        raise Unreadable("scan of an unknown component")
    ss, se, approx = payload[1 + 2 * count : 4 + 2 * count]
    if frame.progressive:
        if ss <= se <= 63 and approx & 15 == 0:  # Al = 0: these coefficients are now complete
            band = ((1 << (se + 1)) - 1) ^ ((1 << ss) - 1)
            for c in components:
                coded[c] = coded.get(c, 0) | band
    else:
        for c in components:
            coded[c] = _ALL_COEFFICIENTS
    blocks = sum(frame.blocks[c] for c in components)
    if not frame.bits_floor or (frame.progressive and ss > 0):  # AC scans: end-of-band runs, no floor
        return blocks, 0
    return blocks, blocks if frame.progressive else 2 * blocks
