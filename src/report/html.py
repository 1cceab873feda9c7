"""The report page: one self-contained HTML file (inline CSS, inline SVG, no script).

Hooks for browser tests and for readers of the file:

* ``<section id="...">`` per report section, each with an ``<h2>`` and a ``p.explain`` sentence
  naming the views it reads;
* every chart is ``<figure class="chart" id="chart-<slug>" data-points="N">`` holding exactly one
  ``<svg role="img" aria-label="...">`` (see ``report.charts`` for the marks inside:
  ``.mark`` on every data mark, ``.datum`` on the N marks that are one data point each);
* a chart without data is ``<figure class="chart empty" id="chart-<slug>" data-points="0">``
  with a ``p.no-data`` "No data for ... in this period" and no ``<svg>``;
* the KPI strip is ``div#kpis`` of ``div.kpi#kpi-<name>``, whose ``span.kpi-value`` carries
  the exact number in ``data-value`` (a decimal string; empty when unknown);
* tables are ``<table class="data" id="table-<slug>">``.

Every value that comes from the database passes through ``esc`` (text and attributes alike).
The Content-Security-Policy meta tag forbids scripts and every external resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from report.charts import Chart
from report.formatting import esc

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --bg: #fff; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 20px 48px; background: var(--bg);
  color: var(--ink); line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif; font-size: 15px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 0 0 4px; padding-top: 8px; border-top: 2px solid var(--rule); }
h3 { font-size: 1rem; margin: 18px 0 6px; }
p { margin: 4px 0 10px; }
.period, .explain, .note, figcaption, .how { color: var(--muted); }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 10px;
  margin: 16px 0; }
.kpi { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; }
.kpi-value { display: block; font-size: 1.45rem; font-weight: 650;
  font-variant-numeric: tabular-nums; }
.kpi-label { display: block; font-weight: 600; }
.kpi-note { display: block; color: var(--muted); font-size: .82rem; }
nav ol { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 0 0 8px;
  list-style: none; }
nav a { color: #0969da; }
section { margin: 28px 0; }
figure.chart { margin: 12px 0 18px; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { display: block; width: 100%; height: auto; max-width: 100%; }
figure.chart svg text { font-size: 12px; fill: #333; }
figure.chart .grid { stroke: #e6e8eb; stroke-width: 1; }
figure.chart .grid.zero { stroke: #8c959f; }
figure.chart .tick { stroke: #8c959f; }
figure.chart .total { fill: #1f2328; }
figure.chart rect.mark, figure.chart circle.mark { stroke: #fff; stroke-width: .5; }
figure.chart rect.status-missing { stroke: #b0b7bf; stroke-width: 1; }
figure.chart .mark:hover { opacity: .75; }
figure.chart.empty { border: 1px dashed var(--rule); border-radius: 6px; padding: 14px; }
figcaption { font-size: .9rem; margin-top: 4px; }
.no-data { font-weight: 600; color: var(--muted); margin: 0; }
table.data { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: .9rem;
  break-inside: auto; }
table.data caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 4px 8px;
  text-align: left; vertical-align: top; }
table.data th { background: #f6f8fa; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
table.data tr { break-inside: avoid; page-break-inside: avoid; }
table.data tfoot td { font-weight: 650; }
td.wrap { word-break: break-word; min-width: 10em; max-width: 420px; }
td.nowrap { white-space: nowrap; }
.table-scroll { overflow-x: auto; }
.sev { display: inline-block; min-width: 1.2em; }
footer { margin-top: 40px; padding-top: 10px; border-top: 2px solid var(--rule);
  color: var(--muted); font-size: .85rem; }
footer code { font-size: .8rem; }
@media print {
  :root { --ink: #000; --muted: #333; --rule: #999; }
  body { max-width: none; padding: 0; background: #fff; color: #000; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  nav { display: none; }
  section { break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure.chart, .kpis, .kpi { break-inside: avoid; page-break-inside: avoid; }
  figure.chart svg text { fill: #000; }
  a { color: inherit; text-decoration: none; }
}
"""


class Markup(str):
    """HTML that is already safe (built here from escaped parts); ``cell`` will not escape it."""


