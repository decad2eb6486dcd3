"""A candidate's contact for notifications and their subscriptions to the registration-opening
reminder (R22). The source's third-party service asked for the exam site's user name and password;
this one asks for nothing but a mobile number and the consent to use it (R22's "[sic]").

Pure: validation of the number, masking, the consent record, the subscription's identity and the
years one may subscribe to. The number is personal data: it is stored once per user (the contact
item), never logged, and shown only masked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta, timezone

from core import catalog
from core.clock import Now
from core.errors import DomainError
from core.models import Contact, Subscription, Verification
from core.notifications import Message

# The privacy notice the candidate agrees to (web client: "通知设置"); a new text gets a new version,
# and a consent records the version it was given to.
NOTICE_VERSION = "2026-1"
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # mainland China mobile numbers
_SEPARATORS = re.compile(r"[\s\-().]")
# What `normalise` takes, as one regular expression (the OpenAPI document states it; a unit test checks
# that both agree): separators anywhere, +86 or 0086 before, 11 digits 1[3-9]...
_SEP = r"[\s().-]*"
PHONE_PATTERN = (rf"^{_SEP}(?:\+{_SEP}8{_SEP}6|0{_SEP}0{_SEP}8{_SEP}6)?{_SEP}1{_SEP}[3-9](?:{_SEP}[0-9]){{9}}{_SEP}$")
CHINA = timezone(timedelta(hours=8))
# A number counts as consented only once its owner typed the code texted to it (its 6 digits, within
# CODE_SECONDS, at most TRIES tries counted before each comparison; one code every RESEND_SECONDS).
CODE_DIGITS = 6
CODE_SECONDS = 600
TRIES = 5
RESEND_SECONDS = 60
YEARS_AHEAD = 2  # R22: subscribe "ahead of time", to this year's exam or the next ones


def normalise(raw: str) -> str:
    """The 11 digits of a mainland mobile number, from what people type ("138 1234-5678",
    "+86 13812345678"); anything else is INVALID_PHONE."""
    text = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if not MOBILE.match(text):
        raise DomainError("INVALID_PHONE")
    return text


def masked(phone: str) -> str:
    """138****5678: enough for the candidate to recognise their number, not enough to call it."""
    return f"{phone[:3]}****{phone[-4:]}"


def e164(phone: str) -> str:
    return f"+86{phone}"


def contact(user: str, phone: str, consent: bool, now: Now) -> Contact:
    """The contact a candidate gives: consent to the privacy notice is required, and recorded with
    its time and the notice's version."""
    if consent is not True:
        raise DomainError("CONSENT_REQUIRED")
    return Contact(user=user, phone=normalise(phone), consent_at=now.iso, notice=NOTICE_VERSION, updated_at=now.iso)


def code_hash(code: str, token: str) -> str:
    """A code is stored only as this hash, salted with its own token."""
    return hashlib.sha256(f"{token}:{code}".encode()).hexdigest()


def verification(user: str, phone: str, consent: bool, now: Now) -> tuple[Verification, str]:
    """A number given with consent, waiting for its code; and the code to text it (never stored)."""
    given = contact(user, phone, consent, now)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    token = secrets.token_hex(8)
    return Verification(user=user, phone=given.phone, code_hash=code_hash(code, token), token=token,
                        sent_at=now.seconds, expires_at=now.seconds + CODE_SECONDS, consent_at=given.consent_at,
                        notice=given.notice), code


def code_message(v: Verification, code: str) -> Message:
    minutes = CODE_SECONDS // 60
    return Message(kind="verify", ref=v.token, text=(
        f"【医师资格考试】您的验证码为 {code},{minutes} 分钟内有效,用于验证接收审核通知的手机号码。如非本人操作,请忽略。"
        f" Your verification code is {code} (valid {minutes} minutes)."))


def verified(v: Verification, code: str, now: Now) -> Contact:
    """The contact a right code makes of its verification (`v` counts this try already); INVALID_CODE
    for a wrong or an expired one."""
    if now.seconds >= v.expires_at:
        raise DomainError("INVALID_CODE", "This code has expired (a code works for 10 minutes): ask for a new one.",
                          "验证码已过期(有效期 10 分钟),请重新获取验证码。")
    if not hmac.compare_digest(code_hash(code, v.token), v.code_hash):
        left = max(TRIES - v.tries, 0)
        if left:
            raise DomainError("INVALID_CODE", f"The verification code is wrong: {left} tries left.",
                              f"验证码不正确,还可尝试 {left} 次。")
        raise DomainError("INVALID_CODE", "The verification code is wrong, and that was the last try: ask for a new code.",
                          "验证码不正确,且已无剩余尝试次数,请重新获取验证码。")
    return Contact(user=v.user, phone=v.phone, consent_at=v.consent_at, notice=v.notice, updated_at=now.iso,
                   verified_at=now.iso)


def number_hash(ann_id: str, phone: str) -> str:
    """A number as an announcement's markers name it: salted by the announcement, never the number."""
    return hashlib.sha256(f"{ann_id}:{phone}".encode()).hexdigest()[:32]


def subscription_id(exam_year: int, category: str) -> str:
    """The same exam year and category always give the same id, so subscribing twice is one
    subscription (the conditional write that creates it says whether it existed)."""
    return f"{exam_year}-{hashlib.sha256(category.encode()).hexdigest()[:10]}"


def years(now: Now) -> list[int]:
    this = datetime.fromtimestamp(now.epoch, CHINA).year
    return list(range(this, this + YEARS_AHEAD + 1))


def check_category(category: str) -> None:
    categories = catalog.current().categories
    if category not in categories:
        raise DomainError("UNKNOWN_CATEGORY", f"Exam category {category} is not one of: {', '.join(categories)}.",
                          f"报考类别“{category}”不在目录中,可选:{'、'.join(categories)}。")


def subscription(user: str, exam_year: int, category: str, now: Now) -> Subscription:
    allowed = years(now)
    if exam_year not in allowed:
        raise DomainError("INVALID_REQUEST",
                          f"examYear must be one of {', '.join(map(str, allowed))}: reminders are for exams to come.",
                          f"examYear(考试年度)须为 {'、'.join(map(str, allowed))} 之一:只能订阅尚未举行的考试的报名提醒。")
    check_category(category)
    return Subscription(id=subscription_id(exam_year, category), user=user, exam_year=exam_year, category=category,
                        created_at=now.iso)
