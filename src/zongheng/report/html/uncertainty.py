"""Rank uncertainty on the page (名次不确定性): the intervals of the group, P(keep), P(reach).

Takes what :func:`zongheng.report.writers.rank_uncertainty` returns: one report,
or, with ``tops=(brief.rank, brief.target_rank)``, two reports from the same
samples (P(keep the current rank) for 保三, P(reach the target) for 争二); or a
table with ``unit, median_rank, q05, q95`` and probabilities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zongheng import display
from zongheng.report.html.blocks import Section, cell, chart, missing, table, tip
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.text import group_rank, register, sep, t

__all__ = ["Spread", "read_spread", "uncertainty"]

register({
    "h.uncertainty": ("名次不确定性", "Rank uncertainty"),
    "median_rank": ("名次中位数", "Median rank"),
    "interval": ("5%–95% 名次区间", "5–95 % rank interval"),
    "nominal": ("名义名次", "Nominal rank"),
    "prob": ("P({rank}≤{k})", "P({rank} ≤ {k})"),
    "nominal_group": ("{group}内名义名次", "Nominal rank in {group}"),
    "median_group": ("{group}内名次中位数", "Median rank in {group}"),
    "shift": ("平均名次偏移", "Mean rank shift"),
    "rank_any": ("名次", "Rank"),
    "uncertainty": ("名次在方法与权重的合理变化下的分布：点为中位数，横条为 5%–95% 区间，菱形为名义名次。",
                    "How ranks move under plausible changes of method and weights: the dot is "
                    "the median, the bar the 5–95 % interval, the diamond the nominal rank."),
    "uncertainty_runs": ("共抽样 {n} 次，变动的输入：{varied}。", "{n} samples; inputs varied: {varied}."),
    "uncertainty_unit": ("{unit}名次中位数为 {median}，5%–95% 区间为 {low}–{high}{extra}。",
                         "{unit}: median rank {median}, 5–95 % interval {low}–{high}{extra}."),
})

# What the uncertainty analysis may vary (analysis/uncertainty/spec.py VARY_ITEMS), in words.
_VARIED = {
    "weights": ("权重", "weights"),
    "normalise": ("标准化方法", "normalisation method"),
    "aggregate": ("汇总方法", "aggregation method"),
    "treat": ("异常值处理方法", "outlier treatment"),
    "impute": ("缺失值插补方法", "imputation method"),
    "exclude": ("逐一剔除指标", "leaving out one indicator at a time"),
}
register({f"vary.{k}": v for k, v in _VARIED.items()})

_PROB = re.compile(r"^p(?:rob)?[_ (]*(?:rank)?[_ ]*(?:le|<=|≤|top)[_ ]*(\d+)\)?$", re.I)


@dataclass
class Spread:
    """The rank uncertainty of the unit's group, from one or more reports on the same samples.

    ``probs`` holds ``(column, k, in_group)`` per probability column of ``table``.
    """

    table: pd.DataFrame
    unit_col: Any
    median: Any
    q5: Any
    q95: Any
    nominal: Any = None
    in_group: list[tuple[Any, str]] = field(default_factory=list)
    shift: Any = None
    probs: list[tuple[Any, int | None, bool]] = field(default_factory=list)
    samples: int | None = None
    varied: list[str] = field(default_factory=list)

    def probability(self, unit: str, k: int, group: bool) -> float | None:
        """Return the unit's P(rank ≤ k), in its group when ``group`` and counted; else None."""
        row = self.table[self.table["_unit"] == unit]
        if not len(row):
            return None
        # the in-group probability when asked and counted, else the overall one
        for want in ((True, False) if group else (False,)):
            for column, top, in_group in self.probs:
                if top == k and in_group == want:
                    value = row.iloc[0][column]
                    return None if missing(value) else float(value)
        return None


def _pick(frame: pd.DataFrame, *names: str) -> Any:
    lower = {str(c).lower(): c for c in frame.columns}
    return next((lower[n] for n in names if n in lower), None)


def _parts(uncertainty: Any) -> list[tuple[pd.DataFrame, dict[str, Any]]]:
    items = uncertainty if isinstance(uncertainty, list | tuple) else [uncertainty]
    out = []
    for item in items:
        frame = getattr(item, "table", item)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError("uncertainty must be a DataFrame or an UncertaintyReport (its .table), "
                            "or a list of them")
        out.append((frame, dict(getattr(item, "summary", None) or {})))
    return out


