"""The machine pre-checks' use case, pure: what one picture in a slot shows and whether it matches
the registration (api-contract.md "Machine pre-checks"). No OCR here: it takes a ``Reading`` (what
the OCR adapter, precheck/ocr.py, read) and returns a typed ``Checks``; tests feed it readings made
by hand.

Findings are advice and never refuse an image. Which finding:

* ``WRONG_DOCUMENT``: the picture is a document, but not one the slot asks for; or (``reconcile``,
  across the identity slot's pictures) the card's front twice and no back, or the back twice.
* ``ID_NUMBER_MISMATCH``: a number read for sure (check digit, birth date and sex agree) that is not
  the registration's. A number that fails its check digit was misread, not mismatched: if one
  character away from the registration's, the registration's explains it; if further, it is
  UNREADABLE, never a mismatch.
* ``NAME_MISMATCH``: a name that is not the registration's, every differing character read with
  certainty ``name.certain`` or more (thresholds.json). A doubtful character is a misread when the
  card's number is the registration's, read for sure; otherwise the name is UNREADABLE.
* ``ID_EXPIRED``: the validity period ends before ``valid_on`` (the exam year's review), read as a
  period the law gives (or repaired to the one it must be).
* ``UNREADABLE``: too little text to know the document, or a field that must be checked could not be
  read; never given with a mismatch (a mismatch is what to act on).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from enum import StrEnum

from core.idnumber import normalise
from core.reasons import CHECK_FINDINGS
from precheck import fields, thresholds
from precheck.classify import DocumentType, classify
from precheck.layout import document_lines, rows
from precheck.reading import Reading

D = DocumentType

# What each material type's slot takes (the requirement catalogue, deploy/catalogue.json); a slot not named here is not checked.
EXPECTED: dict[str, frozenset[DocumentType]] = {
    "id_card": frozenset({D.ID_CARD_FRONT, D.ID_CARD_BACK}),
    "diploma": frozenset({D.DIPLOMA}),
    "practice_proof": frozenset({D.PRACTICE_PROOF}),
    "residence_permit": frozenset({D.RESIDENCE_PERMIT}),
}
NAMES: dict[DocumentType, tuple[str, str]] = {  # (English, Chinese) as the messages name them
    D.ID_CARD_FRONT: ("the front of an identity card (the side with the photo)", "身份证人像面"),
    D.ID_CARD_BACK: ("the back of an identity card (the side with the emblem)", "身份证国徽面"),
    D.DIPLOMA: ("a diploma", "毕业证书"),
    D.PRACTICE_PROOF: ("a probation assessment certificate", "试用期考核证明"),
    D.RESIDENCE_PERMIT: ("a residence permit", "居住证明"),
    D.OTHER: ("another document", "其他材料"),
}
SLOT_NAMES: dict[str, tuple[str, str]] = {
    "id_card": ("the identity card (front and back)", "身份证（人像面和国徽面）"),
    "diploma": ("the diploma", "毕业证书"),
    "practice_proof": ("the probation assessment certificate", "试用期考核证明"),
    "residence_permit": ("the residence permit", "居住证或居住证明"),
}
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "document": ("document", "证件内容"), "number": ("identity number", "公民身份号码"),
    "name": ("name", "姓名"), "validity": ("validity period", "有效期限"),
}  # fmt: skip
# Reviews of an exam year's applications run from registration (January) through March; a card must be
# valid until then. The exam office's review windows, once set, give the day instead (CheckImage.valid_on).
REVIEW_MONTH_DAY = (3, 31)
PARTIAL = 0.5  # of classify.min_score: cues of the slot's document enough to say "read it again", not "wrong"


def review_day(exam_year: int) -> datetime.date:
    return datetime.date(exam_year, *REVIEW_MONTH_DAY)


class CheckState(StrEnum):
    PENDING = "PENDING"
    DONE = "DONE"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class Registration:
    name: str
    id_number: str
    exam_year: int


@dataclass(frozen=True)
class CheckImage:
    """One SUBMITTED picture to check: its slot's material type, what the OCR read, the registration."""

    material_type: str
    reading: Reading
    registration: Registration
    valid_on: datetime.date | None = None  # default: review_day(exam year)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    message_zh: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "messageZh": self.message_zh}


@dataclass(frozen=True)
class Read:
    """What was read, for reviewers beside the registration's values (candidates never see it)."""

    id_number: str | None = None
    name: str | None = None
    valid_until: str | None = None  # ISO date, or LONG_TERM (长期)

    def as_dict(self) -> dict:
        return {"idNumber": self.id_number, "name": self.name, "validUntil": self.valid_until}


@dataclass(frozen=True)
class Checks:
    state: CheckState
    document_type: DocumentType | None = None
    findings: tuple[Finding, ...] = ()
    read: Read = field(default_factory=Read)

    @property
    def passed(self) -> bool | None:
        return None if self.state is not CheckState.DONE else not self.findings

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def as_dict(self, with_read: bool) -> dict:
        """The contract's shape; ``with_read`` for reviewers and the exam office only."""
        out: dict[str, object] = {"state": self.state.value, "documentType": self.document_type.value if self.document_type else None,
               "passed": self.passed, "findings": [f.as_dict() for f in self.findings]}  # fmt: skip
        if with_read:
            out["read"] = self.read.as_dict()
        return out


SKIPPED = Checks(CheckState.SKIPPED)


def finding(code: str, case: str | None = None, **args: str) -> Finding:
    text = CHECK_FINDINGS[f"{code}/{case}" if case else code]
    return Finding(code, text.message.format(**args), text.message_zh.format(**args))


