"""Powertools' Tracer for the Lambda handlers, built on the first invocation instead of at import.

Constructing ``aws_lambda_powertools.Tracer`` imports the X-Ray SDK (``aws_xray_sdk``, which
imports botocore's session and client machinery: about 0.2-0.4 s of a cold start) and patches
the libraries it traces. Powertools imports the SDK lazily (a lazy module attribute), but its
Tracer constructor asks for it at once, and Powertools has no switch that defers that; with
tracing disabled it still imports the SDK. So `LazyTracer` keeps Powertools' decorators and
builds the real Tracer, with the same options, when a decorated function first runs: by then the
handler is being invoked and needs it anyway. Everything else (``put_annotation``,
``provider``, ...) is forwarded to the real Tracer, which it builds on first access.

The decorators behave as Powertools' own (same subsegments, ``ColdStart`` annotation, response
and error metadata); the only difference is when ``POWERTOOLS_TRACER_CAPTURE_RESPONSE`` and
``..._CAPTURE_ERROR`` are read: at the first invocation rather than at import, the same value in
a Lambda environment.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer


class LazyTracer:
    """``aws_lambda_powertools.Tracer(**options)``, constructed on first use."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._tracer: Tracer | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        """Whether the real Tracer exists yet (tests check that import did not build it)."""
        return self._tracer is not None

    @property
    def tracer(self) -> Tracer:
        """The real Powertools Tracer (built now if it was not yet)."""
        if self._tracer is None:
            with self._lock:
                if self._tracer is None:
                    from aws_lambda_powertools import Tracer

                    self._tracer = Tracer(**self._options)
        return self._tracer

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.tracer, name)

    def capture_lambda_handler(
        self,
        lambda_handler: Callable[..., Any] | None = None,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Any:
        """Powertools' ``capture_lambda_handler``, applied at the first invocation."""
        if lambda_handler is None:
            return functools.partial(
                self.capture_lambda_handler,
                capture_response=capture_response,
                capture_error=capture_error,
            )
        return self._deferred(
            "capture_lambda_handler", lambda_handler, capture_response, capture_error
        )

    def capture_method(
        self,
        method: Callable[..., Any] | None = None,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Any:
        """Powertools' ``capture_method`` (synchronous functions), applied at the first call."""
        if method is None:
            return functools.partial(
                self.capture_method, capture_response=capture_response, capture_error=capture_error
            )
        return self._deferred("capture_method", method, capture_response, capture_error)

    def _deferred(
        self,
        decorator: str,
        function: Callable[..., Any],
        capture_response: bool | None,
        capture_error: bool | None,
    ) -> Callable[..., Any]:
        traced: list[Callable[..., Any]] = []

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not traced:
                decorate = getattr(self.tracer, decorator)
                traced.append(
                    decorate(
                        function, capture_response=capture_response, capture_error=capture_error
                    )
                )
            return traced[0](*args, **kwargs)

        return wrapper
