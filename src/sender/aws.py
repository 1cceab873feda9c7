"""One place for AWS clients: adaptive retries, one cached client per service and region.

The endpoint comes from boto3 itself, so ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``)
point every client at an emulator without code changes. Clients are thread-safe and shared by the
collectors; creating them is not, so creation takes a lock. Every API call is counted (per service
and operation) for the run summary and the benchmark.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from sender import __version__

# Adaptive mode: standard retries (throttling and transient errors, exponential backoff with
# jitter) plus a client-side rate limiter that slows down once a service throttles.
RETRIES = {"mode": "adaptive", "max_attempts": 8}
CLIENT_CONFIG = Config(
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
    """Cached boto3 clients, one per (service, region), with a shared call counter."""

    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        config: Config | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.session = session or boto3.Session()
        self.config = CLIENT_CONFIG.merge(config) if config else CLIENT_CONFIG
        self.endpoint_url = endpoint_url
        self.calls: Counter[tuple[str, str]] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._session_lock = threading.RLock()
        self._count_lock = threading.Lock()
        self._available: dict[tuple[str, str], bool] = {}

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
                with self._session_lock:  # boto3 sessions are not thread-safe
                    client = self.session.client(service, **kwargs)
                client.meta.events.register_first("before-call.*.*", self._count)
                self._clients[key] = client
        return client

    def prewarm(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Create the clients a run will need now, before the collectors run concurrently
        (creation is CPU-bound and serialised anyway; done first, it can be frozen out of the
        garbage collector's way, see `sender.collect.collect`)."""
        for service, region in dict.fromkeys(pairs):
            try:
                self.client(service, region)
            except Exception:  # an unknown service or region fails later, in its collector
                continue

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
                    known = self.session.get_available_regions(service, partition_of(region))
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


_CONTAINER_CLIENTS: dict[tuple[type, str], Clients] = {}


def container_clients() -> Clients:
    """The Lambda's clients, kept as long as its container: creating ~45 boto3 clients costs
    about 1.5 s of CPU, paid once per cold start instead of once per invocation. One set per
    ``Clients`` class and ``AWS_ENDPOINT_URL``."""
    key = (Clients, os.environ.get("AWS_ENDPOINT_URL", ""))
    if key not in _CONTAINER_CLIENTS:
        _CONTAINER_CLIENTS[key] = Clients()
    return _CONTAINER_CLIENTS[key]


def invoke_async(clients: Clients, function_arn: str, event: dict[str, Any]) -> None:
    """Invoke a Lambda function (this one: a history continuation, the first-run backfill)
    asynchronously with ``event``, in the function's own region."""
    clients.client("lambda", function_arn.split(":")[3]).invoke(
        FunctionName=function_arn,
        InvocationType="Event",
        Payload=json.dumps(event).encode("utf-8"),
    )
