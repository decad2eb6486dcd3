"""The one list of error codes (api-contract.md "Errors"), and the domain exceptions that carry them.

Every 4xx body is {"error": {"code", "message", "messageZh"}}; handlers never build one by hand,
they raise `DomainError(code)` and `core.http` maps it. A specific message always comes in both
languages (`DomainError(code, en, zh)`): the Chinese text is never the generic one while the English
names the reason (api-contract.md, "The OpenAPI document tells the truth").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    message: str
    message_zh: str


ERRORS: dict[str, ErrorSpec] = {
    "INVALID_REQUEST": ErrorSpec(400, "The request is malformed or has wrong or missing fields.", "请求格式错误或字段缺失、有误。"),
    "UNSUPPORTED_CONTENT_TYPE": ErrorSpec(
        400, "Only JPG/JPEG or PNG images can be uploaded.", "仅支持上传 JPG/JPEG 或 PNG 格式的图片。"
    ),
    "INVALID_ID_NUMBER": ErrorSpec(
        400,
        "idNumber is not a valid 18-character resident identity number (its check digit does not match).",
        "身份证号码无效:须为 18 位居民身份证号码,且校验码正确。",
    ),
    "INVALID_NAME": ErrorSpec(
        400,
        "A name cannot hold control, format or text-direction characters (Unicode Cc, Cf, e.g. U+202E).",
        "姓名不能含有控制字符、格式字符或文字方向字符(如 U+202E)。",
    ),
    "UNKNOWN_REGION": ErrorSpec(400, "This exam region (考区) does not exist.", "该考区不存在。"),
    "UNKNOWN_SITE": ErrorSpec(400, "This exam site (考点) does not exist.", "该考点不存在。"),
    "SITE_NOT_IN_REGION": ErrorSpec(
        400, "This exam site does not belong to the given exam region.", "该考点不属于所填考区。"
    ),
    "UNKNOWN_CATEGORY": ErrorSpec(
        400, "This exam category is not one of the catalogue's categories.", "该考试类别不在报考类别目录中。"
    ),
    "INVALID_PHONE": ErrorSpec(
        400,
        "phone must be a mainland China mobile number: 11 digits starting with 13 to 19, e.g. 13812345678.",
        "手机号码格式不正确:须为 11 位中国大陆手机号码,以 13 至 19 开头,例如 13812345678。",
    ),
    "CONSENT_REQUIRED": ErrorSpec(
        400,
        "To receive text messages, agree to the privacy notice.",
        "须同意隐私声明才能接收短信通知。",
    ),
    "INVALID_CODE": ErrorSpec(
        400,
        "The verification code is wrong. Type the 6 digits of the latest text message, or ask for a new code.",
        "验证码不正确,请输入最近一条短信中的 6 位数字,或重新获取验证码。",
    ),
    "INVALID_COUNTS": ErrorSpec(
        400,
        "minCount and maxCount must be whole numbers with 0 <= minCount <= maxCount, 1 <= maxCount <= 10.",
        "图片数量有误:须满足 0 ≤ minCount ≤ maxCount,且 1 ≤ maxCount ≤ 10。",
    ),
    "UNAUTHORIZED": ErrorSpec(401, "Sign in to continue.", "请先登录。"),
    "FORBIDDEN": ErrorSpec(403, "Your role may not use this function.", "您的角色无权使用此功能。"),
    "MFA_REQUIRED": ErrorSpec(403, "Staff accounts must sign in with a second factor (MFA); sign in again with it.",
                              "工作人员账号须使用多因素认证(MFA)登录,请使用第二重验证重新登录。"),
    "NOT_FOUND": ErrorSpec(404, "Not found.", "未找到。"),
    "UNKNOWN_MATERIAL_TYPE": ErrorSpec(
        404,
        "This material type is not required for your exam region and site.",
        "您所在考区/考点不需要此类材料。",
    ),
    "UNKNOWN_SCOPE": ErrorSpec(
        404,
        "No such scope: national, region-{code} or site-{code} of an exam region or site in the catalogue.",
        "没有该范围:须为 national(全国)、region-{考区代码} 或 site-{考点代码},且考区、考点在目录中。",
    ),
    "METHOD_NOT_ALLOWED": ErrorSpec(405, "This method is not allowed here.", "不支持此请求方法。"),
    "APPLICATION_EXISTS": ErrorSpec(
        409, "The application already exists with different data.", "该报名信息已存在且内容不同。"
    ),
    "DUPLICATE_REGISTRATION": ErrorSpec(
        409,
        "This identity number already has an application for this exam year: one application per person and year.",
        "该证件号码本考试年度已有报名:每人每年只能报名一次。",
    ),
    "WINDOW_CLOSED": ErrorSpec(
        409,
        "Materials cannot be changed now: it is outside the upload window of this exam region.",
        "当前不在本考区的材料上传时间内,不能修改材料。",
    ),
    "SLOT_FULL": ErrorSpec(
        409,
        "This material type already has as many images as it allows. Delete one to upload another.",
        "该类材料的图片数量已达上限,请先删除一张再上传。",
    ),
    "IMAGE_LOCKED": ErrorSpec(
        409, "This image has been approved and is locked; it can no longer be changed.", "该图片已审核通过并锁定,不能再修改。"
    ),
    "APPLICATION_NOT_EDITABLE": ErrorSpec(
        409, "Materials can no longer be changed at this stage of the review.", "当前审核阶段不能再修改材料。"
    ),
    "STALE_VERSION": ErrorSpec(
        409, "This changed since you loaded it. Reload and try again.", "内容已发生变化,请刷新后重试。"
    ),
    "CLAIMED_BY_OTHER": ErrorSpec(
        409, "Another reviewer is reviewing this application.", "其他审核人员正在审核该报名。"
    ),
    "NOT_CLAIMED": ErrorSpec(
        409, "Claim the application before deciding on it.", "请先领取该报名再作出审核决定。"
    ),
    "INCOMPLETE_MATERIALS": ErrorSpec(
        409,
        "Every required material must be complete and every image approved first.",
        "所有必需材料须齐全且每张图片均已审核通过。",
    ),
    "INVALID_TRANSITION": ErrorSpec(
        409, "This decision is not possible in the application's current status.", "报名当前状态下不能作出此决定。"
    ),
    "SEPARATION_OF_DUTIES": ErrorSpec(
        409,
        "The same person may not make both the site and the region approval.",
        "同一人员不能同时作出考点和考区审核通过决定。",
    ),
    "FILE_TOO_LARGE": ErrorSpec(
        413,
        "The file is larger than 200 KB. Reduce the photo's size or resolution first.",
        "文件超过 200KB,请先压缩照片或降低分辨率。",
    ),
    "TOO_MANY_ATTEMPTS": ErrorSpec(
        429,
        "Too many tries: this verification code no longer works. Ask for a new code (save the number again).",
        "尝试次数过多,该验证码已失效,请重新保存手机号码以获取新的验证码。",
    ),
    "INTERNAL_ERROR": ErrorSpec(
        500, "Something went wrong on our side; nothing was changed. Please try again.", "系统出错,未作任何修改,请重试。"
    ),
    "TRY_AGAIN": ErrorSpec(
        503, "The system is busy. Please try again in a moment.", "系统繁忙,请稍后重试。"
    ),
}


class DomainError(Exception):
    """A failure the caller can act on; `code` is one of ERRORS. `en`/`zh` replace the code's generic
    texts with specific ones (the reason, the field, what to do); both or neither."""

    def __init__(self, code: str, en: str | None = None, zh: str | None = None):
        if code not in ERRORS:
            raise ValueError(f"unknown error code {code}")
        if (en is None) != (zh is None):
            raise ValueError("a specific message needs both languages")
        super().__init__(f"{code}: {en}" if en else code)
        self.code = code
        self.en, self.zh = en, zh

    @property
    def status(self) -> int:
        return ERRORS[self.code].status

    @property
    def message(self) -> str:
        return self.en or ERRORS[self.code].message

    @property
    def message_zh(self) -> str:
        return self.zh or ERRORS[self.code].message_zh

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "messageZh": self.message_zh}}

