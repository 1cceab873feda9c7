"""kms_keys: moto for the real API, Stubber for pages and denials, throttling retried."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.kms_keys import COLLECTOR
from support.sender_fixtures import (
    REGION,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
)

KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:eu-west-1:123456789012:key/{KEY}"


def _meta(key_id, **extra):
    return {
        "KeyId": key_id,
        "Arn": f"arn:aws:kms:eu-west-1:123456789012:key/{key_id}",
        "CreationDate": datetime(2021, 3, 15, 9, 2, 44, 170000, tzinfo=UTC),
        "Enabled": True,
        "KeyState": "Enabled",
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
        "MultiRegion": False,
        **extra,
    }


@mock_aws
def test_keys_with_aliases_and_rotation_from_moto(clients):
    kms = boto3.client("kms", region_name=REGION)
    rotated = kms.create_key(Description="ledger data")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    kms.create_alias(AliasName="alias/ledger", TargetKeyId=rotated)
    plain = kms.create_key(Description="plain")["KeyMetadata"]["KeyId"]
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    keys = {k["key_id"]: k for k in section(outcome)}
    assert keys[rotated]["aliases"] == ["alias/ledger"]
    assert keys[rotated]["rotation_enabled"] is True
    assert keys[rotated]["description"] == "ledger data"
    assert keys[plain]["rotation_enabled"] is False
    assert keys[signing["KeyId"]]["rotation_enabled"] is None  # rotation does not apply
    assert keys[signing["KeyId"]]["key_spec"] == "ECC_NIST_P256"


def test_every_page_is_read_and_aliases_are_one_call(clients):
    with stubbed(clients, "kms") as kms:
        kms.add_response(
            "list_aliases",
            {
                "Aliases": [
                    {"AliasName": "alias/a", "TargetKeyId": KEY},
                    {"AliasName": "alias/aws/s3"},
                ]
            },
        )
        kms.add_response(
            "list_keys",
            {"Keys": [{"KeyId": KEY, "KeyArn": ARN}], "NextMarker": "m1", "Truncated": True},
        )
        kms.add_response("describe_key", {"KeyMetadata": _meta(KEY)}, {"KeyId": KEY})
        kms.add_response("get_key_rotation_status", {"KeyRotationEnabled": True}, {"KeyId": KEY})
        other = "0987dcba-09fe-87dc-65ba-ab0987654321"
        kms.add_response(
            "list_keys",
            {"Keys": [{"KeyId": other, "KeyArn": ARN.replace(KEY, other)}], "Truncated": False},
            {"Marker": "m1"},
        )
        kms.add_response(
            "describe_key", {"KeyMetadata": _meta(other, KeyManager="AWS")}, {"KeyId": other}
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok"
    assert [(k["key_id"], k["aliases"], k["rotation_enabled"]) for k in section(outcome)] == [
        (KEY, ["alias/a"], True),
        (other, [], None),
    ]


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "kms") as kms:
        access_denied(kms, "list_aliases")
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    assert outcome.error.startswith("AccessDeniedException (ListAliases)")


def test_a_key_whose_policy_denies_us_is_listed_and_the_run_is_partial(clients):
    with stubbed(clients, "kms") as kms:
        kms.add_response("list_aliases", {"Aliases": []})
        kms.add_response("list_keys", {"Keys": [{"KeyId": KEY, "KeyArn": ARN}]})
        access_denied(kms, "describe_key")
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "partial"
    assert "1 key(s) could not be described" in outcome.error
    assert section(outcome) == [
        {
            "key_arn": ARN,
            "key_id": KEY,
            "region": REGION,
            "aliases": [],
            "description": None,
            "key_state": None,
            "key_manager": None,
            "key_spec": None,
            "key_usage": None,
            "origin": None,
            "multi_region": None,
            "rotation_enabled": None,
            "created_at": None,
        }
    ]


@mock_aws
def test_throttling_is_retried(clients):
    boto3.client("kms", region_name=REGION).create_key()
    throttled = throttle_first(clients.client("kms", REGION), times=2)
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok" and outcome.item_count == 1
    assert len(throttled) == 2
