"""The report's data: one function per data set, each one aggregated SQL statement over the views.

Statements use named ``:param`` placeholders (run by either executor). Results come back as
frozen dataclasses holding ``Decimal`` money, ``date`` days and ``int`` counts. Every statement
goes through a ``Reader``, which counts statements and rows for the report's summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from receiver.db import Executor, Row

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
HEALTH_STATUSES = ("ok", "partial", "skipped", "error", "missing")


@dataclass
class Reader:
    """Runs the report's statements on an executor and counts what they return."""

    executor: Executor
    statements: int = 0
    rows_read: int = 0
    views: set[str] = field(default_factory=set)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None, *views: str) -> list[Row]:
        result = self.executor.execute(sql, dict(params or {}))
        self.statements += 1
        self.rows_read += len(result)
        self.views.update(views)
        return result


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(i) for i in range((self.end - self.start).days + 1)]

    def params(self) -> dict[str, date]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str | None


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


# --------------------------------------------------------------------------- period, accounts


def database_name(reader: Reader) -> str:
    return str(reader.rows("SELECT current_database() AS name")[0]["name"])


def last_data_day(reader: Reader) -> date | None:
    """The latest day with data: a cost day or the last day of a run's window."""
    rows = reader.rows(
        """
        SELECT greatest((SELECT max(usage_date) FROM v_report_cost_daily),
                        (SELECT max(window_end) - 1 FROM v_collection_windows)) AS last_day
        """,
        None,
        "v_report_cost_daily",
        "v_collection_windows",
    )
    return rows[0]["last_day"] if rows else None


KNOWN_ACCOUNTS = """
    SELECT account_id, name FROM v_accounts
    UNION ALL
    SELECT e.account_id, e.account_name
    FROM v_expected_accounts e
    WHERE NOT EXISTS (SELECT 1 FROM v_accounts x WHERE x.account_id = e.account_id)
"""


def accounts(reader: Reader) -> list[Account]:
    """Accounts that sent data, and expected accounts of the roster that never did."""
    rows = reader.rows(
        f"SELECT account_id, name FROM ({KNOWN_ACCOUNTS}) k ORDER BY name, account_id",
        None,
        "v_expected_accounts",
    )
    return [Account(r["account_id"], r["name"]) for r in rows]


# --------------------------------------------------------------------------- cost


@dataclass(frozen=True)
class Currencies:
    """The currency the cost charts use (the most common one) and rows left out."""

    main: str
    other_rows: int
    others: tuple[str, ...]


def cost_currencies(reader: Reader, period: Period) -> Currencies:
    rows = reader.rows(
        """
        SELECT currency, count(*) AS row_count
        FROM v_report_cost_daily
        WHERE usage_date BETWEEN :start AND :end AND currency IS NOT NULL
        GROUP BY currency
        ORDER BY count(*) DESC, currency
        """,
        period.params(),
        "v_report_cost_daily",
    )
    if not rows:
        return Currencies("USD", 0, ())
    others = rows[1:]
    return Currencies(
        rows[0]["currency"],
        sum(_int(r["row_count"]) for r in others),
        tuple(r["currency"] for r in others),
    )


# Which cost drives the report's totals and charts (``--cost-basis``). Amortized cost spreads
# upfront and recurring RI/Savings Plans fees over the days and accounts that use the commitment;
# unblended cost books a no-upfront commitment's monthly fee on the 1st, on the buying account.
COST_BASES = ("amortized", "unblended")
_COST_COLUMNS = {"amortized": "amortized_cost", "unblended": "unblended_cost"}
_FORECAST = {
    "amortized": ("AMORTIZED_COST", "actual_amortized_mtd"),
    "unblended": ("UNBLENDED_COST", "actual_unblended_mtd"),
}


def cost_column(basis: str) -> str:
    """The ``cost_daily`` column of a cost basis (a fixed name: never user text in SQL)."""
    try:
        return _COST_COLUMNS[basis]
    except KeyError:
        choices = ", ".join(COST_BASES)
        raise ValueError(f"cost basis must be one of {choices}, not {basis!r}") from None


def other_basis(basis: str) -> str:
    cost_column(basis)
    return next(b for b in COST_BASES if b != basis)


