"""The unit's goal (保三争二): the gap to the unit above, the lead over the unit below, the path up.

Officials state a rank target in two halves: 保三 (keep the current rank: how
far ahead is the unit behind, and how likely is the rank kept) and 争二 (reach
the one above: the gap and the path). The page shows both, side by side.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from zongheng import display
from zongheng.analysis.gap import GapResult
from zongheng.i18n import text
from zongheng.report.html import charts
from zongheng.report.html.blocks import Section, cell, chart, missing, table, tip
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.text import measure, ordinal, register, sep, t, zh_number
from zongheng.report.html.uncertainty import Spread

__all__ = ["gap", "goal"]

register({
    "h.gap": ("差距分解", "Gap to the unit above"),
    "gap": ("{unit}与上一名{peer}相差 {gap} 分（{unit} {us} 分，{peer} {ps} 分，{method}）。",
            "{unit} is {gap} points behind {peer}, one place above it ({unit} {us}, {peer} {ps}; "
            "{method})."),
    "gap_first": ("{unit}{scope}排第一，没有上一名。", "{unit} is first {scope}: no unit is above it."),
    "method.exact-linear": ("精确线性分解", "exact linear decomposition"),
    "method.shapley": ("Shapley 分解", "Shapley decomposition"),
    "method.effective-weight": ("按有效权重分摊", "spread by effective weights"),
    "contribution": ("差距贡献（分）", "Contribution (points)"),
    "share": ("占差距", "Share of gap"),
    "hold_title": ("（一）保{n}：与后一名的差距", "(1) Holding {ord}: the lead over the unit behind"),
    "reach_title": ("（二）争{n}：提升路径", "(2) Reaching {ord}: the path"),
    "path_title": ("（二）提升路径", "(2) The path"),
    "hold_lead": ("{unit}领先后一名{peer} {lead} 分（{unit} {us} 分，{peer} {ps} 分）。",
                  "{unit} leads {peer}, one place below it, by {lead} points ({unit} {us}, {peer} {ps})."),
    "hold_last": ("{unit}{scope}排最后一名，没有后一名。", "{unit} is last {scope}: no unit is behind it."),
    "hold_prob": ("在方法与权重的合理变化下，{unit}保住{scope}第 {rank} 名（{rank_label}≤{rank}）"
                  "的概率为 {p}",
                  "Under plausible changes of method and weights, {unit} keeps rank {rank} {scope} "
                  "with probability {p}"),
    "reach_prob": ("，达到第 {target} 名的概率为 {p}", ", and reaches rank {target} with probability {p}"),
    "hold_dims": ("{peer}领先的维度：{dims}。", "Dimensions where {peer} leads: {dims}."),
    "hold_threats": ("{peer}领先的指标如下表（按对总分的影响排列），这些指标上的领先最可能被追上。",
                     "The indicators where {peer} leads, by their effect on the index: there the lead "
                     "is most at risk."),
    "hold_none": ("{peer}在各项指标上均不领先{unit}。", "{peer} leads {unit} on no indicator."),
    "peer_leads": ("{peer}领先（分）", "{peer} leads by (points)"),
    "path": ("目标为{scope}第 {target} 名（现为第 {rank} 名，{score} 分；需达到 {needed} 分）。"
             "按下表调整 {n} 项指标后，用调整后的数据完整重建，得第 {achieved} 名（{achieved_score} 分）。",
             "Target: rank {target} {scope} (now {rank}, {score}; {needed} needed). With the {n} "
             "changes below, a full rebuild from the changed data gives rank {achieved} "
             "({achieved_score})."),
    "path_unreachable": ("在变化幅度上限内达不到第 {target} 名，最好可到第 {best} 名。",
                         "Rank {target} cannot be reached within the change limits; the best "
                         "reachable is rank {best}."),
    "path_none": ("{unit}已在{scope}第 {rank} 名，达到或优于目标名次，无需路径。",
                  "{unit} already ranks {rank} {scope}: at or above the target, no path is needed."),
    "offset": ("各指标贡献有正有负：{unit}落后的指标合计 {behind} 分，领先的指标合计 {ahead} 分，"
               "相抵后即为上述差距，所以单项占差距的比例可超过 100% 或为负数。",
               "Contributions go both ways: {unit} trails by {behind} points on some indicators and "
               "leads by {ahead} on others; they offset to the gap above, so one indicator's share "
               "can exceed 100% or be negative."),
    "now": ("现值", "Now"),
    "needed": ("需达到", "Needed"),
    "change_abs": ("变化量", "Change"),
    "change_pct": ("变化率", "Change %"),
    "issues": ("短板或下降指标", "Weak or declining indicators"),
    "path_changes": ("路径要求", "Changes the path asks"),
    "duties": ("责任分解（按牵头部门）", "Duties by lead department"),
    "needed_note": ("需达到值按 4 位有效数字向改进方向取整（正向指标向上、逆向指标向下），照此达到即足够。",
                    "Needed values are rounded to 4 significant digits toward improvement (up for "
                    "higher-is-better, down for lower-is-better): reaching the printed value is enough."),
})

_TOP_INDICATORS = 8


def _gap_method(g: GapResult) -> str:
    key = f"method.{g.method}"
    try:
        return t(key)
    except KeyError:
        return g.method


def gap(f: UnitFacts) -> Section:
    """Return 差距分解: the gap to the unit one place up, by dimension and indicator."""
    b = f.brief
    sec = Section("gap", t("h.gap"))
    g = b.gap
    if g is None:
        sec.paragraph(t("gap_first", unit=b.name, scope=f.scope))
        return sec
    # the gap a reader computes from the two shown scores
    shown_gap = display.difference(g.peer_score, g.unit_score)
    sec.paragraph(t("gap", unit=g.unit_name, peer=g.peer_name, gap=display.score(shown_gap),
                    us=display.score(g.unit_score), ps=display.score(g.peer_score), method=_gap_method(g)))
    start = (g.unit_name, g.unit_score, tip(g.unit_name, f"{f.index_label}: {display.score(g.unit_score)}"))
    end = (g.peer_name, g.peer_score, tip(g.peer_name, f"{f.index_label}: {display.score(g.peer_score)}"))
    contribution = t("contribution")
    dims = [(f.node(r["dimension"]), float(r["contribution"]), tip(
        f.node(r["dimension"]), f"{g.unit_name}: {display.score(r['unit_score'])}",
        f"{g.peer_name}: {display.score(r['peer_score'])}",
        f"{contribution}: {display.signed(r['contribution'])}"))
            for _, r in g.dimensions.iterrows()]
    top = g.indicators.head(_TOP_INDICATORS)
    rest = float(g.indicators["contribution"].iloc[_TOP_INDICATORS:].sum())
    steps = [(str(r["indicator"]), float(r["contribution"]), tip(
        f"{r['indicator']} {f.node(r['indicator'])}",
        f"{g.unit_name}: {f.raw_of(g.unit, r['indicator'])} {measure(r['unit_of_measure'])}".rstrip(),
        f"{g.peer_name}: {f.raw_of(g.peer, r['indicator'])} {measure(r['unit_of_measure'])}".rstrip(),
        f"{contribution}: {display.signed(r['contribution'])}")) for _, r in top.iterrows()]
    if len(g.indicators) > _TOP_INDICATORS:
        n = len(g.indicators) - _TOP_INDICATORS
        steps.append((t("others", n=n), rest, tip(t("others", n=n),
                                                  f"{contribution}: {display.signed(rest)}")))
    sec.charts(chart("chart-gap-dimensions", charts.waterfall(dims, start, end), 360),
               chart("chart-gap-indicators", charts.waterfall(steps, start, end), 360))
    sec.table(_indicator_table(f, g, g.indicators.head(10), "gap-table",
                               [t("contribution"), t("share")]))
    sec.notes([*g.notes, _offset_note(g, shown_gap)])
    return sec


def _offset_note(g: GapResult, shown_gap: float) -> str:
    """Explain shares above 100 % or below 0: leads and lags offset each other (review finding 31).

    The lead is printed as (points behind, as shown) − (the gap, as shown), so that the
    reader's subtraction gives the gap printed above (4.01 − 2.76 = 1.25), never 0.01 off.
    """
    parts = g.indicators["contribution"].to_numpy(dtype=float)
    behind, ahead = parts[parts > 0].sum(), -parts[parts < 0].sum()
    if not (ahead > 0 and behind > 0):
        return ""
    shown_ahead = display.difference(behind, shown_gap)
    return t("offset", unit=g.unit_name, behind=display.score(behind), ahead=display.score(shown_ahead))


def _indicator_table(f: UnitFacts, g: GapResult, rows: pd.DataFrame, table_id: str,
                     heads: list[str]) -> dict[str, Any]:
    """Return a table of indicators: both units' raw values, the contribution and its share."""
    columns = [t("indicator"), t("name"), g.unit_name, g.peer_name, t("measure"), *heads,
               t("department")]
    body = [[cell(r["indicator"]), cell(f.node(r["indicator"])),
             cell(f.raw_of(g.unit, r["indicator"]), "num"),
             cell(f.raw_of(g.peer, r["indicator"]), "num") if g.peer else cell(display.MISSING),
             cell(measure(r["unit_of_measure"])),
             cell(display.signed(r["contribution"]), "num " + ("bad" if r["contribution"] > 0 else "good")),
             *([cell(display.percent(r["share"]), "num")] if len(heads) > 1 else []),
             cell(r["department"] or display.MISSING)]
            for _, r in rows.iterrows()]
    return table(columns, body, table_id=table_id)


