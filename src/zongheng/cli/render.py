"""Renderers (输出表格): the tables the commands print, each from a finished result.

``rank`` and ``demo`` print rankings and award winners, ``strengths``, ``gap`` and ``path``
(and ``demo``) the strengths, gap and path tables, ``whatif`` its scenario, ``grade`` and
``demo`` the 亩均 tables, ``attainment`` and ``demo`` the attainment table. None computes.

Every number goes through :mod:`zongheng.display` (scores with 2 decimals, raw values with
4 significant digits, requirements rounded toward improvement, percentages with 1 decimal),
so the console says what the Word, HTML and Excel documents say. Tables are compact
(:func:`~zongheng.cli.common.new_table`) and leave out a 名称 column that repeats 单位, so
they fit an 80-column terminal without losing their key column.

Like every CLI module this one imports only typer, rich and light zongheng modules at the
top, so that ``zongheng --help`` starts at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from zongheng.cli.common import (
    console,
    display,
    fit_columns,
    heading,
    is_missing,
    names_differ,
    natural_width,
    new_table,
    whole,
    word_width,
)
from zongheng.cli.labels import award_name, measure
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.analysis.attainment import WarningRule
    from zongheng.analysis.gap import GapResult
    from zongheng.analysis.path import PathResult
    from zongheng.analysis.ranking import AwardResult
    from zongheng.analysis.whatif import WhatIfResult
    from zongheng.enterprise import GradingResult
    from zongheng.evaluation import Evaluation
    from zongheng.framework import Framework

__all__ = [
    "benchmark_table", "cap_note", "d_table", "distribution_table", "grade_heading", "places",
    "print_attainment", "print_award", "print_gap", "print_path", "print_ranking",
    "print_strengths", "print_whatif", "raw_change", "table",
    "uncapped_note",
]

register_messages({
    "cli_ranking": ("横向比进位 · {node} · {period}", "Ranking · {node} · {period}"),
    "cli_award": ("{award} · {period} 获奖名单", "{award} award · {period} winners"),
    "cli_streak": ("{streak}（连续 {n} 次获{award}）· {period}: {units}",
                   "{streak} ({n} {award} awards in a row) · {period}: {units}"),
    "cli_no_winner": ("（无）", "(none)"),
    "cli_yes": ("是", "yes"),
    "cli_no": ("否", "no"),
    "col_score": ("得分", "Score"),
    "col_score_change": ("较上期", "Change"),
    "col_rank_change": ("升降", "±"),
    "col_group_rank_change": ("组内升降", "± in group"),
    "col_rule": ("获奖规则", "Rule"),
    "col_run": ("连续获奖", "In a row"),
    "strcli_title": ("找问题 · {unit} · {period}{scope}", "Strengths and weaknesses · {unit} · "
                     "{period}{scope}"),
    "strcli_scope": ("（{group}={label} 组内）", " (within {group}={label})"),
    "strcli_no_previous": ("没有上一期数据，无法列出退步指标",
                           "No previous period: declines cannot be listed"),
    "strcli_previous": ("退步：较 {period} 年变差的指标；较上期为原始值之差",
                        "Declined: worse than in {period}; Change is the change of the raw value"),
    "strcli_imputed": ("（插补）", " (imputed)"),
    "strcli_imputed_note": (
        "标“插补”的数值是缺失后由方法填补的，不计入优势、短板或退步",
        "Values marked imputed were missing and filled in by the method; they count as no "
        "strength, weakness or decline",
    ),
    "strcli_nothing": ("没有符合条件的指标", "No indicator qualifies"),
    "strcli_kind": ("类型", "Kind"),
    "strcli_indicator": ("指标（计量单位）", "Indicator (unit)"),
    "strcli_dimension": ("维度", "Dimension"),
    "strcli_rank": ("组内", "Rank"),
    "strcli_normalised": ("标准化", "Score"),
    "strcli_value": ("原始值", "Value"),
    "strcli_change": ("较上期", "Change"),
    "strcli_department": ("牵头单位", "Lead\ndept."),
    "strcli_kind_strength": ("优势", "Strength"),
    "strcli_kind_weakness": ("短板", "Weakness"),
    "strcli_kind_declined": ("退步", "Declined"),
    "gapcli_gap_title": ("找差距 · {period}", "Gap · {period}"),
    "gapcli_compare": (
        "{unit}（{unit_score} 分，第 {unit_rank}/{size} 名）对比 {peer}（{peer_score} 分，第 {peer_rank} 名）"
        "：差距 {gap} 分",
        "{unit} ({unit_score}, rank {unit_rank}/{size}) vs {peer} ({peer_score}, rank {peer_rank}): "
        "gap {gap} points",
    ),
    "gapcli_lead": ("（负数表示领先）", " (negative: ahead)"),
    "gapcli_method": ("分解方法: {method}", "Attribution: {method}"),
    "gapcli_by_dimension": ("按维度小计", "Subtotals by dimension"),
    "gapcli_total": ("合计", "Total"),
    "gapcli_narrow": ("终端较窄，未列出标准化值等列（加宽终端或用 --json 查看）",
                     "A narrow terminal: the normalised scores are left out (widen it, or use --json)"),
    "strcli_imputed_gap": (
        "标“插补”的数值是缺失后由方法填补的（参与计算，但不是报送数据）",
        "Values marked imputed were missing and filled in by the method (used in the scores, not "
        "reported data)",
    ),
    "gapcli_more": ("另有 {n} 个指标未列出（用 --top 调整）", "{n} more indicator(s) not listed (see --top)"),
    "gapcli_indicator": ("指标", "Indicator"),
    "gapcli_name": ("名称", "Name"),
    "gapcli_dimension": ("维度", "Dimension"),
    "gapcli_unit_value": ("本单位", "Unit"),
    "gapcli_peer_value": ("对标", "Peer"),
    "gapcli_unit_normalised": ("本单位\n标准化", "Unit\nnorm."),
    "gapcli_peer_normalised": ("对标\n标准化", "Peer\nnorm."),
    "gapcli_unit_score": ("本单位得分", "Unit score"),
    "gapcli_peer_score": ("对标得分", "Peer score"),
    "gapcli_contribution": ("贡献", "Points"),
    "gapcli_share": ("占差距", "Share"),
    "gapcli_department": ("牵头单位", "Lead\ndept."),
    "gapcli_method_exact-linear": ("精确线性分解", "exact linear"),
    "gapcli_method_shapley": ("Shapley 值分解", "Shapley values"),
    "gapcli_method_effective-weight": ("按有效权重分摊（假设对象）", "by effective weight (hypothetical)"),
    "grade_uncapped": (
        "注：单项得分未封顶（按评价办法，单项得分 = 权重 × 实际值 / 基准值）：{name}最高得 {score} 分"
        "（权重 {weight} 分），总分最高 {total} 分。如需封顶，在评价办法 YAML 中设 cap（如 cap: 1.5，"
        "单项最多得 1.5 倍权重），用 --rule 指定",
        "Note: item scores are not capped (by the rule, an item scores weight × value / benchmark): "
        "{name} scores up to {score} (weight {weight}), and the highest total is {total}. To cap "
        "them, set cap in the rule YAML (e.g. cap: 1.5, at most 1.5 × the weight) and pass it with --rule",
    ),
    "cli_path_title": ("找路径 · {unit} · {period}", "Path · {unit} · {period}"),
    "cli_path_target": ("目标名次", "Target rank"),
    "cli_path_in_group": ("（{group} 组内）", " (within {group})"),
    "cli_path_now": ("当前", "Now"),
    "cli_path_after": ("调整后（完整重建验证）", "After the changes (verified by a full rebuild)"),
    "cli_path_rank_score": ("第 {rank} 名，得分 {score}", "rank {rank}, score {score}"),
    "cli_path_reachable": ("能否达到", "Reachable"),
    "cli_path_yes": ("能", "yes"),
    "cli_path_no": ("不能（最好第 {best} 名）", "no (best rank {best})"),
    "cli_path_needed": ("需达到的得分", "Score needed"),
    "cli_path_solver": ("求解方法", "Solver"),
    "cli_path_effort": ("调整幅度", "Effort"),
    "cli_path_effort_words": (
        "各指标相对调整幅度合计 {pct}（每项为调整量占现值的比例）",
        "{pct} in all (each indicator's change as a share of its value now, added up)",
    ),
    "cli_path_assumption": ("假设", "Assumption"),
    "cli_path_note": ("说明", "Note"),
    "cli_path_nothing": ("无需调整任何指标", "No indicator needs to change"),
    "cli_path_solver_lp": ("线性规划", "linear programme"),
    "cli_path_solver_it": ("迭代求解", "iterative"),
    "cli_path_solver_levels": ("逐层求解", "level by level"),
    "cli_path_best": ("在上下限内最好可达", "Best rank within the bounds"),
    "cli_path_rank": ("第 {rank} 名", "rank {rank}"),
    "cli_path_margin": ("余量", "Margin"),
    "cli_path_points": ("{points} 分", "{points} points"),
    "cli_path_assessed": (
        "† 评价类指标（{dimension}的得分由上级评定），难以直接调整；可用 --exclude {code} 排除",
        "† assessed indicators ({dimension}: scores given by the assessor), hard to change "
        "directly; leave them out with --exclude {code}",
    ),
    "cli_path_range": ("* 按同组极差计算的变化率", "* change relative to the peers' range"),
    "cli_col_indicator": ("指标", "Indicator"),
    "cli_col_name": ("名称", "Name"),
    "cli_col_measure": ("单位", "Unit"),
    "cli_col_now_needed": ("现值 → 需达到", "Now → needed"),
    "cli_col_change": ("变化（%）", "Change (%)"),
    "cli_col_effort_share": ("占比", "Share"),
    "cli_col_department": ("牵头单位", "Lead\ndept."),
    "cli_whatif_changes": ("情景变化", "Scenario changes"),
    "cli_whatif_title": ("情景模拟 · {period} · {how}", "What-if · {period} · {how}"),
    "cli_whatif_refit": ("完整重建", "full rebuild"),
    "cli_whatif_frozen": ("参数冻结", "parameters frozen"),
    "cli_whatif_more": ("另有 {n} 个单位未列出（用 --top 调整）", "{n} more unit(s) not listed (see --top)"),
    "cli_col_unit": ("单位", "Unit"),
    "cli_col_period": ("时期", "Period"),
    "cli_col_before": ("原值", "Before"),
    "cli_col_after": ("新值", "After"),
    "cli_col_change_pct": ("变化率", "Change"),
    "cli_col_rank_after": ("新排名（升降）", "Rank (±)"),
    "cli_col_index_before": ("原得分", "Before"),
    "cli_col_index_after": ("新得分", "After"),
    "cli_col_index_change": ("变化", "Change"),
    "cli_col_group_rank_after": ("组内（升降）", "In group (±)"),
    "cli_att_title": ("目标达成与预警 · {unit} · {period}", "Attainment and warnings · {unit} · {period}"),
    "cli_att_summary": (
        "达标 {attained}/{assessed}（{pct}）· 约束性指标达标 {binding_attained}/{binding} · "
        "预警: 绿 {green} · 黄 {yellow} · 红 {red}",
        "Attained {attained}/{assessed} ({pct}) · binding attained {binding_attained}/{binding} · "
        "lights: green {green} · yellow {yellow} · red {red}",
    ),
    "cli_att_synthetic": ("演示数据为合成数据 (synthetic demo data)", "Synthetic demo data."),
    "cli_att_rule": (
        "预警规则: 接近目标 {near} 以内 · 依据 {basis} · 稳定阈值 {tolerance} · 趋势 {window} 期",
        "Warning rule: near within {near} · basis {basis} · stable within {tolerance} · "
        "trend over {window} periods",
    ),
    "cli_att_code": ("代码", "Code"),
    "cli_att_indicator": ("指标（计量单位）", "Indicator (unit)"),
    "cli_att_category": ("属性", "Kind"),
    "cli_att_target": ("目标", "Target"),
    "cli_att_value": ("实际", "Value"),
    "cli_att_gap": ("差距", "Gap"),
    "cli_att_attained": ("达标", "Met"),
    "cli_att_change": ("同比", "YoY"),
    "cli_att_trend": ("趋势", "Trend"),
    "cli_att_light": ("预警", "Light"),
    "cli_att_ahead": ("超目标 {x}", "ahead by {x}"),
    "cli_att_short": ("差目标 {x}", "short by {x}"),
    "cli_att_at": ("恰达目标", "at target"),
    "cli_att_binding": ("约束性", "binding"),
    "cli_att_expected": ("预期性", "expected"),
})


# -- shared formatting ---------------------------------------------------------------------------


def table(title: str | None, columns: list[tuple[str, str, bool]], rows: list[list[str]],
          caption: str | None = None, max_widths: dict[str, int] | None = None) -> Table:
    """Return a table from (key, label, right-aligned) columns and formatted rows.

    Right-aligned columns (numbers, ranks) never wrap; text columns fold when the terminal
    is narrow, so no column is cut off; ``max_widths`` (by key) folds some text columns first.
    """
    grid = new_table(title, caption)
    for key, label, right in columns:
        grid.add_column(label, justify="right" if right else "left", no_wrap=right,
                        overflow="ellipsis" if right else "fold",
                        max_width=(max_widths or {}).get(key))
    for row in rows:
        grid.add_row(*row)
    return grid


def places(value: Any) -> str:
    """Show places climbed in a rank (+2, -1, 0); missing as an em dash (scores use display.signed)."""
    if is_missing(value):
        return display.MISSING
    return f"{int(value):+d}" if value else "0"


def raw_change(value: Any) -> str:
    """Show the change of a raw value with its sign and 4 significant digits (``+2``, ``-0.18``)."""
    if is_missing(value):
        return display.MISSING
    shown = display.value(value)
    return f"+{shown}" if float(value) > 0 and not shown.startswith("-") and shown != "0" else shown


def _signed_percent(pct: Any) -> str:
    """Show a change given in percent (7.1 → ``+7.1%``)."""
    if is_missing(pct):
        return display.MISSING
    shown = display.percent(float(pct) / 100)
    return f"+{shown}" if float(pct) > 0 and display.shown(pct, "percent") != 0 else shown


_FOLDS = {"indicator": 16, "name": 16, "dimension": 8, "department": 8}
"""The width a text column may fold down to (cells): a Chinese name to 8 characters a line
(not 3), a dimension or a department to 4 (工作评价, 自然资源 / 和规划局)."""


def _filled_values(ev: Evaluation, unit: Any, period: Any) -> dict[str, float]:
    """Return a unit's values after imputation in ``period`` by indicator (empty if not kept)."""
    import numpy as np

    from zongheng.errors import ZonghengError

    try:
        filled = np.asarray(ev.stage("imputed")[ev.period_position(period),
                                                list(ev.panel.units).index(unit)], dtype=float)
    except (ZonghengError, ValueError, KeyError, IndexError):
        return {}
    return dict(zip(ev.framework.indicator_codes, filled.tolist(), strict=False))


