"""Section 5, inventory: resources per account and type in the current snapshot, the query and
the section's chart and table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, in_account_order, style_of
from report.charts import Series
from report.formatting import Unit, count, long_day
from report.html import Figure, Section, no_data, table_html
from report.reader import Reader, to_int

if TYPE_CHECKING:
    from report.sections import ReportData


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
            to_int(r["resource_count"]),
            r["as_of"],
        )
        for r in rows
    ]


def inventory_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    section = Section(
        "inventory",
        "Inventory",
        "Number of resources per type and account in each account's current inventory "
        "snapshot, read from v_resources_current.",
    )
    types = sorted({i.resource_type for i in data.inventory})
    account_ids = in_account_order({i.account_id for i in data.inventory}, styles)
    names = {i.account_id: i.account_name for i in data.inventory}
    counts = {(i.account_id, i.resource_type): i.count for i in data.inventory}
    series = [
        Series(
            style_of(styles, a, names[a]).label,
            [counts.get((a, t)) for t in types],
            style_of(styles, a, names[a]).color,
        )
        for a in account_ids
    ]
    section.add_figure(
        Figure(
            "inventory",
            "Resources per type, stacked by account.",
            charts.hbar_chart(
                label="Resources per type and account",
                categories=types,
                series=series,
                unit=Unit("count"),
            ),
            no_data("inventory"),
        )
    )
    rows = []
    for a in account_ids:
        rows.append(
            [style_of(styles, a, names[a]).label, a]
            + [count(counts.get((a, t), 0)) for t in types]
            + [count(sum(counts.get((a, t), 0) for t in types))]
        )
    as_of = {i.account_id: i.as_of for i in data.inventory}
    for row, a in zip(rows, account_ids, strict=True):
        row.append(long_day(as_of[a]))
    section.add(
        table_html(
            "inventory",
            "Resources per account and type (current)",
            ["Account", "Account ID", *types, "Total", "As of"],
            rows,
            numeric=tuple(range(2, 3 + len(types))),
            footer=["All accounts", ""]
            + [count(sum(counts.get((a, t), 0) for a in account_ids)) for t in types]
            + [count(sum(counts.values())), ""]
            if rows
            else None,
            empty_text=no_data("inventory"),
        )
    )
    return section
