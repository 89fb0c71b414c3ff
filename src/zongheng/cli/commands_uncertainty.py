"""Command ``uncertainty`` (排名不确定性与敏感性分析)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

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
    check_unit,
    console,
    display,
    echo_json,
    fail,
    fit_columns,
    flag,
    load_evaluation,
    names_differ,
    new_table,
    progress_bar,
    run,
    use_lang,
    whole,
)
from zongheng.cli.lazy import lazy
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.analysis.uncertainty import (
        UncertaintySpec,
        analyse,
        default_spec,
        evaluate,
        plot_sobol,
        read_spec,
        sample,
        sobol,
    )
    from zongheng.analysis.uncertainty.analyse import UncertaintyReport
    from zongheng.analysis.uncertainty.sample import Samples
    from zongheng.analysis.uncertainty.spec import VARY_ITEMS
    from zongheng.evaluation import Evaluation
else:  # imported on first use: ``zongheng --help`` must not load pandas, scipy or the engine
    pd = lazy("pandas")
    analyse = lazy("zongheng.analysis.uncertainty", "analyse")
    default_spec = lazy("zongheng.analysis.uncertainty", "default_spec")
    evaluate = lazy("zongheng.analysis.uncertainty", "evaluate")
    plot_sobol = lazy("zongheng.analysis.uncertainty", "plot_sobol")
    read_spec = lazy("zongheng.analysis.uncertainty", "read_spec")
    sample = lazy("zongheng.analysis.uncertainty", "sample")
    sobol = lazy("zongheng.analysis.uncertainty", "sobol")
    VARY_ITEMS = lazy("zongheng.analysis.uncertainty.spec", "VARY_ITEMS")

register_messages({
    "unccli_title": (
        "排名不确定性 · {period} · {samples:,} 次抽样 · {combinations} 种方法组合 · 用时 {seconds:.2f} 秒",
        "Rank uncertainty · {period} · {samples:,} samples · {combinations} method combination(s) · "
        "{seconds:.2f} s",
    ),
    "unccli_inputs": ("不确定输入: {inputs}", "Uncertain inputs: {inputs}"),
    "unccli_nothing": ("无（全部样本等于名义方法）", "none (every sample is the nominal method)"),
    "unccli_weights": ("权重 {kind}（第 {levels} 层）", "weights {kind} (level {levels})"),
    "unccli_uniform": ("×(1 ± {spread:.0%})", "×(1 ± {spread:.0%})"),
    "unccli_dirichlet": ("狄利克雷 集中度 {value:g}", "Dirichlet, concentration {value:g}"),
    "unccli_exclude": ("逐一剔除 {n} 个节点之一", "leave out one of {n} nodes"),
    "unccli_summary": (
        "平均绝对排名变动 {shift} 位；排名变动超过 {places} 位的单位占 {share}",
        "Mean absolute rank shift {shift} places; share of units moving more than {places} "
        "places {share}",
    ),
    "unccli_nominal": ("名义", "Nominal"),
    "unccli_unit": ("单位", "Unit"),
    "unccli_name": ("名称", "Name"),
    "unccli_group": ("组", "Group"),
    "unccli_nominal_in_group": ("组内名义", "Nominal in group"),
    "unccli_median": ("中位", "Median"),
    "unccli_interval": ("5–95%", "5–95 %"),
    "unccli_p_top": ("P(≤{k})", "P(≤ {k})"),
    "unccli_p_top_in_group": ("组内P(≤{k})", "In group P(≤ {k})"),
    "unccli_shift": ("平均变动", "Mean shift"),
    "unccli_moved": ("P(变动>{n})", "P(moves > {n})"),
    "unccli_unit_line": (
        "{unit}: 名义第 {nominal} 名；P(排名 ≤ {k}) = {p}",
        "{unit}: nominal rank {nominal}; P(rank ≤ {k}) = {p}",
    ),
    "unccli_unit_group": (
        "{group}={label} 组内: 名义第 {nominal} 名；P(组内排名 ≤ {k}) = {p}",
        "within {group}={label}: nominal rank {nominal}; P(rank in group ≤ {k}) = {p}",
    ),
    "unccli_unit_unranked": (
        "{unit}: 在 {period} 的任何抽样中都没有排名（被筛除，或指数得分缺失），没有排名分布",
        "{unit}: not ranked in {period} in any sample (screened out, or no index score): no rank "
        "distribution",
    ),
    "unccli_unit_not_nominal": (
        "{unit}: 名义方法下没有排名（被筛除，或指数得分缺失）；{share} 的抽样给出排名，"
        "以下概率按这些抽样计算",
        "{unit}: not ranked under the nominal method (screened out, or no index score); "
        "{share} of the samples rank it, and the probabilities below are over those",
    ),
    "unccli_unit_no_group": (
        "{unit} 在分组列 {group} 中没有组（空白），没有组内排名",
        "{unit} has no group in the column {group} (blank): no rank within a group",
    ),
    "unccli_rank": ("排名", "Rank"),
    "unccli_rank_in_group": ("组内排名", "Rank in group"),
    "unccli_probability": ("概率", "Probability"),
    "unccli_cumulative": ("累计", "Cumulative"),
    "unccli_sobol_title": (
        "Sobol 敏感性指数（N = {n}，{samples:,} 次运行）",
        "Sobol indices (N = {n}, {samples:,} runs)",
    ),
    "unccli_output": ("输出", "Output"),
    "unccli_input": ("不确定输入", "Input"),
    "unccli_more": ("另有 {n} 个单位未列出（用 --rows 调整）", "{n} more unit(s) not listed (see --rows)"),
    "unccli_group_rows": ("只列出 {group}={label} 组内的 {n} 个单位（用 --rows 列出更多）",
                          "Only the {n} units of {group}={label} are listed (see --rows for more)"),
    "unccli_progress": ("抽样计算", "Sampling"),
    "unccli_written": ("已写入", "Written"),
    "unccli_bad_vary": (
        "--vary 中的 '{item}' 未知；可用: {allowed}", "unknown --vary item '{item}'; known: {allowed}",
    ),
    "unccli_plot_needs_sobol": ("--plot 需要 --sobol", "--plot needs --sobol"),
    "unccli_one_cluster": ("--workers 与 --scheduler 只能给一个", "give --workers or --scheduler, not both"),
    "unccli_narrow": ("终端较窄，部分列未列出（加宽终端或用 --json 查看）",
                      "A narrow terminal: some columns are left out (widen it, or use --json)"),
    "unccli_no_dask": (
        "--workers/--scheduler 需要 Dask（未安装 {module}）：pip install 'zongheng[cluster]'",
        "--workers/--scheduler need Dask ({module} is not installed): pip install 'zongheng[cluster]'",
    ),
    "unccli_cluster_failed": ("无法使用 Dask 集群: {detail}", "the Dask cluster failed: {detail}"),
    "unccli_skipped": (
        "已跳过 {n} 种无法构建的方法组合（共 {samples:,} 次抽样），如 {first}",
        "Skipped {n} method combination(s) that cannot be built ({samples:,} samples), e.g. {first}",
    ),
})


# A problem the library reports at one of these keys is said to be a problem of the option
# (a key only arises when its option was given).
_OPTIONS = {"unit": "--unit", "group": "--group", "period": "--period", "workers": "--workers",
            "top": "--top"}

def _h(key: str, **params: Any) -> str:
    return text(f"unccli_{key}", **params)


def _spec(ev: Evaluation, vary: str | None, spec_file: Path | None) -> UncertaintySpec:
    """Return the spec: ``--vary`` items, each from the spec file when it sets it, else the default."""
    base = read_spec(spec_file) if spec_file is not None else None
    if vary is None:
        items = list(base.to_dict()) if base is not None else ["weights"]
    else:
        items = [v.strip() for v in vary.split(",") if v.strip()]
    unknown = [v for v in items if v not in VARY_ITEMS]
    if unknown:
        fail(_h("bad_vary", item=unknown[0], allowed=", ".join(VARY_ITEMS)))
    return default_spec(ev, items, base=base)


def _describe(ev: Evaluation, samples: Samples) -> str:
    """Say what varies, in one line, in words (极差标准化 / Z 分数标准化, not minmax / zscore)."""
    from zongheng.terms import stage_name, step_text

    spec, layout = samples.spec, samples.layout
    english = get_lang() == "en"
    parts = []
    for w in spec.weights:
        kind = (_h("uniform", spread=w.spread) if w.kind == "uniform"
                else _h("dirichlet", value=w.concentration))
        levels = ", ".join(map(str, w.resolve_levels(ev.framework)))
        parts.append(_h("weights", kind=kind, levels=levels))
    for i, stage in enumerate(layout.stages):
        if stage == "exclude":
            parts.append(_h("exclude", n=len(layout.choices[i]) - 1))
            continue
        words = []
        for c, choice in enumerate(layout.choices[i]):
            try:
                words.append(step_text(stage, choice))
            except (AttributeError, KeyError, TypeError):  # not a step: its short label
                words.append(layout.label(i, c))
        parts.append(f"{stage_name(stage)}{': ' if english else '：'}" + " / ".join(words))
    return _h("inputs", inputs=("; " if english else "；").join(parts) if parts else _h("nothing"))


def _shown_rows(report: UncertaintyReport, rows: int | None) -> tuple[pd.DataFrame, str | None]:
    """Return the rows to list: with ``--unit`` and ``--group``, the unit's group (by rank in it)."""
    d = report.detail if report.unit is not None else {}
    if rows is None and d.get("label") is not None and "group" in report.table:
        mates = report.table[report.table["group"] == d["label"]]
        mates = mates.sort_values(["nominal_rank_in_group", "nominal_rank"], na_position="last")
        return mates, _h("group_rows", group=d["group"], label=d["label"], n=len(mates))
    return (report.table if rows is None else report.table.head(rows)), None