def goal(f: UnitFacts, spread: Spread | None) -> Section:
    """Return the section named by the goal (保三争二): the lead over the unit behind, the path up."""
    b = f.brief
    title = b.goal if f.lang != "en" else b.goal[:1].upper() + b.goal[1:]
    sec = Section("goal", title)
    _hold(f, sec, spread)
    _reach(f, sec)
    _duties(f, sec)
    return sec


def _hold(f: UnitFacts, sec: Section, spread: Spread | None) -> None:
    b = f.brief
    sec.heading(t("hold_title", n=zh_number(b.rank), ord=ordinal(b.rank)))
    g = b.behind
    if g is None:
        sec.paragraph(t("hold_last", unit=b.name, scope=f.scope))
    else:
        lead = display.difference(g.unit_score, g.peer_score)
        sec.paragraph(t("hold_lead", unit=g.unit_name, peer=g.peer_name, lead=display.score(lead),
                        us=display.score(g.unit_score), ps=display.score(g.peer_score)), cls="key")
    if spread is not None:
        keep = spread.probability(b.unit, b.rank, bool(f.group))
        if keep is not None:
            text = t("hold_prob", unit=b.name, scope=f.scope, rank=b.rank, rank_label=f.rank_label,
                     p=display.percent(keep))
            target = b.target_rank
            reach = spread.probability(b.unit, target, bool(f.group)) \
                if target is not None and target < b.rank else None
            if reach is not None:
                text += t("reach_prob", target=target, p=display.percent(reach))
            sec.paragraph(text + t("end"))
    if g is None:
        return
    ahead = g.dimensions[g.dimensions["contribution"] > 0]
    if len(ahead):
        sec.paragraph(t("hold_dims", peer=g.peer_name, dims=sep().join(
            f"{f.node(r['dimension'])} {display.score(r['contribution'])}" for _, r in ahead.iterrows())))
    threats = g.indicators[g.indicators["contribution"] > 0].head(_TOP_INDICATORS)
    if not len(threats):
        sec.paragraph(t("hold_none", peer=g.peer_name, unit=g.unit_name))
        return
    sec.paragraph(t("hold_threats", peer=g.peer_name))
    sec.table(_indicator_table(f, g, threats, "hold-table", [t("peer_leads", peer=g.peer_name)]))


