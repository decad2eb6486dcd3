"""Near-identical pictures (api-contract.md "Instant quality feedback"): two 64-bit perceptual hashes
per image, compared by Hamming distance, and indexed by bands so a lookup is a few Queries, never a
Scan. Pure integer arithmetic; the hashes themselves are computed from the pixels in
process_image/quality.py.

An image's hash text (``Image.phash``) holds the scene's hash (the whole picture: desk, framing and
document) in its last 16 hex digits and, before them, the document's (the picture cropped to the
document). The same picture has both alike. Different documents photographed on one desk share the
scene, not the document; two candidates' documents of one template share the document, not the scene
(their desks differ), so neither is taken for the same picture. A text of 16 digits is a scene's hash
alone (stored before the document's existed): it is compared on the scene.
"""

from __future__ import annotations

from typing import NamedTuple

BANDS = 4
BAND_BITS = 16
HASH_BITS = 64


class Bounds(NamedTuple):
    """The Hamming distances within which two pictures are the same one (process_image derives them)."""

    scene: int
    document: int


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def band_key(phash: int, i: int) -> str:
    return f"{i}:{(phash >> (BAND_BITS * i)) & 0xFFFF:04x}"


def band_keys(phash: int) -> list[str]:
    """The index keys an image is stored under: its scene hash cut into 4 bands of 16 bits, e.g.
    ``2:a3f0``. A near duplicate that differs in at most 3 bits shares one by pigeonhole; the lookup
    also probes the bands with their least certain bits flipped (quality.Assessment.probe_keys). The
    scene, not the document: a template every candidate has (one side of the identity card) would
    gather most of the index under a few keys."""
    return [band_key(phash, i) for i in range(BANDS)]


def as_int(phash: str) -> int:
    """The scene's hash (the low 64 bits: the index bands) with the document's above it, if any."""
    return int(phash, 16)


def as_text(scene: int, document: int | None = None) -> str:
    return f"{scene:016x}" if document is None else f"{document:016x}{scene:016x}"


def distance(a: str, b: str) -> tuple[int, int | None]:
    """(scene, document) Hamming distances; the document's is None unless both texts have one."""
    x, y = as_int(a), as_int(b)
    mask = (1 << HASH_BITS) - 1
    both = len(a) > 16 and len(b) > 16
    return hamming(x & mask, y & mask), (hamming(x >> HASH_BITS, y >> HASH_BITS) if both else None)


def alike(a: str, b: str, bounds: Bounds) -> bool:
    """The same picture: the scene and the document (where both have one) within their bounds."""
    scene, document = distance(a, b)
    return scene <= bounds.scene and (document is None or document <= bounds.document)


def nearness(a: str, b: str) -> int:
    """How far apart, to rank the alike: the two distances summed (the scene's twice for an old hash)."""
    scene, document = distance(a, b)
    return scene + (scene if document is None else document)
