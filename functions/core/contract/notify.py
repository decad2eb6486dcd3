"""Notifications (R22 and status changes). No model here has a password, or any other site's credentials:
R22's source asked for them; this API never does (tests/integration/test_notify_api.py reads the
OpenAPI document for it)."""

from typing import Literal

from pydantic import Field

from core.contract.base import ExamYear, Model, RequestModel, categories, phone_pattern, stated


class ContactIn(RequestModel):
    phone: str = Field(min_length=1, max_length=20, json_schema_extra=stated(pattern=phone_pattern),
                       description="mainland mobile number, 1[3-9] and 9 more digits (spaces, dashes and +86 are accepted)")
    consent: bool = Field(json_schema_extra={"const": True},
                          description="agreement to the privacy notice; must be true (else 400 CONSENT_REQUIRED), "
                                      "and is recorded with its time")


class PendingNumber(Model):
    phoneMasked: str = Field(description="the new number, masked, waiting for its code")
    expiresAt: str = Field(description="when the code texted to it stops working")
    resendAfter: str = Field(description="when another code may be asked for (PUT /me/contact again)")


class ContactOut(Model):
    phoneMasked: str = Field(description="e.g. 138****5678: the number itself is never shown again")
    channel: Literal["sms"]
    consent: bool
    consentAt: str
    noticeVersion: str = Field(description="the version of the privacy notice agreed to")
    updatedAt: str
    verified: bool = Field(default=False, description="true once the code texted to this number was typed (POST "
                                                      "/me/contact/verify): only then is anything sent to it")
    verifiedAt: str | None = None
    pending: PendingNumber | None = Field(default=None, description="a number given and not yet verified")


class VerificationSent(Model):
    verification: Literal["SENT"] = Field(description="a 6-digit code was texted to the number")
    phoneMasked: str
    expiresAt: str = Field(description="when the code stops working (10 minutes)")
    resendAfter: str = Field(description="when another code may be asked for (one a minute)")


class CodeIn(RequestModel):
    code: str = Field(pattern=r"^[0-9]{6}$", description="the 6 digits texted to the number; 5 tries per code, then "
                                                          "429 TOO_MANY_ATTEMPTS (ask for a new code)")


class SubscriptionIn(RequestModel):
    examYear: ExamYear = Field(
        description="this year's exam or one of the next two (China time): the examYears of GET /categories; "
                    "another year is 400 INVALID_REQUEST")
    category: str = Field(min_length=1, max_length=64, description="one of the catalogue's exam categories",
                          json_schema_extra=stated(enum=categories))


class SubscriptionOut(Model):
    id: str
    examYear: int
    category: str
    createdAt: str


class SubscriptionList(Model):
    items: list[SubscriptionOut]
    hasContact: bool = Field(description="false: nothing can be sent until PUT /me/contact")
    pendingNumber: PendingNumber | None = Field(
        default=None, description="a number given and texted a code that is not typed yet (still valid): the page "
        "asks for the code again after a reload")


class Categories(Model):
    categories: list[str] = Field(description="the exam categories one can subscribe to or announce")
    examYears: list[int] = Field(description="the exam years one can subscribe to now")


class AnnouncementIn(RequestModel):
    examYear: ExamYear
    category: str = Field(min_length=1, max_length=64, json_schema_extra=stated(enum=categories))
    text: str | None = Field(default=None, min_length=1, max_length=300,
                             description="the message after the signature; default: registration for the exam is open")


class AnnouncementAccepted(Model):
    announcementId: str


class AnnouncementProgress(Model):
    announcementId: str
    examYear: int
    category: str
    createdAt: str
    recipients: int = Field(description="subscribers with a consented contact reached so far (final once done)")
    sent: int = Field(description="messages the SMS provider accepted")
    failed: int = Field(description="numbers the provider refused, plus unconfirmed")
    unconfirmed: int = Field(description="the sender stopped between the request and its answer: maybe sent, never resent")
    done: bool
    finishedAt: str | None = None
