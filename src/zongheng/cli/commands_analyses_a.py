"""Commands ``progress`` (纵向比进步) and ``rank`` (横向比进位, with award rules)."""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
    check_file,
    check_group,
    console,
    echo_json,
    fail,
    file_problems,
    flag,
    heading,
    load_evaluation,
    names_differ,
    run,
    use_lang,
    whole,
)
from zongheng.cli.render import places, print_award, print_ranking, table
from zongheng.errors import MethodError
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.analysis.ranking import AwardResult
    from zongheng.evaluation import Evaluation

register_messages({
    "cli_most_improved": ("进步最大 · {node} · {period} 较 {previous}",
                          "Most improved · {node} · {period} vs {previous}"),
    "cli_progress": ("纵向比进步 · {node} · {period}（基期 {base}）",
                     "Progress · {node} · {period} (base {base})"),
    "col_place": ("进步名次", "Place"),
    "col_score_change_base": ("较基期", "vs base"),
    "col_previous_rank": ("上期排名", "Previous rank"),
    "col_rank_change_base": ("较基期升降", "± vs base"),
    "cli_progress_one_period": (
        "数据只有一个时期（{period}），纵向比进步需要至少两期数据",
        "the data have one period only ({period}): progress needs at least two",
    ),
    "cli_progress_more": ("另有 {n} 个单位未列出（用 --top 调整，或 --all 列出全部）",
                          "{n} more unit(s) not listed (see --top, or --all for every unit)"),
})

NodeOpt = Annotated[str | None, typer.Option(help="节点代码 node code (default: the index)")]
PeriodOpt = Annotated[str | None, typer.Option(help="时期 period to show (default: last)")]


# -- progress ------------------------------------------------------------------------------------


def _print_progress(ev: Evaluation, improved: pd.DataFrame, frame: pd.DataFrame, node: str,
                    p: int, base: Hashable, note: str | None, top: int | None) -> None:
    """Print the most improved, then the progress of every unit by rank (the first ``top``)."""
    from zongheng import display

    lang = get_lang()
    periods = ev.panel.periods
    label = ev.framework.label(node, lang)
    out = console()
    now = frame[frame["period"] == periods[p]].sort_values(["rank", "unit"], na_position="last")
    name = [("name", heading("name"), False)] if names_differ(now["unit"], now["name"]) else []
    columns = [("place", text("col_place"), True), ("unit", heading("unit"), False), *name,
               ("score", text("col_score"), True), ("score_change", text("col_score_change"), True),
               ("rank", heading("rank"), True), ("rank_change", text("col_rank_change"), True)]
    rows = [[whole(r["place"]), str(r["unit"]), *([str(r["name"])] if name else []),
             display.score(r["score"]), display.signed(r["score_change"]), whole(r["rank"]),
             places(r["rank_change"])]
            for r in improved.astype(object).to_dict("records")]
    out.print(table(text("cli_most_improved", node=label, period=periods[p],
                         previous=periods[p - 1]), columns, rows, note))
    columns = [("rank", heading("rank"), True), ("rank_change", text("col_rank_change"), True),
               ("rank_change_base", text("col_rank_change_base"), True),
               ("unit", heading("unit"), False), *name,
               ("score", text("col_score"), True), ("score_change", text("col_score_change"), True),
               ("score_change_base", text("col_score_change_base"), True)]
    shown = now if top is None else now.head(top)
    rows = [[whole(r["rank"]), places(r["rank_change"]), places(r["rank_change_base"]), str(r["unit"]),
             *([str(r["name"])] if name else []), display.score(r["score"]),
             display.signed(r["score_change"]), display.signed(r["score_change_base"])]
            for r in shown.astype(object).to_dict("records")]
    out.print(table(text("cli_progress", node=label, period=periods[p], base=base), columns, rows))
    if len(shown) < len(now):
        out.print(text("cli_progress_more", n=len(now) - len(shown)), markup=False)


@app.command("progress")
def progress_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    method: MethodOpt = None,
    base: Annotated[str | None, typer.Option(help="基期 base period (default: first)")] = None,
    node: NodeOpt = None,
    top: Annotated[int, typer.Option(min=1, help=(
        "只显示前 N 名：进步最大的 N 个，与排名前 N 的进步表 the N most improved, and the first N "
        "by rank in the progress table (--all: every unit)"))] = 10,
    period: PeriodOpt = None,
    by: Annotated[str, typer.Option(help="按 score 得分变化或 rank 位次变化 rank by score or rank "
                                         "change")] = "score",
    all_units: Annotated[bool, flag("--all", help="列出全部单位的进步表 list every unit's progress "
                                                  "(default: the first --top by rank)")] = False,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """纵向比进步 — progress of each unit against its own past, and the most improved."""
    from zongheng.analysis.progress import (
        IncomparableScoresWarning,
        most_improved,
        node_position,
        period_position,
        previous_position,
        progress,
    )

    use_lang(lang)
    ev, note = load_evaluation(framework, data, method, dataset, sheet, units)
    if len(ev.panel.periods) < 2:  # a problem of the data, not of the method ("键 period")
        fail(text("cli_progress_one_period", period=ev.panel.periods[0]))
    # The library names these by parameter ("键 k"); the user typed options.
    options = {"k": "--top", "by": "--by", "base": "--base" if base is not None else None,
               "node": "--node" if node is not None else None,
               "period": "--period" if period is not None else None}

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

    improved, frame, code, p, b = run(analyse, options)
    if as_json:
        echo_json({"node": code, "period": ev.panel.periods[p], "previous": ev.panel.periods[p - 1],
                   "base": b, "by": by, "most_improved": improved, "progress": frame})
        return
    _print_progress(ev, improved, frame, code, p, b, note, None if all_units else top)


# -- rank ----------------------------------------------------------------------------------------


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
    top: Annotated[int | None, typer.Option(min=1, help="只显示前 N 名 show the top N only")] = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """横向比进位 — ranks overall and within groups, rank changes, and award winners."""
    from zongheng.analysis.progress import node_position, period_position
    from zongheng.analysis.ranking import evaluate_award, ranking_table

    use_lang(lang)
    check_file(award, "--award")
    ev, note = load_evaluation(framework, data, method, dataset, sheet, units)
    groups = list(group or [])
    for g in groups:
        check_group(ev, g)
    options = {"node": "--node" if node is not None else None,
               "period": "--period" if period is not None else None}

    def award_result() -> AwardResult | None:
        if award is None:
            rule = ev.framework.meta.get("award")
            return evaluate_award(ev, rule) if rule is not None else None
        try:
            return evaluate_award(ev, award)
        except MethodError as exc:  # a problem of the file --award names, not of the method
            fail(file_problems(exc, "--award", award))

    def analyse() -> tuple[pd.DataFrame, AwardResult | None, str, Hashable]:
        code = ev.node_codes[node_position(ev, node)]
        shown = ev.panel.periods[period_position(ev, period)]
        ranking = ranking_table(ev, period, groups, node=code)
        return ranking, award_result(), code, shown

    ranking, result, code, shown = run(analyse, options)
    if as_json:
        doc: dict[str, Any] = {"node": code, "period": shown, "groups": groups, "ranking": ranking}
        if result is not None:
            doc["award"] = {
                "name": result.rule.name,
                "streak": result.rule.streak.name if result.rule.streak else None,
                "winners": result.winners, "streak_awards": result.streak_awards,
                "current": result.current}
        echo_json(doc)
        return
    print_ranking(ev, ranking, groups, code, shown, top, note)
    if result is not None:
        print_award(result, shown)
