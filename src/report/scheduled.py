"""Scheduled report Lambda: the HTML report, every morning, into the analytics bucket.

EventBridge invokes it on a schedule (modules/analytics/reports.tf). It signs in to Aurora through
the Data API as the READ-ONLY reader role (``AURORA_SECRET_ARN`` is the reader's secret: SELECT on
the views, all ``report.build_report`` needs), renders the same page as ``python -m report`` and
writes it to ``reports/<YYYY-MM-DD>.html`` (the run's UTC date: a rerun the same day replaces
that day's page) with SSE-KMS under the analytics key, as the bucket policy requires. With
``REPORT_TOPIC_ARN`` set it then publishes a short plain-text summary (``report.summary``): the
KPI totals, critical findings first loaded in the last ``NEW_FINDINGS_HOURS`` hours, and the
expected accounts that are silent. It publishes one custom metric, ``NewCriticalFindings``
(dimension ``service = report``). Any failure raises, so the function's Errors metric (and the
module's report-errors alarm) shows a morning without a report.

Cold start: boto3 and the Data API executor are imported when the first client is made
(`_client`, on the first invocation), and Powertools' Tracer is built then
(`observability.tracing.LazyTracer`), not at import.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from contract import layout
from observability.tracing import LazyTracer
from report import DEFAULT_TITLE, GroupBy, Report, build_report
from report.sections.cost import COST_BASES
from report.summary import NewFindings, new_critical_findings, summary_subject, summary_text

logger = Logger()
tracer = LazyTracer()
metrics = Metrics()


class ConfigurationError(Exception):
    """A required environment variable is missing or malformed."""


@dataclass(frozen=True)
class DatabaseSettings:
    """The Data API target. The report reaches the receiver only through ``receiver.db``, so it
    reads the same variables as the receiver's settings without importing them."""

    cluster_arn: str  # AURORA_CLUSTER_ARN
    secret_arn: str  # AURORA_SECRET_ARN: the READER role's secret
    database: str  # DB_NAME (default core)

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        values = {}
        for name in ("AURORA_CLUSTER_ARN", "AURORA_SECRET_ARN"):
            values[name] = _env(name)
            if not values[name]:
                raise ConfigurationError(f"environment variable {name} is not set")
            if not values[name].startswith("arn:"):
                raise ConfigurationError(f"environment variable {name} must start with 'arn:'")
        return cls(
            values["AURORA_CLUSTER_ARN"], values["AURORA_SECRET_ARN"], _env("DB_NAME") or "core"
        )


MAX_DAYS = 3660


