"""The notify API's use cases: a candidate's contact and consent, their registration-opening
subscriptions (R22), and the exam office's announcements. None of them asks for a password."""

from __future__ import annotations

import secrets

from core import catalog, clock, db
from core import contract as c
from core.clock import iso
from core.errors import DomainError
from core.identity import Caller
from core.models import Announcement, Contact, Delivery, Subscription, Verification
from core.settings import settings
from notify import contacts
from notify.channels import Channel, NotSent
from notify.use_cases import deliver


def _contact_ttl() -> int | None:
    """A number is not kept forever (README "Retention"): RETENTION_DAYS after it was last given."""
    days = settings().retention_days
    return clock.now().seconds + days * 86400 if days else None


def _season_ttl(exam_year: int) -> int | None:
    """Subscriptions and announcements go with their exam season, as its applications do."""
    return db.keep_until(exam_year, settings().retention_days)


def _pending_view(v: Verification) -> c.PendingNumber:
    return c.PendingNumber(phoneMasked=contacts.masked(v.phone), expiresAt=iso(v.expires_at),
                           resendAfter=iso(v.sent_at + contacts.RESEND_SECONDS))


def _contact_view(contact: Contact, pending: Verification | None = None) -> c.ContactOut:
    return c.ContactOut(phoneMasked=contacts.masked(contact.phone), channel="sms", consent=True,
                        consentAt=contact.consent_at, noticeVersion=contact.notice, updatedAt=contact.updated_at,
                        verified=contact.consented, verifiedAt=contact.verified_at,
                        pending=_pending_view(pending) if pending else None)


def put_contact(caller: Caller, body: c.ContactIn, channel: Channel) -> c.VerificationSent:
    """A number counts only once verified: store its code's hash (one code a minute, by condition) and
    text the code. The contact saved before, if any, stays until the new number is verified."""
    now = clock.now()
    v, code = contacts.verification(caller.sub, body.phone, body.consent, now)
    held = db.start_verification(v, now.seconds - contacts.RESEND_SECONDS)
    if held is not None:
        wait = max(held.sent_at + contacts.RESEND_SECONDS - now.seconds, 1)
        raise DomainError("TOO_MANY_ATTEMPTS", f"A code was sent less than a minute ago: ask again in {wait} s.",
                          f"一分钟内已发送过验证码,请 {wait} 秒后再试。")
    to = Contact(user=v.user, phone=v.phone, consent_at=v.consent_at, notice=v.notice, updated_at=now.iso)
    try:
        status, _ = deliver(db.code_pk(v.token), db.CODE, to, contacts.code_message(v, code), channel,
                            v.expires_at)
    except NotSent:
        db.drop_verification(v)  # nothing was sent: the candidate may ask again at once
        raise DomainError("TRY_AGAIN", "The text message could not be sent just now. Please try again in a moment.",
                          "短信暂时无法发送,请稍后重试。") from None
    if status is Delivery.FAILED:
        db.drop_verification(v)
        raise DomainError("INVALID_PHONE", "This number cannot receive text messages: check it, or give another one.",
                          "该号码无法接收短信,请核对号码或更换其他手机号码。")
    return c.VerificationSent(verification="SENT", phoneMasked=contacts.masked(v.phone), expiresAt=iso(v.expires_at),
                              resendAfter=iso(v.sent_at + contacts.RESEND_SECONDS))


def verify_contact(caller: Caller, body: c.CodeIn) -> c.ContactOut:
    """The code typed: each try is counted (by condition) before it is compared, so five is five however
    many come at once; the right one makes the number the candidate's consented contact."""
    v = db.take_try(caller.sub, contacts.TRIES)
    if v is None:
        if db.get_verification(caller.sub) is None:
            raise DomainError("INVALID_CODE", "No code is waiting: save the number to have one texted to it.",
                              "没有待验证的验证码,请先保存手机号码以获取验证码。")
        raise DomainError("TOO_MANY_ATTEMPTS")
    contact = contacts.verified(v, body.code, clock.now())
    if not db.confirm_contact(contact, v.token, _contact_ttl()):
        raise DomainError("INVALID_CODE", "A newer code was sent since: type the latest one.", "已发送新的验证码,请输入最新的验证码。")
    return _contact_view(contact)