@dataclass(frozen=True)
class AccountDayCost:
    account_id: str
    account_name: str | None
    day: date
    cost: Decimal  # in the report's cost basis
    other: Decimal = Decimal(0)  # the same day in the other basis, shown alongside the totals


def cost_by_account_day(
    reader: Reader, period: Period, currency: str, basis: str = "amortized"
) -> list[AccountDayCost]:
    """Cost per account and day in ``basis``, with the other basis alongside (rows without a
    currency count as ``currency``)."""
    column, other = cost_column(basis), cost_column(other_basis(basis))
    rows = reader.rows(
        f"""
        SELECT account_id, account_name, usage_date, sum({column}) AS cost,
               sum({other}) AS other
        FROM v_report_cost_daily
        WHERE usage_date BETWEEN :start AND :end
          AND coalesce(currency, :currency) = :currency
          AND {column} IS NOT NULL
        GROUP BY account_id, account_name, usage_date
        ORDER BY account_id, usage_date
        """,
        {**period.params(), "currency": currency},
        "v_report_cost_daily",
    )
    return [
        AccountDayCost(
            r["account_id"],
            r["account_name"],
            r["usage_date"],
            _dec(r["cost"]) or Decimal(0),
            _dec(r["other"]) or Decimal(0),
        )
        for r in rows
    ]


def estimated_cost_days(reader: Reader, start: date, end: date) -> list[date]:
    """Days in [start, end] with a cost row Cost Explorer still flagged Estimated when it was
    last collected (its figures may change until the month's invoice is final)."""
    rows = reader.rows(
        """
        SELECT DISTINCT usage_date
        FROM v_report_cost_daily
        WHERE usage_date BETWEEN :start AND :end AND estimated
        ORDER BY usage_date
        """,
        {"start": start, "end": end},
        "v_report_cost_daily",
    )
    return [r["usage_date"] for r in rows]


@dataclass(frozen=True)
class ServiceCost:
    """Cost of a top service (``service`` None = all other services) in one day or week."""

    rank: int
    service: str | None
    bucket: date
    cost: Decimal


def cost_by_service(
    reader: Reader,
    period: Period,
    currency: str,
    *,
    top: int,
    bucket: str,
    basis: str = "amortized",
) -> list[ServiceCost]:
    """The ``top`` services by cost (in ``basis``) over the period, the rest together, per
    ``bucket``."""
    if bucket not in ("day", "week"):
        raise ValueError(f"bucket must be day or week, not {bucket!r}")
    column = cost_column(basis)
    rows = reader.rows(
        f"""
        WITH period AS (
            SELECT service, usage_date, sum({column}) AS cost
            FROM v_report_cost_daily
            WHERE usage_date BETWEEN :start AND :end
              AND coalesce(currency, :currency) = :currency
              AND {column} IS NOT NULL
            GROUP BY service, usage_date
        ),
        ranked AS (
            SELECT service, row_number() OVER (ORDER BY sum(cost) DESC, service) AS rank
            FROM period
            GROUP BY service
        )
        SELECT least(r.rank, :top + 1)                                   AS rank,
               CASE WHEN r.rank <= :top THEN p.service END               AS service,
               date_trunc(CAST(:bucket AS text), p.usage_date::timestamp)::date AS bucket,
               sum(p.cost)                                               AS cost
        FROM period p
        JOIN ranked r ON r.service = p.service
        GROUP BY 1, 2, 3
        ORDER BY 3, 1
        """,
        {**period.params(), "currency": currency, "top": top, "bucket": bucket},
        "v_report_cost_daily",
    )
    return [
        ServiceCost(int(r["rank"]), r["service"], r["bucket"], _dec(r["cost"]) or Decimal(0))
        for r in rows
    ]


@dataclass(frozen=True)
class MonthForecast:
    month: date
    actual: Decimal | None
    actual_through: date | None
    accounts: int
    forecasts: int
    projected: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    currency: str | None


