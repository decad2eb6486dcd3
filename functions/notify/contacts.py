"""A candidate's contact for notifications and their subscriptions to the registration-opening
reminder (R22). The source's third-party service asked for the exam site's user name and password;
this one asks for nothing but a mobile number and the consent to use it (R22's "[sic]").

Pure: validation of the number, masking, the consent record, the subscription's identity and the
years one may subscribe to. The number is personal data: it is stored once per user (the contact
item), never logged, and shown only masked.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

from core import catalog
from core.clock import Now
from core.errors import DomainError
from core.models import Contact, Subscription

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