def _value_or_filled(value: Any, filled: Any) -> str:
    """Show a raw value; a missing one that the method filled in as ``79.4（插补）``."""
    if is_missing(value) and filled is not None and not is_missing(filled):
        return display.value(filled) + text("strcli_imputed")
    return display.value(value)


def _label(framework: Framework, code: str) -> str:
    return framework.label(code, get_lang())


def _named(name: str, measure_: str | None) -> str:
    """Return a name with its unit of measure in brackets (``PM2.5年均浓度 (µg/m³)``)."""
    unit = measure(measure_)
    return f"{name} ({unit})" if unit else name


# -- rank ----------------------------------------------------------------------------------------


def _binary(values: Any) -> bool:
    """Return whether a group column holds only 0/1 flags (山区26县), shown as 是/否."""
    seen = {str(v) for v in values if not is_missing(v)}
    return bool(seen) and seen <= {"0", "1", "0.0", "1.0", "True", "False"}


def _flag(value: Any) -> str:
    if is_missing(value):
        return display.MISSING
    return text("cli_yes") if str(value) in ("1", "1.0", "True") else text("cli_no")


def _group_label(ev: Evaluation, group: str, lang: str) -> str:
    """Return a group column's declared name in ``lang`` (its code when undeclared)."""
    attr = next((a for a in ev.framework.groups if a.code == group), None)
    if attr is None:
        return group
    first, second = (attr.name_en, attr.name) if lang == "en" else (attr.name, attr.name_en)
    # "山区26县 (1 = 是)": the legend of a 0/1 column, which is shown as 是/否 here.
    return re.sub(r"\s*[(（]\s*(1\s*=\s*是|0/1)\s*[)）]\s*$", "", first or second or group)


