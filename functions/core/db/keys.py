"""Every key of the one table: partition and sort keys, index keys, and the prefixes they are made of.
The only module that writes a key prefix; everything else asks it (README "DynamoDB key design").

| item          | PK                 | SK                 | GSI keys |
|---------------|--------------------|--------------------|----------|
| application   | APP#{id}           | APP                | ByCandidate: GSI1PK=CAND#{candidateId}, GSI1SK={examYear}#{id}; ReviewQueue (sparse, only while waiting): QueuePK=QUEUE#{level}#{site or region}, QueueSK={firstReadyAt at that level}#{id}; BySite: SitePK=SITE#{site}, SiteSK={status}#{id} |
| image         | APP#{id}           | IMG#{imageId}      | |
| seat          | APP#{id}           | SEAT#{type}#{n}    | one per place in a slot, n < maxCount |
| audit entry   | APP#{id}           | TRAIL#{at}#{rand}  | sorts after the items decisions read; pages read it newest first, 50 at a time |
| view marker   | APP#{id}           | VIEWED#{hour}#{sub} | one per staff member, application and hour, created with attribute_not_exists beside its `viewed` entry |
| lookup        | IDN#{idNumber} / NAME#{name} | APP#{id} | written once at registration: the office's search by id number or name |
| registered    | REG#{examYear}#{idNumber} | REG | one per person and exam year, created with the application: one application each, by condition |
| reference     | REF#{reference}    | REF                | one per watermark, created with attribute_not_exists: unique by condition |
| likeness      | LIKE#{band}        | {appId}#{imageId}  | one per band of an image's perceptual hash: near duplicates by Query |

Notifications (R22, status changes):

| item            | PK                          | SK             | notes |
|-----------------|-----------------------------|----------------|-------|
| contact         | USER#{sub}                  | CONTACT        | the phone, stored once per user; consent time and notice version |
| subscription    | USER#{sub}                  | SUB#{id}       | the candidate's own list |
| subscriber      | SUBS#{examYear}#{category}  | USER#{sub}     | the fan-out's list, written with the subscription in one transaction |
| announcement    | ANN#{id}                    | ANN            | the fan-out's cursor and counts |
| delivery        | ANN#{id} / NOTICE#{appId} / CODE#{token} | USER#{sub} / the audit entry's SK / CODE | one per message: claimed before it is sent (a code's: outside its user's partition, which forgetting empties) |
| number marker   | ANN#{id}                    | PHONE#{hash}   | one per phone number and announcement, created with a condition: whose account's message it is |
| verification    | USER#{sub}                  | VERIFY         | the code sent to a number not yet verified (its hash), tries, expiry; one a minute by condition |
| fan-out lease   | FANOUT                      | LEASE          | one announcement batch at a time, so the SMS rate holds |

The exam season (windows, the requirement catalogue, reminders):

| item              | PK                 | SK                   | notes |
|-------------------|--------------------|----------------------|-------|
| window            | WINDOW             | {examYear}#{region}  | the office's dates; a candidate's change checks it in its transaction |
| catalogue version | CATALOGUE          | V#{version}          | the whole catalogue as of that version, immutable (zlib'd JSON, base64) |
| catalogue change  | CATALOGUE          | LOG#{version}        | who changed what when (the version's small twin, for the history) |
| current catalogue | CATALOGUE          | CURRENT              | the newest version: a change moves it on, conditional on the one it read |
| reminder run      | REMINDERS          | {examYear}#{region}#{deadline}#{days}#{at} | one sweep of one reminder: its cursor and counts |
| reminder          | NOTICE#{appId}     | DEADLINE#{deadline}#{days} | the delivery marker: one message per application and reminder |

Everything about one application lives in its partition, so the candidate's page is one Query.
"""

from __future__ import annotations

from collections.abc import Callable

from core.models import Application, Level

APP = "APP"  # the application item's sort key
# The audit trail's sort-key prefix sorts after APP, IMG# and SEAT#, so a decision can read everything
# it needs with `SK < TRAIL` and leave the ever-growing trail out of its read (and its RCUs).
TRAIL = "TRAIL#"
# After the trail: in neither a decision's read nor a page of the trail.
VIEWED = "VIEWED#"
REF = "REF"
CONTACT = "CONTACT"
VERIFY = "VERIFY"
CODE = "CODE"
SUB = "SUB#"
USER = "USER#"
ANN = "ANN"
LEASE_KEY = ("FANOUT", "LEASE")
REG = "REG"
WINDOW = "WINDOW"
CATALOGUE = "CATALOGUE"
CURRENT = "CURRENT"
REMINDERS = "REMINDERS"


