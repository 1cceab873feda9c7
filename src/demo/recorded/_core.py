"""The machinery behind the recorded answers: the ``before-call`` hook, validation, counting,
determinism helpers and the per-call view (`Call`) the answer functions work with.

An answer is a function ``(Call) -> dict`` (the parsed response, as botocore would return it) that
may raise `ApiError` for a service error. Every answer is validated against the operation's output
shape before it is returned (like ``botocore.stub.Stubber``): invalid data is a bug in the demo and
fails loudly, naming the operation.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

from demo.emulator import session
from demo.profiles import AccountProfile

DATA = Path(__file__).with_name("data")
PARAMS_KEY = "demo_recorded_params"  # where the request parameters wait for the before-call hook


class ApiError(Exception):
    """A service error the recorded API answers with (botocore raises it as a ClientError)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class InvalidRecordedResponse(Exception):
    """A recorded answer does not match botocore's output shape: a bug in the demo."""


class Answer(NamedTuple):
    reason: str  # why moto cannot serve this operation
    build: Callable[[Call], dict[str, Any]]


Answers = dict[tuple[str, str], Answer]


@cache
def load(name: str) -> Any:
    """A JSON table from ``data/``."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def seeded(*parts: Any) -> random.Random:
    """A generator seeded from ``parts`` (str seeds hash with SHA-512: stable across runs)."""
    return random.Random("|".join(str(p) for p in parts))


def digest(*parts: Any, length: int = 32) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:length]


def amount(value: Decimal | float, places: int = 10) -> str:
    """A Cost Explorer style amount: a string with many decimals."""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return str(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def at(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), UTC)


def iso_z(moment: datetime) -> str:
    """``2026-11-24T05:12:33.000Z``: the string timestamps some APIs return."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days):
        yield start + timedelta(days=offset)


def page(
    items: list[Any], params: dict[str, Any], size_key: str, token_key: str, default: int = 1000
) -> tuple[list[Any], str | None]:
    """One page of ``items``: offset tokens, page size from ``params[size_key]``."""
    token = params.get(token_key)
    start = int(token.removeprefix("page-")) if token else 0
    size = int(params.get(size_key) or default)
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, (f"page-{start + size}" if more else None)


class RecordedApis:
    """What `install` hands back: the simulated date, the call counts, the hook itself."""

    def __init__(
        self,
        session: boto3.Session,
        profile: AccountProfile,
        answers: Answers,
        *,
        today: date | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.profile = profile
        self.calls: Counter[tuple[str, str]] = Counter()
        self._answers = answers
        self._today = today
        self.anchor = today  # fixed on the first simulated day: spike day, commitment starts
        self._session = session
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._helper_lock = threading.RLock()
        self._helper_session: boto3.Session | None = None
        self._helpers: dict[tuple[str, str], Any] = {}
        self._cache: dict[Any, _Entry] = {}
        self._account_id = profile.account_id
        self._validator = ParamValidator()

    # -- the simulated date -------------------------------------------------------------------
    @property
    def today(self) -> date:
        if self._today is None:
            raise RuntimeError("RecordedApis.today is not set: set it before the sender runs")
        return self._today

    @today.setter
    def today(self, value: date) -> None:
        with self._lock:
            self._today = value
            if self.anchor is None:
                self.anchor = value

    # -- the hooks ----------------------------------------------------------------------------
    def remember_params(self, params: dict[str, Any], model: Any, context: Any, **_: Any) -> None:
        """``before-parameter-build``: keep the request parameters for the before-call hook."""
        key = (model.service_model.service_name, model.name)
        if key in self._answers and isinstance(context, dict):
            context[PARAMS_KEY] = dict(params)

    def before_call(
        self, model: Any, params: dict[str, Any], context: Any = None, **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        service, operation = model.service_model.service_name, model.name
        answer = self._answers.get((service, operation))
        if answer is None:
            return None  # moto answers
        context = context if isinstance(context, dict) else {}
        region = context.get("client_region") or "us-east-1"
        self._learn_endpoint(params.get("url", ""))
        call = Call(self, service, operation, region, context.get(PARAMS_KEY, {}))
        url = params.get("url", "https://recorded.invalid/")
        with self._lock:
            self.calls[(service, operation)] += 1
        try:
            response = answer.build(call)
        except ApiError as error:
            parsed = {
                "Error": {"Code": error.code, "Message": error.message},
                "ResponseMetadata": _metadata(call, error.status),
            }
            return AWSResponse(url, error.status, {}, None), parsed
        report = self._validator.validate(response, model.output_shape)
        if report.has_errors():
            raise InvalidRecordedResponse(
                f"recorded {service}:{operation} response does not match botocore's "
                f"{model.output_shape.name}:\n{report.generate_report()}"
            )
        response["ResponseMetadata"] = _metadata(call, 200)
        return AWSResponse(url, 200, {}, None), response

    # -- moto, for what the answers depend on -------------------------------------------------
    def _learn_endpoint(self, url: str) -> None:
        if self._endpoint_url or not url:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host and not host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")):
            self._endpoint_url = f"{parts.scheme}://{parts.netloc}"

    def client(self, service: str, region: str) -> Any:
        """A moto client with this account's credentials (not hooked: it never answers itself).

        A sibling session with the same credentials, not ``session`` itself: boto3 sessions are
        not thread-safe and the sender creates its clients from ``session`` concurrently."""
        with self._helper_lock:
            key = (service, region)
            if key not in self._helpers:
                if self._helper_session is None:
                    credentials = self._session.get_credentials().get_frozen_credentials()
                    self._helper_session = session(
                        aws_access_key_id=credentials.access_key,
                        aws_secret_access_key=credentials.secret_key,
                        aws_session_token=credentials.token,
                        region_name=self._session.region_name or "us-east-1",
                    )
                kwargs: dict[str, Any] = {"region_name": region}
                if self._endpoint_url:
                    kwargs["endpoint_url"] = self._endpoint_url
                self._helpers[key] = self._helper_session.client(service, **kwargs)
            return self._helpers[key]

    @property
    def account_id(self) -> str:
        if not self._account_id:
            identity = self.client("sts", "us-east-1").get_caller_identity()
            self._account_id = identity["Account"]
        return self._account_id

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per ``key`` (thread-safe; other keys are not held up)."""
        with self._lock:
            entry = self._cache.setdefault(key, _Entry())
        with entry.lock:
            if not entry.done:
                entry.value = compute()
                entry.done = True
        return entry.value


class _Entry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None


def _metadata(call: Call, status: int) -> dict[str, Any]:
    return {
        "RequestId": digest(call.service, call.operation, call.today, call.params, length=36),
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-demo-recorded": "true"},
        "RetryAttempts": 0,
    }


@dataclass
class Call:
    """One intercepted request, and what its answer may use."""

    apis: RecordedApis
    service: str
    operation: str
    region: str
    params: dict[str, Any]

    @property
    def profile(self) -> AccountProfile:
        return self.apis.profile

    @property
    def today(self) -> date:
        return self.apis.today

    @property
    def anchor(self) -> date:
        return self.apis.anchor or self.apis.today

    @property
    def account_id(self) -> str:
        return self.apis.account_id

    def rng(self, *parts: Any) -> random.Random:
        return seeded(self.profile.key, self.service, *parts)

    def client(self, service: str, region: str | None = None) -> Any:
        return self.apis.client(service, region or self.region)

    def cached(self, *key: Any, compute: Callable[[], Any]) -> Any:
        return self.apis.cached(key, compute)