def print_ranking(ev: Evaluation, frame: pd.DataFrame, groups: list[str], code: str,
                  period: Hashable, top: int | None, note: str | None) -> None:
    """Print a ranking table (``ranking_table``): ranks overall and in groups, changes, scores."""
    lang = get_lang()
    columns = [("rank", heading("rank"), True), ("rank_change", text("col_rank_change"), True)]
    for g in groups:
        columns += [(g, _group_label(ev, g, lang), False), (f"rank_in_{g}", heading("group_rank"), True),
                    (f"rank_change_in_{g}", text("col_group_rank_change"), True)]
    columns += [("unit", heading("unit"), False)]
    if names_differ(frame["unit"], frame["name"]):
        columns += [("name", heading("name"), False)]
    columns += [("score", text("col_score"), True), ("score_change", text("col_score_change"), True)]
    binary = {g for g in groups if _binary(frame[g])}

    def cell(key: str, value: Any) -> str:
        if key == "rank" or key.startswith("rank_in_"):
            return whole(value)
        if key.startswith("rank_change"):
            return places(value)
        if key == "score":
            return display.score(value)
        if key == "score_change":
            return display.signed(value)
        if key in binary:
            return _flag(value)
        return display.MISSING if is_missing(value) else str(value)

    rows = [[cell(k, r[k]) for k, _, _ in columns]
            for r in (frame if top is None else frame.head(top)).astype(object).to_dict("records")]
    # With two groups the changes (within each group, then overall) give way on a narrow
    # terminal (the JSON and a wider one have them): the unit names stay whole. A group's
    # label may fold to its longest word ("Europe / or Asia"), a unit's name may not.
    keys = [k for k, _, _ in columns]
    labels = {k: label for k, label, _ in columns}
    group_folds = {g: word_width([labels[g], *(row[keys.index(g)] for row in rows)]) for g in groups}
    kept = fit_columns(keys, labels, {k: [row[i] for row in rows] for i, k in enumerate(keys)},
                       console().width, folds={"unit": word_width([r[keys.index("unit")] for r in rows]),
                                               "name": 16, **group_folds},
                       optional=[*(f"rank_change_in_{g}" for g in reversed(groups)), "score_change",
                                 "rank_change"])
    columns = [c for c in columns if c[0] in kept]
    rows = [[row[keys.index(k)] for k in kept] for row in rows]
    # Still tight: the group labels fold first (rich would narrow the widest column, a name as
    # soon as a label).
    tight = natural_width([c[1] for c in columns], [[row[i] for row in rows] for i in range(len(columns))]) \
        > console().width
    folds = group_folds if tight else None
    title = text("cli_ranking", node=ev.framework.label(code, lang), period=period)
    console().print(table(title, columns, rows, note, folds))
    if len(kept) < len(keys):
        console().print(text("cli_narrow"), markup=False)


