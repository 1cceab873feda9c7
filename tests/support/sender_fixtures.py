"""Helpers for the sender tests: contexts, single-collector runs, stubs, throttling, validation.

* `make_context` / `run_collector`: one collector task through the real runner (so statuses are
  classified exactly as in production).
* `stubbed`: a `botocore.stub.Stubber` on the client a collector will get (requests and responses
  are checked against the real service model).
* `WireStub`: answers at the HTTP layer (``before-send``) with bodies serialised for the service's
  protocol, so botocore's retry handler runs: the way to prove throttling is retried, for APIs
  moto does not implement. Responses are validated against the output shape like Stubber does.
* `throttle_first`: the first N requests of a client get a throttling error, then moto answers.
* `validate_outcome`: the collector's items, inside a complete document, through the contract.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import botocore.retries.bucket
import botocore.retries.standard
from botocore.awsrequest import AWSResponse
from botocore.serialize import JSONSerializer, RpcV2CBORSerializer
from botocore.stub import Stubber
from botocore.validate import ParamValidator

from contract import validate_document
from sender.aws import Clients
from sender.collectors.base import Collector, Context, Shared, Task
from sender.document import build_document
from sender.intervals import Interval, Window
from sender.runner import Outcome, run_tasks

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:observability-sender"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
NOW = datetime(2026, 11, 25, 2, 0, 0, tzinfo=UTC)
WINDOW = Window(date(2026, 11, 24), date(2026, 11, 25))


class LambdaContext(SimpleNamespace):
    """The attributes of a Lambda context the handler and Powertools read."""

    def __init__(self, remaining_ms: int = 900_000) -> None:
        super().__init__(
            function_name="observability-sender",
            memory_limit_in_mb=1024,
            invoked_function_arn=FUNCTION_ARN,
            aws_request_id=str(uuid.uuid4()),
            function_version="$LATEST",
        )
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining


def make_context(
    clients: Clients,
    region: str | None = REGION,
    *,
    interval: Interval = Interval.DAILY,
    window: Window = WINDOW,
    now: datetime = NOW,
    current: bool = True,
    regions: tuple[str, ...] | None = None,
    shared: Shared | None = None,
    home_region: str = REGION,
) -> Context:
    return Context(
        account_id=ACCOUNT,
        region=region,
        regions=regions or ((region,) if region else (home_region,)),
        home_region=home_region,
        interval=interval,
        window=window,
        now=now,
        current=current,
        clients=clients,
        shared=shared or Shared(),
        sleep=lambda _: None,
    )


def run_collector(collector: Collector, ctx: Context, budget: float = 30.0) -> Outcome:
    """Run one collector task through the production runner."""
    [outcome] = run_tasks([Task(collector, ctx.region)], lambda _: ctx, budget=budget)
    return outcome


def validate_outcome(*outcomes: Outcome, regions: tuple[str, ...] = (REGION,)) -> dict[str, Any]:
    """Build a full document from ``outcomes`` and validate it; returns the document."""
    document = build_document(
        account_id=ACCOUNT,
        regions=regions,
        interval=Interval.DAILY,
        window=WINDOW,
        outcomes=list(outcomes),
        run_id=str(uuid.uuid4()),
        collected_at=NOW,
    )
    validate_document(document)
    return document


def section(outcome: Outcome) -> Any:
    return validate_outcome(outcome)["data"].get(outcome.collector.section)


@contextmanager
def stubbed(clients: Clients, service: str, region: str = REGION) -> Iterator[Stubber]:
    """A Stubber on the (service, region) client the collector will use; asserts all used."""
    client = clients.client(service, region)
    stubber = Stubber(client)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def fast_retries(monkeypatch: Any) -> None:
    """No backoff sleeps between retries and no client-side rate limiting waits: the retry
    decisions stay botocore's (adaptive mode), only the waiting goes."""
    monkeypatch.setattr(botocore.retries.bucket.TokenBucket, "acquire", lambda self, *a, **k: True)
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


def _error_body(protocol: str, code: str, message: str) -> tuple[bytes, dict[str, str]]:
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        return body, {"content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code}
    if protocol == "smithy-rpc-v2-cbor":
        payload = bytearray()
        serializer = RpcV2CBORSerializer()
        serializer._serialize_type_map(  # a plain map: {"__type": code, "message": message}
            payload, {"__type": code, "message": message}, _StringMap(), None
        )
        return bytes(payload), {
            "content-type": "application/cbor",
            "smithy-protocol": "rpc-v2-cbor",
        }
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            "</Error></Errors><RequestID>r</RequestID></Response>"
        )
        return body.encode(), {"content-type": "text/xml"}
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )
    return body.encode(), {"content-type": "text/xml"}


