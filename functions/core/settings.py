"""Settings read from the environment once, at cold start, and validated: a missing TABLE_NAME
fails the first invocation loudly instead of the first write quietly."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    table_name: str
    uploads_bucket: str
    materials_bucket: str
    region: str
    upload_url_ttl: int = 300  # presigned POST lifetime and reservation lifetime (issue 3: at most 5 min)
    view_url_ttl: int = 600  # a presigned GET of an image is valid at least this long after it is handed out
    view_url_window: int = 3600  # ... and stays the same link all through a window this long (core.storage)
    claim_ttl: int = 900  # a reviewer's claim lease (15 minutes)
    retention_days: int = 0  # an application's records are kept this long after its exam year; 0: for good
    web_url: str = ""  # the web client's origin, where a function links the upload page (R1); "" if none
    # Image links (core.image_links): "s3", presigned GETs on the materials bucket; "cloudfront", URLs on
    # the site's own distribution signed with its key pair (the private key PEM in a secret).
    image_links: str = "s3"
    image_origin: str = ""  # https://<the distribution's domain> (or the site's custom domain)
    image_key_pair_id: str = ""  # the CloudFront public key's id
    image_key_secret: str = ""  # the secret holding the private key (name or ARN)
    thumbnail_url_window: int = 7 * 86400  # a thumbnail's signed link stays the same link this long
    picture_url_window: int = 86400  # ... and a full picture's

    def __post_init__(self):
        for name in ("table_name", "uploads_bucket", "materials_bucket", "region"):
            if not getattr(self, name):
                raise RuntimeError(f"setting {name} is required")
        if not 0 < self.upload_url_ttl <= 300:
            raise RuntimeError("UPLOAD_URL_TTL_SECONDS must be 1..300")
        if not 0 < self.view_url_ttl <= 900:
            raise RuntimeError("VIEW_URL_TTL_SECONDS must be 1..900")
        # A whole number of windows a day, so every day starts one; within the SigV4 limit of 7 days.
        if not (60 <= self.view_url_window <= 86400 and 86400 % self.view_url_window == 0):
            raise RuntimeError("VIEW_URL_WINDOW_SECONDS must be 60..86400 and divide a day")
        if self.web_url and not self.web_url.startswith(("https://", "http://")):
            raise RuntimeError("WEB_URL must be the web client's origin (https://...)")
        if self.image_links not in ("s3", "cloudfront"):
            raise RuntimeError("IMAGE_LINKS must be s3 or cloudfront")
        # (the origin and the key pair are required where a link is made: core.image_links)
        if self.image_origin and (not self.image_origin.startswith(("https://", "http://"))
                                  or self.image_origin.endswith("/")):
            raise RuntimeError("IMAGE_ORIGIN must be the distribution's origin (https://..., no path)")
        # Windows aligned to the epoch that divide a week: every environment starts the same windows, so
        # all of them sign the same link for an object; an hour at least, so a link is worth caching.
        for name, window in (("THUMBNAIL_URL_WINDOW_SECONDS", self.thumbnail_url_window),
                             ("PICTURE_URL_WINDOW_SECONDS", self.picture_url_window)):
            if not (3600 <= window <= 7 * 86400 and 7 * 86400 % window == 0):
                raise RuntimeError(f"{name} must be 3600..604800 and divide a week")


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        uploads_bucket=env.get("UPLOADS_BUCKET", ""),
        materials_bucket=env.get("MATERIALS_BUCKET", ""),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", ""),
        upload_url_ttl=int(env.get("UPLOAD_URL_TTL_SECONDS", "300")),
        view_url_ttl=int(env.get("VIEW_URL_TTL_SECONDS", "600")),
        view_url_window=int(env.get("VIEW_URL_WINDOW_SECONDS", "3600")),
        claim_ttl=int(env.get("CLAIM_TTL_SECONDS", "900")),
        retention_days=int(env.get("RETENTION_DAYS", "0") or 0),
        web_url=env.get("WEB_URL", ""),
        image_links=env.get("IMAGE_LINKS", "s3"),
        image_origin=env.get("IMAGE_ORIGIN", ""),
        image_key_pair_id=env.get("IMAGE_KEY_PAIR_ID", ""),
        image_key_secret=env.get("IMAGE_KEY_SECRET", ""),
        thumbnail_url_window=int(env.get("THUMBNAIL_URL_WINDOW_SECONDS", str(7 * 86400))),
        picture_url_window=int(env.get("PICTURE_URL_WINDOW_SECONDS", "86400")),
    )
