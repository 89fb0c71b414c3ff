"""A unit's attainment page (目标达成网页报告): targets, attainment, lights and trends; no ranking.

For frameworks whose indicators carry targets and attainment rules (the
生态文明建设情况报告 supervision indicators): the page a 人大 office reads
beside the Word draft. Every number comes from
:func:`zongheng.analysis.attainment.attainment` on the raw values, so the page
agrees with the ``zongheng attainment`` table, the Word draft and the workbook;
nothing is normalised and no unit is ranked against another.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zongheng import display
from zongheng.analysis.attainment import WarningRule, attainment, summary, value_label
from zongheng.errors import FrameworkError, Problem
from zongheng.framework import Framework
from zongheng.i18n import using_lang
from zongheng.io.atomic import atomic_write
from zongheng.panel import Panel
from zongheng.report.html import charts
from zongheng.report.html.blocks import Section, cell, chart, missing, table
from zongheng.report.html.page import ECHARTS_VERSION, render_page, source_title, synthetic_default
from zongheng.report.html.text import measure, register, sentences, sep, t
from zongheng.report.targets import has_targets, is_attainment

__all__ = ["check_targets", "is_attainment_framework", "render_attainment_html", "unit_attainment",
           "write_attainment_html", "write_unit_attainment_html"]

register({
    "att.report": ("目标达成情况报告", "attainment report"),
    "att.h.overview": ("总体情况", "Overview"),
    "att.h.aspects": ("各方面达标和预警情况", "Attainment and lights by aspect"),
    "att.h.indicators": ("主要指标完成情况", "The indicators against their targets"),
    "att.h.problems": ("需要关注的指标", "Indicators that need attention"),
    "att.h.notes": ("说明", "Notes"),
    "att.title": ("目标达成情况", "Attainment of targets"),
    "att.overview": ("{year}年，{unit}纳入监督的指标共 {n} 项，其中可评价 {assessed} 项，达标 {attained} 项，"
                     "达标率 {pct}；约束性指标 {binding} 项可评价，达标 {binding_attained} 项。",
                     "In {year}, {unit} reports on {n} indicators: {assessed} can be assessed "
                     "and {attained} are attained ({pct}); {binding_attained} of the {binding} binding "
                     "indicators assessed are attained."),
    "att.not_assessed": ("另有 {k} 项缺少实际值或目标值，无法评价。",
                         "{k} more lack a value or a target and cannot be assessed."),
    "att.vs_last": ("与{prev}年相比，达标指标{change}。",
                    "Compared with {prev}, the number attained {change}."),
    "att.more": ("增加 {k} 项", "rose by {k}"), "att.fewer": ("减少 {k} 项", "fell by {k}"),
    "att.same": ("数量持平", "stayed the same"),
    "att.lights": ("预警情况：绿灯 {green} 项、黄灯 {yellow} 项、红灯 {red} 项。",
                   "Warning lights: {green} green, {yellow} yellow, {red} red."),
    "att.card.rate": ("达标率", "Attained"),
    "att.card.binding": ("约束性指标达标", "Binding attained"),
    "att.card.lights": ("绿 / 黄 / 红", "Green / yellow / red"),
    "att.aspect": ("方面", "Aspect"), "att.count": ("指标数", "Indicators"),
    "att.attained": ("达标", "Attained"), "att.not": ("未达标", "Not attained"),
    "att.none": ("无法评价", "Not assessed"), "att.total": ("合计", "Total"),
    "att.no": ("序号", "No."), "att.indicator": ("指标", "Indicator"), "att.category": ("属性", "Type"),
    "att.target": ("目标值", "Target"), "att.value": ("实际值", "Value"),
    "att.done": ("完成情况", "Attained"), "att.vs_target": ("与目标比较", "Against the target"),
    "att.yoy": ("同比", "Year on year"), "att.trend": ("五年趋势", "Five-year trend"),
    "att.light": ("预警", "Light"), "att.department": ("牵头单位", "Lead department"),
    "att.better_than": ("优于目标 {x}", "{x} better"), "att.short_of": ("差目标 {x}", "{x} short"),
    "att.on_target": ("等于目标", "on target"),
    "att.yes": ("是", "yes"), "att.no_word": ("否", "no"),
    "att.note_rule": ("预警规则：达标且未变差为绿灯；达标但变差，或未达标但与目标相差不超过 {near} "
                      "且未变差为黄灯；其余未达标为红灯（“变差”按{basis}判断）。同比为实际值与上年之差，百分比指标的单位为百分点；"
                      "五年趋势按近 {window} 年数据的线性趋势判断。",
                      "Lights: green = attained and not worsening; yellow = attained but worsening, or "
                      "within {near} of the target and not worsening; red = any other shortfall "
                      "(worsening judged by {basis}). Year on year is the change on the previous "
                      "year (percentage points for percentages); the five-year trend is the direction of "
                      "the linear trend over the last {window} years."),
    "att.basis.yoy": ("同比变化", "the change on last year"),
    "att.basis.trend": ("五年趋势", "the five-year trend"),
    "att.problems": ("{year}年，{unit}有 {red} 项指标为红灯、{yellow} 项为黄灯，逐项情况如下；"
                     "图中虚线为目标值。",
                     "In {year}, {red} indicators of {unit} are red and {yellow} yellow; each is below, "
                     "with its target as a dashed line in the charts."),
    "att.no_problems": ("{year}年，{unit}可评价的 {assessed} 项指标均为绿灯。",
                        "In {year}, all {assessed} indicators of {unit} that can be assessed are green."),
    "att.nothing_assessed": ("{year}年，{unit}没有可评价的指标（缺少实际值或目标值）。",
                             "In {year}, no indicator of {unit} can be assessed (values or targets "
                             "are missing)."),
    "att.h_red": ("红灯指标（{k} 项）", "Red ({k})"),
    "att.h_yellow": ("黄灯指标（{k} 项）", "Yellow ({k})"),
    "att.fact": ("{name}（{dept}牵头）：{year}年为 {value}，目标为{rule}{target}{state}{change}{trend}",
                 "{name} (lead: {dept}): {value} in {year} against a target of {rule}{target}{state}"
                 "{change}{trend}"),
    "att.rule.ge": ("不低于 ", "at least "), "att.rule.le": ("不高于 ", "at most "),
    "att.state.short_ge": ("，低于目标 {gap}", ", {gap} short"),
    "att.state.short_le": ("，超出目标 {gap}", ", {gap} over"),
    "att.state.ok": ("，已达标", ", attained"),
    "att.state.not": ("，未达标", ", not attained"),
    "att.change": ("；比上年{direction} {delta}（{word}）", "; {direction} {delta} on last year ({word})"),
    "att.rise": ("上升", "up"), "att.fall": ("下降", "down"),
    "att.change_same": ("；与上年持平", "; unchanged on last year"),
    "att.trend_text": ("；近五年趋势{trend}。", "; five-year trend: {trend}."),
    "att.missing": ("{year}年未报送实际值的指标（不评价）：{names}。",
                    "Indicators without a value in {year} (not assessed): {names}."),
    "att.no_target": ("没有目标值的指标（不评价）：{names}。",
                      "Indicators without a target (not assessed): {names}."),
    "att.percent_points": ("个百分点", " percentage points"),
    "att.no_targets": ("指标体系“{name}”没有目标值和达标规则（target、rule），不能生成目标达成报告；"
                       "请在指标体系中为指标填写目标值和达标规则",
                       "the framework '{name}' has no targets and attainment rules (target, rule): no "
                       "attainment report can be made; give its indicators a target and a rule"),
    "att.not_ranked": ("指标体系“{name}”按目标值评价（指标有达标规则），不做综合得分和排名："
                       "请生成目标达成报告（write_attainment_html，命令行 --template eco）",
                       "the framework '{name}' is assessed against targets (its indicators have "
                       "attainment rules), not by a composite score and ranking: make the attainment "
                       "report (write_attainment_html, on the command line --template eco)"),
})

_LIGHTS = ("green", "yellow", "red")


def _check_lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return lang


def _name(r: Any, lang: str) -> str:
    return str(r["name_en"] or r["name"]) if lang == "en" else str(r["name"])


def _aspect(r: Any, lang: str) -> str:
    return str(r["aspect_name_en"] or r["aspect_name"]) if lang == "en" else str(r["aspect_name"])


def _direction(r: Any) -> int:
    return -1 if r["rule"] == "<=" else 1


def _value(r: Any, column: str) -> str:
    """Return a value or target as shown: 是/否 for a yes/no item; a target rounded to keep it true."""
    x = r[column]
    if missing(x):
        return display.MISSING
    if r["rule"] == "yes":
        return t("att.yes" if float(x) >= 1 else "att.no_word")
    return display.value(x)


def _target(r: Any) -> str:
    if r["rule"] == "yes":
        return t("att.yes")
    if missing(r["target"]):
        return display.MISSING
    return {">=": "≥", "<=": "≤"}.get(str(r["rule"]), "") + display.value(r["target"])


def _vs_target(r: Any) -> str:
    """Return the distance to the target in words that keep their sense for ≥ and ≤ indicators."""
    if r["rule"] == "yes" or missing(r["gap"]):
        return display.MISSING
    gap = display.value_difference(r["value"], r["target"]) * _direction(r)   # > 0: better than the target
    if gap == 0:
        return t("att.on_target")
    return t("att.better_than" if gap > 0 else "att.short_of", x=display.value(abs(gap)))


def _with_measure(text: str, unit: object, change: bool = False) -> str:
    """Return a number with its unit of measure; a change of a percentage in 个百分点."""
    m = str(unit or "")
    if change and m == "%":
        return text + t("att.percent_points")
    shown = measure(m)
    if not shown:
        return text
    return f"{text}{shown}" if not shown[:1].isascii() or shown == "%" else f"{text} {shown}"


def _change(r: Any, lang: str) -> str:
    if r["rule"] == "yes" or missing(r["change"]):
        return display.MISSING
    delta = display.value_difference(r["value"], r["previous"])
    word = value_label("change_dir", r["change_dir"], lang)
    shown = display.signed_value(delta)
    return f"{shown}（{word}）" if lang == "zh" else f"{shown} ({word})"


def _light_cell(light: object, lang: str) -> Any:
    if not isinstance(light, str):
        return cell(display.MISSING)
    return cell(value_label("light", light, lang), f"light-{light}")


def _overview(table_: pd.DataFrame, totals: pd.DataFrame, period: Hashable, previous: Hashable | None,
              unit: str, lang: str) -> Section:
    sec = Section("overview", t("att.h.overview"))
    s = totals.xs(period, level="period").iloc[0]
    assessed, attained = int(s["assessed"]), int(s["attained"])
    pct = display.percent(attained / assessed) if assessed else display.MISSING
    parts = [t("att.overview", year=period, unit=unit, n=int(s["indicators"]),
               assessed=assessed, attained=attained, pct=pct, binding=int(s["binding"]),
               binding_attained=int(s["binding_attained"]))]
    if int(s["indicators"]) > assessed:
        parts.append(t("att.not_assessed", k=int(s["indicators"]) - assessed))
    if previous is not None:
        k = attained - int(totals.xs(previous, level="period").iloc[0]["attained"])
        change = t("att.more", k=k) if k > 0 else t("att.fewer", k=-k) if k < 0 else t("att.same")
        parts.append(t("att.vs_last", prev=previous, change=change))
    parts.append(t("att.lights", green=int(s["green"]), yellow=int(s["yellow"]), red=int(s["red"])))
    sec.paragraph(sentences(*parts), cls="key")
    binding = int(s["binding"])
    sec.cards([
        {"label": t("att.card.rate"), "value": pct, "sub": f"{attained} / {assessed}", "cls": ""},
        {"label": t("att.card.binding"), "value": f"{int(s['binding_attained'])} / {binding}",
         "sub": "", "cls": ""},
        {"label": t("att.card.lights"), "value": f"{int(s['green'])} / {int(s['yellow'])} / {int(s['red'])}",
         "sub": "", "cls": "down" if int(s["red"]) else "up"},
    ])
    return sec


def _aspects(table_: pd.DataFrame, lang: str) -> Section:
    sec = Section("aspects", t("att.h.aspects"))
    rows, names = [], []
    counts: dict[str, list[int]] = {k: [] for k in (*_LIGHTS, "none")}
    totals = np.zeros(7, dtype=int)
    for _, part in table_.groupby("aspect", sort=False):
        assessed = int(part["attained"].notna().sum())
        attained = int(part["attained"].fillna(False).astype(bool).sum())
        lights = {k: int((part["light"] == k).sum()) for k in _LIGHTS}
        lights["none"] = len(part) - sum(lights.values())
        for k in counts:
            counts[k].append(lights[k])
        names.append(_aspect(part.iloc[0], lang))
        numbers = [len(part), attained, assessed - attained, len(part) - assessed,
                   *[lights[k] for k in _LIGHTS]]
        totals += numbers
        rows.append([cell(names[-1]), *[cell(x, "num") for x in numbers]])
    rows.append([cell(t("att.total")), *[cell(int(x), "num") for x in totals]])
    columns = [t("att.aspect"), t("att.count"), t("att.attained"), t("att.not"), t("att.none"),
               t("light.green"), t("light.yellow"), t("light.red")]
    sec.table(table(columns, rows, table_id="aspects-table"))
    sec.charts(chart("chart-lights", charts.lights_by_aspect(names, counts), 60 + 42 * len(names), wide=True))
    return sec


def _indicators(table_: pd.DataFrame, rule: WarningRule, lang: str) -> Section:
    sec = Section("indicators", t("att.h.indicators"))
    columns = [t("att.no"), t("att.indicator"), t("measure"), t("att.category"), t("att.target"),
               t("att.value"), t("att.done"), t("att.vs_target"), t("att.yoy"), t("att.trend"),
               t("att.light"), t("att.department")]
    rows, groups = [], {}
    for g, (_, part) in enumerate(table_.groupby("aspect", sort=False), start=1):
        head = _aspect(part.iloc[0], lang)
        groups[len(rows)] = f"（{_cn(g)}）{head}" if lang == "zh" else f"({g}) {head}"
        for _, r in part.iterrows():
            rows.append([cell(len(rows) + 1, "num"), cell(_name(r, lang)),
                         cell("" if r["rule"] == "yes" else measure(r["measure"])),
                         cell(value_label("category", r["category"], lang)),
                         cell(_target(r), "num"), cell(_value(r, "value"), "num"),
                         cell(value_label("attained", r["attained"], lang)),
                         cell(_vs_target(r), "num"), cell(_change(r, lang), "num"),
                         cell(value_label("trend", r["trend"], lang)), _light_cell(r["light"], lang),
                         cell(r["department"] or display.MISSING)])
    sec.table(table(columns, rows, table_id="attainment-table", groups=groups))
    near = display.percent(rule.near)
    sec.notes([t("att.note_rule", near=near, basis=t(f"att.basis.{rule.basis}"), window=rule.window)])
    return sec


_CN = "一二三四五六七八九十"


def _cn(i: int) -> str:
    return _CN[i - 1] if 1 <= i <= len(_CN) else str(i)


def _fact(r: Any, year: Hashable, lang: str) -> str:
    """Return one indicator's facts: value, target, shortfall, change and trend."""
    rule = {">=": "att.rule.ge", "<=": "att.rule.le"}.get(str(r["rule"]))
    unit = "" if r["rule"] == "yes" else r["measure"]
    state = ""
    if not missing(r["gap"]) and r["attained"] is not pd.NA:
        if bool(r["attained"]):
            state = t("att.state.ok")
        elif r["rule"] in (">=", "<="):
            gap = abs(display.value_difference(r["value"], r["target"]))
            state = t("att.state.short_ge" if r["rule"] == ">=" else "att.state.short_le",
                      gap=_with_measure(display.value(gap), unit, change=True))
        else:
            state = t("att.state.not")
    change = ""
    if r["rule"] != "yes" and not missing(r["change"]):
        delta = display.value_difference(r["value"], r["previous"])
        if delta == 0:
            change = t("att.change_same")
        else:
            change = t("att.change", direction=t("att.rise" if delta > 0 else "att.fall"),
                       delta=_with_measure(display.value(abs(delta)), unit, change=True),
                       word=value_label("change_dir", r["change_dir"], lang))
    trend = t("att.trend_text", trend=value_label("trend", r["trend"], lang)) \
        if isinstance(r["trend"], str) else t("end")
    target = _target(r).lstrip("≥≤") if rule else _target(r)
    return t("att.fact", name=_name(r, lang), dept=r["department"] or display.MISSING, year=year,
             value=_with_measure(_value(r, "value"), unit), rule=t(rule) if rule else "",
             target=_with_measure(target, unit), state=state, change=change, trend=trend)