def _probability_columns(frame: pd.DataFrame, top: int | None) -> list[tuple[Any, int | None, bool]]:
    found: list[tuple[Any, int | None, bool]] = []
    for c in frame.columns:
        name = str(c).strip().lower()
        if name == "p_top":
            found.append((c, top, False))
        elif name == "p_top_in_group":
            found.append((c, top, True))
        elif m := _PROB.match(name):
            found.append((c, int(m.group(1)), False))
    return found


def read_spread(f: UnitFacts, uncertainty: Any) -> Spread:
    """Read one report, a table or a list of reports into the rows of the unit's group.

    Raises
    ------
    ValueError
        When a table lacks ``unit``, ``median_rank``, ``q05`` or ``q95``.
    """
    parts = _parts(uncertainty)
    frame, summary = parts[0]
    unit_col = _pick(frame, "unit", "name", "地区")
    median = _pick(frame, "median_rank", "median", "rank_median")
    q5 = _pick(frame, "q05", "q5", "rank_q05", "rank_q5", "p05", "p5")
    q95 = _pick(frame, "q95", "rank_q95", "p95")
    lacking = [n for n, c in (("unit", unit_col), ("median_rank", median), ("q05", q5),
                              ("q95", q95)) if c is None]
    if lacking:
        raise ValueError(f"uncertainty needs the columns {lacking} (found {list(frame.columns)}); "
                         "expected unit, median_rank, q05, q95 and optionally nominal_rank, "
                         "p_top (with top in .summary or .attrs) or p_rank_le_K")
    names_to_unit = {v: k for k, v in f.names.items()}

    def keyed(frame: pd.DataFrame, column: Any) -> pd.DataFrame:
        codes = [x if x in f.names else names_to_unit.get(x, x) for x in frame[column].astype(str)]
        return frame.assign(_unit=codes).drop_duplicates("_unit")

    table = keyed(frame, unit_col)
    probs = _probability_columns(frame, summary.get("top", frame.attrs.get("top")))
    seen = {(k, g) for _, k, g in probs}
    for i, (other, other_summary) in enumerate(parts[1:], start=1):
        top = other_summary.get("top", other.attrs.get("top"))
        other_col = _pick(other, "unit", "name", "地区")
        for column, k, in_group in _probability_columns(other, top):
            if (k, in_group) in seen or other_col is None:
                continue
            seen.add((k, in_group))
            name = f"_p{i}_{column}"
            extra = keyed(other, other_col)[["_unit", column]].rename(columns={column: name})
            table = table.merge(extra, on="_unit", how="left")
            probs.append((name, k, in_group))
    peers = [u for u in f.peer_units if u in set(table["_unit"])]
    if peers:  # the unit's group, in its order
        table = table.set_index("_unit").loc[peers].reset_index()
    else:
        table = table.sort_values(median).head(30)
    in_group = [(c, key) for c, key in ((_pick(frame, "nominal_rank_in_group"), "nominal_group"),
                                        (_pick(frame, "median_rank_in_group"), "median_group"))
                if c is not None]
    return Spread(table, unit_col, median, q5, q95, _pick(frame, "nominal_rank", "nominal", "rank"),
                  in_group, _pick(frame, "mean_abs_shift"), probs, summary.get("samples"),
                  [str(v) for v in summary.get("varied", [])])


