"""The notify API's use cases: a candidate's contact and consent, their registration-opening
subscriptions (R22), and the exam office's announcements. None of them asks for a password."""

from __future__ import annotations

import secrets

from core import catalog, clock, db
from core import contract as c
from core.errors import DomainError
from core.identity import Caller
from core.models import Announcement, Contact, Subscription
from core.settings import settings
from notify import contacts


def _contact_ttl() -> int | None:
    """A number is not kept forever (README "Retention"): RETENTION_DAYS after it was last given."""
    days = settings().retention_days
    return clock.now().seconds + days * 86400 if days else None


def _season_ttl(exam_year: int) -> int | None:
    """Subscriptions and announcements go with their exam season, as its applications do."""
    return db.keep_until(exam_year, settings().retention_days)


def _contact_view(contact: Contact) -> c.ContactOut:
    return c.ContactOut(phoneMasked=contacts.masked(contact.phone), channel="sms", consent=True,
                        consentAt=contact.consent_at, noticeVersion=contact.notice, updatedAt=contact.updated_at)


def put_contact(caller: Caller, body: c.ContactIn) -> c.ContactOut:
    contact = contacts.contact(caller.sub, body.phone, body.consent, clock.now())
    db.put_contact(contact, _contact_ttl())
    return _contact_view(contact)


def get_contact(caller: Caller) -> c.ContactOut:
    contact = db.get_contact(caller.sub)
    if contact is None:
        raise DomainError("NOT_FOUND", "No mobile number is saved for notifications.", "尚未保存接收通知的手机号码。")
    return _contact_view(contact)


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
    return c.SubscriptionList(items=items, hasContact=db.get_contact(caller.sub) is not None)


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
