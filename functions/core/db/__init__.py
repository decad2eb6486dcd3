"""The only package that talks to DynamoDB, in parts (README "DynamoDB key design"):

- `wire`: DynamoDB's JSON, as boto3 writes and reads it;
- `keys`: every key and key prefix of the table (the only module that writes one);
- `items`: what each domain object is in the table, and its TTL;
- `calls`: the client, its errors as the domain's, paging, batches;
- one module per aggregate: `applications` (an application's partition and its lists), `plans` (a
  decision's Plan as one transaction), `trail` (the audit trail's pages, staff reads), `images`
  (watermark references, the likeness index), `notify`, `verify` (phone codes), `windows` (the exam
  season's dates), `catalogue` (the requirement catalogue's versions), `reminders` (the deadline
  reminders' sweeps).

Request builders are pure and take the table name, so tests assert them exactly; only `calls` sends.
This module re-exports their public names, so `from core import db; db.load(...)` keeps working.
"""

import secrets  # the audit entries' random suffix: tests fix it through db.secrets

from core.db.applications import (
    application_from,
    application_item,
    audit_from,
    audit_item,
    by_id_number,
    by_name,
    create_application,
    create_items,
    get_application,
    get_applications,
    image_from,
    image_item,
    list_applications,
    load,
    partition_request,
    queue_page,
    queue_request,
    registered_as,
    seat_from,
    seat_item,
    site_all,
    site_page,
    site_request,
    snapshot_from,
)
from core.db.calls import Conflict, ReferenceTaken, client, reset_client
from core.db.catalogue import current_version as current_catalogue_version
from core.db.catalogue import get_version as get_catalogue_version
from core.db.catalogue import history as catalogue_history
from core.db.catalogue import publish as publish_catalogue
from core.db.images import (
    LIKENESS_PAGE,
    get_reference,
    likeness,
    likeness_items,
    note_duplicate,
    reference_item,
)
from core.db.items import keep_until
from core.db.keys import (
    CODE,
    TRAIL,
    announcement_pk,
    app_id_of,
    app_pk,
    code_pk,
    notice_pk,
    number_sk,
    queue_keys,
    queue_pk,
    site_keys,
    site_pk,
    site_sk_prefix,
    user_pk,
)
from core.db.notify import (
    announcement_from,
    announcement_item,
    claim_delivery,
    contact_from,
    contact_item,
    create_announcement,
    delivery_claim_request,
    delivery_finish_request,
    delivery_item,
    finish_delivery,
    forget_contact,
    get_announcement,
    get_contact,
    get_contacts,
    get_subscription,
    lease_request,
    progress_items,
    put_contact,
    record_progress,
    release_delivery,
    release_fanout_lease,
    subscribe,
    subscribers_page,
    subscribers_request,
    subscription_delete_items,
    subscription_from,
    subscription_items,
    subscription_put_items,
    subscriptions,
    take_fanout_lease,
    unsubscribe,
)
from core.db.plans import commit, plan_items
from core.db.reminders import ReminderRun, get_run, record_run, reminder_page
from core.db.trail import record_view, trail_page, trail_request, view_items
from core.db.verify import (
    claim_number,
    confirm_contact,
    drop_verification,
    get_verification,
    start_verification,
    take_try,
)
from core.db.windows import forget_shown_windows, get_window, put_window, shown_window, windows
from core.db.wire import decode, encode, from_attribute, to_attribute
