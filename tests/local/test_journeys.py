"""The whole system over HTTP against `make run`'s stack: registration, uploads straight to S3,
processing within seconds, and the two-level review (issues 2, 3, 4, 6)."""

from __future__ import annotations

import io
import time
import uuid

import pytest
import requests
from PIL import Image

from testkit.people import person_number
from tests.conftest import registration
from tests.flow import REQUIRED, small_photo

pytestmark = pytest.mark.localstack


class Session:
    def __init__(self, stack, sub, groups, site=None, region=None):
        self.url = stack.url
        # the registration system signs in as a machine (client credentials), a person with a token
        self.headers = stack.registrar_auth() if groups == ["registrar"] else stack.auth(sub, groups, site, region)

    def call(self, method, path, body=None, headers=None):
        return requests.request(method, f"{self.url}{path}", json=body, headers={**self.headers, **(headers or {})},
                                timeout=15)


def register(stack, candidate, region="11", site="1101"):
    app_id = f"app-{uuid.uuid4().hex[:10]}"
    registrar = Session(stack, "registrar", ["registrar"])
    body = registration(candidate, region, site, number=person_number(app_id))  # a person per application (one a year)
    assert registrar.call("PUT", f"/applications/{app_id}", body).status_code == 201
    return app_id


def send(candidate: Session, app_id, material, data=None):
    reply = candidate.call("POST", f"/applications/{app_id}/materials/{material}/images", {"contentType": "image/jpeg"})
    assert reply.status_code == 201, reply.text
    upload = reply.json()["upload"]
    posted = requests.post(upload["url"], data=upload["fields"],
                           files={"file": ("photo.jpg", data or small_photo(), "image/jpeg")}, timeout=15)
    assert posted.status_code in (200, 204), posted.text
    return reply.json()["imageId"]


