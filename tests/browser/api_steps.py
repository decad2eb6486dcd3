"""Setting the scene through the API (not under test here): register an application, upload what it
needs with the presigned POST as a browser would, and wait for process_image."""

from __future__ import annotations

import random
import time
import uuid

import requests

from tests.browser.photos import DOCUMENTS, document_jpeg
from tests.local.conftest import RunningStack

WAIT_S = 30


def wait_for(condition, what: str, timeout: float = WAIT_S):
    """Poll `condition` until it returns something truthy (a bounded wait on a state, not a sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def id_number() -> str:
    """A fictitious resident identity number with a valid GB 11643 check digit, new each call (a reused
    stack keeps the numbers of earlier runs, and the office searches by number)."""
    from core.idnumber import check_digit

    born = f"{random.randrange(1960, 2000)}{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}"
    first17 = f"110101{born}{random.randrange(1000):03d}"
    return first17 + check_digit(first17)


def unique_name() -> str:
    """A fictitious Chinese name nobody else on the stack has (the office searches by name)."""
    given = "安宁和平嘉佳俊杰明亮文武秀丽雅静欣怡思远浩然子涵"
    return "欧阳" + "".join(random.choice(given) for _ in range(3))


def register(stack: RunningStack, app_id: str, candidate: str, region: str = "11", site: str = "1101",
             name: str = "赵敏") -> dict:
    """The registration system's PUT; returns the body (the candidate's name and id number)."""
    body = {"candidateId": candidate, "candidateName": name, "idNumber": id_number(),
            "householdRegion": region, "region": region, "site": site, "category": "临床执业医师", "examYear": 2026}
    response = requests.put(f"{stack.url}/applications/{app_id}", json=body, timeout=10,
                            headers=stack.registrar_auth())
    assert response.status_code in (200, 201), response.text
    return body


def upload_required(stack: RunningStack, app_id: str, candidate: str, photos: dict[str, bytes] | None = None) -> None:
    """Every required material at its minimum count, processed (the application enters its site's queue).
    Each is a photo of its own kind of document (`photos` replaces the first of a type)."""
    headers = stack.auth(candidate, ["candidate"])
    page = requests.get(f"{stack.url}/applications/{app_id}", headers=headers, timeout=10).json()
    for material in page["materials"]:
        documents = DOCUMENTS[material["type"]]
        for n in range(material["minCount"] - len(material["images"])):
            given = (photos or {}).get(material["type"]) if n == 0 else None
            picture = given or document_jpeg(*documents[n % len(documents)])
            reserved = requests.post(f"{stack.url}/applications/{app_id}/materials/{material['type']}/images",
                                     json={"contentType": "image/jpeg"}, headers=headers, timeout=10).json()
            upload = reserved["upload"]
            posted = requests.post(upload["url"], data=upload["fields"], timeout=10,
                                   files={"file": ("photo.jpg", picture, "image/jpeg")})
            assert posted.status_code in (200, 201, 204), posted.text

    def processed():
        images = [i for m in requests.get(f"{stack.url}/applications/{app_id}", headers=headers, timeout=10).json()["materials"]
                  for i in m["images"]]
        # and their machine pre-checks done: each result moves the application's version on, so a decision
        # made on the page before it lands would be STALE_VERSION
        return all(i["status"] != "PENDING" and (i.get("checks") or {}).get("state") != "PENDING" for i in images)

    wait_for(processed, f"{app_id}'s images to be processed and checked", timeout=WAIT_S * 4)


def replace_flagged(stack: RunningStack, app_id: str, candidate: str) -> None:
    """The candidate deletes each image a reviewer asked for again and uploads another (the application
    goes back to its site's queue by itself)."""
    headers = stack.auth(candidate, ["candidate"])
    page = requests.get(f"{stack.url}/applications/{app_id}", headers=headers, timeout=10).json()
    for material in page["materials"]:
        for image in material["images"]:
            if image["status"] == "NEEDS_REVISION":
                gone = requests.delete(f"{stack.url}/applications/{app_id}/materials/{material['type']}/images/"
                                       f"{image['imageId']}", headers=headers, timeout=10)
                assert gone.status_code in (200, 204), gone.text
    upload_required(stack, app_id, candidate)


def approve_at_site(stack: RunningStack, app_id: str, reviewer: str = "site-1101", site: str = "1101",
                    region: str = "11") -> None:
    site_review(stack, app_id, "approve", reviewer=reviewer, site=site, region=region)


def return_at_site(stack: RunningStack, app_id: str, comment: str, revise: str | None = None) -> None:
    """Returned by site 1101 with `comment`, the first image of `revise` asked for again (BLURRY)."""
    site_review(stack, app_id, "return", comment=comment, revise=revise)


def site_review(stack: RunningStack, app_id: str, decision: str, comment: str | None = None, revise: str | None = None,
                reviewer: str = "site-1101", site: str = "1101", region: str = "11") -> None:
    """The site reviewer claims it, approves every image (but the first of `revise`, asked for again) and
    decides the application."""
    headers = stack.auth(reviewer, ["site_reviewer"], site=site, region=region)
    base = f"{stack.url}/review/applications/{app_id}"
    assert requests.post(f"{base}/claim", headers=headers, timeout=10).status_code == 200
    page = requests.get(base, headers=headers, timeout=10).json()
    for material in page["materials"]:
        for k, image in enumerate(material["images"]):
            again = material["type"] == revise and k == 0
            body = ({"decision": "revise", "reasonCode": "BLURRY", "note": "请在光线充足处重拍"} if again
                    else {"decision": "approve"})
            decided = requests.post(f"{base}/images/{image['imageId']}/decision", headers=headers, timeout=10,
                                    json={**body, "version": image["version"]})
            assert decided.status_code == 200, decided.text
    version = requests.get(base, headers=headers, timeout=10).json()["application"]["version"]
    decided = requests.post(f"{base}/decision", json={"decision": decision, "version": version, "comment": comment},
                            headers=headers, timeout=10)
    assert decided.status_code == 200, decided.text


def approve_at_region(stack: RunningStack, app_id: str, reviewer: str = "region-11", region: str = "11") -> None:
    headers = stack.auth(reviewer, ["region_reviewer"], region=region)
    base = f"{stack.url}/review/applications/{app_id}"
    assert requests.post(f"{base}/claim", headers=headers, timeout=10).status_code == 200
    version = requests.get(base, headers=headers, timeout=10).json()["application"]["version"]
    decided = requests.post(f"{base}/decision", json={"decision": "approve", "version": version}, headers=headers, timeout=10)
    assert decided.status_code == 200, decided.text


def approved_application(stack: RunningStack, label: str) -> tuple[str, str, dict]:
    """A new application (new each run: the stack may be reused) of a candidate with a name nobody else
    has, complete and approved at site and region level: (application id, candidate, registration)."""
    app_id, candidate = f"app-web-{label}-{uuid.uuid4().hex[:8]}", f"cand-{label}-{uuid.uuid4().hex[:6]}"
    person = register(stack, app_id, candidate, name=unique_name())
    upload_required(stack, app_id, candidate)
    approve_at_site(stack, app_id)
    approve_at_region(stack, app_id)
    return app_id, candidate, person


def review_page(stack: RunningStack, app_id: str) -> dict:
    """What the exam office's API says about an application (images with their watermark references)."""
    response = requests.get(f"{stack.url}/review/applications/{app_id}", timeout=10,
                            headers=stack.auth("office", ["exam_office"]))
    assert response.status_code == 200, response.text
    return response.json()