def _floats(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _rank_text(x: object) -> str:
    """Show a rank statistic: whole ranks as integers, a median between two ranks with its .5."""
    if missing(x):
        return display.MISSING
    return display.value(float(x))  # type: ignore[arg-type]


def prob_heading(f: UnitFacts, k: int | None, in_group: bool) -> str:
    """Return ``P(金华市内名次≤2)`` or ``P(总名次≤2)``: the rank it counts names its group."""
    rank = group_rank(f.label) if in_group and f.label else t("rank")
    return t("prob", rank=rank, k=k if k is not None else "k")


def uncertainty(f: UnitFacts, spread: Spread) -> Section:
    """Return 名次不确定性: the rank intervals of the group, a chart and a table."""
    sec = Section("uncertainty", t("h.uncertainty"))
    table_ = spread.table
    labels = [f.names.get(u, u) for u in table_["_unit"]]
    lows, highs = _floats(table_[spread.q5]), _floats(table_[spread.q95])
    meds = _floats(table_[spread.median])
    probs = [(c, prob_heading(f, k, g)) for c, k, g in spread.probs]
    records = table_.to_dict("records")
    tips = [tip(n, f"{t('median_rank')}: {_rank_text(m)}",
                f"{t('interval')}: {_rank_text(lo)}–{_rank_text(hi)}",
                *[f"{head}: {display.percent(r[c])}" for c, head in probs])
            for n, m, lo, hi, r in zip(labels, meds, lows, highs, records, strict=True)]
    units = list(table_["_unit"])
    series: list[dict[str, Any]] = [
        {"type": "bar", "stack": "r", "silent": True, "tooltip": {"show": False},
         "data": ["-" if not np.isfinite(x) else round(x, 3) for x in lows],
         "itemStyle": {"color": "transparent"}},
        {"type": "bar", "stack": "r", "name": t("interval"), "barWidth": 10,
         "itemStyle": {"color": "#7aa6d6"},
         "data": ["-" if not (np.isfinite(h) and np.isfinite(lo)) else
                  {"value": round(max(h - lo, 0.15), 3), "tip": tp,
                   "itemStyle": {"color": "#c23531" if u == f.brief.unit else "#7aa6d6"}}
                  for h, lo, tp, u in zip(highs, lows, tips, units, strict=True)]},
        {"type": "scatter", "name": t("median_rank"), "symbolSize": 10, "z": 5,
         "itemStyle": {"color": "#2f4554"},
         "data": [{"value": [round(m, 3), i], "tip": tp}
                  for i, (m, tp) in enumerate(zip(meds, tips, strict=True)) if np.isfinite(m)]},
    ]
    if spread.nominal is not None:
        series.append({"type": "scatter", "name": t("nominal"), "symbol": "diamond",
                       "symbolSize": 9, "z": 6, "itemStyle": {"color": "#f0a30a"},
                       "data": [{"value": [round(x, 3), i], "tip": tp} for i, (x, tp) in
                                enumerate(zip(_floats(table_[spread.nominal]), tips, strict=True))
                                if np.isfinite(x)]})
    option = {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "legend": {"bottom": 0, "data": [s["name"] for s in series[1:]]},
        "grid": {"left": 90, "right": 40, "top": 20, "bottom": 50},
        "xAxis": {"type": "value", "min": 0, "minInterval": 1, "name": t("rank_any")},
        "yAxis": {"type": "category", "data": labels, "inverse": True, "axisLabel": {"interval": 0}},
        "series": series,
    }
    sec.paragraph(t("uncertainty"))
    if spread.samples:
        varied = sep().join(t(f"vary.{v}") if v in _VARIED else v
                            for v in spread.varied) or display.MISSING
        sec.paragraph(t("uncertainty_runs", n=f"{int(spread.samples):,}", varied=varied))
    own = [r for r in records if r["_unit"] == f.brief.unit]
    if own:
        r = own[0]
        comma = ", " if f.lang == "en" else "，"
        extra = "".join(f"{comma}{head} = {display.percent(r[c])}" for c, head in probs)
        sec.paragraph(t("uncertainty_unit", unit=f.brief.name, median=_rank_text(r[spread.median]),
                        low=_rank_text(r[spread.q5]), high=_rank_text(r[spread.q95]), extra=extra))
    sec.charts(chart("chart-uncertainty", option, max(240, 30 * len(labels) + 90), wide=True))
    group = f.label or ""
    columns = [t("unit")]
    if spread.nominal is not None:
        columns.append(t("nominal"))
    columns += [t("median_rank"), t("interval"), *[t(key, group=group) for _, key in spread.in_group],
                *[h for _, h in probs]]
    if spread.shift is not None:
        columns.append(t("shift"))
    rows, attrs = [], []
    for label, r in zip(labels, records, strict=True):
        row = [cell(label)]
        if spread.nominal is not None:
            row.append(cell(_rank_text(r[spread.nominal]), "num"))
        row += [cell(_rank_text(r[spread.median]), "num"),
                cell(f"{_rank_text(r[spread.q5])}–{_rank_text(r[spread.q95])}", "num"),
                *[cell(_rank_text(r[c]), "num") for c, _ in spread.in_group],
                *[cell(display.percent(r[c]), "num") for c, _ in probs]]
        if spread.shift is not None:
            row.append(cell(display.score(r[spread.shift]), "num"))
        rows.append(row)
        attrs.append({"class": "me" if r["_unit"] == f.brief.unit else ""})
    sec.table(table(columns, rows, attrs=attrs, table_id="uncertainty-table"))
    return sec

