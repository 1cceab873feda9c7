"""Commitments inventory: what expires in the next 30, 60 or 90 days and what it covers, then
every Reserved Instance / reserved node and Savings Plan of the current snapshot.

Expiring commitments come from ``v_commitments_expiring`` (active ones ending within 90 days of
their snapshot date); the per-account chart and the inventory from
``v_commitment_inventory_current``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, count, long_day, money, percent
from report.html import Section, no_data
from report.reader import Reader, to_decimal, to_int, to_int_or_none
from report.sections.listing import TOP, Status, account_status_figure, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

BUCKETS = (
    Status("d30", "Ends within 30 days", "#d6604d"),
    Status("d60", "Ends in 31-60 days", "#fdb863"),
    Status("d90", "Ends in 61-90 days", "#fee090"),
    Status("later", "Active, ends later", "#4393c3"),
    Status("inactive", "Not active (queued, pending, retired)", "#bababa"),
)
YEAR_SECONDS = 31_536_000


@dataclass(frozen=True)
class Commitment:
    account_id: str
    account_name: str | None
    kind: str
    service: str
    region: str
    covers: str
    payment_option: str | None
    duration_seconds: int | None
    state: str | None
    ends: date | None
    end_computed: bool | None
    days_left: int | None
    upfront_fee: Decimal | None
    recurring_amount: Decimal | None
    recurring_frequency: str | None
    currency: str | None
    utilization_pct: Decimal | None
    utilization_from: date | None
    utilization_to: date | None  # exclusive


@dataclass
class CommitmentData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> bucket -> n
    names: dict[str, str | None] = field(default_factory=dict)
    expiring: list[Commitment] = field(default_factory=list)  # the first ``TOP``
    expiring_total: int = 0
    inventory: list[Commitment] = field(default_factory=list)  # the first ``TOP``
    inventory_total: int = 0


INVENTORY_COVERS = """CASE WHEN c.kind = 'SP' THEN concat_ws(' ', coalesce(c.plan_type, 'Unknown'),
                           'Savings Plan', CASE WHEN c.hourly_commitment IS NOT NULL THEN
                           concat(c.hourly_commitment, ' ', coalesce(c.currency, ''), '/hour')
                           END)
                      ELSE concat_ws(' ', c.service, concat(coalesce(c.instance_count::text, '?'),
                           ' x ', coalesce(c.instance_type, '?')), c.product) END"""


def commitments(reader: Reader, limit: int = TOP) -> CommitmentData:
    data = CommitmentData()
    for r in reader.rows(
        """
        SELECT c.account_id, a.name AS account_name,
               CASE WHEN e.expires_within_days IS NOT NULL THEN 'd' || e.expires_within_days
                    WHEN lower(c.state) = 'active' THEN 'later'
                    ELSE 'inactive' END AS bucket,
               count(*) AS commitments
        FROM v_commitment_inventory_current c
        JOIN v_accounts a ON a.account_id = c.account_id
        LEFT JOIN v_commitments_expiring e ON e.account_id = c.account_id
         AND e.service = c.service AND e.region = c.region
         AND e.commitment_id = c.commitment_id
        GROUP BY c.account_id, a.name, 3
        """,
        None,
        "v_commitment_inventory_current",
        "v_commitments_expiring",
    ):
        data.counts.setdefault(r["account_id"], {})[r["bucket"]] = to_int(r["commitments"])
        data.names[r["account_id"]] = r["account_name"]
    expiring = reader.rows(
        """
        SELECT e.account_id, a.name AS account_name, e.kind, e.service, e.region, e.covers,
               e.payment_option, e.duration_seconds, 'active' AS state,
               (e.end_at AT TIME ZONE 'UTC')::date AS ends, e.end_computed, e.days_left,
               e.upfront_fee, e.recurring_amount, e.recurring_frequency, e.currency,
               e.utilization_pct, e.utilization_period_start, e.utilization_period_end,
               count(*) OVER () AS total
        FROM v_commitments_expiring e
        JOIN v_accounts a ON a.account_id = e.account_id
        ORDER BY e.end_at, a.name, e.account_id, e.service, e.region, e.commitment_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_commitments_expiring",
    )
    data.expiring_total = to_int(expiring[0]["total"]) if expiring else 0
    data.expiring = [_commitment(r) for r in expiring]
    inventory = reader.rows(
        f"""
        SELECT c.account_id, a.name AS account_name, c.kind, c.service, c.region,
               {INVENTORY_COVERS} AS covers,
               c.payment_option, c.duration_seconds, c.state,
               (c.end_at AT TIME ZONE 'UTC')::date AS ends, c.end_computed,
               (c.end_at AT TIME ZONE 'UTC')::date - c.snapshot_date AS days_left,
               c.upfront_fee, c.recurring_amount, c.recurring_frequency, c.currency,
               c.utilization_pct, c.utilization_period_start, c.utilization_period_end,
               count(*) OVER () AS total
        FROM v_commitment_inventory_current c
        JOIN v_accounts a ON a.account_id = c.account_id
        ORDER BY lower(c.state) = 'active' DESC, c.end_at NULLS LAST, a.name, c.account_id,
                 c.service, c.region, c.commitment_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_commitment_inventory_current",
    )
    data.inventory_total = to_int(inventory[0]["total"]) if inventory else 0
    data.inventory = [_commitment(r) for r in inventory]
    return data


def _commitment(r: dict) -> Commitment:
    return Commitment(
        r["account_id"],
        r["account_name"],
        r["kind"],
        r["service"],
        r["region"] or "",
        r["covers"] or EN_DASH,
        r["payment_option"],
        to_int_or_none(r["duration_seconds"]),
        r["state"],
        _day(r["ends"]),
        r["end_computed"],
        to_int_or_none(r["days_left"]),
        to_decimal(r["upfront_fee"]),
        to_decimal(r["recurring_amount"]),
        r["recurring_frequency"],
        r["currency"],
        to_decimal(r["utilization_pct"]),
        _day(r["utilization_period_start"]),
        _day(r["utilization_period_end"]),
    )


def _day(value: object) -> date | None:
    """A date from psycopg (date) or the Data API (ISO text)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _term(seconds: int | None) -> str:
    if not seconds:
        return EN_DASH
    years = seconds / YEAR_SECONDS
    return (
        f"{years:g} year{'s' if years != 1 else ''}" if years >= 1 else f"{seconds // 86400} days"
    )


def _ends(c: Commitment) -> str:
    if c.ends is None:
        return EN_DASH
    return long_day(c.ends) + (" *" if c.end_computed else "")


def _recurring(c: Commitment) -> str:
    if c.recurring_amount is None:
        return EN_DASH
    every = (c.recurring_frequency or "").lower() or "period"
    return f"{money(c.recurring_amount, c.currency)} / {every.removesuffix('ly') or every}"


def _utilisation(c: Commitment) -> str:
    if c.utilization_pct is None:
        return EN_DASH
    if c.utilization_from and c.utilization_to:
        last = c.utilization_to.toordinal() - 1
        to = date.fromordinal(last)
        span = (
            long_day(c.utilization_from)
            if to == c.utilization_from
            else (f"{long_day(c.utilization_from)} to {long_day(to)}")
        )
        return f"{percent(c.utilization_pct, 1)} ({span})"
    return percent(c.utilization_pct, 1)


def _row(c: Commitment, styles: dict[str, AccountStyle], *, with_state: bool) -> list[str]:
    row = [
        style_of(styles, c.account_id, c.account_name).label,
        "Reservation" if c.kind == "RI" else "Savings Plan",
        c.region or "global",
        c.covers,
        c.payment_option or EN_DASH,
        _term(c.duration_seconds),
    ]
    if with_state:
        row.append((c.state or EN_DASH).lower())
    return [
        *row,
        _ends(c),
        count(c.days_left) if c.days_left is None or c.days_left >= 0 else "ended",
        money(c.upfront_fee, c.currency) if c.upfront_fee is not None else EN_DASH,
        _recurring(c),
        _utilisation(c),
    ]


def commitments_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    cd = data.commitment_inventory
    within = {b: sum(c.get(b, 0) for c in cd.counts.values()) for b in ("d30", "d60", "d90")}
    section = Section(
        "commitment-expiry",
        "Commitments: what expires next",
        "Reserved Instances / reserved nodes (EC2, RDS, ElastiCache, OpenSearch, Redshift) and "
        "Savings Plans each account owns, as its sender described them on the snapshot date "
        "(v_commitment_inventory_current); expiring: active commitments ending within 90 days "
        "of that date (v_commitments_expiring), days left counted from the snapshot date to "
        "the end date (UTC). "
        f"{count(within['d30'])} end within 30 days, {count(within['d60'])} in 31-60, "
        f"{count(within['d90'])} in 61-90. Ends marked * are start + term (RDS, ElastiCache, "
        "OpenSearch and Redshift give no end date). Upfront: the one-time fee; recurring: the "
        "charge per hour, both final prices in the commitment's currency. Utilisation: Cost "
        "Explorer's estimate for the owner over the day(s) shown (how much of what this "
        "account bought was used, by any account of the billing family); empty when not "
        "asked (nothing ran in the window, or Cost Explorer is collected by the management "
        "account).",
    )
    section.add_figure(
        account_status_figure(
            "commitment-expiry",
            "Commitments per account by when they end (current snapshot).",
            "Commitments per account by when they end",
            "commitments",
            cd.counts,
            cd.names,
            BUCKETS,
            styles,
        )
    )
    headers = [
        "Account",
        "Kind",
        "Region",
        "Covers",
        "Payment",
        "Term",
        "Ends",
        "Days left",
        "Upfront",
        "Recurring",
        "Utilisation",
    ]
    section.add(
        bounded_table(
            "commitment-expiry",
            "Active commitments ending within 90 days, soonest first",
            headers,
            [_row(c, styles, with_state=False) for c in cd.expiring],
            cd.expiring_total,
            numeric=(7, 8),
            wrap=(3,),
            empty_text="No active commitment ends within 90 days.",
        )
    )
    section.add(
        bounded_table(
            "commitment-inventory",
            "Every commitment (current), active first, soonest end first",
            [*headers[:6], "State", *headers[6:]],
            [_row(c, styles, with_state=True) for c in cd.inventory],
            cd.inventory_total,
            numeric=(8, 9),
            wrap=(3,),
            empty_text=no_data("commitments"),
        )
    )
    return section
