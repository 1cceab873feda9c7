"""The full daily fixture document moved to another day, for tests that need months of history.

Used by the partition and retention tests (tests/receiver/test_partitions.py), the in-place
migration test of sql/022 (tests/receiver/test_migration_upgrades.py) and the history views'
equivalence tests of sql/023-031 (tests/receiver/test_scale_views_*.py), which vary it with
``changed`` (``collector_status`` and their own edits).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from receiver.db import Executor
from receiver.receive import load_bytes
from support.receiver_fixtures import fixture_doc, gz, ref_for

# sections whose items carry their own day (``date``), shifted with the window
DAILY_SECTIONS = (("cost", "daily"), ("service_usage",), ("marketplace_usage",))


# The full daily document as contract 1.1's senders wrote it (no section or child list of 1.2).
FROZEN_1_1 = Path(__file__).resolve().parents[1] / "fixtures/contract/1.1/full-daily.json"


def dated(
    day: date, account: str | None = None, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The full daily document (or ``base``) of the snapshot date ``day`` (window [day, day +
    1))."""
    doc = base if base is not None else fixture_doc()
    new = copy.deepcopy(doc)
    new["run_id"] = str(uuid.uuid4())
    if account:
        new["account_id"] = account
        new["data"]["account"]["account_id"] = account
    shift = day - date.fromisoformat(doc["window"]["start"])
    new["window"] = {"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat()}
    new["collected_at"] = f"{day + timedelta(days=1)}T02:03:17Z"
    for path in DAILY_SECTIONS:
        items: Any = new["data"]
        for part in path:
            items = items.get(part, []) if isinstance(items, dict) else []
        for item in items:
            item["date"] = (date.fromisoformat(item["date"]) + shift).isoformat()
    return new


def load(executor: Executor, doc: dict[str, Any]) -> dict[str, Any]:
    """Load ``doc`` through the real receiver, which must accept it; returns the document."""
    result = load_bytes(executor, ref_for(doc), gz(doc), expected_account=None)
    assert result.status == "loaded", result
    return doc


def load_day(
    executor: Executor, day: date, account: str | None = None, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Load ``dated(day, account, base)`` through the real receiver; returns the document."""
    return load(executor, dated(day, account, base))


def changed(
    day: date, *changes: Callable[[dict[str, Any]], None], account: str | None = None,
    late_hours: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """``dated(day, account)`` with each of ``changes`` applied to it (functions editing the
    document in place); with ``late_hours``, collected that many hours after the usual run (a
    second run of the same day)."""
    doc = dated(day, account)
    for change in changes:
        change(doc)
    if late_hours:
        doc["collected_at"] = f"{day + timedelta(days=1)}T{2 + late_hours:02}:03:17Z"
    return doc


def collector_status(
    name: str, status: str, error: str | None = None
) -> Callable[[dict[str, Any]], None]:
    """A change for ``changed``: every region of collector ``name`` ended with ``status``."""

    def change(doc: dict[str, Any]) -> None:
        for c in doc["collectors"]:
            if c["name"] == name:
                c["status"] = status
                if error is None:
                    c.pop("error", None)
                else:
                    c["error"] = error

    return change
