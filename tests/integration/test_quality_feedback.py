"""Instant quality feedback over the handlers (api-contract.md "Instant quality feedback"): a blurred
photo is flagged the moment it is processed, the same picture in two places of one application is a
DUPLICATE that names the image it repeats, different documents photographed on one desk are not, and
the same picture in another candidate's application is shown to reviewers only."""

from __future__ import annotations

import random

from testkit import quality_set, same_desk
from testkit.corpus import fit_jpeg, jpeg
from tests.conftest import claims
from tests.flow import complete, drain, upload

CAND, OTHER = claims("cand-001", "candidate"), claims("cand-777", "candidate")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")


def photo(seed: int, **shot) -> bytes:
    rnd = random.Random(seed)
    picture = quality_set.take("card front", seed, quality_set._shot(rnd, (1280, 960), **shot), rnd)
    return fit_jpeg(picture)


def images(api, app_id, who):
    page = api("status" if who["cognito:groups"] == "[candidate]" else "review", "GET",
               f"/{'applications' if who['cognito:groups'] == '[candidate]' else 'review/applications'}/{app_id}", who)
    assert page.status == 200, page
    return {i["imageId"]: i for m in page.body["materials"] for i in m["images"]}


def test_a_blurred_photo_shows_blurry_with_how_to_fix_and_is_still_accepted(api, aws, register):
    register("app-1")
    blurred = upload(api, aws, CAND, "app-1", "diploma", photo(5, blur=0.006))
    sharp = upload(api, aws, CAND, "app-1", "practice_proof", photo(6))
    drain(aws)
    seen = images(api, "app-1", CAND)
    assert seen[blurred]["status"] == "SUBMITTED"  # a warning never refuses an image
    (warning,) = seen[blurred]["quality"]["warnings"]
    assert warning["code"] == "BLURRY" and "模糊" in warning["messageZh"] and "blurred" in warning["message"]
    assert seen[sharp]["quality"] == {"warnings": []}
    assert "duplicateOf" not in seen[blurred] and "reference" not in seen[blurred]


def test_the_same_photo_in_two_places_of_one_application_is_a_duplicate(api, aws, register):
    register("app-1")
    front = photo(7)
    first = upload(api, aws, CAND, "app-1", "id_card", front)
    drain(aws)
    second = upload(api, aws, CAND, "app-1", "id_card", fit_jpeg(quality_set.decode(front).resize((1100, 825))))
    drain(aws)
    seen = images(api, "app-1", CAND)
    assert [w["code"] for w in seen[second]["quality"]["warnings"]] == ["DUPLICATE"]
    assert seen[second]["quality"]["warnings"][0]["messageZh"].startswith("与 身份证明 第 1 张 相同")
    assert seen[first]["quality"]["warnings"] == []
    assert api("review", "GET", "/review/queue", SITE).body["items"] == []  # not complete yet


def test_four_documents_on_one_desk_are_no_duplicates_and_the_same_photo_again_names_its_slot(api, aws, register):
    # Given four different documents photographed on one desk, in one place, as a candidate does
    register("app-1")
    front, back, _, _, proof, _, letter, _ = same_desk.sitting(quality_set.HELD_OUT, 0)
    slots = [("id_card", front), ("id_card", back), ("practice_proof", proof), ("other", letter)]
    ids = [upload(api, aws, CAND, "app-1", slot, fit_jpeg(photo.image)) for slot, photo in slots]
    drain(aws)
    seen = images(api, "app-1", CAND)
    # Then none is told it duplicates another (the whole pictures of the two A4 pages are 12 bits apart)
    assert [[w["code"] for w in seen[i]["quality"]["warnings"]] for i in ids] == [[], [], [], []]
    # When the card's front is uploaded again under "other" (the phone re-encoded it)
    again = upload(api, aws, CAND, "app-1", "other", jpeg(front.image, quality=70))
    drain(aws)
    # Then it is a duplicate, and the page says of which image: identity document no. 1
    (warning,) = images(api, "app-1", CAND)[again]["quality"]["warnings"]
    assert warning["code"] == "DUPLICATE"
    assert warning["messageZh"].startswith("与 身份证明 第 1 张 相同")
    assert warning["message"].startswith("Same as identity document no. 1:")
    assert images(api, "app-1", SITE)[again]["quality"]["warnings"] == [warning]  # reviewers read the same


def test_the_two_sides_of_one_card_are_not_duplicates(api, aws, register):
    register("app-1")
    rnd = random.Random(9)
    sides = [fit_jpeg(quality_set.take(f"card {side}", 9, quality_set._shot(rnd, (1280, 960)), rnd))
             for side in ("front", "back")]
    ids = [upload(api, aws, CAND, "app-1", "id_card", side) for side in sides]
    drain(aws)
    seen = images(api, "app-1", CAND)
    assert all("DUPLICATE" not in [w["code"] for w in seen[i]["quality"]["warnings"]] for i in ids)


def test_the_same_photo_in_another_candidate_s_application_is_for_reviewers_only(api, aws, register):
    register("app-1")
    register("app-2", candidate="cand-777")
    diploma = photo(11)
    mine = upload(api, aws, CAND, "app-1", "diploma", diploma)
    drain(aws)
    theirs = upload(api, aws, OTHER, "app-2", "diploma", jpeg(quality_set.decode(diploma), quality=70))
    drain(aws)
    # the candidate learns nothing about the other application
    assert "duplicateOf" not in images(api, "app-2", OTHER)[theirs]
    assert images(api, "app-2", OTHER)[theirs]["quality"]["warnings"] == []
    # reviewers see it on both sides
    complete(api, aws, CAND, "app-1")
    assert images(api, "app-2", SITE)[theirs]["duplicateOf"] == [{"applicationId": "app-1", "imageId": mine}]
    assert images(api, "app-1", SITE)[mine]["duplicateOf"] == [{"applicationId": "app-2", "imageId": theirs}]
    # and a candidate's own other application is not "another candidate"
    register("app-3", year=2027)
    again = upload(api, aws, CAND, "app-3", "diploma", diploma)
    drain(aws)
    assert images(api, "app-3", SITE)[again]["duplicateOf"] == [{"applicationId": "app-2", "imageId": theirs}]


def test_deleting_an_image_takes_it_out_of_the_likeness_index(api, aws, register):
    register("app-1")
    register("app-2", candidate="cand-777")
    diploma = photo(13)
    mine = upload(api, aws, CAND, "app-1", "diploma", diploma)
    drain(aws)
    assert len(_likeness(aws)) == 4  # one entry per band of its hash
    assert api("upload_presign", "DELETE", f"/applications/app-1/materials/diploma/images/{mine}", CAND).status == 204
    assert _likeness(aws) == []
    theirs = upload(api, aws, OTHER, "app-2", "diploma", diploma)
    drain(aws)
    assert images(api, "app-2", SITE)[theirs]["duplicateOf"] == []


def _likeness(aws):
    return [i for i in aws.ddb.scan(TableName=aws.table)["Items"] if i["kind"]["S"] == "likeness"]  # test-only read
