"""Registration intake (from the registration system): who the candidate is, where they sit the exam,
in which category. Pure: checks the identity number and the catalogue, makes the application, and
decides on what is already there (`decide`).

Reviewers compare the identity card in the pictures with `candidateName` and `idNumber`, so both must
be right here; an application in a region or site that does not exist would wait in a queue nobody
watches, so those are refused too (api-contract.md "Registration carries who the candidate is"). A
person has one application per exam year: the registration writes a second item keyed by the number
and the year, only if there is none (core.db), so a second registration is refused however close
behind the first it comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import idnumber, names
from core.catalog import Catalog
from core.clock import Now
from core.errors import DomainError
from core.models import Application, AppStatus, AuditEntry

if TYPE_CHECKING:
    from core.contract import Registration


def application(app_id: str, reg: Registration, now: Now, places: Catalog) -> tuple[Application, AuditEntry]:
    """The application as registered now, under the newest catalogue (`places`: its version is kept)."""
    names.check("candidateName", reg.candidateName)
    number = idnumber.normalise(reg.idNumber)
    if not idnumber.valid(number):
        raise DomainError("INVALID_ID_NUMBER")
    if reg.householdRegion not in places.household_regions:
        raise DomainError("INVALID_REQUEST", f"householdRegion {reg.householdRegion} is not a province code (GB/T 2260).",
                          f"householdRegion(户籍所在地){reg.householdRegion} 不是有效的省级行政区划代码。")
    if not places.has_region(reg.region):
        raise DomainError("UNKNOWN_REGION", f"Exam region {reg.region} does not exist.", f"考区 {reg.region} 不存在。")
    site = places.site(reg.site)
    if site is None:
        raise DomainError("UNKNOWN_SITE", f"Exam site {reg.site} does not exist.", f"考点 {reg.site} 不存在。")
    if site.region != reg.region:
        raise DomainError("SITE_NOT_IN_REGION", f"Exam site {reg.site} belongs to region {site.region}, not {reg.region}.",
                          f"考点 {reg.site} 属于考区 {site.region},不属于考区 {reg.region}。")
    if reg.category not in places.categories:
        raise DomainError("UNKNOWN_CATEGORY", f"Exam category {reg.category} is not one of: {', '.join(places.categories)}.",
                          f"报考类别“{reg.category}”不在目录中,可选:{'、'.join(places.categories)}。")
    app = Application(
        id=app_id, candidate_id=reg.candidateId, candidate_name=reg.candidateName, id_number=number,
        household_region=reg.householdRegion, phone=reg.phone, region=reg.region, site=reg.site,
        category=reg.category, exam_year=reg.examYear, status=AppStatus.DRAFT, version=1,
        created_at=now.iso, updated_at=now.iso, catalogue_version=places.version)
    entry = AuditEntry(at=now.iso, actor="registration", role="registrar", action="registered", to_status=AppStatus.DRAFT)
    return app, entry


@dataclass(frozen=True)
class Seen:
    """What a registration is decided on: the application with its id, and the one the person already
    has in its exam year (their ids), if any. The first attempt sees nothing (most are new)."""

    application: Application | None = None
    holder: str | None = None


Created = tuple[Application, AuditEntry]


def decide(seen: Seen, app: Application, entry: AuditEntry) -> tuple[Created | None, tuple[Application, bool]]:
    """Create it (the plan), or answer what is there: the same data again is the application as it is
    (idempotent); other data for the id is APPLICATION_EXISTS; another application of the person in the
    year is DUPLICATE_REGISTRATION. The result: the application and whether it was created."""
    if seen.application is not None:
        if seen.application.registration() != app.registration():
            raise DomainError("APPLICATION_EXISTS")
        return None, (seen.application, False)
    if seen.holder is not None and seen.holder != app.id:
        masked = idnumber.masked(app.id_number)
        raise DomainError("DUPLICATE_REGISTRATION",
                          f"{masked} is already registered for the {app.exam_year} exam (application {seen.holder}): "
                          "one application per person and exam year.",
                          f"证件号码 {masked} 已报名 {app.exam_year} 年度考试(报名号 {seen.holder}),每人每年只能报名一次。")
    return (app, entry), (app, True)
