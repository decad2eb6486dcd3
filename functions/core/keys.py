"""The S3 key layout (README "S3 key layout"). Pure: the domain names objects, core.storage moves them."""

from __future__ import annotations


def upload_key(app_id: str, material_type: str, image_id: str) -> str:
    """Raw upload in the quarantine bucket; names the reservation so process_image can find it."""
    return f"uploads/{app_id}/{material_type}/{image_id}"


def material_key(app_id: str, material_type: str, image_id: str, reference: str) -> str:
    """Watermarked copy in the private materials bucket (a prefix process_image does not listen on).
    Written only while its upload is processed, before any record points at it, so the object behind
    the key never changes once a link to it is handed out: a new picture is a new upload, a new image
    id, a new key (a browser's cached copy is never stale). Each attempt writes its own key (the
    reference it draws into the watermark, R12): two deliveries of one upload processed at once never
    overwrite or delete the copy the other recorded. What an attempt that died left under
    ``material_prefix`` is swept once the image is settled."""
    return f"{material_prefix(app_id, material_type, image_id)}{reference}.jpg"


def material_prefix(app_id: str, material_type: str, image_id: str) -> str:
    """Every attempt's copy (and thumbnail) of one image, and nothing of another's (image ids are unique)."""
    return f"materials/{app_id}/{material_type}/{image_id}-"


def thumbnail_key(material_key: str) -> str:
    """The thumbnail beside its watermarked picture: ``….jpg`` -> ``….thumb.jpg``."""
    return f"{material_key.removesuffix('.jpg')}.thumb.jpg"


def sample_key(name: str) -> str:
    """A sample picture (R4): the same key in the materials bucket (shown) and, for one the exam office
    uploads, in the quarantine bucket (its presigned POST) until it is published. `name` is
    `{type}.png` for the first catalogue's, `{type}/{random}.{png|jpg}` for an upload: a new picture is
    a new key, so a catalogue version keeps the picture it named."""
    return f"samples/{name}"


def parse_upload_key(key: str) -> tuple[str, str, str] | None:
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "uploads" or not all(parts[1:]):
        return None
    return parts[1], parts[2], parts[3]
