"""Where the unit stands (位次): overview, ranking table, distribution, dimensions, trajectories."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zongheng import display
from zongheng.analysis.ranking import ranking_table
from zongheng.report.html import charts
from zongheng.report.html.blocks import Section, arrow, cell, chart, missing, rounded, table, tip
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.text import group_rank, register, sep, t

__all__ = ["DRAWN", "distribution", "drawn_scope", "overview", "radar", "ranking", "trajectory",
           "trajectory_units"]

register({
    "h.overview": ("总体情况", "Overview"),
    "h.ranking": ("综合排名", "Ranking"),
    "h.distribution": ("综合指数分布", "Distribution of the index"),
    "h.radar": ("分维度得分", "Dimension scores"),
    "h.trajectory": ("名次变化轨迹", "Rank trajectories"),
    "trajectory_text": ("{scope}历年名次，粗红线为{unit}。", "Ranks over the years of {scope}; the thick red "
                        "line is {unit}."),
    "whole_group": ("{scope}各单位", "the units {scope}"),
    "neighbours": ("{scope}名次与{unit}相邻的 {n} 个单位", "the {n} units ranked next to {unit} {scope}"),
    "overview": ("{p}年，{unit}{index}为 {score} 分，在{label} {n} 个单位中排第 {rank} 名，"
                 "在全部 {total} 个单位中排第 {overall} 名。",
                 "In {p}, {unit} scored {score} on the {index}, ranking {rank} of {n} in {label} "
                 "and {overall} of all {total} units."),
    "overview_all": ("{p}年，{unit}{index}为 {score} 分，在全部 {total} 个单位中排第 {rank} 名。",
                     "In {p}, {unit} scored {score} on the {index}, ranking {rank} of all {total} "
                     "units."),
    "overview_change": ("与上期相比，得分{moved} {delta} 分，{rank_label}{rank_moved}。",
                        "Against the previous period its score {moved} by {delta} points and its "
                        "rank {scope} {rank_moved}."),
    "up": ("上升", "rose"), "down": ("下降", "fell"), "flat": ("持平", "was unchanged"),
    "climbed": ("上升 {n} 位", "climbed {n} places"), "fell": ("下降 {n} 位", "fell {n} places"),
    "same": ("不变", "did not change"),
    "goal_line": ("目标：{goal}（保住{scope}第 {rank} 名，争取第 {target} 名）。",
                  "Goal: {goal} (keep rank {rank} {scope} and reach rank {target})."),
    "goal_hold": ("目标：{goal}（保住{scope}第 {rank} 名）。", "Goal: {goal} (keep rank {rank} {scope})."),
    "goal": ("目标", "Goal"),
    "reaches": ("路径重建后第 {k} 名", "the path reaches {k}"),
    "held": ("已达到", "already held"),
    "filter": ("按{group}筛选：", "Filter by {group}: "),
    "arrows": ("▲ 名次上升　▼ 名次下降　– 持平（与上期比）",
               "▲ climbed  ▼ fell  – unchanged (vs the previous period)"),
    "ranks_note": ("名次为竞争排名（并列同名次）；名次变化 = 上期名次 − 本期名次，正数表示上升。",
                   "Ranks are competition ranks (ties share a rank); a rank change is the previous "
                   "rank minus this rank, so positive means the unit climbed."),
    "distribution": ("全部 {n} 个单位{index}的分布，深色柱为{unit}所在区间。",
                     "The {index} of all {n} units; the dark bar holds {unit}."),
    "median": ("{group}中位数", "{group} median"),
    "best": ("{group}最高", "{group} best"),
    "vs_median": ("与中位数之差", "Difference from the median"),
})

_NAMES_PER_BIN = 12  # a histogram bar's tooltip names at most this many units


def overview(f: UnitFacts) -> Section:
    """Return 总体情况: score, ranks, change on the previous period, the goal; key figures."""
    b = f.brief
    sec = Section("overview", t("h.overview"))
    hist = b.history[b.history["node"] == f.root].reset_index(drop=True)
    now = hist.iloc[-1] if len(hist) else None
    prev = hist[hist["period"] == f.ev.panel.periods[f.p - 1]].iloc[0] if f.p > 0 else None
    n = len(b.peers)
    overall = int(b.peers.loc[b.peers["unit"] == b.unit, "rank"].iloc[0])
    total = int(np.isfinite(f.ev.scores[f.p, :, f.col[f.root]]).sum())
    score = display.score(b.score)
    if f.group:
        sec.paragraph(t("overview", p=b.period, unit=b.name, index=f.index_label, score=score,
                        label=f.label, n=n, rank=b.rank, total=total, overall=overall))
    else:
        sec.paragraph(t("overview_all", p=b.period, unit=b.name, index=f.index_label, score=score,
                        total=total, rank=b.rank))
    delta = rank_change = None
    if prev is not None and now is not None:
        # the change a reader computes from the two shown scores
        delta = display.difference(now["score"], prev["score"])
        column = "rank_in_group" if f.group else "rank"
        if not missing(prev[column]) and not missing(now[column]):
            rank_change = int(prev[column]) - int(now[column])
        moved = "up" if delta > 0 else "down" if delta < 0 else "flat"
        rank_moved = t("same") if not rank_change else \
            t("climbed" if rank_change > 0 else "fell", n=abs(rank_change))
        sec.paragraph(t("overview_change", moved=t(moved), delta=display.score(abs(delta)),
                        rank_label=f.rank_label, scope=f.scope, rank_moved=rank_moved))
    target = b.target_rank
    if target is not None:
        key = "goal_line" if target < b.rank else "goal_hold"
        sec.paragraph(t(key, goal=b.goal, scope=f.scope, rank=b.rank, target=target), cls="key")
    rank_arrow, cls = arrow(rank_change)
    cards = [
        {"label": f.index_label, "value": score,
         "sub": display.signed(delta) if delta is not None else "",
         "cls": "up" if (delta or 0) > 0 else "down" if (delta or 0) < 0 else ""},
        {"label": f.rank_label, "value": f"{b.rank} / {n}", "sub": rank_arrow, "cls": cls},
    ]
    if f.group:
        cards.append({"label": t("rank"), "value": f"{overall} / {total}", "sub": "", "cls": ""})
    if target is not None:
        reach = b.path.achieved_rank if b.path is not None else b.rank
        sub = t("reaches", k=reach) if b.path is not None else t("held")
        cards.append({"label": t("goal"), "value": b.goal, "sub": sub,
                      "cls": "up" if reach <= target else "down"})
    sec.cards(cards)
    return sec


def ranking(f: UnitFacts) -> Section:
    """Return 综合排名: every unit's ranks and scores, filterable by the unit's group column."""
    ev, b = f.ev, f.brief
    sec = Section("ranking", t("h.ranking"))
    groups = [f.group] if f.group else []
    frame = ranking_table(ev, b.period, groups)
    columns = [t("rank"), t("change")]
    if f.group:
        columns += [group_rank(f.group), t("change"), f.group]
    columns += [t("unit"), t("index"), *[f.node(d) for d in f.dims]]
    # column-wise: the cells of one column are made in one pass (linear in the units)
    positions = frame["unit"].map(f.pos).to_numpy()
    dim_scores = [f.ev.scores[f.p, positions, f.col[d]] for d in f.dims]
    cols: list[list[Any]] = [
        [cell(_int(r), "num") for r in frame["rank"]],
        [cell(*arrow(c)) for c in frame["rank_change"]],
    ]
    if f.group:
        cols += [[cell(_int(r), "num") for r in frame[f"rank_in_{f.group}"]],
                 [cell(*arrow(c)) for c in frame[f"rank_change_in_{f.group}"]],
                 [cell(g) for g in frame[f.group]]]
    cols += [[cell(n, "name") for n in frame["name"]],
             [cell(display.score(s), "num") for s in frame["score"]],
             *[[cell(display.score(s), "num") for s in column] for column in dim_scores]]
    rows = list(zip(*cols, strict=True))
    labels = frame[f.group].astype(str).tolist() if f.group else [""] * len(frame)
    attrs = [{"data-group": g, "class": "me" if u == b.unit else ""}
             for g, u in zip(labels, frame["unit"], strict=True)]
    if f.group:
        counts = pd.Series(labels).value_counts(sort=False)  # in order of first appearance
        options = [{"value": "", "text": f"{t('all')} ({len(frame)})", "selected": False}]
        options += [{"value": label, "text": f"{label} ({k})", "selected": label == f.label}
                    for label, k in counts.items()]
        sec.filter(t("filter", group=f.group), options)
    sec.table(table(columns, rows, attrs=attrs, table_id="ranking-table",
                    caption=f"{f.period_label} · {t('arrows')}"))
    sec.notes([t("ranks_note")])
    return sec


def _int(x: object) -> str:
    return display.MISSING if missing(x) else str(int(x))  # type: ignore[call-overload]


def distribution(f: UnitFacts) -> Section:
    """Return the histogram of the index, the unit's bar marked."""
    sec = Section("distribution", t("h.distribution"))
    scores = f.ev.scores[f.p, :, f.col[f.root]]
    finite = scores[np.isfinite(scores)]
    edges = charts.nice_edges(finite)
    counts, _ = np.histogram(finite, edges)
    cats = [f"{display.value(edges[i])}–{display.value(edges[i + 1])}" for i in range(len(counts))]
    # which bin each unit falls in (the last bin is closed on the right, as in np.histogram)
    bins = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(counts) - 1)
    named: list[list[str]] = [[] for _ in counts]
    extra = np.zeros(len(counts), dtype=int)
    for unit in f.peer_units:  # one pass over the peers: linear in the units
        u = f.pos[unit]
        if not np.isfinite(scores[u]):
            continue
        i = bins[u]
        if len(named[i]) < _NAMES_PER_BIN:
            named[i].append(f.names[unit])
        else:
            extra[i] += 1
    data = []
    for i, c in enumerate(counts):
        listed = sep().join(named[i]) + (f"{sep()}{t('more_names', n=int(extra[i]))}" if extra[i] else "")
        item: dict[str, Any] = {"value": int(c), "tip": tip(
            f"{f.index_label} {cats[i]}", f"{t('units_count')}: {int(c)}", *([listed] if listed else []))}
        if i == bins[f.u]:
            item["itemStyle"] = {"color": "#c23531"}
            item["label"] = {"show": True, "position": "top", "fontWeight": "bold",
                             "formatter": f"{f.brief.name} {display.score(scores[f.u])}"}
        data.append(item)
    option = {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": cats, "name": f.index_label, "nameLocation": "middle",
                  "nameGap": 40, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": t("units_count"), "minInterval": 1},
        "series": [{"type": "bar", "data": data, "barCategoryGap": "8%",
                    "itemStyle": {"color": "#7aa6d6"}}],
    }
    sec.paragraph(t("distribution", n=len(finite), index=f.index_label, unit=f.brief.name))
    sec.charts(chart("chart-distribution", option, 340, wide=True))
    return sec


