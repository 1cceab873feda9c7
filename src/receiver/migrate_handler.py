"""Lambda handler that applies the SQL migrations packaged in the zip.

Terraform invokes it on apply whenever the SQL changes; an exception fails the invocation and so
the apply. It is the only function holding the master secret (``AURORA_SECRET_ARN``): with it, it
creates the three database roles or updates their passwords from their secrets
(``DATABASE_ROLES``, filling a secret that is still empty) and hands the schema to the migrator;
then it applies the migrations and the grants connected as the migrator.

Cold start: boto3 and the Data API executor are imported on the first invocation, and
Powertools' Tracer is built then (`observability.tracing.LazyTracer`), not at import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from observability.tracing import LazyTracer
from receiver.db.role_secrets import all_role_credentials
from receiver.db.roles import BootstrapResult
from receiver.migrations import MigrationResult, migrate_with_roles
from receiver.settings import DatabaseRoleSettings, DatabaseSettings

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
