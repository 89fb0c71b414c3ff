"""The notes of the unit page (说明): synthetic data, source, the method in words, missing values."""

from __future__ import annotations

import numpy as np

from zongheng import display, terms
from zongheng.report.html.blocks import Section, shown_value
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.page import ECHARTS_VERSION
from zongheng.report.html.text import register, t

__all__ = ["notes"]

register({
    "h.notes": ("说明", "Notes"),
    "missing_intro": ("{unit}{p}年未报送数据的指标（{n} 项），计算时按“{impute}”补齐，"
                      "补齐值不作为优势或短板：",
                      "Indicators of {unit} without a reported value in {p} ({n}), filled in by "
                      "{impute} for the computation and not counted as strengths or weaknesses:"),
    "missing_item": ("{code} {name}（{dept}）：补齐值 {value}",
                     "{code} {name} ({dept}): filled in as {value}"),
    "missing_none": ("{code} {name}（{dept}）：未补齐，不参与计算",
                     "{code} {name} ({dept}): not filled in, left out of the computation"),
})


def notes(f: UnitFacts, source: str | None, synthetic: bool) -> Section:
    """Return 说明: synthetic data, source, method in words, the missing values, what the brief says."""
    from zongheng import __version__

    b, ev = f.brief, f.ev
    sec = Section("notes", t("h.notes"))
    if synthetic:
        sec.paragraph(t("synthetic_note"), cls="key")
    if source:
        sec.paragraph(t("source", s=source))
    sec.paragraph(t("method", m=terms.method_line(ev.method, f.lang)))
    missing = b.missing
    if missing is not None and len(missing):
        impute = terms.method_name("impute", ev.method.impute.key, f.lang)
        sec.paragraph(t("missing_intro", unit=b.name, p=b.period, n=len(missing), impute=impute))
        items = []
        for r in missing.itertuples(index=False):
            name = f.node(r.indicator)
            dept = r.department or display.MISSING
            filled = np.isfinite(r.imputed) if r.imputed is not None else False
            items.append(t("missing_item", code=r.indicator, name=name, dept=dept,
                           value=shown_value(np.nan, r.imputed)) if filled else
                         t("missing_none", code=r.indicator, name=name, dept=dept))
        sec.notes(items)
    for note in b.notes:
        sec.paragraph(note)
    sec.paragraph(t("echarts", v=ECHARTS_VERSION))
    sec.paragraph(t("made_by", v=__version__))
    return sec
