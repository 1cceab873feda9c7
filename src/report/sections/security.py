"""Section 3, security findings: the Security Hub queries (open findings per day, the current
snapshot per account) and the section's charts and table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, in_account_order, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, esc, long_day
from report.html import Figure, Section, no_data, table_html
from report.reader import Period, Reader, period_days, to_int, to_int_or_none
from report.sections.listing import TOP, bounded_table, brief
from report.sections.security_standards import link

if TYPE_CHECKING:
    from report.sections import ReportData

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
SEVERITY_COLORS = {
    "CRITICAL": "#67001f",
    "HIGH": "#d6604d",
    "MEDIUM": "#fdb863",
    "LOW": "#4393c3",
    "INFORMATIONAL": "#bababa",
}


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
            {s: to_int_or_none(r[f"securityhub_open_{s.lower()}"]) for s in SEVERITIES},
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
OPEN_BY_SEVERITY = """
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
               {OPEN_BY_SEVERITY},
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
            {s: to_int(r[s.lower()]) if r["known"] else None for s in SEVERITIES},
            to_int(r["suppressed"]) if r["known"] else None,
            to_int(r["resolved"]) if r["known"] else None,
            to_int(r["active_records"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class OpenFinding:
    account_id: str
    account_name: str | None
    region: str | None
    severity: str | None
    title: str | None
    resource_id: str | None
    last_observed: date | None
    remediation_text: str | None
    remediation_url: str | None


@dataclass
class OpenFindings:
    top: list[OpenFinding] = field(default_factory=list)
    total: int = 0


SEVERITY_RANK = """CASE f.severity_label WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1
                   WHEN 'MEDIUM' THEN 2 WHEN 'LOW' THEN 3 ELSE 4 END"""


def open_findings(reader: Reader, limit: int = TOP) -> OpenFindings:
    """The ``limit`` most severe open Security Hub findings (workflow NEW or NOTIFIED, record
    state ACTIVE, latest state loaded), most recently observed first, with how to fix them."""
    rows = reader.rows(
        f"""
        SELECT f.account_id, a.name AS account_name, f.region, f.severity_label, f.title,
               f.resource_id, (f.last_observed_at AT TIME ZONE 'UTC')::date AS last_observed,
               f.remediation_text, f.remediation_url, count(*) OVER () AS total
        FROM v_securityhub_findings_current f
        JOIN v_accounts a ON a.account_id = f.account_id
        ORDER BY {SEVERITY_RANK}, f.last_observed_at DESC NULLS LAST, f.account_id,
                 f.finding_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_securityhub_findings_current",
    )
    return OpenFindings(
        [
            OpenFinding(
                r["account_id"],
                r["account_name"],
                r["region"],
                r["severity_label"],
                r["title"],
                r["resource_id"],
                r["last_observed"],
                r["remediation_text"],
                r["remediation_url"],
            )
            for r in rows
        ],
        to_int(rows[0]["total"]) if rows else 0,
    )


def open_findings_table(findings: OpenFindings, styles: dict[str, AccountStyle]) -> str:
    rows = [
        [
            style_of(styles, f.account_id, f.account_name).label,
            f.region or EN_DASH,
            (f.severity or EN_DASH).title(),
            f.title or EN_DASH,
            f.resource_id or EN_DASH,
            long_day(f.last_observed) if f.last_observed else EN_DASH,
            link(f.remediation_url, brief(f.remediation_text, 120))
            if f.remediation_url or f.remediation_text
            else EN_DASH,
        ]
        for f in findings.top
    ]
    return bounded_table(
        "security-open",
        "Open Security Hub findings, most severe and most recently observed first, with how to "
        "fix each (Security Hub's remediation text, linked to its page)",
        ["Account", "Region", "Severity", "Finding", "Resource", "Last observed", "Remediation"],
        rows,
        findings.total,
        wrap=(3, 4, 6),
        empty_text=no_data("open Security Hub findings"),
    )


def security_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "security",
        "Security findings",
        "Open Security Hub findings (record state ACTIVE, workflow status NEW or NOTIFIED) by "
        "severity for each account and day, read from v_security_posture, and the current "
        "open count per account and severity from v_securityhub_severity_counts_current. "
        "Suppressed and resolved findings (passed control findings among them) are closed: "
        "they are counted apart, never as open. A dash: the sender sent no workflow status. "
        "The most severe open findings are listed from v_securityhub_findings_current (each "
        "finding's latest state loaded) with Security Hub's remediation text and page.",
    )
    days = period_days(data.period)
    index = {d: i for i, d in enumerate(days)}
    by_account: dict[str, list[SecurityDay]] = defaultdict(list)
    for s in data.security_days:
        by_account[s.account_id].append(s)
    unit = Unit("count")
    order = in_account_order(by_account, styles)
    for account_id in order:
        rows = by_account[account_id]
        style = style_of(styles, account_id, rows[0].account_name)
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
        style = style_of(styles, s.account_id, s.account_name)
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
    footer = [sum_known([row[i] for row in columns]) for i in range(len(SEVERITIES) + 4)]
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
    section.add(open_findings_table(data.security_open, styles))
    return section


def sum_known(values: list[int | None]) -> int | None:
    """The sum, or None (shown as a dash) when any value is unknown."""
    return None if any(v is None for v in values) else sum(v or 0 for v in values)
