"""Test pictures as a phone makes them, written to files the browser's file input can take."""

from __future__ import annotations

import random
from pathlib import Path

from testkit import corpus, quality_set

# What each material is a photo of (testkit/quality_set.py draws them, kind and seed): distinct documents,
# checked to draw no quality warning and no DUPLICATE between each other, so a test sees only the
# warnings it made.
DOCUMENTS = {"id_card": (("card front", 3), ("card back", 4)), "diploma": (("diploma", 5),),
             "practice_proof": (("certificate", 6),), "residence_permit": (("text page", 7),), "other": (("text page", 8),)}


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


def document_jpeg(kind: str, seed: int, **shot) -> bytes:
    """A phone photo of a document on a desk (1280x960, under 200 KB); `shot` degrades it, e.g.
    blur=0.006 for an out-of-focus photo (BLURRY)."""
    rnd = random.Random(seed)
    return corpus.fit_jpeg(quality_set.take(kind, seed, quality_set._shot(rnd, (1280, 960), **shot), rnd))


def document_photo(path: Path, kind: str, seed: int, **shot) -> Path:
    path.write_bytes(document_jpeg(kind, seed, **shot))
    return path


def blurred_photo(path: Path, kind: str = "certificate", seed: int = 5) -> Path:
    """Out of focus (Gaussian blur 0.6 % of the long side): process_image warns BLURRY."""
    return document_photo(path, kind, seed, blur=0.006)


def phone_screenshot(path: Path, kind: str = "diploma", seed: int = 31) -> Path:
    """A PNG screenshot of a phone's picture viewer showing the document fit to the screen's width (1080x2340,
    a few hundred KB: the page compresses it): the document touches both sides of the frame."""
    rnd = random.Random(seed)
    quality_set.viewer_screen(kind, seed, (1080, 2340), rnd, photographed=False).save(path, "PNG")
    return path


def pdf_file(path: Path) -> Path:
    """A one-page PDF, as a scanner app saves a document."""
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                     b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return path