class _StringShape:
    type_name = "string"


class _StringMap:
    type_name = "map"
    key = _StringShape()
    value = _StringShape()


def throttle_first(client: Any, times: int = 1, code: str = "ThrottlingException") -> list[str]:
    """The first ``times`` HTTP requests of ``client`` get a throttling error; then moto (or
    whatever answers next) does. Returns the list of operations that were throttled."""
    protocol = _protocol(client.meta.service_model)
    throttled: list[str] = []

    def handler(request: Any, **kwargs: Any) -> AWSResponse | None:
        if len(throttled) >= times:
            return None
        throttled.append(kwargs.get("event_name", "").split(".")[-1])
        body, headers = _error_body(protocol, code, "Rate exceeded")
        status = 503 if protocol == "ec2" else 400
        return AWSResponse(request.url, status, headers, _Raw(body))

    client.meta.events.register_first("before-send", handler)
    return throttled


class WireStub:
    """Queued responses served at the HTTP layer, serialised for the service's protocol."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.model = client.meta.service_model
        self.queue: deque[tuple[str, int, bytes, dict[str, str]]] = deque()
        self.requests: list[str] = []
        client.meta.events.register_first("before-send", self._send)

    def add(self, operation: str, response: dict[str, Any]) -> WireStub:
        shape = self.model.operation_model(operation).output_shape
        if shape is not None:
            report = ParamValidator().validate(response, shape)
            if report.has_errors():
                raise AssertionError(report.generate_report())
        protocol = _protocol(self.model)
        if protocol == "smithy-rpc-v2-cbor":
            payload = bytearray()
            RpcV2CBORSerializer()._serialize_data_item(payload, response, shape)
            headers = {"content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
            self.queue.append((operation, 200, bytes(payload), headers))
            return self
        if protocol not in ("json", "rest-json"):
            raise NotImplementedError(f"WireStub speaks JSON and CBOR, not {protocol}")
        body: dict[str, Any] = {}
        if shape is not None:
            JSONSerializer()._serialize(body, response, shape)
        self.queue.append(
            (operation, 200, json.dumps(body).encode(), {"content-type": "application/json"})
        )
        return self

    def add_error(self, operation: str, code: str, status: int = 400) -> WireStub:
        body, headers = _error_body(_protocol(self.model), code, f"{code} for the test")
        self.queue.append((operation, status, body, headers))
        return self

    def _send(self, request: Any, **kwargs: Any) -> AWSResponse:
        operation = kwargs.get("event_name", "").split(".")[-1]
        self.requests.append(operation)
        if not self.queue:
            raise AssertionError(f"WireStub: unexpected request {operation}")
        expected, status, body, headers = self.queue.popleft()
        if expected != operation:
            raise AssertionError(f"WireStub: expected {expected}, got {operation}")
        return AWSResponse(request.url, status, headers, _Raw(body))

    def assert_done(self) -> None:
        assert not self.queue, f"unused responses: {[q[0] for q in self.queue]}"


def access_denied(stubber: Stubber, operation: str, code: str = "AccessDeniedException") -> None:
    stubber.add_client_error(
        operation,
        service_error_code=code,
        service_message="User: arn:aws:sts::123456789012:assumed-role/sender/x is not authorized",
        http_status_code=403 if "Denied" in code else 400,
    )


def _protocol(model: Any) -> str:
    """The protocol botocore actually speaks with the service (it may prefer JSON to CBOR)."""
    return getattr(model, "resolved_protocol", None) or model.protocol


def answer(client: Any, operation: str, response: dict[str, Any]) -> list[dict[str, Any]]:
    """Answer every ``operation`` call of ``client`` with ``response`` (validated against the
    output shape), e.g. the one API moto lacks in an otherwise moto-backed test. Returns the
    request parameters seen."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    report = ParamValidator().validate(response, shape)
    if report.has_errors():
        raise AssertionError(report.generate_report())
    seen: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.append(dict(params))

    def handler(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("https://stub", 200, {}, None), dict(response)

    client.meta.events.register_first(f"before-parameter-build.*.{operation}", record)
    client.meta.events.register_first(f"before-call.*.{operation}", handler)
    return seen
