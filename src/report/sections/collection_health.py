"""Section 7, collection health: the queries (status per account and day, collector failures,
files that failed to load, the organization roster's expected accounts) and the section's
heatmap and tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from report import charts
from report.accounts import KNOWN_ACCOUNTS, AccountStyle, style_of
from report.charts import Cell
from report.formatting import EN_DASH, count, long_day
from report.html import Figure, Section, no_data, table_html
from report.reader import Period, Reader, period_days, to_decimal, to_int

if TYPE_CHECKING:
    from report.sections import ReportData

HEALTH_STATUSES = ("ok", "partial", "skipped", "error", "missing")
HEALTH_STYLES = {
    "ok": ("#4575b4", "ok"),
    "partial": ("#fdae61", "partial"),
    "skipped": ("#d9d9d9", "skipped (a collector did not run)"),
    "error": ("#a50026", "error"),
    "missing": ("#ffffff", "missing (no file)"),
}
TOP_FAILURES = 20
TOP_INGESTION_FAILURES = 10


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
            to_int(r["collectors_ok"]),
            to_int(r["collectors_partial"]),
            to_int(r["collectors_skipped"]),
            to_int(r["collectors_error"]),
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
    total = to_int(rows[0]["total"]) if rows else 0
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
    """The latest days (by receipt) on which the receiver failed to load a file: those days are
    found by index (v_ingestion_failure_days), and only their files are summed."""
    rows = reader.rows(
        """
        SELECT day, files_total, files_failed, last_error, last_failed_object_key
        FROM v_ingestion_status
        WHERE files_failed > 0
          AND day = ANY (ARRAY(SELECT f.day FROM v_ingestion_failure_days f
                               ORDER BY f.day DESC LIMIT :limit))
        ORDER BY day DESC
        LIMIT :limit
        """,
        {"limit": limit},
        "v_ingestion_status",
        "v_ingestion_failure_days",
    )
    return [
        IngestionFailureDay(
            r["day"],
            to_int(r["files_total"]),
            to_int(r["files_failed"]),
            r["last_error"],
            r["last_failed_object_key"],
        )
        for r in rows
    ]


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
                to_decimal(r["hours_since_report"]),
                to_int(r["silent_after_hours"]),
            )
            for r in rows
        ],
    )


def health_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "collection-health",
        "Collection health",
        "For every account and day, whether a sender file covered the day and the worst "
        "status of its collectors, read from v_report_collection_days (missing: no file "
        "covered the day), with the latest collector failures from v_report_collector_issues "
        "and files the receiver could not load from v_ingestion_status.",
    )
    days = period_days(data.period)
    index = {d: i for i, d in enumerate(days)}
    rows: dict[str, list[Cell]] = {}
    labels: dict[str, str] = {}
    for c in data.collection:
        style = style_of(styles, c.account_id, c.account_name)
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
                    style_of(styles, f.account_id, f.account_name).label,
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
                style_of(styles, a.account_id, a.account_name).label,
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
