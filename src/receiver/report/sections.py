"""The eight report sections and the KPI strip, built from the data sets of ``queries``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from receiver.report import charts
from receiver.report import queries as q
from receiver.report.charts import Cell, Series
from receiver.report.formatting import (
    EN_DASH,
    Unit,
    count,
    esc,
    long_day,
    money,
    month,
    percent,
)
from receiver.report.formatting import day as day_label
from receiver.report.html import Figure, Kpi, Section, no_data, table_html
from receiver.report.queries import (
    SEVERITIES,
    Account,
    AccountDayCost,
    CollectionDay,
    CollectorIssue,
    CommitmentPeriod,
    ComplianceCurrent,
    ComplianceDay,
    Currencies,
    GroupBy,
    GroupTotal,
    IngestionFailureDay,
    InventoryCount,
    MonthForecast,
    NonCompliantRule,
    OptimizerGroup,
    Period,
    Reader,
    SavingsItem,
    SecurityCurrent,
    SecurityDay,
    ServiceCost,
)

TOP_SERVICES = 8
DAILY_BARS_UP_TO = 45  # longer periods show the service chart per week
TOP_RULES = 15
TOP_FAILURES = 20
TOP_INGESTION_FAILURES = 10

SEVERITY_COLORS = {
    "CRITICAL": "#67001f",
    "HIGH": "#d6604d",
    "MEDIUM": "#fdb863",
    "LOW": "#4393c3",
    "INFORMATIONAL": "#bababa",
}
HEALTH_STYLES = {
    "ok": ("#4575b4", "ok"),
    "partial": ("#fdae61", "partial"),
    "skipped": ("#d9d9d9", "skipped (a collector did not run)"),
    "error": ("#a50026", "error"),
    "missing": ("#ffffff", "missing (no file)"),
}
SOURCE_NAMES = {
    "trusted_advisor": "Trusted Advisor",
    "compute_optimizer": "Compute Optimizer",
    "commitment": "unused RI/SP",
}


@dataclass
class ReportData:
    """Everything the report shows, read in one pass over the views."""

    period: Period | None
    accounts: list[Account]
    currencies: Currencies
    cost_days: list[AccountDayCost]
    service_bucket: str
    service_costs: list[ServiceCost]
    forecasts: list[MonthForecast]
    security_days: list[SecurityDay]
    security_now: list[SecurityCurrent]
    compliance_days: list[ComplianceDay]
    compliance_now: ComplianceCurrent
    noncompliant: list[NonCompliantRule]
    noncompliant_total: int
    inventory: list[InventoryCount]
    savings: list[SavingsItem]
    optimizer: list[OptimizerGroup]
    commitments: list[CommitmentPeriod]
    commitment_services: list[q.CommitmentService]
    collection: list[CollectionDay]
    failures: list[CollectorIssue]
    failures_total: int
    ingestion_failures: list[IngestionFailureDay]
    roster: q.Roster
    group_by: GroupBy
    groups: list[GroupTotal]
    cost_basis: str = "amortized"  # which cost drives totals and charts (q.COST_BASES)
    # days still estimated by Cost Explorer, from the first month of the period to its end
    estimated_days: tuple[date, ...] = ()

    def period_estimated_days(self) -> list[date]:
        if self.period is None:
            return []
        return [d for d in self.estimated_days if self.period.start <= d <= self.period.end]

    def month_estimated_days(self, first: date) -> int:
        return sum(1 for d in self.estimated_days if (d.year, d.month) == (first.year, first.month))


def fetch(
    reader: Reader,
    period: Period | None,
    group_by: GroupBy | None = None,
    cost_basis: str = "amortized",
) -> ReportData:
    """Run every query of the report (those bound to the period only when there is one)."""
    group_by = group_by or GroupBy()
    q.cost_column(cost_basis)  # refuses an unknown basis before any query
    bucket = "day" if period is None or len(period.days) <= DAILY_BARS_UP_TO else "week"
    currencies = q.cost_currencies(reader, period) if period else q.Currencies("USD", 0, ())
    noncompliant, noncompliant_total = q.noncompliant_rules(reader, TOP_RULES)
    failures, failures_total = (
        q.collector_failures(reader, period, TOP_FAILURES) if period else ([], 0)
    )
    return ReportData(
        period=period,
        accounts=q.accounts(reader),
        currencies=currencies,
        cost_days=(
            q.cost_by_account_day(reader, period, currencies.main, cost_basis) if period else []
        ),
        service_bucket=bucket,
        service_costs=(
            q.cost_by_service(
                reader,
                period,
                currencies.main,
                top=TOP_SERVICES,
                bucket=bucket,
                basis=cost_basis,
            )
            if period
            else []
        ),
        forecasts=q.forecast_by_month(reader, period, cost_basis) if period else [],
        security_days=q.security_by_day(reader, period) if period else [],
        security_now=q.security_current(reader),
        compliance_days=q.compliance_by_day(reader, period) if period else [],
        compliance_now=q.compliance_current(reader),
        noncompliant=noncompliant,
        noncompliant_total=noncompliant_total,
        inventory=q.inventory(reader),
        savings=q.savings_current(reader),
        optimizer=q.compute_optimizer(reader),
        commitments=q.commitments(reader, period) if period else [],
        commitment_services=q.commitment_services(reader, period) if period else [],
        collection=q.collection_days(reader, period) if period else [],
        failures=failures,
        failures_total=failures_total,
        ingestion_failures=q.ingestion_failures(reader, TOP_INGESTION_FAILURES),
        roster=q.roster(reader),
        group_by=group_by,
        groups=q.group_totals(reader, period, currencies.main, group_by, cost_basis),
        cost_basis=cost_basis,
        estimated_days=(
            tuple(q.estimated_cost_days(reader, period.start.replace(day=1), period.end))
            if period
            else ()
        ),
    )


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class AccountStyle:
    label: str
    color: str
    dash: str


def account_styles(accounts: Sequence[Account]) -> dict[str, AccountStyle]:
    """A label, colour and dash per account, the same in every chart of the report."""
    names = [a.name for a in accounts]
    styles = {}
    for i, a in enumerate(accounts):
        if not a.name:
            label = a.account_id
        elif names.count(a.name) > 1:
            label = f"{a.name} ({a.account_id})"
        else:
            label = a.name
        styles[a.account_id] = AccountStyle(label, charts.color_of(i), charts.dash_of(i))
    return styles


def _account_series(
    days: list[date],
    points: Iterable[tuple[str, str | None, date, Decimal | None]],
    styles: dict[str, AccountStyle],
) -> tuple[dict[str, list[Decimal | None]], dict[str, str | None], list[str], list[Series]]:
    """One line per account over ``days`` from (account id, name, day, value) points: the
    values per account, the names, the accounts in report order, and the styled series."""
    index = {d: i for i, d in enumerate(days)}
    per_account: dict[str, list[Decimal | None]] = {}
    names: dict[str, str | None] = {}
    for account_id, name, day, value in points:
        per_account.setdefault(account_id, [None] * len(days))[index[day]] = value
        names[account_id] = name
    order = _in_account_order(per_account, styles)
    series = [
        Series(
            _style(styles, a, names[a]).label,
            per_account[a],
            _style(styles, a, names[a]).color,
            _style(styles, a, names[a]).dash,
        )
        for a in order
    ]
    return per_account, names, order, series


def _in_account_order(account_ids: Iterable[str], styles: dict[str, AccountStyle]) -> list[str]:
    """The ids in the order of the report's account list (by name), unknown ones last."""
    rank = {account_id: i for i, account_id in enumerate(styles)}
    return sorted(account_ids, key=lambda a: (rank.get(a, len(rank)), a))


