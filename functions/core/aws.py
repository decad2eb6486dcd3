"""Where the functions' AWS clients come from: botocore's, without boto3.

boto3 adds resources, waiters' docs and s3transfer (with multiprocessing) on top of botocore; the
functions use none of it (presigned POSTs are botocore's own), and importing boto3 costs a cold start
~14 ms more than the botocore it wraps (bench row 3). One session per process, as boto3's default
session would be: it reads the region, credentials and AWS_ENDPOINT_URL from the environment.
"""

from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.config import Config


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def client(service: str, config: Config, region: str | None = None):
    return _session().create_client(service, region_name=region, config=config)


def credentials():
    """The session's credentials as they are now (frozen: key, secret, token), for signing by hand."""
    found = _session().get_credentials()
    return found.get_frozen_credentials() if found is not None else None


def reset() -> None:
    """A fresh session for the next client (tests: another mock, other credentials)."""
    _session.cache_clear()
