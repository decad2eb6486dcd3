"""Near-identical pictures (api-contract.md "Instant quality feedback"): a 64-bit perceptual hash per
image, compared by Hamming distance, and indexed by bands so a lookup is a few Queries, never a Scan.
Pure integer arithmetic; the hash itself is computed from the pixels in process_image/quality.py."""

from __future__ import annotations

BANDS = 4
BAND_BITS = 16


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def band_key(phash: int, i: int) -> str:
    return f"{i}:{(phash >> (BAND_BITS * i)) & 0xFFFF:04x}"


def band_keys(phash: int) -> list[str]:
    """The index keys an image is stored under: its hash cut into 4 bands of 16 bits, e.g. ``2:a3f0``.
    A near duplicate that differs in at most 3 bits shares one by pigeonhole; the lookup also probes
    the bands with their least certain bits flipped (quality.Assessment.probe_keys)."""
    return [band_key(phash, i) for i in range(BANDS)]


def as_int(phash: str) -> int:
    return int(phash, 16)


def as_text(phash: int) -> str:
    return f"{phash:016x}"
