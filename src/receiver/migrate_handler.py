"""Lambda handler that applies the SQL migrations packaged in the zip.

Terraform invokes it on apply whenever the SQL changes; an exception fails the invocation and so
the apply. It is the only function holding the master secret (``AURORA_SECRET_ARN``): with it, it
creates the three database roles or updates their passwords from their secrets
(``DATABASE_ROLES``, filling a secret that is still empty) and hands the schema to the migrator;
then it applies the migrations and the grants connected as the migrator.

The event ``{"action": "maintain"}`` (a schedule's) runs ``receiver.partitions.maintain`` instead,
connected as the migrator (the owner of the partitioned tables; the loader cannot create
partitions): partitions ahead, rows split out of DEFAULT partitions, monthly rollups, then the
months older than ``RETENTION_DAYS`` (400 when unset, at least 90; empty or ``off`` keeps every
day) detached and dropped, then the bookkeeping of those months deleted (collection and
collector runs, period totals; each account's latest run and current commitments stay).
``PARTITION_MONTHS_AHEAD`` (default 3, 0-24) sets how many months ahead get their partitions. It
logs what it did (``bookkeeping_deleted``: rows per table) and emits the metrics
``PartitionsCreated``, ``PartitionsDropped`` and ``BookkeepingRowsDeleted``. Any other
event applies the migrations, as before.

Cold start: boto3 and the Data API executor are imported on the first invocation, and
Powertools' Tracer is built then (`observability.tracing.LazyTracer`), not at import.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from observability.tracing import LazyTracer
from receiver.db.role_secrets import all_role_credentials
from receiver.db.roles import BootstrapResult
from receiver.migrations import MigrationResult, migrate_with_roles
from receiver.partitions import (
    DEFAULT_MONTHS_AHEAD,
    DEFAULT_RETENTION_DAYS,
    MAX_MONTHS_AHEAD,
    MIN_RETENTION_DAYS,
    maintain,
)
from receiver.settings import ConfigurationError, DatabaseRoleSettings, DatabaseSettings

if TYPE_CHECKING:
    from receiver.db.data_api import DataApiExecutor

logger = Logger()
tracer = LazyTracer()
metrics = Metrics()


def migrate_through_data_api(
    master: DataApiExecutor,
    roles: DatabaseRoleSettings,
    sql_dir: Path | None = None,
    *,
    region: str | None = None,
) -> tuple[BootstrapResult, MigrationResult]:
    """Roles from their secrets (filled if empty), bootstrap as ``master``, migrate as migrator."""
    import boto3

    credentials = all_role_credentials(
        boto3.client("secretsmanager", region_name=region), roles.as_mapping(), master.database
    )
    return migrate_with_roles(
        master, lambda: master.with_secret(roles.migrator.secret_arn), credentials, sql_dir
    )


MAINTAIN = "maintain"


def _int_env(name: str, default: int, low: int, high: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, not {text!r}") from exc
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _retention_days() -> int | None:
    """``RETENTION_DAYS``: unset 400; empty or ``off``: keep every day (no retention)."""
    if "RETENTION_DAYS" not in os.environ:
        return DEFAULT_RETENTION_DAYS
    if os.environ["RETENTION_DAYS"].strip().lower() in ("", "off"):
        return None
    return _int_env("RETENTION_DAYS", DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS, 36500)


def maintain_through_data_api(master: DataApiExecutor, roles: DatabaseRoleSettings) -> dict:
    """``receiver.partitions.maintain`` as the migrator, with the environment's policy."""
    retention_days = _retention_days()
    months_ahead = _int_env("PARTITION_MONTHS_AHEAD", DEFAULT_MONTHS_AHEAD, 0, MAX_MONTHS_AHEAD)
    migrator = master.with_secret(roles.migrator.secret_arn)
    try:
        result = maintain(
            migrator,
            today=datetime.now(UTC).date(),
            retention_days=retention_days,
            months_ahead=months_ahead,
        )
    finally:
        migrator.close()
    return {**result.as_dict(), "retention_days": retention_days, "months_ahead": months_ahead}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from receiver.db.data_api import DataApiExecutor

    settings = DatabaseSettings.from_env()
    roles = DatabaseRoleSettings.from_env()
    master = DataApiExecutor(
        cluster_arn=settings.cluster_arn,
        secret_arn=settings.secret_arn,
        database=settings.database,
        remaining_ms=context.get_remaining_time_in_millis,
    )
    if isinstance(event, dict) and event.get("action") == MAINTAIN:
        done = maintain_through_data_api(master, roles)
        logger.info("partition maintenance done", extra={"maintenance": done})
        metrics.add_metric(
            name="PartitionsCreated", unit=MetricUnit.Count, value=len(done["created"])
        )
        metrics.add_metric(
            name="PartitionsDropped", unit=MetricUnit.Count, value=len(done["dropped"])
        )
        metrics.add_metric(
            name="BookkeepingRowsDeleted",
            unit=MetricUnit.Count,
            value=sum(done["bookkeeping_deleted"].values()),
        )
        return done
    boot, result = migrate_through_data_api(
        master, roles, region=os.environ.get("REGION", "").strip() or None
    )
    if boot.skipped:
        logger.warning(
            "objects the master cannot hand to the migrator keep their owner",
            extra={"skipped": boot.skipped},
        )
    logger.info(
        "migrations done",
        extra={
            "applied": result.applied,
            "roles_created": boot.created,
            "objects_reassigned": len(boot.reassigned),
        },
    )
    metrics.add_metric(name="MigrationsApplied", unit=MetricUnit.Count, value=len(result.applied))
    return {
        "applied": result.applied,
        "already_applied": len(result.already_applied),
        "roles_created": boot.created,
        "objects_reassigned": len(boot.reassigned),
    }
