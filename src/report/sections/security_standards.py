"""Security Hub standards: each enabled standard's security score per account over the period,
the current scores per account, region and standard, and the controls failing most widely with
their remediation pages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from report import charts
from report.accounts import AccountStyle, in_account_order, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, esc, long_day
from report.html import Figure, Markup, Section, no_data, table_html
from report.reader import Period, Reader, period_days, to_int, to_int_or_none
from report.sections.listing import TOP, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData


@dataclass(frozen=True)
class StandardScore:
    """One standard in one account's region, current snapshot."""

    account_id: str
    account_name: str | None
    region: str
    standard: str  # name, or the ARN when the name is unknown
    as_of: date
    passed: int | None
    failed: int | None
    unknown: int | None
    no_data: int | None
    disabled: int | None


@dataclass(frozen=True)
class ScoreDay:
    """A standard's controls in one account on one day, summed over the account's regions."""

    account_id: str
    account_name: str | None
    standard: str
    day: date
    passed: int
    failed: int


@dataclass(frozen=True)
class FailingControl:
    control_id: str
    title: str | None
    severity: str | None
    remediation_url: str | None
    accounts: int
    account_regions: int
    failed_checks: int | None
    standards: list[str]


@dataclass
class StandardsData:
    current: list[StandardScore] = field(default_factory=list)
    days: list[ScoreDay] = field(default_factory=list)
    failing: list[FailingControl] = field(default_factory=list)
    failing_total: int = 0


def score(passed: int | None, failed: int | None) -> Decimal | None:
    """Security Hub's security score: passed / (passed + failed), in percent; None without any."""
    if passed is None or failed is None or passed + failed == 0:
        return None
    return Decimal(100 * passed) / Decimal(passed + failed)


def whole_percent(value: Decimal | None) -> str:
    """As the Security Hub console shows a score: rounded to a whole percent."""
    if value is None:
        return EN_DASH
    return f"{value.quantize(Decimal(1), ROUND_HALF_UP)} %"


