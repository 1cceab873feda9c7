"""The accounts every section names: who is known, and one label, colour and dash each.

The list holds accounts that sent data and expected accounts of the organization roster that
never did; ``account_styles`` gives each the same label, colour and dash in every chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from report import charts
from report.charts import Series
from report.reader import Reader


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str | None


KNOWN_ACCOUNTS = """
    SELECT account_id, name FROM v_accounts
    UNION ALL
    SELECT e.account_id, e.account_name
    FROM v_expected_accounts e
    WHERE NOT EXISTS (SELECT 1 FROM v_accounts x WHERE x.account_id = e.account_id)
"""


def accounts(reader: Reader) -> list[Account]:
    """Accounts that sent data, and expected accounts of the roster that never did."""
    rows = reader.rows(
        f"SELECT account_id, name FROM ({KNOWN_ACCOUNTS}) k ORDER BY name, account_id",
        None,
        "v_expected_accounts",
    )
    return [Account(r["account_id"], r["name"]) for r in rows]


@dataclass(frozen=True)
class AccountStyle:
    label: str
    color: str
    dash: str


def account_styles(accounts: Sequence[Account]) -> dict[str, AccountStyle]:
    """A label, colour and dash per account, the same in every chart of the report."""
    names = [a.name for a in accounts]
    styles = {}
    for i, a in enumerate(accounts):
        if not a.name:
            label = a.account_id
        elif names.count(a.name) > 1:
            label = f"{a.name} ({a.account_id})"
        else:
            label = a.name
        styles[a.account_id] = AccountStyle(label, charts.color_of(i), charts.dash_of(i))
    return styles


def account_series(
    days: list[date],
    points: Iterable[tuple[str, str | None, date, Decimal | None]],
    styles: dict[str, AccountStyle],
) -> tuple[dict[str, list[Decimal | None]], dict[str, str | None], list[str], list[Series]]:
    """One line per account over ``days`` from (account id, name, day, value) points: the
    values per account, the names, the accounts in report order, and the styled series."""
    index = {d: i for i, d in enumerate(days)}
    per_account: dict[str, list[Decimal | None]] = {}
    names: dict[str, str | None] = {}
    for account_id, name, day, value in points:
        per_account.setdefault(account_id, [None] * len(days))[index[day]] = value
        names[account_id] = name
    order = in_account_order(per_account, styles)
    series = [
        Series(
            style_of(styles, a, names[a]).label,
            per_account[a],
            style_of(styles, a, names[a]).color,
            style_of(styles, a, names[a]).dash,
        )
        for a in order
    ]
    return per_account, names, order, series


def in_account_order(account_ids: Iterable[str], styles: dict[str, AccountStyle]) -> list[str]:
    """The ids in the order of the report's account list (by name), unknown ones last."""
    rank = {account_id: i for i, account_id in enumerate(styles)}
    return sorted(account_ids, key=lambda a: (rank.get(a, len(rank)), a))


def style_of(styles: dict[str, AccountStyle], account_id: str, name: str | None) -> AccountStyle:
    return styles.get(account_id) or AccountStyle(name or account_id, charts.OTHER_COLOR, "")