def forecast_by_month(
    reader: Reader, period: Period, basis: str = "amortized"
) -> list[MonthForecast]:
    """Per month touching the period: actual cost (in ``basis``) of all accounts and the
    projected month total from the forecast of the same metric (actual before the forecast
    period + forecast mean; accounts without a forecast count with their actual). The interval
    is the sum of the accounts' bounds, shown only when every forecast of the month has both
    bounds."""
    cost_column(basis)
    metric, actual_column = _FORECAST[basis]
    rows = reader.rows(
        f"""
        WITH months AS (
            SELECT *
            FROM v_cost_forecast_vs_actual
            WHERE month BETWEEN date_trunc('month', CAST(:start AS date)::timestamp)::date AND :end
        ),
        actual AS (
            SELECT month, account_id,
                   max({actual_column}) AS actual,
                   max(actual_through)       AS actual_through
            FROM months
            GROUP BY month, account_id
        ),
        forecast AS (
            SELECT month, account_id, forecast_mean, forecast_lower_bound, forecast_upper_bound,
                   projected_month_total, forecast_currency
            FROM months
            WHERE forecast_metric = :metric AND forecast_mean IS NOT NULL
        )
        SELECT a.month,
               sum(a.actual)                                  AS actual,
               max(a.actual_through)                          AS actual_through,
               count(*)                                       AS accounts,
               count(f.account_id)                            AS forecasts,
               sum(coalesce(f.projected_month_total, a.actual))  AS projected,
               sum(coalesce(f.projected_month_total - f.forecast_mean + f.forecast_lower_bound,
                            a.actual))                        AS lower,
               sum(coalesce(f.projected_month_total - f.forecast_mean + f.forecast_upper_bound,
                            a.actual))                        AS upper,
               count(f.account_id) FILTER (WHERE f.forecast_lower_bound IS NULL
                                              OR f.forecast_upper_bound IS NULL) AS no_interval,
               min(f.forecast_currency)                       AS currency
        FROM actual a
        LEFT JOIN forecast f ON f.month = a.month AND f.account_id = a.account_id
        GROUP BY a.month
        ORDER BY a.month
        """,
        {**period.params(), "metric": metric},
        "v_cost_forecast_vs_actual",
    )
    result = []
    for r in rows:
        has_forecast = _int(r["forecasts"]) > 0
        has_interval = has_forecast and _int(r["no_interval"]) == 0
        result.append(
            MonthForecast(
                month=r["month"],
                actual=_dec(r["actual"]),
                actual_through=r["actual_through"],
                accounts=_int(r["accounts"]),
                forecasts=_int(r["forecasts"]),
                projected=_dec(r["projected"]) if has_forecast else None,
                lower=_dec(r["lower"]) if has_interval else None,
                upper=_dec(r["upper"]) if has_interval else None,
                currency=r["currency"],
            )
        )
    return result


# --------------------------------------------------------------------------- security


@dataclass(frozen=True)
class SecurityDay:
    account_id: str
    account_name: str | None
    day: date
    counts: dict[str, int | None]  # open (workflow NEW or NOTIFIED); None: sender predates it


def security_by_day(reader: Reader, period: Period) -> list[SecurityDay]:
    """Open Security Hub findings (workflow NEW or NOTIFIED) by severity per account and day
    (days Security Hub reported); None where the day's counts carry no workflow split."""
    rows = reader.rows(
        """
        SELECT account_id, account_name, snapshot_date,
               securityhub_open_critical, securityhub_open_high, securityhub_open_medium,
               securityhub_open_low, securityhub_open_informational
        FROM v_security_posture
        WHERE snapshot_date BETWEEN :start AND :end
          AND securityhub_active_records IS NOT NULL
        ORDER BY account_id, snapshot_date
        """,
        period.params(),
        "v_security_posture",
    )
    return [
        SecurityDay(
            r["account_id"],
            r["account_name"],
            r["snapshot_date"],
            {s: _int_or_none(r[f"securityhub_open_{s.lower()}"]) for s in SEVERITIES},
        )
        for r in rows
    ]


@dataclass(frozen=True)
class SecurityCurrent:
    account_id: str
    account_name: str | None
    as_of: date
    counts: dict[str, int | None]  # open (workflow NEW or NOTIFIED); None: unknown
    suppressed: int | None  # workflow SUPPRESSED, every severity
    resolved: int | None  # workflow RESOLVED (passed control findings among them)
    active_records: int  # every ACTIVE finding, whatever its workflow status

    @property
    def known(self) -> bool:
        """False when a region's sender sent no workflow split (its open count is unknown)."""
        return all(n is not None for n in self.counts.values())

    @property
    def open_total(self) -> int | None:
        return sum(n or 0 for n in self.counts.values()) if self.known else None


