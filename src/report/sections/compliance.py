"""Section 4, compliance: the AWS Config queries (compliance per day, the current rules) and
the section's chart and table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, account_series, style_of
from report.formatting import Unit, count, long_day
from report.html import Figure, Section, no_data, table_html
from report.reader import Period, Reader, period_days, to_decimal, to_int

if TYPE_CHECKING:
    from report.sections import ReportData

TOP_RULES = 15


@dataclass(frozen=True)
class ComplianceDay:
    account_id: str
    account_name: str | None
    day: date
    compliance_pct: Decimal | None
    rules_compliant: int
    rules_non_compliant: int


def compliance_by_day(reader: Reader, period: Period) -> list[ComplianceDay]:
    rows = reader.rows(
        """
        SELECT account_id, account_name, snapshot_date, compliance_pct,
               rules_compliant, rules_non_compliant
        FROM v_compliance_trend
        WHERE snapshot_date BETWEEN :start AND :end
        ORDER BY account_id, snapshot_date
        """,
        period.params(),
        "v_compliance_trend",
    )
    return [
        ComplianceDay(
            r["account_id"],
            r["account_name"],
            r["snapshot_date"],
            to_decimal(r["compliance_pct"]),
            to_int(r["rules_compliant"]),
            to_int(r["rules_non_compliant"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ComplianceCurrent:
    rules_compliant: int
    rules_non_compliant: int

    @property
    def pct(self) -> Decimal | None:
        evaluated = self.rules_compliant + self.rules_non_compliant
        if not evaluated:
            return None
        return Decimal(100 * self.rules_compliant) / Decimal(evaluated)


def compliance_current(reader: Reader) -> ComplianceCurrent:
    """Compliant and non-compliant Config rules of every account's current snapshot."""
    (row,) = reader.rows(
        """
        SELECT count(*) FILTER (WHERE compliance = 'COMPLIANT')     AS compliant,
               count(*) FILTER (WHERE compliance = 'NON_COMPLIANT') AS non_compliant
        FROM v_config_rules_current
        """,
        None,
        "v_config_rules_current",
    )
    return ComplianceCurrent(to_int(row["compliant"]), to_int(row["non_compliant"]))


@dataclass(frozen=True)
class NonCompliantRule:
    account_id: str
    account_name: str | None
    region: str
    rule_name: str
    resources: int | None
    as_of: date


def noncompliant_rules(reader: Reader, limit: int) -> tuple[list[NonCompliantRule], int]:
    """The current non-compliant rules with the most non-compliant resources, and how many."""
    rows = reader.rows(
        """
        SELECT r.account_id, a.name AS account_name, r.region, r.rule_name,
               r.non_compliant_resource_count, r.snapshot_date,
               count(*) OVER () AS total
        FROM v_config_rules_current r
        JOIN v_accounts a ON a.account_id = r.account_id
        WHERE r.compliance = 'NON_COMPLIANT'
        ORDER BY r.non_compliant_resource_count DESC NULLS LAST, a.name, r.account_id,
                 r.rule_name, r.region
        LIMIT :limit
        """,
        {"limit": limit},
        "v_config_rules_current",
    )
    total = to_int(rows[0]["total"]) if rows else 0
    return [
        NonCompliantRule(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["rule_name"],
            r["non_compliant_resource_count"],
            r["snapshot_date"],
        )
        for r in rows
    ], total


def compliance_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "compliance",
        "Compliance",
        "Share of evaluated AWS Config rules that are compliant, per account and day, read from "
        "v_compliance_trend, and the current non-compliant rules from v_config_rules_current.",
    )
    days = period_days(data.period)
    _, _, _, series = account_series(
        days,
        ((c.account_id, c.account_name, c.day, c.compliance_pct) for c in data.compliance_days),
        styles,
    )
    section.add_figure(
        Figure(
            "compliance",
            "Compliant rules / (compliant + non-compliant rules) per account and day; rules "
            "not applicable or with insufficient data are left out.",
            charts.line_chart(
                label="AWS Config compliance per account (%)",
                x=charts.date_axis(days),
                series=series,
                unit=Unit("percent"),
                y_range=(0.0, 100.0),
            ),
            no_data("Config compliance"),
        )
    )
    rows = [
        [
            style_of(styles, r.account_id, r.account_name).label,
            r.account_id,
            r.region,
            r.rule_name,
            count(r.resources),
            long_day(r.as_of),
        ]
        for r in data.noncompliant
    ]
    shown = (
        f"Current non-compliant Config rules (top {len(rows)} of {data.noncompliant_total} by "
        "non-compliant resources)"
    )
    section.add(
        table_html(
            "noncompliant-rules",
            shown,
            ["Account", "Account ID", "Region", "Rule", "Non-compliant resources", "As of"],
            rows,
            numeric=(4,),
            wrap=(3,),
            empty_text=no_data("non-compliant Config rules"),
        )
    )
    return section
