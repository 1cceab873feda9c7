"""Compute Optimizer rightsizing, one resource per row (sql/036): how busy it was, how risky
its current size is, and what moving to the top recommendation risks and takes; shown in the
savings section under the recommendations by type and finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, money
from report.reader import Reader, to_decimal, to_int
from report.sections.listing import TOP, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

# Compute Optimizer's performanceRisk of an option, 0 to 4, in the words of its console
RISK_WORDS = ((Decimal(1), "very low"), (Decimal(2), "low"), (Decimal(3), "medium"))


@dataclass(frozen=True)
class Rightsizing:
    account_id: str
    account_name: str | None
    resource: str  # the ARN's last part
    resource_type: str
    finding: str | None
    current: str | None
    recommended: str | None
    cpu_max: Decimal | None  # percent (EC2, Auto Scaling groups)
    memory_max: Decimal | None  # percent (EC2 with the CloudWatch agent), MB for Lambda
    current_risk: str | None  # VeryLow .. High
    recommended_risk: Decimal | None  # 0 .. 4
    migration_effort: str | None  # VeryLow .. High (EC2, Auto Scaling groups)
    savings: Decimal | None
    currency: str | None
    lookback_days: Decimal | None


@dataclass
class RightsizingData:
    rows: list[Rightsizing] = field(default_factory=list)  # the first ``TOP``
    total: int = 0


def rightsizing(reader: Reader, limit: int = TOP) -> RightsizingData:
    """Current recommendations that change something (a recommended size), most savings first,
    with their maximum CPU and memory utilisation over the lookback period."""
    rows = reader.rows(
        """
        SELECT r.account_id, a.name AS account_name, r.resource_arn, r.resource_type, r.finding,
               r.current_configuration, r.recommended_configuration, r.performance_risk,
               r.recommended_performance_risk, r.migration_effort, r.estimated_monthly_savings,
               r.currency, r.lookback_days,
               max(u.value) FILTER (WHERE u.metric = 'Cpu' AND u.statistic = 'Maximum')
                   AS cpu_max,
               max(u.value) FILTER (WHERE u.metric = 'Memory' AND u.statistic = 'Maximum')
                   AS memory_max,
               count(*) OVER () AS total
        FROM v_compute_optimizer_recommendations_current r
        JOIN v_accounts a ON a.account_id = r.account_id
        LEFT JOIN v_compute_optimizer_utilization_current u ON u.account_id = r.account_id
         AND u.snapshot_date = r.snapshot_date AND u.resource_arn = r.resource_arn
        WHERE r.recommended_configuration IS NOT NULL
        GROUP BY r.account_id, a.name, r.snapshot_date, r.resource_arn, r.resource_type,
                 r.finding, r.current_configuration, r.recommended_configuration,
                 r.performance_risk, r.recommended_performance_risk, r.migration_effort,
                 r.estimated_monthly_savings, r.currency, r.lookback_days
        ORDER BY r.estimated_monthly_savings DESC NULLS LAST, a.name, r.resource_arn
        LIMIT :limit
        """,
        {"limit": limit},
        "v_compute_optimizer_recommendations_current",
        "v_compute_optimizer_utilization_current",
    )
    return RightsizingData(
        [
            Rightsizing(
                r["account_id"],
                r["account_name"],
                r["resource_arn"].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                if r["resource_type"] != "LAMBDA"
                else r["resource_arn"].split(":function:", 1)[-1],
                r["resource_type"],
                r["finding"],
                r["current_configuration"],
                r["recommended_configuration"],
                to_decimal(r["cpu_max"]),
                to_decimal(r["memory_max"]),
                r["performance_risk"],
                to_decimal(r["recommended_performance_risk"]),
                r["migration_effort"],
                to_decimal(r["estimated_monthly_savings"]),
                r["currency"],
                to_decimal(r["lookback_days"]),
            )
            for r in rows
        ],
        to_int(rows[0]["total"]) if rows else 0,
    )


def risk_words(risk: Decimal | None) -> str:
    if risk is None:
        return EN_DASH
    word = next((w for limit, w in RISK_WORDS if risk < limit), "high")
    return f"{word} ({risk.normalize():f})"


def _utilisation(value: Decimal | None, unit: str) -> str:
    return EN_DASH if value is None else f"{value.quantize(Decimal('0.1'))}{unit}"


def rightsizing_table(data: ReportData, styles: dict[str, AccountStyle]) -> str:
    rs = data.rightsizing
    currency = data.currencies.main
    rows = [
        [
            style_of(styles, r.account_id, r.account_name).label,
            r.resource,
            r.resource_type,
            r.finding or EN_DASH,
            f"{r.current or EN_DASH} → {r.recommended or EN_DASH}",
            _utilisation(r.cpu_max, " %"),
            _utilisation(r.memory_max, " MB" if r.resource_type == "LAMBDA" else " %"),
            r.current_risk or EN_DASH,
            risk_words(r.recommended_risk),
            r.migration_effort or EN_DASH,
            money(r.savings, r.currency or currency) if r.savings is not None else EN_DASH,
        ]
        for r in rs.rows
    ]
    return bounded_table(
        "savings-rightsizing",
        "Rightsizing recommendations (current), most savings first: maximum CPU and memory "
        "over Compute Optimizer's lookback period (memory needs the CloudWatch agent on EC2; "
        "Lambda: MB used), the current size's performance risk, the recommendation's risk "
        "(0 very low to 4 very high) and migration effort (EC2 and Auto Scaling groups)",
        [
            "Account",
            "Resource",
            "Type",
            "Finding",
            "Current → recommended",
            "CPU max",
            "Memory max",
            "Current risk",
            "Risk after",
            "Migration effort",
            "Savings/month",
        ],
        rows,
        rs.total,
        numeric=(5, 6, 10),
        wrap=(1, 4),
        empty_text="No Compute Optimizer recommendation to change a size.",
    )
