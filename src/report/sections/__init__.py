"""The report's sections: ``fetch`` reads every data set once, ``build_sections`` renders them.

One module per topic, each holding its queries next to the section that shows them: ``cost``,
``forecast``, ``security``, ``organization`` (by OU or tag), ``compliance``, ``inventory``,
``savings`` and ``collection_health``; and the reference dashboard's questions (issue 11):
``guardduty``, ``inspector``, ``conformance_packs``, ``patches``, ``kms_rotation``,
``secrets_rotation``, ``certificates``, ``waf``, ``availability_zones`` and ``ssm_instances``
(``listing`` holds what they share). This module gathers their data in ``ReportData``, builds
the KPI strip that sums across topics, and lists the sections in page order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from report.accounts import Account, account_styles, accounts
from report.formatting import EN_DASH, count, money, percent
from report.html import Kpi, Section
from report.reader import Period, Reader, decimal_sum
from report.sections import (
    availability_zones,
    certificates,
    collection_health,
    commitment_inventory,
    compliance,
    conformance_packs,
    cost,
    cost_anomalies,
    cost_by_tag,
    forecast,
    guardduty,
    inspector,
    inventory,
    kms_rotation,
    organization,
    patches,
    resilience,
    rightsizing,
    savings,
    secrets_rotation,
    security,
    security_standards,
    ssm_instances,
    waf,
)
from report.sections.availability_zones import ZoneData
from report.sections.certificates import CertificateData
from report.sections.collection_health import (
    CollectionDay,
    CollectorIssue,
    IngestionFailureDay,
    Roster,
)
from report.sections.commitment_inventory import CommitmentData
from report.sections.compliance import ComplianceCurrent, ComplianceDay, NonCompliantRule
from report.sections.conformance_packs import ConformanceData
from report.sections.cost import (
    AccountDayCost,
    Currencies,
    ServiceCost,
    other_basis,
)
from report.sections.cost_anomalies import AnomalyData
from report.sections.cost_by_tag import TagCostData
from report.sections.forecast import MonthForecast
from report.sections.guardduty import GuardDutyData
from report.sections.inspector import InspectorData
from report.sections.inventory import InventoryCount
from report.sections.kms_rotation import KmsData
from report.sections.organization import GroupBy, GroupTotal
from report.sections.patches import PatchData
from report.sections.resilience import ResilienceData
from report.sections.rightsizing import RightsizingData
from report.sections.savings import (
    SOURCE_NAMES,
    CommitmentPeriod,
    CommitmentService,
    OptimizerGroup,
    SavingsItem,
)
from report.sections.secrets_rotation import SecretsData
from report.sections.security import OpenFindings, SecurityCurrent, SecurityDay
from report.sections.security_standards import StandardsData
from report.sections.ssm_instances import SsmData
from report.sections.waf import WafData


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
    commitment_services: list[CommitmentService]
    collection: list[CollectionDay]
    failures: list[CollectorIssue]
    failures_total: int
    ingestion_failures: list[IngestionFailureDay]
    roster: Roster
    group_by: GroupBy
    groups: list[GroupTotal]
    cost_basis: str = "amortized"  # which cost drives totals and charts (COST_BASES)
    # days still estimated by Cost Explorer, from the first month of the period to its end
    estimated_days: tuple[date, ...] = ()
    # the reference dashboard's questions, each from its current snapshot (issue 11)
    guardduty: GuardDutyData = field(default_factory=GuardDutyData)
    inspector: InspectorData = field(default_factory=InspectorData)
    conformance: ConformanceData = field(default_factory=ConformanceData)
    patches: PatchData = field(default_factory=PatchData)
    kms: KmsData = field(default_factory=KmsData)
    secrets: SecretsData = field(default_factory=SecretsData)
    certificates: CertificateData = field(default_factory=CertificateData)
    waf: WafData = field(default_factory=WafData)
    zones: ZoneData = field(default_factory=ZoneData)
    resilience: ResilienceData = field(default_factory=ResilienceData)  # RPO/RTO (issue 14)
    rightsizing: RightsizingData = field(default_factory=RightsizingData)  # (issue 14)
    ssm: SsmData = field(default_factory=SsmData)
    standards: StandardsData = field(default_factory=StandardsData)  # Security Hub (issue 14)
    security_open: OpenFindings = field(default_factory=OpenFindings)
    # commitments owned: what expires next (issue 14)
    commitment_inventory: CommitmentData = field(default_factory=CommitmentData)
    # cost anomalies and cost by cost-allocation tag (issue 14)
    anomalies: AnomalyData = field(default_factory=AnomalyData)
    tag_cost: TagCostData = field(default_factory=TagCostData)

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
    cost.cost_column(cost_basis)  # refuses an unknown basis before any query
    bucket = "day" if period is None or len(period.days) <= cost.DAILY_BARS_UP_TO else "week"
    currencies = cost.cost_currencies(reader, period) if period else Currencies("USD", 0, ())
    noncompliant, noncompliant_total = compliance.noncompliant_rules(reader, compliance.TOP_RULES)
    failures, failures_total = (
        collection_health.collector_failures(reader, period, collection_health.TOP_FAILURES)
        if period
        else ([], 0)
    )
    return ReportData(
        period=period,
        accounts=accounts(reader),
        currencies=currencies,
        cost_days=(
            cost.cost_by_account_day(reader, period, currencies.main, cost_basis) if period else []
        ),
        service_bucket=bucket,
        service_costs=(
            cost.cost_by_service(
                reader,
                period,
                currencies.main,
                top=cost.TOP_SERVICES,
                bucket=bucket,
                basis=cost_basis,
            )
            if period
            else []
        ),
        forecasts=forecast.forecast_by_month(reader, period, cost_basis) if period else [],
        security_days=security.security_by_day(reader, period) if period else [],
        security_now=security.security_current(reader),
        compliance_days=compliance.compliance_by_day(reader, period) if period else [],
        compliance_now=compliance.compliance_current(reader),
        noncompliant=noncompliant,
        noncompliant_total=noncompliant_total,
        inventory=inventory.inventory(reader),
        savings=savings.savings_current(reader),
        optimizer=savings.compute_optimizer(reader),
        commitments=savings.commitments(reader, period) if period else [],
        commitment_services=savings.commitment_services(reader, period) if period else [],
        collection=collection_health.collection_days(reader, period) if period else [],
        failures=failures,
        failures_total=failures_total,
        ingestion_failures=collection_health.ingestion_failures(
            reader, collection_health.TOP_INGESTION_FAILURES
        ),
        roster=collection_health.roster(reader),
        group_by=group_by,
        groups=organization.group_totals(reader, period, currencies.main, group_by, cost_basis),
        cost_basis=cost_basis,
        estimated_days=(
            tuple(cost.estimated_cost_days(reader, period.start.replace(day=1), period.end))
            if period
            else ()
        ),
        guardduty=guardduty.guardduty(reader),
        inspector=inspector.inspector(reader),
        conformance=conformance_packs.conformance_packs(reader),
        patches=patches.patches(reader),
        kms=kms_rotation.kms_keys(reader),
        secrets=secrets_rotation.secrets(reader),
        certificates=certificates.certificates(reader),
        waf=waf.web_acls(reader),
        zones=availability_zones.zones(reader),
        resilience=resilience.resilience(reader),
        rightsizing=rightsizing.rightsizing(reader),
        ssm=ssm_instances.ssm_instances(reader),
        standards=security_standards.standards(reader, period),
        security_open=security.open_findings(reader),
        commitment_inventory=commitment_inventory.commitments(reader),
        anomalies=cost_anomalies.anomalies(reader),
        tag_cost=cost_by_tag.tag_cost(reader, period),
    )


def _pct2(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def kpis(data: ReportData) -> list[Kpi]:
    currency = data.currencies.main
    total = decimal_sum([c.cost for c in data.cost_days])
    other_total = decimal_sum([c.other for c in data.cost_days])
    basis, other = data.cost_basis, other_basis(data.cost_basis)
    reporting = {c.account_id for c in data.collection if c.status != "missing"}
    critical_high = sum(
        (s.counts["CRITICAL"] or 0) + (s.counts["HIGH"] or 0) for s in data.security_now
    )
    unknown = sum(not s.known for s in data.security_now)
    pct = data.compliance_now.pct
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    for item in data.savings:
        by_source[item.source] += item.savings
    savings_total = decimal_sum(list(by_source.values()))
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


def build_sections(data: ReportData) -> list[Section]:
    styles = account_styles(data.accounts)
    return [
        cost.cost_section(data, styles),
        forecast.forecast_section(data),
        cost_anomalies.anomalies_section(data, styles),
        cost_by_tag.tag_cost_section(data, styles),
        security.security_section(data, styles),
        security_standards.standards_section(data, styles),
        guardduty.guardduty_section(data, styles),
        inspector.inspector_section(data, styles),
        organization.groups_section(data),
        compliance.compliance_section(data, styles),
        conformance_packs.conformance_section(data, styles),
        patches.patches_section(data, styles),
        kms_rotation.kms_section(data, styles),
        secrets_rotation.secrets_section(data, styles),
        certificates.certificates_section(data, styles),
        waf.waf_section(data, styles),
        inventory.inventory_section(data, styles),
        availability_zones.zones_section(data, styles),
        resilience.resilience_section(data, styles),
        ssm_instances.ssm_section(data, styles),
        savings.savings_section(data, styles),
        commitment_inventory.commitments_section(data, styles),
        collection_health.health_section(data, styles),
    ]
