"""Amazon Inspector findings: the findings open now (status ACTIVE) per account and severity,
and the most severe of them listed with their score, exploit and fix availability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, count, long_day
from report.html import Section, no_data
from report.reader import Reader, to_decimal, to_int
from report.sections.listing import TOP, Status, account_status_figure, bounded_table, brief

if TYPE_CHECKING:
    from report.sections import ReportData

# Inspector's severities, most severe first; anything else (none yet) counts as "other"
SEVERITIES = (
    Status("CRITICAL", "Critical", "#67001f"),
    Status("HIGH", "High", "#d6604d"),
    Status("MEDIUM", "Medium", "#fdb863"),
    Status("LOW", "Low", "#4393c3"),
    Status("INFORMATIONAL", "Informational", "#bababa"),
    Status("UNTRIAGED", "Untriaged", "#8073ac"),
    Status("other", "Other", "#8c8c8c"),
)
RANK = """CASE i.severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2
                          WHEN 'LOW' THEN 3 WHEN 'INFORMATIONAL' THEN 4 ELSE 5 END"""


@dataclass(frozen=True)
class InspectorFinding:
    account_id: str
    account_name: str | None
    region: str | None
    severity: str | None
    score: Decimal | None
    title: str | None
    resource_type: str | None
    resource_id: str | None
    exploit_available: str | None
    fix_available: str | None
    first_observed: date | None
    description: str | None = None


@dataclass
class InspectorData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> severity -> n
    names: dict[str, str | None] = field(default_factory=dict)
    exploitable: int = 0  # open findings with a known exploit
    fixable: int = 0  # open findings with a fix (YES or PARTIAL)
    top: list[InspectorFinding] = field(default_factory=list)
    total: int = 0


def inspector(reader: Reader, limit: int = TOP) -> InspectorData:
    """Open Inspector findings (status ACTIVE) per account and severity, and the ``limit``
    most severe (then highest Inspector score)."""
    data = InspectorData()
    known = tuple(s.key for s in SEVERITIES if s.key != "other")
    for r in reader.rows(
        """
        SELECT i.account_id, a.name AS account_name,
               CASE WHEN i.severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL',
                                        'UNTRIAGED')
                    THEN i.severity ELSE 'other' END AS severity,
               count(*) AS findings,
               count(*) FILTER (WHERE i.exploit_available = 'YES') AS exploitable,
               count(*) FILTER (WHERE i.fix_available IN ('YES', 'PARTIAL')) AS fixable
        FROM v_inspector_findings_current i
        JOIN v_accounts a ON a.account_id = i.account_id
        GROUP BY i.account_id, a.name, 3
        """,
        None,
        "v_inspector_findings_current",
    ):
        severity = r["severity"] if r["severity"] in known else "other"
        data.counts.setdefault(r["account_id"], {})[severity] = to_int(r["findings"])
        data.names[r["account_id"]] = r["account_name"]
        data.exploitable += to_int(r["exploitable"])
        data.fixable += to_int(r["fixable"])
    rows = reader.rows(
        f"""
        SELECT i.account_id, a.name AS account_name, i.region, i.severity, i.inspector_score,
               i.title, i.resource_type, i.resource_id, i.exploit_available, i.fix_available,
               (i.first_observed_at AT TIME ZONE 'UTC')::date AS first_observed,
               i.description, count(*) OVER () AS total
        FROM v_inspector_findings_current i
        JOIN v_accounts a ON a.account_id = i.account_id
        ORDER BY {RANK}, i.inspector_score DESC NULLS LAST, i.first_observed_at, i.finding_arn
        LIMIT :limit
        """,
        {"limit": limit},
        "v_inspector_findings_current",
    )
    data.total = to_int(rows[0]["total"]) if rows else 0
    data.top = [
        InspectorFinding(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["severity"],
            to_decimal(r["inspector_score"]),
            r["title"],
            r["resource_type"],
            r["resource_id"],
            r["exploit_available"],
            r["fix_available"],
            r["first_observed"],
            r["description"],
        )
        for r in rows
    ]
    return data


def _resource(resource_type: str | None, resource_id: str | None) -> str:
    """``AWS_EC2_INSTANCE``, ``i-0abc`` -> ``EC2 instance i-0abc``: the service as Inspector
    spells it, the rest of the type in lower case."""
    service, _, kind = (resource_type or "").removeprefix("AWS_").partition("_")
    words = [service, kind.replace("_", " ").lower(), resource_id or ""]
    return " ".join(w for w in words if w) or EN_DASH


def inspector_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    insp = data.inspector
    open_total = sum(sum(c.values()) for c in insp.counts.values())
    section = Section(
        "inspector",
        "Inspector findings",
        "Open Amazon Inspector findings (status ACTIVE as Inspector reports it, latest state "
        "loaded; suppressed and closed findings are not counted), read from "
        f"v_inspector_findings_current: {count(open_total)} open, {count(insp.exploitable)} "
        f"with a known exploit, {count(insp.fixable)} with a fix available (fully or "
        "partially).",
    )
    section.add_figure(
        account_status_figure(
            "inspector",
            "Open Inspector findings per account, by Inspector severity (current).",
            "Open Inspector findings per account by severity",
            "open Inspector findings",
            insp.counts,
            insp.names,
            [s for s in SEVERITIES if any(s.key in c for c in insp.counts.values())],
            styles,
        )
    )
    rows = [
        [
            style_of(styles, f.account_id, f.account_name).label,
            f.region or EN_DASH,
            (f.severity or EN_DASH).title(),
            str(f.score) if f.score is not None else EN_DASH,
            f.title or EN_DASH,
            _resource(f.resource_type, f.resource_id),
            (f.exploit_available or EN_DASH).lower(),
            (f.fix_available or EN_DASH).lower(),
            long_day(f.first_observed) if f.first_observed else EN_DASH,
            brief(f.description),
        ]
        for f in insp.top
    ]
    section.add(
        bounded_table(
            "inspector-open",
            "Open Inspector findings, most severe and highest score first",
            [
                "Account",
                "Region",
                "Severity",
                "Score",
                "Finding",
                "Resource",
                "Exploit",
                "Fix",
                "First observed",
                "Description",
            ],
            rows,
            insp.total,
            numeric=(3,),
            wrap=(4, 5, 9),
            empty_text=no_data("open Inspector findings"),
        )
    )
    return section
