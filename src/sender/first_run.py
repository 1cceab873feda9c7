"""First-run backfill: a newly deployed sender fills its own history, once, with nobody invoking it.

Whether `modules/sender` or the organization's StackSet deployed it, a new sender starts with no
history. On every run that is not itself a backfill, the handler calls `start_once`. It claims
the SSM parameter ``SENDER_FIRST_RUN_PARAMETER`` with ``PutParameter(Overwrite=False)``. SSM
creates a parameter once and refuses every later attempt with ``ParameterAlreadyExists``, so
exactly one run per account and region wins, however many run at the same time. The winner then
invokes its own function asynchronously with the backfill events. If that fails, it deletes the
parameter again, so the next run retries. The parameter stays as the record of when the backfill
started and what it covered (its value is JSON).

The range is ``SENDER_FIRST_RUN_BACKFILL_MONTHS`` months (default 14, the months Cost Explorer
keeps; capped by ``SENDER_COST_HISTORY_MONTHS``, 0 turns the backfill off). It is cut into as few
Cost Explorer requests as the contract allows:

- the complete months, as MONTHLY windows. Each window still carries daily rows, because the
  usage query is always DAILY: about 5 requests per month instead of about 150;
- the days of the current month up to yesterday, as DAILY windows.

Nothing is started when no selected collector keeps history, or when this account's Cost Explorer
data comes from the organization's management account (``SENDER_COST_MODE=off``): all the
history collectors read Cost Explorer.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from sender import __version__
from sender.aws import Clients, error_code, invoke_async
from sender.collectors import REGISTRY
from sender.collectors._costexplorer import earliest_date
from sender.intervals import add_months, month_start
from sender.settings import Settings

log = logging.getLogger(__name__)


def backfill_events(today: date, months: int, cost_history_months: int) -> list[dict[str, Any]]:
    """The history events of a first-run backfill of ``months`` months (current one included)."""
    months = min(months, cost_history_months)
    if months <= 0:
        return []
    this_month = month_start(today)
    first = max(add_months(this_month, -(months - 1)), earliest_date(today, cost_history_months))
    yesterday = today - timedelta(days=1)
    events: list[dict[str, Any]] = []
    if first < this_month:
        events.append(_history("MONTHLY", first, this_month - timedelta(days=1)))
    if yesterday >= this_month:
        events.append(_history("DAILY", this_month, yesterday))
    return events


def _history(interval: str, start: date, end: date) -> dict[str, Any]:
    return {
        "history": True,
        "interval": interval,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "first_run": True,
    }


def wanted(settings: Settings) -> bool:
    """Whether this sender has any history to fill."""
    if not settings.first_run_parameter or settings.first_run_backfill_months <= 0:
        return False
    if settings.cost_mode == "off":
        return False
    names = settings.collectors or tuple(REGISTRY)
    return any(REGISTRY[name].supports_history for name in names)


def start_once(
    settings: Settings,
    clients: Clients,
    function_arn: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Start the first-run backfill unless it already started; never raises.

    Returns what happened, for the run's summary: ``status`` is ``off``, ``done`` (claimed
    earlier), ``started`` (with the events), or ``failed`` (with the reason; the next run retries).
    """
    if not wanted(settings):
        return {"status": "off"}
    if not function_arn:
        return {"status": "off", "reason": "not running as a Lambda function"}
    region = function_arn.split(":")[3]
    events = backfill_events(
        now.date(), settings.first_run_backfill_months, settings.cost_history_months
    )
    if not events:
        return {"status": "off", "reason": "nothing to backfill"}
    ssm = clients.client("ssm", region)
    name = settings.first_run_parameter
    record = {
        "claimed_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "sender_version": __version__,
        "events": events,
    }
    try:
        ssm.put_parameter(
            Name=name,
            Description="First-run history backfill of the observability sender (do not delete)",
            Value=json.dumps(record, separators=(",", ":")),
            Type="String",
            Overwrite=False,
        )
    except ClientError as exc:
        if error_code(exc) == "ParameterAlreadyExists":
            return {"status": "done"}
        log.warning("first-run backfill not claimed: %s", exc)
        return {"status": "failed", "reason": f"claim {name}: {error_code(exc)}"}

    try:
        for event in events:
            invoke_async(clients, function_arn, event)
    except Exception as exc:  # release the claim so that the next run tries again
        log.error("first-run backfill could not start: %s", exc)
        try:
            ssm.delete_parameter(Name=name)
        except ClientError as cleanup:
            log.error("first-run claim %s not released: %s", name, cleanup)
        return {"status": "failed", "reason": f"invoke: {exc}"}
    log.info("first-run backfill started", extra={"events": events})
    return {"status": "started", "events": events}