def print_award(result: AwardResult, period: Hashable) -> None:
    """Print an award rule's winners in ``period`` and the units that earned its streak award."""
    winners = result.winners[result.winners["period"] == period]
    with_names = names_differ(winners["unit"], winners["name"])
    columns = [("rule", text("col_rule"), False), ("rank", heading("group_rank"), True),
               ("unit", heading("unit"), False), *([("name", heading("name"), False)] if with_names
                                                   else []),
               ("score", text("col_score"), True), ("run", text("col_run"), True)]
    rows = [[award_name(str(r["rule"])), whole(r["rank"]), str(r["unit"]),
             *([str(r["name"])] if with_names else []), display.score(r["score"]), whole(r["run"])]
            for r in winners.astype(object).to_dict("records")]
    award = award_name(result.rule.name)
    out = console()
    out.print(table(text("cli_award", award=award, period=period), columns, rows))
    streak = result.rule.streak
    if streak is not None:
        earned = result.streak_awards[result.streak_awards["period"] == period]
        names = ", ".join(f"{u} {n}" if n != u else str(u)
                          for u, n in zip(earned["unit"], earned["name"], strict=True))
        out.print(text("cli_streak", streak=award_name(streak.name), n=streak.consecutive, award=award,
                       period=period, units=names or text("cli_no_winner")), markup=False)


# -- strengths -----------------------------------------------------------------------------------


def print_strengths(ev: Evaluation, frame: pd.DataFrame) -> None:
    """Print the table of ``analysis.strengths.strengths``: strong, weak and declining indicators.

    An imputed value (the unit reported none) shows as ``79.4（插补）``.
    """
    fw = ev.framework
    attrs = frame.attrs
    names = dict(zip(ev.panel.units, ev.panel.names(), strict=True))
    unit = attrs["unit"] if names[attrs["unit"]] == attrs["unit"] else \
        f"{names[attrs['unit']]} ({attrs['unit']})"
    scope = "" if attrs["group"] is None else text("strcli_scope", group=attrs["group"],
                                                   label=attrs["label"])
    grid = new_table(text("strcli_title", unit=unit, period=attrs["period"], scope=scope))
    departments = "department" in frame and frame["department"].astype(bool).any()
    keys = ["kind", "indicator", "dimension", "rank", "normalised", "value", "change",
            *(["department"] if departments else [])]
    any_imputed = False
    rows = []
    for r in frame.to_dict("records"):
        imputed = r.get("imputed")
        value = display.value(r["value"])
        if is_missing(r["value"]) and not is_missing(imputed):
            value, any_imputed = display.value(imputed) + text("strcli_imputed"), True
        rows.append([text(f"strcli_kind_{r['kind']}"),
                     _named(_label(fw, r["indicator"]), r.get("unit_of_measure")),
                     _label(fw, r["dimension"]), f"{r['rank']}/{r['group_size']}",
                     display.score(r["normalised"]), value, raw_change(r["change"]),
                     *([r["department"] or display.MISSING] if departments else [])])
    labels = {k: text(f"strcli_{k}") for k in keys}
    out = console()
    # The dimension gives way on a narrow terminal (long English names: "Efficiency transformation").
    cells = {k: [row[i] for row in rows] for i, k in enumerate(keys)}
    shown = fit_columns(keys, labels, cells, out.width,
                        folds={**_FOLDS, "dimension": word_width(cells["dimension"])},
                        optional=("dimension",))
    for key in shown:
        text_column = key in ("indicator", "dimension", "department")
        grid.add_column(labels[key], justify="left" if text_column or key == "kind" else "right",
                        no_wrap=not text_column, overflow="fold",
                        max_width=_FOLDS["department"] if key == "department" else None)
    for row in rows:
        grid.add_row(*(row[keys.index(k)] for k in shown))
    out.print(grid)
    if frame.empty:
        out.print(text("strcli_nothing"), markup=False)
    if attrs["previous_period"] is None:
        out.print(text("strcli_no_previous"), markup=False)
    else:
        out.print(text("strcli_previous", period=attrs["previous_period"]), markup=False)
    if any_imputed:
        out.print(text("strcli_imputed_note"), markup=False)


# -- gap -----------------------------------------------------------------------------------------


