"""Numbers and dates as the report prints them: money from ``Decimal``, percents, counts, days."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
CENT = Decimal("0.01")
EN_DASH = "\u2013"  # shown for a missing value, and in ranges

Number = Decimal | int | float


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML and inline SVG (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def money(value: Number | None, currency: str | None = "USD") -> str:
    """``$1,234.56``, ``-$0.73``; exact from ``Decimal`` (half-up to the cent)."""
    if value is None:
        return EN_DASH
    amount = (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency or "")
    if symbol:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits} {currency}" if currency else f"{sign}{digits}"


def money_tick(value: float, step: float, currency: str | None = "USD") -> str:
    """Axis label: whole units when the tick step allows (``$1,200``), else cents."""
    symbol = CURRENCY_SYMBOLS.get(currency or "", "")
    sign = "-" if value < 0 else ""
    decimals = 0 if step >= 1 else 2
    text = f"{abs(value):,.{decimals}f}"
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text}"


def percent(value: Number | None, decimals: int = 1) -> str:
    if value is None:
        return EN_DASH
    return f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)}%"


def count(value: Number | None) -> str:
    return EN_DASH if value is None else f"{int(value):,}"


def day(value: date) -> str:
    """``Nov 3`` (tick and tooltip label)."""
    return f"{value:%b} {value.day}"


def long_day(value: date) -> str:
    """``2026-11-03`` (tables, footer)."""
    return value.isoformat()


def month(value: date) -> str:
    return f"{value:%b %Y}"


@dataclass(frozen=True)
class Unit:
    """What a chart's values are: money in a currency, a percentage or a count."""

    kind: Literal["money", "percent", "count"]
    currency: str | None = None

    def label(self, value: Number) -> str:
        """Exact label for tooltips and tables."""
        if self.kind == "money":
            return money(value, self.currency)
        if self.kind == "percent":
            return percent(value, 2)
        return count(value)

    def tick(self, value: float, step: float) -> str:
        if self.kind == "money":
            return money_tick(value, step, self.currency)
        if self.kind == "percent":
            return f"{value:g}%"
        return f"{value:,.0f}" if step >= 1 else f"{value:,.1f}"
