"""The notify function's use cases: tell a candidate about a change of their application's status,
and send an announcement to its subscribers (R22) one batch at a time.

Exactly once, as far as it can be had: every message has a marker (a delivery item), written
conditionally *before* the channel is called, so a second delivery of the same event, or a second
pass over the same subscriber, sends nothing. Then:
- the channel says it was not sent (throttled, unreachable, or this code failed before the call):
  the marker is removed and the error raised, so SQS delivers the event again (and after 5 receives
  parks it in the dead-letter queue, which alarms): no loss;
- the channel refuses the number: the marker says FAILED, nothing is retried;
- the request left but no answer came, or the sender died between the call and the marker's update
  (timeout, out of memory): the marker stays SENDING/UNCONFIRMED and the message is never sent again.
  The candidate got it or not; never twice. This window is one message wide per crash.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable

from aws_lambda_powertools import Logger

from core import clock, db, notifications
from core.models import Contact, Delivery, Marker
from core.notifications import Message, Pacer
from core.settings import settings
from notify.channels import Channel, Refused, Unconfirmed
from notify.contacts import number_hash

logger = Logger(child=True)

BUSY_DELAY_SECONDS = 60  # another announcement is being sent: look again in a minute
COUNTED_AS = {Delivery.SENT: "sent", Delivery.FAILED: "failed", Delivery.UNCONFIRMED: "unconfirmed",
              Delivery.SENDING: "unconfirmed"}  # SENDING found later: its sender stopped mid-way


def deliver(pk: str, sk: str, to: Contact, message: Message, channel: Channel, keep: int | None,
            before_send: Callable[[], None] = lambda: None) -> tuple[Delivery, bool]:
    """Send one message at most once (its marker is kept until `keep`, the TTL of the exam season it is
    about). Returns its status and whether it was decided now (False: the marker was there already,
    from an earlier delivery of the same event)."""
    marker = Marker(pk=pk, sk=sk, message_kind=message.kind, ref=message.ref, channel=channel.name,
                    token=secrets.token_hex(8), claimed_at=clock.now().iso, ttl=keep)
    held = db.claim_delivery(marker)
    if held is not None:
        return held, False
    try:
        before_send()
        message_id = channel.send(to, message)
    except Refused:
        db.finish_delivery(marker, Delivery.FAILED, clock.now().iso)
        return Delivery.FAILED, True
    except Unconfirmed:
        db.finish_delivery(marker, Delivery.UNCONFIRMED, clock.now().iso)
        return Delivery.UNCONFIRMED, True
    except BaseException:
        db.release_delivery(marker)  # nothing left: NotSent, or a failure before the call
        raise
    db.finish_delivery(marker, Delivery.SENT, clock.now().iso, message_id)
    return Delivery.SENT, True


def status_changed(audit_item: dict, channel: Channel, web_url: str) -> str:
    """An audit entry of a decision (the stream's NEW_IMAGE): one message to the candidate if the
    status is one they are told about and they gave a consented contact. Returns what happened."""
    app_id = db.app_id_of(audit_item["PK"])
    message = notifications.status_message(app_id, db.audit_from(audit_item), web_url)
    if message is None:
        return "not_told"
    app = db.get_application(app_id)
    if app is None:
        return "no_application"
    contact = db.get_contact(app.candidate_id)
    if contact is None or not contact.consented:  # given with consent and verified by its code, or nothing
        return "no_contact"
    keep = db.keep_until(app.exam_year, settings().retention_days)  # as long as the application's own items
    status, now = deliver(db.notice_pk(app_id), audit_item["SK"], contact, message, channel, keep)
    return status.value.lower() if now else "duplicate"


def announce(ann_id: str, channel: Channel, pacer: Pacer, per_second: float, lease_seconds: int,
             requeue: Callable[[str, int], None]) -> str:
    """One batch of an announcement's fan-out, then the next batch as a new message. Resumable: the
    announcement's cursor says where to go on, and the markers say who already has it."""
    ann = db.get_announcement(ann_id)
    if ann is None or ann.done:
        return "done"
    now = clock.now()
    token = secrets.token_hex(8)
    holder = db.take_fanout_lease(ann_id, token, now.seconds, now.seconds + lease_seconds)
    if holder == ann_id:
        return "running"  # its sender goes on, or its message comes back once the lease has run out
    if holder is not None:
        requeue(ann_id, BUSY_DELAY_SECONDS)  # one announcement at a time keeps the SMS rate
        return "waiting"
    ann = db.get_announcement(ann_id)  # again, now that nobody else moves it
    if ann is None:
        return "done"
    users, last = db.subscribers_page(ann.exam_year, ann.category, ann.cursor, notifications.batch_size(per_second))
    contacts = db.get_contacts(users)
    message = notifications.announcement_message(ann)
    keep = db.keep_until(ann.exam_year, settings().retention_days)
    counts: Counter[str] = Counter()
    cursor = ann.cursor
    try:
        for user in users:
            contact = contacts.get(user)
            # One message per number: the first subscriber with it claims it (by condition), so a number
            # two accounts registered gets the announcement once.
            if contact is not None and contact.consented and db.claim_number(
                    ann_id, number_hash(ann_id, contact.phone), user, keep):
                status, _ = deliver(db.announcement_pk(ann_id), db.user_pk(user), contact, message, channel, keep,
                                    before_send=pacer.wait)
                counts["recipients"] += 1
                counts[COUNTED_AS[status]] += 1
            cursor = db.user_pk(user)
        pacer.settle()
    except BaseException:
        # Keep what was done (the cursor stops before the subscriber that failed), then let SQS retry.
        try:
            _record(ann, cursor, counts, False, token)
        except Exception:
            logger.exception("announcement progress not recorded", extra={"announcement": ann_id})
        raise
    done = last is None
    _record(ann, cursor, counts, done, token)
    if not done:
        requeue(ann_id, 0)
    logger.info("announcement batch", extra={"announcement": ann_id, "counts": dict(counts), "done": done})
    return "finished" if done else "batch"


def _record(ann, cursor: str | None, counts: Counter, done: bool, token: str) -> None:
    try:
        db.record_progress(ann, cursor, dict(counts), done, clock.now().iso, token)
    except db.Conflict:
        # Another sender moved on meanwhile (this one outlived its lease): it walks the same
        # subscribers again and counts them from their markers.
        logger.warning("announcement progress not recorded: another sender holds it", extra={"announcement": ann.id})