def wait_for(check, seconds=10.0):
    """Poll an asynchronous outcome (S3 -> SQS -> process_image) until it holds or the deadline passes."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def images(candidate, app_id):
    page = candidate.call("GET", f"/applications/{app_id}").json()
    return {i["imageId"]: i for m in page["materials"] for i in m["images"]}


def test_registration_and_the_candidates_first_routes(local_stack):
    candidate = Session(local_stack, "cand-http-1", ["candidate"])
    app_id = register(local_stack, "cand-http-1")

    listed = candidate.call("GET", "/applications").json()["items"]
    status = candidate.call("GET", f"/applications/{app_id}/status")
    assert [(i["id"], i["status"], i["statusLabel"]) for i in listed] == [(app_id, "DRAFT", "填报")]
    assert status.status_code == 200 and status.json()["statusLabel"] == "填报"
    assert candidate.call("GET", f"/applications/{app_id}/status",
                          headers={"If-None-Match": status.headers["ETag"]}).status_code == 304
    other = Session(local_stack, "cand-http-other", ["candidate"])
    assert other.call("GET", f"/applications/{app_id}/status").status_code == 404
    assert requests.get(f"{local_stack.url}/applications/{app_id}/status", timeout=5).status_code == 401

    registrar = Session(local_stack, "registrar", ["registrar"])
    bad = requests.put(f"{local_stack.url}/applications/app-malformed", data="{nope", timeout=5,
                       headers={**registrar.headers, "Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "INVALID_REQUEST" and bad.json()["error"]["messageZh"]
    assert registrar.call("GET", "/applications/app-malformed/status").status_code == 403
    table = local_stack.client("dynamodb")
    assert "Item" not in table.get_item(TableName=local_stack.name("AppTable"),
                                        Key={"PK": {"S": "APP#app-malformed"}, "SK": {"S": "APP"}})


def test_upload_straight_to_s3_is_watermarked_within_five_seconds(local_stack):
    candidate = Session(local_stack, "cand-http-2", ["candidate"])
    app_id = register(local_stack, "cand-http-2")
    reply = candidate.call("POST", f"/applications/{app_id}/materials/id_card/images", {"contentType": "image/jpeg"})
    image_id = reply.json()["imageId"]
    assert images(candidate, app_id)[image_id]["status"] == "PENDING"

    upload = reply.json()["upload"]
    started = time.monotonic()
    requests.post(upload["url"], data=upload["fields"], files={"file": ("a.jpg", small_photo(), "image/jpeg")}, timeout=15)
    shown = wait_for(lambda: images(candidate, app_id)[image_id]["status"] == "SUBMITTED", seconds=5)

    assert shown, images(candidate, app_id)[image_id]
    assert time.monotonic() - started < 5
    picture = requests.get(images(candidate, app_id)[image_id]["url"], timeout=5)
    assert picture.status_code == 200
    with Image.open(io.BytesIO(picture.content)) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == (400, 300)
    sample = candidate.call("GET", f"/applications/{app_id}").json()["materials"][0]["sampleImageUrl"]
    assert requests.get(sample, timeout=5).headers["Content-Type"] == "image/png"


def approve_everything(reviewer, app_id):
    page = reviewer.call("GET", f"/review/applications/{app_id}").json()
    for material in page["materials"]:
        for image in material["images"]:
            reply = reviewer.call("POST", f"/review/applications/{app_id}/images/{image['imageId']}/decision",
                                  {"decision": "approve", "version": image["version"]})
            assert reply.status_code == 200, reply.text
    return reviewer.call("GET", f"/review/applications/{app_id}").json()["application"]["version"]


def upload_required(candidate, app_id):
    ids = [send(candidate, app_id, t, small_photo(n)) for t, count in REQUIRED["11"].items() for n in range(count)]
    # submitted and pre-checked: a check's result moves the application's version on (a decision made
    # before it lands would be STALE_VERSION, rightly: the reviewer did not see it)
    assert wait_for(lambda: all(i["status"] == "SUBMITTED" and i["checks"]["state"] != "PENDING"
                                for i in images(candidate, app_id).values())
                    and len(images(candidate, app_id)) == len(ids), seconds=60)
    return ids


def test_the_full_review_journey(local_stack):
    site = Session(local_stack, "site-http", ["site_reviewer"], site="1101", region="11")
    region = Session(local_stack, "region-http", ["region_reviewer"], region="11")
    candidate = Session(local_stack, "cand-http-3", ["candidate"])
    app_id = register(local_stack, "cand-http-3")
    ids = upload_required(candidate, app_id)

    assert app_id in [i["applicationId"] for i in site.call("GET", "/review/queue?limit=100").json()["items"]]
    assert site.call("POST", f"/review/applications/{app_id}/claim").status_code == 200
    version = approve_everything(site, app_id)
    locked = candidate.call("DELETE", f"/applications/{app_id}/materials/id_card/images/{ids[0]}")
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "IMAGE_LOCKED"
    decided = site.call("POST", f"/review/applications/{app_id}/decision", {"decision": "approve", "version": version})
    assert decided.json()["statusLabel"] == "考点通过"

    assert region.call("POST", f"/review/applications/{app_id}/claim").status_code == 200
    version = region.call("GET", f"/review/applications/{app_id}").json()["application"]["version"]
    final = region.call("POST", f"/review/applications/{app_id}/decision", {"decision": "approve", "version": version})
    assert final.json()["statusLabel"] == "审核通过"
    assert candidate.call("GET", f"/applications/{app_id}/status").json()["statusLabel"] == "审核通过"


def test_returned_fixed_requeued_and_approved(local_stack):
    site = Session(local_stack, "site-http-2", ["site_reviewer"], site="1101", region="11")
    region = Session(local_stack, "region-http-2", ["region_reviewer"], region="11")
    candidate = Session(local_stack, "cand-http-4", ["candidate"])
    app_id = register(local_stack, "cand-http-4")
    upload_required(candidate, app_id)
    site.call("POST", f"/review/applications/{app_id}/claim")
    page = site.call("GET", f"/review/applications/{app_id}").json()
    diploma = next(m for m in page["materials"] if m["type"] == "diploma")["images"][0]
    site.call("POST", f"/review/applications/{app_id}/images/{diploma['imageId']}/decision",
              {"decision": "revise", "reasonCode": "BLURRY", "note": "看不清", "version": diploma["version"]})
    version = site.call("GET", f"/review/applications/{app_id}").json()["application"]["version"]
    returned = site.call("POST", f"/review/applications/{app_id}/decision",
                         {"decision": "return", "comment": "学历证书模糊,请重新上传", "version": version})
    assert returned.json()["status"] == "RETURNED"
    top = candidate.call("GET", f"/applications/{app_id}").json()["reviewNotes"]
    assert "学历证书模糊,请重新上传" in [n["comment"] for n in top]

    assert candidate.call("DELETE", f"/applications/{app_id}/materials/diploma/images/{diploma['imageId']}").status_code == 204
    send(candidate, app_id, "diploma", small_photo(42))
    assert wait_for(lambda: candidate.call("GET", f"/applications/{app_id}/status").json()["status"] == "DRAFT")
    assert app_id in [i["applicationId"] for i in site.call("GET", "/review/queue?limit=100").json()["items"]]

    site.call("POST", f"/review/applications/{app_id}/claim")
    version = approve_everything(site, app_id)
    assert site.call("POST", f"/review/applications/{app_id}/decision", {"decision": "approve", "version": version}).status_code == 200
    region.call("POST", f"/review/applications/{app_id}/claim")
    version = region.call("GET", f"/review/applications/{app_id}").json()["application"]["version"]
    assert region.call("POST", f"/review/applications/{app_id}/decision",
                       {"decision": "approve", "version": version}).json()["status"] == "APPROVED"


def test_the_stack_log_of_a_journey_has_no_name_number_token_or_signature(local_stack):
    # Given a journey with a name, an identity number, a token, presigned URLs and a refused token
    candidate = Session(local_stack, "cand-http-log", ["candidate"])
    app_id = f"app-{uuid.uuid4().hex[:10]}"
    body = registration("cand-http-log", name="司马相如", number="110101198001010053")
    registrar = Session(local_stack, "registrar", ["registrar"])
    assert registrar.call("PUT", f"/applications/{app_id}", {**body, "phone": "13987654329"}).status_code == 201
    upload_required(candidate, app_id)
    page = candidate.call("GET", f"/applications/{app_id}").json()
    signatures = [i["url"].split("Signature=")[1][:32] for m in page["materials"] for i in m["images"] if i["url"]]
    token = candidate.headers["Authorization"].split()[1]
    requests.get(f"{local_stack.url}/applications", headers={"Authorization": "Bearer " + token[:-4] + "AAAA"},
                 timeout=10)
    # Then none of it is in what `make run` printed
    log = local_stack.log.read_text(encoding="utf-8", errors="replace")
    assert "upload processed" in log or "INFO" in log  # the log is there and was written to
    for secret in ["司马相如", "110101198001010053", "13987654329", token[:40], token[-20:], *signatures]:
        assert secret not in log, secret