def _problems(table_: pd.DataFrame, history: pd.DataFrame, assessed: int, period: Hashable,
              unit: str, lang: str) -> Section:
    sec = Section("problems", t("att.h.problems"))
    red = table_[table_["light"] == "red"]
    yellow = table_[table_["light"] == "yellow"]
    if red.empty and yellow.empty:
        sec.paragraph(t("att.no_problems" if assessed else "att.nothing_assessed", year=period, unit=unit,
                        assessed=assessed), cls="key")
        return sec
    sec.paragraph(t("att.problems", year=period, unit=unit, red=len(red), yellow=len(yellow)), cls="key")
    periods = [str(p) for p in dict.fromkeys(history["period"])]
    for key, part in (("att.h_red", red), ("att.h_yellow", yellow)):
        if part.empty:
            continue
        sec.heading(t(key, k=len(part)))
        sec.items([_fact(r, period, lang) for _, r in part.iterrows()])
        plots = []
        for _, r in part.iterrows():
            series = history[history["indicator"] == r["indicator"]]
            m = measure(r["measure"]) if r["rule"] != "yes" else ""
            title = _name(r, lang) + (f"（{m}）" if m and lang == "zh" else f" ({m})" if m else "")
            target = None if missing(r["target"]) else float(r["target"])
            plots.append(chart(f"chart-trend-{r['indicator']}", charts.trend(
                title, periods, [float(v) for v in series["value"]], target, r["light"], _direction(r)),
                230))
        sec.charts(*plots)
    return sec