def _print(ev: Evaluation, report: UncertaintyReport, samples: Samples, rows: int | None,
           sobol_table: pd.DataFrame | None, skipped: dict[str, int]) -> None:
    out = console()
    s = report.summary
    out.print(_h("title", period=s["period"], samples=s["samples"], combinations=s["combinations"],
                 seconds=s["seconds"]), markup=False)
    out.print(_describe(ev, samples), markup=False, soft_wrap=True)
    out.print(_h("summary", shift=display.score(s["mean_abs_shift"]), places=s["places"],
                 share=display.percent(s["share_moved"])),
              markup=False)
    if skipped:
        out.print(_h("skipped", n=len(skipped), samples=sum(skipped.values()), first=next(iter(skipped))),
                  markup=False)
    k, group = s["top"], s["group"]
    shown, note = _shown_rows(report, rows)
    table = new_table()
    with_names = names_differ(report.table["unit"], report.table["name"])
    in_group = note is not None  # the rows of one group: its column would repeat one label
    columns = ["nominal_rank", "unit", *(["name"] if with_names else []), "median_rank", "interval",
               "p_top"]
    if group is not None:
        columns += [*([] if in_group else ["group"]), "nominal_rank_in_group", "p_top_in_group"]
    columns += ["mean_abs_shift", "p_moved"]
    labels = {"nominal_rank": _h("nominal"), "unit": _h("unit"), "name": _h("name"),
              "group": group or "", "nominal_rank_in_group": _h("nominal_in_group"),
              "median_rank": _h("median"),
              "interval": _h("interval"), "p_top": _h("p_top", k=k),
              "p_top_in_group": _h("p_top_in_group", k=k), "mean_abs_shift": _h("shift"),
              "p_moved": _h("moved", n=s["places"])}
    rows_shown = []
    for r in shown.astype(object).to_dict("records"):
        cells = {"interval": f"{whole(r['q05'])}–{whole(r['q95'])}",
                 "p_top": display.percent(r["p_top"]),
                 "p_top_in_group": display.percent(r.get("p_top_in_group")),
                 "p_moved": display.percent(r["p_moved"]),
                 "mean_abs_shift": display.score(r["mean_abs_shift"]),
                 "unit": str(r["unit"]), "name": str(r["name"]), "group": str(r.get("group"))}
        rows_shown.append([cells[c] if c in cells else whole(r[c]) for c in columns])
    # On a narrow terminal the movement columns (summed up in the line above) and the group
    # label give way, not the unit names.
    kept = fit_columns(columns, labels, {c: [row[i] for row in rows_shown] for i, c in enumerate(columns)},
                       out.width, folds={"unit": 8, "name": 12, "group": 6},
                       optional=("p_moved", "mean_abs_shift", "group"))
    for col in kept:
        left = col in ("unit", "name", "group")
        table.add_column(labels[col], justify="left" if left else "right", no_wrap=not left,
                         overflow="fold")
    for row in rows_shown:
        table.add_row(*(row[columns.index(c)] for c in kept))
    out.print(table)
    if len(kept) < len(columns):
        out.print(_h("narrow"), markup=False)
    if note is not None:
        out.print(note, markup=False)
    elif len(shown) < len(report.table):
        out.print(_h("more", n=len(report.table) - len(shown)), markup=False)
    if report.unit is not None:
        _print_unit(out, report, k)
    if sobol_table is not None:
        _print_sobol(out, sobol_table, samples)


