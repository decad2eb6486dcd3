"""The machine pre-checks on generated photos with the real OCR (rapidocr on ONNX Runtime, one thread):
the 'quick' split of testkit/precheck_set.py, 14 watermarked SUBMITTED pictures (a correct application
with both sides of the card, a diploma, a probation certificate and a residence permit; one digit off;
another name; an expired card; a diploma in the identity slot; the card's front twice). ~40 s on a
shared 2-core machine, most of it the OCR. The held-out figures on ~290 pictures come from
`python -m tools.eval_precheck` (README "Machine pre-checks")."""

from __future__ import annotations

import pytest

from precheck import ocr, unwatermark
from testkit import precheck_set


@pytest.fixture(scope="module")
def quick():
    reader = ocr.Reader(n_threads=1)
    apps = precheck_set.applications("quick")
    pictures = {item.name: item.picture() for app in apps for item in app.items}
    readings = {name: reader.read(picture, [mark]) for name, (picture, mark) in pictures.items()}
    return apps, pictures, precheck_set.judge(apps, readings)


def test_each_picture_gets_exactly_the_findings_it_should(quick):
    _, _, outcomes = quick
    assert len(outcomes) == 14
    wrong = precheck_set.misjudged(outcomes)
    assert not wrong, "\n".join(wrong)
    kinds = {code for o in outcomes for code in o.item.expect}
    assert kinds == {"ID_NUMBER_MISMATCH", "NAME_MISMATCH", "ID_EXPIRED", "WRONG_DOCUMENT"}


def test_the_card_is_read_as_printed(quick):
    _, _, outcomes = quick
    for o in outcomes:
        if o.item.kind == "id_front":
            assert (o.as_card.read.id_number, o.as_card.read.name) == (o.item.person.number, o.item.person.name)
        if o.item.kind == "id_back":
            assert o.as_card.read.valid_until == o.item.person.valid_until_text


def test_a_correct_application_passes_every_check(quick):
    _, _, outcomes = quick
    correct = [o for o in outcomes if o.app.case == "correct"]
    assert {o.item.kind for o in correct} >= {"id_front", "id_back", "diploma", "practice_proof", "residence_permit"}
    assert all(o.checks.passed for o in correct), [(o.item.name, o.checks.codes) for o in correct]


def test_the_watermark_is_taken_out_of_a_copy_in_memory_and_only_its_own_text_fits(quick):
    _, pictures, _ = quick
    picture, mark = next(iter(pictures.values()))
    stored = unwatermark.decode(picture)
    before = stored.tobytes()
    lifted, used = unwatermark.lift(stored, ["仅用于医师资格考试 · 2026-01-01 · #WRONG00000", mark])
    assert used == mark and lifted.tobytes() != before
    assert stored.tobytes() == before  # the stored picture is not touched
    assert unwatermark.lift(stored, ["仅用于医师资格考试 · 2026-01-01 · #WRONG00000"]) == (stored, None)
