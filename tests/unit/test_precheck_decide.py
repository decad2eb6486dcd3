"""The machine pre-checks' decider (functions/precheck) on OCR readings made by hand: lines of text
with their boxes and certainties, laid out as the OCR reports a card, a diploma, a certificate. No
OCR runs here (tests/integration/test_precheck_ocr.py runs it on generated photos)."""

from __future__ import annotations

import datetime
import math

import pytest

from core import idnumber
from core.reasons import CHECK_FINDINGS
from precheck import decide, fields, thresholds
from precheck.classify import DocumentType
from precheck.layout import find, rows
from precheck.reading import Line, Reading
from testkit import precheck_set
from testkit.people import id_number

D = DocumentType
NUMBER = id_number(123, born="19900512")  # serial 123: odd, a man's
REG = decide.Registration("张伟", NUMBER, 2026)


def line(text: str, x: float, y: float, *, angle: float = 0.0, size: float = 20.0, score: float = 0.99,
         chars: tuple[float, ...] | None = None) -> Line:
    """A line as the OCR reports it: its box (turned by ``angle`` degrees around its left end)."""
    w = size * max(1, len(text))
    a = math.radians(-angle)

    def at(dx: float, dy: float) -> tuple[float, float]:
        return (x + dx * math.cos(a) - dy * math.sin(a), y + dx * math.sin(a) + dy * math.cos(a))

    box = (at(0, 0), at(w, 0), at(w, size), at(0, size))
    return Line(text, score, box, chars if chars is not None else tuple([score] * len(text.replace(" ", ""))))


def reading(*lines: Line) -> Reading:
    return Reading(1600, 1200, tuple(lines))


def front(name: str = "张伟", number: str = NUMBER, sex: str = "男", born: str = "1990年5月12日", *, angle: float = 0.0,
          name_chars: tuple[float, ...] | None = None) -> Reading:
    """The card's front as the OCR cuts it: labels and values sometimes one line, sometimes two."""
    t = math.tan(math.radians(angle))

    def at(text, x, y, **kw):
        return line(text, x, y - x * t, angle=angle, **kw)

    return reading(
        at("姓名", 200, 300), at(name, 300, 298, chars=name_chars),
        at(f"性别{sex}", 200, 360), at("民族汉", 420, 360),
        at(f"出生{born}", 200, 420),
        at("住址北京市东城区幸福路", 200, 480), at("8号3栋2单元501室", 300, 520),
        at("公民身份号码", 200, 640, size=16), at(number, 420, 636, size=24),
        line("仅用于医师资格考试·2026-01-27·#22ZB3TF7XK", 100, 700, angle=30),  # the watermark, not taken out
    )  # fmt: skip


def back(period: str = "2016.01.01-2036.01.01", *, issuer: str = "北京市公安局东城分局") -> Reading:
    return reading(line("中华人民共和国", 450, 250, size=30), line("居民身份证", 420, 330, size=44),
                   line("签发机关", 300, 560), line(issuer, 420, 558),
                   line("有效期限", 300, 620), line(period, 420, 618))  # fmt: skip


def diploma() -> Reading:
    return reading(line("毕业证书", 600, 150, size=60), line("学生张伟，性别男，1990年5月12日生，于2008年9月至", 300, 320),
                   line("2013年7月在本校临床医学专业五年制本科学习，修完教学", 300, 360),
                   line("计划规定的全部课程，成绩合格，准予毕业。", 300, 400), line("校（院）长：李明", 300, 480),
                   line("证书编号：102461201305000123", 120, 900))  # fmt: skip


def proof() -> Reading:
    return reading(line("试用期考核合格证明", 400, 120, size=36),
                   line(f"兹有张伟同志，性别男，身份证号{NUMBER}，于2024年7月1日至", 120, 260),
                   line("2025年6月30日在我单位内科试用，试用期满，经考核合格。", 120, 300),
                   line("特此证明。", 160, 360), line("单位（盖章）：北京市第一人民医院", 600, 900))  # fmt: skip


def check(material: str, r: Reading, reg: decide.Registration = REG, **kw) -> decide.Checks:
    return decide.check(decide.CheckImage(material, r, reg, **kw))


# --- the identity card's front ------------------------------------------------------------------


