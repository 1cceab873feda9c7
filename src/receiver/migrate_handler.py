"""Lambda handler that applies the SQL migrations packaged in the zip.

Terraform invokes it on apply whenever the SQL changes; an exception fails the invocation and so
the apply.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from receiver.db.data_api import DataApiExecutor
from receiver.migrations import migrate
from receiver.settings import DatabaseSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = DatabaseSettings.from_env()
    executor = DataApiExecutor(
        cluster_arn=settings.cluster_arn,
        secret_arn=settings.secret_arn,
        database=settings.database,
        remaining_ms=context.get_remaining_time_in_millis,
    )
    result = migrate(executor)
    logger.info("migrations done", extra={"applied": result.applied})
    metrics.add_metric(name="MigrationsApplied", unit=MetricUnit.Count, value=len(result.applied))
    return {"applied": result.applied, "already_applied": len(result.already_applied)}
