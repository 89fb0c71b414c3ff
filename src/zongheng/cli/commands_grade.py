"""Command ``grade`` (亩均效益评价): grade enterprises A/B/C/D and list the D firms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from zongheng.cli.app import app
from zongheng.cli.common import JsonOpt, LangOpt, SheetOpt, console, echo_json, fail, fmt, run, use_lang
from zongheng.enterprise import GRADES, GradingResult, bundled_table, grade_enterprises, read_rule
from zongheng.enterprise.export import document, localised, write_result
from zongheng.i18n import get_lang

SYNTHETIC_NOTE = "演示数据为合成数据 (synthetic demo data)"

_HEADINGS: dict[str, tuple[str, str]] = {
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


def _h(key: str) -> str:
    zh, en = _HEADINGS[key]
    return en if get_lang() == "en" else zh


def _distribution_table(result: GradingResult, lang: str) -> Table:
    table = Table(title=_h("distribution"),
                  caption=" · ".join(f"{g} {result.rule.label(g, lang)}" for g in GRADES))
    for label in (_h("branch"), _h("firms"), _h("graded"), *GRADES, _h("not_graded")):
        table.add_column(label, justify="left" if label == _h("branch") else "right")
    names = {b.name: b.label(lang) for b in result.rule.branches} | {"all": _h("all")}
    for row in result.distribution.to_dict("records"):
        cells = [names[row["branch"]], str(row["firms"]), str(row["graded"])]
        cells += [f"{row[g]} ({row[f'{g}_share']:.1%})" if row["graded"] else "0" for g in GRADES]
        cells.append(str(row["not_graded"]))
        table.add_row(*cells)
    return table


def _benchmark_table(result: GradingResult, lang: str) -> Table:
    frame = localised(result, result.benchmarks, lang)
    efficacy = result.rule.scoring == "efficacy"
    table = Table(title=_h("benchmarks"))
    columns = [_h("branch"), _h("indicator"), _h("weight")]
    columns += [result.headers(lang)["low"], result.headers(lang)["high"]] if efficacy else [_h("benchmark")]
    for label in columns:
        table.add_column(label, justify="left" if label in columns[:2] else "right")
    source = result.benchmarks
    for i, row in enumerate(frame.itertuples(index=False)):  # one row per branch and indicator
        cells = [str(row[0]), str(row[1]), fmt(source["weight"].iloc[i], 0)]
        cells += ([fmt(source["low"].iloc[i], 4), fmt(source["high"].iloc[i], 4)] if efficacy
                  else [fmt(source["benchmark"].iloc[i], 4)])
        table.add_row(*cells)
    return table


def _d_table(result: GradingResult, d_list: pd.DataFrame, title: str, limit: int, lang: str,
             with_branch: bool = True) -> Table:
    table = Table(title=title)
    labels = [_h("rank"), _h("name"), *([_h("branch")] if with_branch else []), _h("total"),
              _h("percentile"), _h("weakest"), _h("reason")]
    for label in labels:
        table.add_column(label, justify="right" if label in (_h("rank"), _h("total"), _h("percentile"))
                         else "left")
    shown = localised(result, d_list.head(limit), lang)
    weak = [c for c in d_list.columns if c.startswith("weakest_") and not c.endswith("_share")]
    sep = "、" if lang != "en" else ", "
    for i in range(len(shown)):
        raw = d_list.iloc[i]
        weakest = sep.join(f"{shown.iloc[i][result.headers(lang)[c]]} {raw[c + '_share']:.2f}"
                           for c in weak if isinstance(raw[c], str))
        branch = [str(shown.iloc[i][result.headers(lang)["branch"]])] if with_branch else []
        table.add_row(fmt(raw["rank"]), str(raw["name"]), *branch, fmt(raw["total"]),
                      fmt(raw["percentile"], 3), weakest, str(shown.iloc[i][result.headers(lang)["reason"]]))
    if len(d_list) > limit:
        table.caption = _h("more").format(n=len(d_list) - limit)
    elif len(d_list) == 0:
        table.caption = _h("none")
    return table


@app.command("grade")
def grade_command(
    table: Annotated[Path | None, typer.Argument(
        help="企业基础数据表 enterprise table: .csv (UTF-8/GBK), .xlsx")] = None,
    rule: Annotated[Path | None, typer.Option("--rule", "-r", help="评价办法 grading rule YAML")] = None,
    by_branch: Annotated[bool, typer.Option(
        "--by-branch", help="分组分别列出 D 类名单与结果工作表 D list and sheets per branch")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="输出 .xlsx | .csv | .json")] = None,
    as_json: JsonOpt = False,
    demo: Annotated[bool, typer.Option(
        "--demo", help="使用内置永康合成数据 use the bundled synthetic 永康 table")] = False,
    sheet: SheetOpt = None,
    limit: Annotated[int, typer.Option(help="D 类名单最多显示行数 rows of the D list shown")] = 20,
    lang: LangOpt = "zh",
) -> None:
    """亩均效益评价 — grade enterprises A/B/C/D and list the D firms for 低效整治."""
    use_lang(lang)
    if demo and table is not None:
        fail("give either TABLE or --demo, not both")
    if not demo and table is None:
        fail("TABLE is required (or use --demo)")
    source = bundled_table() if demo else table

    def grade() -> GradingResult:
        grading_rule = read_rule(rule) if rule is not None else None
        return grade_enterprises(source, grading_rule, sheet=sheet)

    result: GradingResult = run(grade)
    synthetic = demo or (source is not None and Path(source).resolve() == bundled_table().resolve())
    if as_json:
        echo_json({"synthetic": synthetic, "note": SYNTHETIC_NOTE if synthetic else None,
                   **document(result, grades=False)})
    else:
        out = console()
        if synthetic:
            out.print(SYNTHETIC_NOTE, markup=False)
        out.print(_distribution_table(result, lang))
        out.print(_benchmark_table(result, lang))
        if by_branch:
            for b in result.rule.branches:
                d = result.d_list[result.d_list["branch"] == b.name]
                out.print(_d_table(result, d, f"{_h('d_list')} · {b.label(lang)}", limit, lang,
                                   with_branch=False))
        else:
            out.print(_d_table(result, result.d_list, _h("d_list"), limit, lang))
    if output is not None:
        try:
            written = write_result(result, output, lang=lang, by_branch=by_branch)
        except ValueError as exc:
            fail(str(exc))
        if not as_json:
            console().print(f"{_h('written')}: {written}", markup=False)
