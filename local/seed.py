"""Demo people and applications (api-contract.md "Demo data"). Applications are created through the
real route, `PUT /applications/{id}` with the registration system's client-credentials token."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoUser:
    sub: str
    groups: tuple[str, ...]
    site: str | None = None
    region: str | None = None
    note: str = ""


DEMO_USERS = (
    DemoUser("cand-001", ("candidate",), note="candidate, app-2026-0001, region 11 / site 1101"),
    DemoUser("cand-002", ("candidate",), note="candidate, app-2026-0002, region 31 / site 3101"),
    DemoUser("cand-003", ("candidate",), note="candidate, app-2026-0003, region 11 / site 1101"),
    DemoUser("site-1101", ("site_reviewer",), site="1101", region="11", note="site reviewer 考点 1101"),
    DemoUser("region-11", ("region_reviewer",), region="11", note="region reviewer 考区 11"),
    DemoUser("site-3101", ("site_reviewer",), site="3101", region="31", note="site reviewer 考点 3101"),
    DemoUser("region-31", ("region_reviewer",), region="31", note="region reviewer 考区 31"),
    DemoUser("office", ("exam_office",), note="exam office (phases after review)"),
    # The registration system is a machine (client credentials, scope exam-materials/registrar), not a
    # person in a group: `POST /oauth2/token` with local.auth's registration client gives its token.
)

# Fictitious people; the identity numbers carry valid GB 11643 check digits.
DEMO_APPLICATIONS = (
    ("app-2026-0001", {"candidateId": "cand-001", "candidateName": "张伟", "idNumber": "110101199003070011",
                       "householdRegion": "11", "region": "11", "site": "1101"}),
    # household registration in Jiangsu, exam in Shanghai: a non-local candidate, so 居住证明 is asked for
    ("app-2026-0002", {"candidateId": "cand-002", "candidateName": "李娜", "idNumber": "320102199205120027",
                       "householdRegion": "32", "region": "31", "site": "3101"}),
    ("app-2026-0003", {"candidateId": "cand-003", "candidateName": "王芳", "idNumber": "110105198811230045",
                       "householdRegion": "11", "region": "11", "site": "1101"}),
)


def seed(base_url: str, registrar_token: str) -> bool:
    """True if every demo application is there; a missing or failing handler is a warning, not a crash."""
    ok = True
    for app_id, fields in DEMO_APPLICATIONS:
        body = {**fields, "category": "临床执业医师", "examYear": 2026}
        try:
            response = requests.put(f"{base_url}/applications/{app_id}", json=body, timeout=30,
                                    headers={"Authorization": f"Bearer {registrar_token}"})
        except requests.RequestException as e:
            response = None
            log.warning("seed: PUT /applications/%s failed: %s", app_id, e)
        if response is not None and response.status_code not in (200, 201):
            log.warning("seed: PUT /applications/%s -> %s %s", app_id, response.status_code, response.text[:200])
        ok = ok and response is not None and response.status_code in (200, 201)
    return ok