def print_gap(ev: Evaluation, result: GapResult, top: int | None) -> None:
    """Print a gap decomposition (``analysis.gap``): the gap, per indicator and per dimension."""
    fw = ev.framework

    def h(key: str, **params: object) -> str:
        return text(f"gapcli_{key}", **params)

    out = console()
    unit = f"{result.unit_name} ({result.unit})" if result.unit_name != result.unit else result.unit
    peer = result.peer_name
    if result.peer is not None and result.peer_name != result.peer:
        peer = f"{result.peer_name} ({result.peer})"
    # The gap from the two scores as shown, so that the reader's subtraction checks.
    gap = display.difference(result.peer_score, result.unit_score)
    out.print(h("gap_title", period=result.period), markup=False)
    out.print(h("compare", unit=unit, unit_score=display.score(result.unit_score),
                unit_rank=result.unit_rank, size=result.group_size, peer=peer,
                peer_score=display.score(result.peer_score), peer_rank=result.peer_rank,
                gap=display.score(gap)) + (h("lead") if gap < 0 else ""), markup=False)
    out.print(h("method", method=h(f"method_{result.method}")), markup=False)

    departments = result.indicators["department"].astype(bool).any()
    keys = ["indicator", "dimension", "unit_value", "peer_value", "unit_normalised",
            "peer_normalised", "contribution", "share", *(["department"] if departments else [])]
    rows = result.indicators if top is None else result.indicators.head(top)
    filled = (_filled_values(ev, result.unit, result.period),
              _filled_values(ev, result.peer, result.period) if result.peer is not None else {})
    cells: dict[str, list[str]] = {k: [] for k in keys}
    for r in rows.to_dict("records"):
        shown = {"indicator": _named(_label(fw, r["indicator"]), r.get("unit_of_measure")),
                 "dimension": _label(fw, r["dimension"]),
                 "unit_value": _value_or_filled(r["unit_value"], filled[0].get(r["indicator"])),
                 "peer_value": _value_or_filled(r["peer_value"], filled[1].get(r["indicator"])),
                 "unit_normalised": display.score(r["unit_normalised"]),
                 "peer_normalised": display.score(r["peer_normalised"]),
                 "contribution": display.signed(r["contribution"]), "share": display.percent(r["share"]),
                 "department": r["department"] or display.MISSING}
        for k in keys:
            cells[k].append(shown[k])
    labels = {k: h(k) for k in keys}
    # At 80 columns the normalised scores (also in --json and the reports) give way to the name.
    folds = {**_FOLDS, "indicator": 14, "dimension": word_width(cells["dimension"])}
    shown_keys = fit_columns(keys, labels, cells, out.width, folds=folds,
                             optional=(("unit_normalised", "peer_normalised"), "dimension"))
    grid = new_table()
    for key in shown_keys:
        text_column = key in ("indicator", "dimension", "department")
        grid.add_column(labels[key], justify="left" if text_column else "right", no_wrap=not text_column,
                        overflow="fold", max_width=_FOLDS["department"] if key == "department" else None)
    for i in range(len(rows)):
        grid.add_row(*(cells[k][i] for k in shown_keys))
    out.print(grid)
    if len(rows) < len(result.indicators):
        out.print(h("more", n=len(result.indicators) - len(rows)), markup=False)
    if len(shown_keys) < len(keys):
        out.print(h("narrow"), markup=False)
    if any(text("strcli_imputed") in c for c in cells["unit_value"] + cells["peer_value"]):
        out.print(text("strcli_imputed_gap"), markup=False)

    dims = new_table(h("by_dimension"))
    for key in ("dimension", "unit_score", "peer_score", "contribution", "share"):
        dims.add_column(h(key), justify="left" if key == "dimension" else "right",
                        no_wrap=key != "dimension", overflow="fold")
    for r in result.dimensions.to_dict("records"):
        dims.add_row(_label(fw, r["dimension"]), display.score(r["unit_score"]),
                     display.score(r["peer_score"]), display.signed(r["contribution"]),
                     display.percent(r["share"]))
    dims.add_row(h("total"), display.score(result.unit_score), display.score(result.peer_score),
                 display.signed(gap), display.percent(1.0 if result.gap else None))
    out.print(dims)
    for note in result.notes:
        out.print(note, markup=False, soft_wrap=True)


# -- path ----------------------------------------------------------------------------------------


def _assessed(fw: Framework) -> tuple[set[str], str, str]:
    """Return the indicators of a dimension of assessed scores (工作评价), its name and code.

    Such scores are given by an assessor (the province's 工作评价), not measured; a path
    that leans on them is worth flagging. Recognised by the dimension's name (评价, assess).
    """
    for dim in fw.dimensions:
        node = fw.node(dim)
        if "评价" in node.name or "assess" in (node.name_en or "").lower():
            below, stack = set(), [dim]
            while stack:
                code = stack.pop()
                kids = fw.children.get(code, ())
                stack += list(kids)
                if not kids:
                    below.add(code)
            return below, fw.label(dim, get_lang()), dim
    return set(), "", ""


def print_path(ev: Evaluation, result: PathResult) -> None:
    """Print a path to a target rank (``analysis.path``): the summary and the changes needed."""
    import math

    out = console()
    # A unit whose name is its code (永康市) is named once.
    unit = result.unit if result.name == result.unit else f"{result.name} ({result.unit})"
    out.print(text("cli_path_title", unit=unit, period=result.period), markup=False)
    group = text("cli_path_in_group", group=result.group) if result.group else ""
    summary = [
        (text("cli_path_target"), f"{result.target_rank}{group}"),
        (text("cli_path_now"), text("cli_path_rank_score", rank=result.current_rank,
                                    score=display.score(result.current_score))),
        (text("cli_path_after"), text("cli_path_rank_score", rank=result.achieved_rank,
                                      score=display.score(result.achieved_score))),
        (text("cli_path_reachable"), text("cli_path_yes") if result.reachable
         else text("cli_path_no", best=result.best_rank)),
        *([(text("cli_path_best"), text("cli_path_rank", rank=result.best_rank))]
          if result.reachable else []),  # else the line above says it
        # A score to reach is a requirement: rounded up, so that the printed figure is enough.
        (text("cli_path_needed"), display.score(math.ceil(result.needed_score * 100 - 1e-9) / 100)
         if math.isfinite(result.needed_score) else display.MISSING),
        *([(text("cli_path_margin"), text("cli_path_points", points=display.value(result.margin)))]
          if result.margin > 0 else []),
        (text("cli_path_solver"), text({"linear-programme": "cli_path_solver_lp",
                                        "level-by-level": "cli_path_solver_levels"}.get(
            result.solver, "cli_path_solver_it"))),
    ]
    if len(result.changes):
        summary.append((text("cli_path_effort"), text("cli_path_effort_words",
                                                      pct=display.percent(result.effort))))
    for label, value in summary:
        out.print(f"{label}: {value}", markup=False, soft_wrap=True)
    assessed, dimension, dim_code = _assessed(ev.framework)
    flagged = ranged = False
    if len(result.changes):
        changes = result.changes
        keys = ["indicator", "name", "now_needed", "change", "effort_share",
                *(["department"] if changes["department"].astype(bool).any() else [])]
        grid = new_table()
        for key in keys:
            wraps = key in ("name", "department")  # numbers and codes stay on one line
            grid.add_column(text(f"cli_col_{key}"), justify="left" if wraps or key == "indicator"
                            else "right", no_wrap=not wraps, overflow="fold",
                            max_width=_FOLDS["department"] if key == "department" else None)
        for row in changes.to_dict("records"):
            star = "*" if row["relative_to"] == "range" else ""  # % of the peers' range
            mark = "†" if row["indicator"] in assessed else ""
            flagged, ranged = flagged or bool(mark), ranged or bool(star)
            # ``direction`` is the framework's symbol, "+" or "-"
            needed = display.value(row["needed"], direction=-1 if row["direction"] == "-" else 1)
            cells = {"indicator": row["indicator"] + mark,
                     "name": _named(ev.framework.label(row["indicator"], get_lang()), row["measure"]),
                     "now_needed": f"{display.value(row['now'])} → {needed}",
                     "change": f"{raw_change(row['change'])} ({_signed_percent(row['change_pct'])}{star})",
                     "effort_share": display.percent(row["effort_share"]),
                     "department": row["department"] or display.MISSING}
            grid.add_row(*(cells[k] for k in keys))
        out.print(grid)
    else:
        out.print(text("cli_path_nothing"), markup=False)
    if ranged:
        out.print(text("cli_path_range"), markup=False)
    if flagged:
        out.print(text("cli_path_assessed", dimension=dimension, code=dim_code), markup=False,
                  soft_wrap=True)
    # Long Chinese sentences have no spaces to break at: the terminal wraps them, not rich (which
    # would move the whole sentence below its label).
    for note in result.notes:
        out.print(f"{text('cli_path_note')}: {note}", markup=False, soft_wrap=True)
    if result.assumption:
        out.print(f"{text('cli_path_assumption')}: {result.assumption}", markup=False, soft_wrap=True)