def test_a_card_front_that_matches_the_registration_passes_and_says_what_was_read():
    # Given the candidate's own card, read cleanly
    checks = check("id_card", front())
    # Then it is the front, nothing is found, and the number and name are what the card shows
    assert checks.state is decide.CheckState.DONE
    assert checks.document_type is D.ID_CARD_FRONT
    assert checks.passed is True and checks.findings == ()
    assert checks.read == decide.Read(id_number=NUMBER, name="张伟", valid_until=None)


def test_another_valid_number_is_a_mismatch():
    # Given a card whose number is valid (check digit, birth date, sex) but is not the registration's
    other = id_number(125, born="19900512")
    assert idnumber.valid(other) and other != NUMBER
    checks = check("id_card", front(number=other))
    assert checks.codes == ("ID_NUMBER_MISMATCH",)
    assert checks.passed is False
    assert checks.read.id_number == other


def test_one_digit_off_with_its_check_digit_recomputed_is_a_mismatch():
    # The registration typo the check digit cannot catch: one digit changed, check digit recomputed
    first17 = NUMBER[:15] + ("3" if NUMBER[15] != "3" else "5") + NUMBER[16]
    typo = first17 + idnumber.check_digit(first17)
    assert idnumber.valid(typo)
    assert check("id_card", front(), decide.Registration("张伟", typo, 2026)).codes == ("ID_NUMBER_MISMATCH",)


def test_a_misread_digit_breaks_the_check_digit_and_the_registration_explains_it():
    # Given the number read with one wrong digit (the check digit fails): a misread, not a mismatch
    misread = NUMBER[:3] + ("8" if NUMBER[3] != "8" else "3") + NUMBER[4:]
    assert not idnumber.valid(misread)
    checks = check("id_card", front(number=misread))
    # Then nothing is found: the registration's number differs from it in that one character
    assert checks.findings == ()
    assert checks.read.id_number == misread  # reviewers see what was read


def test_a_number_misread_in_two_places_is_unreadable_never_a_mismatch():
    misread = "9" + NUMBER[1:5] + ("0" if NUMBER[5] != "0" else "1") + NUMBER[6:]
    assert not idnumber.valid(misread)
    checks = check("id_card", front(number=misread))
    assert checks.codes == ("UNREADABLE",)
    assert "identity number" in checks.findings[0].message and "公民身份号码" in checks.findings[0].message_zh


def test_a_valid_number_that_disagrees_with_the_printed_birth_date_is_not_taken_for_sure():
    # Given a number that passes its check digit but says another birth date than the card prints
    # (two digits misread into another valid number): not a sure read, so not a mismatch
    other = id_number(125, born="19900513")
    assert idnumber.valid(other)
    checks = check("id_card", front(number=other, born="1990年5月12日"))
    assert checks.codes == ("UNREADABLE",)
    # ... while the same number agreeing with the card is a mismatch
    assert check("id_card", front(number=other, born="1990年5月13日")).codes == ("ID_NUMBER_MISMATCH",)


def test_the_sex_digit_must_agree_with_the_printed_sex():
    woman = id_number(124, born="19900512")  # serial 124: even
    assert check("id_card", front(number=woman, sex="女")).codes == ("ID_NUMBER_MISMATCH",)
    assert check("id_card", front(number=woman, sex="男")).codes == ("UNREADABLE",)


def test_another_name_read_for_sure_is_a_name_mismatch():
    checks = check("id_card", front(name="李娜"))
    assert checks.codes == ("NAME_MISMATCH",)
    assert checks.read.name == "李娜"


def test_a_doubtful_character_in_a_different_name_is_never_a_mismatch():
    assert thresholds.get("name", "certain") > 0.2  # 0.2: doubtful
    # Beside the candidate's own number, read for sure, it is a misread: nothing to say
    checks = check("id_card", front(name="张玮", name_chars=(0.99, 0.2)))
    assert checks.findings == () and checks.read.name == "张玮"
    # Without a sure number it is unreadable
    misread = NUMBER[:3] + ("8" if NUMBER[3] != "8" else "3") + NUMBER[4:]
    checks = check("id_card", front(name="张玮", number=misread, name_chars=(0.99, 0.2)))
    assert checks.codes == ("UNREADABLE",)
    assert "name" in checks.findings[0].message and "姓名" in checks.findings[0].message_zh


