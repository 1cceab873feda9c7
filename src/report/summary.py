"""The morning summary: a short plain-text digest of a rendered report, for SNS (email, chat).

``new_critical_findings`` reads the critical findings this database first loaded since a given
time (``v_critical_findings_current``: Security Hub, GuardDuty, Inspector); ``summary_text`` and
``summary_subject`` turn a ``Report`` (its KPI strip and organization roster) and those findings
into a message where every number says what it counts. Nothing here knows about Lambda or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from receiver.db import Executor
from report import Report, sections
from report.reader import Reader, to_int
from report.sections.collection_health import ExpectedAccount

MAX_LISTED = 10  # findings and silent accounts listed by name; the rest are counted
# SNS: Subject is ASCII, at most 100 characters; a message at most 256 KiB. The lists above are
# capped, and long titles cut, so a message stays a few KiB whatever the database holds.
MAX_SUBJECT = 100
MAX_TITLE = 160
SOURCE_NAMES = {"securityhub": "Security Hub", "guardduty": "GuardDuty", "inspector": "Inspector"}


@dataclass(frozen=True)
class NewFinding:
    source: str
    account_id: str
    region: str | None
    finding_id: str
    title: str | None
    resource_id: str | None
    first_seen_at: datetime | None
    first_loaded_at: datetime


@dataclass(frozen=True)
class NewFindings:
    since: datetime
    total: int
    listed: list[NewFinding]


def new_critical_findings(
    executor: Executor, since: datetime, limit: int = MAX_LISTED
) -> NewFindings:
    """Open critical findings first loaded at or after ``since`` (newest first) and how many."""
    rows = Reader(executor).rows(
        """
        SELECT source, account_id, region, finding_id, title, resource_id, first_seen_at,
               first_loaded_at, count(*) OVER () AS total
        FROM v_critical_findings_current
        WHERE first_loaded_at >= :since
        ORDER BY first_loaded_at DESC, source, account_id, finding_id
        LIMIT :limit
        """,
        {"since": since, "limit": limit},
        "v_critical_findings_current",
    )
    return NewFindings(
        since=since,
        total=to_int(rows[0]["total"]) if rows else 0,
        listed=[
            NewFinding(
                r["source"],
                r["account_id"],
                r["region"],
                r["finding_id"],
                r["title"],
                r["resource_id"],
                r["first_seen_at"],
                r["first_loaded_at"],
            )
            for r in rows
        ],
    )


def _utc(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def _cut(text: str, limit: int = MAX_TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def silent_accounts(report: Report) -> list[ExpectedAccount] | None:
    """Expected accounts not reporting, or None when no roster was ever refreshed."""
    data = report.data
    if data is None or data.roster.refreshed_at is None:
        return None
    return data.roster.not_reporting


def summary_subject(day: str, findings: NewFindings, report: Report) -> str:
    """``Observability report 2026-12-05: 2 new critical findings, 1 silent account``."""
    silent = silent_accounts(report)
    parts = [f"{findings.total} new critical finding{'' if findings.total == 1 else 's'}"]
    if silent is not None:
        parts.append(f"{len(silent)} silent account{'' if len(silent) == 1 else 's'}")
    subject = f"Observability report {day}: {', '.join(parts)}"
    return subject.encode("ascii", "replace").decode()[:MAX_SUBJECT]


def summary_text(
    report: Report,
    findings: NewFindings,
    *,
    day: str,
    location: str,
    generated: datetime,
) -> str:
    """The message: where the page is, the period, the KPI strip, new critical findings and
    silent accounts, each number with what it counts."""
    lines = [
        f"AWS observability report of {day}, generated {_utc(generated)}.",
        f"Full report: {location}",
        f"  aws s3 cp {location} .",
        "",
    ]
    if report.period is None:
        lines.append("The database holds no data yet: the totals below are zero.")
    else:
        days = len(report.period.days)
        lines.append(
            f"Period: {report.period.start.isoformat()} to {report.period.end.isoformat()} "
            f"({days} days, ending on the latest day with data in the database)."
        )
    if report.data is not None:
        lines += ["", "Totals (the strip at the top of the report):"]
        for kpi in sections.kpis(report.data):
            note = f" ({kpi.note})" if kpi.note else ""
            lines.append(f"- {kpi.label}: {kpi.text}{note}")
    lines += ["", *_findings_lines(findings), "", *_silent_lines(report)]
    return "\n".join(lines) + "\n"


def _findings_lines(findings: NewFindings) -> list[str]:
    head = (
        f"New critical findings: {findings.total} (open CRITICAL findings of Security Hub, "
        f"GuardDuty and Inspector first loaded since {_utc(findings.since)}; "
        "v_critical_findings_current)"
    )
    lines = [head]
    for f in findings.listed:
        where = ", ".join(p for p in (f.account_id, f.region) if p)
        detail = f"{SOURCE_NAMES.get(f.source, f.source)}, {where}: {_cut(f.title or f.finding_id)}"
        if f.resource_id:
            detail += f" (resource {_cut(f.resource_id, 120)})"
        if f.first_seen_at:
            detail += f", first seen by AWS {_utc(f.first_seen_at)}"
        lines.append(f"- {detail}")
    if findings.total > len(findings.listed):
        lines.append(f"- and {findings.total - len(findings.listed)} more")
    return lines


def _silent_lines(report: Report) -> list[str]:
    silent = silent_accounts(report)
    if silent is None:
        return [
            "Silent accounts: unknown (no organization roster yet: expected accounts are known "
            "once the roster function, or python -m receiver roster, has run)."
        ]
    assert report.data is not None
    roster = report.data.roster
    hours = roster.accounts[0].silent_after_hours if roster.accounts else 36
    lines = [
        f"Silent accounts: {len(silent)} of {len(roster.accounts)} expected (ACTIVE accounts of "
        f"the organization that sent nothing for more than {hours} hours or never reported; "
        f"roster of {_utc(roster.refreshed_at)})"  # type: ignore[arg-type]
    ]
    for a in silent[:MAX_LISTED]:
        name = f"{a.account_name} ({a.account_id})" if a.account_name else a.account_id
        ou = f", OU {a.ou_path}" if a.ou_path else ""
        if a.last_report_at is None:
            state = "never reported"
        else:
            state = f"last report {_utc(a.last_report_at)}"
            if a.hours_since_report is not None:
                state += f", {int(a.hours_since_report)} hours ago"
        lines.append(f"- {name}{ou}: {state}")
    if len(silent) > MAX_LISTED:
        lines.append(f"- and {len(silent) - MAX_LISTED} more")
    return lines