def _unreadable(parts: list[str]) -> Finding:
    en = " and ".join(FIELD_NAMES[p][0] for p in parts)
    zh = "和".join(FIELD_NAMES[p][1] for p in parts)
    return finding("UNREADABLE", what=en, what_zh=zh)


def _wrong(slot: str, found: DocumentType) -> Finding:
    (found_en, found_zh), (expected_en, expected_zh) = NAMES[found], SLOT_NAMES[slot]
    return finding("WRONG_DOCUMENT", found=found_en, found_zh=found_zh, expected=expected_en, expected_zh=expected_zh)


def _differs(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True)) if len(a) == len(b) else max(len(a), len(b))


def identify(reading: Reading) -> DocumentType:
    """What the picture shows, whatever slot it is in."""
    all_rows = rows(document_lines(reading))
    front = fields.front(all_rows)
    return classify(all_rows, front.number if front.number_valid else None, front.number_on_label_row).document_type


def check(cmd: CheckImage) -> Checks:
    expected = EXPECTED.get(cmd.material_type)
    if expected is None:
        return SKIPPED
    lines = document_lines(cmd.reading)
    all_rows = rows(lines)
    front = fields.front(all_rows)
    verdict = classify(all_rows, front.number if front.number_valid else None, front.number_on_label_row)
    kind = verdict.document_type
    if kind not in expected:
        # Another document, known as such, or a paper with text and nothing of what the slot asks for;
        # otherwise too little was read to tell (a blurred card shows a title and little else).
        partial = max(verdict.scores[k] for k in expected) >= PARTIAL * thresholds.get("classify", "min_score")
        readable = sum(len(line.clean) for line in lines) >= thresholds.get("readable", "min_chars")
        if verdict.recognised or (readable and not partial):
            return Checks(CheckState.DONE, kind, (_wrong(cmd.material_type, kind),))
        return Checks(CheckState.DONE, kind, (_unreadable(["document"]),))
    if kind is D.ID_CARD_FRONT:
        return _check_front(kind, front, cmd.registration)
    if kind is D.ID_CARD_BACK:
        return _check_back(kind, fields.back(all_rows), cmd)
    return Checks(CheckState.DONE, kind)


def _check_front(kind: DocumentType, front: fields.Front, reg: Registration) -> Checks:
    mismatches: list[Finding] = []
    unread: list[str] = []
    registered = normalise(reg.id_number)
    if front.number is None:
        unread.append("number")
    elif front.number_sure:
        if front.number != registered:
            mismatches.append(finding("ID_NUMBER_MISMATCH"))
    elif _differs(front.number, registered) > 1:  # a misread; the registration's number explains one wrong character
        unread.append("number")
    if front.name is None:
        unread.append("name")
    elif front.name != reg.name:
        certain = thresholds.get("name", "certain")
        if len(front.name) == len(reg.name):
            doubtful = [c for ch, want, c in zip(front.name, reg.name, front.name_certainty, strict=False) if ch != want and c < certain]
        else:
            doubtful = [c for c in front.name_certainty if c < certain]
        if not doubtful:
            mismatches.append(finding("NAME_MISMATCH"))
        elif not (front.number_sure and front.number == registered):
            unread.append("name")
        # else: the candidate's own number, read for sure, and a doubtful character: a misread
    read = Read(id_number=front.number, name=front.name)
    if mismatches:
        return Checks(CheckState.DONE, kind, tuple(mismatches), read)
    return Checks(CheckState.DONE, kind, (_unreadable(unread),) if unread else (), read)


def _check_back(kind: DocumentType, back: fields.Back, cmd: CheckImage) -> Checks:
    valid_on = cmd.valid_on or review_day(cmd.registration.exam_year)
    until = back.valid_until
    if until is not None and not back.consistent:
        until = fields.repaired_until(back)
    if until is None:
        return Checks(CheckState.DONE, kind, (_unreadable(["validity"]),), Read())
    shown = until if isinstance(until, str) else until.isoformat()
    if isinstance(until, datetime.date) and until < valid_on:
        return Checks(CheckState.DONE, kind, (finding("ID_EXPIRED"),), Read(valid_until=shown))
    return Checks(CheckState.DONE, kind, (), Read(valid_until=shown))


def reconcile(material_type: str, slot: list[Checks]) -> list[Checks]:
    """The identity slot as a whole (in the slot's order): the front twice and no back (or the back
    twice and no front) is WRONG_DOCUMENT on the second one, with which side to photograph instead."""
    if material_type != "id_card":
        return slot
    kinds = [c.document_type for c in slot]
    out = list(slot)
    for side, other in ((D.ID_CARD_FRONT, D.ID_CARD_BACK), (D.ID_CARD_BACK, D.ID_CARD_FRONT)):
        if kinds.count(side) >= 2 and other not in kinds:
            for k in [k for k, kind in enumerate(kinds) if kind is side][1:]:
                again = finding("WRONG_DOCUMENT", "SAME_SIDE", side=_side(side)[0], side_zh=_side(side)[1],
                                other=_side(other)[0], other_zh=_side(other)[1])  # fmt: skip
                kept = tuple(f for f in out[k].findings if f.code != "UNREADABLE")
                out[k] = replace(out[k], findings=(again, *kept))
    return out


def _side(kind: DocumentType) -> tuple[str, str]:
    return ("front (the side with the photo and the number)", "人像面（有照片和号码的一面）") if kind is D.ID_CARD_FRONT \
        else ("back (the side with the emblem and the validity period)", "国徽面（有国徽和有效期限的一面）")
