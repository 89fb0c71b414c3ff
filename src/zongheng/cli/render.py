"""Renderers (输出表格): the rich tables that more than one command prints.

``rank`` and ``demo`` print rankings and award winners, ``strengths`` and ``demo`` the
strengths table, ``grade`` and ``demo`` the 亩均 tables, ``attainment`` and ``demo`` the
attainment table. Each renderer takes a finished result and prints it; none computes.
The gap and path tables, which ``demo`` prints too, still live with their commands
(``commands_analyses_b._print_gap``, ``commands_analyses_c._print_path``) while those
commands are being reworked elsewhere; they belong here once that work has landed.
Like every CLI module this one imports only typer, rich and light zongheng modules at the
top, so that ``zongheng --help`` starts at once.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from zongheng.cli.common import console, fmt, heading, is_missing
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.analysis.attainment import WarningRule
    from zongheng.analysis.ranking import AwardResult
    from zongheng.enterprise import GradingResult
    from zongheng.evaluation import Evaluation
    from zongheng.framework import Framework

__all__ = [
    "benchmark_table", "change", "d_table", "distribution_table",
    "grade_heading", "print_attainment", "print_award", "print_ranking", "print_strengths", "signed",
    "table",
]

register_messages({
    "cli_ranking": ("横向比进位 · {node} · {period}", "Ranking · {node} · {period}"),
    "cli_award": ("{award} · {period} 获奖名单", "{award} · {period} winners"),
    "cli_streak": ("{streak} · {period}: {units}", "{streak} · {period}: {units}"),
    "cli_no_winner": ("（无）", "(none)"),
    "col_score": ("得分", "Score"),
    "col_score_change": ("较上期", "Change"),
    "col_rank_change": ("位次变化", "Places climbed"),
    "col_group_rank_change": ("组内位次变化", "Places in group"),
    "col_rule": ("获奖规则", "Rule"),
    "col_run": ("连续获奖次数", "Wins in a row"),
    "strcli_title": ("找问题 · {unit} · {period}{scope}", "Strengths and weaknesses · {unit} · "
                     "{period}{scope}"),
    "strcli_scope": ("（{group}={label} 组内）", " (within {group}={label})"),
    "strcli_no_previous": ("没有上一期数据，无法列出退步指标",
                           "No previous period: declines cannot be listed"),
    "strcli_previous": ("退步指标较 {period}", "Declines vs {period}"),
    "strcli_nothing": ("没有符合条件的指标", "No indicator qualifies"),
    "strcli_kind": ("类型", "Kind"),
    "strcli_indicator": ("指标", "Indicator"),
    "strcli_dimension": ("维度", "Dimension"),
    "strcli_rank": ("组内排名", "Rank in group"),
    "strcli_normalised": ("标准化值", "Normalised"),
    "strcli_value": ("原始值", "Raw value"),
    "strcli_measure": ("计量单位", "Unit of measure"),
    "strcli_change": ("较上期", "Change"),
    "strcli_department": ("牵头单位", "Lead department"),
    "strcli_kind_strength": ("优势", "Strength"),
    "strcli_kind_weakness": ("短板", "Weakness"),
    "strcli_kind_declined": ("退步", "Declined"),
    "cli_att_title": ("目标达成与预警 · {unit} · {period}", "Attainment and warnings · {unit} · {period}"),
    "cli_att_summary": (
        "达标 {attained}/{assessed}（{pct}）· 约束性指标达标 {binding_attained}/{binding} · "
        "预警: 绿 {green} · 黄 {yellow} · 红 {red}",
        "Attained {attained}/{assessed} ({pct}) · binding attained {binding_attained}/{binding} · "
        "lights: green {green} · yellow {yellow} · red {red}",
    ),
    "cli_att_synthetic": ("演示数据为合成数据 (synthetic demo data)",
                          "synthetic demo data (演示数据为合成数据)"),
    "cli_att_rule": (
        "预警规则: 接近目标 {near} 以内 · 依据 {basis} · 稳定阈值 {tolerance} · 趋势 {window} 期",
        "Warning rule: near within {near} · basis {basis} · stable within {tolerance} · "
        "trend over {window} periods",
    ),
})


# -- shared formatting ---------------------------------------------------------------------------


def table(title: str, columns: list[tuple[str, str, bool]], rows: list[list[str]],
          caption: str | None = None) -> Table:
    """Return a rich table from (key, label, right-aligned) columns and formatted rows."""
    grid = Table(title=title, caption=caption)
    for _, label, right in columns:
        grid.add_column(label, justify="right" if right else "left")
    for row in rows:
        grid.add_row(*row)
    return grid


def signed(value: Any) -> str:
    """Format a rank change with its sign (+2, -1, 0); missing as an em dash."""
    if is_missing(value):
        return "—"
    return f"{int(value):+d}" if value else "0"


def change(value: Any) -> str:
    """Format a score change with its sign."""
    if is_missing(value):
        return "—"
    return f"{value:+.2f}"


# -- rank ----------------------------------------------------------------------------------------


def _group_label(ev: Evaluation, group: str, lang: str) -> str:
    """Return a group column's declared name in ``lang`` (its code when undeclared)."""
    attr = next((a for a in ev.framework.groups if a.code == group), None)
    if attr is None:
        return group
    first, second = (attr.name_en, attr.name) if lang == "en" else (attr.name, attr.name_en)
    return first or second or group


def print_ranking(ev: Evaluation, frame: pd.DataFrame, groups: list[str], code: str,
                  period: Hashable, top: int | None, note: str | None) -> None:
    """Print a ranking table (``ranking_table``): ranks overall and in groups, changes, scores."""
    lang = get_lang()
    columns = [("rank", heading("rank"), True), ("rank_change", text("col_rank_change"), True)]
    for g in groups:
        columns += [(g, _group_label(ev, g, lang), False), (f"rank_in_{g}", heading("group_rank"), True),
                    (f"rank_change_in_{g}", text("col_group_rank_change"), True)]
    columns += [("unit", heading("unit"), False), ("name", heading("name"), False),
                ("score", text("col_score"), True), ("score_change", text("col_score_change"), True)]
    with_sign = {"rank_change", *(f"rank_change_in_{g}" for g in groups)}
    rows = []
    for r in (frame if top is None else frame.head(top)).astype(object).to_dict("records"):
        rows.append([signed(r[k]) if k in with_sign else change(r[k]) if k == "score_change"
                     else fmt(r[k]) for k, _, _ in columns])
    title = text("cli_ranking", node=ev.framework.label(code, lang), period=period)
    console().print(table(title, columns, rows, note))


def print_award(result: AwardResult, period: Hashable) -> None:
    """Print an award rule's winners in ``period`` and the units that earned its streak award."""
    winners = result.winners[result.winners["period"] == period]
    columns = [("rule", text("col_rule"), False), ("rank", heading("group_rank"), True),
               ("unit", heading("unit"), False), ("name", heading("name"), False),
               ("score", text("col_score"), True), ("run", text("col_run"), True)]
    rows = [[str(r["rule"]), fmt(r["rank"]), r["unit"], r["name"], fmt(r["score"]), fmt(r["run"])]
            for r in winners.astype(object).to_dict("records")]
    out = console()
    out.print(table(text("cli_award", award=result.rule.name, period=period), columns, rows))
    if result.rule.streak is not None:
        earned = result.streak_awards[result.streak_awards["period"] == period]
        names = ", ".join(f"{u} {n}" if n != u else str(u)
                          for u, n in zip(earned["unit"], earned["name"], strict=True))
        out.print(text("cli_streak", streak=result.rule.streak.name, period=period,
                       units=names or text("cli_no_winner")), markup=False)


# -- strengths -----------------------------------------------------------------------------------

_TEXT_COLUMNS = ("kind", "indicator", "dimension", "measure", "department")


def _label(framework: Framework, code: str) -> str:
    return framework.label(code, get_lang())


def print_strengths(ev: Evaluation, frame: pd.DataFrame) -> None:
    """Print the table of ``analysis.strengths.strengths``: strong, weak and declining indicators."""
    fw = ev.framework
    attrs = frame.attrs
    names = dict(zip(ev.panel.units, ev.panel.names(), strict=True))
    unit = attrs["unit"] if names[attrs["unit"]] == attrs["unit"] else \
        f"{names[attrs['unit']]} ({attrs['unit']})"
    scope = "" if attrs["group"] is None else text("strcli_scope", group=attrs["group"],
                                                   label=attrs["label"])
    grid = Table(title=text("strcli_title", unit=unit, period=attrs["period"], scope=scope))
    for key in ("kind", "indicator", "dimension", "rank", "normalised", "value", "measure", "change",
                "department"):
        grid.add_column(text(f"strcli_{key}"), justify="left" if key in _TEXT_COLUMNS else "right")
    for r in frame.to_dict("records"):
        grid.add_row(text(f"strcli_kind_{r['kind']}"), _label(fw, r["indicator"]),
                     _label(fw, r["dimension"]), f"{r['rank']}/{r['group_size']}",
                     fmt(r["normalised"]), fmt(r["value"]), r["unit_of_measure"] or "—",
                     fmt(r["change"]), r["department"] or "—")
    out = console()
    out.print(grid)
    if frame.empty:
        out.print(text("strcli_nothing"), markup=False)
    if attrs["previous_period"] is None:
        out.print(text("strcli_no_previous"), markup=False)
    else:
        out.print(text("strcli_previous", period=attrs["previous_period"]), markup=False)


# -- 亩均 grading --------------------------------------------------------------------------------

_GRADE_HEADINGS: dict[str, tuple[str, str]] = {
    "distribution": ("等级分布", "Grade distribution"),
    "d_list": ("D类企业名单（低效整治）", "D-class firms (for rectification)"),
    "benchmarks": ("基准值", "Benchmarks"),
    "branch": ("分组", "Branch"), "firms": ("企业数", "Firms"), "graded": ("定级", "Graded"),
    "not_graded": ("未定级", "Not graded"), "all": ("合计", "All"), "rank": ("排名", "Rank"),
    "name": ("企业名称", "Name"), "total": ("总分", "Total"), "percentile": ("位次", "Percentile"),
    "weakest": ("短板指标（得分率）", "Weakest indicators (score share)"), "reason": ("说明", "Note"),
    "indicator": ("指标", "Indicator"), "weight": ("权重", "Weight"), "benchmark": ("基准值", "Benchmark"),
    "more": ("… 另有 {n} 家，见输出文件", "… {n} more; see the output file"),
    "written": ("已写入", "Written"), "none": ("无", "none"),
}


def grade_heading(key: str) -> str:
    """Return a heading of the 亩均 tables in the current language."""
    zh, en = _GRADE_HEADINGS[key]
    return en if get_lang() == "en" else zh


def distribution_table(result: GradingResult, lang: str) -> Table:
    """Return the grade distribution per branch (firms, graded, A/B/C/D with shares)."""
    from zongheng.enterprise import GRADES

    h = grade_heading
    grid = Table(title=h("distribution"),
                 caption=" · ".join(f"{g} {result.rule.label(g, lang)}" for g in GRADES))
    for label in (h("branch"), h("firms"), h("graded"), *GRADES, h("not_graded")):
        grid.add_column(label, justify="left" if label == h("branch") else "right")
    names = {b.name: b.label(lang) for b in result.rule.branches} | {"all": h("all")}
    for row in result.distribution.to_dict("records"):
        cells = [names[row["branch"]], str(row["firms"]), str(row["graded"])]
        cells += [f"{row[g]} ({row[f'{g}_share']:.1%})" if row["graded"] else "0" for g in GRADES]
        cells.append(str(row["not_graded"]))
        grid.add_row(*cells)
    return grid


def benchmark_table(result: GradingResult, lang: str) -> Table:
    """Return the benchmarks (or efficacy bounds) of each branch and indicator."""
    from zongheng.enterprise.export import localised

    h = grade_heading
    frame = localised(result, result.benchmarks, lang)
    efficacy = result.rule.scoring == "efficacy"
    grid = Table(title=h("benchmarks"))
    columns = [h("branch"), h("indicator"), h("weight")]
    columns += [result.headers(lang)["low"], result.headers(lang)["high"]] if efficacy else [h("benchmark")]
    for label in columns:
        grid.add_column(label, justify="left" if label in columns[:2] else "right")
    source = result.benchmarks
    for i, row in enumerate(frame.itertuples(index=False)):  # one row per branch and indicator
        cells = [str(row[0]), str(row[1]), fmt(source["weight"].iloc[i], 0)]
        cells += ([fmt(source["low"].iloc[i], 4), fmt(source["high"].iloc[i], 4)] if efficacy
                  else [fmt(source["benchmark"].iloc[i], 4)])
        grid.add_row(*cells)
    return grid


def d_table(result: GradingResult, d_list: pd.DataFrame, title: str, limit: int, lang: str,
            with_branch: bool = True) -> Table:
    """Return the first ``limit`` D-class firms, with a caption counting the ones left out."""
    from zongheng.enterprise.export import localised

    h = grade_heading
    grid = Table(title=title)
    labels = [h("rank"), h("name"), *([h("branch")] if with_branch else []), h("total"),
              h("percentile"), h("weakest"), h("reason")]
    for label in labels:
        grid.add_column(label, justify="right" if label in (h("rank"), h("total"), h("percentile"))
                        else "left")
    shown = localised(result, d_list.head(limit), lang)
    weak = [c for c in d_list.columns if c.startswith("weakest_") and not c.endswith("_share")]
    sep = "、" if lang != "en" else ", "
    for i in range(len(shown)):
        raw = d_list.iloc[i]
        weakest = sep.join(f"{shown.iloc[i][result.headers(lang)[c]]} {raw[c + '_share']:.2f}"
                           for c in weak if isinstance(raw[c], str))
        branch = [str(shown.iloc[i][result.headers(lang)["branch"]])] if with_branch else []
        grid.add_row(fmt(raw["rank"]), str(raw["name"]), *branch, fmt(raw["total"]),
                     fmt(raw["percentile"], 3), weakest, str(shown.iloc[i][result.headers(lang)["reason"]]))
    if len(d_list) > limit:
        grid.caption = h("more").format(n=len(d_list) - limit)
    elif len(d_list) == 0:
        grid.caption = h("none")
    return grid


# -- attainment ----------------------------------------------------------------------------------

_COLOURS = {"green": "green", "yellow": "yellow", "red": "red"}
_BASIS = {"yoy": ("同比", "year-on-year"), "trend": ("趋势", "trend")}


def _light(value: object) -> Text:
    from zongheng.analysis.attainment import value_label

    word = value_label("light", value)
    if value not in _COLOURS:
        return Text(word)
    return Text(f"● {word}", style=f"bold {_COLOURS[value]}")  # type: ignore[index]


def _num(value: object) -> str:
    """Return a number with at most two decimals and no trailing zeros (28, 28.9, −0.7)."""
    text_ = fmt(value, 2)
    return text_.rstrip("0").rstrip(".") if "." in text_ else text_


def print_attainment(frame: pd.DataFrame, totals: pd.Series, unit: str, period: object,
                     rule: WarningRule, lang: str, synthetic: bool) -> None:
    """Print one unit's attainment table (``analysis.attainment``), its summary and the rule."""
    from zongheng.analysis.attainment import labels, value_label

    head = labels(lang)
    out = console()
    grid = Table(title=text("cli_att_title", unit=unit, period=period))
    columns = ["indicator", "name", "category", "target", "value", "gap", "attained", "change",
               "trend", "light"]
    for col in columns:
        grid.add_column(head[col], justify="right" if col in ("target", "value", "gap", "change")
                        else "left", no_wrap=col in ("indicator", "light", "attained"),
                        min_width=12 if col == "name" else None,
                        overflow="fold" if col == "name" else "ellipsis")
    name_col = "name_en" if lang == "en" else "name"
    aspect_col = "aspect_name_en" if lang == "en" else "aspect_name"
    for aspect, rows in frame.groupby("aspect", sort=False):
        title = rows[aspect_col].iloc[0] or rows["aspect_name"].iloc[0] or str(aspect)
        grid.add_row("", Text(title, style="bold"))
        for rec in rows.to_dict("records"):
            name = rec[name_col] or rec["name"]
            if rec["measure"]:
                name = f"{name} ({rec['measure']})"
            moved = _num(rec["change"])
            if not is_missing(rec["change_dir"]):
                moved = f"{moved} {value_label('change_dir', rec['change_dir'], lang)}"
            grid.add_row(rec["indicator"], name, value_label("category", rec["category"], lang),
                         _num(rec["target"]), _num(rec["value"]), _num(rec["gap"]),
                         value_label("attained", rec["attained"], lang), moved,
                         value_label("trend", rec["trend"], lang), _light(rec["light"]))
        grid.add_section()
    out.print(grid)
    pct = "—" if is_missing(totals["attained_pct"]) else f"{totals['attained_pct']:.1f}%"
    out.print(text("cli_att_summary", pct=pct, **{k: int(totals[k]) for k in (
        "attained", "assessed", "binding", "binding_attained", "green", "yellow", "red")}),
        markup=False)
    basis = _BASIS[rule.basis][1 if lang == "en" else 0]
    out.print(text("cli_att_rule", near=f"{rule.near:.0%}", basis=basis,
                   tolerance=f"{rule.tolerance:.0%}", window=rule.window), markup=False)
    if synthetic:
        out.print(text("cli_att_synthetic"), markup=False)