def _prefixed(prefix: str) -> Callable[[str], str]:
    return lambda value: f"{prefix}{value}"


# One key format a line: a prefix and the value it names.
app_pk = _prefixed("APP#")
image_sk = _prefixed("IMG#")
candidate_pk = _prefixed("CAND#")
site_pk = _prefixed("SITE#")
id_number_pk = _prefixed("IDN#")
name_pk = _prefixed("NAME#")
reference_pk = _prefixed("REF#")
likeness_pk = _prefixed("LIKE#")
user_pk = _prefixed(USER)
subscription_sk = _prefixed(SUB)
announcement_pk = _prefixed(f"{ANN}#")
notice_pk = _prefixed("NOTICE#")
code_pk = _prefixed("CODE#")  # the SMS of one verification code, by the code's token
number_sk = _prefixed("PHONE#")  # a phone number by its hash (notify.contacts.number_hash), never the number
catalogue_sk = _prefixed("V#")
catalogue_log_sk = _prefixed("LOG#")


def key(pk: str, sk: str) -> dict:
    """An item's primary key in DynamoDB's JSON."""
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def app_id_of(pk: str) -> str:
    """The application whose partition this is (an audit entry's PK, as the stream brings it)."""
    prefix = app_pk("")
    if not pk.startswith(prefix):
        raise ValueError(f"not an application's partition: {pk[:40]!r}")
    return pk[len(prefix):]


def user_of(pk_or_sk: str) -> str:
    """The user a USER# key names."""
    return pk_or_sk[len(USER):]


def seat_sk(material_type: str, index: int) -> str:
    return f"SEAT#{material_type}#{index}"


def trail_sk(at: str, suffix: str) -> str:
    return f"{TRAIL}{at}#{suffix}"


def viewed_sk(hour: int, actor: str) -> str:
    """The one `viewed` entry of `actor` in this hour (epoch seconds // 3600)."""
    return f"{VIEWED}{hour}#{actor}"


def likeness_sk(app_id: str, image_id: str) -> str:
    return f"{app_id}#{image_id}"


def registered_pk(exam_year: int, id_number: str) -> str:
    """One person's application for one exam year (the duplicate-registration guard)."""
    return f"REG#{exam_year}#{id_number}"


def window_sk(exam_year: int, region: str) -> str:
    return f"{exam_year:04d}#{region}"


def version_sk(make: Callable[[str], str], version: int) -> str:
    """A catalogue version's (or its change's) sort key: zero-padded, so they sort by number."""
    return make(f"{version:08d}")


def reminder_run_sk(exam_year: int, region: str, deadline: str, days: int, at: int) -> str:
    return f"{exam_year:04d}#{region}#{deadline}#{days}#{at}"


def reminder_sk(deadline: str, days: int) -> str:
    """A reminder's delivery marker in the application's notices (once per deadline and day count)."""
    return f"DEADLINE#{deadline}#{days}"


def subscribers_pk(exam_year: int, category: str) -> str:
    return f"SUBS#{exam_year}#{category}"


def candidate_keys(app: Application) -> dict:
    """ByCandidate: a candidate's applications, newest exam year first (R2)."""
    return {"GSI1PK": candidate_pk(app.candidate_id), "GSI1SK": f"{app.exam_year:04d}#{app.id}"}


def queue_pk(level: Level, scope: str) -> str:
    return f"QUEUE#{level.value}#{scope}"


def queue_keys(app: Application) -> dict:
    """The sparse ReviewQueue entry: present only while the application waits for a review, sorted
    by the first time it became ready at that level (R15)."""
    if app.queue is None:
        return {}
    scope = app.site if app.queue is Level.SITE else app.region
    first = app.first_ready_at(app.queue) or app.ready_at
    return {"QueuePK": queue_pk(app.queue, scope), "QueueSK": f"{first}#{app.id}"}


def site_sk_prefix(status: str | None) -> str:
    """What a BySite Query for `status` (None: every status) requires of the sort key."""
    return f"{status}#" if status else ""


def site_keys(app: Application) -> dict:
    """BySite: every application of a site, by status (the office's lists and the season's counts)."""
    return {"SitePK": site_pk(app.site), "SiteSK": f"{app.status.value}#{app.id}"}


def lookup_pks(app: Application) -> list[str]:
    return [id_number_pk(app.id_number), name_pk(app.candidate_name)]
