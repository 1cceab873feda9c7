"""Assemble the sender document (envelope + sections) from the collectors' outcomes.

A section is present when at least one of its tasks delivered (``ok`` or ``partial``), and absent
when none did: absent means "unknown", an empty list means "there are none". Items that share a
natural key (e.g. a multi-region trail seen from two regions) are kept once, because the receiver
upserts a file's rows in one statement, which may touch a row only once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from contract import SCHEMA_VERSION, ContractError, validate_document
from sender import __version__
from sender.intervals import Interval, Window
from sender.runner import OK, PARTIAL, Outcome


def collector_entries(outcomes: Iterable[Outcome]) -> list[dict[str, Any]]:
    entries = [
        {
            "name": o.collector.name,
            "region": o.task.region,
            "status": o.status,
            "error": None if o.status == OK else (o.error or None),
            "item_count": o.item_count,
            "duration_ms": o.duration_ms,
        }
        for o in outcomes
    ]
    return sorted(entries, key=lambda e: (e["name"], e["region"] or ""))


def assemble_data(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    seen: dict[tuple[str, str], set[tuple[Any, ...]]] = {}
    for outcome in sorted(outcomes, key=lambda o: (o.collector.name, o.task.region or "")):
        if outcome.status not in (OK, PARTIAL):
            continue
        collector = outcome.collector
        section = collector.section
        if collector.shape == "object":
            for item in outcome.items:
                data[section] = item
            continue
        if collector.shape == "parts":
            target = data.setdefault(section, {})
            for part in collector.parts:
                target.setdefault(part, [])
            for part, item in outcome.items:
                _add(
                    target.setdefault(part, []),
                    item,
                    collector.key_fields(part),
                    seen,
                    (section, part),
                )
            continue
        target_list = data.setdefault(section, [])
        for item in outcome.items:
            _add(target_list, item, collector.key_fields(), seen, (section, ""))
    return data


def _add(target: list[Any], item: Any, keys: tuple[str, ...], seen, where) -> None:
    if keys:
        key = tuple(item.get(k) for k in keys)
        known = seen.setdefault(where, set())
        if key in known:
            return
        known.add(key)
    target.append(item)


def build_document(
    *,
    account_id: str,
    regions: Iterable[str],
    interval: Interval,
    window: Window,
    outcomes: list[Outcome],
    run_id: str | None = None,
    collected_at: datetime | None = None,
    cost_mode: str = "account",
) -> dict[str, Any]:
    collected_at = collected_at or datetime.now(UTC)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "account_id": account_id,
        "regions": list(dict.fromkeys(regions)),
        "interval": interval.value,
        "window": window.as_dict(),
        "collected_at": collected_at.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "run_id": run_id or str(uuid.uuid4()),
        "sender_version": __version__,
        "collectors": collector_entries(outcomes),
        "data": assemble_data(outcomes),
    }
    if cost_mode == "organization":  # Cost Explorer rows may name other (linked) accounts
        document["cost_mode"] = cost_mode
    return document


def drop_invalid_sections(document: dict[str, Any], sections: dict[str, list[str]]) -> list[str]:
    """Validate ``document``; drop sections whose items break the contract.

    A collector bug must not cost the other collectors' data: a violation under
    ``/data/<section>/`` removes that section and marks its collectors ``error`` with the first
    violation. Returns the dropped sections; raises `ContractError` if the envelope itself (or
    anything outside the sections) is wrong. ``sections`` maps a section to its collectors.
    """
    try:
        validate_document(document)
        return []
    except ContractError as exc:
        errors = exc.errors
    bad: dict[str, str] = {}
    for violation in errors:
        parts = violation.path.split("/")
        if len(parts) < 3 or parts[1] != "data" or parts[2] not in document.get("data", {}):
            raise ContractError(errors)
        bad.setdefault(parts[2], str(violation))
    for section, first in bad.items():
        del document["data"][section]
        for entry in document["collectors"]:
            if entry["name"] in sections.get(section, []):
                entry["status"] = "error"
                entry["error"] = f"items broke the contract, section dropped: {first}"[:8192]
    validate_document(document)
    return sorted(bad)
