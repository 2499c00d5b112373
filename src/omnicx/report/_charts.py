"""Chart builders: plotly figures that read without colour, with units and zones on every axis.

Every series gets a colour from the Okabe-Ito palette (distinguishable
with the common colour-vision deficiencies) and, because colour alone is
not enough, its own pattern (bars), marker and dash (lines), and a label
written on the chart itself (bar values, line ends, heatmap cells).

Plotly renders a small subset of HTML in its texts; every text that may come
from data (a queue, an agent, a topic's theme) goes through ``label``, so
it shows as typed and never becomes markup.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from omnicx.errors import OmnicxError

COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
PATTERNS = ("", "/", "x", ".", "\\", "+", "-", "|")
MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# Cividis: a sequential scale readable with colour-vision deficiencies and in grey.
HEAT = "Cividis"

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def _missing() -> OmnicxError:
    return OmnicxError(
        "omnicx report needs plotly, which is not installed: pip install 'omnicx[report]'"
    )


def go() -> Any:
    """``plotly.graph_objects``, or an ``OmnicxError`` saying how to install it."""
    try:
        import plotly.graph_objects as graph_objects
    except ImportError:  # pragma: no cover - the test environment has the extra
        raise _missing() from None
    return graph_objects


def plotly_js() -> str:
    """The plotly.js bundle the page embeds (it needs no network to draw)."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:  # pragma: no cover - the test environment has the extra
        raise _missing() from None
    return str(get_plotlyjs())


def label(text: str, width: int = 40) -> str:
    """Data text as plotly shows it literally: escaped, on one line, at most ``width`` long."""
    flat = " ".join(text.split())
    if len(flat) > width:
        flat = flat[: width - 1].rstrip() + "…"
    return html.escape(flat, quote=False)


def layout(
    title: str, x_title: str, y_title: str, *, height: int = 360, **extra: Any
) -> dict[str, Any]:
    """A figure's layout: titled axes (units and zones go in the titles), no template."""
    base: dict[str, Any] = {
        "template": "none",
        "title": {"text": label(title, 120), "x": 0, "xanchor": "left"},
        "font": _FONT,
        "height": height,
        "margin": {"l": 70, "r": 110, "t": 50, "b": 60},
        "xaxis": {"title": {"text": x_title}, "automargin": True, "showgrid": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "showgrid": True},
        "legend": {"orientation": "h", "y": -0.25},
        "hovermode": "closest",
    }
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def figure(traces: Sequence[Any], layout_: Mapping[str, Any]) -> dict[str, Any]:
    """A validated figure as plain data (plotly checks every property name)."""
    built = go().Figure(data=list(traces), layout=dict(layout_))
    return dict(built.to_plotly_json())


def lines(
    series: Mapping[str, Sequence[tuple[object, float | None]]],
    *,
    text: Mapping[str, Sequence[str]] | None = None,
) -> list[Any]:
    """One line per series, each with its own colour, marker and dash, labelled at its end."""
    graph = go()
    traces = []
    for index, (name, points) in enumerate(series.items()):
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        end = next((i for i in range(len(ys) - 1, -1, -1) if ys[i] is not None), None)
        # The series' name written beside its last point: no legend lookup needed.
        marks = [""] * len(points)
        if end is not None:
            marks[end] = label(name, 24)
        if text is not None:
            marks = [f"{t} {m}".strip() if m else t for t, m in zip(text[name], marks, strict=True)]
        traces.append(
            graph.Scatter(
                x=xs,
                y=ys,
                name=label(name),
                mode="lines+markers+text",
                text=marks,
                textposition="middle right",
                line={"color": COLOURS[index % len(COLOURS)], "dash": DASHES[index % len(DASHES)]},
                marker={"symbol": MARKERS[index % len(MARKERS)], "size": 8},
                cliponaxis=False,
            )
        )
    return traces


def bars(
    series: Mapping[str, Sequence[tuple[str, float | None, str]]],
    *,
    horizontal: bool = True,
) -> list[Any]:
    """One bar trace per series of ``(category, value, text)``: own colour and pattern, value written on it."""
    graph = go()
    traces = []
    for index, (name, points) in enumerate(series.items()):
        categories = [label(c) for c, _, _ in points]
        values = [v for _, v, _ in points]
        marker = {
            "color": COLOURS[index % len(COLOURS)],
            # Overlaid on the colour, so a bar reads by its pattern in grey too.
            "pattern": {
                "shape": PATTERNS[index % len(PATTERNS)],
                "fillmode": "overlay",
                "fgcolor": "#000000",
                "fgopacity": 0.55,
                "size": 7,
            },
            "line": {"color": "#000000", "width": 1},
        }
        axes = {"y": categories, "x": values} if horizontal else {"x": categories, "y": values}
        traces.append(
            graph.Bar(
                **axes,
                name=label(name),
                orientation="h" if horizontal else "v",
                marker=marker,
                text=[t for _, _, t in points],
                textposition="outside",
                cliponaxis=False,
            )
        )
    return traces


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    text: Sequence[Sequence[str]],
    unit: str,
) -> Any:
    """A heatmap whose every cell also shows its value as text (colour is only a second cue)."""
    return go().Heatmap(
        z=[list(row) for row in values],
        x=list(columns),
        y=list(rows),
        text=[list(row) for row in text],
        texttemplate="%{text}",
        textfont={"size": 9},
        colorscale=HEAT,
        colorbar={"title": {"text": unit}},
        hoverongaps=False,
        xgap=1,
        ygap=1,
    )