def _notes(table_: pd.DataFrame, period: Hashable, source: str | None, synthetic: bool,
           lang: str) -> Section:
    from zongheng import __version__

    sec = Section("notes", t("att.h.notes"))
    if synthetic:
        sec.paragraph(t("synthetic_note"), cls="key")
    if source:
        sec.paragraph(t("source", s=source))
    no_value = [_name(r, lang) for _, r in table_.iterrows() if missing(r["value"])]
    if no_value:
        sec.paragraph(t("att.missing", year=period, names=sep().join(no_value)))
    no_target = [_name(r, lang) for _, r in table_.iterrows()
                 if missing(r["target"]) and r["rule"] != "yes"]
    if no_target:
        sec.paragraph(t("att.no_target", names=sep().join(no_target)))
    sec.paragraph(t("echarts", v=ECHARTS_VERSION))
    sec.paragraph(t("made_by", v=__version__))
    return sec


is_attainment_framework = is_attainment
"""The page's name for :func:`zongheng.report.targets.is_attainment`."""


def _assessable(table_: pd.DataFrame) -> bool:
    rules = table_["rule"].astype(str)
    has_target = table_["target"].notna().to_numpy() | (rules == "yes").to_numpy()
    return bool((rules.isin([">=", "<=", "yes"]).to_numpy() & has_target).any())