def _print_unit(out: Console, report: UncertaintyReport, k: int) -> None:
    """Print the unit's line(s) and its rank distribution (within its group when there is one)."""
    d = report.detail
    name = d["unit"] if d["name"] == d["unit"] else f"{d['name']} ({d['unit']})"
    if not d["ranked"] > 0:  # screened out or no index score: there is nothing to show
        out.print(_h("unit_unranked", unit=name, period=report.summary["period"]), markup=False)
        return
    if d["nominal_rank"] is None:
        out.print(_h("unit_not_nominal", unit=name, share=display.percent(d["ranked"])), markup=False)
    out.print(_h("unit_line", unit=name, nominal=whole(d["nominal_rank"]), k=k,
                 p=display.percent(d["p_top"])), markup=False)
    if "group" in d:
        if d["label"] is None:
            out.print(_h("unit_no_group", unit=name, group=d["group"]), markup=False)
            return
        out.print(_h("unit_group", group=d["group"], label=d["label"],
                     nominal=whole(d["nominal_rank_in_group"]), k=k,
                     p=display.percent(d["p_top_in_group"])),
                  markup=False)
    table = new_table()
    for key in ("rank_in_group" if "group" in d else "rank", "probability", "cumulative"):
        table.add_column(_h(key), justify="right", no_wrap=True)
    for r in report.distribution.to_dict("records"):
        table.add_row(whole(r["rank"]), display.percent(r["probability"]),
                      display.percent(r["cumulative"]))
    out.print(table)


