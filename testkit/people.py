"""Fictitious people for tests and the bench: candidates' registrations with valid identity numbers,
and the registration system's sign-in."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from local.invoke import claims

REGISTRAR = claims("registrar-1", "registrar")


def id_number(serial: int = 1, born: str = "19900101", area: str = "110101") -> str:
    """A resident identity number with a valid GB 11643 check digit (the serial makes it unique)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    first17 = f"{area}{born}{serial % 1000:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def person_number(key: str) -> str:
    """The identity number of the person `key` names (a candidate id): always the same for them, and
    another for anyone else (one application per number and exam year: two people of one number would
    be one person). Drawn from 10^11 numbers: a load test's hundred thousand candidates share none."""
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    h, serial = divmod(h, 1000)
    h, day = divmod(h, 16000)  # born 1960-2003
    born = (date(1960, 1, 1) + timedelta(days=day)).strftime("%Y%m%d")
    return id_number(serial, born=born, area=f"11{h % 10000:04d}")


def registration(candidate: str = "cand-001", region: str = "11", site: str = "1101", year: int = 2026,
                 household: str | None = None, name: str | None = None, number: str | None = None) -> dict:
    """The registration system's PUT body; `household` defaults to the exam region (a local candidate)."""
    return {"candidateId": candidate, "candidateName": name or f"考生{candidate[-3:]}",
            "idNumber": number or person_number(candidate), "householdRegion": household or region, "region": region,
            "site": site, "category": "临床执业医师", "examYear": year}
