"""The two ways loading a file can fail.

``PermanentLoadError``: the file itself is wrong (unreadable, not gzip, not JSON, breaks the
contract, names another account, too large, ambiguous, or encrypted so that S3 will not decrypt
it for the receiver: SSE-C or a KMS key other than the analytics key). Retrying cannot help: the
file goes to ``failed/`` with a reason (an undecryptable one cannot be copied: it stays in
``data/``, its reason in ``failed/``) and the message is acknowledged.

``TransientLoadError``: the file may be fine but something it depends on is not (the database is
resuming or down, S3 throttles or answers 5xx, access to the object is denied, the analytics key
is disabled or the receiver may not use it). The message is returned to SQS, which delivers it
again and, after its configured attempts, moves it to the dead-letter queue; the file stays where
it is.
"""

from __future__ import annotations

from typing import Any


class PermanentLoadError(Exception):
    """The file cannot be loaded as it is."""

    def __init__(
        self,
        kind: str,
        reason: str,
        *,
        field: str | None = None,
        violations: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(f"{kind}: {field}: {reason}" if field else f"{kind}: {reason}")
        self.kind = kind  # short machine-readable category, e.g. "contract", "gzip"
        self.reason = reason  # what is wrong, for a person
        self.field = field  # JSON pointer into the document, when one value is to blame
        self.violations = violations or []  # every contract violation, [{field, reason}]

    def as_dict(self) -> dict[str, Any]:
        return {
            "error": self.kind,
            "field": self.field,
            "reason": self.reason,
            "violations": self.violations,
        }


class TransientLoadError(Exception):
    """The file could not be loaded now; try again later."""
