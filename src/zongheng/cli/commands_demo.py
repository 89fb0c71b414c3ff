"""Command ``demo`` (演示): a county analyst's whole job on the bundled demo data, in one run.

永康市 in the 天工鼎 evaluation (ranking in 金华 and among the non-mountain counties,
纵向 progress, 横向 rank change, strengths and weaknesses, the gap to the unit one
place up, the path to 2nd place in 金华 — 保三争二 —, the award simulation), then
永康's ecological-civilisation attainment with warning lights, then the 亩均 grading
of its enterprises. Every result is written to a folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.rule import Rule

from zongheng.cli.app import app
from zongheng.cli.common import (
    LangOpt,
    console,
    display,
    heading,
    new_table,
    plain,
    process_seconds,
    progress_bar,
    run,
    use_lang,
    whole,
)
from zongheng.cli.labels import award_name, dataset_caption
from zongheng.cli.render import (
    cap_note,
    d_table,
    distribution_table,
    print_attainment,
    print_award,
    print_gap,
    print_path,
    print_ranking,
    print_strengths,
)
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    from zongheng.report.brief import UnitBrief

register_messages({
    "demo_banner": ("纵横 zongheng 演示：永康市 天工鼎评价、生态文明建设情况、亩均效益评价",
                    "zongheng demo: 永康市 in the Tiangong Ding evaluation, ecological attainment and the "
                    "per-mu benefit grading"),
    "demo_synthetic": ("注意：演示数据为合成数据（synthetic demo data），县名与分组真实，数值由程序生成，"
                       "不代表任何地区的真实情况。",
                       "Note: the demo data are synthetic: real county names and groupings, generated "
                       "values that describe no real place."),
    "demo_part_tiangong": ("一、天工鼎评价（{period}年）", "1. Tiangong Ding evaluation ({period})"),
    "demo_part_eco": ("二、生态文明建设情况（{unit}，{period}年）", "2. Ecological civilisation ({unit}, "
                      "{period})"),
    "demo_part_muyun": ("三、亩均效益评价（{unit}企业）",
                        "3. Per-mu benefit grading of the enterprises of {unit}"),
    "demo_jinhua": ("金华市", "金华市 (prefecture)"),
    "demo_non_mountain": ("非山区县的前 20 名（天工鼎按此评定）；“组内”为非山区县内名次",
                          "The top 20 of the non-mountain counties (the Tiangong Ding award goes by "
                          "it); \"In group\" is the rank among the non-mountain counties"),
    "demo_history": ("{unit} 纵向比进步：综合得分与名次", "{unit} over time: scores and ranks"),
    "demo_col_period": ("年份", "Year"),
    "demo_col_score": ("综合得分", "Index"),
    "demo_col_rank": ("全省排名", "Rank (province)"),
    "demo_col_group_rank": ("金华排名", "Rank (金华)"),
    "demo_summary": ("{unit} {period}年综合得分 {score} 分，在{group}排第 {rank} 位，全省第 {overall} 位。",
                     "{unit} {period}: index {score}, rank {rank} in {group}, {overall} in the province."),
    "demo_target": ("目标：{goal}（在{group}保持第 {rank} 位、争取第 {target} 位）",
                    "Target: {goal} in {group} (keep rank {rank}, reach rank {target})"),
    "demo_written": ("结果文件", "Files written"),
    "demo_time": ("用时 {seconds:.1f} 秒（含启动）", "Finished in {seconds:.1f} s (start-up included)"),
    "demo_working": ("正在计算：{part}", "Working: {part}"),
    "demo_sampling": ("排名稳健性抽样", "Rank robustness samples"),
    "demo_writing": ("正在生成报告（HTML、Word、Excel）", "Writing the reports (HTML, Word, Excel)"),
    "demo_part_uncertainty": ("四、排名稳健性（权重与方法不确定性）", "4. How robust is the rank?"),
    "demo_uncertainty": (
        "权重（±25%）、标准化与汇总方法随机变化 {samples} 次：{unit}在{group}保住第 {rank} 位或更好的"
        "概率为 {hold}，进入前 {target} 位的概率为 {reach}。",
        "Weights (±25 %), normalisation and aggregation varied {samples} times: {unit} keeps rank "
        "{rank} or better in {group} with probability {hold}, reaches the top {target} with {reach}."),
    "demo_d_list": ("D 类企业名单（低效整治对象，前 15 家）", "D-class firms (低效整治, first 15)"),
})

UNIT = "永康市"
GROUP = "设区市"
MOUNTAIN = "山区26县"


def _title(message: str) -> None:
    console().print(Rule(message, style="bold"))


def _tiangong(out: Path, lang: str) -> tuple[UnitBrief, list[Path]]:
    from zongheng import datasets
    from zongheng.analysis.ranking import ranking_table
    from zongheng.build import build
    from zongheng.io.results import write_evaluation
    from zongheng.report.brief import unit_brief

    def compute() -> tuple:
        ds = datasets.load("tiangong_demo")
        ev = build(ds.framework, ds.panel, ds.method)
        period = ev.panel.periods[-1]
        brief = unit_brief(ev, UNIT, group=GROUP, target_rank=2)
        return ds, ev, period, brief, ranking_table(ev, period, groups=[GROUP, MOUNTAIN])

    # The spinner turns while nothing is printed; the tables come after it.
    ds, ev, period, brief, table = run(compute, status=text("demo_working", part=award_name("天工鼎")))
    _title(text("demo_part_tiangong", period=period))
    jinhua = table[table[GROUP] == "金华市"].sort_values(f"rank_in_{GROUP}")
    print_ranking(ev, jinhua, [GROUP], ev.framework.root.code, period, None,
                  dataset_caption("tiangong_demo", ds.title))
    lowland = table[table[MOUNTAIN].astype(str) == "0"].sort_values(f"rank_in_{MOUNTAIN}")
    top = lowland.head(20)
    if UNIT not in set(top["unit"]):
        top = lowland[lowland[f"rank_in_{MOUNTAIN}"] <= lowland.loc[lowland["unit"] == UNIT,
                                                                    f"rank_in_{MOUNTAIN}"].iloc[0]]
    print_ranking(ev, top, [MOUNTAIN], ev.framework.root.code, period, None,
                  text("demo_non_mountain"))
    _print_history(brief)
    console().print(text("demo_summary", unit=UNIT, period=period, score=display.score(brief.score),
                         group=text("demo_jinhua"), rank=brief.rank,
                         overall=int(brief.peers.loc[brief.peers["unit"] == UNIT, "rank"].iloc[0])),
                    markup=False)
    console().print(text("demo_target", goal=brief.goal or "", group=text("demo_jinhua"),
                         rank=brief.rank, target=brief.target_rank), markup=False)
    print_strengths(ev, brief.strengths)
    if brief.gap is not None:
        print_gap(ev, brief.gap, 10)
    if brief.path is not None:
        print_path(ev, brief.path)
    if brief.award is not None:
        print_award(brief.award, period)
    written = [write_evaluation(ev, out / "天工鼎_评价结果.xlsx", lang=lang),
               write_evaluation(ev, out / "天工鼎_评价结果.csv", lang=lang)]
    written.append(_write_brief_json(brief, out / "天工鼎_永康市_简报.json"))
    return brief, written


def _print_history(brief: UnitBrief) -> None:
    root = brief.evaluation.framework.root.code
    rows = brief.history[brief.history["node"] == root]
    grid = new_table(text("demo_history", unit=brief.name))
    for key in ("demo_col_period", "demo_col_score", "demo_col_rank", "demo_col_group_rank"):
        grid.add_column(text(key), justify="right", no_wrap=True)
    for r in rows.astype(object).to_dict("records"):
        grid.add_row(str(r["period"]), display.score(r["score"]), whole(r["rank"]),
                     whole(r["rank_in_group"]))
    console().print(grid)


def _print_uncertainty(brief: UnitBrief, hold, reach) -> None:
    """Say how likely 保三 and 争二 are when the weights and the method vary."""

    def share(report) -> str:
        return display.percent(report.detail.get("p_top_in_group", report.detail.get("p_top", 0.0)))

    _title(text("demo_part_uncertainty"))
    console().print(text("demo_uncertainty", unit=brief.name, samples=hold.summary["samples"],
                         group=text("demo_jinhua"), rank=brief.rank, hold=share(hold),
                         target=brief.target_rank, reach=share(reach)), markup=False, soft_wrap=True)


def _write_brief_json(brief: UnitBrief, path: Path) -> Path:
    doc = {
        "unit": brief.unit, "period": brief.period, "group": brief.group, "rank": brief.rank,
        "score": brief.score, "target_rank": brief.target_rank,
        "history": brief.history, "progress": brief.progress, "strengths": brief.strengths,
        "gap": brief.gap.to_dict() if brief.gap is not None else None,
        "path": brief.path.to_dict() if brief.path is not None else None,
        "duties": brief.duties, "synthetic": True,
    }
    from zongheng.io.atomic import write_text_atomic

    return write_text_atomic(path, json.dumps(plain(doc), ensure_ascii=False, indent=1))


def _eco(out: Path, lang: str) -> list[Path]:
    from zongheng import datasets
    from zongheng.analysis.attainment import WarningRule, attainment, summary

    ds = datasets.load("eco_yongkang")
    period = ds.panel.periods[-1]
    _title(text("demo_part_eco", unit=UNIT, period=period))
    rule = WarningRule()
    table = attainment(ds.framework, ds.panel, unit=UNIT, period=period, rule=rule)
    print_attainment(table, summary(table).iloc[0], UNIT, period, rule, lang, ds.synthetic)
    path = out / "生态文明_永康市_达标情况.csv"
    from zongheng.report.xlsx import write_attainment_csv  # readable headers, neutralised text

    write_attainment_csv(table, path, lang=lang)
    return [path]


def _muyun(out: Path, lang: str) -> list[Path]:
    from zongheng.enterprise import bundled_table, grade_enterprises, write_result

    _title(text("demo_part_muyun", unit=UNIT))
    result = grade_enterprises(bundled_table())
    printer = console()
    printer.print(distribution_table(result, lang))
    note = cap_note(result, lang)  # the uncapped 黄岩 rule: totals such as 594 need a word
    if note:
        printer.print(note, markup=False, soft_wrap=True)
    printer.print(d_table(result, result.d_list, text("demo_d_list"), 15, lang))
    return [write_result(result, out / "亩均_永康市_企业分级.xlsx", lang=lang, synthetic=True)]


@app.command("demo")
def demo_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出目录 output folder")] = Path("out"),
    lang: LangOpt = "zh",
) -> None:
    """运行演示 — 永康市: 天工鼎评价、生态文明达标、亩均分级，结果写入文件夹."""
    from zongheng import datasets
    from zongheng.report.writers import rank_uncertainty, write_all

    use_lang(lang)
    out = console()
    out.print(text("demo_banner"), style="bold", markup=False, soft_wrap=True)
    out.print(text("demo_synthetic"), style="yellow", markup=False, soft_wrap=True)
    output.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    brief, files = run(lambda: _tiangong(output, get_lang()))
    written += files
    written += run(lambda: _eco(output, get_lang()))
    written += run(lambda: _muyun(output, get_lang()))
    samples = 10_000
    with progress_bar(text("demo_sampling"), samples) as tick:
        hold, reach = run(lambda: rank_uncertainty(brief, samples=samples, progress=tick,
                                                   tops=(brief.rank, brief.target_rank)))
    _print_uncertainty(brief, hold, reach)
    eco = datasets.load("eco_yongkang")
    written += run(lambda: write_all(brief, output, lang=get_lang(), synthetic=True,
                                     eco=(eco.framework, eco.panel), uncertainty=reach),
                   status=text("demo_writing"))
    _title(text("demo_written"))
    for path in written:
        out.print(f"{heading('written')}: {path}", markup=False)
    # Wall time since the process started, as the user waited for it (start-up included).
    out.print(text("demo_time", seconds=process_seconds()), markup=False)
