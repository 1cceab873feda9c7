"""One place for AWS clients: adaptive retries, one cached client per service and region.

The endpoint comes from boto3 itself, so ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``)
point every client at an emulator without code changes. Clients are thread-safe and shared by the
collectors; creating them is not, so creation takes a lock. Every API call is counted (per service
and operation) for the run summary and the benchmark.

Nothing here touches boto3 at import time (importing it costs about 0.3 s of a cold start): the
session is made when the first client is asked for, and each client when a collector first asks
for it, so a run creates only the clients of the collectors it runs. ``botocore.exceptions`` is
cheap and stays a plain import.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sender import __version__

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

# Adaptive mode: standard retries (throttling and transient errors, exponential backoff with
# jitter) plus a client-side rate limiter that slows down once a service throttles.
RETRIES = {"mode": "adaptive", "max_attempts": 8}


@functools.cache
def client_config() -> Config:
    """The configuration of every client (built on first use: botocore.config is not cheap)."""
    from botocore.config import Config

    return Config(
        retries=RETRIES,
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=16,
        user_agent_appid=f"aws-observability-sender-{__version__}",
    )


# Error codes meaning "not enabled / not allowed / not here", not "broken".
SKIP_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "OptInRequired",
        "OptInRequiredException",
        "SubscriptionRequiredException",
        "InvalidAccessException",  # Security Hub: account not subscribed
        "AWSOrganizationsNotInUseException",
        "NoSuchConfigurationRecorderException",
        "UnrecognizedClientException",  # opt-in region not enabled for the account
        "InvalidClientTokenId",
        "AuthFailure",
        "UnknownOperationException",  # the service has no endpoint in this region
        "UnsupportedOperation",
        "UnsupportedOperationException",
    }
)

# Services whose API is account-wide: their clients live in the partition's global region.
GLOBAL_SERVICES = frozenset(
    {"account", "ce", "cloudfront", "health", "iam", "organizations", "savingsplans", "support"}
)

# Where account-wide ("global") APIs live, per partition.
GLOBAL_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def global_region(region: str) -> str:
    return GLOBAL_REGIONS[partition_of(region)]


def error_code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "")) or "ClientError"
    return type(error).__name__


def error_message(error: BaseException) -> str:
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        message = detail.get("Message") or detail.get("message") or str(error)
        operation = getattr(error, "operation_name", "")
        where = f" ({operation})" if operation else ""
        return f"{error_code(error)}{where}: {message}"
    return f"{type(error).__name__}: {error}"


class Clients:
    """Cached boto3 clients, one per (service, region), with a shared call counter; the session
    and each client are made on first use."""

    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        config: Config | None = None,
        endpoint_url: str | None = None,
        freeze_gc: bool = False,
    ) -> None:
        self._session = session
        self.freeze_gc = freeze_gc  # the Lambda's clients: see _collector_paused
        self._extra_config = config
        self.endpoint_url = endpoint_url
        self.calls: Counter[tuple[str, str]] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._session_lock = _FifoLock()  # boto3 sessions are not thread-safe
        self._count_lock = threading.Lock()
        self._available: dict[tuple[str, str], bool] = {}

    @property
    def session(self) -> boto3.Session:
        """The boto3 session (``boto3.Session()`` unless one was given), made on first use."""
        if self._session is None:
            with self._session_lock:
                return self._locked_session()
        return self._session

    def _locked_session(self) -> boto3.Session:
        """The session; the caller holds the session lock."""
        if self._session is None:
            import boto3

            self._session = boto3.Session()
        return self._session

    @functools.cached_property
    def config(self) -> Config:
        extra = self._extra_config
        return client_config().merge(extra) if extra else client_config()

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one creation per key; other keys are not held up
            client = self._clients.get(key)
            if client is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self.config}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                with self._session_lock, _collector_paused(freeze=self.freeze_gc):
                    client = self._locked_session().client(service, **kwargs)
                client.meta.events.register_first("before-call.*.*", self._count)
                self._clients[key] = client
        return client

    def created(self) -> list[tuple[str, str]]:
        """The (service, region) of every client made or handed in so far."""
        with self._lock:
            return list(self._clients)

    def set_client(self, service: str, region: str, client: Any) -> Any:
        """Use ``client`` for (service, region): tests hand in stubbed clients this way."""
        client.meta.events.register_first("before-call.*.*", self._count)
        with self._lock:
            self._clients[(service, region)] = client
        return client

    def _count(self, model: Any, **_: Any) -> None:
        with self._count_lock:
            self.calls[(model.service_model.service_name, model.name)] += 1

    @property
    def custom_endpoint(self) -> bool:
        return bool(self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))

    def available(self, service: str, region: str) -> bool:
        """False when botocore knows the service's regions and ``region`` is not one of them.

        An emulator endpoint serves every region; a service botocore has no region list for
        (global or brand new) counts as available, and the call itself decides.
        """
        if self.custom_endpoint:
            return True
        key = (service, region)
        if key not in self._available:
            try:
                with self._session_lock:
                    session = self._locked_session()
                    known = session.get_available_regions(service, partition_of(region))
            except Exception:  # unknown service name or partition data: let the call decide
                known = []
            self._available[key] = not known or region in known
        return self._available[key]

    def api_calls(self) -> int:
        with self._count_lock:
            return sum(self.calls.values())

    def calls_for(self, service: str) -> int:
        with self._count_lock:
            return sum(n for (svc, _), n in self.calls.items() if svc == service)


class _FifoLock:
    """A lock granted in the order it was asked for. Collectors ask for their clients in the
    order they start, longest first (`sender.runner`), so on a cold start the longest task's
    clients are made first instead of in whatever order the threads happen to win a plain lock.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: collections.deque[threading.Lock] = collections.deque()
        self._held = False

    def __enter__(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder handing over: now held by this thread

    def __exit__(self, *_: object) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


@contextlib.contextmanager
def _collector_paused(*, freeze: bool) -> Iterator[None]:
    """Create a client with the cyclic garbage collector paused; with ``freeze``, then move
    every live object out of its sight (``gc.freeze``, O(1)).

    A client's service model, endpoint rules and event handlers are tens of thousands of
    long-lived objects (EC2's alone: ~100,000). Created while the collector runs, each of them
    is walked by several young collections and every later full one, which on a run's first
    (cold) pass costs more CPU than creating the clients. Paused, none of that happens during
    creation; frozen, they are never walked again. Frozen objects are still freed by reference
    counting; the price of freezing is that an object alive now that later ends up in a garbage
    reference cycle is never reclaimed. The Lambda's clients (`container_clients`) freeze, as
    `sender.collect.collect` does before each run; other users (tests, the CLI) only pause.
    Creation is serialised (the caller holds the session lock), so pauses never overlap.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


_CONTAINER_CLIENTS: dict[tuple[type, str], Clients] = {}


def container_clients() -> Clients:
    """The Lambda's clients, kept as long as its container: creating a boto3 client costs
    10-50 ms of CPU (all ~45 of a full run about 0.5-1 s), paid once per container instead of
    once per invocation, and only for the clients its runs use. One set per ``Clients`` class and
    ``AWS_ENDPOINT_URL``."""
    key = (Clients, os.environ.get("AWS_ENDPOINT_URL", ""))
    if key not in _CONTAINER_CLIENTS:
        _CONTAINER_CLIENTS[key] = Clients(freeze_gc=True)
    return _CONTAINER_CLIENTS[key]


def invoke_async(clients: Clients, function_arn: str, event: dict[str, Any]) -> None:
    """Invoke a Lambda function (this one: a history continuation, the first-run backfill)
    asynchronously with ``event``, in the function's own region."""
    clients.client("lambda", function_arn.split(":")[3]).invoke(
        FunctionName=function_arn,
        InvocationType="Event",
        Payload=json.dumps(event).encode("utf-8"),
    )