def test_both_mismatches_together_and_unreadable_never_beside_a_mismatch():
    other = id_number(125, born="19900512")
    assert set(check("id_card", front(name="李娜", number=other)).codes) == {"ID_NUMBER_MISMATCH", "NAME_MISMATCH"}
    # The number is another person's; the name has a doubtful character: the mismatch alone
    assert check("id_card", front(name="张玮", number=other, name_chars=(0.99, 0.2))).codes == ("ID_NUMBER_MISMATCH",)


def test_a_card_photographed_turned_keeps_its_rows():
    for angle in (-5, 4):
        checks = check("id_card", front(angle=angle))
        assert checks.document_type is D.ID_CARD_FRONT and checks.findings == (), angle
        assert checks.read.id_number == NUMBER and checks.read.name == "张伟"


def test_labels_and_values_cut_into_pieces_are_read_as_one_row():
    # Given the OCR cut 姓名 into two boxes and read the number with letters for digits
    r = reading(line("姓", 200, 300), line("名", 230, 300), line("张伟", 300, 298),
                line("性别男", 200, 360), line("出生1990年5月12日", 200, 420), line("住址北京市东城区", 200, 480),
                line("公民身份号码", 200, 640), line(NUMBER[:9].replace("0", "O"), 420, 636),
                line(NUMBER[9:].replace("1", "l"), 620, 636))  # fmt: skip
    checks = check("id_card", r)
    assert checks.document_type is D.ID_CARD_FRONT
    assert checks.read.id_number == NUMBER and checks.read.name == "张伟" and checks.findings == ()


def test_a_name_whose_label_was_half_read_is_the_row_above_the_sex():
    # The watermark's letters crossed 姓 (the OCR read 名许明): the name row is the one above 性别
    r = reading(line("名张伟", 200, 300), line("性别男", 200, 360), line("出生1990年5月12日", 200, 420),
                line("公民身份号码", 200, 640), line(NUMBER, 420, 636))  # fmt: skip
    checks = check("id_card", r)
    assert checks.read.name == "张伟" and checks.findings == ()


# --- the back: validity ------------------------------------------------------------------------


def test_a_card_valid_past_the_review_passes():
    checks = check("id_card", back("2016.01.01-2036.01.01"))
    assert checks.document_type is D.ID_CARD_BACK and checks.findings == ()
    assert checks.read == decide.Read(valid_until="2036-01-01")


def test_a_card_that_expires_before_the_review_is_id_expired():
    checks = check("id_card", back("2006.03.02-2026.03.02"))  # the review day is 2026-03-31
    assert checks.codes == ("ID_EXPIRED",)
    assert checks.read.valid_until == "2026-03-02"
    # valid on the review day itself: no finding; the day can be given (the exam office's window)
    assert check("id_card", back("2006.03.31-2026.03.31")).findings == ()
    assert check("id_card", back("2006.03.31-2026.03.31"), valid_on=datetime.date(2026, 4, 1)).codes == ("ID_EXPIRED",)


def test_a_long_term_card_never_expires():
    checks = check("id_card", back("2010.07.21-长期"))
    assert checks.findings == () and checks.read.valid_until == "LONG_TERM"


def test_a_misread_end_date_is_repaired_from_the_periods_the_law_allows():
    # 2036.07.01 cannot end a period that began 2016.01.01; 2036.01.01 (20 years) is one digit away
    checks = check("id_card", back("2016.01.01-2036.07.01"))
    assert checks.findings == () and checks.read.valid_until == "2036-01-01"
    # ... and an expired card misread the same way is still expired
    assert check("id_card", back("2006.01.01-2016.07.01")).codes == ("ID_EXPIRED",)


def test_a_period_that_cannot_be_read_is_unreadable():
    assert check("id_card", back("2016.01.01-20")).codes == ("UNREADABLE",)
    assert check("id_card", back("2016.01.01-2029.05.17")).codes == ("UNREADABLE",)  # no law's period near it


