"""One collection run, independent of Lambda: what the handler, the CLI and history share.

`parse_request` turns an event (``{"interval": ...}``, ``{"date": ...}``, overrides) into a
`RunRequest`; `collect` runs it and returns the document, ready for `sender.upload`.

A run for the latest complete window (what the schedule triggers) runs every selected collector.
A run for an older window (``{"date": ...}`` or history) runs only the collectors whose APIs keep
history: a snapshot of today's state must not be filed under a past date. Such runs get a run id
derived from account, interval and window, so running a past window again overwrites its object
instead of adding another.
"""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contract import validate_document
from sender.aws import Clients
from sender.collectors import REGISTRY
from sender.collectors.base import Collector, Context, Shared, Task
from sender.document import build_document, drop_invalid_sections
from sender.intervals import Interval, Window, latest_complete_window, parse_date, window_containing
from sender.runner import Outcome, plan_tasks, run_tasks
from sender.settings import ConfigurationError, Settings, parse_collectors, parse_regions

# Task label -> seconds it took when it last ran in this container (see `collect`).
CONTAINER_DURATIONS: dict[str, float] = {}
HISTORY_NAMESPACE = uuid.UUID("5b0c1d3e-8f2a-4c6b-9d7e-1a2b3c4d5e6f")
KNOWN_EVENT_KEYS = {"interval", "date", "collectors", "regions"}


@dataclass(frozen=True)
class RunRequest:
    interval: Interval
    window: Window
    current: bool
    collectors: tuple[Collector, ...]
    regions: tuple[str, ...]

    @property
    def deterministic_run_id(self) -> bool:
        return not self.current


@dataclass
class RunResult:
    document: dict[str, Any]
    outcomes: list[Outcome]
    api_calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    duration_ms: int = 0
    dropped_sections: list[str] = field(default_factory=list)
    collection_ms: int = 0  # the collectors, concurrently
    validation_ms: int = 0  # the contract check of the assembled document

    @property
    def cost_explorer_calls(self) -> int:
        return sum(n for (service, _), n in self.api_calls.items() if service == "ce")


def select(names: tuple[str, ...] | list[str], *, history_only: bool = False) -> list[Collector]:
    chosen = [REGISTRY[n] for n in names] if names else list(REGISTRY.values())
    if history_only:
        chosen = [c for c in chosen if c.supports_history]
    return chosen


def parse_request(event: Mapping[str, Any], settings: Settings, now: datetime) -> RunRequest:
    """A run request from an event; raises `ConfigurationError` for a malformed one."""
    try:
        interval = Interval.parse(event.get("interval") or "DAILY")
        today = now.astimezone(UTC).date()
        latest = latest_complete_window(interval, today)
        if event.get("date"):
            window = window_containing(interval, parse_date(event["date"]))
            if window.end > today:
                raise ConfigurationError(
                    f"the {interval.value} window {window} containing {event['date']} is not "
                    "complete yet"
                )
        else:
            window = latest
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    current = window == latest
    names = (
        parse_collectors(event["collectors"]) if event.get("collectors") else settings.collectors
    )
    regions = (
        parse_regions(event["regions"], "regions") if event.get("regions") else settings.regions
    )
    collectors = select(names, history_only=not current)
    if not collectors:
        raise ConfigurationError(
            f"window {window} is in the past and none of the selected collectors keeps history"
        )
    return RunRequest(interval, window, current, tuple(collectors), tuple(regions))


def history_run_id(account_id: str, interval: Interval, window: Window) -> str:
    return str(uuid.uuid5(HISTORY_NAMESPACE, f"{account_id}/{interval.value}/{window.start}"))


def caller_account(clients: Clients, region: str) -> str:
    return str(clients.client("sts", region).get_caller_identity()["Account"])


