"""History backfill: run the history-capable collectors window by window, resumably.

Event::

    {"history": true, "start": "2026-01-01", "end": "2026-06-30", "interval": "DAILY"}

``start`` and ``end`` are inclusive days (default: January 1 of the current year to yesterday);
every complete window of ``interval`` touching that range is collected and uploaded as its own
document, whose run id is derived from account, interval and window (a re-run overwrites the same
object, the receiver upserts: nothing is duplicated). Before each window the remaining Lambda time
is checked; when it runs low the function invokes itself asynchronously with the same event plus
a ``cursor`` (the next window's start) and stops cleanly, so any range completes, one 15-minute
invocation after another. A range reaching back further than Cost Explorer keeps data
(``SENDER_COST_HISTORY_MONTHS``, 14 by default) is refused before any AWS call.

`backfill` is what the Lambda handler runs for such an event: `run_history` with each window
collected and uploaded by `sender.delivery`, and the continuation invoked through
`sender.invocation`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sender import delivery, invocation
from sender.aws import Clients
from sender.collect import RunRequest, caller_account, select
from sender.collectors import REGISTRY
from sender.collectors._costexplorer import earliest_date
from sender.intervals import Interval, Window, parse_date, windows_between
from sender.settings import ConfigurationError, Settings, parse_collectors, parse_regions

RESERVE_MS = 120_000  # never start a window with less time than this left...
SAFETY_FACTOR = 1.5  # ...or than 1.5 x the slowest window so far
MAX_CONTINUATIONS = 2000


@dataclass(frozen=True)
class HistoryRequest:
    interval: Interval
    start: date
    end: date
    windows: tuple[Window, ...]  # still to do, from the cursor on
    collectors: tuple[str, ...]
    regions: tuple[str, ...]
    continuation: int = 0

    def event(self, cursor: date) -> dict[str, Any]:
        """The event that continues this backfill at ``cursor``."""
        event: dict[str, Any] = {
            "history": True,
            "interval": self.interval.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "cursor": cursor.isoformat(),
            "continuation": self.continuation + 1,
            "regions": list(self.regions),
        }
        if self.collectors:
            event["collectors"] = list(self.collectors)
        return event


def parse_history(event: Mapping[str, Any], settings: Settings, today: date) -> HistoryRequest:
    """Validate a history event; raises `ConfigurationError` before any AWS call."""
    try:
        interval = Interval.parse(event.get("interval") or "DAILY")
        yesterday = today - timedelta(days=1)
        start = parse_date(event["start"], "start") if event.get("start") else None
        end = parse_date(event["end"], "end") if event.get("end") else yesterday
        if start is None:
            start = date(yesterday.year, 1, 1)
        if end < start:
            raise ConfigurationError(f"history end {end} is before its start {start}")
        if end >= today:
            raise ConfigurationError(f"history end {end} must be before today ({today})")
        windows = [w for w in windows_between(interval, start, end) if w.end <= today]
        if not windows:
            raise ConfigurationError(
                f"no complete {interval.value} window between {start} and {end} yet"
            )
        earliest = earliest_date(today, settings.cost_history_months)
        if windows[0].start < earliest:
            raise ConfigurationError(
                f"history from {windows[0].start} reaches beyond what Cost Explorer keeps: its "
                f"data starts on {earliest} ({settings.cost_history_months} months including "
                f"this one; SENDER_COST_HISTORY_MONTHS). Start on or after {earliest}."
            )
        cursor = parse_date(event["cursor"], "cursor") if event.get("cursor") else None
        if cursor is not None:
            if cursor not in {w.start for w in windows}:
                raise ConfigurationError(f"cursor {cursor} is not the start of a window to do")
            windows = [w for w in windows if w.start >= cursor]
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    names = (
        parse_collectors(event["collectors"]) if event.get("collectors") else settings.collectors
    )
    chosen = [n for n in (names or REGISTRY) if REGISTRY[n].supports_history]
    if not chosen:
        raise ConfigurationError("none of the selected collectors keeps history")
    regions = (
        parse_regions(event["regions"], "regions") if event.get("regions") else settings.regions
    )
    continuation = int(event.get("continuation") or 0)
    if continuation > MAX_CONTINUATIONS:
        raise ConfigurationError(f"history continued {continuation} times; giving up")
    return HistoryRequest(
        interval=interval,
        start=start,
        end=end,
        windows=tuple(windows),
        collectors=tuple(names),
        regions=tuple(regions),
        continuation=continuation,
    )


def run_history(
    request: HistoryRequest,
    *,
    run_window: Callable[[Window], Mapping[str, Any]],
    remaining_ms: Callable[[], int],
    continue_with: Callable[[dict[str, Any]], None],
    reserve_ms: int = RESERVE_MS,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Run ``request``'s windows in order; hand the rest over when time runs low."""
    done: list[dict[str, Any]] = []
    slowest_ms = 0.0
    for index, window in enumerate(request.windows):
        needed = max(reserve_ms, SAFETY_FACTOR * slowest_ms)
        if index > 0 and remaining_ms() < needed:
            event = request.event(window.start)
            continue_with(event)
            return _summary("continued", request, done, cursor=window.start.isoformat())
        started = clock()
        result = dict(run_window(window))
        slowest_ms = max(slowest_ms, (clock() - started) * 1000)
        done.append({"window": window.as_dict(), **result})
    return _summary("complete", request, done, cursor=None)


def _summary(status: str, request: HistoryRequest, done: list[dict[str, Any]], cursor: str | None):
    return {
        "history": status,
        "interval": request.interval.value,
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "windows_done": len(done),
        "windows_left": len(request.windows) - len(done),
        "cursor": cursor,
        "continuation": request.continuation,
        "runs": done,
    }


def backfill(
    event: Mapping[str, Any], settings: Settings, clients: Clients, context: Any, now: datetime
) -> dict[str, Any]:
    """The handler's history run: every window of ``event`` collected and uploaded in turn, the
    rest handed over to a new invocation of this function when time runs low."""
    request = parse_history(event, settings, now.date())
    account_id = caller_account(clients, settings.region)
    collectors = tuple(select(request.collectors, history_only=True))
    remaining_ms = invocation.remaining_ms(context)

    def run_window(window: Window) -> dict[str, Any]:
        run = RunRequest(request.interval, window, False, collectors, request.regions)
        # Only the Cost Explorer collectors run, one at a time per window: each may use the
        # whole invocation (an organization-mode month is ~1,500 requests at 1,000
        # accounts), and `run_history` hands over to a new invocation in time.
        budget = max(settings.collector_timeout, remaining_ms() / 1000 - delivery.UPLOAD_RESERVE_S)
        return delivery.run_and_upload(
            run,
            settings,
            clients,
            now=now,
            remaining_ms=remaining_ms,
            account_id=account_id,
            budget=budget,
        )

    return run_history(
        request,
        run_window=run_window,
        remaining_ms=remaining_ms,
        continue_with=lambda next_event: invocation.continue_in_new_invocation(
            clients, context, next_event
        ),
    )
