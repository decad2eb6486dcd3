"""The precheck queue's messages: what the stream's forwarder routes there (a picture's audit entry) and
what precheck.app takes from one; anything else is dropped at once, never retried into the DLQ."""

from __future__ import annotations

import json

import pytest

import tests.notify_flow  # noqa: F401  (the queues' URLs notify.events reads at import, as the other tests set them)


def record(action: str = "image_submitted", material: str = "id_card", pk: str = "APP#app-1", **more) -> dict:
    image = {"kind": {"S": "audit"}, "action": {"S": action}, "imageId": {"S": "img-00000001"},
             "materialType": {"S": material}, **more}
    return {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": pk}, "SK": {"S": "TRAIL#x"}}, "NewImage": image}}


@pytest.mark.parametrize(("action", "queue"), [
    ("image_submitted", "precheck"), ("image_deleted", "precheck"), ("approve", "notify"), ("return", "notify")])
def test_the_forwarder_sends_pictures_to_the_precheck_queue_and_decisions_to_notify(action, queue):
    from notify import events

    assert events.destination(record(action)) == {"precheck": events.precheck_queue_url, "notify": events.queue_url}[queue]
    assert events.destination({"dynamodb": {"NewImage": {"kind": {"S": "announcement"}}}}) == events.queue_url


def test_a_picture_s_audit_entry_becomes_a_check_command():
    from precheck import app

    cmd = app.command(json.dumps(record("image_deleted", "id_card", "APP#app-7")))
    assert (cmd.application_id, cmd.image_id, cmd.material_type) == ("app-7", "img-00000001", "id_card")


@pytest.mark.parametrize("body", [None, "", "not json", "[]", json.dumps({"dynamodb": {}}),
                                  json.dumps(record(pk="USER#someone")), json.dumps(record(action="approve")),
                                  json.dumps(record(material=""))])
def test_anything_else_can_never_be_processed(body):
    from precheck import app

    with pytest.raises(app.Unprocessable):
        app.command(body)
