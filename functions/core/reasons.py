"""Why an image is not accepted, in words a candidate can act on (api-contract.md "Image status").

Two lists: what process_image finds wrong with a file (`INVALID` + `reason`), and what a reviewer
asks the candidate to fix (`NEEDS_REVISION` + `reviewReasonCode`). Each entry has an English and a
Chinese "how to fix" text; the page shows both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    message: str
    message_zh: str


INVALID_REASONS: dict[str, Reason] = {
    "EMPTY": Reason(
        "The file is empty. Choose the photo again and upload it.",
        "文件为空,请重新选择照片上传。",
    ),
    "TOO_LARGE": Reason(
        "The file is larger than 200 KB. Reduce the photo's size or resolution (e.g. 1600x1200) and upload it again.",
        "文件超过 200KB。请压缩照片或降低分辨率(如 1600x1200)后重新上传。",
    ),
    "UNSUPPORTED_FORMAT": Reason(
        "This file is not a JPG or PNG image. Save or export it as JPG, then upload it again.",
        "该文件不是 JPG 或 PNG 图片,请另存或导出为 JPG 后重新上传。",
    ),
    "CORRUPT": Reason(
        "The image is damaged or incomplete and cannot be opened. Take or export the photo again and upload it.",
        "图片已损坏或不完整,无法打开。请重新拍摄或导出后上传。",
    ),
    "DIMENSIONS_TOO_LARGE": Reason(
        "The image has too many pixels. Resize it to at most 16 megapixels (e.g. 4000x4000, 4600x3450),"
        " with no side over 8000 pixels, and upload it again.",
        "图片像素过大,请将图片缩小到 1600 万像素以内(如 4000×4000、4600×3450),且任一边不超过 8000 像素后重新上传。",
    ),
    "TOO_SMALL": Reason(
        "The image is too small to read. Its shorter side must be at least 300 pixels; take the photo closer or at a higher resolution.",
        "图片过小,无法看清。短边至少需要 300 像素,请靠近拍摄或提高分辨率。",
    ),
}

# What a file that is not JPEG/PNG turned out to be, and how to get a JPEG from it (R6, R8).
FORMAT_FIXES: dict[str, Reason] = {
    "HEIC": Reason(
        "HEIC photo (iPhone's default): set the camera to 'Most Compatible' or export the photo as JPEG.",
        "HEIC 格式照片(苹果手机默认):请在相机设置中选择“兼容性最佳”,或将照片导出为 JPG。",
    ),
    "AVIF": Reason(
        "AVIF image (a newer format some phones and websites use): open it and save or export it as JPG.",
        "AVIF 格式图片(部分手机和网站使用的新格式):请打开后另存或导出为 JPG。",
    ),
    "WEBP": Reason("WebP image: save it as JPG (e.g. open it and 'Save as' JPG).", "WebP 图片:请另存为 JPG 格式。"),
    "GIF": Reason("GIF image: save it as JPG or PNG.", "GIF 图片:请另存为 JPG 或 PNG 格式。"),
    "BMP": Reason("BMP image: save it as JPG; it will also be much smaller.", "BMP 图片:请另存为 JPG 格式(文件也会小很多)。"),
    "TIFF": Reason("TIFF scan: set the scanner to JPG, or save the scan as JPG.", "TIFF 扫描件:请将扫描仪设置为 JPG,或另存为 JPG。"),
    "SVG": Reason("SVG drawing: this must be a photo or scan of the document, as JPG.", "SVG 矢量图:请上传证件的照片或扫描件(JPG)。"),
    "PDF": Reason("PDF document: take a photo or screenshot of the page and upload it as JPG.", "PDF 文档:请对页面拍照或截图,以 JPG 格式上传。"),
    "HTML": Reason("a web page, not an image: save the picture itself as JPG.", "这是网页文件而非图片:请保存图片本身为 JPG。"),
    "TEXT": Reason("a text file, not an image: upload a photo of the document as JPG.", "这是文本文件而非图片:请上传证件照片(JPG)。"),
    "UNKNOWN": Reason("an unknown file type: upload a photo of the document as JPG.", "无法识别的文件类型:请上传证件照片(JPG)。"),
}

REVIEW_REASONS: dict[str, Reason] = {
    "BLURRY": Reason(
        "The image is blurry. Retake it in good light, holding the phone steady, so every character is sharp.",
        "图片模糊。请在光线充足处稳定手机重新拍摄,确保文字清晰。",
    ),
    "INCOMPLETE": Reason(
        "Part of the document is missing. Photograph the whole document with all four corners visible.",
        "证件不完整。请拍摄完整证件,四个角均需可见。",
    ),
    "ROTATED": Reason(
        "The image is rotated or flipped. Take it upright, as the document is read.",
        "图片方向不正或被翻转。请按正常阅读方向正向拍摄。",
    ),
    "WRONG_DOCUMENT": Reason(
        "This is not the document asked for here. Check the sample image and upload the right one.",
        "上传的不是此处要求的材料。请对照示例图片上传正确的材料。",
    ),
    "EXPIRED": Reason(
        "The document has expired. Upload a valid one.",
        "证件已过期,请上传有效证件。",
    ),
    "GLARE": Reason(
        "Glare or shadow hides part of the document. Retake it without flash, away from direct light.",
        "反光或阴影遮挡了部分内容。请关闭闪光灯、避开直射光线重新拍摄。",
    ),
    "OTHER": Reason(
        "The reviewer asks for a new image; see the reviewer's note.",
        "审核人员要求重新上传,请查看审核意见。",
    ),
}


# What a photo's quality warning tells the candidate (api-contract.md "Instant quality feedback"): the
# cause and the fix. A warning never refuses an image; process_image/quality.py decides when it applies.
QUALITY_WARNINGS: dict[str, Reason] = {
    "BLURRY": Reason(
        "The photo is blurred, so the text may not be readable. Hold the phone steady (rest your elbows "
        "on the table), tap the document on the screen to focus, and take it again in good light.",
        "照片模糊，文字可能无法看清。请双手持稳手机（手肘可支在桌面上），点击屏幕上的证件对焦后，在光线充足处重新拍摄。",
    ),
    "TOO_DARK": Reason(
        "The photo is too dark to read. Take it again near a window or under a lamp; do not cover the "
        "document with your shadow.",
        "照片太暗，无法看清。请在窗边或灯下光线充足处重新拍摄，注意不要让手机或身体的影子挡住证件。",
    ),
    "OVEREXPOSED": Reason(
        "The photo is overexposed: the paper is blown out white and the text has faded. Move out of direct "
        "sunlight or away from the lamp, or tap the document on the screen and lower the brightness.",
        "照片过曝，纸面发白、文字变淡。请避开阳光直射或强光灯，或点击屏幕上的证件后调低亮度再拍。",
    ),
    "GLARE": Reason(
        "There is a glare on the document that hides part of it. Tilt the phone or the document slightly, "
        "turn off the flash, and avoid lights directly above it; check that every word is visible.",
        "证件上有反光，遮住了部分内容。请关闭闪光灯，稍微倾斜手机或证件，避开正上方的灯光，确认每个字都清晰可见后再拍。",
    ),
    "CUT_OFF": Reason(
        "Part of the document is outside the photo. Move the phone back until all four edges and corners "
        "of the document are visible with a little space around them.",
        "证件有部分在照片之外。请将手机后移，使证件的四条边和四个角都完整地出现在画面中，四周留出少许空白。",
    ),
    "DUPLICATE": Reason(
        "This is the same picture as one already uploaded in another slot of this application (for "
        "example the same side of the identity card twice). Check that each slot has the right document "
        "or side.",
        "这张照片与本报名中另一处已上传的照片相同（例如身份证同一面上传了两次）。请确认每一处上传的是正确的材料或正确的一面。",
    ),
}


def duplicate_message(name: str, name_en: str, number: int) -> Reason:
    """DUPLICATE naming the image the picture repeats: its material and its number there, counted as the
    page shows that material's images."""
    what = name_en[:1].lower() + name_en[1:]
    return Reason(
        f"Same as {what} no. {number}: this picture is already uploaded there. Check that each slot has "
        "the right document or side (for example not the same side of the identity card twice).",
        f"与 {name} 第 {number} 张 相同：这张照片已在那里上传过。请确认每一处上传的是正确的材料或正确的一面"
        "（例如身份证不要同一面上传两次）。",
    )


