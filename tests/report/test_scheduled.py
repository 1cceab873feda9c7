"""The scheduled report function (``report.scheduled``) on real PostgreSQL, S3 and SNS on moto.

The database is reached the way the deployed function reaches it: the production Data API
executor, answered by the Data API double signed in as the session's READ-ONLY reader role. The
page lands under ``reports/<UTC date>.html`` encrypted with the given key; the summary published
to SNS (read back through an SQS subscription) says what each number counts and agrees with the
page it announces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest

from contract import layout
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.receive import load_bytes
from report import Report
from report import scheduled as scheduled_module
from report.formatting import money
from report.scheduled import ConfigurationError, ScheduledReportSettings, lambda_handler, run
from report.summary import MAX_LISTED, NewFinding, NewFindings, summary_subject, summary_text
from support.receiver_fixtures import (
    CLUSTER_ARN,
    READER_SECRET_ARN,
    Bucket,
    FakeContext,
    bucket_fixture,
    fixture_doc,
    gz,
    ref_for,
)
from support.report_html import kpi, parse

bucket = bucket_fixture  # the fixture, under its name

REGION = "eu-west-1"
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # the morning after full-daily's window
NEVER = "310000000004"  # expected by the roster, never reported
ROSTER_SQL = """
INSERT INTO organization_roster_refreshes (refresh_id, account_count, active_count, started_at,
                                           refreshed_at)
VALUES ('9d3c1b2a-0f4e-4d5c-8b7a-6e5f4d3c2b1a', 2, 2, '2026-11-26T01:30:00Z',
        '2026-11-26T01:30:02Z');
INSERT INTO organization_accounts (account_id, name, status, ou_id, ou_path, refresh_id)
VALUES (%(reporting)s, 'Production', 'ACTIVE', 'ou-1', 'Root/Workloads',
        '9d3c1b2a-0f4e-4d5c-8b7a-6e5f4d3c2b1a'),
       (%(never)s, 'Legacy Billing', 'ACTIVE', 'ou-2', 'Root/Legacy',
        '9d3c1b2a-0f4e-4d5c-8b7a-6e5f4d3c2b1a');
