"""iam: the credential report, generated if needed, summarised without a call per user."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.iam import COLLECTOR
from support.sender_fixtures import (
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
)

REPORT = """user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::123456789012:root,2021-03-14T09:26:53+00:00,not_supported,2026-02-01T10:11:12+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
ci-deployer,arn:aws:iam::123456789012:user/automation/ci-deployer,2022-06-01T12:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-01-05T12:00:00+00:00,2026-11-24T23:59:01+00:00,eu-west-1,s3,true,2026-10-20T08:30:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
anais.obrien,arn:aws:iam::123456789012:user/people/anais.obrien,2023-09-09T09:09:09+00:00,true,2026-11-24T07:45:00+00:00,2026-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
legacy,arn:aws:iam::123456789012:user/legacy,2020-01-01T00:00:00+00:00,true,no_information,2020-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
"""  # noqa: E501


def test_summary_and_users_from_the_report(clients):
    generated = datetime(2026, 11, 25, 2, 1, 55, tzinfo=UTC)
    with stubbed(clients, "iam", "us-east-1") as iam:
        iam.add_client_error(
            "get_credential_report", service_error_code="ReportNotPresent", http_status_code=410
        )
        iam.add_response("generate_credential_report", {"State": "STARTED"})
        iam.add_client_error(
            "get_credential_report", service_error_code="ReportInProgress", http_status_code=404
        )
        iam.add_response("generate_credential_report", {"State": "COMPLETE"})
        iam.add_response(
            "get_credential_report",
            {"Content": REPORT.encode(), "ReportFormat": "text/csv", "GeneratedTime": generated},
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    assert outcome.item_count == 5  # the object and its rows
    summary = section(outcome)
    users = summary.pop("users")
    assert summary == {
        "users_total": 3,
        "users_with_console": 2,
        "console_users_with_mfa": 1,  # anais.obrien
        "console_users_without_mfa": 1,  # legacy: console password, no MFA
        "root_mfa_enabled": True,
        "root_access_keys": 0,
        "access_keys_active": 2,
        "access_keys_older_than_90_days": 1,  # ci-deployer's first key, from January
        "credential_report_generated_at": "2026-11-25T02:01:55Z",
    }
    assert [u["user_name"] for u in users] == [
        "<root_account>",
        "ci-deployer",
        "anais.obrien",
        "legacy",
    ]
    root = users[0]
    assert root["password_enabled"] is None and root["access_key_1_last_rotated_at"] is None
    assert users[1]["access_key_1_last_used_at"] == "2026-11-24T23:59:01Z"


@mock_aws
def test_report_from_moto(clients):
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    summary = section(outcome)
    assert summary["users_total"] == 1 and summary["access_keys_active"] == 1


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "iam", "us-east-1") as iam:
        access_denied(iam, "get_credential_report", code="AccessDenied")
        assert run_collector(COLLECTOR, make_context(clients, None)).status == "skipped"


@mock_aws
def test_throttling_is_retried(clients):
    boto3.client("iam").create_user(UserName="bob")
    throttle_first(clients.client("iam", "us-east-1"), times=2, code="Throttling")
    assert run_collector(COLLECTOR, make_context(clients, None)).status == "ok"


def test_mfa_is_counted_over_console_users_only(clients):
    """A programmatic user with MFA is not a console user: with + without = console users."""
    robot = (
        "build-robot,arn:aws:iam::123456789012:user/automation/build-robot,"
        "2024-05-05T05:05:05+00:00,false,N/A,N/A,N/A,true,true,2026-11-01T00:00:00+00:00,"
        "2026-11-24T10:00:00+00:00,eu-west-1,ecr,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    )
    generated = datetime(2026, 11, 25, 2, 1, 55, tzinfo=UTC)
    with stubbed(clients, "iam", "us-east-1") as iam:
        iam.add_response(
            "get_credential_report",
            {
                "Content": (REPORT + robot).encode(),
                "ReportFormat": "text/csv",
                "GeneratedTime": generated,
            },
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    summary = section(outcome)
    assert (summary["users_total"], summary["users_with_console"]) == (4, 2)
    with_mfa, without = summary["console_users_with_mfa"], summary["console_users_without_mfa"]
    assert (with_mfa, without) == (1, 1)  # build-robot's MFA is not a console user's
    assert with_mfa + without == summary["users_with_console"]
    assert summary["root_mfa_enabled"] is True  # the root user, apart
    assert "users_with_mfa" not in summary and "users_without_mfa" not in summary
