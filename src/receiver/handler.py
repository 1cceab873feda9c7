"""Receiver Lambda: SQS batches of S3 notifications, one file loaded per notification.

Powertools' batch processor reports each message that failed transiently as a batch item
failure, so SQS delivers only those again (and, after the queue's maximum receives, moves them
to the dead-letter queue); permanently bad files are moved to ``failed/`` and acknowledged.
Logs carry the S3 key as correlation id; metrics count files loaded, failed, skipped and
retried, rows per table and load duration.

Cold start: importing this module imports neither boto3 nor the X-Ray SDK nor psycopg: the S3
and Data API clients (and the Data API executor's module) are made on the first invocation
(`runtime`), psycopg only when ``DATABASE_URL`` asks for it (`receiver.db.connect`), and
Powertools' Tracer is built on the first invocation (`observability.tracing.LazyTracer`: its
constructor imports the X-Ray SDK, and Powertools has no option that defers that).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from contract import layout
from observability.tracing import LazyTracer
from receiver import events
from receiver.db import Executor, connect
from receiver.failures import TransientLoadError
from receiver.loader import LoadResult
from receiver.receive import Limits, receive_object
from receiver.settings import ReceiverSettings

logger = Logger()
tracer = LazyTracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@dataclass(frozen=True)
class Runtime:
    settings: ReceiverSettings
    s3: Any
    rds_data: Any | None
    limits: Limits


@functools.cache
def runtime() -> Runtime:
    """Settings and clients, built on the first invocation and kept for the next ones."""
    import boto3
    from botocore.config import Config

    settings = ReceiverSettings.from_env()
    s3_config = Config(connect_timeout=5, read_timeout=60, retries={"mode": "adaptive"})
    s3 = boto3.client("s3", region_name=settings.region, config=s3_config)
    rds_data = None
    if settings.database_url is None:
        from receiver.db.data_api import CLIENT_CONFIG

        rds_data = boto3.client("rds-data", region_name=settings.region, config=CLIENT_CONFIG)
    limits = Limits(
        settings.max_object_bytes,
        settings.max_document_bytes,
        organization_cost_accounts=settings.organization_cost_accounts,
    )
    return Runtime(settings, s3, rds_data, limits)


def _executor(rt: Runtime, context: LambdaContext | None) -> Executor:
    if rt.settings.database_url:
        return connect(database_url=rt.settings.database_url)
    assert rt.settings.database is not None
    from receiver.db.data_api import DataApiExecutor

    return DataApiExecutor(
        cluster_arn=rt.settings.database.cluster_arn,
        secret_arn=rt.settings.database.secret_arn,
        database=rt.settings.database.database,
        client=rt.rds_data,
        remaining_ms=context.get_remaining_time_in_millis if context else None,
    )


@tracer.capture_method
def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    rt = runtime()
    try:
        notices = events.object_created(record.body)
    except events.MalformedMessage as exc:
        metrics.add_metric(name="MessagesMalformed", unit=MetricUnit.Count, value=1)
        logger.error(
            "message is not an S3 notification; returned to the queue",
            extra={"error": str(exc), "message_id": record.message_id},
        )
        raise
    if not notices:
        metrics.add_metric(name="MessagesIgnored", unit=MetricUnit.Count, value=1)
        logger.info("message ignored: S3 test event or no ObjectCreated record")
    executor: Executor | None = None
    try:
        for notice in notices:
            logger.set_correlation_id(notice.key)
            if notice.bucket != rt.settings.bucket or not layout.is_data_key(notice.key):
                metrics.add_metric(name="ObjectsIgnored", unit=MetricUnit.Count, value=1)
                logger.warning(
                    "object ignored: not under data/ in the configured bucket",
                    extra={"bucket": notice.bucket, "key": notice.key},
                )
                continue
            try:
                executor = executor or _executor(rt, lambda_context)
                result = receive_object(
                    rt.s3,
                    executor,
                    notice.bucket,
                    notice.key,
                    notice.version_id,
                    kms_key=rt.settings.kms_key,
                    limits=rt.limits,
                )
            except Exception as exc:
                metrics.add_metric(name="FilesRetried", unit=MetricUnit.Count, value=1)
                logger.warning(
                    "file left in place, the message will be retried",
                    extra={"error": str(exc), "transient": isinstance(exc, TransientLoadError)},
                )
                raise
            _report(result)
    finally:
        if executor is not None:
            executor.close()
        logger.set_correlation_id(None)


def _report(result: LoadResult) -> None:
    name = {
        "loaded": "FilesLoaded",
        "failed": "FilesFailed",
        "skipped": "FilesSkipped",
        "missing": "FilesMissing",
    }[result.status]
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    details: dict[str, Any] = {
        "status": result.status,
        "version_id": result.ref.version_id,
        "ingestion_id": result.ingestion_id,
        "duration_ms": result.duration_ms,
    }
    if result.status == "loaded":
        metrics.add_metric(
            name="LoadDuration", unit=MetricUnit.Milliseconds, value=result.duration_ms
        )
        metrics.add_metric(
            name="RowsWritten", unit=MetricUnit.Count, value=sum(result.rows.values())
        )
        for table, count in sorted(result.rows.items()):
            metrics.add_metric(name=f"Rows.{table}", unit=MetricUnit.Count, value=count)
        if result.ignored_fields:
            # a sender of a newer minor contract version: the analytics side is behind
            metrics.add_metric(
                name="IgnoredFields", unit=MetricUnit.Count, value=len(result.ignored_fields)
            )
            details["ignored_fields"] = result.ignored_fields[:20]
            details["ignored_field_count"] = len(result.ignored_fields)
        logger.info("file loaded", extra={**details, "rows": result.rows})
    elif result.status == "failed":
        assert result.error is not None
        logger.warning("file failed, moved to failed/", extra={**details, **result.error.as_dict()})
    elif result.status == "missing":
        logger.warning("object no longer exists and was never loaded", extra=details)
    else:
        logger.info("file already loaded, skipped", extra=details)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
