"""Lambda entry point: ``sender.handler.lambda_handler``.

Events:

* ``{"interval": "DAILY"}`` (the schedules; also WEEKLY, MONTHLY, YEARLY; an EventBridge scheduled
  event without input counts as DAILY): the latest complete window;
* ``{"interval": "DAILY", "date": "2026-11-20"}``: the window containing that day;
* ``{"history": true, ...}``: a backfill (see `sender.history`);
* optional ``"collectors"`` and ``"regions"`` override ``SENDER_COLLECTORS`` / ``SENDER_REGIONS``.

Every run that is not a backfill first makes sure the first-run backfill has started
(`sender.first_run`): a newly deployed sender fills its history once, by itself.

Configuration comes from the environment (`sender.settings`). The handler routes the event; a
run is collected, validated, uploaded and measured by `sender.delivery` (metrics:
`sender.metrics`), a backfill is `sender.history.backfill`; the clients live as long as the
container (`sender.aws.container_clients`). A failed upload raises so that Lambda's retries and
its on-failure destination see it.

Cold start: importing this module imports neither boto3 nor the X-Ray SDK nor the contract
validator. The boto3 session and each client are made when a collector first needs them
(`sender.aws.Clients`); the contract validator is imported when the first document is checked;
Powertools' Tracer is built on the first invocation (`observability.tracing.LazyTracer`: the
Tracer's constructor imports the X-Ray SDK, and Powertools has no option that defers it), with
Logger and Metrics as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from observability.tracing import LazyTracer
from sender import first_run, invocation
from sender.aws import Clients, container_clients
from sender.collect import parse_request
from sender.delivery import run_and_upload
from sender.history import backfill
from sender.metrics import publishing
from sender.settings import Settings

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "sender"))
tracer = LazyTracer()


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any] | None, context: LambdaContext) -> dict[str, Any]:
    return _handle_publishing_metrics(event or {}, context)


def handle(
    event: Mapping[str, Any],
    context: Any,
    *,
    settings: Settings | None = None,
    clients: Clients | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    settings = settings or Settings.from_env()
    settings.require_upload_target()  # before any AWS call
    clients = clients or container_clients()
    now = now or datetime.now(UTC)
    if event.get("detail-type") == "Scheduled Event":
        event = {"interval": "DAILY"}
    if event.get("history"):
        summary = backfill(event, settings, clients, context, now)
        logger.info("history run", extra={k: v for k, v in summary.items() if k != "runs"})
        return summary
    run = parse_request(event, settings, now)
    backfill_started = first_run.start_once(
        settings, clients, getattr(context, "invoked_function_arn", None), now
    )
    summary = run_and_upload(
        run,
        settings,
        clients,
        now=now,
        remaining_ms=invocation.remaining_ms(context),
        account_id=None,
    )
    summary["first_run_backfill"] = backfill_started
    return summary


_handle_publishing_metrics = publishing(handle)
