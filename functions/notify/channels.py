"""How a message reaches a person: a channel sends one text to one contact. SMS through Amazon SNS is
the one there is; a WeChat template message (an official account's openid and template id) is another
class with the same `send`, chosen per contact.

A send ends one of four ways, and the caller's bookkeeping depends on telling them apart:
- it returns the provider's message id: accepted;
- `NotSent`: the provider answered no (throttled, unavailable) or was never reached: nothing was
  sent, so it is safe to try again later;
- `Refused`: this number can never get it (invalid, not a mobile number): do not try again;
- `Unconfirmed`: the request left and no answer came back: it may have been sent. Never retried,
  because a retry could make a second copy (SNS has no idempotency key for SMS).
For the same reason botocore's own retries are off here: a retried timeout could send twice.

The only module that talks to SNS.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from core import aws
from core.models import Contact
from core.notifications import Message
from notify.contacts import e164


class NotSent(Exception):
    """Nothing was sent; try again later."""


class Refused(Exception):
    """The provider will never deliver to this contact."""


class Unconfirmed(Exception):
    """Maybe sent: the answer was lost."""


class Channel(Protocol):
    name: str

    def send(self, to: Contact, message: Message) -> str:
        """The provider's message id; raises NotSent, Refused or Unconfirmed."""


# SNS's answers that are about the number itself, not about SNS or us.
_REFUSED = frozenset({"InvalidParameter", "InvalidParameterValue"})


@lru_cache(maxsize=1)
def sns():
    # One attempt per call (see the module's docstring): the caller decides what is safe to repeat.
    return aws.client("sns", config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                           connect_timeout=3, read_timeout=10))


def reset_client() -> None:
    sns.cache_clear()


class Sms:
    """A transactional SMS through SNS to the contact's mainland number (+86)."""

    name = "sms"

    def send(self, to: Contact, message: Message) -> str:
        try:
            answer = sns().publish(PhoneNumber=e164(to.phone), Message=message.text, MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            raise (Refused if code in _REFUSED else NotSent)(code or "ClientError") from None
        except (EndpointConnectionError, ConnectTimeoutError) as e:
            raise NotSent(type(e).__name__) from None
        except (ReadTimeoutError, ConnectionClosedError) as e:
            raise Unconfirmed(type(e).__name__) from None
        return answer["MessageId"]
