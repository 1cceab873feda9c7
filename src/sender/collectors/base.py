"""What a collector is, and what it gets to work with.

A collector module declares one `Collector` (name = the contract section it fills, scope,
history support, the IAM actions it calls, a description with the API documentation link) and a
``fetch(ctx)`` generator that walks the API with `Context.pages` and yields contract items. For
sections that are objects of lists (``securityhub``, ``config``, ``cost``, ...) it yields
``(part, item)`` pairs; for single-object sections (``account``, ``iam``) it yields the object.

Cross-cutting concerns live here and in `sender.runner`, never in the collector modules:
pagination (boto3 paginators, or the token loop for APIs that have none), the time budget, the
per-region and global clients, shared expensive queries (`Context.shared`), warnings that turn
a run ``partial``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sender.aws import Clients, global_region, partition_of
from sender.intervals import Interval, Window
from sender.normalize import ID_MAX, KEY_BYTES, arn, identifier, key_bytes, oversized

Scope = Literal["global", "regional", "regional+global"]
Shape = Literal["list", "parts", "object"]


class NotEnabled(Exception):
    """The service is not enabled / subscribed / available: the collector is ``skipped``."""


class BudgetExceeded(Exception):
    """The collector ran out of its time budget; what it yielded so far is kept (``partial``)."""


@dataclass(frozen=True)
class Collector:
    name: str
    scope: Scope
    fetch: Callable[[Context], Iterable[Any]]
    iam_actions: tuple[str, ...]
    description: str
    section: str = ""
    shape: Shape = "list"
    parts: tuple[str, ...] = ()
    keys: tuple[str, ...] | dict[str, tuple[str, ...]] = ()
    supports_history: bool = False
    # boto3 service names it calls (clients are created ahead of the run); the first one decides
    # whether a regional task can run in a region
    services: tuple[str, ...] = ()
    weight: int = 1  # rough relative run time: heavier collectors start first

    def __post_init__(self) -> None:
        if not self.section:
            object.__setattr__(self, "section", self.name)

    def key_fields(self, part: str | None = None) -> tuple[str, ...]:
        if isinstance(self.keys, dict):
            return self.keys.get(part or "", ())
        return self.keys


@dataclass(frozen=True)
class Task:
    collector: Collector
    region: str | None  # None: the global (account-wide) part

    @property
    def label(self) -> str:
        return f"{self.collector.name}@{self.region or 'global'}"


class Shared:
    """Results computed once per run and reused by several collectors (e.g. one Cost Explorer
    query feeds ``cost`` and ``service_usage``). Failures are remembered too, so a denied API is
    called once, not once per collector."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Any, _Entry] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            entry = self._entries.setdefault(key, _Entry())
        with entry.lock:
            if not entry.done:
                try:
                    entry.value = compute()
                except Exception as exc:
                    entry.error = exc
                entry.done = True
        if entry.error is not None:
            raise entry.error
        return entry.value


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: bool = False
    value: Any = None
    error: Exception | None = None


@dataclass
class Context:
    """Everything a collector's fetch may use; one per task."""

    account_id: str
    region: str | None
    regions: tuple[str, ...]
    home_region: str
    interval: Interval
    window: Window
    now: datetime
    current: bool  # the latest complete window (a scheduled run), not a past one
    clients: Clients
    shared: Shared
    cost_history_months: int = 14
    cost_mode: str = "account"  # SENDER_COST_MODE: account | organization | off
    cost_tag_keys: tuple[str, ...] = ()  # SENDER_COST_TAG_KEYS: cost-allocation tag keys
    account_labels: tuple[tuple[str, str], ...] = ()  # SENDER_ACCOUNT_LABELS (the account's)
    deadline: float = float("inf")  # time.monotonic() value
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    warnings: list[str] = field(default_factory=list)
    _tallies: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def partition(self) -> str:
        return partition_of(self.region or self.home_region)

    @property
    def global_region(self) -> str:
        return global_region(self.region or self.home_region)

    @property
    def today(self) -> date:
        return self.now.date()

    def client(self, service: str, region: str | None = None) -> Any:
        """Client for ``region``; default: the task's region, or the global one."""
        return self.clients.client(service, region or self.region or self.global_region)

    def global_client(self, service: str) -> Any:
        return self.clients.client(service, self.global_region)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def tally(self, message: str) -> None:
        """A warning counted per occurrence: ``"<n> x <message>"`` once in `warnings`."""
        count = self._tallies.get(message, 0)
        entry = f"{count} x {message}"
        if count and entry in self.warnings:
            self.warnings[self.warnings.index(entry)] = f"{count + 1} x {message}"
        else:  # first time (or the warnings were cleared meanwhile)
            count = 0
            self.warnings.append(f"1 x {message}")
        self._tallies[message] = count + 1

    def identifier(
        self, value: Any, what: str, *, key: bool = False, optional: bool = False
    ) -> str | None:
        """`sender.normalize.identifier`, never shortened; one too long to keep is counted in
        the collector's result (which is then ``partial`` with the reason): for a ``key`` the
        caller drops the item, otherwise it keeps the item with the field ``None``. An absent
        ``key`` is counted too, unless ``optional`` (items AWS documents without it)."""
        result = identifier(value)
        if result is None and oversized(value):
            outcome = "item dropped" if key else "item kept without it"
            self.tally(f"{what} longer than {ID_MAX} characters (or UTF-8 bytes): {outcome}")
        elif result is None and key and not optional:
            self.tally(f"{what} absent or empty: item dropped")
        return result

    def key_fits(self, what: str, *parts: str | None) -> bool:
        """Whether a natural key of several parts fits a database index (`KEY_BYTES` in all);
        when not, the caller drops the item and it is counted in the collector's result."""
        if key_bytes(*parts) <= KEY_BYTES:
            return True
        self.tally(f"{what} key longer than {KEY_BYTES} UTF-8 bytes in all: item dropped")
        return False

    def arn(self, value: Any, what: str, *, key: bool = False) -> str | None:
        """`sender.normalize.arn`, counted like `identifier` when too long to keep."""
        result = arn(value)
        if result is None:
            if oversized(value) and arn(str(value)[:ID_MAX]) is not None:
                self.identifier(value, what, key=key)  # an ARN, only too long: counted
            elif key:
                self.tally(f"{what} absent or not an aws, aws-cn or aws-us-gov ARN: item dropped")
        return result

    def check_time(self) -> None:
        if self.clock() > self.deadline:
            raise BudgetExceeded("time budget exhausted")

    def pages(
        self,
        client: Any,
        operation: str,
        *,
        token: tuple[str, str] | None = None,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every page of ``operation`` (snake_case name), checking the time budget before each.

        boto3's paginator when the API has one; otherwise ``token`` names the request and
        response fields of the continuation token, e.g. ``("NextPageToken", "NextPageToken")``.
        """
        if token is None:
            if not client.can_paginate(operation):
                raise TypeError(f"{operation} has no paginator: pass token=(in, out)")
            paginator = client.get_paginator(operation)
            iterator = iter(paginator.paginate(**kwargs))
            while True:
                self.check_time()
                try:
                    page = next(iterator)
                except StopIteration:
                    return
                yield page
        request_key, response_key = token
        call = getattr(client, operation)
        seen: set[str] = set()
        params = dict(kwargs)
        while True:
            self.check_time()
            page = call(**params)
            yield page
            next_token = page.get(response_key)
            if not next_token:
                return
            if next_token in seen:  # a service returning the same token forever
                raise RuntimeError(f"{operation} returned a repeated pagination token")
            seen.add(next_token)
            params[request_key] = next_token


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