# -- whatif --------------------------------------------------------------------------------------


def print_whatif(ev: Evaluation, result: WhatIfResult, top: int | None) -> None:
    """Print a what-if scenario (``analysis.whatif``): the changes, then every unit's new rank."""
    lang = get_lang()
    out = console()
    names = names_differ(result.changes["unit"], result.changes["name"])
    changes = new_table(text("cli_whatif_changes"))
    keys = ["unit", *(["name"] if names else []), "period", "indicator", "before", "after",
            "change_pct"]
    for key in keys:
        left = key in ("unit", "name", "indicator")
        changes.add_column(text(f"cli_col_{key}"), justify="left" if left else "right",
                           no_wrap=not left, overflow="fold")
    for row in result.changes.to_dict("records"):
        cells = {"unit": str(row["unit"]), "name": str(row["name"]), "period": str(row["period"]),
                 "indicator": ev.framework.label(row["indicator"], lang),
                 "before": display.value(row["before"]), "after": display.value(row["after"]),
                 "change_pct": _signed_percent(row["change_pct"])}
        changes.add_row(*(cells[k] for k in keys))
    out.print(changes)
    how = text("cli_whatif_refit") if result.refit else text("cli_whatif_frozen")
    grid = new_table(text("cli_whatif_title", period=result.period, how=how))
    # A rank and the places it climbed share a cell ("9 (+1)") so the table fits a terminal.
    columns = ["rank", *(["group_rank", "group"] if result.group else []), "unit",
               *(["name"] if names_differ(result.table["unit"], result.table["name"]) else []),
               "index_before", "index_after", "index_change"]
    labels = {"rank": text("cli_col_rank_after"), "group_rank": text("cli_col_group_rank_after"),
              "group": _group_label(ev, result.group, lang) if result.group else "",
              "unit": text("cli_col_unit"), "name": text("cli_col_name"),
              "index_before": text("cli_col_index_before"),
              "index_after": text("cli_col_index_after"),
              "index_change": text("cli_col_index_change")}
    for col in columns:
        grid.add_column(labels[col], justify="left" if col in ("unit", "name", "group") else "right",
                        no_wrap=col not in ("name", "group"), overflow="fold")
    rows = result.table
    if top is not None:  # the first ``top``, and the units the scenario changed wherever they are
        rows = rows[(rows.reset_index().index < top) | rows["changed"].astype(bool).to_numpy()]
    for row in rows.to_dict("records"):
        cells = {"rank": f"{whole(row['rank_after'])} ({places(row['rank_change'])})",
                 "unit": str(row["unit"]), "name": str(row["name"]),
                 "index_before": display.score(row["index_before"]),
                 "index_after": display.score(row["index_after"]),
                 "index_change": display.signed(row["index_change"])}
        if result.group:  # a unit with a blank group cell has no group rank: dashes
            cells["group_rank"] = (f"{whole(row['rank_in_group_after'])} "
                                   f"({places(row['rank_in_group_change'])})")
            value = row[result.group]
            cells["group"] = display.MISSING if is_missing(value) else str(value)
        grid.add_row(*(cells[c] for c in columns), style="bold" if row["changed"] else None)
    out.print(grid)
    if len(rows) < len(result.table):
        out.print(text("cli_whatif_more", n=len(result.table) - len(rows)), markup=False)


# -- 亩均 grading --------------------------------------------------------------------------------

_GRADE_HEADINGS: dict[str, tuple[str, str]] = {
    "distribution": ("等级分布", "Grade distribution"),
    "d_list": ("D类企业名单（低效整治）", "D-class firms (for rectification)"),
    "benchmarks": ("基准值", "Benchmarks"),
    "branch": ("分组", "Branch"), "firms": ("企业数", "Firms"), "graded": ("定级", "Graded"),
    "not_graded": ("未定级", "Not graded"), "all": ("合计", "All"), "rank": ("排名", "Rank"),
    "name": ("企业名称", "Name"), "total": ("总分", "Total"), "percentile": ("位次百分比", "Percentile"),
    "weakest": ("短板指标（得分率）", "Weakest indicators (score share)"), "reason": ("说明", "Note"),
    "indicator": ("指标", "Indicator"), "weight": ("权重", "Weight"), "benchmark": ("基准值", "Benchmark"),
    "more": ("… 另有 {n} 家，见输出文件", "… {n} more; see the output file"),
    "written": ("已写入", "Written"), "none": ("无", "none"),
}