def collect(
    request: RunRequest,
    clients: Clients,
    *,
    home_region: str,
    account_id: str | None = None,
    now: datetime | None = None,
    max_workers: int = 16,
    budget: float = 240.0,
    run_deadline: float | None = None,
    initializer: Callable[[], None] | None = None,
    shared: Shared | None = None,
    cost_history_months: int = 14,
    freeze_gc: bool = False,
    cost_mode: str = "account",
    durations: MutableMapping[str, float] | None = None,
    cost_tag_keys: tuple[str, ...] = (),
    account_labels: tuple[tuple[str, str], ...] = (),
) -> RunResult:
    """Run ``request``; the document is validated (a section breaking the contract is dropped,
    see `sender.document.drop_invalid_sections`) but not uploaded.

    Each collector creates the clients it needs when it runs (`sender.aws.Clients.client`):
    nothing is created up front, so the CPU-bound creation of a cold run overlaps the other
    collectors' waits for AWS, and a run creates only the clients its collectors use.

    ``durations`` (the Lambda handler passes `CONTAINER_DURATIONS`): the seconds each task took
    when it last ran, so a warm container starts the longest ones first (`sender.runner`).

    ``freeze_gc`` (the Lambda handler sets it): before the collectors start, move every live
    object (the clients of earlier runs in this container among them) out of the cyclic garbage
    collector's sight (``gc.freeze``). The boto3 service models are millions of long-lived
    objects; without this, each full collection triggered by the collectors' allocations walks
    all of them again, which costs more than the API calls.
    """
    started = time.monotonic()
    calls_before = Counter(clients.calls)
    now = now or datetime.now(UTC)
    account_id = account_id or caller_account(clients, home_region)
    shared = shared or Shared()

    def context_for(task: Task) -> Context:
        return Context(
            account_id=account_id,
            region=task.region,
            regions=request.regions,
            home_region=home_region,
            interval=request.interval,
            window=request.window,
            now=now,
            current=request.current,
            clients=clients,
            shared=shared,
            cost_history_months=cost_history_months,
            cost_mode=cost_mode,
            cost_tag_keys=cost_tag_keys,
            account_labels=account_labels,
        )

    tasks = plan_tasks(request.collectors, request.regions)
    _prepare_validator(request, account_id, home_region, now, cost_mode)
    if freeze_gc:
        gc.collect()
        gc.freeze()
    runner_started = time.monotonic()
    outcomes = run_tasks(
        tasks,
        context_for,
        max_workers=max_workers,
        budget=budget,
        run_deadline=run_deadline,
        available=clients.available,
        initializer=initializer,
        durations=durations,
    )
    collection_ms = int((time.monotonic() - runner_started) * 1000)
    run_id = (
        history_run_id(account_id, request.interval, request.window)
        if request.deterministic_run_id
        else None
    )
    document = build_document(
        account_id=account_id,
        regions=request.regions,
        interval=request.interval,
        window=request.window,
        outcomes=outcomes,
        run_id=run_id,
        collected_at=now,
        cost_mode=cost_mode,
    )
    validation_started = time.monotonic()
    dropped = drop_invalid_sections(document, sections_of(request.collectors))
    validation_ms = int((time.monotonic() - validation_started) * 1000)
    calls = Counter(clients.calls)
    calls.subtract(calls_before)
    return RunResult(
        document=document,
        outcomes=outcomes,
        api_calls=+calls,
        duration_ms=int((time.monotonic() - started) * 1000),
        dropped_sections=dropped,
        collection_ms=collection_ms,
        validation_ms=validation_ms,
    )


_validator_ready = threading.Event()


def _prepare_validator(
    request: RunRequest, account_id: str, home_region: str, now: datetime, cost_mode: str
) -> None:
    """On the process's first run, validate an empty document of it in the background while the
    collectors wait for AWS: the contract validator is built (and its modules imported) on first
    use, about 0.1 s of CPU a cold run would otherwise spend after the collectors."""
    if _validator_ready.is_set():
        return
    _validator_ready.set()
    empty = build_document(
        account_id=account_id,
        regions=request.regions or (home_region,),
        interval=request.interval,
        window=request.window,
        outcomes=[],
        run_id=None,
        collected_at=now,
        cost_mode=cost_mode,
    )

    def validate() -> None:
        try:
            validate_document(empty)
        except Exception:  # the run's own validation reports whatever is wrong
            return

    threading.Thread(target=validate, name="validator-warm-up", daemon=True).start()


def sections_of(collectors: tuple[Collector, ...] | list[Collector]) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    for collector in collectors:
        sections.setdefault(collector.section, []).append(collector.name)
    return sections