def check_targets(framework: Framework) -> None:
    """Refuse a framework without any target and rule (没有目标值的指标体系不能生成目标达成报告).

    Raises
    ------
    FrameworkError
        When no indicator has both an attainment rule and a target (a ``yes`` rule needs none):
        :func:`zongheng.report.targets.has_targets`, the definition every writer uses.
    """
    if not has_targets(framework):
        name = framework.meta.get("title") or framework.root.name
        raise FrameworkError([Problem("html.att.no_targets", {"name": name})])


def unit_attainment(framework: Framework, panel: Panel, unit: str, *, period: Hashable | None = None,
                    rule: WarningRule | None = None) -> pd.DataFrame:
    """Return the table :func:`write_attainment_html` reads: one unit, every period up to ``period``.

    Raises
    ------
    FrameworkError
        When the framework has no targets (:func:`check_targets`).
    """
    check_targets(framework)
    table_ = attainment(framework, panel, unit=unit, rule=rule)
    if period is not None:
        periods = [str(p) for p in dict.fromkeys(table_["period"])]  # in the panel's order
        if str(period) not in periods:
            raise ValueError(f"period {period!r} is not in the data ({', '.join(periods)})")
        keep = periods[: periods.index(str(period)) + 1]  # the trends read the earlier periods
        table_ = table_[table_["period"].astype(str).isin(keep)].reset_index(drop=True)
    return table_