def grade_heading(key: str) -> str:
    """Return a heading of the 亩均 tables in the current language."""
    zh, en = _GRADE_HEADINGS[key]
    return en if get_lang() == "en" else zh


def distribution_table(result: GradingResult, lang: str, width: int | None = None) -> Table:
    """Return the grade distribution per branch (firms, graded, A/B/C/D with shares).

    A count and its share ("108 (19.6%)") share a line when the table fits ``width`` (the
    console's by default), else the share goes under the count: the branch names stay whole.
    """
    from zongheng.cli.common import natural_width
    from zongheng.enterprise import GRADES

    h = grade_heading
    grid = new_table(h("distribution"),
                     " · ".join(f"{g} {result.rule.label(g, lang)}" for g in GRADES))
    labels = [h("branch"), h("firms"), h("graded"), *GRADES, h("not_graded")]
    names = {b.name: b.label(lang) for b in result.rule.branches} | {"all": h("all")}
    rows = []
    for row in result.distribution.to_dict("records"):
        cells = [names[row["branch"]], str(row["firms"]), str(row["graded"])]
        cells += [f"{row[g]} ({display.percent(row[f'{g}_share'])})" if row["graded"] else "0"
                  for g in GRADES]
        cells.append(str(row["not_graded"]))
        rows.append(cells)
    if natural_width(labels, [[r[i] for r in rows] for i in range(len(labels))]) > (width or console().width):
        rows = [[c.replace(" (", "\n(") for c in r] for r in rows]
        labels = [label.replace(" ", "\n") for label in labels]
    for label in labels:
        left = label == labels[0]
        grid.add_column(label, justify="left" if left else "right", no_wrap=not left, overflow="fold")
    for cells in rows:
        grid.add_row(*cells)
    return grid


def benchmark_table(result: GradingResult, lang: str) -> Table:
    """Return the benchmarks (or efficacy bounds) of each branch and indicator, with units."""
    from zongheng.enterprise.export import localised

    h = grade_heading
    frame = localised(result, result.benchmarks, lang)
    efficacy = result.rule.scoring == "efficacy"
    grid = new_table(h("benchmarks"))
    columns = [h("branch"), h("indicator"), h("weight")]
    columns += [result.headers(lang)["low"], result.headers(lang)["high"]] if efficacy else [h("benchmark")]
    for label in columns:
        left = label in columns[:2]
        grid.add_column(label, justify="left" if left else "right", no_wrap=not left, overflow="fold")
    units = {ind.code: ind.unit for ind in result.rule.resolved_framework.indicators}
    source = result.benchmarks
    for i, row in enumerate(frame.itertuples(index=False)):  # one row per branch and indicator
        code = str(source["indicator"].iloc[i]) if "indicator" in source else ""
        cells = [str(row[0]), _named(str(row[1]), units.get(code)), whole(source["weight"].iloc[i])]
        cells += ([display.value(source["low"].iloc[i]), display.value(source["high"].iloc[i])]
                  if efficacy else [display.value(source["benchmark"].iloc[i])])
        grid.add_row(*cells)
    return grid


def cap_note(result: GradingResult, lang: str) -> str | None:
    """Say when item scores exceed their weights (benchmark scoring without ``cap``), and how to cap.

    Under 黄岩-style benchmark scoring an item scores weight × value / benchmark, without
    limit: a firm with ten times the benchmark tax scores 300 on a 30-point item. That is the
    rule as written, but a reader seeing ``总分 594`` should be told, and told of ``cap``.
    """
    grades = result.grades

    def top(branch: str, code: str) -> float | None:
        column = f"{code}_score"
        return grades.loc[grades["branch"] == branch, column].max() if column in grades else None

    return uncapped_note(result.rule, result.benchmarks, top, lambda: grades["total"].max(), lang)


def uncapped_note(rule: Any, benchmarks: pd.DataFrame, top: Callable[[str, str], float | None],
                  top_total: Callable[[], float | None], lang: str) -> str | None:
    """Return :func:`cap_note`'s note from ``top(branch, indicator)``, a branch's highest item score.

    The in-memory grade list and an engine's summary (its per-branch tops) both answer ``top``.
    """
    if rule.scoring == "efficacy" or rule.cap is not None:
        return None
    worst = None  # (score / weight, score, weight, indicator)
    for b in benchmarks.to_dict("records"):
        if not b["weight"]:
            continue
        highest = top(b["branch"], b["indicator"])
        if highest is None or is_missing(highest) or not highest > b["weight"]:
            continue
        if worst is None or highest / b["weight"] > worst[0]:
            worst = (highest / b["weight"], highest, b["weight"], b["indicator"])
    if worst is None:
        return None
    names = {ind.code: ind for ind in rule.resolved_framework.indicators}
    ind = names.get(worst[3])
    name = (ind.name_en or ind.name) if ind is not None and lang == "en" else (ind.name if ind else worst[3])
    total = top_total()
    return text("grade_uncapped", name=name, score=display.score(worst[1]), weight=whole(worst[2]),
                total="" if total is None else display.score(total))


def d_table(result: GradingResult, d_list: pd.DataFrame, title: str, limit: int, lang: str,
            with_branch: bool = True) -> Table:
    """Return the first ``limit`` D-class firms, with a caption counting the ones left out."""
    from zongheng.enterprise.export import localised

    h = grade_heading
    grid = new_table(title)
    shown = localised(result, d_list.head(limit), lang)
    reasons = [str(v) for v in shown[result.headers(lang)["reason"]]] if len(shown) else []
    with_reason = any(r.strip() and r != "nan" for r in reasons)  # else an empty column
    labels = [h("rank"), h("name"), *([h("branch")] if with_branch else []), h("total"),
              h("percentile"), h("weakest"), *([h("reason")] if with_reason else [])]
    for label in labels:
        right = label in (h("rank"), h("total"), h("percentile"))
        grid.add_column(label, justify="right" if right else "left", no_wrap=right, overflow="fold")
    weak = [c for c in d_list.columns if c.startswith("weakest_") and not c.endswith("_share")]
    sep = "\n"  # one indicator a line: a name and its share are not split across lines
    for i in range(len(shown)):
        raw = d_list.iloc[i]
        weakest = sep.join(f"{shown.iloc[i][result.headers(lang)[c]]} {display.percent(raw[c + '_share'])}"
                           for c in weak if isinstance(raw[c], str))
        branch = [str(shown.iloc[i][result.headers(lang)["branch"]])] if with_branch else []
        grid.add_row(whole(raw["rank"]), str(raw["name"]), *branch, display.score(raw["total"]),
                     display.percent(raw["percentile"]), weakest,
                     *([reasons[i] if reasons[i] != "nan" else ""] if with_reason else []))
    if len(d_list) > limit:
        grid.note = h("more").format(n=len(d_list) - limit)
    elif len(d_list) == 0:
        grid.note = h("none")
    return grid


