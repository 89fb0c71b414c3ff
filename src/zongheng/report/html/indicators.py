"""The unit's indicators (指标): the heat map of its group and its strengths and weaknesses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zongheng import display
from zongheng.report.html import charts
from zongheng.report.html.blocks import (
    Section,
    cell,
    chart,
    shown_value,
    table,
    tip,
)
from zongheng.report.html.facts import UnitFacts, top_dimension
from zongheng.report.html.standing import drawn_scope, trajectory_units
from zongheng.report.html.text import measure, register, t

__all__ = ["heatmap", "strengths"]

register({
    "h.heatmap": ("指标热力图", "Indicator heat map"),
    "h.strengths": ("优势与短板", "Strengths and weaknesses"),
    "heatmap": ("{scope}各指标的标准化值（越高越好，逆向指标已换向），按维度分组。",
                "Normalised values of each indicator for {scope} (higher is better; "
                "negative indicators are reversed), grouped by dimension."),
    "normalised": ("标准化值", "Normalised value"),
    "raw": ("原始值", "Raw value"),
    "kind_strength": ("优势指标（{scope}名列前茅）", "Strengths (among the best {scope})"),
    "kind_weakness": ("短板指标（{scope}排名靠后）", "Weaknesses (among the last {scope})"),
    "kind_declined": ("较上期下降的指标", "Declined since the previous period"),
    "kind_n": ("{kind}（{n} 项）", "{kind} ({n})"),
    "strengths_imputed": ("插补值不参与优势、短板和下降的判断。",
                          "Imputed values are not counted as strengths, weaknesses or declines."),
})


def heatmap(f: UnitFacts) -> Section:
    """Return the heat map of the group's normalised values, indicators named and banded."""
    ev = f.ev
    sec = Section("heatmap", t("h.heatmap"))
    units = trajectory_units(f)
    at = [f.pos[u] for u in units]
    codes = list(ev.framework.indicator_codes)
    bands: dict[str, list[str]] = {}
    for code in codes:  # framework order, grouped by top-level dimension
        bands.setdefault(top_dimension(ev, code), []).append(code)
    order = [c for members in bands.values() for c in members]
    norm = ev.scores[f.p][np.ix_(at, [f.node_col[c] for c in order])].T  # (indicator, unit)
    measures = {i.code: measure(i.unit) for i in ev.framework.indicators}
    tips = [[tip(f.names[unit], f"{code} {f.node(code)}",
                 f"{t('normalised')}: {display.score(norm[r, x])}",
                 f"{t('raw')}: {f.raw(f.pos[unit], code)} {measures[code]}".rstrip())
             for x, unit in enumerate(units)] for r, code in enumerate(order)]
    option, height = charts.heatmap(
        [f.names[u] for u in units],
        [(f.node(dim), [f.node(c) for c in members]) for dim, members in bands.items()],
        norm, tips, series_name=t("normalised"))
    sec.paragraph(t("heatmap", scope=drawn_scope(f, units)))
    sec.charts(chart("chart-heatmap", option, height, wide=True))
    return sec


def strengths(f: UnitFacts) -> Section:
    """Return 优势与短板: the brief's strengths, weaknesses and declines (imputed values marked)."""
    sw = f.brief.strengths
    sec = Section("strengths", t("h.strengths"))
    columns = [t("indicator"), t("name"), t("dimension"), f.rank_label, t("value"), t("previous"),
               t("change"), t("measure"), t("department")]
    imputed = sw["imputed"] if "imputed" in sw else [np.nan] * len(sw)
    sw = sw.assign(_imputed=list(imputed), _last=_tie_ends(f, sw))
    for kind in ("strength", "weakness", "declined"):
        part = sw[sw["kind"] == kind]
        if not len(part):
            continue
        rows = [[cell(r["indicator"]), cell(f.node(r["indicator"])), cell(f.node(r["dimension"])),
                 cell(display.rank(r["rank"], last=r["_last"], of=r["group_size"]), "num"),
                 cell(shown_value(r["value"], r["_imputed"]), "num"),
                 cell(display.value(r["previous"]), "num"),
                 cell(display.signed_value(display.value_difference(r["value"], r["previous"])), "num"),
                 cell(measure(r["unit_of_measure"])), cell(r["department"] or display.MISSING)]
                for _, r in part.iterrows()]
        sec.table(table(columns, rows, table_id=f"{kind}-table",
                        caption=t("kind_n", kind=t(f"kind_{kind}", scope=f.scope), n=len(rows))))
    if len(f.brief.missing if f.brief.missing is not None else ()):
        sec.notes([t("strengths_imputed")])
    return sec


def _tie_ends(f: UnitFacts, sw: pd.DataFrame) -> list[float]:
    """Return, per row of the strengths table, the worst place of the unit's tie in its group.

    A rank is the best place of a tie (competition ranking): 5th of 9 tied with four others is
    "并列第5–9位", the last of the group, not its median. Ties are equal normalised values.
    """
    members = np.array([f.pos[u] for u in f.peer_units]) if f.group else np.arange(len(f.pos))
    scores = f.ev.scores[f.p]
    ends = []
    for _, r in sw.iterrows():
        column = scores[members, f.node_col[r["indicator"]]]
        mine = scores[f.u, f.node_col[r["indicator"]]]
        tied = int(np.sum(np.isclose(column, mine, rtol=0, atol=1e-9))) if np.isfinite(mine) else 1
        ends.append(float(r["rank"]) + max(tied, 1) - 1 if np.isfinite(r["rank"]) else np.nan)
    return ends