def _one_unit(table_: pd.DataFrame) -> pd.DataFrame:
    units = list(dict.fromkeys(table_["unit"]))
    if len(units) != 1:
        raise ValueError(f"an attainment page is of one unit; the table holds {len(units)} "
                         f"({', '.join(map(str, units[:5]))}): pass attainment(..., unit=...)")
    return table_


def render_attainment_html(table: pd.DataFrame, *, title: str | None = None, lang: str = "zh",
                           source: str | None = None, synthetic: bool = False,
                           rule: WarningRule | None = None, note: str | None = None,
                           unapproved: bool = False) -> str:
    """Return the attainment page of one unit as one HTML string (目标达成网页报告).

    Parameters are those of :func:`write_attainment_html`.
    """
    with using_lang(_check_lang(lang)):
        rule = rule or WarningRule()
        history = _one_unit(table)
        if not _assessable(history):
            name = title or (str(history["unit_name"].iloc[0]) if len(history) else "")
            raise FrameworkError([Problem("html.att.no_targets", {"name": name})])
        periods = list(dict.fromkeys(history["period"]))
        period = periods[-1]
        previous = periods[-2] if len(periods) > 1 else None
        table_ = history[history["period"] == period].reset_index(drop=True)
        totals = summary(history)
        unit_name = str(table_["unit_name"].iloc[0])
        heading = title or t("att.title")
        recent = history[history["period"].isin(periods[-rule.window:])]
        assessed = int(totals.xs(period, level="period").iloc[0]["assessed"])
        sections = [_overview(table_, totals, period, previous, unit_name, lang),
                    _aspects(table_, lang), _indicators(table_, rule, lang),
                    _problems(table_, recent, assessed, period, unit_name, lang),
                    _notes(table_, period, source, synthetic, lang)]
        year = t("year", p=period)
        return render_page(lang=lang, title=f"{heading} · {unit_name} {year}", heading=heading,
                           unit=unit_name, subtitle=f"{year} · {t('att.report')}", sections=sections,
                           synthetic=synthetic, note=note, unapproved=unapproved)


