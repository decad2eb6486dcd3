"""Draw the sample pictures each material type shows (R4) into samples/.

Run once by hand (`.venv/bin/python tools/make_samples.py`) with Debian's fonts-noto-cjk
installed; the PNGs are committed, so nothing at run time needs the font. They are schematic
on purpose: how to frame the document, not a real person's data."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = Path(__file__).resolve().parent.parent / "samples"
INK, PAPER, LINE, OK = (40, 40, 40), (250, 250, 246), (170, 170, 170), (20, 140, 60)


def font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, px, index=2)  # index 2: Simplified Chinese


def card(title: str, lines: list[str], hint: str, size=(640, 420), photo=False, seal=False) -> Image.Image:
    im = Image.new("RGB", size, (226, 232, 240))
    d = ImageDraw.Draw(im)
    w, h = size
    box = (40, 40, w - 40, h - 80)
    d.rounded_rectangle(box, 18, fill=PAPER, outline=INK, width=3)
    d.text((70, 60), title, font=font(30), fill=INK)
    y = 115
    for line in lines:
        d.text((70, y), line, font=font(20), fill=INK)
        d.line((70 + 7 * 20, y + 26, box[2] - (190 if photo else 60), y + 26), fill=LINE, width=2)
        y += 42
    if photo:
        d.rectangle((box[2] - 170, 100, box[2] - 40, 260), outline=INK, width=2)
        d.ellipse((box[2] - 135, 125, box[2] - 75, 185), outline=LINE, width=3)
        d.arc((box[2] - 160, 180, box[2] - 50, 290), 200, 340, fill=LINE, width=3)
    if seal:
        d.ellipse((box[2] - 180, box[3] - 150, box[2] - 60, box[3] - 30), outline=(200, 40, 40), width=4)
        d.text((box[2] - 150, box[3] - 102), "单位盖章", font=font(18), fill=(200, 40, 40))
    for cx, cy in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        d.line((cx - 14, cy, cx + 14, cy), fill=OK, width=4)
        d.line((cx, cy - 14, cx, cy + 14), fill=OK, width=4)
    d.text((40, h - 60), "示例 · " + hint, font=font(20), fill=OK)
    return im


SAMPLES = {
    "id_card.png": card("居民身份证", ["姓    名", "性    别", "出    生", "住    址", "公民身份号码"],
                        "正反面各拍一张,四角完整,正向不旋转", photo=True),
    "diploma.png": card("毕 业 证 书", ["学    生", "专    业", "学    制", "证书编号"],
                        "原件拍摄,文字清晰无反光", size=(640, 460), seal=True),
    "practice_proof.png": card("试用期考核合格证明", ["姓    名", "执业机构", "试用期", "考核结果"],
                               "须有执业机构盖章", size=(640, 460), seal=True),
    "residence_permit.png": card("居 住 证", ["姓    名", "居住地址", "有效期限"],
                                 "在有效期内,四角完整", photo=True),
    "other.png": card("其他材料", ["材料名称", "出具单位", "日    期"], "按考点要求上传,可选"),
}

if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, picture in SAMPLES.items():
        picture.quantize(64).save(OUT / name, optimize=True)
