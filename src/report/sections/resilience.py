"""Resilience Hub RPO and RTO: per disruption type, the applications whose latest assessment
meets or breaches their resiliency policy, and each application's targets next to the
assessment's estimates, breaches first (sql/036)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, long_day
from report.html import Figure, Section, no_data
from report.reader import Reader, to_decimal, to_int
from report.sections.listing import TOP, Status, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

DISRUPTIONS = ("Software", "Hardware", "AZ", "Region")  # Resilience Hub's DisruptionType
DISRUPTION_NAMES = {
    "Software": "Application (software)",
    "Hardware": "Infrastructure (hardware)",
    "AZ": "Availability Zone",
    "Region": "Region",
}
STATUSES = (
    Status("PolicyBreached", "Policy breached", "#d6604d"),
    Status("PolicyMet", "Policy met", "#4393c3"),
    Status("other", "Not assessed or no policy", "#bababa"),
)
STATUS = """CASE WHEN d.compliance_status IN ('PolicyBreached', 'PolicyMet')
                 THEN d.compliance_status ELSE 'other' END"""


@dataclass(frozen=True)
class Disruption:
    account_id: str
    account_name: str | None
    app: str | None
    region: str | None
    disruption_type: str
    target_rpo: int | None  # seconds
    current_rpo: int | None
    target_rto: int | None
    current_rto: int | None
    status: str | None
    score: Decimal | None
    assessed: date | None


@dataclass
class ResilienceData:
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # type -> status -> apps
    rows: list[Disruption] = field(default_factory=list)  # the first ``TOP``
    total: int = 0
    apps: int = 0


def resilience(reader: Reader, limit: int = TOP) -> ResilienceData:
    data = ResilienceData()
    for r in reader.rows(
        f"""
        SELECT d.disruption_type, {STATUS} AS status, count(*) AS apps
        FROM v_resiliencehub_app_disruptions_current d
        GROUP BY 1, 2
        """,
        None,
        "v_resiliencehub_app_disruptions_current",
    ):
        data.by_type.setdefault(r["disruption_type"], {})[r["status"]] = to_int(r["apps"])
    rows = reader.rows(
        """
        SELECT d.account_id, a.name AS account_name, p.name AS app, p.region,
               d.disruption_type, d.target_rpo_seconds, d.current_rpo_seconds,
               d.target_rto_seconds, d.current_rto_seconds, d.compliance_status,
               p.resiliency_score,
               (p.last_assessment_at AT TIME ZONE 'UTC')::date AS assessed,
               count(*) OVER () AS total
        FROM v_resiliencehub_app_disruptions_current d
        JOIN v_resiliencehub_apps_current p ON p.account_id = d.account_id
         AND p.snapshot_date = d.snapshot_date AND p.app_arn = d.app_arn
        JOIN v_accounts a ON a.account_id = d.account_id
        ORDER BY (d.compliance_status = 'PolicyBreached') DESC NULLS LAST, a.name, d.account_id,
                 p.name, p.app_arn,
                 array_position(ARRAY['Software', 'Hardware', 'AZ', 'Region'], d.disruption_type)
        LIMIT :limit
        """,
        {"limit": limit},
        "v_resiliencehub_app_disruptions_current",
        "v_resiliencehub_apps_current",
    )
    data.total = to_int(rows[0]["total"]) if rows else 0
    (apps,) = reader.rows(
        "SELECT count(*) AS apps FROM v_resiliencehub_apps_current",
        None,
        "v_resiliencehub_apps_current",
    )
    data.apps = to_int(apps["apps"])
    data.rows = [
        Disruption(
            r["account_id"],
            r["account_name"],
            r["app"],
            r["region"],
            r["disruption_type"],
            r["target_rpo_seconds"],
            r["current_rpo_seconds"],
            r["target_rto_seconds"],
            r["current_rto_seconds"],
            r["compliance_status"],
            to_decimal(r["resiliency_score"]),
            r["assessed"],
        )
        for r in rows
    ]
    return data


def duration(seconds: int | None) -> str:
    """Seconds as Resilience Hub states objectives: ``0 s``, ``15 min``, ``1 h 30 min``, ``2 d``."""
    if seconds is None:
        return EN_DASH
    if seconds < 60:
        return f"{seconds} s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(p for p in parts if p)


def resilience_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    rd = data.resilience
    breached = {(r.account_id, r.app) for r in rd.rows if r.status == "PolicyBreached"}
    section = Section(
        "resilience",
        "Resilience Hub RPO and RTO",
        "Resilience Hub applications of each account's current snapshot, read from "
        "v_resiliencehub_apps_current and v_resiliencehub_app_disruptions_current: per "
        "disruption type (application, infrastructure, Availability Zone, Region), the "
        "resiliency policy's target recovery point (RPO) and recovery time (RTO), and the "
        "latest successful assessment's estimated current RPO and RTO (Resilience Hub's "
        "estimates from the app's configuration, not measured recoveries), and whether the "
        "policy is met. Targets are those of the policy the assessment was judged against; an "
        f"app without a successful assessment shows its current policy's targets only. "
        f"{count(rd.apps)} apps, {count(len(breached))} of the listed ones breach their policy.",
    )
    kinds = [k for k in DISRUPTIONS if k in rd.by_type] + sorted(
        k for k in rd.by_type if k not in DISRUPTIONS
    )
    present = [s for s in STATUSES if any(s.key in rd.by_type[k] for k in kinds)]
    section.add_figure(
        Figure(
            "resilience",
            "Applications per disruption type, by whether the latest assessment meets the "
            "policy (current snapshot).",
            charts.hbar_chart(
                label="Resilience Hub applications per disruption type by policy compliance",
                categories=[DISRUPTION_NAMES.get(k, k) for k in kinds],
                series=[
                    Series(s.name, [rd.by_type[k].get(s.key) for k in kinds], s.color)
                    for s in present
                ],
                unit=Unit("count"),
            )
            if kinds
            else None,
            no_data("Resilience Hub assessments"),
        )
    )
    rows = [
        [
            style_of(styles, r.account_id, r.account_name).label,
            r.app or EN_DASH,
            r.region or EN_DASH,
            DISRUPTION_NAMES.get(r.disruption_type, r.disruption_type),
            duration(r.target_rpo),
            duration(r.current_rpo),
            duration(r.target_rto),
            duration(r.current_rto),
            {"PolicyBreached": "breached", "PolicyMet": "met"}.get(r.status or "", r.status)
            or "not assessed",
            f"{r.score:.1f}" if r.score is not None else EN_DASH,
            long_day(r.assessed) if r.assessed else EN_DASH,
        ]
        for r in rd.rows
    ]
    section.add(
        bounded_table(
            "resilience",
            "RPO and RTO per application and disruption type (current), breaches first",
            [
                "Account",
                "Application",
                "Region",
                "Disruption",
                "Target RPO",
                "Estimated RPO",
                "Target RTO",
                "Estimated RTO",
                "Policy",
                "Resiliency score",
                "Assessed",
            ],
            rows,
            rd.total,
            numeric=(9,),
            wrap=(1,),
            empty_text=no_data("Resilience Hub RPO and RTO"),
        )
    )
    return section
