"""Identity comes only from the authorizer's claims; every error code has both languages."""

from __future__ import annotations

import pytest

from core.errors import ERRORS, DomainError
from core.identity import caller_from_event, parse_groups
from core.reasons import FORMAT_FIXES, INVALID_REASONS, REVIEW_REASONS, invalid_message


@pytest.mark.parametrize("raw", ["[candidate site_reviewer]", ["candidate", "site_reviewer"], "candidate site_reviewer"])
def test_groups_in_every_shape_an_authorizer_sends(raw):
    assert parse_groups(raw) == {"candidate", "site_reviewer"}


@pytest.mark.parametrize("raw", ["[foo,exam_office]", "foo,exam_office", '["foo,exam_office"]', ["foo,exam_office"],
                                 "[exam_office,]", "[EXAM_OFFICE]", "[exam_office_x]",
                                 # groups named with quotes, as API Gateway passes them: never read as JSON
                                 '["foo","exam_office"]', '["exam_office"]', '[candidate "exam_office"]'])
def test_group_names_match_exactly_a_comma_is_part_of_a_name(raw):
    event = {"requestContext": {"authorizer": {"jwt": {"claims": {"sub": "u1", "cognito:groups": raw, "amr": "[pwd mfa]"}}}}}
    assert "exam_office" not in caller_from_event(event).groups


def test_caller_reads_claims_and_ignores_unknown_roles():
    event = {"requestContext": {"authorizer": {"jwt": {"claims": {
        "sub": "u1", "cognito:groups": "[site_reviewer admin]", "custom:site": "1101", "custom:region": "11",
        "amr": "[pwd otp mfa]"}}}},
        "body": '{"sub": "someone-else"}', "queryStringParameters": {"sub": "x"}}
    caller = caller_from_event(event)
    assert (caller.sub, caller.groups, caller.site, caller.region) == ("u1", {"site_reviewer"}, "1101", "11")


def test_no_claims_is_401():
    with pytest.raises(DomainError) as e:
        caller_from_event({"requestContext": {}})
    assert e.value.status == 401


def test_contract_codes_and_statuses():
    expected = {"INVALID_REQUEST": 400, "UNSUPPORTED_CONTENT_TYPE": 400, "FORBIDDEN": 403, "NOT_FOUND": 404,
                "UNKNOWN_MATERIAL_TYPE": 404, "SLOT_FULL": 409, "IMAGE_LOCKED": 409, "APPLICATION_NOT_EDITABLE": 409,
                "STALE_VERSION": 409, "CLAIMED_BY_OTHER": 409, "NOT_CLAIMED": 409, "INCOMPLETE_MATERIALS": 409,
                "INVALID_TRANSITION": 409, "SEPARATION_OF_DUTIES": 409, "FILE_TOO_LARGE": 413}
    assert {c: ERRORS[c].status for c in expected} == expected
    for code, spec in ERRORS.items():
        body = DomainError(code).body()["error"]
        assert body["code"] == code and body["message"] == spec.message and body["messageZh"] == spec.message_zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in spec.message_zh), code


def test_a_message_a_person_reads_names_no_field_value():
    # the candidate reads CONSENT_REQUIRED under the consent box: the box, not the JSON field
    spec = ERRORS["CONSENT_REQUIRED"]
    assert "隐私声明" in spec.message_zh and "privacy notice" in spec.message
    assert not any(word in spec.message_zh + spec.message for word in ("consent", "true", "为 true"))


def test_reason_lists_match_the_contract_and_name_the_format():
    assert set(INVALID_REASONS) == {"EMPTY", "TOO_LARGE", "UNSUPPORTED_FORMAT", "CORRUPT", "DIMENSIONS_TOO_LARGE", "TOO_SMALL"}
    assert set(REVIEW_REASONS) == {"BLURRY", "INCOMPLETE", "ROTATED", "WRONG_DOCUMENT", "EXPIRED", "GLARE", "OTHER"}
    heic = invalid_message("UNSUPPORTED_FORMAT", "HEIC")
    assert "HEIC" in heic.message and "Most Compatible" in heic.message and "HEIC" in heic.message_zh
    assert invalid_message("UNSUPPORTED_FORMAT", "NEW").message.endswith(FORMAT_FIXES["UNKNOWN"].message)