def write_attainment_html(table: pd.DataFrame, path: str | Path, *, title: str | None = None,
                          lang: str = "zh", source: str | None = None, synthetic: bool = False,
                          rule: WarningRule | None = None, note: str | None = None,
                          unapproved: bool = False) -> Path:
    """Write the attainment page of one unit as one self-contained HTML file (目标达成网页报告).

    For frameworks whose indicators carry targets and attainment rules (e.g. the
    bundled ``eco`` supervision indicators); the page beside the Word draft and
    :func:`zongheng.report.xlsx.write_attainment_xlsx`, from the same table.
    Sections: 总体情况 (how many attained, binding ones, lights, against last
    year), 各方面达标和预警情况 (a table and a chart of lights per aspect),
    主要指标完成情况 (every indicator: target, value, 完成情况, 与目标比较, 同比,
    五年趋势, 预警, 牵头单位), 需要关注的指标 (the red and yellow ones: facts, and
    charts of the last years with the target) and 说明. No composite score,
    ranking, gap or path: a report to the 人大 never makes them.

    Parameters
    ----------
    table : DataFrame
        :func:`~zongheng.analysis.attainment.attainment` of one unit over the
        periods up to the one reported on (the last in the table); the earlier
        periods feed 同比 and the trend charts.
    path : str or Path
        The ``.html`` file to write (atomically).
    title : str, optional
        The framework's title (e.g. ``framework.meta["title"]``).
    lang : {"zh", "en"}
    source : str, optional
        数据来源 as the reader knows it (e.g. the dataset's title).
    synthetic : bool
        Show the synthetic-data banner and note.
    rule : WarningRule, optional
        The warning rule the table was computed with (stated in the notes);
        ``WarningRule()`` by default.
    note : str, optional
        A line under the title.
    unapproved : bool
        The data are not all approved yet (未审核): the title and a banner say so.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If the table holds more or fewer than one unit.
    FrameworkError
        If no indicator of the table has a target and an attainment rule (nothing to assess:
        a framework without targets gets no attainment report).

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.analysis.attainment import attainment
    >>> ds = zh.datasets.load("eco_yongkang")
    >>> table = attainment(ds.framework, ds.panel, unit="永康市")
    >>> write_attainment_html(table, "永康市_生态文明.html", title=ds.framework.meta["title"],
    ...                       source=ds.title, synthetic=ds.synthetic)  # doctest: +SKIP
    """
    page = render_attainment_html(table, title=title, lang=lang, source=source, synthetic=synthetic,
                                  rule=rule, note=note, unapproved=unapproved)
    return atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8", newline="\n"))


