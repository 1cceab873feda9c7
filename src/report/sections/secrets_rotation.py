"""Secrets Manager rotation: the secrets of the current snapshot per account by rotation (on,
on but overdue, off), and the secrets that are not rotating or are overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, count, long_day
from report.html import Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, Status, account_status_figure, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

# overdue: rotation on, and the last rotation (or creation, never rotated) is older than the
# rotation interval on the snapshot date
OVERDUE = """s.rotation_enabled AND s.rotation_days IS NOT NULL
             AND (coalesce(s.last_rotated_at, s.created_at) AT TIME ZONE 'UTC')::date
                 + s.rotation_days < s.snapshot_date"""
CLASS = f"""CASE WHEN {OVERDUE} THEN 'overdue'
                 WHEN s.rotation_enabled THEN 'rotating'
                 ELSE 'off' END"""
CLASSES = (
    Status("off", "Rotation off", "#d6604d"),
    Status("overdue", "Rotation on, overdue", "#fdb863"),
    Status("rotating", "Rotation on", "#4393c3"),
)


@dataclass(frozen=True)
class Secret:
    account_id: str
    account_name: str | None
    region: str | None
    name: str | None
    state: str  # off, overdue
    rotation_days: int | None
    last_rotated: date | None
    last_accessed: date | None
    created: date | None


@dataclass
class SecretsData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> class -> n
    names: dict[str, str | None] = field(default_factory=dict)
    flagged: list[Secret] = field(default_factory=list)  # the first ``TOP``
    flagged_total: int = 0  # rotation off or overdue


def secrets(reader: Reader, limit: int = TOP) -> SecretsData:
    data = SecretsData()
    for r in reader.rows(
        f"""
        SELECT s.account_id, a.name AS account_name, {CLASS} AS class, count(*) AS secrets
        FROM v_secrets_current s
        JOIN v_accounts a ON a.account_id = s.account_id
        GROUP BY s.account_id, a.name, 3
        """,
        None,
        "v_secrets_current",
    ):
        data.counts.setdefault(r["account_id"], {})[r["class"]] = to_int(r["secrets"])
        data.names[r["account_id"]] = r["account_name"]
    rows = reader.rows(
        f"""
        SELECT s.account_id, a.name AS account_name, s.region, s.name, {CLASS} AS class,
               s.rotation_days,
               (s.last_rotated_at AT TIME ZONE 'UTC')::date AS last_rotated,
               (s.last_accessed_at AT TIME ZONE 'UTC')::date AS last_accessed,
               (s.created_at AT TIME ZONE 'UTC')::date AS created,
               count(*) OVER () AS total
        FROM v_secrets_current s
        JOIN v_accounts a ON a.account_id = s.account_id
        WHERE s.rotation_enabled IS NOT TRUE OR ({OVERDUE})
        ORDER BY (s.rotation_enabled IS TRUE), s.last_accessed_at DESC NULLS LAST, a.name,
                 s.account_id, s.secret_arn
        LIMIT :limit
        """,
        {"limit": limit},
        "v_secrets_current",
    )
    data.flagged_total = to_int(rows[0]["total"]) if rows else 0
    data.flagged = [
        Secret(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["name"],
            r["class"],
            r["rotation_days"],
            r["last_rotated"],
            r["last_accessed"],
            r["created"],
        )
        for r in rows
    ]
    return data


def secrets_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    sd = data.secrets
    total = sum(sum(c.values()) for c in sd.counts.values())
    section = Section(
        "secrets-rotation",
        "Secrets rotation",
        "Secrets Manager secrets of each account's current snapshot (metadata only, never a "
        "value), read from v_secrets_current: rotation on or off as Secrets Manager reports "
        "it; overdue: rotation on but the last rotation (or the creation, if never rotated) is "
        f"older than the rotation interval on the snapshot date. {count(sd.flagged_total)} of "
        f"{count(total)} secrets not rotating or overdue.",
    )
    section.add_figure(
        account_status_figure(
            "secrets-rotation",
            "Secrets per account by rotation (current snapshot).",
            "Secrets per account by rotation",
            "Secrets Manager secrets",
            sd.counts,
            sd.names,
            CLASSES,
            styles,
        )
    )
    labels = {"off": "off", "overdue": "on, overdue"}
    rows = [
        [
            style_of(styles, s.account_id, s.account_name).label,
            s.region or EN_DASH,
            s.name or EN_DASH,
            labels.get(s.state, s.state),
            count(s.rotation_days),
            long_day(s.last_rotated) if s.last_rotated else "never",
            long_day(s.last_accessed) if s.last_accessed else EN_DASH,
            long_day(s.created) if s.created else EN_DASH,
        ]
        for s in sd.flagged
    ]
    section.add(
        bounded_table(
            "secrets-unrotated",
            "Secrets not rotating or overdue (current), most recently used first",
            [
                "Account",
                "Region",
                "Secret",
                "Rotation",
                "Every (days)",
                "Last rotated",
                "Last accessed",
                "Created",
            ],
            rows,
            sd.flagged_total,
            numeric=(4,),
            wrap=(2,),
            empty_text=no_data("secrets that are not rotating or overdue"),
        )
    )
    return section