def _waiting(user: str) -> Verification | None:
    """The code texted and not yet typed, while it still works: not expired (its TTL takes it away only
    later) and not spent by too many wrong tries."""
    pending = db.get_verification(user)
    if pending is None or pending.expires_at <= clock.now().seconds or pending.tries >= contacts.TRIES:
        return None
    return pending


def get_contact(caller: Caller) -> c.ContactOut:
    contact, pending = db.get_contact(caller.sub), _waiting(caller.sub)
    if contact is None and pending is not None:  # a first number, not yet verified
        contact = Contact(user=pending.user, phone=pending.phone, consent_at=pending.consent_at, notice=pending.notice,
                          updated_at=iso(pending.sent_at))
    if contact is None:
        raise DomainError("NOT_FOUND", "No mobile number is saved for notifications.", "尚未保存接收通知的手机号码。")
    return _contact_view(contact, pending)


def delete_contact(caller: Caller) -> None:
    """The number and every subscription go: nothing can be sent to this person any more."""
    db.forget_contact(caller.sub)


def _subscription_view(s: Subscription) -> c.SubscriptionOut:
    return c.SubscriptionOut(id=s.id, examYear=s.exam_year, category=s.category, createdAt=s.created_at)


def subscribe(caller: Caller, body: c.SubscriptionIn) -> tuple[c.SubscriptionOut, bool]:
    """Created (True), or the same subscription already there (False): subscribing twice is once."""
    s = contacts.subscription(caller.sub, body.examYear, body.category, clock.now())
    if db.subscribe(s, _season_ttl(s.exam_year)):
        return _subscription_view(s), True
    existing = db.get_subscription(caller.sub, s.id)
    if existing is None:  # unsubscribed in between: let the client try again
        raise DomainError("TRY_AGAIN")
    return _subscription_view(existing), False


def my_subscriptions(caller: Caller) -> c.SubscriptionList:
    items = [_subscription_view(s) for s in sorted(db.subscriptions(caller.sub), key=lambda s: (s.exam_year, s.category))]
    contact, pending = db.get_contact(caller.sub), _waiting(caller.sub)
    return c.SubscriptionList(items=items, hasContact=contact is not None and contact.consented,
                              pendingNumber=_pending_view(pending) if pending else None)


def unsubscribe(caller: Caller, subscription_id: str) -> None:
    s = db.get_subscription(caller.sub, subscription_id)
    if s is None:
        raise DomainError("NOT_FOUND", "No such subscription.", "没有该订阅。")
    db.unsubscribe(s)


def categories() -> c.Categories:
    return c.Categories(categories=list(catalog.current().categories), examYears=contacts.years(clock.now()))


def announce(caller: Caller, body: c.AnnouncementIn) -> c.AnnouncementAccepted:
    """Recorded here; the stream hands it to the notify function, which sends it in batches."""
    contacts.check_category(body.category)
    now = clock.now()
    ann = Announcement(id=f"ann-{secrets.token_hex(8)}", exam_year=body.examYear, category=body.category,
                       by=caller.sub, created_at=now.iso, text=body.text)
    db.create_announcement(ann, _season_ttl(ann.exam_year))
    return c.AnnouncementAccepted(announcementId=ann.id)


def announcement(ann_id: str) -> c.AnnouncementProgress:
    ann = db.get_announcement(ann_id)
    if ann is None:
        raise DomainError("NOT_FOUND", "No such announcement.", "没有该通知。")
    return c.AnnouncementProgress(
        announcementId=ann.id, examYear=ann.exam_year, category=ann.category, createdAt=ann.created_at,
        recipients=ann.recipients, sent=ann.sent, failed=ann.failed + ann.unconfirmed, unconfirmed=ann.unconfirmed,
        done=ann.done, finishedAt=ann.finished_at)
