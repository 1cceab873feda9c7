"""Cost by cost-allocation tag (issue 14): each configured tag key's cost by value, and the
share of cost on resources without the tag.

Reads ``v_cost_by_tag_monthly`` and ``v_cost_untagged_share`` (sql/033) for the calendar months
the report's period touches, whole months as collected (the sender groups each day's cost by
the tag keys it is configured with)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from report.formatting import EN_DASH, count, money, percent
from report.html import Section, no_data
from report.reader import Reader, to_decimal, to_int
from report.sections.listing import TOP, bounded_table

if TYPE_CHECKING:
    from report.accounts import AccountStyle
    from report.reader import Period
    from report.sections import ReportData

UNTAGGED = "(untagged)"


@dataclass(frozen=True)
class TagValueCost:
    tag_key: str
    tag_value: str
    untagged: bool
    currency: str
    accounts: int
    unblended: Decimal | None
    amortized: Decimal | None
    estimated: bool


@dataclass(frozen=True)
class UntaggedShare:
    tag_key: str
    month: date
    currency: str
    accounts: int
    total: Decimal | None
    untagged: Decimal | None
    pct: Decimal | None
    estimated: bool


@dataclass
class TagCostData:
    first_month: date | None = None
    values: list[TagValueCost] = field(default_factory=list)  # the first ``TOP`` per cost
    total: int = 0
    shares: list[UntaggedShare] = field(default_factory=list)


def tag_cost(reader: Reader, period: Period | None, limit: int = TOP) -> TagCostData:
    data = TagCostData()
    if period is None:
        return data
    data.first_month = period.start.replace(day=1)
    bounds = {"first": data.first_month, "end": period.end}
    rows = reader.rows(
        """
        SELECT tag_key, tag_value, untagged, currency, count(DISTINCT account_id) AS accounts,
               sum(unblended_cost) AS unblended, sum(amortized_cost) AS amortized,
               bool_or(coalesce(estimated, false)) AS estimated, count(*) OVER () AS total
        FROM v_cost_by_tag_monthly
        WHERE month >= :first AND month <= :end
        GROUP BY tag_key, tag_value, untagged, currency
        ORDER BY sum(unblended_cost) DESC NULLS LAST, tag_key, tag_value
        LIMIT :limit
        """,
        {**bounds, "limit": limit},
        "v_cost_by_tag_monthly",
    )
    data.total = to_int(rows[0]["total"]) if rows else 0
    data.values = [
        TagValueCost(
            r["tag_key"],
            r["tag_value"],
            bool(r["untagged"]),
            r["currency"] or "USD",
            to_int(r["accounts"]),
            to_decimal(r["unblended"]),
            to_decimal(r["amortized"]),
            bool(r["estimated"]),
        )
        for r in rows
    ]
    data.shares = [
        UntaggedShare(
            r["tag_key"],
            r["month"],
            r["currency"] or "USD",
            to_int(r["accounts"]),
            to_decimal(r["total"]),
            to_decimal(r["untagged"]),
            to_decimal(r["pct"]),
            bool(r["estimated"]),
        )
        for r in reader.rows(
            """
            SELECT tag_key, month, currency, count(DISTINCT account_id) AS accounts,
                   sum(unblended_cost) AS total, sum(untagged_unblended_cost) AS untagged,
                   CASE WHEN sum(unblended_cost) > 0
                        THEN round(100 * sum(untagged_unblended_cost) / sum(unblended_cost), 2)
                   END AS pct,
                   bool_or(coalesce(estimated, false)) AS estimated
            FROM v_cost_untagged_share
            WHERE month >= :first AND month <= :end
            GROUP BY tag_key, month, currency
            ORDER BY tag_key, month, currency
            """,
            bounds,
            "v_cost_untagged_share",
        )
    ]
    return data


def _estimated(flag: bool) -> str:
    return " *" if flag else ""


def tag_cost_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    td = data.tag_cost
    months = f"from {td.first_month.isoformat()[:7]}" if td.first_month else ""
    keys = sorted({s.tag_key for s in td.shares})
    section = Section(
        "cost-by-tag",
        "Cost by cost-allocation tag",
        "Unblended and amortized cost per value of each cost-allocation tag key the senders "
        "are configured with, all accounts, over the calendar months the period touches "
        f"({months} to the period's end, whole months as collected), read from "
        "v_cost_by_tag_monthly and v_cost_untagged_share. (untagged): cost of resources "
        "without the tag (Cost Explorer's empty value). The untagged share is the untagged "
        "part of the key's unblended cost in the month. * some days still estimated by Cost "
        f"Explorer. Keys: {', '.join(keys) if keys else EN_DASH}.",
    )
    rows = [
        [
            v.tag_key,
            UNTAGGED if v.untagged else (v.tag_value or EN_DASH),
            count(v.accounts),
            money(v.unblended, v.currency) + _estimated(v.estimated),
            money(v.amortized, v.currency),
        ]
        for v in td.values
    ]
    section.add(
        bounded_table(
            "cost-by-tag",
            "Cost per tag key and value, highest unblended cost first",
            ["Tag key", "Value", "Accounts", "Unblended cost", "Amortized cost"],
            rows,
            td.total,
            numeric=(2, 3, 4),
            empty_text=no_data("cost by tag"),
        )
    )
    share_rows = [
        [
            s.tag_key,
            s.month.isoformat()[:7],
            count(s.accounts),
            money(s.total, s.currency) + _estimated(s.estimated),
            money(s.untagged, s.currency),
            percent(s.pct, 1),
        ]
        for s in td.shares
    ]
    section.add(
        bounded_table(
            "untagged-share",
            "Untagged share per tag key and month (unblended cost)",
            ["Tag key", "Month", "Accounts", "Cost", "Untagged cost", "Untagged share"],
            share_rows,
            len(share_rows),
            numeric=(2, 3, 4, 5),
            empty_text=no_data("cost by tag"),
        )
    )
    return section
