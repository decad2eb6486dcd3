"""Test pictures as a phone makes them, written to files the browser's file input can take."""

from __future__ import annotations

from pathlib import Path

from tests import corpus


def phone_photo(path: Path, seed: int = 5) -> Path:
    """A 4000x3000 JPEG of ~1.5 MB stored sideways with EXIF orientation 6 (as phones do): upright it
    is 3000x4000 with a red block top-left (corpus.with_marker)."""
    upright = corpus.with_marker(corpus.photo((3000, 4000), seed=seed, grain=6))
    path.write_bytes(corpus.jpeg(upright.transpose(corpus._STORED[6]), 84, exif=corpus.gps_exif(6)))
    return path


def small_photo(path: Path, seed: int = 1) -> Path:
    """A document photo already under 200 KB: uploaded as it is."""
    path.write_bytes(corpus.photo_jpeg((1200, 900), seed=seed))
    return path


def heic_photo(path: Path, seed: int = 8) -> Path:
    """An iPhone-style HEIC photo (Chromium cannot decode HEIC itself)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    corpus.with_marker(corpus.photo((1500, 2000), seed=seed)).save(path, "HEIF", quality=80)
    return path
