"""Image links on the site's own CloudFront distribution, signed with its key pair (canned policy), so
that every Lambda environment hands out the byte-identical link for an object within a window.

An S3 presigned GET names its signer (the environment's temporary access key and session token), so
two environments sign two links for one object and the browser downloads it twice; a CloudFront
signature depends only on the key pair, the URL and ``Expires``. ``Expires`` is the end of a fixed
window aligned to the epoch, plus ``view_url_ttl`` (the last link handed out in a window still has those
minutes): thumbnails a 7-day window, full pictures a 1-day one (``settings``). A leaked thumbnail link
works for up to a week and ten minutes, a picture's for a day and ten minutes. The object's own
Cache-Control (``storage.OBJECT_CACHE_CONTROL``, immutable) lets the browser keep what it fetched for as
long as it is handed the same link.

The private key (PEM) is read from its secret once per cold start; ``cryptography`` (RSA-SHA1, PKCS#1
v1.5, what CloudFront verifies) is imported here only, on the first link signed, so a function that
never signs one does not load it. botocore's ``CloudFrontSigner`` writes the policy and the URL. Each
(URL, Expires) is signed once per environment and window (``_signed``): a page read of six images signs
nothing after the first.

Sample pictures (R4) are public: their links are plain URLs on the distribution (``samples/*`` needs no
signature), the same for as long as the picture's key.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote

from botocore.config import Config
from botocore.signers import CloudFrontSigner

from core import aws
from core.keys import sample_key, thumbnail_key
from core.settings import settings
from core.storage import window_start


def expires_at(now: float, window: int, ttl: int) -> int:
    """When a link handed out at ``now`` stops working: the end of its window plus ``ttl``."""
    return window_start(now, window) + window + ttl


def object_url(key: str) -> str:
    """The distribution's URL of a key in the materials bucket (the path is the key, percent-encoded)."""
    origin = settings().image_origin
    if not origin:
        raise RuntimeError("IMAGE_ORIGIN is required with IMAGE_LINKS=cloudfront")
    return f"{origin}/{quote(key, safe='/~')}"


@lru_cache(maxsize=1)
def _private_key(secret_id: str):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    secrets = aws.client("secretsmanager", region=settings().region, config=Config(retries={"total_max_attempts": 3, "mode": "standard"},
                                                          connect_timeout=2, read_timeout=5))
    pem = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
    # our own key from our own secret: its checks (~35 ms of a cold start) prove nothing here
    return load_pem_private_key(pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)


@lru_cache(maxsize=1)
def _signer(key_pair_id: str, secret_id: str) -> CloudFrontSigner:
    if not (key_pair_id and secret_id):  # a function that shows sample pictures only has neither
        raise RuntimeError("IMAGE_KEY_PAIR_ID and IMAGE_KEY_SECRET are required to sign image links")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = _private_key(secret_id)
    return CloudFrontSigner(key_pair_id, lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()))


@lru_cache(maxsize=4096)
def _signed(url: str, expires: int) -> str:
    s = settings()
    return _signer(s.image_key_pair_id, s.image_key_secret).generate_presigned_url(
        url, date_less_than=datetime.fromtimestamp(expires, UTC))


def signed_url(key: str, window: int, now: float | None = None) -> str:
    expires = expires_at(time.time() if now is None else now, window, settings().view_url_ttl)
    return _signed(object_url(key), expires)


def material_url(key: str, now: float | None = None) -> str:
    return signed_url(key, settings().picture_url_window, now)


def thumbnail_url(key: str, now: float | None = None) -> str:
    """The thumbnail of the watermarked picture stored under ``key``."""
    return signed_url(thumbnail_key(key), settings().thumbnail_url_window, now)


def sample_url(name: str) -> str:
    return object_url(sample_key(name))


def reset() -> None:
    """Forget the key and the signed links (tests: another key, other settings)."""
    _private_key.cache_clear()
    _signer.cache_clear()
    _signed.cache_clear()