def _needed_score(x: float) -> str:
    """Show the score a target needs, rounded up: the printed score is enough."""
    return display.score(math.ceil(round(x * 100, 6)) / 100)


def _reach(f: UnitFacts, sec: Section) -> None:
    b = f.brief
    pr = b.path
    target = b.target_rank
    if target is not None and target < b.rank:
        sec.heading(t("reach_title", n=zh_number(target), ord=ordinal(target)))
    else:
        sec.heading(t("path_title"))
    if pr is None:
        sec.paragraph(t("path_none", unit=b.name, scope=f.scope, rank=b.rank))
        return
    if not pr.reachable:
        sec.paragraph(t("path_unreachable", target=pr.target_rank, best=pr.best_rank))
    sec.paragraph(t("path", scope=f.scope, target=pr.target_rank, rank=pr.current_rank,
                    score=display.score(pr.current_score), needed=_needed_score(pr.needed_score),
                    n=len(pr.changes), achieved=pr.achieved_rank,
                    achieved_score=display.score(pr.achieved_score)))
    columns = [t("indicator"), t("name"), t("now"), "→", t("needed"), t("change_abs"),
               t("change_pct"), t("measure"), t("department")]
    rows = []
    for _, r in pr.changes.iterrows():
        direction = 1 if str(r["direction"]).strip() in ("+", "1", "1.0") else -1
        needed = display.value(r["needed"], direction=direction)
        # The change is read off the two numbers as shown: "needed" rounded toward improvement.
        change = display.value_difference(r["needed"], r["now"], direction=direction)
        rows.append([cell(r["indicator"]), cell(f.node(r["indicator"])), cell(display.value(r["now"]), "num"),
                     cell("→"), cell(needed, "num strong"),
                     cell(display.signed_value(change), "num"),
                     cell(_signed_percent(r["change_pct"]), "num"), cell(measure(r["measure"])),
                     cell(r["department"] or display.MISSING)])
    sec.table(table(columns, rows, table_id="path-table"))
    # the solver's plain-language assumption (it says how the needed values were rounded); its
    # internal notes stay out of the document. The table rounds toward improvement even when the
    # solver did not: then say so.
    exact = text("path_assumption_verify_exact") in pr.assumption
    sec.notes([pr.assumption, t("needed_note") if exact else ""])


def _signed_percent(pct: object) -> str:
    """Show a change given in percent (7.07 → ``+7.1%``)."""
    if missing(pct):
        return display.MISSING
    x = float(pct) / 100  # type: ignore[arg-type]
    return ("+" if x > 0 else "") + display.percent(x)


def _duties(f: UnitFacts, sec: Section) -> None:
    duties = f.brief.duties
    if not len(duties):
        return
    directions = {i.code: int(i.direction) for i in f.ev.framework.indicators}
    rows = []
    for dept, part in duties.groupby("department", sort=True):
        issues = part[part["issue"] != "path"].drop_duplicates("indicator")
        changes = part[part["issue"] == "path"]
        rows.append([
            cell(dept),
            cell(sep().join(f"{r['indicator']} {f.node(r['indicator'])}" for _, r in issues.iterrows())
                 or display.MISSING),
            cell(sep().join(f"{r['indicator']} {display.value(r['now'])} → "
                            f"{display.value(r['needed'], direction=directions.get(r['indicator'], 1))}"
                            for _, r in changes.iterrows()) or display.MISSING),
        ])
    sec.table(table([t("department"), t("issues"), t("path_changes")], rows, caption=t("duties"),
                    table_id="duties-table"))