# open = workflow NEW + NOTIFIED; `known` is false when some region's counts have no split
_OPEN_BY_SEVERITY = """
               bool_and(c.open_count IS NOT NULL) AS known,
               coalesce(sum(c.open_count) FILTER (WHERE c.severity_label = 'CRITICAL'), 0)
                   AS critical,
               coalesce(sum(c.open_count) FILTER (WHERE c.severity_label = 'HIGH'), 0) AS high,
               coalesce(sum(c.open_count) FILTER (WHERE c.severity_label = 'MEDIUM'), 0)
                   AS medium,
               coalesce(sum(c.open_count) FILTER (WHERE c.severity_label = 'LOW'), 0) AS low,
               coalesce(sum(c.open_count) FILTER (WHERE c.severity_label = 'INFORMATIONAL'), 0)
                   AS informational"""


def security_current(reader: Reader) -> list[SecurityCurrent]:
    """Per account: open Security Hub findings by severity, suppressed, resolved and every
    ACTIVE record, in the current snapshot of each region."""
    rows = reader.rows(
        f"""
        SELECT c.account_id, a.name AS account_name, max(c.snapshot_date) AS as_of,
               {_OPEN_BY_SEVERITY},
               coalesce(sum(c.workflow_suppressed), 0) AS suppressed,
               coalesce(sum(c.workflow_resolved), 0) AS resolved,
               coalesce(sum(c.count), 0) AS active_records
        FROM v_securityhub_severity_counts_current c
        JOIN v_accounts a ON a.account_id = c.account_id
        GROUP BY c.account_id, a.name
        ORDER BY a.name, c.account_id
        """,
        None,
        "v_securityhub_severity_counts_current",
    )
    return [
        SecurityCurrent(
            r["account_id"],
            r["account_name"],
            r["as_of"],
            {s: _int(r[s.lower()]) if r["known"] else None for s in SEVERITIES},
            _int(r["suppressed"]) if r["known"] else None,
            _int(r["resolved"]) if r["known"] else None,
            _int(r["active_records"]),
        )
        for r in rows
    ]


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


# --------------------------------------------------------------------------- compliance


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
            _dec(r["compliance_pct"]),
            _int(r["rules_compliant"]),
            _int(r["rules_non_compliant"]),
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
    return ComplianceCurrent(_int(row["compliant"]), _int(row["non_compliant"]))


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
    total = _int(rows[0]["total"]) if rows else 0
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


# --------------------------------------------------------------------------- inventory


@dataclass(frozen=True)
class InventoryCount:
    account_id: str
    account_name: str | None
    resource_type: str
    count: int
    as_of: date


