"""The upload_presign function's use cases: reserve a place in a slot and hand out a presigned POST
straight to S3 (R6, R8, R9, R10), and delete an image before it is locked (R11, R13)."""

from __future__ import annotations

import secrets

from core import contract as c
from core import storage, uploads
from core.catalog import MAX_BYTES
from core.clock import iso
from core.identity import Caller
from core.settings import settings
from core.transact import transact


def reserve_upload(caller: Caller, app_id: str, material_type: str, body: c.UploadRequest) -> c.Reservation:
    cmd = uploads.Reserve(caller=caller, material_type=material_type, content_type=body.contentType, size=body.size,
                          file_name=body.fileName, image_id=secrets.token_urlsafe(16), ttl=settings().upload_url_ttl)
    plan, image = transact(app_id, lambda snap, now: uploads.reserve(snap, cmd, now), window=True)
    expires = plan.now.seconds + cmd.ttl  # the image's expiresAt, as reserve set it
    post = storage.presigned_post(image.upload_key, image.content_type, MAX_BYTES, cmd.ttl)
    return c.Reservation(imageId=image.image_id, materialType=image.material_type,
                         upload=c.PresignedPost(url=post["url"], fields=post["fields"]),
                         expiresAt=iso(expires), expiresAtEpoch=expires, maxBytes=MAX_BYTES)


def delete_image(caller: Caller, app_id: str, material_type: str, image_id: str) -> None:
    cmd = uploads.Delete(caller=caller, material_type=material_type, image_id=image_id)
    plan, _ = transact(app_id, lambda snap, now: (uploads.delete(snap, cmd, now), None), window=True)
    # Only once the record is gone: the objects of an image that won a race to approval must stay.
    for image in plan.delete_images:
        # A picture still being processed has no copy yet: its attempt removes its own when the record refuses it.
        storage.discard(image.upload_key, image.object_key)
