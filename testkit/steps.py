"""A candidate's steps as a browser takes them, for the tests and the bench: reserve a place through
upload_presign, put the file where the presigned POST would; the HTTP API event a JSON client sends."""

from __future__ import annotations

import os

from local.invoke import http_event as event_for


def reserve(api, who: dict, app_id: str, material: str, content_type: str = "image/jpeg"):
    return api("upload_presign", "POST", f"/applications/{app_id}/materials/{material}/images", who,
               {"contentType": content_type})


def put(aws, key: str, data: bytes, content_type: str = "image/jpeg") -> None:
    aws.s3.put_object(Bucket=os.environ["UPLOADS_BUCKET"], Key=key, Body=data, ContentType=content_type)


def http_event(method: str, path: str, who: dict | None, body=None, headers: dict | None = None,
               query: dict | None = None, base64_encoded: bool = False) -> dict:
    """As this API's clients send requests: JSON unless the headers say otherwise."""
    return event_for(method, path, who, body=body, base64_encoded=base64_encoded, query=query,
                     headers={"content-type": "application/json", **(headers or {})})
