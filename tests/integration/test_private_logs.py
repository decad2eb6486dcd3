"""Logs never carry what identifies a candidate or opens their data: no name, identity number or phone
number, no token, no URL signature (api-contract.md "Registration carries who the candidate is").
A whole journey through the real handlers, with logging at its most talkative."""

from __future__ import annotations

import logging

from testkit.people import id_number
from tests.conftest import REGISTRAR, claims, registration
from tests.flow import approve_images, complete, drain, reserve, upload

SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
REGION = claims("rev-region", "region_reviewer", region="11")
OFFICE = claims("office", "exam_office")
CAND = claims("cand-001", "candidate")
NAME, NUMBER, PHONE = "欧阳明月", id_number(321), "13987654329"


def test_a_whole_journey_logs_no_name_number_phone_token_or_signature(api, aws, capfd, caplog, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    secrets_seen: list[str] = []

    body = {**registration("cand-001", name=NAME, number=NUMBER), "phone": PHONE}
    assert api("status", "PUT", "/applications/app-1", REGISTRAR, body).status == 201
    assert api("status", "PUT", "/applications/app-1", REGISTRAR, {**body, "candidateName": "别人"}).status == 409
    bad = api("status", "PUT", "/applications/app-2", REGISTRAR, {**body, "idNumber": NUMBER[:17] + "0"})
    assert bad.status == 400 or NUMBER[17] == "0"
    reservation = reserve(api, CAND, "app-1", "other").body
    secrets_seen += [reservation["upload"]["fields"]["x-amz-signature"], reservation["upload"]["fields"]["policy"][:40]]
    ids = complete(api, aws, CAND, "app-1")
    page = api("status", "GET", "/applications/app-1", CAND).body
    secrets_seen += [i["url"].split("X-Amz-Signature=")[1] for m in page["materials"] for i in m["images"] if i["url"]]
    assert api("review", "POST", "/review/applications/app-1/claim", SITE).status == 200
    approve_images(api, SITE, "app-1", ids)
    version = api("review", "GET", "/review/applications/app-1", SITE).body["application"]["version"]
    api("review", "POST", "/review/applications/app-1/decision", SITE, {"decision": "approve", "version": version})
    api("review", "GET", "/review/applications", OFFICE, query={"q": NAME})
    api("review", "GET", "/review/applications", OFFICE, query={"q": NUMBER})
    api("review", "GET", "/review/stats", OFFICE)
    upload(api, aws, CAND, "app-1", "other", b"GIF89a" + NAME.encode())  # late, and not a picture
    drain(aws)
    api("status", "GET", "/applications/app-1", claims("cand-001", "candidate"), headers={
        "Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"})

    out, err = capfd.readouterr()
    logged = out + err + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert logged.strip(), "the journey logged nothing: this test would prove nothing"
    for secret in [NAME, NUMBER, NUMBER[-8:], PHONE, PHONE[-8:], "eyJhbGciOiJSUzI1NiJ9", *secrets_seen]:
        where = logged.find(secret)
        assert where < 0, (secret, logged[max(0, where - 1500):where + 100])
