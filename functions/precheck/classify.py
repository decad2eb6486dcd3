"""What document a picture shows, from what is read on it and where.

Each kind has its cues: a title no other paper carries (毕业证书, 居住证, 居民身份证), the labels of its
fields (姓名 性别 民族 出生 住址 公民身份号码 on the card's front; 签发机关 有效期限 on its back), and
for the card's sides their layout (the labels top down in the card's order; the number on the row of
公民身份号码). A cue counts once, found with the misreads OCR makes (``layout.find``). The kind with
the most weight wins if it has at least ``MIN_SCORE`` (derived on the generated training set, see
thresholds.json); papers that look like a card's front but are not one (a household register page
has most of its labels) have cues of their own and come out as OTHER.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from precheck import thresholds
from precheck.layout import Row, find


class DocumentType(StrEnum):
    ID_CARD_FRONT = "ID_CARD_FRONT"
    ID_CARD_BACK = "ID_CARD_BACK"
    DIPLOMA = "DIPLOMA"
    PRACTICE_PROOF = "PRACTICE_PROOF"
    RESIDENCE_PERMIT = "RESIDENCE_PERMIT"
    OTHER = "OTHER"


D = DocumentType
OTHER_LOOKALIKE = "OTHER_LOOKALIKE"  # a paper we know is none of ours (household register)

# (words any of which is the cue, weight, errors allowed or None for one in four characters)
CUES: dict[str, tuple[tuple[tuple[str, ...], float, int | None], ...]] = {
    D.ID_CARD_FRONT: ((("公民身份号码",), 3.0, None), (("姓名",), 1.0, 0), (("性别",), 1.0, 0), (("民族",), 1.0, 0),
                      (("出生",), 1.0, 0), (("住址",), 1.0, 0)),
    D.ID_CARD_BACK: ((("居民身份证",), 2.5, None), (("中华人民共和国",), 1.5, None), (("签发机关",), 1.5, None),
                     (("有效期限",), 1.5, None)),
    D.DIPLOMA: ((("毕业证书",), 4.0, None), (("准予毕业",), 1.5, None), (("年制", "学制"), 1.0, 0),
                (("校长", "院长"), 1.0, 0), (("证书编号",), 1.0, None), (("修完",), 1.0, 0)),
    D.PRACTICE_PROOF: ((("试用期", "试用"), 3.0, 0), (("实习",), 2.0, 0), (("考核",), 2.0, 0), (("合格",), 1.0, 0),
                       (("证明",), 1.0, 0)),
    D.RESIDENCE_PERMIT: ((("居住证",), 6.0, 0), (("居住地址", "居住至今"), 1.5, None)),
    OTHER_LOOKALIKE: ((("常住人口",), 4.0, None), (("户主",), 3.0, 0), (("户口",), 3.0, 0), (("籍贯",), 1.5, 0),
                      (("曾用名",), 1.5, 0)),
}  # fmt: skip
# Titles that settle it: a residence permit carries the card front's labels and number under its own
# title (居住证), a household register page most of them under its own (常住人口登记卡, 户主).
TITLES: dict[str, tuple[str, ...]] = {D.RESIDENCE_PERMIT: ("居住证",), OTHER_LOOKALIKE: ("常住人口", "户主")}


@dataclass(frozen=True)
class Verdict:
    document_type: DocumentType
    scores: dict[str, float]
    recognised: bool  # a kind (ours, or a known look-alike) reached MIN_SCORE: not merely too little read

    @property
    def best(self) -> float:
        return max(self.scores.values(), default=0.0)


def _order_bonus(all_rows: list[Row], labels: tuple[str, ...]) -> float:
    """1 when the labels that are found come top down in the document's order (at least three)."""
    at = []
    for label in labels:
        k = next((k for k, row in enumerate(all_rows) if find(label, row.text) is not None), None)
        if k is not None:
            at.append(k)
    return 1.0 if len(at) >= 3 and at == sorted(at) else 0.0


def classify(all_rows: list[Row], number: str | None, number_on_label_row: bool) -> Verdict:
    """``number``: a valid identity number read on the picture, ``number_on_label_row``: where the card's
    front has it, after 公民身份号码 (fields.py)."""
    text = "".join(row.text for row in all_rows)
    scores: dict[str, float] = {}
    for kind, cues in CUES.items():
        scores[kind] = sum(weight for words, weight, errors in cues if any(find(w, text, errors) for w in words))
    scores[D.ID_CARD_FRONT] += _order_bonus(all_rows, ("姓名", "出生", "住址", "公民身份号码"))
    # A valid number (its check digit passes) is the front's strongest field, even with labels too small
    # to read; papers that also carry one have titles and cues of their own.
    scores[D.ID_CARD_FRONT] += (2.5 if number else 0.0) + (1.0 if number_on_label_row else 0.0)
    scores[D.ID_CARD_BACK] += _order_bonus(all_rows, ("中华人民共和国", "居民身份证", "签发机关", "有效期限"))
    kind, best = max(scores.items(), key=lambda kv: kv[1])
    titled = [k for k, words in TITLES.items() if any(find(w, text, 0) for w in words)]
    if len(titled) == 1:
        kind, best = titled[0], max(best, scores[titled[0]])
    recognised = best >= thresholds.get("classify", "min_score")
    if not recognised or kind == OTHER_LOOKALIKE:
        return Verdict(D.OTHER, scores, recognised)
    return Verdict(DocumentType(kind), scores, recognised)