def _print_sobol(out: Console, frame: pd.DataFrame, samples: Samples) -> None:
    table = new_table(_h("sobol_title", n=samples.base_n, samples=samples.n))
    for key, label in (("output", _h("output")), ("input", _h("input")), ("S1", "S1"),
                       ("S1_conf", "±"), ("ST", "ST"), ("ST_conf", "±")):
        left = key in ("output", "input")
        table.add_column(label, justify="left" if left else "right", no_wrap=not left, overflow="fold")
    for r in frame.to_dict("records"):
        # Sobol indices are shares of variance (0–1): as percentages, like every other share.
        table.add_row(str(r["output"]), str(r["input"]),
                      *(display.percent(r[c]) for c in ("S1", "S1_conf", "ST", "ST_conf")))
    out.print(table)


def _run_samples(ev: Evaluation, spec: UncertaintySpec, samples: Samples, show: bool | None,
                 **options: Any):
    """Evaluate with a progress bar on stderr (shown on a terminal, or when asked)."""
    with progress_bar(_h("progress"), samples.n, show) as tick:
        try:
            return run(lambda: evaluate(ev, spec, samples, progress=tick, **options), _OPTIONS)
        except ModuleNotFoundError as exc:  # dask is an optional extra (zongheng[cluster])
            fail(_h("no_dask", module=exc.name or "distributed"))
        except (OSError, TimeoutError) as exc:
            fail(_h("cluster_failed", detail=str(exc)))


