"""A candidate's notification settings and the exam office's announcements (R22): the contact (a
mobile number and the consent to use it), registration-opening subscriptions, and announcing that
registration is open. The messages themselves go out from the notify function (notify/app.py)."""

from __future__ import annotations

from typing import Annotated

from core import coldstart
from core import contract as c
from core.http import Api, Path, Response
from core.identity import ROLES
from notify import api_use_cases as use_cases
from notify.gateway_sms import sms_channel

api = Api()
app = api.app
metrics = api.metrics

CANDIDATE = ("candidate",)
OFFICE = ("exam_office",)
channel = sms_channel()  # the verification codes' SMS: SNS or the domestic gateway, as NotifyFunction's
SubscriptionId = Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9a-f]{10}$", description="subscription id")]
AnnouncementId = Annotated[str, Path(pattern=r"^ann-[0-9a-f]{16}$", description="announcement id")]


@api.route("put", "/me/contact", roles=CANDIDATE, summary="Give the mobile number for notifications, with consent: a code is texted to it",
           description="One number per user. Consent to the privacy notice is required and recorded with its time. "
                       "A 6-digit code is texted to the number (one a minute); the number counts, and replaces the one "
                       "saved before, only once the code is typed: POST /me/contact/verify.",
           success={202: "The code was sent"}, errors=["INVALID_PHONE", "CONSENT_REQUIRED", "TOO_MANY_ATTEMPTS"])
def put_contact(contact: c.ContactIn) -> Response[c.VerificationSent]:
    out = use_cases.put_contact(api.caller(), contact, channel)
    return Response(status_code=202, content_type="application/json", body=out)


@api.route("post", "/me/contact/verify", roles=CANDIDATE, summary="Type the code texted to the number: it is verified",
           description="5 tries per code (each counted before it is compared); then 429 TOO_MANY_ATTEMPTS until a new "
                       "code is asked for.", errors=["INVALID_CODE", "TOO_MANY_ATTEMPTS"])
def verify_contact(code: c.CodeIn) -> c.ContactOut:
    return use_cases.verify_contact(api.caller(), code)


@api.route("get", "/me/contact", roles=CANDIDATE, summary="The saved number (masked) and the consent", errors=["NOT_FOUND"])
def get_contact() -> c.ContactOut:
    return use_cases.get_contact(api.caller())


@api.route("delete", "/me/contact", roles=CANDIDATE, summary="Forget the number and every subscription",
           success={204: "Deleted (also when there was nothing to delete)"})
def delete_contact() -> Response[str]:
    use_cases.delete_contact(api.caller())
    return Response(status_code=204, body="")


@api.route("post", "/subscriptions", roles=CANDIDATE, summary="Be told when registration for an exam opens (R22)",
           success={201: "Subscribed", 200: "Already subscribed (the same subscription)"},
           errors=["UNKNOWN_CATEGORY"])
def subscribe(subscription: c.SubscriptionIn) -> Response[c.SubscriptionOut]:
    out, created = use_cases.subscribe(api.caller(), subscription)
    metrics.add_metric(name="Subscriptions", unit="Count", value=int(created))
    return Response(status_code=201 if created else 200, content_type="application/json", body=out)


@api.route("get", "/subscriptions", roles=CANDIDATE, summary="My registration-opening subscriptions")
def list_subscriptions() -> c.SubscriptionList:
    return use_cases.my_subscriptions(api.caller())


@api.route("delete", "/subscriptions/<id>", roles=CANDIDATE, summary="Unsubscribe (the subscription is deleted)",
           success={204: "Deleted"}, errors=["NOT_FOUND"])
def unsubscribe(id: SubscriptionId) -> Response[str]:
    use_cases.unsubscribe(api.caller(), id)
    return Response(status_code=204, body="")


@api.route("get", "/categories", roles=ROLES, summary="The exam categories and the years one can subscribe to")
def categories() -> c.Categories:
    return use_cases.categories()


@api.route("post", "/announcements", roles=OFFICE, summary="Announce that registration is open: a message to every subscriber",
           description="Answers at once; the messages go out in batches at the SMS rate. Every subscriber with a consented "
                       "contact gets exactly one message, even if the sender stops halfway.",
           success={202: "Accepted: follow GET /announcements/{announcementId}"}, errors=["UNKNOWN_CATEGORY"])
def announce(announcement: c.AnnouncementIn) -> Response[c.AnnouncementAccepted]:
    out = use_cases.announce(api.caller(), announcement)
    metrics.add_metric(name="Announcements", unit="Count", value=1)
    return Response(status_code=202, content_type="application/json", body=out)


@api.route("get", "/announcements/<announcementId>", roles=OFFICE, summary="How far an announcement's messages have got",
           errors=["NOT_FOUND"])
def announcement(announcementId: AnnouncementId) -> c.AnnouncementProgress:
    return use_cases.announcement(announcementId)


lambda_handler = api.handler()
coldstart.done()  # loaded: last line of the module
