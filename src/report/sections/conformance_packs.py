"""AWS Config conformance packs: each pack's compliance and its compliant and non-compliant
rules in the current snapshot, the packs with the most non-compliant rules first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, long_day
from report.html import Figure, Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData


@dataclass(frozen=True)
class ConformancePack:
    account_id: str
    account_name: str | None
    region: str
    pack_name: str
    compliance: str | None
    compliant_rules: int | None
    non_compliant_rules: int | None
    as_of: date


@dataclass
class ConformanceData:
    packs: list[ConformancePack] = field(default_factory=list)  # the first ``TOP``
    total: int = 0
    non_compliant: int = 0  # packs whose compliance is NON_COMPLIANT


def conformance_packs(reader: Reader, limit: int = TOP) -> ConformanceData:
    rows = reader.rows(
        """
        SELECT p.account_id, a.name AS account_name, p.region, p.pack_name, p.compliance,
               p.compliant_rule_count, p.non_compliant_rule_count, p.snapshot_date,
               count(*) OVER () AS total,
               count(*) FILTER (WHERE p.compliance = 'NON_COMPLIANT') OVER () AS non_compliant
        FROM v_config_conformance_packs_current p
        JOIN v_accounts a ON a.account_id = p.account_id
        ORDER BY p.non_compliant_rule_count DESC NULLS LAST, a.name, p.account_id,
                 p.pack_name, p.region
        LIMIT :limit
        """,
        {"limit": limit},
        "v_config_conformance_packs_current",
    )
    return ConformanceData(
        [
            ConformancePack(
                r["account_id"],
                r["account_name"],
                r["region"],
                r["pack_name"],
                r["compliance"],
                r["compliant_rule_count"],
                r["non_compliant_rule_count"],
                r["snapshot_date"],
            )
            for r in rows
        ],
        to_int(rows[0]["total"]) if rows else 0,
        to_int(rows[0]["non_compliant"]) if rows else 0,
    )


def conformance_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    cp = data.conformance
    section = Section(
        "conformance-packs",
        "Config conformance packs",
        "AWS Config conformance packs of each account's current snapshot, read from "
        "v_config_conformance_packs_current: the pack's compliance as Config reports it "
        "(non-compliant when any of its rules is) and its rules counted by compliance; "
        f"{count(cp.non_compliant)} of {count(cp.total)} packs non-compliant.",
    )
    labels = [
        f"{style_of(styles, p.account_id, p.account_name).label} · {p.pack_name} ({p.region})"
        for p in cp.packs
    ]
    section.add_figure(
        Figure(
            "conformance-packs",
            "Rules of each conformance pack by compliance (current snapshot), the packs with "
            "the most non-compliant rules first"
            + (f"; {cp.total - len(cp.packs)} more packs not shown." if cp.total > TOP else "."),
            charts.hbar_chart(
                label="Conformance pack rules by compliance",
                categories=labels,
                series=[
                    Series(
                        "Non-compliant rules", [p.non_compliant_rules for p in cp.packs], "#d6604d"
                    ),
                    Series("Compliant rules", [p.compliant_rules for p in cp.packs], "#4393c3"),
                ],
                unit=Unit("count"),
            )
            if cp.packs
            else None,
            no_data("Config conformance packs"),
        )
    )
    rows = [
        [
            style_of(styles, p.account_id, p.account_name).label,
            p.account_id,
            p.region,
            p.pack_name,
            (p.compliance or EN_DASH).replace("_", " ").lower(),
            count(p.compliant_rules),
            count(p.non_compliant_rules),
            long_day(p.as_of),
        ]
        for p in cp.packs
    ]
    section.add(
        bounded_table(
            "conformance-packs",
            "Conformance packs (current), most non-compliant rules first",
            [
                "Account",
                "Account ID",
                "Region",
                "Pack",
                "Compliance",
                "Compliant rules",
                "Non-compliant rules",
                "As of",
            ],
            rows,
            cp.total,
            numeric=(5, 6),
            wrap=(3,),
            empty_text=no_data("Config conformance packs"),
        )
    )
    return section