@app.command("uncertainty")
def uncertainty_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    samples: Annotated[int, typer.Option("--samples", "-n", min=1, help=(
        "抽样次数 number of samples (with --sobol: the base N, rounded up to a power of 2)"))] = 10_000,
    seed: Annotated[int, typer.Option(help="随机种子 seed")] = 0,
    vary: Annotated[str | None, typer.Option(help=(
        "不确定输入 what varies: weights,normalise,aggregate,treat,impute,exclude "
        "(default: weights, or the items of --spec)"))] = None,
    spec_file: Annotated[Path | None, typer.Option("--spec", help=(
        "不确定性设定 YAML: choices and perturbations of the --vary items"))] = None,
    unit: Annotated[str | None, typer.Option("--unit", "-u", help="关注单位 unit to detail")] = None,
    top: Annotated[int, typer.Option(min=1, help="P(排名 ≤ K) probability of rank ≤ K")] = 3,
    group: Annotated[str | None, typer.Option(help="分组列 group column for ranks within")] = None,
    places: Annotated[int, typer.Option(min=0, help="排名变动超过 n 位 rank moves of more than n")] = 3,
    period: Annotated[str | None, typer.Option(help="时期 period (default: last)")] = None,
    with_sobol: Annotated[bool, flag("--sobol", help="Sobol 敏感性指数 Sobol indices")] = False,
    plot: Annotated[Path | None, typer.Option(help="Sobol 指数图 PNG of the Sobol indices")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="本机 Dask 进程数 local Dask workers")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask 调度器 scheduler address, tcp://…")] = None,
    rows: Annotated[int | None, typer.Option(min=1, help="只列出前 N 个单位 list N units only")] = None,
    show_progress: Annotated[bool | None, typer.Option("--progress/--no-progress", metavar="", help=(
        "进度条 progress bar on stderr (default: on a terminal)"))] = None,
    skip_failed: Annotated[bool, flag("--skip-failed", help=(
        "跳过无法构建的方法组合 leave out combinations that cannot be built"))] = False,
    method: MethodOpt = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """排名不确定性 — how sure is each rank under other plausible methods and weights (Monte Carlo, Sobol)."""
    use_lang(lang)
    if plot is not None and not with_sobol:
        fail(_h("plot_needs_sobol"))
    if workers is not None and scheduler is not None:
        fail(_h("one_cluster"))
    ev, _ = load_evaluation(framework, data, method, dataset, sheet, units)
    check_unit(ev.panel, unit)
    spec = run(lambda: _spec(ev, vary, spec_file))
    drawn = run(lambda: sample(ev, spec, samples, seed=seed, sobol=with_sobol))
    result = _run_samples(ev, spec, drawn, show_progress, period=period,
                          groups=[group] if group else [], track=[unit] if unit else [],
                          workers=workers, scheduler=scheduler, skip_failed=skip_failed)
    report = run(lambda: analyse(result, unit=unit, top=top, group=group, places=places), _OPTIONS)
    table = run(lambda: sobol(result, unit=unit, group=group, seed=seed),
                _OPTIONS) if with_sobol else None
    if plot is not None:  # to a temporary name, then moved into place: never a half-written PNG
        from zongheng.io.atomic import atomic_write

        written = atomic_write(plot, lambda tmp: plot_sobol(table, tmp, title=str(result.period)))
    if as_json:
        doc: dict[str, Any] = {**report.summary, "seed": seed, "spec": spec.to_dict(),
                               "skipped_combinations": result.skipped, "units": report.table}
        if with_sobol:
            doc.update({"sobol_n": drawn.base_n, "sobol": table})
        if report.unit is not None:
            doc["unit"] = {**report.detail, "distribution": report.distribution}
        echo_json(doc)
        return
    _print(ev, report, drawn, rows, table, result.skipped)
    if plot is not None:
        console().print(f"{_h('written')}: {written}", markup=False)
