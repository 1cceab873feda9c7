"""secrets: metadata from ListSecrets only (never values), pages, denial, throttling."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.secrets import COLLECTOR
from support.sender_fixtures import (
    REGION,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
)


@mock_aws
def test_secrets_with_rotation_from_moto(clients):
    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(
        Name="prod/payments/db",
        SecretString="s3cr3t",
        KmsKeyId="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    sm.create_secret(Name="partner/api-key-Zürich", SecretString="x")
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = {s["name"]: s for s in section(outcome)}
    assert items["prod/payments/db"]["kms_key_id"].endswith("1234567890ab")
    assert items["prod/payments/db"]["created_at"].endswith("Z")
    assert items["partner/api-key-Zürich"]["rotation_enabled"] is False
    assert "s3cr3t" not in str(items)


def test_all_pages_and_schedule_expressions(clients):
    def secret(name, **extra):
        return {
            "ARN": f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}-AbCdEf",
            "Name": name,
            **extra,
        }

    with stubbed(clients, "secretsmanager") as sm:
        sm.add_response(
            "list_secrets", {"SecretList": [secret("a")], "NextToken": "t"}, {"MaxResults": 100}
        )
        sm.add_response(
            "list_secrets",
            {
                "SecretList": [
                    secret(
                        "b",
                        RotationEnabled=True,
                        RotationRules={"ScheduleExpression": "rate(10 days)"},
                        LastAccessedDate=datetime(2026, 11, 24, tzinfo=UTC),
                        PrimaryRegion="eu-central-1",
                    )
                ]
            },
            {"MaxResults": 100, "NextToken": "t"},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    items = section(outcome)
    assert [s["name"] for s in items] == ["a", "b"]
    assert items[1]["rotation_days"] == 10
    assert items[1]["last_accessed_at"] == "2026-11-24T00:00:00Z"
    assert items[1]["primary_region"] == "eu-central-1"


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "secretsmanager") as sm:
        access_denied(sm, "list_secrets")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


@mock_aws
def test_throttling_is_retried(clients):
    boto3.client("secretsmanager", region_name=REGION).create_secret(Name="x", SecretString="y")
    throttle_first(clients.client("secretsmanager", REGION))
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok" and outcome.item_count == 1