# What a machine pre-check tells the candidate (api-contract.md "Machine pre-checks"): advice, never a
# refusal. Keys are finding codes, or a code and a case ("WRONG_DOCUMENT/SAME_SIDE"); functions/precheck
# decides which applies. Nothing read from the picture goes into these texts: candidates never see it.
CHECK_FINDINGS: dict[str, Reason] = {
    "WRONG_DOCUMENT": Reason(
        "This picture looks like {found}, not {expected}. Check the sample picture and upload {expected} here.",
        "这张图片看起来是{found_zh}，不是此处要求的{expected_zh}。请对照示例图片，在此上传{expected_zh}。",
    ),
    "WRONG_DOCUMENT/SAME_SIDE": Reason(
        "Both pictures show the {side} of the identity card. Replace this one with a photo of the {other}.",
        "两张图片都是身份证的{side_zh}。请将这一张换成{other_zh}的照片。",
    ),
    "ID_NUMBER_MISMATCH": Reason(
        "The identity number on this card is not the one in your registration. If the card is yours, ask "
        "your exam site to correct the registration; otherwise upload a photo of your own identity card.",
        "证件上的公民身份号码与报名信息不一致。如证件确为本人所有，请联系考点更正报名信息；否则请上传本人身份证的照片。",
    ),
    "NAME_MISMATCH": Reason(
        "The name on this card is not the name in your registration. If the card is yours, ask your exam "
        "site to correct the registration; otherwise upload a photo of your own identity card.",
        "证件上的姓名与报名信息不一致。如证件确为本人所有，请联系考点更正报名信息；否则请上传本人身份证的照片。",
    ),
    "ID_EXPIRED": Reason(
        "This identity card's validity period ends before the review. Upload a card that is valid then: "
        "your renewed card, or the temporary identity card the police issue while it is renewed.",
        "该身份证的有效期限在审核之前届满。请上传届时仍在有效期内的证件：换领的新证，或换证期间公安机关出具的临时居民身份证。",
    ),
    "UNREADABLE": Reason(
        "The {what} could not be read reliably from this photo. Take it again in good light, without "
        "glare or shadow, with the whole document sharp and filling most of the picture.",
        "无法从这张照片中可靠地识别{what_zh}。请在光线充足处重新拍摄，避开反光和阴影，使证件完整、清晰并占满画面的大部分。",
    ),
}


def invalid_message(reason: str, found: str | None = None) -> Reason:
    """The text for an INVALID image; for UNSUPPORTED_FORMAT it names what the file really is."""
    base = INVALID_REASONS[reason]
    if reason != "UNSUPPORTED_FORMAT" or not found:
        return base
    fix = FORMAT_FIXES.get(found, FORMAT_FIXES["UNKNOWN"])
    return Reason(
        f"Only JPG or PNG images are accepted. This file is {fix.message}",
        f"仅支持 JPG 或 PNG 图片。{fix.message_zh}",
    )