def test_a_long_term_card_read_without_its_start_date_passes():
    assert check("id_card", back("2020.1O.l2-长期")).read.valid_until == "LONG_TERM"
    r = reading(line("中华人民共和国", 450, 250, size=30), line("居民身份证", 420, 330, size=44),
                line("有效期2020.10.12-长期", 300, 620))  # fmt: skip
    checks = check("id_card", r)
    assert checks.findings == () and checks.read.valid_until == "LONG_TERM"


def test_the_period_is_found_without_its_label():
    r = reading(line("中华人民共和国", 450, 250, size=30), line("居民身份证", 420, 330, size=44),
                line("签发机关北京市公安局东城分局", 300, 560), line("期限2006.03.02-2026.03.02", 330, 620))  # fmt: skip
    assert check("id_card", r).codes == ("ID_EXPIRED",)


# --- which document ----------------------------------------------------------------------------


def test_each_document_is_known_by_what_is_read_and_where():
    assert decide.identify(front()) is D.ID_CARD_FRONT
    assert decide.identify(back()) is D.ID_CARD_BACK
    assert decide.identify(diploma()) is D.DIPLOMA
    assert decide.identify(proof()) is D.PRACTICE_PROOF
    assert decide.identify(reading(line("收款收据", 500, 100), line("金额：伍佰元整", 200, 300))) is D.OTHER


def test_a_residence_permit_with_the_cards_labels_is_a_residence_permit():
    r = reading(line("广东省居住证", 100, 60, size=30), line("姓名张伟", 100, 200), line("性别男", 100, 260),
                line("出生1990年5月12日", 100, 320), line(f"公民身份号码{NUMBER}", 100, 380),
                line("居住地址广州市天河区中山路8号", 100, 440), line("有效期限2025.09.16起一年", 100, 560))  # fmt: skip
    assert decide.identify(r) is D.RESIDENCE_PERMIT
    assert check("residence_permit", r).findings == ()
    assert check("id_card", r).codes == ("WRONG_DOCUMENT",)


def test_a_household_register_page_is_not_an_identity_card():
    r = reading(line("常住人口登记卡", 500, 60, size=30), line("姓名", 100, 200), line("张伟", 400, 200),
                line("户主或与户主关系", 100, 260), line("户主", 400, 260), line("性别", 100, 320), line("男", 400, 320),
                line("民族", 100, 380), line("汉", 400, 380), line("出生日期", 100, 440), line("1990年5月12日", 400, 440),
                line("公民身份证件编号", 100, 500), line(NUMBER, 400, 500))  # fmt: skip
    checks = check("id_card", r)
    assert checks.document_type is D.OTHER and checks.codes == ("WRONG_DOCUMENT",)


def test_a_diploma_in_the_identity_slot_is_the_wrong_document_and_says_what_to_upload():
    checks = check("id_card", diploma())
    assert checks.document_type is D.DIPLOMA and checks.codes == ("WRONG_DOCUMENT",)
    f = checks.findings[0]
    assert "a diploma" in f.message and "identity card" in f.message
    assert "毕业证书" in f.message_zh and "身份证" in f.message_zh
    # and the card in the diploma slot, the certificate in the probation slot
    assert check("diploma", front()).codes == ("WRONG_DOCUMENT",)
    assert check("practice_proof", proof()).findings == ()
    assert check("diploma", diploma()).findings == ()


def test_a_card_front_with_labels_too_small_to_read_is_known_by_its_valid_number():
    r = reading(line("1990年5月12日", 300, 420), line("北京市东城区幸福路8号", 300, 480), line("CRASTA" + NUMBER, 200, 640))
    checks = check("id_card", r)
    assert checks.document_type is D.ID_CARD_FRONT and checks.read.id_number == NUMBER
    assert checks.codes == ("UNREADABLE",)  # the name could not be read


def test_a_picture_with_nothing_readable_is_unreadable():
    assert check("id_card", reading()).codes == ("UNREADABLE",)
    # a blurred card: a title and little else, never "the wrong document"
    assert check("id_card", reading(line("居民身份证", 420, 330, size=44), line("人民和国", 450, 250))).codes == ("UNREADABLE",)


