"""Cold start: importing a Lambda handler leaves the heavy modules for later.

Each handler is imported in a fresh interpreter, which then reports what it loaded. boto3 and
botocore's session, client and configuration machinery, the X-Ray SDK (Powertools' Tracer is
built on the first invocation: `observability.tracing`), the Python ``jsonschema`` validator and
psycopg must all be absent. botocore's top-level package is allowed: Powertools imports it (a few
milliseconds) to register its user-agent hook. How long the imports take is measured by
``bench/sender_bench.py --only imports``, never here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from observability.tracing import LazyTracer

HANDLERS = (
    "sender.handler",
    "receiver.handler",
    "receiver.migrate_handler",
    "receiver.roster_handler",
    "report.scheduled",
)
HEAVY = (
    "boto3",
    "botocore.session",
    "botocore.client",
    "botocore.config",
    "s3transfer",
    "aws_xray_sdk",
    "jsonschema",
    "psycopg",
    "receiver.db.data_api",
)

PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
if sys.argv[1] == "sender.handler":  # the container's clients exist, none created yet
    from sender.aws import container_clients
    container_clients()
loaded = [name for name in json.loads(sys.argv[2]) if name in sys.modules]
print(json.dumps({"loaded": loaded, "tracer_built": module.tracer.built}))
"""


def _probe(module: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize("module", HANDLERS)
def test_importing_a_handler_loads_no_heavy_module(module: str) -> None:
    found = _probe(module)
    assert found == {"loaded": [], "tracer_built": False}


def test_the_lazy_tracer_builds_powertools_tracer_on_the_first_call() -> None:
    tracer = LazyTracer(service="probe")
    calls: list[str] = []

    @tracer.capture_method
    def step(value: int) -> int:
        calls.append("step")
        return value + 1

    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, int], context: object) -> int:
        return step(event["n"])

    assert not tracer.built and handler.__name__ == "handler" and step.__name__ == "step"
    assert handler({"n": 1}, None) == 2
    assert tracer.built and calls == ["step"]
    from aws_lambda_powertools import Tracer

    assert isinstance(tracer.tracer, Tracer)
    assert tracer.service == "probe"  # everything else is forwarded to the real Tracer
    assert handler({"n": 5}, None) == 6
