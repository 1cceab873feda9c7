"""GuardDuty findings: the open findings of each region's latest complete collection, counted
by GuardDuty's severity bands per account, and the most severe of them listed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, count, long_day
from report.html import Section, no_data
from report.reader import Reader, to_decimal, to_int
from report.sections.listing import TOP, Status, account_status_figure, bounded_table, brief

if TYPE_CHECKING:
    from report.sections import ReportData

# GuardDuty's own bands (user guide, "Severity levels for GuardDuty findings"): Critical 9.0 to
# 10.0, High 7.0 to 8.9, Medium 4.0 to 6.9, Low 1.0 to 3.9
BANDS = (
    Status("critical", "Critical (9.0-10)", "#67001f"),
    Status("high", "High (7.0-8.9)", "#d6604d"),
    Status("medium", "Medium (4.0-6.9)", "#fdb863"),
    Status("low", "Low (below 4.0)", "#4393c3"),
)


def band(severity: Decimal | None) -> str:
    if severity is None:
        return EN_DASH
    if severity >= 9:
        return "Critical"
    if severity >= 7:
        return "High"
    return "Medium" if severity >= 4 else "Low"


@dataclass(frozen=True)
class GuardDutyFinding:
    account_id: str
    account_name: str | None
    region: str
    severity: Decimal | None
    type: str | None
    title: str | None
    count: int | None
    created: date | None
    updated: date | None
    confidence: Decimal | None = None
    description: str | None = None


@dataclass
class GuardDutyData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> band -> open
    names: dict[str, str | None] = field(default_factory=dict)
    listed_on: date | None = None  # oldest date of the collections counted
    top: list[GuardDutyFinding] = field(default_factory=list)
    total: int = 0


def guardduty(reader: Reader, limit: int = TOP) -> GuardDutyData:
    """Open GuardDuty findings (listed, not archived, by each region's latest complete
    collection) per account and band, and the ``limit`` most severe."""
    data = GuardDutyData()
    for r in reader.rows(
        """
        SELECT g.account_id, a.name AS account_name,
               count(*) FILTER (WHERE g.severity >= 9)                   AS critical,
               count(*) FILTER (WHERE g.severity >= 7 AND g.severity < 9) AS high,
               count(*) FILTER (WHERE g.severity >= 4 AND g.severity < 7) AS medium,
               count(*) FILTER (WHERE g.severity < 4)                    AS low,
               min(g.snapshot_date)                                      AS listed_on
        FROM v_guardduty_findings_current g
        JOIN v_accounts a ON a.account_id = g.account_id
        WHERE g.archived IS NOT TRUE
        GROUP BY g.account_id, a.name
        """,
        None,
        "v_guardduty_findings_current",
    ):
        data.counts[r["account_id"]] = {b.key: to_int(r[b.key]) for b in BANDS}
        data.names[r["account_id"]] = r["account_name"]
        if data.listed_on is None or r["listed_on"] < data.listed_on:
            data.listed_on = r["listed_on"]
    rows = reader.rows(
        """
        SELECT g.account_id, a.name AS account_name, g.region, g.severity, g.type, g.title,
               g.count, (g.created_at AT TIME ZONE 'UTC')::date AS created,
               (g.updated_at AT TIME ZONE 'UTC')::date AS updated,
               g.confidence, g.description,
               count(*) OVER () AS total
        FROM v_guardduty_findings_current g
        JOIN v_accounts a ON a.account_id = g.account_id
        WHERE g.archived IS NOT TRUE
        ORDER BY g.severity DESC NULLS LAST, g.updated_at DESC NULLS LAST, g.account_id,
                 g.region, g.finding_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_guardduty_findings_current",
    )
    data.total = to_int(rows[0]["total"]) if rows else 0
    data.top = [
        GuardDutyFinding(
            r["account_id"],
            r["account_name"],
            r["region"],
            to_decimal(r["severity"]),
            r["type"],
            r["title"],
            r["count"],
            r["created"],
            r["updated"],
            to_decimal(r["confidence"]),
            r["description"],
        )
        for r in rows
    ]
    return data


def guardduty_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    gd = data.guardduty
    section = Section(
        "guardduty",
        "GuardDuty findings",
        "Open GuardDuty findings: listed and not archived by the latest complete collection "
        "(collector status ok) of each account and region, read from "
        "v_guardduty_findings_current; archived findings and findings GuardDuty no longer lists "
        "are closed and not counted. Bands are GuardDuty's own: critical 9.0 to 10.0, high 7.0 "
        "to 8.9, medium 4.0 to 6.9, low below 4.0; confidence is GuardDuty's own score for the "
        "finding, and the description is GuardDuty's (shortened here)"
        + (f"; listed on {long_day(gd.listed_on)} or later." if gd.listed_on else "."),
    )
    section.add_figure(
        account_status_figure(
            "guardduty",
            "Open GuardDuty findings per account, by severity band (current listing).",
            "Open GuardDuty findings per account by severity band",
            "open GuardDuty findings",
            gd.counts,
            gd.names,
            BANDS,
            styles,
        )
    )
    rows = [
        [
            style_of(styles, f.account_id, f.account_name).label,
            f.region,
            f"{f.severity} {band(f.severity)}" if f.severity is not None else EN_DASH,
            f.title or EN_DASH,
            f.type or EN_DASH,
            count(f.count),
            long_day(f.updated) if f.updated else EN_DASH,
            str(f.confidence) if f.confidence is not None else EN_DASH,
            brief(f.description),
        ]
        for f in gd.top
    ]
    section.add(
        bounded_table(
            "guardduty-open",
            "Open GuardDuty findings, most severe first (the finding names its resource)",
            [
                "Account",
                "Region",
                "Severity",
                "Finding",
                "Type",
                "Occurrences",
                "Last updated",
                "Confidence",
                "What GuardDuty observed",
            ],
            rows,
            gd.total,
            numeric=(5, 7),
            wrap=(3, 8),
            empty_text=no_data("open GuardDuty findings"),
        )
    )
    return section
