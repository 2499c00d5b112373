"""The parts a dashboard page is made of: sections holding charts, tables and notes.

A chart is a plotly figure as plain data; every chart comes with a table of
the same figures (what a screen reader, a printout or a colour-blind reader
reads) and a one-line description. ``_html`` turns these into the page,
escaping every text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from omnicx._frozen import frozen_seq


@attrs.frozen(kw_only=True)
class Table:
    """Rows of text under a caption; the first ``keys`` columns name the row."""

    caption: str
    header: tuple[str, ...] = attrs.field(converter=frozen_seq)
    rows: tuple[tuple[str, ...], ...] = attrs.field(converter=frozen_seq)
    keys: int = 1


@attrs.frozen(kw_only=True)
class Chart:
    """One figure (plotly's ``{"data": [...], "layout": {...}}``), its description and its table."""

    id: str
    description: str
    figure: Mapping[str, Any] = attrs.field(eq=False)
    table: Table


@attrs.frozen(kw_only=True)
class Section:
    """One heading of the page: a short introduction, then its charts, tables and notes."""

    id: str
    title: str
    intro: str = ""
    charts: tuple[Chart, ...] = attrs.field(default=(), converter=frozen_seq)
    tables: tuple[Table, ...] = attrs.field(default=(), converter=frozen_seq)
    notes: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)


@attrs.frozen(kw_only=True)
class Card:
    """One headline figure of the summary: ``value`` as a person reads it, and what it is."""

    label: str
    value: str
    detail: str = ""


def rows_of(items: Iterable[Sequence[object]]) -> list[tuple[str, ...]]:
    """Table rows as text."""
    return [tuple(str(cell) for cell in row) for row in items]