def inventory(reader: Reader) -> list[InventoryCount]:
    """Resources per account and type in the current inventory snapshot of each region."""
    rows = reader.rows(
        """
        SELECT r.account_id, a.name AS account_name, r.resource_type,
               count(*) AS resource_count, max(r.snapshot_date) AS as_of
        FROM v_resources_current r
        JOIN v_accounts a ON a.account_id = r.account_id
        GROUP BY r.account_id, a.name, r.resource_type
        ORDER BY r.resource_type, a.name, r.account_id
        """,
        None,
        "v_resources_current",
    )
    return [
        InventoryCount(
            r["account_id"],
            r["account_name"],
            r["resource_type"],
            _int(r["resource_count"]),
            r["as_of"],
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- savings


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
            _dec(r["estimated_monthly_savings"]) or Decimal(0),
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
            _int(r["recommendations"]),
            _dec(r["savings"]) or Decimal(0),
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
            _dec(r["utilization_pct"]),
            _dec(r["coverage_pct"]),
            _dec(r["unused"]),
            _dec(r["net_savings"]),
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
            _int(r["accounts"]),
            _dec(r["utilization_pct"]),
            _dec(r["coverage_pct"]),
            _dec(r["unused"]),
            r["currency"],
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- collection health


@dataclass(frozen=True)
class CollectionDay:
    account_id: str
    account_name: str | None
    day: date
    status: str  # ok | partial | skipped | error | missing
    interval: str | None
    collectors_ok: int
    collectors_partial: int
    collectors_skipped: int
    collectors_error: int


def collection_days(reader: Reader, period: Period) -> list[CollectionDay]:
    """Every account (and expected account that never reported) x every day of the period; a
    day no run covered is ``missing``."""
    rows = reader.rows(
        f"""
        WITH days AS (
            SELECT g.day::date AS day
            FROM generate_series(CAST(:start AS date)::timestamp, CAST(:end AS date)::timestamp,
                                 interval '1 day') AS g(day)
        ),
        covered AS (
            SELECT * FROM v_report_collection_days WHERE day BETWEEN :start AND :end
        ),
        known AS ({KNOWN_ACCOUNTS})
        SELECT a.account_id, a.name AS account_name, d.day,
               coalesce(c.status, 'missing') AS status, c.interval,
               c.collectors_ok, c.collectors_partial, c.collectors_skipped, c.collectors_error
        FROM known a
        CROSS JOIN days d
        LEFT JOIN covered c ON c.account_id = a.account_id AND c.day = d.day
        ORDER BY a.name, a.account_id, d.day
        """,
        period.params(),
        "v_report_collection_days",
    )
    return [
        CollectionDay(
            r["account_id"],
            r["account_name"],
            r["day"],
            r["status"],
            r["interval"],
            _int(r["collectors_ok"]),
            _int(r["collectors_partial"]),
            _int(r["collectors_skipped"]),
            _int(r["collectors_error"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class CollectorIssue:
    account_id: str
    account_name: str | None
    day: date
    collector: str
    region: str
    status: str
    error: str | None


def collector_failures(
    reader: Reader, period: Period, limit: int
) -> tuple[list[CollectorIssue], int]:
    """The latest collectors with status error or partial in the period, and how many."""
    rows = reader.rows(
        """
        SELECT account_id, account_name, day, collector, region, status, error,
               count(*) OVER () AS total
        FROM v_report_collector_issues
        WHERE day BETWEEN :start AND :end AND status IN ('error', 'partial')
        ORDER BY day DESC, collected_at DESC, account_name, account_id, collector, region
        LIMIT :limit
        """,
        {**period.params(), "limit": limit},
        "v_report_collector_issues",
    )
    total = _int(rows[0]["total"]) if rows else 0
    return [
        CollectorIssue(
            r["account_id"],
            r["account_name"],
            r["day"],
            r["collector"],
            r["region"],
            r["status"],
            r["error"],
        )
        for r in rows
    ], total


@dataclass(frozen=True)
class IngestionFailureDay:
    day: date
    files_total: int
    files_failed: int
    last_error: str | None
    last_failed_object_key: str | None


def ingestion_failures(reader: Reader, limit: int) -> list[IngestionFailureDay]:
    """The latest days (by receipt) on which the receiver failed to load a file."""
    rows = reader.rows(
        """
        SELECT day, files_total, files_failed, last_error, last_failed_object_key
        FROM v_ingestion_status
        WHERE files_failed > 0
        ORDER BY day DESC
        LIMIT :limit
        """,
        {"limit": limit},
        "v_ingestion_status",
    )
    return [
        IngestionFailureDay(
            r["day"],
            _int(r["files_total"]),
            _int(r["files_failed"]),
            r["last_error"],
            r["last_failed_object_key"],
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- organization roster


@dataclass(frozen=True)
class ExpectedAccount:
    account_id: str
    account_name: str | None
    ou_path: str | None
    status: str  # reporting | silent | never_reported
    last_report_at: datetime | None
    hours_since_report: Decimal | None
    silent_after_hours: int


@dataclass(frozen=True)
class Roster:
    """The organization roster as the report sees it (``refreshed_at`` None: never refreshed)."""

    refreshed_at: datetime | None
    accounts: list[ExpectedAccount]

    @property
    def not_reporting(self) -> list[ExpectedAccount]:
        return [a for a in self.accounts if a.status != "reporting"]


def roster(reader: Reader) -> Roster:
    """Every expected account with its reporting status, and when the roster was refreshed."""
    refreshed = reader.rows(
        "SELECT max(refreshed_at) AS refreshed_at FROM v_organization_roster_refreshes",
        None,
        "v_organization_roster_refreshes",
    )
    rows = reader.rows(
        """
        SELECT account_id, account_name, ou_path, reporting_status, last_report_at,
               hours_since_report, silent_after_hours
        FROM v_expected_accounts
        ORDER BY CASE reporting_status WHEN 'never_reported' THEN 0 WHEN 'silent' THEN 1
                 ELSE 2 END,
                 account_name, account_id
        """,
        None,
        "v_expected_accounts",
    )
    return Roster(
        refreshed[0]["refreshed_at"] if refreshed else None,
        [
            ExpectedAccount(
                r["account_id"],
                r["account_name"],
                r["ou_path"],
                r["reporting_status"],
                r["last_report_at"],
                _dec(r["hours_since_report"]),
                _int(r["silent_after_hours"]),
            )
            for r in rows
        ],
    )


@dataclass(frozen=True)
class GroupBy:
    """How the report groups accounts: by OU path, or by the value of one account tag."""

    tag: str | None = None  # None: by OU path

    @classmethod
    def parse(cls, text: str) -> GroupBy:
        """``ou`` or ``tag:<key>``."""
        if text == "ou":
            return cls()
        if text.startswith("tag:") and 1 <= len(text[4:]) <= 128:
            return cls(text[4:])
        raise ValueError(f"group by 'ou' or 'tag:<key>', not {text!r}")

    @property
    def label(self) -> str:
        return "OU path" if self.tag is None else f"Tag {self.tag}"

    @property
    def missing(self) -> str:
        return "(no OU known)" if self.tag is None else "(untagged)"


@dataclass(frozen=True)
class GroupTotal:
    group: str
    accounts: int
    cost: Decimal
    # open Security Hub findings (workflow NEW or NOTIFIED), current snapshot, by severity;
    # None when an account of the group sent no workflow split
    findings: dict[str, int | None]


def group_totals(
    reader: Reader,
    period: Period | None,
    currency: str,
    group_by: GroupBy,
    basis: str = "amortized",
) -> list[GroupTotal]:
    """Per OU path (or tag value): accounts, cost in ``basis`` over the period (in ``currency``)
    and current Security Hub findings by severity, from v_account_labels."""
    column = cost_column(basis)
    key = (
        "coalesce(l.ou_path, :missing)"
        if group_by.tag is None
        else "coalesce(l.tags ->> CAST(:tag AS text), :missing)"
    )
    params: dict[str, Any] = {
        "missing": group_by.missing,
        "currency": currency,
        "start": period.start if period else None,
        "end": period.end if period else None,
    }
    if group_by.tag is not None:
        params["tag"] = group_by.tag
    rows = reader.rows(
        f"""
        WITH labels AS (
            SELECT l.account_id, {key} AS grp
            FROM v_account_labels l
            WHERE l.has_reported OR l.expected
        ),
        cost AS (
            SELECT account_id, sum({column}) AS cost
            FROM v_report_cost_daily
            WHERE usage_date BETWEEN CAST(:start AS date) AND CAST(:end AS date)
              AND coalesce(currency, :currency) = :currency
            GROUP BY account_id
        ),
        findings AS (
            SELECT c.account_id,{_OPEN_BY_SEVERITY}
            FROM v_securityhub_severity_counts_current c
            GROUP BY c.account_id
        )
        SELECT l.grp, count(*) AS accounts,
               coalesce(sum(c.cost), 0) AS cost,
               coalesce(bool_and(f.known), true) AS known,
               coalesce(sum(f.critical), 0) AS critical, coalesce(sum(f.high), 0) AS high,
               coalesce(sum(f.medium), 0) AS medium, coalesce(sum(f.low), 0) AS low,
               coalesce(sum(f.informational), 0) AS informational
        FROM labels l
        LEFT JOIN cost c ON c.account_id = l.account_id
        LEFT JOIN findings f ON f.account_id = l.account_id
        GROUP BY l.grp
        ORDER BY coalesce(sum(c.cost), 0) DESC, l.grp
        """,
        params,
        "v_account_labels",
        "v_report_cost_daily",
        "v_securityhub_severity_counts_current",
    )
    return [
        GroupTotal(
            r["grp"],
            _int(r["accounts"]),
            _dec(r["cost"]) or Decimal(0),
            {s: _int(r[s.lower()]) if r["known"] else None for s in SEVERITIES},
        )
        for r in rows
    ]
