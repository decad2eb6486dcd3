"""The exam office's season settings, decided (pure): a window of an exam year and region, and a change
of the requirement catalogue (a material put at, or taken from, a scope), each a new version of what it
was made from. Committed through core.transact's loop, conditional on the version read: two offices
changing the catalogue at once make two versions, never one lost."""

from __future__ import annotations

from dataclasses import dataclass

from core import season
from core.catalog import Catalog, CatalogueVersion, with_material, without_material
from core.clock import Now
from core.errors import DomainError
from core.identity import Caller
from core.models import Window


@dataclass(frozen=True)
class SetWindow:
    caller: Caller
    exam_year: int
    region: str
    times: dict[str, str]  # the API's five names -> ISO 8601 with offset


def set_window(existing: Window | None, places: Catalog, cmd: SetWindow, now: Now) -> tuple[tuple[Window, int | None], Window]:
    """The window as the office sets it, the next version of what was there (the plan: it and the version
    it replaces, none if new)."""
    if not places.has_region(cmd.region):
        raise DomainError("NOT_FOUND", f"There is no exam region {cmd.region} in the catalogue.",
                          f"目录中没有考区 {cmd.region}。")
    made = season.window(cmd.exam_year, cmd.region, cmd.times, cmd.caller.sub, now.iso,
                         existing.version + 1 if existing else 1)
    return (made, existing.version if existing else None), made


@dataclass(frozen=True)
class ChangeMaterial:
    caller: Caller
    scope: str  # national, region-{code}, site-{code}
    type: str
    spec: dict | None  # the material as the scope asks for it; None: the scope no longer asks for it


def change_material(current: Catalog, cmd: ChangeMaterial, now: Now) -> tuple[CatalogueVersion, CatalogueVersion]:
    """The next version of the catalogue with the change, recording who made it, when and what."""
    if cmd.spec is None:
        data, action = without_material(current.data, cmd.scope, cmd.type), "delete"
    else:
        data, action = with_material(current.data, cmd.scope, cmd.type, cmd.spec), "put"
    made = CatalogueVersion(version=current.version + 1, data=data, by=cmd.caller.sub, at=now.iso,
                            change={"scope": cmd.scope, "type": cmd.type, "action": action})
    return made, made
