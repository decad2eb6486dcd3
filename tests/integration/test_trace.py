"""Every watermark can be traced (R7): each stored image carries its own reference, unique by a
conditional write (not by luck), and the exam office maps a reference back to the image."""

from __future__ import annotations

import random
from urllib.parse import quote

from core import contract
from process_image import use_cases as processing
from process_image.processing import Outcome
from tests.conftest import claims
from tests.flow import caller, drain, put, small_photo, upload
from upload_presign import use_cases as uploads

OFFICE = claims("office", "exam_office")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
SLOTS = {"id_card": 2, "diploma": 2, "practice_proof": 1, "other": 5}  # ten images per application


def test_a_thousand_references_are_unique_and_each_traces_to_its_image(api, aws, register, monkeypatch):
    # Given a reference space so small that draws collide (32^3): only the condition keeps them unique
    rng, drawn = random.Random(11), []

    def draw() -> str:
        drawn.append("TRC00" + "".join(rng.choice(processing.REFERENCE_ALPHABET) for _ in range(3)))
        return drawn[-1]

    monkeypatch.setattr(processing, "new_reference", draw)
    keys = []
    for a in range(100):
        register(f"t-{a:03d}", candidate=f"cand-t{a:03d}")
        who = caller(claims(f"cand-t{a:03d}", "candidate"))
        for type_, count in SLOTS.items():
            for _ in range(count):
                reservation = uploads.reserve_upload(who, f"t-{a:03d}", type_, contract.UploadRequest(contentType="image/jpeg"))
                keys.append((f"t-{a:03d}", reservation.imageId, reservation.upload.fields["key"]))

    # When each upload is processed (a stand-in transform: the pixels are not what this test is about)
    def transform(data: bytes, reference: str):
        return (processing.Picture(b"\xff\xd8watermarked:" + reference.encode(), b"\xff\xd8thumbnail"),
                Outcome(width=400, height=300, bytes=20, reference=reference))

    for _, _, key in keys:
        put(aws, key, b"\xff\xd8\xff\xe0 raw")
        assert processing.process_upload(key, transform, size=8) == "submitted"

    # Then 1,000 distinct references, each traced to exactly its image
    images = {}
    for app_id in {k[0] for k in keys}:
        images.update({i["reference"]: (app_id, i) for i in aws.items(app_id) if i["kind"] == "image"})
    assert len(images) == len(keys) and len(drawn) > len(keys)  # some draws collided and were drawn again
    for reference, (app_id, image) in images.items():
        reply = api("review", "GET", f"/review/trace/{reference}", OFFICE)
        assert reply.status == 200, reply
        assert (reply.body["applicationId"], reply.body["imageId"], reply.body["type"]) == (
            app_id, image["imageId"], image["materialType"])
        assert reply.body["idNumberMasked"].count("*") == 8 and reply.body["watermarkedAt"] == image["processedAt"]


def test_trace_is_the_exam_office_s_and_unknown_is_404(api, aws, register):
    register("app-1")
    image_id = upload(api, aws, claims("cand-001", "candidate"), "app-1", "diploma", small_photo())
    drain(aws)
    review = api("review", "GET", "/review/applications/app-1", SITE).body
    reference = next(i["reference"] for m in review["materials"] for i in m["images"] if i["imageId"] == image_id)
    assert len(reference) == 10 and set(reference) <= set(processing.REFERENCE_ALPHABET)  # 50 bits
    candidate = api("status", "GET", "/applications/app-1", claims("cand-001", "candidate")).body
    assert all("reference" not in i for m in candidate["materials"] for i in m["images"])
    assert api("review", "GET", f"/review/trace/{reference}", OFFICE).body["imageId"] == image_id
    assert api("review", "GET", f"/review/trace/{reference.lower()}", OFFICE).body["imageId"] == image_id
    # as printed in the watermark, or typed with spaces: the same image
    spaced = f" # {reference[:4]} {reference[4:]} "
    for typed in (f"#{reference}", spaced, reference.replace("0", "O").replace("1", "l")):
        reply = api("review", "GET", f"/review/trace/{quote(typed, safe='')}", OFFICE)
        assert (reply.status, reply.body.get("reference"), reply.body.get("imageId")) == (200, reference, image_id), typed
    for nonsense in ("#", "   ", "ABC", "U" * 10, "Z" * 17):  # cannot be a reference: simply not found
        assert api("review", "GET", f"/review/trace/{quote(nonsense, safe='')}", OFFICE).code == "NOT_FOUND", nonsense
    assert api("review", "GET", f"/review/trace/{reference}", SITE).code == "FORBIDDEN"
    assert api("review", "GET", "/review/trace/ZZZZZZZZZZ", OFFICE).code == "NOT_FOUND"
    put(aws, "uploads/app-1/diploma", small_photo())  # (a key of the wrong shape is not an image)