@dataclass(frozen=True)
class ScheduledReportSettings:
    """Configuration of the scheduled report function (docs: modules/analytics/README.md)."""

    bucket: str  # BUCKET
    kms_key_arn: str  # ANALYTICS_KMS_KEY: the bucket policy accepts only this key, by ARN
    days: int  # REPORT_DAYS
    cost_basis: str  # REPORT_COST_BASIS
    group_by: GroupBy  # REPORT_GROUP_BY: ou (default), tag:KEY or label:KEY
    title: str  # REPORT_TITLE
    topic_arn: str | None  # REPORT_TOPIC_ARN: no summary without it
    new_findings_hours: int  # NEW_FINDINGS_HOURS: "new" = first loaded within this many hours
    region: str | None  # REGION
    database: DatabaseSettings  # AURORA_CLUSTER_ARN, AURORA_SECRET_ARN (reader), DB_NAME

    @classmethod
    def from_env(cls) -> ScheduledReportSettings:
        bucket = _env("BUCKET")
        if not bucket:
            raise ConfigurationError("environment variable BUCKET is not set")
        kms_key_arn = _env("ANALYTICS_KMS_KEY")
        if not (kms_key_arn.startswith("arn:") and ":key/" in kms_key_arn):
            raise ConfigurationError(
                "environment variable ANALYTICS_KMS_KEY must be the analytics key's ARN "
                "(arn:...:key/...): the bucket policy refuses a key id or alias"
            )
        cost_basis = _env("REPORT_COST_BASIS") or "amortized"
        if cost_basis not in COST_BASES:
            raise ConfigurationError(
                f"environment variable REPORT_COST_BASIS must be one of {', '.join(COST_BASES)}"
            )
        try:
            group_by = GroupBy.parse(_env("REPORT_GROUP_BY") or "ou")
        except ValueError as exc:
            raise ConfigurationError(f"environment variable REPORT_GROUP_BY: {exc}") from None
        topic_arn = _env("REPORT_TOPIC_ARN") or None
        if topic_arn is not None and not (topic_arn.startswith("arn:") and ":sns:" in topic_arn):
            raise ConfigurationError(
                "environment variable REPORT_TOPIC_ARN must be an SNS topic ARN"
            )
        return cls(
            bucket=bucket,
            kms_key_arn=kms_key_arn,
            days=_whole("REPORT_DAYS", 30, MAX_DAYS),
            cost_basis=cost_basis,
            group_by=group_by,
            title=_env("REPORT_TITLE") or DEFAULT_TITLE,
            topic_arn=topic_arn,
            new_findings_hours=_whole("NEW_FINDINGS_HOURS", 24, 24 * 31),
            region=_env("REGION") or None,
            database=DatabaseSettings.from_env(),
        )


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _whole(name: str, default: int, maximum: int) -> int:
    text = _env(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise ConfigurationError(
            f"environment variable {name} must be a whole number between 1 and {maximum}"
        )
    return value


@dataclass(frozen=True)
class Delivery:
    """What one run delivered."""

    bucket: str
    key: str
    bytes: int
    report: Report
    findings: NewFindings
    message_id: str | None  # the SNS message, when a summary was published

    def summary(self) -> dict[str, Any]:
        period = self.report.period
        return {
            "bucket": self.bucket,
            "key": self.key,
            "bytes": self.bytes,
            "period_start": period.start.isoformat() if period else None,
            "period_end": period.end.isoformat() if period else None,
            "sections": self.report.sections,
            "statements": self.report.statements,
            "rows_read": self.report.rows_read,
            "new_critical_findings": self.findings.total,
            "summary_message_id": self.message_id,
        }


def put_request(bucket: str, key: str, body: bytes, kms_key_arn: str) -> dict[str, Any]:
    """The PutObject parameters of a page (tests/terraform/test_rendered_policies.py checks that
    the bucket policy lets them through)."""
    return {
        "Bucket": bucket,
        "Key": key,
        "Body": body,
        "ContentType": "text/html; charset=utf-8",
        # Named explicitly: the bucket policy refuses a write without the analytics key's ARN.
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": kms_key_arn,
    }


@functools.cache
def _client(service: str, region: str | None) -> Any:
    """One client per service, built on first use and kept for the container's life."""
    import boto3
    from botocore.config import Config

    from receiver.db.data_api import CLIENT_CONFIG

    config = (
        CLIENT_CONFIG
        if service == "rds-data"
        else Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard"})
    )
    return boto3.client(service, region_name=region, config=config)


def run(
    settings: ScheduledReportSettings,
    context: LambdaContext | None,
    *,
    now: datetime | None = None,
) -> Delivery:
    """Render the report, write it to S3, publish the summary if configured; raise on failure."""
    from receiver.db.data_api import DataApiExecutor

    now = (now or datetime.now(UTC)).astimezone(UTC)
    executor = DataApiExecutor(
        cluster_arn=settings.database.cluster_arn,
        secret_arn=settings.database.secret_arn,
        database=settings.database.database,
        client=_client("rds-data", settings.region),
        remaining_ms=context.get_remaining_time_in_millis if context else None,
    )
    try:
        report = build_report(
            executor,
            days=settings.days,
            title=settings.title,
            now=now,
            group_by=settings.group_by,
            cost_basis=settings.cost_basis,
        )
        findings = new_critical_findings(
            executor, now - timedelta(hours=settings.new_findings_hours)
        )
    finally:
        executor.close()

    key = layout.report_key(now.date())
    body = report.html.encode("utf-8")
    _client("s3", settings.region).put_object(
        **put_request(settings.bucket, key, body, settings.kms_key_arn)
    )
    # One custom metric (USD 0.30 a month): a failed run shows in the free AWS/Lambda Errors.
    metrics.add_metric(name="NewCriticalFindings", unit=MetricUnit.Count, value=findings.total)
    logger.info("report written", extra={"bucket": settings.bucket, "key": key, "bytes": len(body),
                                         "summary": report.summary()})  # fmt: skip

    message_id = None
    if settings.topic_arn:
        day = now.date().isoformat()
        response = _client("sns", settings.region).publish(
            TopicArn=settings.topic_arn,
            Subject=summary_subject(day, findings, report),
            Message=summary_text(
                report,
                findings,
                day=day,
                location=f"s3://{settings.bucket}/{key}",
                generated=now,
            ),
        )
        message_id = response["MessageId"]
        logger.info("summary published", extra={"topic_arn": settings.topic_arn,
                                                "message_id": message_id})  # fmt: skip
    return Delivery(settings.bucket, key, len(body), report, findings, message_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(ScheduledReportSettings.from_env(), context).summary()