def radar(f: UnitFacts) -> Section:
    """Return 分维度得分: the unit's dimension scores against its group's median and best."""
    b = f.brief
    sec = Section("radar", t("h.radar"))
    peers = b.peers[f.dims].astype(float)
    own = peers[b.peers["unit"] == b.unit].iloc[0]
    median, best = peers.median(), peers.max()
    lo = float(np.nanmin(peers.to_numpy()))
    hi = float(np.nanmax(peers.to_numpy()))
    low = max(0.0, np.floor((lo - 5) / 10) * 10) if lo >= 0 else np.floor(lo / 10) * 10
    high = np.ceil(hi / 10) * 10 if hi > low else low + 10
    scope = f.label or t("all")
    series = [
        {"name": b.name, "value": [rounded(own[d]) for d in f.dims],
         "areaStyle": {"opacity": 0.25}, "lineStyle": {"width": 3}, "itemStyle": {"color": "#c23531"}},
        {"name": t("median", group=scope), "value": [rounded(median[d]) for d in f.dims],
         "lineStyle": {"type": "dashed"}, "itemStyle": {"color": "#2f4554"}},
        {"name": t("best", group=scope), "value": [rounded(best[d]) for d in f.dims],
         "lineStyle": {"type": "dotted"}, "itemStyle": {"color": "#91c7ae"}},
    ]
    if len(f.dims) >= 3:
        option: dict[str, Any] = {
            "tooltip": {"trigger": "item"}, "legend": {"bottom": 0},
            "radar": {"indicator": [{"name": f.node(d), "min": float(low), "max": float(high)}
                                    for d in f.dims], "radius": "65%", "splitNumber": 4},
            "series": [{"type": "radar", "data": series}]}
    else:  # a radar needs three axes: grouped bars instead
        option = {"tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
                  "grid": {"left": 50, "right": 20, "top": 20, "bottom": 60},
                  "xAxis": {"type": "category", "data": [f.node(d) for d in f.dims]},
                  "yAxis": {"type": "value", "min": float(low), "max": float(high)},
                  "series": [{"type": "bar", "name": x["name"], "data": x["value"],
                              "itemStyle": x["itemStyle"]} for x in series]}
    sec.charts(chart("chart-radar", option, 400))
    rows = [[cell(f.node(d)), cell(display.score(own[d]), "num"), cell(display.score(median[d]), "num"),
             cell(display.signed(display.difference(own[d], median[d])), "num")] for d in f.dims]
    sec.table(table([t("dimension"), b.name, t("median", group=scope), t("vs_median")], rows))
    return sec