def test_slots_without_checks_are_skipped():
    checks = check("other", front())
    assert checks.state is decide.CheckState.SKIPPED and checks.passed is None
    assert checks.as_dict(with_read=True) == {"state": "SKIPPED", "documentType": None, "passed": None, "findings": [],
                                              "read": {"idNumber": None, "name": None, "validUntil": None}}  # fmt: skip


# --- the identity slot as a whole --------------------------------------------------------------


def test_two_fronts_and_no_back_make_the_second_front_the_wrong_document():
    slot = [check("id_card", front()), check("id_card", front())]
    first, second = decide.reconcile("id_card", slot)
    assert first.findings == ()
    assert second.codes == ("WRONG_DOCUMENT",)
    assert "back" in second.findings[0].message and "国徽面" in second.findings[0].message_zh


def test_two_backs_and_no_front_and_a_proper_pair():
    backs = decide.reconcile("id_card", [check("id_card", back()), check("id_card", back())])
    assert [c.codes for c in backs] == [(), ("WRONG_DOCUMENT",)]
    assert "front" in backs[1].findings[0].message
    pair = [check("id_card", front()), check("id_card", back())]
    assert decide.reconcile("id_card", pair) == pair
    # a second front beside the back (three pictures would not fit the slot, but the rule holds)
    assert decide.reconcile("diploma", [check("diploma", diploma())] * 2)[1].findings == ()


# --- what the candidate and the reviewers get --------------------------------------------------


def test_the_candidates_shape_leaves_out_what_was_read():
    checks = check("id_card", front(name="李娜"))
    public = checks.as_dict(with_read=False)
    assert "read" not in public
    assert public == {"state": "DONE", "documentType": "ID_CARD_FRONT", "passed": False,
                      "findings": [{"code": "NAME_MISMATCH", "message": CHECK_FINDINGS["NAME_MISMATCH"].message,
                                    "messageZh": CHECK_FINDINGS["NAME_MISMATCH"].message_zh}]}  # fmt: skip
    assert checks.as_dict(with_read=True)["read"] == {"idNumber": NUMBER, "name": "李娜", "validUntil": None}


@pytest.mark.parametrize("r", [front(name="李娜"), front(number=id_number(125, born="19900512")),
                               back("2006.03.02-2026.03.02"), diploma(), reading()])  # fmt: skip
def test_messages_say_how_to_fix_in_both_languages_and_never_what_was_read(r):
    for f in check("id_card", r).findings:
        assert f.message and f.message_zh and "{" not in f.message + f.message_zh
        for secret in ("李娜", id_number(125, born="19900512"), "2026-03-02", "2026.03.02"):
            assert secret not in f.message + f.message_zh


def test_every_finding_code_has_its_texts():
    codes = {"WRONG_DOCUMENT", "ID_NUMBER_MISMATCH", "NAME_MISMATCH", "ID_EXPIRED", "UNREADABLE"}
    assert {key.split("/")[0] for key in CHECK_FINDINGS} == codes


def test_the_generated_set_reviews_on_the_deciders_review_day():
    assert decide.review_day(precheck_set.EXAM_YEAR) == precheck_set.REVIEW_DAY


# --- the pieces --------------------------------------------------------------------------------


def test_labels_are_found_with_the_misreads_ocr_makes():
    assert find("公民身份号码", "公民身份号码1101") == (0, 6, 0)
    assert find("公民身份号码", "xx公民身份号玛1101") == (2, 8, 1)  # one wrong character in six
    assert find("公民身份号码", "份号码1101") is None  # three missing: not this label
    assert find("姓名", "姓石张伟") is None  # short labels must be exact
    assert find("有效期限", "有效期眼2016") == (0, 4, 1)


def test_number_candidates_fold_letters_into_digits_and_prefer_valid_windows():
    assert fields.number_candidates(NUMBER.replace("0", "O").replace("1", "l")) == [NUMBER]
    assert fields.number_candidates("7" + NUMBER)[0] == NUMBER  # a stray character before it
    assert fields.number_candidates(NUMBER[:16]) == []


def test_watermark_lines_that_were_not_taken_out_are_left_aside():
    lines = list(front().lines)
    assert any("医师资格考试" in ln.text for ln in lines)
    grouped = rows([ln for ln in lines if "医师资格考试" not in ln.text])
    from precheck.layout import document_lines

    assert rows(document_lines(front())) == grouped