@dataclass(frozen=True)
class Figure:
    slug: str
    caption: str
    chart: Chart | None
    empty_text: str

    @property
    def points(self) -> int:
        return self.chart.points if self.chart else 0


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    text: str
    value: str  # exact machine-readable value, '' when unknown
    note: str = ""


@dataclass
class Section:
    id: str
    title: str
    explanation: str
    blocks: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def add_figure(self, figure: Figure) -> None:
        self.figures.append(figure)
        self.blocks.append(figure_html(figure))

    def add(self, block: str) -> None:
        self.blocks.append(block)


def no_data(what: str) -> str:
    return f"No data for {what} in this period"


def figure_html(figure: Figure) -> str:
    slug = esc(figure.slug)
    if figure.chart is None or figure.chart.points == 0:
        return (
            f'<figure class="chart empty" id="chart-{slug}" data-points="0">'
            f'<p class="no-data">{esc(figure.empty_text)}</p>'
            f"<figcaption>{esc(figure.caption)}</figcaption></figure>"
        )
    return (
        f'<figure class="chart" id="chart-{slug}" data-points="{figure.chart.points}">'
        f"{figure.chart.svg}<figcaption>{esc(figure.caption)}</figcaption></figure>"
    )


def cell(value: object) -> str:
    return value if isinstance(value, Markup) else esc(value)


def table_html(
    slug: str,
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    numeric: Sequence[int] = (),
    wrap: Sequence[int] = (),
    footer: Sequence[object] | None = None,
    empty_text: str = "",
) -> str:
    """A data table; ``numeric`` columns are right-aligned, ``wrap`` columns may break words."""
    if not rows:
        return f'<p class="no-data" id="table-{esc(slug)}">{esc(empty_text)}</p>'

    def cls(i: int, tag: str, value: object = "") -> str:
        names = ["num"] if i in numeric else []
        if tag == "td" and i in wrap:
            names.append("wrap")
        elif tag == "td" and _short_token(value):
            names.append("nowrap")  # ids, dates, regions: never broken at a hyphen
        return f' class="{" ".join(names)}"' if names else ""

    head = "".join(f'<th scope="col"{cls(i, "th")}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>"
        + "".join(f"<td{cls(i, 'td', v)}>{cell(v)}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    foot = ""
    if footer is not None:
        foot = (
            "<tfoot><tr>"
            + "".join(f"<td{cls(i, 'td', v)}>{cell(v)}</td>" for i, v in enumerate(footer))
            + "</tr></tfoot>"
        )
    return (
        f'<div class="table-scroll"><table class="data" id="table-{esc(slug)}">'
        f"<caption>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table></div>"
    )


def _short_token(value: object) -> bool:
    text = str(value)
    return 0 < len(text) <= 24 and not any(c.isspace() for c in text)


def kpis_html(kpis: Sequence[Kpi]) -> str:
    items = "".join(
        f'<div class="kpi" id="kpi-{esc(k.name)}">'
        f'<span class="kpi-value" data-value="{esc(k.value)}">{esc(k.text)}</span>'
        f'<span class="kpi-label">{esc(k.label)}</span>'
        + (f'<span class="kpi-note">{esc(k.note)}</span>' if k.note else "")
        + "</div>"
        for k in kpis
    )
    return f'<div class="kpis" id="kpis">{items}</div>'


def section_html(section: Section) -> str:
    return (
        f'<section id="{esc(section.id)}"><h2>{esc(section.title)}</h2>'
        f'<p class="explain">{esc(section.explanation)}</p>{"".join(section.blocks)}</section>'
    )


def page(
    *,
    title: str,
    period_text: str,
    kpis: Sequence[Kpi],
    sections: Sequence[Section],
    footer_lines: Sequence[str],
) -> str:
    nav = "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in sections)
    footer = "".join(f"<p>{esc(line)}</p>" for line in footer_lines)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'  # a constant
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="python -m receiver report">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f'<body><header><h1>{esc(title)}</h1><p class="period">{esc(period_text)}</p>'
        f'{kpis_html(kpis)}<nav aria-label="Sections"><ol>{nav}</ol></nav></header>\n'
        "<main>"
        + "\n".join(section_html(s) for s in sections)
        + f"</main>\n<footer>{footer}</footer></body></html>\n"
    )
