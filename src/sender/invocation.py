"""What the sender needs from its Lambda invocation: the time left, X-Ray context for the
collector threads, and a new invocation of itself to continue a backfill."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from sender.aws import Clients, invoke_async

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "sender"), child=True)

NO_CONTEXT_MS = 900_000  # outside Lambda (a test, a local call): the Lambda maximum, 15 minutes


def remaining_ms(context: Any) -> Callable[[], int]:
    """The context's ``get_remaining_time_in_millis``, or 15 minutes without one."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if callable(getter):
        return getter
    return lambda: NO_CONTEXT_MS


def continue_in_new_invocation(clients: Clients, context: Any, event: dict[str, Any]) -> None:
    """Invoke this function again, asynchronously, with the continuation event."""
    function = getattr(context, "invoked_function_arn", None)
    if not function:
        raise RuntimeError("cannot continue the history run: no function ARN in the context")
    invoke_async(clients, function, event)
    logger.info("history continues in a new invocation", extra={"cursor": event["cursor"]})


def trace_propagation() -> Callable[[], None] | None:
    """X-Ray keeps the current segment per thread: hand it to the collector threads."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in {"1", "true"}:
        return None
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return None
    try:
        from aws_xray_sdk.core import xray_recorder

        entity = xray_recorder.get_trace_entity()
    except Exception:
        return None
    if entity is None:
        return None
    return lambda: xray_recorder.set_trace_entity(entity)
