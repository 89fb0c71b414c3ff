"""Building blocks of a page (网页元素): sections, tables, charts and numbers as the reader sees them.

A section is a dict the template reads: ``id``, ``title`` and an ordered list
of ``blocks`` (a paragraph, a sub-heading, cards, charts, a table, notes, a
filter). Table rows are built here as escaped markup (``markupsafe``), which
keeps a 20,000-row ranking fast and every cell escaped in one place.

Numbers go through :mod:`zongheng.display` only; the helpers here compose it
(a raw change computed from the two values as shown, a value marked 插补).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from zongheng import display
from zongheng.report.html.text import t

__all__ = ["Section", "arrow", "cell", "chart", "finite", "missing", "rounded",
           "shown_value", "table", "tip"]


def missing(x: object) -> bool:
    """Return whether ``x`` is no number (None, NA, NaN or ±inf)."""
    try:
        return x is None or not math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def finite(x: object) -> bool:
    """Return whether ``x`` is a finite number."""
    return not missing(x)


def rounded(x: object, digits: int = 2) -> float | None:
    """Return a number for a chart's data (JSON), rounded; None when missing."""
    return None if missing(x) else round(float(x), digits)  # type: ignore[arg-type]


def shown_value(value: object, imputed: object = None) -> str:
    """Return a raw value as shown; a missing value the method filled in as ``79.4（插补）``."""
    if missing(value) and finite(imputed):
        return t("imputed", value=display.value(imputed))
    return display.value(value)


def arrow(change: object) -> tuple[str, str]:
    """Return the rank-change cell: ▲ climbed, ▼ fell, – unchanged (text, CSS class)."""
    if missing(change):
        return "", ""
    c = int(change)  # type: ignore[call-overload]
    if c > 0:
        return f"▲{c}", "up"
    if c < 0:
        return f"▼{-c}", "down"
    return "–", "same"


def tip(*lines: object) -> str:
    """Return tooltip HTML: each line escaped (ECharts renders tooltips as HTML)."""
    return "<br/>".join(html.escape(str(line)) for line in lines)


# Cells are joined as plain strings of escaped text (str.translate, in C) and marked safe
# once per table: Markup.format per cell costs ~20 µs, too much for a table of 20,000 rows.


_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def _escaped(value: object) -> str:
    """Return ``value`` as HTML text (as markupsafe escapes it; a Markup is left as it is)."""
    return str(value) if isinstance(value, Markup) else str(value).translate(_ESCAPE)


def cell(value: object, cls: str = "") -> Markup:
    """Return one ``<td>``, its text escaped."""
    if cls:
        return Markup(f'<td class="{_escaped(cls)}">{_escaped(value)}</td>')
    return Markup(f"<td>{_escaped(value)}</td>")


def _row(cells: Iterable[object], attrs: Mapping[str, str] | None) -> str:
    extra = "".join(f' {_escaped(k)}="{_escaped(v)}"' for k, v in attrs.items() if v) if attrs else ""
    return f"<tr{extra}>{''.join(map(_escaped, cells))}</tr>"  # a cell from cell() is left as it is


def table(columns: Sequence[str], rows: Iterable[Sequence[Markup]], *,
          attrs: Sequence[Mapping[str, str]] | None = None, caption: str = "", table_id: str = "",
          groups: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Return a table block: header, rows of cells from :func:`cell`, and per-row attributes.

    ``groups`` puts a full-width group row (e.g. an aspect's name) before the row at that index.
    """
    rows = list(rows)
    attrs = list(attrs) if attrs is not None else [{}] * len(rows)
    body = []
    for i, (r, a) in enumerate(zip(rows, attrs, strict=True)):
        if groups and i in groups:
            body.append(f'<tr class="group"><td colspan="{len(columns)}">{_escaped(groups[i])}</td></tr>')
        body.append(_row(r, a))
    return {"kind": "table", "columns": list(columns), "body": Markup("\n".join(body)),
            "rows": len(rows), "caption": caption, "id": table_id}


def chart(chart_id: str, option: dict[str, Any], height: int = 380, caption: str = "",
          wide: bool = False) -> dict[str, Any]:
    """Return a chart: its ECharts option (JSON) and height in CSS pixels.

    ``wide`` charts take the whole width of the section, not one column of the grid.
    """
    return {"id": chart_id, "option": option, "height": height, "caption": caption, "wide": wide}


class Section:
    """A section of the page: a heading and its blocks, in order."""

    def __init__(self, key: str, title: str) -> None:
        self.id, self.title = key, title
        self.blocks: list[dict[str, Any]] = []
        self.number = ""

    def paragraph(self, text: str, cls: str = "") -> None:
        """Add a paragraph (``cls="key"``: the section's key sentence, in bold)."""
        self.blocks.append({"kind": "p", "text": text, "cls": cls})

    def heading(self, text: str) -> None:
        """Add a sub-heading."""
        self.blocks.append({"kind": "h3", "text": text})

    def cards(self, cards: Sequence[Mapping[str, str]]) -> None:
        """Add key figures: each ``label, value, sub, cls``."""
        self.blocks.append({"kind": "cards", "cards": list(cards)})

    def charts(self, *charts: dict[str, Any]) -> None:
        """Add charts from :func:`chart`, side by side where the page is wide enough."""
        self.blocks.append({"kind": "charts", "charts": list(charts)})

    def table(self, block: dict[str, Any]) -> None:
        """Add a table from :func:`table`."""
        self.blocks.append(block)

    def notes(self, notes: Iterable[str]) -> None:
        """Add a list of notes (nothing when empty)."""
        notes = [n for n in notes if n]
        if notes:
            self.blocks.append({"kind": "notes", "notes": notes})

    def items(self, items: Iterable[str]) -> None:
        """Add a list in the body text (e.g. one fact per indicator)."""
        self.blocks.append({"kind": "items", "entries": list(items)})

    def filter(self, label: str, options: Sequence[Mapping[str, Any]]) -> None:
        """Add the peer-group filter of the ranking table (options: ``value, text, selected``)."""
        self.blocks.append({"kind": "filter", "label": label, "options": list(options)})

    def all_charts(self) -> list[dict[str, Any]]:
        """Return every chart of the section."""
        return [c for b in self.blocks if b["kind"] == "charts" for c in b["charts"]]

    def as_dict(self) -> dict[str, Any]:
        """Return the section as the template reads it."""
        return {"id": self.id, "title": self.title, "number": self.number, "blocks": self.blocks}
