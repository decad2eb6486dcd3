"""The S3 key layout (README "S3 key layout"). Pure: the domain names objects, core.storage moves them."""

from __future__ import annotations


def upload_key(app_id: str, material_type: str, image_id: str) -> str:
    """Raw upload in the quarantine bucket; names the reservation so process_image can find it."""
    return f"uploads/{app_id}/{material_type}/{image_id}"


def material_key(app_id: str, material_type: str, image_id: str) -> str:
    """Watermarked copy in the private materials bucket (a prefix process_image does not listen on)."""
    return f"materials/{app_id}/{material_type}/{image_id}.jpg"


def sample_key(name: str) -> str:
    return f"samples/{name}"


def parse_upload_key(key: str) -> tuple[str, str, str] | None:
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "uploads" or not all(parts[1:]):
        return None
    return parts[1], parts[2], parts[3]
