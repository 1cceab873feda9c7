"""Lambda entry point: ``sender.handler.lambda_handler``.

Events:

* ``{"interval": "DAILY"}`` (the schedules; also WEEKLY, MONTHLY, YEARLY; an EventBridge scheduled
  event without input counts as DAILY): the latest complete window;
* ``{"interval": "DAILY", "date": "2026-11-20"}``: the window containing that day;
* ``{"history": true, ...}``: a backfill (see `sender.history`);
* optional ``"collectors"`` and ``"regions"`` override ``SENDER_COLLECTORS`` / ``SENDER_REGIONS``.

Every run that is not a backfill first makes sure the first-run backfill has started
(`sender.first_run`): a newly deployed sender fills its history once, by itself.

Configuration comes from the environment (`sender.settings`). The handler collects, validates,
uploads and emits metrics; a failed upload raises so that Lambda's retries and its on-failure
destination see it.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.utilities.typing import LambdaContext

from sender import first_run
from sender.aws import Clients, invoke_async
from sender.collect import RunRequest, RunResult, caller_account, collect, parse_request, select
from sender.history import parse_history, run_history
from sender.intervals import Window
from sender.settings import Settings
from sender.upload import UploadResult, upload

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "sender"))
tracer = Tracer()
metrics = Metrics()

UPLOAD_RESERVE_S = 60.0  # stop collectors this long before the Lambda timeout
STATUSES = ("ok", "partial", "skipped", "error")


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any] | None, context: LambdaContext) -> dict[str, Any]:
    if is_metrics_disabled():
        # POWERTOOLS_METRICS_DISABLED (Terraform publish_metrics = false): no custom metric at all.
        # Powertools itself would still print the ColdStart metric (single_metric ignores the
        # variable), so the metrics decorator is left out altogether.
        return handle(event or {}, context)
    return _handle_with_metrics(event or {}, context)


@metrics.log_metrics(capture_cold_start_metric=True)
def _handle_with_metrics(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, context)


def handle(
    event: Mapping[str, Any],
    context: Any,
    *,
    settings: Settings | None = None,
    clients: Clients | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    settings = settings or Settings.from_env()
    bucket, kms_key = settings.require_upload_target()
    clients = clients or _clients()
    now = now or datetime.now(UTC)
    remaining_ms = _remaining(context)
    if event.get("detail-type") == "Scheduled Event":
        event = {"interval": "DAILY"}
    if event.get("history"):
        request = parse_history(event, settings, now.date())
        account_id = caller_account(clients, settings.region)
        collectors = tuple(select(request.collectors, history_only=True))

        def run_window(window: Window) -> dict[str, Any]:
            run = RunRequest(request.interval, window, False, collectors, request.regions)
            # Only the Cost Explorer collectors run, one at a time per window: each may use the
            # whole invocation (an organization-mode month is ~1,500 requests at 1,000
            # accounts), and `run_history` hands over to a new invocation in time.
            budget = max(settings.collector_timeout, remaining_ms() / 1000 - UPLOAD_RESERVE_S)
            return _run_and_upload(
                run, settings, clients, bucket, kms_key, now, remaining_ms, account_id, budget
            )

        summary = run_history(
            request,
            run_window=run_window,
            remaining_ms=remaining_ms,
            continue_with=lambda next_event: _continue(clients, settings, context, next_event),
        )
        logger.info("history run", extra={k: v for k, v in summary.items() if k != "runs"})
        return summary
    run = parse_request(event, settings, now)
    backfill = first_run.start_once(
        settings, clients, getattr(context, "invoked_function_arn", None), now
    )
    summary = _run_and_upload(run, settings, clients, bucket, kms_key, now, remaining_ms, None)
    summary["first_run_backfill"] = backfill
    return summary


def _run_and_upload(
    run: RunRequest,
    settings: Settings,
    clients: Clients,
    bucket: str,
    kms_key: str,
    now: datetime,
    remaining_ms: Callable[[], int],
    account_id: str | None,
    budget: float | None = None,
) -> dict[str, Any]:
    run_deadline = time.monotonic() + remaining_ms() / 1000 - UPLOAD_RESERVE_S
    result = collect(
        run,
        clients,
        home_region=settings.region,
        account_id=account_id,
        now=now,
        max_workers=settings.max_workers,
        budget=budget or settings.collector_timeout,
        run_deadline=run_deadline,
        initializer=_trace_propagation(),
        cost_history_months=settings.cost_history_months,
        freeze_gc=True,
        cost_mode=settings.cost_mode,
    )
    s3 = clients.client("s3", settings.region)
    uploaded = upload(s3, bucket, kms_key, result.document, validated=True)  # collect validated
    _record_metrics(result, uploaded, settings.collector_metrics)
    summary = _summary(result, uploaded)
    logger.info("run uploaded", extra=summary)
    return summary


def _summary(result: RunResult, uploaded: UploadResult) -> dict[str, Any]:
    document = result.document
    statuses = {s: 0 for s in STATUSES}
    for entry in document["collectors"]:
        statuses[entry["status"]] += 1
    return {
        "run_id": document["run_id"],
        "account_id": document["account_id"],
        "interval": document["interval"],
        "window": document["window"],
        "key": uploaded.key,
        "bytes": uploaded.size,
        "sha256": uploaded.sha256,
        "collectors": statuses,
        "not_ok": [
            {"name": e["name"], "region": e["region"], "status": e["status"], "error": e["error"]}
            for e in document["collectors"]
            if e["status"] != "ok"
        ],
        "api_calls": sum(result.api_calls.values()),
        "cost_explorer_calls": result.cost_explorer_calls,
        "duration_ms": result.duration_ms,
    }


def _record_metrics(result: RunResult, uploaded: UploadResult, per_collector: bool) -> None:
    if is_metrics_disabled():
        # Powertools skips the flush but keeps the values, which would pile up in a warm container
        # until its 100-value limit prints them anyway; per-collector single_metric always prints.
        return
    entries = result.document["collectors"]
    for status in STATUSES:
        count = sum(1 for e in entries if e["status"] == status)
        metrics.add_metric(
            name=f"Collectors{status.capitalize()}", unit=MetricUnit.Count, value=count
        )
    metrics.add_metric(
        name="ItemsCollected",
        unit=MetricUnit.Count,
        value=sum(e["item_count"] or 0 for e in entries),
    )
    metrics.add_metric(name="RunDuration", unit=MetricUnit.Milliseconds, value=result.duration_ms)
    metrics.add_metric(name="ApiCalls", unit=MetricUnit.Count, value=sum(result.api_calls.values()))
    metrics.add_metric(
        name="CostExplorerCalls", unit=MetricUnit.Count, value=result.cost_explorer_calls
    )
    metrics.add_metric(name="UploadBytes", unit=MetricUnit.Bytes, value=uploaded.size)
    if not per_collector:
        return
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for entry in entries:
        total = totals[entry["name"]]
        total[0] += entry["item_count"] or 0
        total[1] = max(total[1], entry["duration_ms"] or 0)
        total[2] += entry["status"] == "error"
    for name, (items, duration, errors) in sorted(totals.items()):
        for metric, unit, value in (
            ("CollectorItems", MetricUnit.Count, items),
            ("CollectorDuration", MetricUnit.Milliseconds, duration),
            ("CollectorErrors", MetricUnit.Count, errors),
        ):
            with single_metric(
                name=metric, unit=unit, value=value, namespace=metrics.namespace
            ) as metric_set:
                metric_set.add_dimension(name="Collector", value=name)


_CLIENTS: dict[tuple[type, str], Clients] = {}


def _clients() -> Clients:
    """Clients live as long as the Lambda container: creating ~45 boto3 clients costs about
    1.5 s of CPU, paid once per cold start instead of once per invocation."""
    key = (Clients, os.environ.get("AWS_ENDPOINT_URL", ""))
    if key not in _CLIENTS:
        _CLIENTS[key] = Clients()
    return _CLIENTS[key]


def _remaining(context: Any) -> Callable[[], int]:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if callable(getter):
        return getter
    return lambda: 900_000


def _continue(clients: Clients, settings: Settings, context: Any, event: dict[str, Any]) -> None:
    """Invoke this function again, asynchronously, with the continuation event."""
    function = getattr(context, "invoked_function_arn", None)
    if not function:
        raise RuntimeError("cannot continue the history run: no function ARN in the context")
    invoke_async(clients, function, event)
    logger.info("history continues in a new invocation", extra={"cursor": event["cursor"]})


def _trace_propagation() -> Callable[[], None] | None:
    """X-Ray keeps the current segment per thread: hand it to the collector threads."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in {"1", "true"}:
        return None
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return None
    try:
        from aws_xray_sdk.core import xray_recorder

        entity = xray_recorder.get_trace_entity()
    except Exception:
        return None
    if entity is None:
        return None
    return lambda: xray_recorder.set_trace_entity(entity)
