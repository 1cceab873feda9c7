"""Roster Lambda: refresh the organization roster daily and count expected accounts that are silent.

EventBridge invokes it on a schedule. It assumes the read-only roster role in the management
account (``ROSTER_ROLE_ARN``, optional ``ROSTER_EXTERNAL_ID``), replaces the roster in Aurora
through the Data API, then publishes ONE custom metric, ``SilentAccounts``: the expected (ACTIVE)
accounts that sent nothing for more than ``SILENT_AFTER_HOURS`` (default 36) or never reported;
each of them is logged. When the role cannot be assumed (``modules/organization`` is applied
after the analytics module) the invocation fails with a clear logged error and no metric, so the
function's Errors alarm fires and the roster in the database stays as it was.

Cold start: boto3 and the Data API executor are imported on the first invocation, and
Powertools' Tracer is built then (`observability.tracing.LazyTracer`), not at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from observability.tracing import LazyTracer
from receiver.roster import (
    DEFAULT_SILENT_AFTER_HOURS,
    RefreshResult,
    RosterAccessError,
    organizations_client,
    refresh,
)
from receiver.settings import ConfigurationError, DatabaseSettings

logger = Logger()
tracer = LazyTracer()
metrics = Metrics()

METRIC = "SilentAccounts"


@dataclass(frozen=True)
class RosterSettings:
    role_arn: str
    external_id: str | None
    silent_after_hours: int
    region: str | None
    database: DatabaseSettings

    @classmethod
    def from_env(cls) -> RosterSettings:
        role_arn = os.environ.get("ROSTER_ROLE_ARN", "").strip()
        if not role_arn.startswith("arn:") or ":role/" not in role_arn:
            raise ConfigurationError("environment variable ROSTER_ROLE_ARN must be an IAM role ARN")
        hours_text = os.environ.get("SILENT_AFTER_HOURS", "").strip()
        try:
            hours = int(hours_text) if hours_text else DEFAULT_SILENT_AFTER_HOURS
        except ValueError:
            hours = 0
        if hours < 1:
            raise ConfigurationError("environment variable SILENT_AFTER_HOURS must be >= 1")
        return cls(
            role_arn=role_arn,
            external_id=os.environ.get("ROSTER_EXTERNAL_ID", "").strip() or None,
            silent_after_hours=hours,
            region=os.environ.get("REGION", "").strip() or None,
            database=DatabaseSettings.from_env(),
        )


def run(settings: RosterSettings, context: LambdaContext | None) -> RefreshResult:
    """Refresh the roster and publish the metric; raises (and logs) on any failure."""
    try:
        client = organizations_client(
            settings.role_arn, settings.external_id, region=settings.region
        )
    except RosterAccessError as exc:
        logger.error("roster not refreshed: the roster role cannot be assumed", extra={
            "error": str(exc), "role_arn": settings.role_arn,
        })  # fmt: skip
        raise
    from receiver.db.data_api import DataApiExecutor

    executor = DataApiExecutor(
        cluster_arn=settings.database.cluster_arn,
        secret_arn=settings.database.secret_arn,
        database=settings.database.database,
        remaining_ms=context.get_remaining_time_in_millis if context else None,
    )
    try:
        result = refresh(executor, client, silent_after_hours=settings.silent_after_hours)
    except RosterAccessError as exc:
        logger.error("roster not refreshed: Organizations refused a call", extra={
            "error": str(exc), "role_arn": settings.role_arn,
        })  # fmt: skip
        raise
    finally:
        executor.close()
    metrics.add_metric(name=METRIC, unit=MetricUnit.Count, value=len(result.silent))
    for account in result.silent:
        logger.warning(
            "expected account is not reporting",
            extra={
                "account_id": account.account_id,
                "account_name": account.name,
                "ou_path": account.ou_path,
                "reporting_status": account.status,
                "last_report_at": account.last_report_at.isoformat()
                if account.last_report_at
                else None,
                "hours_since_report": account.hours_since_report,
            },
        )
    logger.info("roster refreshed", extra=result.summary())
    return result


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(RosterSettings.from_env(), context).summary()