def standards(reader: Reader, period: Period | None, limit: int = TOP) -> StandardsData:
    data = StandardsData()
    for r in reader.rows(
        """
        SELECT s.account_id, a.name AS account_name, s.region,
               coalesce(s.name, s.standards_arn) AS standard, s.snapshot_date,
               s.controls_passed, s.controls_failed, s.controls_unknown, s.controls_no_data,
               s.controls_disabled
        FROM v_securityhub_standard_scores_current s
        JOIN v_accounts a ON a.account_id = s.account_id
        ORDER BY a.name, s.account_id, standard, s.region
        """,
        None,
        "v_securityhub_standard_scores_current",
    ):
        data.current.append(
            StandardScore(
                r["account_id"],
                r["account_name"],
                r["region"],
                r["standard"],
                r["snapshot_date"],
                to_int_or_none(r["controls_passed"]),
                to_int_or_none(r["controls_failed"]),
                to_int_or_none(r["controls_unknown"]),
                to_int_or_none(r["controls_no_data"]),
                to_int_or_none(r["controls_disabled"]),
            )
        )
    if period is not None:
        for r in reader.rows(
            """
            SELECT t.account_id, a.name AS account_name,
                   coalesce(t.name, t.standards_arn) AS standard, t.snapshot_date,
                   sum(t.controls_passed) AS passed, sum(t.controls_failed) AS failed
            FROM v_securityhub_standard_score_trend t
            JOIN v_accounts a ON a.account_id = t.account_id
            WHERE t.snapshot_date BETWEEN :start AND :end
              AND t.controls_passed IS NOT NULL AND t.controls_failed IS NOT NULL
            GROUP BY t.account_id, a.name, coalesce(t.name, t.standards_arn), t.snapshot_date
            ORDER BY standard, t.account_id, t.snapshot_date
            """,
            period.params(),
            "v_securityhub_standard_score_trend",
        ):
            data.days.append(
                ScoreDay(
                    r["account_id"],
                    r["account_name"],
                    r["standard"],
                    r["snapshot_date"],
                    to_int(r["passed"]),
                    to_int(r["failed"]),
                )
            )
    rows = reader.rows(
        """
        SELECT control_id, title, severity, remediation_url, accounts_failing,
               account_regions_failing, failed_checks, standards, count(*) OVER () AS total
        FROM v_securityhub_failing_controls_current
        ORDER BY severity_rank DESC, accounts_failing DESC, failed_checks DESC NULLS LAST,
                 control_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_securityhub_failing_controls_current",
    )
    data.failing_total = to_int(rows[0]["total"]) if rows else 0
    data.failing = [
        FailingControl(
            r["control_id"],
            r["title"],
            r["severity"],
            r["remediation_url"],
            to_int(r["accounts_failing"]),
            to_int(r["account_regions_failing"]),
            to_int_or_none(r["failed_checks"]),
            list(r["standards"] or []),
        )
        for r in rows
    ]
    return data


# Hosts a remediation URL may link to: AWS's documentation in every partition. The URLs come
# from member accounts' documents (a third-party product's findings, or a hostile member), so
# the organization's report never turns another address into a link.
LINKED_HOSTS = frozenset({"docs.aws.amazon.com", "docs.amazonaws.cn"})


def link(url: str | None, text: str) -> Markup | str:
    """A link to an https page of AWS's documentation; any other URL is shown as plain text
    after ``text`` (readable, never clickable), and no URL leaves ``text`` alone."""
    if not url:
        return text
    parts = urlsplit(url)
    if (
        parts.scheme == "https"
        and parts.hostname in LINKED_HOSTS
        and parts.netloc == parts.hostname
    ):
        return Markup(f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text)}</a>')
    return f"{text} ({url})"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60]


def standards_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    sd = data.standards
    section = Section(
        "security-standards",
        "Security standards",
        "Each enabled Security Hub standard's security score, as Security Hub defines it: the "
        "controls that passed divided by those that passed or failed (controls without data, "
        "unknown or disabled left out; shown rounded to a whole percent, as the console does). "
        "A control's status comes from its active, not suppressed control findings in that "
        "account and region as the sender collected them that day (final for that day, not an "
        "estimate). Scores per day are from v_securityhub_standard_score_trend, summed over "
        "each account's regions; the current table reads v_securityhub_standard_scores_current "
        "(each account and region's latest collection, its date shown); the failing controls "
        "read v_securityhub_failing_controls_current, with the remediation page of each.",
    )
    days = period_days(data.period)
    index = {d: i for i, d in enumerate(days)}
    by_standard: dict[str, dict[str, list[ScoreDay]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str | None] = {}
    for d in sd.days:
        by_standard[d.standard][d.account_id].append(d)
        names[d.account_id] = d.account_name
    for standard in sorted(by_standard):
        accounts = by_standard[standard]
        series = []
        for n, account_id in enumerate(in_account_order(accounts, styles)):
            values: list[float | None] = [None] * len(days)
            for d in accounts[account_id]:
                value = score(d.passed, d.failed)
                if d.day in index and value is not None:
                    values[index[d.day]] = float(value)
            style = style_of(styles, account_id, names.get(account_id))
            series.append(Series(f"{style.label} ({account_id})", values, charts.color_of(n)))
        section.add_figure(
            Figure(
                f"security-standards-{_slug(standard)}",
                f"{standard}: security score per day and account (controls passed ÷ passed or "
                "failed, over the account's regions).",
                charts.line_chart(
                    label=f"Security score per day, {standard}",
                    x=charts.date_axis(days),
                    series=series,
                    unit=Unit("percent"),
                    y_range=(0, 100),
                    height=160,
                ),
                no_data(f"security scores of {standard}"),
            )
        )
    if not by_standard:
        section.add_figure(
            Figure(
                "security-standards",
                "Security score per day of each enabled standard, one chart per standard.",
                None,
                no_data("security standard scores"),
            )
        )
    rows = [
        [
            style_of(styles, s.account_id, s.account_name).label,
            s.account_id,
            s.region,
            s.standard,
            whole_percent(score(s.passed, s.failed)),
            *(count(n) if n is not None else EN_DASH for n in (s.passed, s.failed)),
            *(count(n) if n is not None else EN_DASH for n in (s.unknown, s.no_data, s.disabled)),
            long_day(s.as_of),
        ]
        for s in sd.current
    ]
    section.add(
        table_html(
            "security-standards-current",
            "Current security score per account, region and standard (controls by status)",
            [
                "Account",
                "Account id",
                "Region",
                "Standard",
                "Score",
                "Passed",
                "Failed",
                "Unknown",
                "No data",
                "Disabled",
                "As of",
            ],
            rows,
            numeric=(4, 5, 6, 7, 8, 9),
            wrap=(3,),
            empty_text=no_data("enabled Security Hub standards"),
        )
    )
    failing = [
        [
            link(c.remediation_url, c.control_id),
            c.title or EN_DASH,
            (c.severity or EN_DASH).title(),
            count(c.accounts),
            count(c.account_regions),
            count(c.failed_checks) if c.failed_checks is not None else EN_DASH,
            ", ".join(c.standards),
        ]
        for c in sd.failing
    ]
    section.add(
        bounded_table(
            "security-standards-failing",
            "Controls failing now, most severe and widespread first (the control links to its "
            "remediation page)",
            [
                "Control",
                "Title",
                "Severity",
                "Accounts",
                "Account-regions",
                "Failed checks",
                "Standards",
            ],
            failing,
            sd.failing_total,
            numeric=(3, 4, 5),
            wrap=(1, 6),
            empty_text=no_data("failing Security Hub controls"),
        )
    )
    return section