# -- attainment ----------------------------------------------------------------------------------

_COLOURS = {"green": "green", "yellow": "yellow", "red": "red"}
_BASIS = {"yoy": ("同比", "year-on-year"), "trend": ("趋势", "trend")}
_RULE_MARK = {">=": "≥", "<=": "≤"}


def _light(value: object) -> Text:
    from zongheng.analysis.attainment import value_label

    word = value_label("light", value)
    if value not in _COLOURS:
        return Text(word)
    return Text(f"● {word}", style=f"bold {_COLOURS[value]}")  # type: ignore[index]


def _yes_no(value: object) -> str:
    """Show a yes/no indicator's value (1 done, 0 not) as 是/否."""
    if is_missing(value):
        return display.MISSING
    return text("cli_yes") if float(value) >= 1 else text("cli_no")


def _flag_bool(value: object) -> str:
    """Show whether an indicator is attained as 是/否 (missing: —)."""
    if is_missing(value):
        return display.MISSING
    return text("cli_yes") if bool(value) else text("cli_no")


def _attainment_gap(rec: dict) -> str:
    """Say how far from the target a value is, whichever the direction: 超目标 0.6 / 差目标 0.9."""
    if rec["rule"] == "yes" or is_missing(rec["gap"]):
        return display.MISSING
    ahead = float(rec["gap"]) * (-1.0 if rec["rule"] == "<=" else 1.0)
    size = display.value(abs(ahead))
    if size == "0":
        return text("cli_att_at")
    return text("cli_att_ahead" if ahead > 0 else "cli_att_short", x=size)


def _category(value: object, lang: str) -> str:
    from zongheng.analysis.attainment import value_label

    word = value_label("category", value, lang)
    return {"约束性": text("cli_att_binding"), "预期性": text("cli_att_expected")}.get(str(value), word)


def print_attainment(frame: pd.DataFrame, totals: pd.Series, unit: str, period: object,
                     rule: WarningRule, lang: str, synthetic: bool) -> None:
    """Print one unit's attainment table (``analysis.attainment``), its summary and the rule.

    The warning light comes right after the code, so it survives the narrowest terminal; a
    yes/no indicator shows 是/否; the gap says 超目标/差目标 whichever way the target points.
    """
    from zongheng.analysis.attainment import value_label

    out = console()
    columns = ["code", "light", "indicator", "category", "target", "value", "gap", "attained",
               "change", "trend"]
    numbers = ("target", "value", "gap", "change")
    name_col = "name_en" if lang == "en" else "name"
    aspect_col = "aspect_name_en" if lang == "en" else "aspect_name"
    sections: list[tuple[str, list[list[Any]]]] = []
    for aspect, rows in frame.groupby("aspect", sort=False):
        title = rows[aspect_col].iloc[0] or rows["aspect_name"].iloc[0] or str(aspect)
        lines: list[list[Any]] = []
        sections.append((title, lines))
        for rec in rows.to_dict("records"):
            yes_no = rec["rule"] == "yes"
            name = _named(rec[name_col] or rec["name"], None if yes_no else rec["measure"])
            mark = _RULE_MARK.get(rec["rule"], "")
            target = _yes_no(rec["target"]) if yes_no else f"{mark}{display.value(rec['target'])}"
            value = _yes_no(rec["value"]) if yes_no else display.value(rec["value"])
            moved = display.MISSING if yes_no and rec["change"] == 0 else raw_change(rec["change"])
            if not is_missing(rec["change_dir"]):
                word = value_label("change_dir", rec["change_dir"], lang)
                moved = word if yes_no or moved in ("0", display.MISSING) else f"{moved} {word}"
            lines.append([rec["indicator"], _light(rec["light"]), name, _category(rec["category"], lang),
                          target, value, _attainment_gap(rec), _flag_bool(rec["attained"]), moved,
                          value_label("trend", rec["trend"], lang)])
    headers = {c: text(f"cli_att_{c}") for c in columns}
    cells = {c: [str(line[i]) for _, lines in sections for line in lines] for i, c in enumerate(columns)}
    # On a narrow terminal the codes give way, then 达标 (the gap says it: 超目标/差目标) and
    # 属性: the light, the name and the trend (the last column) stay whole.
    shown = fit_columns(columns, headers, cells, out.width, folds={"indicator": 16},
                        optional=("code", "attained", "category"))
    grid = new_table(text("cli_att_title", unit=unit, period=period))
    for col in shown:
        grid.add_column(headers[col], justify="right" if col in numbers else "left",
                        no_wrap=col != "indicator", overflow="fold")
    at = shown.index("indicator")
    for title, lines in sections:
        grid.add_row(*([""] * at), Text(title, style="bold"))
        for line in lines:
            grid.add_row(*(line[columns.index(c)] for c in shown))
        grid.add_section()
    out.print(grid)
    pct = display.percent(totals["attained_pct"] / 100) if not is_missing(totals["attained_pct"]) \
        else display.MISSING
    out.print(text("cli_att_summary", pct=pct, **{k: int(totals[k]) for k in (
        "attained", "assessed", "binding", "binding_attained", "green", "yellow", "red")}),
        markup=False)
    basis = _BASIS[rule.basis][1 if lang == "en" else 0]
    out.print(text("cli_att_rule", near=f"{rule.near:.0%}", basis=basis,
                   tolerance=f"{rule.tolerance:.0%}", window=rule.window), markup=False)
    if synthetic:
        out.print(text("cli_att_synthetic"), markup=False)
