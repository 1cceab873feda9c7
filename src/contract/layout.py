"""The S3 key layout of the analytics bucket: where a sender writes, where the receiver moves.

A sender writes one document to::

    data/<account-id>/<interval>/<window-start>/<run-id>.json.gz

e.g. ``data/123456789012/DAILY/2026-11-24/3f6c2a9e-....json.gz``. The receiver accepts any key
``data/<12-digit account id>/<rest>`` ending in ``.json.gz`` (or ``.json``), checks the account
part against the document's envelope, and moves the file to ``loaded/<rest>`` or to
``failed/<rest>`` with its reason in ``failed/<rest>.reason.json``. The scheduled report function
(``report.scheduled``) writes ``reports/<YYYY-MM-DD>.html``, outside ``data/``: the receiver is
never notified of it.

The Terraform modules cannot import this file, so they spell the same prefixes: the bucket policy
and the bucket's notification and lifecycle rules (modules/analytics/s3.tf), the receiver's role
(modules/analytics/lambda.tf), the key policy's encryption context (modules/analytics/kms.tf) and
the sender's upload grant (modules/sender/spec/main.tf). tests/terraform/test_rendered_policies.py
checks the rendered policies against the names below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

DATA_PREFIX = "data/"  # senders upload here, each only under its own account id
LOADED_PREFIX = "loaded/"  # files loaded into the database
FAILED_PREFIX = "failed/"  # files the receiver refused, each with its reason beside it
REPORTS_PREFIX = "reports/"  # the scheduled report: reports/<YYYY-MM-DD>.html (no notification)
REASON_SUFFIX = ".reason.json"  # failed/<rest> + this: why the file was refused
DOCUMENT_SUFFIX = ".json.gz"  # what a sender writes (the receiver is notified of these)
ACCEPTED_SUFFIXES = (DOCUMENT_SUFFIX, ".json")  # what the receiver loads

_DATA_KEY = re.compile(
    rf"^{re.escape(DATA_PREFIX)}(?P<account>[0-9]{{12}})/"
    rf"(?P<rest>.+({'|'.join(re.escape(s) for s in ACCEPTED_SUFFIXES)}))$"
)
DATA_KEY_FORMAT = "data/<12-digit account id>/...(.json.gz|.json)"


class LayoutError(ValueError):
    """A key outside the layout: not ``data/<12-digit account id>/...(.json.gz|.json)``."""


@dataclass(frozen=True)
class DataKey:
    """A sender's key, split: the account that wrote it and the rest after ``data/``."""

    account_id: str
    rest: str  # the key after "data/": <account-id>/... (kept when the file moves)


def document_key(document: dict[str, Any]) -> str:
    """Where the sender writes ``document``: from its account, interval, window and run id."""
    return (
        f"{account_prefix(document['account_id'])}{document['interval']}/"
        f"{document['window']['start']}/{document['run_id']}{DOCUMENT_SUFFIX}"
    )


def account_prefix(account_id: str) -> str:
    """``data/<account-id>/``: the only prefix a sender of that account may write under."""
    return f"{DATA_PREFIX}{account_id}/"


def parse_data_key(key: str) -> DataKey:
    """Account and rest of a ``data/`` key; LayoutError if the key breaks the layout."""
    match = _DATA_KEY.match(key)
    if not match:
        raise LayoutError(f"{key!r} does not follow {DATA_KEY_FORMAT}")
    return DataKey(match["account"], key[len(DATA_PREFIX) :])


def is_data_key(key: str) -> bool:
    """True for an object (not a folder marker) under ``data/``."""
    return key.startswith(DATA_PREFIX) and not key.endswith("/")


def rest_of(key: str) -> str:
    """The key after ``data/`` (the whole key if it is not under ``data/``)."""
    return key.removeprefix(DATA_PREFIX)


def loaded_key(rest: str) -> str:
    """Where a loaded file goes."""
    return LOADED_PREFIX + rest


def failed_key(rest: str) -> str:
    """Where a refused file goes."""
    return FAILED_PREFIX + rest


def reason_key(rest: str) -> str:
    """The reason document beside a refused file."""
    return FAILED_PREFIX + rest + REASON_SUFFIX


def is_reason_key(key: str) -> bool:
    return key.endswith(REASON_SUFFIX)


def report_key(day: date) -> str:
    """Where the scheduled report of ``day`` (its UTC run date) goes: one object per day."""
    return f"{REPORTS_PREFIX}{day.isoformat()}.html"