def write_unit_attainment_html(framework: Framework, panel: Panel, unit: str, path: str | Path, *,
                               period: Hashable | None = None, lang: str = "zh",
                               synthetic: bool | None = None, source: str | None = None,
                               rule: WarningRule | None = None, note: str | None = None,
                               unapproved: bool = False) -> Path:
    """Write the attainment page of one unit from its framework and data (目标达成网页报告).

    :func:`unit_attainment` then :func:`write_attainment_html`, with the framework's title,
    the data's source (:func:`~zongheng.report.html.page.source_title`) and the synthetic
    banner when the data are a bundled synthetic dataset (unless ``synthetic`` says otherwise).

    Raises
    ------
    FrameworkError
        When the framework has no targets (:func:`check_targets`): a clear refusal rather than
        a page of "可评价0项".
    """
    table_ = unit_attainment(framework, panel, unit, period=period, rule=rule)
    meta = framework.meta
    title = (meta.get("title_en") or meta.get("title")) if lang == "en" else meta.get("title")
    with using_lang(_check_lang(lang)):  # the dataset's title in the page's language
        shown_source = source_title(panel, source)
    return write_attainment_html(table_, path, title=str(title or framework.root.name), lang=lang,
                                 source=shown_source, synthetic=synthetic_default(panel, synthetic),
                                 rule=rule, note=note, unapproved=unapproved)
