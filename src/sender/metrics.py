"""The sender's CloudWatch metrics (Powertools EMF on stdout): what one run publishes.

Per run: collectors by status, items collected, run duration, API and Cost Explorer calls,
upload size; per collector (``SENDER_COLLECTOR_METRICS``, opt-in: each is a billed custom metric)
items, slowest region and errors. ``publishing`` wraps the Lambda entry point so the metrics are
flushed when it returns, with the ColdStart metric, unless ``POWERTOOLS_METRICS_DISABLED``
(Terraform ``publish_metrics = false``) says to publish nothing at all.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from sender.collect import RunResult
from sender.upload import UploadResult

metrics = Metrics()

STATUSES = ("ok", "partial", "skipped", "error")

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def publishing(handler: Handler) -> Handler:
    """``handler``, flushing the metrics it recorded (and ColdStart) when it returns."""
    flushing = metrics.log_metrics(capture_cold_start_metric=True)(handler)

    @functools.wraps(handler)
    def wrapper(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if is_metrics_disabled():
            # Powertools would still print the ColdStart metric (single_metric ignores the
            # variable), so the flushing decorator is left out altogether.
            return handler(event, context)
        return flushing(event, context)

    return wrapper


def record_run(result: RunResult, uploaded: UploadResult, per_collector: bool) -> None:
    """Record the metrics of one uploaded run (flushed by `publishing`)."""
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
