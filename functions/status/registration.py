"""Registration intake (from the registration system): who the candidate is, where they sit the exam,
in which category. Pure: checks the identity number and the catalogue, and makes the application.

Reviewers compare the identity card in the pictures with `candidateName` and `idNumber`, so both must
be right here; an application in a region or site that does not exist would wait in a queue nobody
watches, so those are refused too (api-contract.md "Registration carries who the candidate is").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import idnumber, names
from core.catalog import catalog
from core.clock import Now
from core.errors import DomainError
from core.models import Application, AppStatus, AuditEntry

if TYPE_CHECKING:
    from core.contract import Registration


def application(app_id: str, reg: Registration, now: Now) -> tuple[Application, AuditEntry]:
    names.check("candidateName", reg.candidateName)
    number = idnumber.normalise(reg.idNumber)
    if not idnumber.valid(number):
        raise DomainError("INVALID_ID_NUMBER")
    places = catalog()
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
        created_at=now.iso, updated_at=now.iso)
    entry = AuditEntry(at=now.iso, actor="registration", role="registrar", action="registered", to_status=AppStatus.DRAFT)
    return app, entry