DRAWN = 20
"""The most units a trajectory chart or heat map draws: a group of up to 20 is drawn whole."""


def trajectory_units(f: UnitFacts) -> list[str]:
    """Return the units drawn beside the unit: its group, or its neighbours in the ranking.

    A group of up to :data:`DRAWN` units is drawn whole; otherwise (no group, or a large one)
    the unit and the 4 units either side of it: more would be a tangle of lines, an unreadable
    heat map, and a page whose size grows with the number of units.
    """
    order = f.peer_units
    if f.group and len(order) <= DRAWN:
        return order
    i = order.index(f.brief.unit)
    return order[max(0, i - 4): i + 5]


def drawn_scope(f: UnitFacts, units: list[str]) -> str:
    """Return the units a chart draws, in words: 金华市内各单位, 金华市内名次与永康市相邻的 9 个单位."""
    if f.group and len(units) == len(f.peer_units):
        return t("whole_group", scope=f.scope)
    return t("neighbours", scope=f.scope, unit=f.brief.name, n=len(units))


def trajectory(f: UnitFacts) -> Section:
    """Return the rank trajectories of the unit and its group over the periods."""
    ev = f.ev
    sec = Section("trajectory", t("h.trajectory"))
    ranks = f.ranks()
    periods = [str(p) for p in ev.panel.periods]
    units = trajectory_units(f)
    series = []
    for unit in units:
        u = f.pos[unit]
        me = unit == f.brief.unit
        series.append({
            "type": "line", "name": f.names[unit], "z": 10 if me else 2,
            "data": [None if missing(r) else int(r) for r in ranks[:, u]],
            "lineStyle": {"width": 4 if me else 1.5, "opacity": 1 if me else 0.55},
            "symbolSize": 9 if me else 5,
            **({"itemStyle": {"color": "#c23531"},
                "endLabel": {"show": True, "formatter": "{a}", "fontWeight": "bold"}} if me else {}),
        })
    size = int(np.nanmax(ranks[:, [f.pos[x] for x in units]]))
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 50, "right": 70, "top": 40, "bottom": 50},
        "xAxis": {"type": "category", "data": periods, "boundaryGap": False},
        "yAxis": {"type": "value", "inverse": True, "min": 1, "max": max(size, 2),
                  "minInterval": 1, "nameLocation": "start",
                  **({"interval": 1} if size <= 15 else {}),
                  "name": f.rank_label},
    }
    option["series"] = series
    sec.paragraph(t("trajectory_text", scope=drawn_scope(f, units), unit=f.brief.name))
    sec.charts(chart("chart-trajectory", option, 400, wide=True))
    return sec