def _style(styles: dict[str, AccountStyle], account_id: str, name: str | None) -> AccountStyle:
    return styles.get(account_id) or AccountStyle(name or account_id, charts.OTHER_COLOR, "")


def _pct2(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _sum(values: Sequence[Decimal]) -> Decimal:
    return sum(values, start=Decimal(0))


# --------------------------------------------------------------------------- KPI strip


def kpis(data: ReportData) -> list[Kpi]:
    currency = data.currencies.main
    total = _sum([c.cost for c in data.cost_days])
    other_total = _sum([c.other for c in data.cost_days])
    basis, other = data.cost_basis, q.other_basis(data.cost_basis)
    reporting = {c.account_id for c in data.collection if c.status != "missing"}
    critical_high = sum(
        (s.counts["CRITICAL"] or 0) + (s.counts["HIGH"] or 0) for s in data.security_now
    )
    unknown = sum(not s.known for s in data.security_now)
    pct = data.compliance_now.pct
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    for item in data.savings:
        by_source[item.source] += item.savings
    savings_total = _sum(list(by_source.values()))
    days = len(data.period.days) if data.period else 0
    not_reporting = len(data.roster.not_reporting)
    reporting_detail = "sent data for at least one day of the period"
    if data.roster.refreshed_at is not None:
        reporting_detail += (
            f"; {not_reporting} of {len(data.roster.accounts)} expected accounts silent or "
            "never reported"
        )
    return [
        Kpi(
            "total-cost",
            "Total cost in period",
            money(total, currency),
            str(total),
            f"{basis}, {days} days, all accounts; {other}: {money(other_total, currency)}"
            + _estimated_note(data),
        ),
        Kpi(
            "accounts-reporting",
            "Accounts reporting",
            f"{len(reporting)} of {len(data.accounts)}",
            str(len(reporting)),
            reporting_detail,
        ),
        Kpi(
            "critical-high",
            "Open critical/high findings",
            count(critical_high),
            str(critical_high),
            "Security Hub, workflow NEW or NOTIFIED (suppressed and resolved not counted), "
            "current snapshot"
            + (
                f"; {unknown} account(s) not counted: their sender sends no workflow status"
                if unknown
                else ""
            ),
        ),
        Kpi(
            "compliance",
            "Compliance",
            percent(pct, 1) if pct is not None else EN_DASH,
            _pct2(pct),
            f"{data.compliance_now.rules_compliant} of "
            f"{data.compliance_now.rules_compliant + data.compliance_now.rules_non_compliant} "
            "evaluated Config rules compliant (current)",
        ),
        Kpi(
            "savings",
            "Savings/month identified",
            money(savings_total, currency),
            str(savings_total),
            " · ".join(
                f"{SOURCE_NAMES[s]} {money(by_source.get(s, Decimal(0)), currency)}"
                for s in SOURCE_NAMES
            )
            + " (sources may overlap)",
        ),
    ]


def _estimated_note(data: ReportData) -> str:
    estimated = len(data.period_estimated_days())
    if not estimated:
        return ""
    days = len(data.period.days) if data.period else 0
    return f"; {estimated} of {days} days still estimated by Cost Explorer"


# --------------------------------------------------------------------------- 1. cost


def _days(period: Period | None) -> list[date]:
    return period.days if period else []


def cost_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    currency = data.currencies.main
    unit = Unit("money", currency)
    section = Section(
        "cost",
        "Cost over time",
        f"{data.cost_basis.capitalize()} cost per day for each account and for the top "
        f"{TOP_SERVICES} services (all others summed as Other), read from v_report_cost_daily "
        "(the rows of cost_daily with their currency).",
    )
    days = _days(data.period)
    per_account, names, order, series = _account_series(
        days, ((c.account_id, c.account_name, c.day, c.cost) for c in data.cost_days), styles
    )
    chart = charts.line_chart(
        label=f"Daily {data.cost_basis} cost per account ({currency})",
        x=charts.date_axis(days),
        series=series,
        unit=unit,
    )
    section.add_figure(
        Figure(
            "cost-by-account",
            f"Daily cost per account in {currency}; a gap means no cost data for that day.",
            chart,
            no_data("cost per account"),
        )
    )

    if data.service_bucket == "week" and data.period:
        first = data.period.start - timedelta(data.period.start.weekday())
        buckets = [first + timedelta(7 * i) for i in range((data.period.end - first).days // 7 + 1)]
        axis = charts.week_axis(buckets, data.period.start, data.period.end)
    else:
        buckets = days
        axis = charts.date_axis(days)
    slot = {b: i for i, b in enumerate(buckets)}
    ranked: dict[int, str | None] = {}
    values: dict[int, list[Decimal | None]] = {}
    for s in data.service_costs:
        ranked[s.rank] = s.service
        values.setdefault(s.rank, [None] * len(buckets))[slot[s.bucket]] = s.cost
    service_series = [
        Series(
            ranked[rank] or "Other services",
            values[rank],
            charts.color_of(rank - 1) if ranked[rank] else charts.OTHER_COLOR,
        )
        for rank in sorted(ranked)
    ]
    per = "day" if data.service_bucket == "day" else "week"
    section.add_figure(
        Figure(
            "cost-by-service",
            f"Cost per {per} of the {TOP_SERVICES} services that cost most in the period, "
            f"stacked; Other services holds the rest (credits below zero).",
            charts.stacked_bar_chart(
                label=f"Cost per {per} by service ({currency})",
                x=axis,
                series=service_series,
                unit=unit,
            ),
            no_data("cost per service"),
        )
    )

    total = _sum([c.cost for c in data.cost_days])
    rows = []
    for a in order:
        account_total = _sum([v for v in per_account[a] if v is not None])
        share = percent(Decimal(100) * account_total / total, 1) if total else EN_DASH
        rows.append(
            [
                _style(styles, a, names[a]).label,
                a,
                money(account_total, currency),
                share,
                count(sum(1 for v in per_account[a] if v is not None)),
            ]
        )
    section.add(
        table_html(
            "cost-by-account",
            "Cost per account in the period",
            ["Account", "Account ID", "Cost", "Share", "Days with cost"],
            rows,
            numeric=(2, 3, 4),
            footer=["All accounts", "", money(total, currency), "100%" if total else EN_DASH, ""]
            if rows
            else None,
            empty_text=no_data("cost"),
        )
    )
    estimated = data.period_estimated_days()
    if estimated:
        section.add(
            f'<p class="note" id="cost-estimated">{count(len(estimated))} of '
            f"{count(len(days))} days of the period ({esc(long_day(estimated[0]))} "
            f"{EN_DASH} {esc(long_day(estimated[-1]))}) are still estimated by Cost Explorer: "
            "their cost may change (credits, refunds, discounts, tax) until the month's "
            "invoice is final, and the sender re-collects them every day until then.</p>"
        )
    if data.currencies.other_rows:
        section.add(
            f'<p class="note">{data.currencies.other_rows} cost rows in other currencies '
            f"({esc(', '.join(data.currencies.others))}) are not included above.</p>"
        )
    return section


# --------------------------------------------------------------------------- 2. forecast


def forecast_section(data: ReportData) -> Section:
    currency = data.currencies.main
    unit = Unit("money", currency)
    section = Section(
        "forecast",
        "Forecast against actual",
        f"Actual {data.cost_basis} cost of each month in the period against the month total "
        f"projected by the latest Cost Explorer {data.cost_basis} cost forecast of that month "
        "(actual before the forecast period plus the forecast mean), read from "
        "v_cost_forecast_vs_actual.",
    )
    months = data.forecasts
    chart = charts.forecast_chart(
        label=f"Monthly cost: actual and forecast month total ({currency})",
        x=charts.category_axis([month(m.month) for m in months]),
        actual=[m.actual for m in months],
        forecast=[m.projected for m in months],
        lower=[m.lower for m in months],
        upper=[m.upper for m in months],
        unit=unit,
    )
    section.add_figure(
        Figure(
            "forecast",
            "Bars: actual cost of the month so far (whole calendar month, all accounts; days "
            "Cost Explorer still estimates are included as estimated, see Days still "
            "estimated). Points: forecast month total; whiskers: the sum of the accounts' "
            "prediction intervals.",
            chart,
            no_data("cost or forecasts"),
        )
    )
    rows = [
        [
            month(m.month),
            money(m.actual, currency),
            long_day(m.actual_through) if m.actual_through else EN_DASH,
            money(m.projected, currency) if m.projected is not None else "no forecast",
            f"{money(m.lower, currency)} {EN_DASH} {money(m.upper, currency)}"
            if m.lower is not None and m.upper is not None
            else EN_DASH,
            f"{m.forecasts} of {m.accounts}",
            count(data.month_estimated_days(m.month)),
        ]
        for m in months
    ]
    section.add(
        table_html(
            "forecast",
            "Actual and forecast per month",
            [
                "Month",
                "Actual",
                "Actual through",
                "Forecast month total",
                "Prediction interval",
                "Accounts with a forecast",
                "Days still estimated",
            ],
            rows,
            numeric=(1, 3, 4, 5, 6),
            empty_text=no_data("cost or forecasts"),
        )
    )
    return section


# --------------------------------------------------------------------------- 3. security


def security_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "security",
        "Security findings",
        "Open Security Hub findings (record state ACTIVE, workflow status NEW or NOTIFIED) by "
        "severity for each account and day, read from v_security_posture, and the current "
        "open count per account and severity from v_securityhub_severity_counts_current. "
        "Suppressed and resolved findings (passed control findings among them) are closed: "
        "they are counted apart, never as open. A dash: the sender sent no workflow status.",
    )
    days = _days(data.period)
    index = {d: i for i, d in enumerate(days)}
    by_account: dict[str, list[SecurityDay]] = defaultdict(list)
    for s in data.security_days:
        by_account[s.account_id].append(s)
    unit = Unit("count")
    order = _in_account_order(by_account, styles)
    for account_id in order:
        rows = by_account[account_id]
        style = _style(styles, account_id, rows[0].account_name)
        section.add(f"<h3>{esc(style.label)} <small>{esc(account_id)}</small></h3>")
        series = []
        for severity in SEVERITIES:
            values: list[int | None] = [None] * len(days)  # open findings
            for r in rows:
                values[index[r.day]] = r.counts[severity]
            series.append(Series(severity.title(), values, SEVERITY_COLORS[severity]))
        section.add_figure(
            Figure(
                f"security-{account_id}",
                f"{style.label} ({account_id}): open Security Hub findings (workflow NEW or "
                "NOTIFIED) per day by severity.",
                charts.stacked_bar_chart(
                    label=f"Open Security Hub findings by severity, {style.label} ({account_id})",
                    x=charts.date_axis(days),
                    series=series,
                    unit=unit,
                    height=150,
                ),
                no_data(f"open Security Hub findings of {style.label}"),
            )
        )
    if not order:
        section.add_figure(
            Figure(
                "security",
                "Open Security Hub findings (workflow NEW or NOTIFIED) per day by severity, one "
                "chart per account.",
                None,
                no_data("open Security Hub findings"),
            )
        )
    table_rows = []
    columns: list[list[int | None]] = []
    for s in data.security_now:
        style = _style(styles, s.account_id, s.account_name)
        figures = [
            *(s.counts[sev] for sev in SEVERITIES),
            s.open_total,
            s.suppressed,
            s.resolved,
            s.active_records,
        ]
        columns.append(figures)
        table_rows.append(
            [style.label, s.account_id, long_day(s.as_of)] + [count(n) for n in figures]
        )
    footer = [_sum_known([row[i] for row in columns]) for i in range(len(SEVERITIES) + 4)]
    section.add(
        table_html(
            "security-current",
            "Current Security Hub findings per account: open (workflow NEW or NOTIFIED) by "
            "severity, closed (suppressed, resolved) and every ACTIVE record",
            [
                "Account",
                "Account ID",
                "As of",
                *[f"Open {s.lower()}" for s in SEVERITIES],
                "Open total",
                "Suppressed",
                "Resolved",
                "All ACTIVE records",
            ],
            table_rows,
            numeric=tuple(range(3, 3 + len(SEVERITIES) + 4)),
            footer=["All accounts", "", ""] + [count(n) for n in footer] if table_rows else None,
            empty_text=no_data("current Security Hub findings"),
        )
    )
    return section


def _sum_known(values: list[int | None]) -> int | None:
    """The sum, or None (shown as a dash) when any value is unknown."""
    return None if any(v is None for v in values) else sum(v or 0 for v in values)


# --------------------------------------------------------------------------- 3b. groups


def groups_section(data: ReportData) -> Section:
    currency = data.currencies.main
    by = data.group_by
    what = "OU path" if by.tag is None else f"value of the account tag {by.tag}"
    section = Section(
        "by-group",
        "By organizational unit" if by.tag is None else f"By account tag {by.tag}",
        f"{data.cost_basis.capitalize()} cost in the period and current open Security Hub "
        "findings (workflow NEW or "
        f"NOTIFIED) of the accounts, per "
        f"{what} (python -m receiver report --group-by ou|tag:<key>), read from "
        "v_account_labels (the organization roster's OU paths and account tags; an account "
        "outside the roster keeps the OU path its sender reported), v_report_cost_daily and "
        "v_securityhub_severity_counts_current.",
    )
    groups = data.groups
    section.add_figure(
        Figure(
            "cost-by-group",
            f"Cost in the period per {what}, all its accounts together.",
            charts.hbar_chart(
                label=f"Cost per {by.label} ({currency})",
                categories=[g.group for g in groups],
                series=[Series("Cost in the period", [g.cost for g in groups])],
                unit=Unit("money", currency),
            ),
            no_data(f"cost per {by.label}"),
        )
    )
    total = _sum([g.cost for g in groups])
    rows = [
        [
            g.group,
            count(g.accounts),
            money(g.cost, currency),
            percent(Decimal(100) * g.cost / total, 1) if total else EN_DASH,
            count(g.findings["CRITICAL"]),
            count(g.findings["HIGH"]),
            count(_sum_known(list(g.findings.values()))),
        ]
        for g in groups
    ]
    section.add(
        table_html(
            "cost-findings-by-group",
            f"Cost and open Security Hub findings per {by.label}",
            [by.label, "Accounts", "Cost", "Share", "Open critical", "Open high", "Open total"],
            rows,
            numeric=(1, 2, 3, 4, 5, 6),
            wrap=(0,),
            footer=[
                "All groups",
                count(sum(g.accounts for g in groups)),
                money(total, currency),
                "100%" if total else EN_DASH,
                count(_sum_known([g.findings["CRITICAL"] for g in groups])),
                count(_sum_known([g.findings["HIGH"] for g in groups])),
                count(_sum_known([_sum_known(list(g.findings.values())) for g in groups])),
            ]
            if rows
            else None,
            empty_text=no_data(f"cost or findings per {by.label}"),
        )
    )
    return section


# --------------------------------------------------------------------------- 4. compliance


def compliance_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "compliance",
        "Compliance",
        "Share of evaluated AWS Config rules that are compliant, per account and day, read from "
        "v_compliance_trend, and the current non-compliant rules from v_config_rules_current.",
    )
    days = _days(data.period)
    _, _, _, series = _account_series(
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
            _style(styles, r.account_id, r.account_name).label,
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


# --------------------------------------------------------------------------- 5. inventory


def inventory_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "inventory",
        "Inventory",
        "Number of resources per type and account in each account's current inventory "
        "snapshot, read from v_resources_current.",
    )
    types = sorted({i.resource_type for i in data.inventory})
    account_ids = _in_account_order({i.account_id for i in data.inventory}, styles)
    names = {i.account_id: i.account_name for i in data.inventory}
    counts = {(i.account_id, i.resource_type): i.count for i in data.inventory}
    series = [
        Series(
            _style(styles, a, names[a]).label,
            [counts.get((a, t)) for t in types],
            _style(styles, a, names[a]).color,
        )
        for a in account_ids
    ]
    section.add_figure(
        Figure(
            "inventory",
            "Resources per type, stacked by account.",
            charts.hbar_chart(
                label="Resources per type and account",
                categories=types,
                series=series,
                unit=Unit("count"),
            ),
            no_data("inventory"),
        )
    )
    rows = []
    for a in account_ids:
        rows.append(
            [_style(styles, a, names[a]).label, a]
            + [count(counts.get((a, t), 0)) for t in types]
            + [count(sum(counts.get((a, t), 0) for t in types))]
        )
    as_of = {i.account_id: i.as_of for i in data.inventory}
    for row, a in zip(rows, account_ids, strict=True):
        row.append(long_day(as_of[a]))
    section.add(
        table_html(
            "inventory",
            "Resources per account and type (current)",
            ["Account", "Account ID", *types, "Total", "As of"],
            rows,
            numeric=tuple(range(2, 3 + len(types))),
            footer=["All accounts", ""]
            + [count(sum(counts.get((a, t), 0) for a in account_ids)) for t in types]
            + [count(sum(counts.values())), ""]
            if rows
            else None,
            empty_text=no_data("inventory"),
        )
    )
    return section


# --------------------------------------------------------------------------- 6. savings


def savings_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    currency = data.currencies.main
    unit = Unit("money", currency)
    section = Section(
        "savings",
        "Savings opportunities",
        "Estimated monthly savings of the current Trusted Advisor cost checks, Compute Optimizer "
        "recommendations and unused RI/SP commitment (v_report_savings_current, the current "
        "part of v_savings_opportunities), recommendations by type and finding "
        "(v_compute_optimizer_recommendations_current), and RI/SP utilization and coverage "
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
                    _style(styles, s.account_id, s.account_name).label,
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
                    _style(styles, s.account_id, s.account_name).label,
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
        spans = [(d, d + timedelta(1)) for d in _days(data.period)]
        axis = charts.date_axis(_days(data.period))
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


# --------------------------------------------------------------------------- 7. health


def health_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "collection-health",
        "Collection health",
        "For every account and day, whether a sender file covered the day and the worst "
        "status of its collectors, read from v_report_collection_days (missing: no file "
        "covered the day), with the latest collector failures from v_report_collector_issues "
        "and files the receiver could not load from v_ingestion_status.",
    )
    days = _days(data.period)
    index = {d: i for i, d in enumerate(days)}
    rows: dict[str, list[Cell]] = {}
    labels: dict[str, str] = {}
    for c in data.collection:
        style = _style(styles, c.account_id, c.account_name)
        labels[c.account_id] = style.label
        cells = rows.setdefault(c.account_id, [Cell("missing", "") for _ in days])
        if c.status == "missing":
            detail = "no file covered this day"
        else:
            detail = (
                f"{c.collectors_ok} ok, {c.collectors_partial} partial, "
                f"{c.collectors_skipped} skipped, {c.collectors_error} error "
                f"({(c.interval or '').lower()} run)"
            )
        cells[index[c.day]] = Cell(
            c.status, f"{style.label} · {long_day(c.day)}: {c.status} {EN_DASH} {detail}"
        )
    chart = (
        charts.heatmap(
            label="Collection status per account and day",
            rows=[labels[a] for a in rows],
            x=charts.date_axis(days),
            cells=list(rows.values()),
            styles=HEALTH_STYLES,
        )
        if rows
        else None
    )
    section.add_figure(
        Figure(
            "collection-health",
            "Worst collector status per account and day: error, partial, skipped (a collector "
            "did not run, e.g. a service not enabled), ok; missing means no file.",
            chart,
            no_data("collection runs"),
        )
    )
    shown = (
        f"Latest collector failures (errors and partial results; {len(data.failures)} of "
        f"{data.failures_total})"
    )
    section.add(
        table_html(
            "collector-failures",
            shown,
            ["Day", "Account", "Account ID", "Collector", "Region", "Status", "Error"],
            [
                [
                    long_day(f.day),
                    _style(styles, f.account_id, f.account_name).label,
                    f.account_id,
                    f.collector,
                    f.region or "global",
                    f.status,
                    f.error or "",
                ]
                for f in data.failures
            ],
            wrap=(6,),
            empty_text=no_data("collector failures"),
        )
    )
    section.add(_silent_accounts_table(data, styles))
    section.add(
        table_html(
            "ingestion-failures",
            "Days on which the receiver failed to load a file (latest first, by day received)",
            ["Day received", "Files", "Failed", "Last error", "Last failed file"],
            [
                [
                    long_day(i.day),
                    count(i.files_total),
                    count(i.files_failed),
                    i.last_error or "",
                    i.last_failed_object_key or "",
                ]
                for i in data.ingestion_failures
            ],
            numeric=(1, 2),
            wrap=(3, 4),
            empty_text="No file failed to load.",
        )
    )
    return section


STATUS_TEXT = {"silent": "silent", "never_reported": "never reported", "reporting": "reporting"}


def _silent_accounts_table(data: ReportData, styles: dict[str, AccountStyle]) -> str:
    roster = data.roster
    if roster.refreshed_at is None:
        return (
            '<p class="no-data" id="table-silent-accounts">No organization roster yet: expected '
            "accounts are known once the roster function (or python -m receiver roster) has "
            "run.</p>"
        )
    hours = roster.accounts[0].silent_after_hours if roster.accounts else 36
    silent = roster.not_reporting
    return table_html(
        "silent-accounts",
        f"Expected accounts that are not reporting ({len(silent)} of {len(roster.accounts)} "
        f"ACTIVE accounts of the organization; silent = nothing for more than {hours} hours; "
        f"roster of {roster.refreshed_at:%Y-%m-%d %H:%M} UTC, v_collection_health_silent)",
        ["Account", "Account ID", "OU path", "Status", "Last report", "Hours since"],
        [
            [
                _style(styles, a.account_id, a.account_name).label,
                a.account_id,
                a.ou_path or "",
                STATUS_TEXT.get(a.status, a.status),
                f"{a.last_report_at:%Y-%m-%d %H:%M} UTC" if a.last_report_at else "never",
                count(int(a.hours_since_report)) if a.hours_since_report is not None else EN_DASH,
            ]
            for a in silent
        ],
        numeric=(5,),
        wrap=(2,),
        empty_text="Every expected account of the organization is reporting.",
    )


def build_sections(data: ReportData) -> list[Section]:
    styles = account_styles(data.accounts)
    return [
        cost_section(data, styles),
        forecast_section(data),
        security_section(data, styles),
        groups_section(data),
        compliance_section(data, styles),
        inventory_section(data, styles),
        savings_section(data, styles),
        health_section(data, styles),
    ]
