"""Path and query parameter types the API functions share (one definition each)."""

from __future__ import annotations

from typing import Annotated

from core.http import Path, Query

AppId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="application id")]
ImageId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="image id")]
MaterialTypePath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="material type, e.g. id_card")]
Cursor = Annotated[str | None, Query(max_length=2000, description="nextCursor of the previous page")]
TrailCursor = Annotated[str | None, Query(max_length=2000, description=(
    "where the list goes on: the page's timelineCursor, auditCursor or historyCursor, or the previous answer's "
    "nextCursor; without it, the newest entries"))]
