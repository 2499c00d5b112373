"""The dashboard as one self-contained HTML page: no file or network needed to open it.

Escaping, in one place: every text goes through ``html.escape``; each
figure's data sits in a ``<script type="application/json">`` block with
``<``, ``>`` and ``&`` written as JSON escapes, so no text in it can close
the block; and the page's Content-Security-Policy lets only its own two
scripts run (by hash) and loads nothing from anywhere, so even markup that
got through could neither run a script nor call out.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping
from typing import Any

from omnicx._version import __version__
from omnicx.cli._human import when
from omnicx.report import _charts as charts
from omnicx.report._page import Card, Chart, Section, Table
from omnicx.report._sections import cards, sections, weekly, zone
from omnicx.report._values import Dashboard

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}

# Draws every figure, marks each chart drawn (or failed, with the reason on
# the console), and counts them on <body>, where a test or a person can look.
_DRAW = """(function () {
  var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
  var drawn = 0, failed = 0;
  blocks.forEach(function (block) {
    var target = document.getElementById(block.getAttribute('data-chart'));
    try {
      var figure = JSON.parse(block.textContent);
      Plotly.newPlot(target, figure.data, figure.layout, {displaylogo: false, responsive: true});
      target.setAttribute('data-drawn', 'yes');
      drawn += 1;
    } catch (error) {
      target.setAttribute('data-drawn', 'failed');
      failed += 1;
      console.error('chart ' + target.id + ': ' + error);
    }
  });
  document.body.setAttribute('data-charts-drawn', String(drawn));
  document.body.setAttribute('data-charts-failed', String(failed));
})();"""

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1rem 1.5rem 3rem; color: #1a1a1a; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
.meta { color: #444; margin-top: 0; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; padding: 0; list-style: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 0.8rem; }
.card { border: 1px solid #999; border-radius: 6px; padding: 0.6rem 0.8rem; }
.card .value { font-size: 1.6rem; font-weight: 600; display: block; }
.card .label { font-weight: 600; display: block; }
.card .detail { color: #444; font-size: 0.9rem; }
section { border-top: 2px solid #ccc; margin-top: 2rem; }
figure { margin: 1.2rem 0; }
figcaption { color: #444; font-size: 0.9rem; }
.chart { width: 100%; min-height: 240px; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.5rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #0050a0; }
.note { background: #f4f4f4; border-left: 4px solid #777; padding: 0.5rem 0.8rem; }
@media print { details { display: block; } details > summary { display: none; } }
"""


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def script_json(value: Mapping[str, Any]) -> str:
    """``value`` as JSON safe inside a ``<script>`` block: no ``<``, ``>`` or ``&`` left raw."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def _number(cell: str) -> bool:
    stripped = cell.rstrip("%").lstrip("-")
    return stripped.replace(".", "", 1).isdigit()


def table_html(table: Table) -> str:
    """One table: a caption, a header row, and rows whose first ``keys`` cells head them."""
    head = "".join(f'<th scope="col">{_text(h)}</th>' for h in table.header)
    body = []
    for row in table.rows:
        cells = []
        for index, cell in enumerate(row):
            if index < table.keys:
                cells.append(f'<th scope="row">{_text(cell)}</th>')
            else:
                kind = ' class="number"' if _number(cell) else ""
                cells.append(f"<td{kind}>{_text(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{_text(table.caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _chart_html(chart: Chart, with_table: bool) -> str:
    parts = [
        "<figure>",
        f'<div id="chart-{_text(chart.id)}" class="chart" role="img" '
        f'aria-label="{_text(chart.description)}"></div>',
        f'<script type="application/json" data-chart="chart-{_text(chart.id)}">'
        f"{script_json(chart.figure)}</script>",
        f"<figcaption>{_text(chart.description)}</figcaption>",
    ]
    if with_table:
        parts.append(
            f"<details><summary>Table: {_text(chart.table.caption)}</summary>"
            f"{table_html(chart.table)}</details>"
        )
    parts.append("</figure>")
    return "".join(parts)


def _section_html(section: Section) -> str:
    parts = [f'<section id="{_text(section.id)}" aria-labelledby="{_text(section.id)}-title">',
             f'<h2 id="{_text(section.id)}-title">{_text(section.title)}</h2>']  # fmt: skip
    if section.intro:
        parts.append(f"<p>{_text(section.intro)}</p>")
    parts += [f'<p class="note">{_text(note)}</p>' for note in section.notes]
    shown: list[Table] = []
    for chart in section.charts:
        # Two charts of one table (CSAT and NPS) list it once.
        parts.append(_chart_html(chart, chart.table not in shown))
        shown.append(chart.table)
    parts += [table_html(table) for table in section.tables]
    parts.append("</section>")
    return "\n".join(parts)


def _card_html(card: Card) -> str:
    return (
        f'<div class="card"><span class="label">{_text(card.label)}</span>'
        f'<span class="value">{_text(card.value)}</span>'
        f'<span class="detail">{_text(card.detail)}</span></div>'
    )


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def dashboard_html(dashboard: Dashboard, *, title: str = "Customer service report") -> str:
    """The dashboard as one HTML page that opens offline (plotly.js is inside it).

    Raises:
        OmnicxError: plotly is not installed (``pip install 'omnicx[report]'``).
    """
    page_sections = sections(dashboard)
    library = charts.plotly_js().replace("</script", "<\\/script")
    policy = (
        "default-src 'none'; "
        f"script-src {_hash(library)} {_hash(_DRAW)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
    )
    tz = dashboard.tz
    period = "weeks" if weekly(dashboard) else "days"
    since = "" if dashboard.first is None else f"conversations since {when(dashboard.first, tz)}, "
    meta = (
        f"As of {when(dashboard.now, tz)} ({zone(dashboard)}); {since}"
        f"trends by {period}. Made by omnicx {__version__}."
    )
    nav = "".join(f'<li><a href="#{_text(s.id)}">{_text(s.title)}</a></li>' for s in page_sections)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_text(policy)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_text(title)}</title>",
            f"<style>{_STYLE}</style>",
            f"<script>{library}</script>",
            "</head>",
            "<body>",
            f'<header><h1>{_text(title)}</h1><p class="meta">{_text(meta)}</p>',
            '<noscript><p class="note">The charts need JavaScript; every figure is also in '
            "the table under its chart.</p></noscript>",
            f'<nav aria-label="Sections"><ul>{nav}</ul></nav></header>',
            "<main>",
            '<section id="summary" aria-label="Summary"><div class="cards">'
            + "".join(_card_html(card) for card in cards(dashboard))
            + "</div></section>",
            *(_section_html(section) for section in page_sections),
            "</main>",
            f"<script>{_DRAW}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )
