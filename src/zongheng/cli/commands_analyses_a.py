"""Commands ``progress`` (纵向比进步) and ``rank`` (横向比进位, with award rules)."""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from zongheng.analysis.progress import (
    IncomparableScoresWarning,
    most_improved,
    node_position,
    period_position,
    previous_position,
    progress,
)
from zongheng.analysis.ranking import AwardResult, evaluate_award, ranking_table
from zongheng.cli.app import app
from zongheng.cli.common import (
    DataArg,
    DatasetOpt,
    FrameworkArg,
    JsonOpt,
    LangOpt,
    MethodOpt,
    SheetOpt,
    UnitsOpt,
    console,
    echo_json,
    fmt,
    heading,
    load_evaluation,
    run,
    use_lang,
)
from zongheng.evaluation import Evaluation
from zongheng.i18n import get_lang, register_messages, text

register_messages({
    "cli_most_improved": ("进步最大 · {node} · {period} 较 {previous}",
                          "Most improved · {node} · {period} vs {previous}"),
    "cli_progress": ("纵向比进步 · {node} · {period}（基期 {base}）",
                     "Progress · {node} · {period} (base {base})"),
    "cli_ranking": ("横向比进位 · {node} · {period}", "Ranking · {node} · {period}"),
    "cli_award": ("{award} · {period} 获奖名单", "{award} · {period} winners"),
    "cli_streak": ("{streak} · {period}: {units}", "{streak} · {period}: {units}"),
    "cli_no_winner": ("（无）", "(none)"),
    "col_place": ("进步名次", "Place"),
    "col_score": ("得分", "Score"),
    "col_score_change": ("较上期", "Change"),
    "col_score_change_base": ("较基期", "vs base"),
    "col_previous_rank": ("上期排名", "Previous rank"),
    "col_rank_change": ("位次变化", "Places climbed"),
    "col_rank_change_base": ("较基期位次", "Places vs base"),
    "col_group_rank_change": ("组内位次变化", "Places in group"),
    "col_rule": ("获奖规则", "Rule"),
    "col_run": ("连续获奖次数", "Wins in a row"),
})

NodeOpt = Annotated[str | None, typer.Option(help="节点代码 node code (default: the index)")]
PeriodOpt = Annotated[str | None, typer.Option(help="时期 period to show (default: last)")]


def _signed(value: Any) -> str:
    """Format a rank change with its sign (+2, -1, 0); missing as an em dash."""
    if value is None or value is pd.NA or pd.isna(value):
        return "—"
    return f"{int(value):+d}" if value else "0"


def _change(value: Any) -> str:
    """Format a score change with its sign."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:+.2f}"


def _table(title: str, columns: list[tuple[str, str, bool]], rows: list[list[str]],
           caption: str | None = None) -> Table:
    """Return a rich table from (key, label, right-aligned) columns and formatted rows."""
    table = Table(title=title, caption=caption)
    for _, label, right in columns:
        table.add_column(label, justify="right" if right else "left")
    for row in rows:
        table.add_row(*row)
    return table


# -- progress ------------------------------------------------------------------------------------


def _print_progress(ev: Evaluation, improved: pd.DataFrame, frame: pd.DataFrame, node: str,
                    p: int, base: Hashable, note: str | None) -> None:
    lang = get_lang()
    periods = ev.panel.periods
    label = ev.framework.label(node, lang)
    out = console()
    columns = [("place", text("col_place"), True), ("unit", heading("unit"), False),
               ("name", heading("name"), False), ("score", text("col_score"), True),
               ("score_change", text("col_score_change"), True), ("rank", heading("rank"), True),
               ("rank_change", text("col_rank_change"), True)]
    rows = [[fmt(r["place"]), r["unit"], r["name"], fmt(r["score"]), _change(r["score_change"]),
             fmt(r["rank"]), _signed(r["rank_change"])]
            for r in improved.astype(object).to_dict("records")]
    out.print(_table(text("cli_most_improved", node=label, period=periods[p],
                          previous=periods[p - 1]), columns, rows, note))
    now = frame[frame["period"] == periods[p]].sort_values(["rank", "unit"], na_position="last")
    columns = [("rank", heading("rank"), True), ("rank_change", text("col_rank_change"), True),
               ("rank_change_base", text("col_rank_change_base"), True),
               ("unit", heading("unit"), False), ("name", heading("name"), False),
               ("score", text("col_score"), True), ("score_change", text("col_score_change"), True),
               ("score_change_base", text("col_score_change_base"), True)]
    rows = [[fmt(r["rank"]), _signed(r["rank_change"]), _signed(r["rank_change_base"]), r["unit"],
             r["name"], fmt(r["score"]), _change(r["score_change"]), _change(r["score_change_base"])]
            for r in now.astype(object).to_dict("records")]
    out.print(_table(text("cli_progress", node=label, period=periods[p], base=base), columns, rows))


@app.command("progress")
def progress_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    method: MethodOpt = None,
    base: Annotated[str | None, typer.Option(help="基期 base period (default: first)")] = None,
    node: NodeOpt = None,
    top: Annotated[int, typer.Option(help="进步最大的前 K 名 the K most improved")] = 10,
    period: PeriodOpt = None,
    by: Annotated[str, typer.Option(help="按 score 得分变化或 rank 位次变化 rank by score or rank "
                                         "change")] = "score",
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """纵向比进步 — progress of each unit against its own past, and the most improved."""
    use_lang(lang)
    ev, note = load_evaluation(framework, data, method, dataset, sheet, units)

    def analyse() -> tuple[pd.DataFrame, pd.DataFrame, str, int, Hashable]:
        code = ev.node_codes[node_position(ev, node)]
        p = period_position(ev, period)
        previous_position(ev, p)
        b = ev.panel.periods[0 if base is None else period_position(ev, base, "base")]
        improved = most_improved(ev, period, code, top, by)
        with warnings.catch_warnings():  # most_improved has warned already: say it once
            warnings.simplefilter("ignore", IncomparableScoresWarning)
            frame = progress(ev, base=base, nodes=[code])
        return improved, frame, code, p, b

    improved, frame, code, p, b = run(analyse)
    if as_json:
        echo_json({"node": code, "period": ev.panel.periods[p], "previous": ev.panel.periods[p - 1],
                   "base": b, "by": by, "most_improved": improved, "progress": frame})
        return
    _print_progress(ev, improved, frame, code, p, b, note)


# -- rank ----------------------------------------------------------------------------------------


def _group_label(ev: Evaluation, group: str, lang: str) -> str:
    """Return a group column's declared name in ``lang`` (its code when undeclared)."""
    attr = next((a for a in ev.framework.groups if a.code == group), None)
    if attr is None:
        return group
    first, second = (attr.name_en, attr.name) if lang == "en" else (attr.name, attr.name_en)
    return first or second or group


def _print_ranking(ev: Evaluation, table: pd.DataFrame, groups: list[str], code: str,
                   period: Hashable, top: int | None, note: str | None) -> None:
    lang = get_lang()
    columns = [("rank", heading("rank"), True), ("rank_change", text("col_rank_change"), True)]
    for g in groups:
        columns += [(g, _group_label(ev, g, lang), False), (f"rank_in_{g}", heading("group_rank"), True),
                    (f"rank_change_in_{g}", text("col_group_rank_change"), True)]
    columns += [("unit", heading("unit"), False), ("name", heading("name"), False),
                ("score", text("col_score"), True), ("score_change", text("col_score_change"), True)]
    signed = {"rank_change", *(f"rank_change_in_{g}" for g in groups)}
    rows = []
    for r in (table if top is None else table.head(top)).astype(object).to_dict("records"):
        rows.append([_signed(r[k]) if k in signed else _change(r[k]) if k == "score_change"
                     else fmt(r[k]) for k, _, _ in columns])
    title = text("cli_ranking", node=ev.framework.label(code, lang), period=period)
    console().print(_table(title, columns, rows, note))


def _print_award(result: AwardResult, period: Hashable) -> None:
    winners = result.winners[result.winners["period"] == period]
    columns = [("rule", text("col_rule"), False), ("rank", heading("group_rank"), True),
               ("unit", heading("unit"), False), ("name", heading("name"), False),
               ("score", text("col_score"), True), ("run", text("col_run"), True)]
    rows = [[str(r["rule"]), fmt(r["rank"]), r["unit"], r["name"], fmt(r["score"]), fmt(r["run"])]
            for r in winners.astype(object).to_dict("records")]
    out = console()
    out.print(_table(text("cli_award", award=result.rule.name, period=period), columns, rows))
    if result.rule.streak is not None:
        earned = result.streak_awards[result.streak_awards["period"] == period]
        names = ", ".join(f"{u} {n}" if n != u else str(u)
                          for u, n in zip(earned["unit"], earned["name"], strict=True))
        out.print(text("cli_streak", streak=result.rule.streak.name, period=period,
                       units=names or text("cli_no_winner")), markup=False)


@app.command("rank")
def rank_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    method: MethodOpt = None,
    group: Annotated[list[str] | None, typer.Option(
        "--group", help="分组列 group column, repeatable: ranks and changes within groups")] = None,
    award: Annotated[Path | None, typer.Option(
        help="评奖规则 award rule YAML (default: meta.award of the framework, if any)")] = None,
    period: PeriodOpt = None,
    node: NodeOpt = None,
    top: Annotated[int | None, typer.Option(help="只显示前 N 名 show the top N only")] = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """横向比进位 — ranks overall and within groups, rank changes, and award winners."""
    use_lang(lang)
    ev, note = load_evaluation(framework, data, method, dataset, sheet, units)
    groups = list(group or [])

    def analyse() -> tuple[pd.DataFrame, AwardResult | None, str, Hashable]:
        code = ev.node_codes[node_position(ev, node)]
        shown = ev.panel.periods[period_position(ev, period)]
        table = ranking_table(ev, period, groups, node=code)
        rule: Any = award if award is not None else ev.framework.meta.get("award")
        return table, (evaluate_award(ev, rule) if rule is not None else None), code, shown

    table, result, code, shown = run(analyse)
    if as_json:
        doc: dict[str, Any] = {"node": code, "period": shown, "groups": groups, "ranking": table}
        if result is not None:
            doc["award"] = {
                "name": result.rule.name,
                "streak": result.rule.streak.name if result.rule.streak else None,
                "winners": result.winners, "streak_awards": result.streak_awards,
                "current": result.current}
        echo_json(doc)
        return
    _print_ranking(ev, table, groups, code, shown, top, note)
    if result is not None:
        _print_award(result, shown)
