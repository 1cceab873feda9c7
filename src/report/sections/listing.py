"""Shared by the reference sections (issue 11): a per-account chart of counts by status, and
tables kept short (the first ``TOP`` rows, then "and K more")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from report import charts
from report.accounts import AccountStyle, in_account_order, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, esc
from report.html import Figure, no_data, table_html

TOP = 10  # rows of a listing table; the rest is counted, not shown


@dataclass(frozen=True)
class Status:
    """One stacked part of a per-account chart: its key in the counts, its name and colour."""

    key: str
    name: str
    color: str


def account_status_figure(
    slug: str,
    caption: str,
    label: str,
    what: str,
    counts: Mapping[str, Mapping[str, int]],
    names: Mapping[str, str | None],
    statuses: Sequence[Status],
    styles: dict[str, AccountStyle],
) -> Figure:
    """One horizontal bar per account, its ``counts[account][status.key]`` stacked by status."""
    order = in_account_order(counts, styles)
    labels = [f"{style_of(styles, a, names.get(a)).label} ({a})" for a in order]
    series = [
        Series(s.name, [counts[a].get(s.key) or None for a in order], s.color) for s in statuses
    ]
    return Figure(
        slug,
        caption,
        charts.hbar_chart(label=label, categories=labels, series=series, unit=Unit("count"))
        if order
        else None,
        no_data(what),
    )


def bounded_table(
    slug: str,
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    total: int,
    *,
    numeric: Sequence[int] = (),
    wrap: Sequence[int] = (),
    empty_text: str,
) -> str:
    """A table of the first rows of ``total``; says how many more there are."""
    shown = f"{caption} (first {len(rows)} of {total})" if total > len(rows) else caption
    html = table_html(slug, shown, headers, rows, numeric=numeric, wrap=wrap, empty_text=empty_text)
    if total > len(rows):
        html += (
            f'<p class="note" id="more-{esc(slug)}">and {count(total - len(rows))} more, '
            "not shown</p>"
        )
    return html


def brief(text: str | None, limit: int = 200) -> str:
    """Free text for a table cell: at most ``limit`` characters, cut at a word with an ellipsis
    (the full text stays in the database)."""
    if not text:
        return EN_DASH
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")
