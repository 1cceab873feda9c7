"""One run delivered: collect its window, upload the document, record its metrics, and the
summary the handler returns (and logs)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from sender import invocation
from sender.aws import Clients
from sender.collect import CONTAINER_DURATIONS, RunRequest, RunResult, collect
from sender.metrics import STATUSES, record_run
from sender.settings import Settings
from sender.upload import UploadResult, upload

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "sender"), child=True)

UPLOAD_RESERVE_S = 60.0  # stop collectors this long before the Lambda timeout


def run_and_upload(
    run: RunRequest,
    settings: Settings,
    clients: Clients,
    *,
    now: datetime,
    remaining_ms: Callable[[], int],
    account_id: str | None,
    budget: float | None = None,
) -> dict[str, Any]:
    """Collect ``run``, upload its (validated) document, record the metrics; the summary."""
    bucket, kms_key = settings.require_upload_target()
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
        initializer=invocation.trace_propagation(),
        cost_history_months=settings.cost_history_months,
        freeze_gc=True,
        cost_mode=settings.cost_mode,
        cost_tag_keys=settings.cost_tag_keys,
        durations=CONTAINER_DURATIONS,
        account_labels=settings.account_labels,
    )
    s3 = clients.client("s3", settings.region)
    uploaded = upload(s3, bucket, kms_key, result.document, validated=True)  # collect validated
    record_run(result, uploaded, settings.collector_metrics)
    result_summary = summary(result, uploaded)
    logger.info("run uploaded", extra=result_summary)
    return result_summary


def summary(result: RunResult, uploaded: UploadResult) -> dict[str, Any]:
    """What the handler returns for one run: where it went, statuses, what was not ok, cost."""
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
