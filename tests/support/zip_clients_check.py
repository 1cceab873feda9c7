"""Run inside a clean interpreter that sees only an unpacked Lambda zip (never imported by tests).

Reads a JSON spec on stdin: ``{"clients": {service: [region, ...]}, "mentioned": [name, ...],
"every_operation": [service, ...], "paginators": {service: [Operation, ...]}, "absent":
[service, ...]}``. It creates each client from the zip's botocore and, for each operation whose
name (``GetFindings`` or ``get_findings``) is among ``mentioned`` (every operation for the
services in ``every_operation``), builds and validates a request (required members filled with
values of their shape's type, length and enumeration) all the way to the serialised HTTP request
with its endpoint, stopped at ``before-call`` so nothing is sent; it checks each paginator loads,
and that the services in ``absent`` are unknown. Prints a JSON report:
``{"errors": [...], "requests": {service: n}, "absent": {service: "UnknownServiceError"}}``.
Only the standard library and the zip's contents are imported; the network is blocked.
"""

from __future__ import annotations

import datetime
import json
import socket
import sys
from typing import Any


def _blocked(*args: Any, **kwargs: Any) -> Any:
    raise OSError("network blocked in the zip check")


socket.socket.connect = _blocked  # type: ignore[method-assign]
socket.getaddrinfo = _blocked  # type: ignore[assignment]

import boto3  # noqa: E402  (from the zip: sys.path holds only the unpacked zip)
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import UnknownServiceError  # noqa: E402

MAX_DEPTH = 12


def sample(shape: Any, depth: int = 0) -> Any:
    """A value the shape accepts: required members only, minimum lengths, first enum value."""
    kind = shape.type_name
    low = shape.metadata.get("min", 0)
    if kind == "structure":
        if depth > MAX_DEPTH:
            return {}
        names = list(shape.required_members)
        if shape.metadata.get("union") and not names:
            names = list(shape.members)[:1]
        return {name: sample(shape.members[name], depth + 1) for name in names}
    if kind == "list":
        return [sample(shape.member, depth + 1) for _ in range(int(low))]
    if kind == "map":
        return {
            sample(shape.key, depth + 1): sample(shape.value, depth + 1)
            for _ in range(min(1, int(low)))
        }
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        length = max(int(low), 3)
        high = shape.metadata.get("max")
        return (
            "abc" * length
            if high is None
            else ("abc" * length)[: max(int(low), min(length, int(high)))]
        )
    if kind in ("integer", "long"):
        return max(int(low), 1)
    if kind in ("float", "double"):
        return float(max(low, 1))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    if kind == "blob":
        return b"abc"
    raise ValueError(f"no sample for shape type {kind}")


def check(spec: dict[str, Any]) -> dict[str, Any]:
    errors: list[str] = []
    requests: dict[str, int] = {}
    config = Config(retries={"mode": "adaptive", "max_attempts": 1})
    mentioned = set(spec["mentioned"])
    for service, regions in sorted(spec["clients"].items()):
        requests[service] = 0
        for region in regions:
            try:
                client = boto3.client(service, region_name=region, config=config)
            except Exception as exc:
                errors.append(f"{service}@{region}: client: {type(exc).__name__}: {exc}")
                continue
            built: list[dict[str, Any]] = []

            def answer(params: dict[str, Any], sink: list = built, **_: Any) -> Any:
                sink.append(params)
                return AWSResponse(params.get("url"), 200, {}, None), {}

            client.meta.events.register("before-call.*.*", answer)
            model = client.meta.service_model
            methods = client.meta.method_to_api_mapping  # get_findings -> GetFindings
            every = service in spec["every_operation"]
            for name, operation in sorted(methods.items()):
                if not (every or name in mentioned or operation in mentioned):
                    continue
                try:
                    shape = model.operation_model(operation).input_shape
                    params = sample(shape) if shape is not None else {}
                    getattr(client, name)(**params)
                    url = built[-1]["url"]
                    if not url.startswith("https://"):
                        raise AssertionError(f"no https endpoint: {url}")
                    requests[service] += 1
                except Exception as exc:
                    errors.append(f"{service}@{region} {operation}: {type(exc).__name__}: {exc}")
            for operation in spec["paginators"].get(service, []):
                name = next(k for k, v in methods.items() if v == operation)
                try:
                    if not client.can_paginate(name):
                        raise AssertionError("no paginator")
                    client.get_paginator(name)
                except Exception as exc:
                    errors.append(f"{service}@{region} paginator {operation}: {exc}")
    absent: dict[str, str] = {}
    for service in spec["absent"]:
        try:
            boto3.client(service, region_name="eu-west-1")
            absent[service] = "loaded"
        except UnknownServiceError as exc:
            absent[service] = type(exc).__name__
    return {"errors": errors, "requests": requests, "absent": absent}


if __name__ == "__main__":
    print(json.dumps(check(json.load(sys.stdin))))
