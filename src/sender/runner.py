"""Run collectors concurrently, each isolated and on a time budget.

Tasks (one per global collector, one per regional collector and region) run on a bounded thread
pool, longest first (the shortest makespan): by the time each took when it last ran in this
container when all of them ran before (``durations``: a warm container, the windows of a
backfill), else by the collectors' weights. Each gets a deadline; `Context.pages` stops a
collector that passes it, keeping what it yielded (``partial``), and a task still running well
after its deadline is abandoned so the run can upload on time. An exception never leaves its task:

* AccessDenied, a service not subscribed / not enabled / not opted in, or a service that does not
  exist in the region -> ``skipped`` with the reason;
* anything else -> ``error`` with the message;
* an exception after some items were yielded, or warnings from the collector -> ``partial``
  (the items are kept).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors.base import BudgetExceeded, Collector, Context, NotEnabled, Task

logger = logging.getLogger(__name__)

OK, PARTIAL, SKIPPED, ERROR = "ok", "partial", "skipped", "error"

MAX_ERROR_CHARS = 2000


def is_skip(error: BaseException) -> bool:
    return isinstance(error, NotEnabled) or error_code(error) in SKIP_CODES


@dataclass
class Outcome:
    task: Task
    status: str
    error: str | None
    items: list[Any]
    duration_ms: int

    @property
    def collector(self) -> Collector:
        return self.task.collector

    @property
    def item_count(self) -> int:
        if self.collector.shape == "object":
            return sum(_rows(item) for item in self.items)
        return len(self.items)


def _rows(obj: Any) -> int:
    """An object section counts itself plus the rows of its lists (contacts, users)."""
    if not isinstance(obj, dict):
        return 1
    return 1 + sum(len(v) for v in obj.values() if isinstance(v, list))


@dataclass
class _State:
    task: Task
    items: list[Any] = field(default_factory=list)
    started: float | None = None
    outcome: Outcome | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def plan_tasks(collectors: Iterable[Collector], regions: Iterable[str]) -> list[Task]:
    """One task per global collector, one per regional collector and region."""
    regions = list(regions)
    tasks = []
    for collector in collectors:
        if collector.scope in ("global", "regional+global"):
            tasks.append(Task(collector, None))
        if collector.scope in ("regional", "regional+global"):
            tasks.extend(Task(collector, region) for region in regions)
    return tasks


def run_tasks(
    tasks: list[Task],
    context_for: Callable[[Task], Context],
    *,
    max_workers: int = 16,
    budget: float = 240.0,
    run_deadline: float | None = None,
    grace: float = 10.0,
    available: Callable[[str, str], bool] | None = None,
    initializer: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    durations: MutableMapping[str, float] | None = None,
) -> list[Outcome]:
    """Run ``tasks``; returns one `Outcome` per task, in the order given.

    ``durations`` (task label -> seconds), when given, orders the tasks by the time each took
    last time (see `longest_first`) and receives this run's times.
    """
    states = [_State(task) for task in tasks]
    if not states:
        return []
    runnable = longest_first(states, durations)
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(max_workers, len(runnable))),
        thread_name_prefix="collector",
        initializer=initializer,
    )
    futures: dict[Future[None], _State] = {}
    try:
        for state in runnable:
            future = pool.submit(
                _execute, state, context_for, budget, run_deadline, clock, available
            )
            futures[future] = state
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            now = clock()
            for future in list(pending):
                state = futures[future]
                if _overdue(state, now, budget, run_deadline, grace):
                    _abandon(state, now, budget)
                    future.cancel()
                    pending.discard(future)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for state in states:  # never expected: _execute records an outcome whatever happens
        if state.outcome is None:
            state.outcome = Outcome(state.task, ERROR, "no outcome recorded", [], 0)
    if durations is not None:
        for state in states:
            durations[state.task.label] = state.outcome.duration_ms / 1000  # type: ignore[union-attr]
    return [s.outcome for s in states]  # type: ignore[misc]


def longest_first(states: list[_State], durations: Mapping[str, float] | None) -> list[_State]:
    """Longest first, the shortest makespan on a bounded pool: by the seconds each task took
    when it last ran (``durations``) if every one of them ran before, else by collector weight
    (a rough relative run time). Equal keys keep the order given."""
    if durations and all(s.task.label in durations for s in states):
        return sorted(states, key=lambda s: -durations[s.task.label])
    return sorted(states, key=lambda s: -s.task.collector.weight)


def _unavailable(task: Task, available: Callable[[str, str], bool] | None) -> str | None:
    services = task.collector.services
    if task.region is None or not services or available is None:
        return None
    if available(services[0], task.region):
        return None
    return f"{services[0]} is not available in {task.region}"


def _overdue(state: _State, now: float, budget: float, run_deadline: float | None, grace: float):
    if state.outcome is not None:
        return False
    if state.started is not None and now > state.started + budget + grace:
        return True
    return run_deadline is not None and now > run_deadline + grace


def _abandon(state: _State, now: float, budget: float) -> None:
    with state.lock:
        if state.outcome is not None:
            return
        items = list(state.items)
        if state.started is None:
            message = "not started: the run ran out of time"
            duration = 0
        else:
            message = f"did not finish within its time budget ({budget:.0f} s); abandoned"
            duration = int((now - state.started) * 1000)
        status = PARTIAL if items else ERROR
        state.outcome = Outcome(state.task, status, message, items, duration)
    logger.warning("collector abandoned", extra={"task": state.task.label, "reason": message})


def _execute(
    state: _State,
    context_for: Callable[[Task], Context],
    budget: float,
    run_deadline: float | None,
    clock: Callable[[], float],
    available: Callable[[str, str], bool] | None = None,
) -> None:
    task = state.task
    started = clock()
    state.started = started
    reason = _unavailable(task, available)  # here, not before: it may load a service model
    if reason:
        with state.lock:
            state.outcome = Outcome(task, SKIPPED, reason, [], 0)
        return
    status, error = OK, None
    ctx: Context | None = None
    try:
        ctx = context_for(task)
        ctx.deadline = started + budget
        if run_deadline is not None:
            ctx.deadline = min(ctx.deadline, run_deadline)
        for item in task.collector.fetch(ctx):
            state.items.append(item)
    except BudgetExceeded:
        status = PARTIAL if state.items else ERROR
        error = f"time budget exhausted after {len(state.items)} item(s)"
    except Exception as exc:
        skip = is_skip(exc)
        error = str(exc) if isinstance(exc, NotEnabled) else error_message(exc)
        status = PARTIAL if state.items else SKIPPED if skip else ERROR
        log = logger.info if skip else logger.warning
        log(
            "collector %s",
            "skipped" if skip else "failed",
            extra={"task": task.label, "error": error},
            exc_info=not skip,
        )
    warnings = ctx.warnings if ctx is not None else []
    if warnings:
        if status == OK:
            status = PARTIAL
        error = "; ".join([*([error] if error else []), *warnings])
    if error is not None and len(error) > MAX_ERROR_CHARS:
        error = error[: MAX_ERROR_CHARS - 1] + "…"
    duration = int((clock() - started) * 1000)
    with state.lock:
        if state.outcome is None:  # not abandoned meanwhile
            state.outcome = Outcome(task, status, error, list(state.items), duration)
