"""Cost anomalies (issue 14): what AWS Cost Anomaly Detection flagged, open ones first.

Reads ``v_cost_anomalies_current`` (each anomaly in its latest state, sql/032): open means AWS
has not ended the anomaly (no end date); impacts are US dollars as the API reports them, the
total impact being actual minus expected spend over the anomaly's days so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, count, long_day, money, percent
from report.html import Section, no_data
from report.reader import Reader, to_decimal, to_int
from report.sections.listing import TOP, Status, account_status_figure, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

STATES = (
    Status("open", "Open (no end date yet)", "#d6604d"),
    Status("closed", "Closed", "#4393c3"),
)
FEEDBACK = {"YES": "anomaly", "NO": "not an anomaly", "PLANNED_ACTIVITY": "planned"}


@dataclass(frozen=True)
class Anomaly:
    account_id: str
    account_name: str | None
    is_open: bool
    start: date | None
    end: date | None
    days: int | None
    dimension: str | None
    cause: str
    total_impact: Decimal | None
    actual: Decimal | None
    expected: Decimal | None
    impact_pct: Decimal | None
    feedback: str | None


@dataclass
class AnomalyData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> state -> n
    names: dict[str, str | None] = field(default_factory=dict)
    open_impact: Decimal = Decimal(0)
    listed: list[Anomaly] = field(default_factory=list)  # the first ``TOP``
    total: int = 0


def anomalies(reader: Reader, limit: int = TOP) -> AnomalyData:
    data = AnomalyData()
    for r in reader.rows(
        """
        SELECT account_id, account_name, state, count(*) AS anomalies,
               sum(total_impact) FILTER (WHERE is_open) AS open_impact
        FROM v_cost_anomalies_current
        GROUP BY account_id, account_name, state
        """,
        None,
        "v_cost_anomalies_current",
    ):
        data.counts.setdefault(r["account_id"], {})[r["state"]] = to_int(r["anomalies"])
        data.names[r["account_id"]] = r["account_name"]
        data.open_impact += to_decimal(r["open_impact"]) or Decimal(0)
    rows = reader.rows(
        """
        SELECT account_id, account_name, is_open, start_date, end_date, days_detected,
               dimension_value, top_service, top_region, top_usage_type, total_impact,
               total_actual_spend, total_expected_spend, total_impact_percentage, feedback,
               count(*) OVER () AS total
        FROM v_cost_anomalies_current
        ORDER BY is_open DESC, total_impact DESC NULLS LAST, start_date DESC, anomaly_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_cost_anomalies_current",
    )
    data.total = to_int(rows[0]["total"]) if rows else 0
    data.listed = [
        Anomaly(
            r["account_id"],
            r["account_name"],
            bool(r["is_open"]),
            r["start_date"],
            r["end_date"],
            r["days_detected"],
            r["dimension_value"],
            " / ".join(p for p in (r["top_service"], r["top_region"], r["top_usage_type"]) if p)
            or EN_DASH,
            to_decimal(r["total_impact"]),
            to_decimal(r["total_actual_spend"]),
            to_decimal(r["total_expected_spend"]),
            to_decimal(r["total_impact_percentage"]),
            r["feedback"],
        )
        for r in rows
    ]
    return data


def anomalies_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    ad = data.anomalies
    opened = sum(c.get("open", 0) for c in ad.counts.values())
    closed = sum(c.get("closed", 0) for c in ad.counts.values())
    section = Section(
        "cost-anomalies",
        "Cost anomalies",
        "Anomalies AWS Cost Anomaly Detection found in the accounts' spend, each in its latest "
        "state, read from v_cost_anomalies_current (whatever the period: AWS keeps anomalies 90 "
        f"days). {count(opened)} open (AWS has not given them an end date yet), "
        f"{count(closed)} closed; open anomalies' total impact so far "
        f"{money(ad.open_impact, 'USD')}. Impact: actual minus expected spend over the "
        "anomaly's days, in USD as Cost Explorer reports it (an estimate from AWS's model of "
        "the usual spend, not an invoice figure); the impact percentage is relative to the "
        "expected spend (none when AWS expected nothing). Root cause: the first one AWS lists.",
    )
    section.add_figure(
        account_status_figure(
            "cost-anomalies",
            "Cost anomalies per account, open and closed (latest state).",
            "Cost anomalies per account",
            "cost anomalies",
            ad.counts,
            ad.names,
            STATES,
            styles,
        )
    )
    rows = [
        [
            style_of(styles, a.account_id, a.account_name).label,
            "open" if a.is_open else "closed",
            long_day(a.start) if a.start else EN_DASH,
            long_day(a.end) if a.end else EN_DASH,
            count(a.days),
            a.dimension or EN_DASH,
            a.cause,
            money(a.total_impact, "USD"),
            money(a.actual, "USD"),
            money(a.expected, "USD"),
            percent(a.impact_pct, 1),
            FEEDBACK.get(a.feedback or "", EN_DASH),
        ]
        for a in ad.listed
    ]
    section.add(
        bounded_table(
            "cost-anomalies",
            "Cost anomalies, open first, then by total impact",
            [
                "Account",
                "State",
                "Started",
                "Ended",
                "Days",
                "Monitored dimension",
                "Root cause",
                "Total impact (USD)",
                "Actual spend",
                "Expected spend",
                "Impact %",
                "Feedback",
            ],
            rows,
            ad.total,
            numeric=(4, 7, 8, 9, 10),
            wrap=(6,),
            empty_text=no_data("cost anomalies"),
        )
    )
    return section