"""


@dataclass
class Stack:
    """The moto side: the bucket (with its key) and a topic whose messages land in a queue."""

    bucket: Bucket
    topic_arn: str
    queue_url: str
    sqs: Any

    def messages(self) -> list[dict[str, Any]]:
        found = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        return [json.loads(m["Body"]) for m in found]


@pytest.fixture
def stack(bucket: Bucket, moto_server: str) -> Stack:
    sns = boto3.client("sns", endpoint_url=moto_server, region_name=REGION)
    sqs = boto3.client("sqs", endpoint_url=moto_server, region_name=REGION)
    topic_arn = sns.create_topic(Name=f"{bucket.name}-reports")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"{bucket.name}-summary")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return Stack(bucket, topic_arn, queue_url, sqs)


def load_full_daily(dsn: str) -> dict[str, Any]:
    """full-daily loaded (as the server's user, standing in for the loader) plus a roster that
    expects its account and one that never reported."""
    doc = fixture_doc("full-daily")
    executor = PsycopgExecutor(dsn)
    try:
        assert load_bytes(executor, ref_for(doc), gz(doc), expected_account=None).status == "loaded"
    finally:
        executor.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in ROSTER_SQL.split(";")[:2]:
            conn.execute(statement, {"reporting": doc["account_id"], "never": NEVER})
        # v_expected_accounts measures silence against the database's clock: the document's
        # account reported an hour ago.
        conn.execute("UPDATE collection_runs SET collected_at = now() - interval '1 hour'")
    return doc


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, stack: Stack, migrated_dsn: str, moto_server: str, data_api
) -> Iterator[pytest.MonkeyPatch]:
    """The deployed function's variables (reader secret, no topic), AWS on moto."""
    for name, value in {
        "BUCKET": stack.bucket.name,
        "ANALYTICS_KMS_KEY": stack.bucket.kms_key,
        "AURORA_CLUSTER_ARN": CLUSTER_ARN,
        "AURORA_SECRET_ARN": READER_SECRET_ARN,
        "DB_NAME": urlsplit(migrated_dsn).path.lstrip("/"),
        "REGION": REGION,
        "AWS_ENDPOINT_URL": moto_server,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("REPORT_TOPIC_ARN", "REPORT_DAYS", "REPORT_COST_BASIS", "REPORT_GROUP_BY",
                 "REPORT_TITLE", "NEW_FINDINGS_HOURS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    scheduled_module._client.cache_clear()
    yield monkeypatch
    scheduled_module._client.cache_clear()


def today_key() -> str:
    return f"reports/{datetime.now(UTC).date().isoformat()}.html"


def test_the_report_lands_under_reports_encrypted_with_the_analytics_key(
    environment, stack, migrated_dsn, data_api
):
    doc = load_full_daily(migrated_dsn)
    result = lambda_handler({"source": "aws.events"}, FakeContext(function_name="obs-report"))

    key = today_key()
    assert result["key"] == key and result["bucket"] == stack.bucket.name
    assert stack.bucket.keys() == [key]  # nothing else written, nothing under data/
    stored = stack.bucket.get(key)
    assert stored["ContentType"] == "text/html; charset=utf-8"
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["SSEKMSKeyId"] == stack.bucket.kms_key
    page = stored["Body"].read().decode("utf-8")
    assert result["bytes"] == len(page.encode("utf-8"))
    total = sum(Decimal(c["amortized_cost"]) for c in doc["data"]["cost"]["daily"])
    assert kpi(parse(page), "total-cost") == str(total)  # the same page as python -m report
    assert (result["period_start"], result["period_end"]) == ("2026-10-26", "2026-11-24")
    # Only the reader role's secret was used, on the configured cluster and database.
    assert data_api.requests
    assert {(r["resourceArn"], r["secretArn"]) for r in data_api.requests} == {
        (CLUSTER_ARN, READER_SECRET_ARN)
    }
    # ... one statement at a time: the function's role grants rds-data:ExecuteStatement only.
    assert {r["operation"] for r in data_api.requests} == {"ExecuteStatement"}
    assert result["summary_message_id"] is None
    assert stack.messages() == []  # no topic configured: nothing published


def test_a_rerun_the_same_day_replaces_that_days_page(environment, stack, migrated_dsn):
    load_full_daily(migrated_dsn)
    settings = ScheduledReportSettings.from_env()
    first = run(settings, None, now=NOW)
    second = run(settings, None, now=NOW + timedelta(hours=3))
    next_day = run(settings, None, now=NOW + timedelta(days=1))
    assert first.key == second.key == "reports/2026-11-26.html"
    assert next_day.key == "reports/2026-11-27.html"
    assert stack.bucket.keys("reports/") == ["reports/2026-11-26.html", "reports/2026-11-27.html"]
    versions = stack.bucket.s3.list_object_versions(Bucket=stack.bucket.name, Prefix=first.key).get(
        "Versions", []
    )
    assert len(versions) == 2  # the bucket is versioned: the rerun replaced the current page
    assert "Generated 2026-11-26 09:00 UTC" in stack.bucket.body(first.key).decode()


def test_the_summary_says_what_each_number_counts_and_matches_the_page(
    environment, stack, migrated_dsn
):
    doc = load_full_daily(migrated_dsn)
    environment.setenv("REPORT_TOPIC_ARN", stack.topic_arn)
    delivery = run(ScheduledReportSettings.from_env(), None, now=NOW)

    (message,) = stack.messages()
    assert message["MessageId"] == delivery.message_id
    subject, text = message["Subject"], message["Message"]
    assert subject == "Observability report 2026-11-26: 1 new critical finding, 1 silent account"
    location = f"s3://{stack.bucket.name}/reports/2026-11-26.html"
    assert f"Full report: {location}" in text and f"aws s3 cp {location} ." in text
    assert "Period: 2026-10-26 to 2026-11-24 (30 days, ending on the latest day" in text

    # Totals: the page's own KPI values, each with its label and basis.
    page = parse(stack.bucket.body(delivery.key).decode())
    total = Decimal(kpi(page, "total-cost"))
    expected = sum(Decimal(c["amortized_cost"]) for c in doc["data"]["cost"]["daily"])
    assert total == expected
    assert f"- Total cost in period: {money(total)} (amortized, 30 days, all accounts; " in text
    assert f"- Accounts reporting: {kpi(page, 'accounts-reporting')} of 2 " in text
    assert f"- Open critical/high findings: {kpi(page, 'critical-high')} (Security Hub" in text

    # New critical findings: full-daily's critical Security Hub finding was loaded just now.
    critical = [
        f
        for f in doc["data"]["securityhub"]["findings"]
        if f["severity_label"] == "CRITICAL" and f["workflow_status"] in ("NEW", "NOTIFIED")
    ]
    assert len(critical) == 1
    assert (
        "New critical findings: 1 (open CRITICAL findings of Security Hub, GuardDuty and " in text
    )
    assert f"first loaded since {(NOW - timedelta(hours=24)):%Y-%m-%d %H:%M} UTC" in text
    assert f"- Security Hub, {doc['account_id']}, " in text
    assert critical[0]["title"] in text

    # Silent accounts: the roster expects two, one never reported.
    assert (
        "Silent accounts: 1 of 2 expected (ACTIVE accounts of the organization that sent " in text
    )
    assert f"- Legacy Billing ({NEVER}), OU Root/Legacy: never reported" in text
    assert "Production" not in text.split("Silent accounts:")[1]
    assert len(text.encode()) < 8 * 1024


def test_new_critical_findings_are_those_first_loaded_within_the_window(
    environment, stack, migrated_dsn
):
    load_full_daily(migrated_dsn)
    with psycopg.connect(migrated_dsn, autocommit=True) as conn:
        conn.execute("UPDATE securityhub_findings SET first_loaded_at = %s", (NOW - timedelta(2),))
    environment.setenv("REPORT_TOPIC_ARN", stack.topic_arn)
    assert run(ScheduledReportSettings.from_env(), None, now=NOW).findings.total == 0
    assert "New critical findings: 0 " in stack.messages()[0]["Message"]
    environment.setenv("NEW_FINDINGS_HOURS", "72")
    assert run(ScheduledReportSettings.from_env(), None, now=NOW).findings.total == 1


def test_an_empty_database_still_delivers_a_report_and_says_so(environment, stack):
    environment.setenv("REPORT_TOPIC_ARN", stack.topic_arn)
    delivery = run(ScheduledReportSettings.from_env(), None, now=NOW)
    assert stack.bucket.keys() == ["reports/2026-11-26.html"]
    assert "The database holds no data yet" in stack.bucket.body(delivery.key).decode()
    (message,) = stack.messages()
    assert message["Subject"] == "Observability report 2026-11-26: 0 new critical findings"
    text = message["Message"]
    assert "The database holds no data yet: the totals below are zero." in text
    assert "- Total cost in period: $0.00 (amortized, 0 days, all accounts; " in text
    assert "New critical findings: 0 " in text
    assert "Silent accounts: unknown (no organization roster yet" in text


def test_a_database_failure_fails_the_invocation_and_writes_nothing(environment, stack, data_api):
    data_api.fail_next("ForbiddenException", times=20, message="not authorized")
    with pytest.raises(Exception, match="not authorized"):
        run(ScheduledReportSettings.from_env(), None, now=NOW)
    assert stack.bucket.keys() == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BUCKET", "", "BUCKET is not set"),
        ("ANALYTICS_KMS_KEY", "alias/obs-analytics", "ANALYTICS_KMS_KEY must be the analytics"),
        ("ANALYTICS_KMS_KEY", "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6", "refuses a key id or alias"),
        ("REPORT_DAYS", "0", "REPORT_DAYS must be a whole number between 1 and 3660"),
        ("REPORT_DAYS", "thirty", "REPORT_DAYS must be a whole number"),
        ("REPORT_COST_BASIS", "blended", "REPORT_COST_BASIS must be one of amortized, unblended"),
        ("REPORT_GROUP_BY", "team", "REPORT_GROUP_BY"),
        ("REPORT_TOPIC_ARN", "arn:aws:sqs:eu-west-1:1:q", "REPORT_TOPIC_ARN must be an SNS topic"),
        ("NEW_FINDINGS_HOURS", "-1", "NEW_FINDINGS_HOURS must be a whole number between 1"),
        ("AURORA_CLUSTER_ARN", "", "AURORA_CLUSTER_ARN is not set"),
        ("AURORA_SECRET_ARN", "reader", "AURORA_SECRET_ARN must start with 'arn:'"),
    ],
)
def test_settings_errors_name_the_variable(environment, stack, name, value, message):
    environment.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        ScheduledReportSettings.from_env()
    with pytest.raises(ConfigurationError, match=message):  # the handler fails the same way
        lambda_handler({}, FakeContext(function_name="obs-report"))
    assert stack.bucket.keys() == []


def test_settings_defaults_and_options(environment):
    settings = ScheduledReportSettings.from_env()
    assert (settings.days, settings.cost_basis, settings.new_findings_hours) == (
        30,
        "amortized",
        24,
    )
    assert settings.topic_arn is None and settings.database.secret_arn == READER_SECRET_ARN
    environment.setenv("REPORT_DAYS", "7")
    environment.setenv("REPORT_COST_BASIS", "unblended")
    environment.setenv("REPORT_GROUP_BY", "tag:Team")
    environment.setenv("REPORT_TITLE", "Morning report")
    settings = ScheduledReportSettings.from_env()
    assert (settings.days, settings.cost_basis, settings.title) == (
        7,
        "unblended",
        "Morning report",
    )
    assert settings.group_by.tag == "Team"


def empty_report() -> Report:
    return Report("", None, "core", 0, 0, 0, 0, 0, 0, 0.0)


def test_a_long_summary_lists_ten_of_each_and_counts_the_rest():
    since = NOW - timedelta(hours=24)
    findings = NewFindings(
        since,
        250,
        [
            NewFinding("guardduty", "123456789012", REGION, f"id-{i}", "x" * 500, None, None, NOW)
            for i in range(MAX_LISTED)
        ],
    )
    text = summary_text(empty_report(), findings, day="2026-11-26", location="s3://b/k",
                        generated=NOW)  # fmt: skip
    assert text.count("- GuardDuty, 123456789012, eu-west-1: ") == MAX_LISTED
    assert "- and 240 more" in text
    assert max(len(line) for line in text.splitlines()) < 400  # titles are cut
    subject = summary_subject("2026-11-26", findings, empty_report())
    assert subject == "Observability report 2026-11-26: 250 new critical findings"
    assert subject.isascii() and len(subject) <= 100


def test_the_page_is_named_after_the_runs_utc_date(environment, stack):
    # 01:30 in UTC+2 on the 27th is still the 26th in UTC
    local = datetime(2026, 11, 27, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    assert run(ScheduledReportSettings.from_env(), None, now=local).key == "reports/2026-11-26.html"
    assert layout.report_key(date(2027, 1, 2)) == "reports/2027-01-02.html"
