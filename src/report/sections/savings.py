"""Section 6, savings opportunities: the queries (Trusted Advisor, Compute Optimizer, unused
RI/SP commitment, utilization and coverage) and the section's charts and tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, long_day, money, month, percent
from report.formatting import day as day_label
from report.html import Figure, Section, no_data, table_html
from report.reader import Period, Reader, period_days, to_decimal, to_int
from report.sections.rightsizing import rightsizing_table

if TYPE_CHECKING:
    from report.sections import ReportData

SOURCE_NAMES = {  # v_report_savings_current.source, as the KPI strip names them
    "trusted_advisor": "Trusted Advisor",
    "compute_optimizer": "Compute Optimizer",
    "commitment": "unused RI/SP",
}


@dataclass(frozen=True)
class SavingsItem:
    source: str  # trusted_advisor | compute_optimizer | commitment
    account_id: str
    account_name: str | None
    as_of: date
    title: str | None
    category: str | None
    finding: str | None
    resources_flagged: int | None
    savings: Decimal
    currency: str | None


def savings_current(reader: Reader) -> list[SavingsItem]:
    rows = reader.rows(
        """
        SELECT source, account_id, account_name, as_of, title, category, finding,
               resources_flagged, estimated_monthly_savings, currency
        FROM v_report_savings_current
        ORDER BY estimated_monthly_savings DESC, account_name, account_id, title
        """,
        None,
        "v_report_savings_current",
    )
    return [
        SavingsItem(
            r["source"],
            r["account_id"],
            r["account_name"],
            r["as_of"],
            r["title"],
            r["category"],
            r["finding"],
            None if r["resources_flagged"] is None else int(r["resources_flagged"]),
            to_decimal(r["estimated_monthly_savings"]) or Decimal(0),
            r["currency"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class OptimizerGroup:
    resource_type: str
    finding: str | None
    recommendations: int
    savings: Decimal
    currency: str | None
    basis: str | None = None  # after_discounts | on_demand | mixed (of the positive savings)


def compute_optimizer(reader: Reader) -> list[OptimizerGroup]:
    """Current Compute Optimizer recommendations per resource type and finding, with the sum
    of their positive estimated monthly savings."""
    rows = reader.rows(
        """
        SELECT resource_type, finding, count(*) AS recommendations,
               coalesce(sum(estimated_monthly_savings)
                            FILTER (WHERE estimated_monthly_savings > 0), 0) AS savings,
               min(currency) AS currency,
               min(coalesce(savings_basis, 'on_demand'))
                   FILTER (WHERE estimated_monthly_savings > 0) AS basis_min,
               max(coalesce(savings_basis, 'on_demand'))
                   FILTER (WHERE estimated_monthly_savings > 0) AS basis_max
        FROM v_compute_optimizer_recommendations_current
        GROUP BY resource_type, finding
        ORDER BY resource_type, finding
        """,
        None,
        "v_compute_optimizer_recommendations_current",
    )
    return [
        OptimizerGroup(
            r["resource_type"],
            r["finding"],
            to_int(r["recommendations"]),
            to_decimal(r["savings"]) or Decimal(0),
            r["currency"],
            r["basis_min"] if r["basis_min"] == r["basis_max"] else "mixed",
        )
        for r in rows
    ]


@dataclass(frozen=True)
class CommitmentPeriod:
    kind: str
    period_start: date
    period_end: date
    utilization_pct: Decimal | None
    coverage_pct: Decimal | None
    unused: Decimal | None
    net_savings: Decimal | None
    currency: str | None


def commitments(reader: Reader, period: Period) -> list[CommitmentPeriod]:
    """RI/SP utilization and coverage of the periods that lie inside the report period."""
    rows = reader.rows(
        """
        SELECT kind, period_start, period_end, utilization_pct, coverage_pct, unused,
               net_savings, currency
        FROM v_report_commitment_utilization
        WHERE period_start >= :start AND period_end <= CAST(:end AS date) + 1
        ORDER BY kind, period_start, period_end
        """,
        period.params(),
        "v_report_commitment_utilization",
    )
    return [
        CommitmentPeriod(
            r["kind"],
            r["period_start"],
            r["period_end"],
            to_decimal(r["utilization_pct"]),
            to_decimal(r["coverage_pct"]),
            to_decimal(r["unused"]),
            to_decimal(r["net_savings"]),
            r["currency"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class CommitmentService:
    kind: str
    service: str  # RI: the reservation service; '' for SP
    period_start: date
    period_end: date
    accounts: int
    utilization_pct: Decimal | None
    coverage_pct: Decimal | None
    unused: Decimal | None
    currency: str | None


def commitment_services(reader: Reader, period: Period) -> list[CommitmentService]:
    """Per kind and service, the latest period inside the report period: accounts reporting,
    utilization of the commitments owned and usage-weighted coverage of every account."""
    rows = reader.rows(
        """
        SELECT DISTINCT ON (kind, service) kind, service, period_start, period_end, accounts,
               utilization_pct, coverage_pct, unused, currency
        FROM v_report_commitment_services
        WHERE period_start >= :start AND period_end <= CAST(:end AS date) + 1
        ORDER BY kind, service, period_end DESC, period_start DESC
        """,
        period.params(),
        "v_report_commitment_services",
    )
    return [
        CommitmentService(
            r["kind"],
            r["service"],
            r["period_start"],
            r["period_end"],
            to_int(r["accounts"]),
            to_decimal(r["utilization_pct"]),
            to_decimal(r["coverage_pct"]),
            to_decimal(r["unused"]),
            r["currency"],
        )
        for r in rows
    ]


def savings_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    currency = data.currencies.main
    unit = Unit("money", currency)
    section = Section(
        "savings",
        "Savings opportunities",
        "Estimated monthly savings of the current Trusted Advisor cost checks, Compute Optimizer "
        "recommendations and unused RI/SP commitment (v_report_savings_current, the current "
        "part of v_savings_opportunities), recommendations by type and finding "
        "(v_compute_optimizer_recommendations_current), each resource's utilisation, risk and "
        "migration effort (v_compute_optimizer_utilization_current), and RI/SP utilization and "
        "coverage "
        "(v_report_commitment_utilization).",
    )

    advisor = [s for s in data.savings if s.source == "trusted_advisor"]
    by_check: dict[str, Decimal] = defaultdict(Decimal)
    for s in advisor:
        by_check[s.title or "(unnamed check)"] += s.savings
    checks = sorted(by_check, key=lambda c: (-by_check[c], c))
    section.add("<h3>Trusted Advisor</h3>")
    section.add_figure(
        Figure(
            "savings-trusted-advisor",
            "Estimated monthly savings per flagged Trusted Advisor check, all accounts.",
            charts.hbar_chart(
                label=f"Trusted Advisor estimated monthly savings per check ({currency})",
                categories=checks,
                series=[Series("Estimated savings per month", [by_check[c] for c in checks])],
                unit=unit,
            ),
            no_data("Trusted Advisor savings"),
        )
    )
    section.add(
        table_html(
            "savings-trusted-advisor",
            "Flagged Trusted Advisor checks with estimated savings (current)",
            [
                "Account",
                "Account ID",
                "Check",
                "Category",
                "Status",
                "Resources flagged",
                "Savings/month",
                "As of",
            ],
            [
                [
                    style_of(styles, s.account_id, s.account_name).label,
                    s.account_id,
                    s.title or "",
                    s.category or "",
                    s.finding or "",
                    count(s.resources_flagged),
                    money(s.savings, s.currency or currency),
                    long_day(s.as_of),
                ]
                for s in advisor
            ],
            numeric=(5, 6),
            wrap=(2,),
            empty_text=no_data("Trusted Advisor savings"),
        )
    )

    section.add("<h3>Compute Optimizer</h3>")
    types = sorted({g.resource_type for g in data.optimizer})
    findings = sorted({g.finding or "(none)" for g in data.optimizer})
    saving = {(g.resource_type, g.finding or "(none)"): g.savings for g in data.optimizer}
    section.add_figure(
        Figure(
            "savings-compute-optimizer",
            "Estimated monthly savings of current Compute Optimizer recommendations per resource "
            "type, stacked by finding (recommendations that cost more are not counted), after "
            "Savings Plans and RI discounts where Compute Optimizer gives them, else at "
            "On-Demand prices (the table says which).",
            charts.hbar_chart(
                label="Compute Optimizer estimated monthly savings by type and finding "
                f"({currency})",
                categories=types,
                series=[
                    Series(f, [saving.get((t, f)) for t in types], charts.color_of(i))
                    for i, f in enumerate(findings)
                ],
                unit=unit,
            ),
            no_data("Compute Optimizer savings"),
        )
    )
    section.add(
        table_html(
            "savings-compute-optimizer",
            "Current Compute Optimizer recommendations by resource type and finding",
            ["Resource type", "Finding", "Recommendations", "Savings/month", "Priced at"],
            [
                [
                    g.resource_type,
                    g.finding or "(none)",
                    count(g.recommendations),
                    money(g.savings, g.currency or currency),
                    BASIS_LABELS.get(g.basis or "", EN_DASH),
                ]
                for g in data.optimizer
            ],
            numeric=(2, 3),
            empty_text=no_data("Compute Optimizer recommendations"),
        )
    )
    section.add(rightsizing_table(data, styles))

    section.add("<h3>Reserved Instances and Savings Plans</h3>")
    section.add_figure(_commitment_figure(data))
    section.add(
        table_html(
            "savings-commitment-services",
            "Reserved Instances per service and Savings Plans, latest period: utilization of the "
            "commitments owned, coverage of every account's usage whoever owns the commitment",
            ["Kind", "Service", "Accounts", "Utilization", "Coverage", "Unused", "Period ends"],
            [
                [
                    "RI" if s.kind == "RI" else "Savings Plans",
                    s.service or "(all eligible services)",
                    count(s.accounts),
                    percent(s.utilization_pct),
                    percent(s.coverage_pct),
                    money(s.unused, s.currency or currency),
                    long_day(s.period_end - timedelta(1)),
                ]
                for s in data.commitment_services
            ],
            numeric=(2, 3, 4, 5),
            empty_text=no_data("RI/SP utilization"),
        )
    )
    unused = [s for s in data.savings if s.source == "commitment"]
    section.add(
        table_html(
            "savings-commitments",
            "Unused commitment of the latest period, scaled to a month",
            ["Account", "Account ID", "Kind", "Description", "Unused/month", "Period ends"],
            [
                [
                    style_of(styles, s.account_id, s.account_name).label,
                    s.account_id,
                    s.category or "",
                    s.title or "",
                    money(s.savings, s.currency or currency),
                    long_day(s.as_of),
                ]
                for s in unused
            ],
            numeric=(4,),
            empty_text=no_data("unused RI/SP commitment"),
        )
    )
    return section


BASIS_LABELS = {  # compute_optimizer_recommendations.savings_basis
    "after_discounts": "after SP/RI discounts",
    "on_demand": "On-Demand prices",
    "mixed": "mixed (after discounts where given)",
}


def _commitment_figure(data: ReportData) -> Figure:
    periods = data.commitments
    daily = [p for p in periods if (p.period_end - p.period_start).days == 1]
    kinds = sorted({p.kind for p in periods})
    spans: list[tuple[date, date]]
    if daily:  # a date axis, one position per day of the report
        chosen = daily
        spans = [(d, d + timedelta(1)) for d in period_days(data.period)]
        axis = charts.date_axis(period_days(data.period))
        per = "day"
    else:  # longer periods (e.g. calendar months), one position each
        chosen = periods
        spans = sorted({(p.period_start, p.period_end) for p in periods})
        axis = charts.category_axis(
            [
                month(a)
                if a.day == 1 and b == _next_month(a)
                else f"{day_label(a)}{EN_DASH}{day_label(b - timedelta(1))}"
                for a, b in spans
            ]
        )
        per = "period"
    position_of = {span: i for i, span in enumerate(spans)}
    series = []
    for i, kind in enumerate(kinds):
        name = "RI" if kind == "RI" else "Savings Plans" if kind == "SP" else kind
        utilization: list[Decimal | None] = [None] * len(axis.labels)
        coverage: list[Decimal | None] = [None] * len(axis.labels)
        for p in chosen:
            position = position_of.get((p.period_start, p.period_end))
            if p.kind != kind or position is None:
                continue
            utilization[position] = p.utilization_pct
            coverage[position] = p.coverage_pct
        series.append(Series(f"{name} utilization", utilization, charts.color_of(2 * i), ""))
        series.append(Series(f"{name} coverage", coverage, charts.color_of(2 * i + 1), "6 3"))
    return Figure(
        "commitments",
        f"Utilization (used / committed) and coverage of Reserved Instances and Savings Plans "
        f"per {per}, all accounts and every reservation service (EC2, RDS, ElastiCache, "
        "MemoryDB, Redshift, OpenSearch). Utilization counts the commitments accounts own; "
        "coverage the usage of every account, covered by commitments owned there or shared "
        "from another account of the billing family (weighted by usage: RI hours, SP spend).",
        charts.line_chart(
            label="RI and Savings Plans utilization and coverage (%)",
            x=axis,
            series=series,
            unit=Unit("percent"),
            y_range=(0.0, 100.0),
            height=200,
        ),
        no_data("RI/SP utilization"),
    )


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)
