"""生态文明建设情况报告 (Word draft for the People's Congress).

The county government reports each year to the People's Congress (人大常委会)
on its ecological civilisation: how many supervision indicators are attained,
each indicator's value against its target, its change on last year and its
five-year trend, and which indicators need attention. Every number here comes
from :func:`~zongheng.analysis.attainment.attainment` (and its
:func:`~zongheng.analysis.attainment.summary`), so the draft agrees with the
``zongheng attainment`` table and the other reports.

The draft is written in the genre of a report to the 人大常委会: the title
broken by meaning, the 报告人 / 会议 line, the 称谓 (主任、各位副主任、秘书长、
各位委员：) and the 委托语 (受市人民政府委托…请予审议), then 一、总体情况,
二、主要指标完成情况, 三、主要工作和成效 (the indicators that improved, facts only,
and a placeholder for the work done), 四、存在问题 (the red and yellow indicators,
facts only, with lead departments), 五、下步工作 (placeholders for the
departments concerned), and the 落款 and date as placeholders. What officials
must write is marked 【待填写：…】.

Every number is printed by :mod:`zongheng.display`. An indicator without a
target or a value cannot be judged: the draft says how many, and calls the
indicators all green only when every one of them was judged green. A framework
with no target at all cannot give this report and is refused.
"""

from __future__ import annotations

from collections.abc import Hashable
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd
from docx.document import Document as DocumentObject

from zongheng import display
from zongheng.analysis.attainment import WarningRule, attainment, summary, value_label
from zongheng.errors import FrameworkError, Problem
from zongheng.framework import Framework
from zongheng.i18n import register_messages, text, using_lang
from zongheng.io.atomic import atomic_write
from zongheng.panel import Panel
from zongheng.report import charts
from zongheng.report.docx_style import (
    STYLE,
    add_byline,
    add_caption,
    add_heading,
    add_note,
    add_paragraph,
    add_picture,
    add_placeholder,
    add_signature,
    add_table,
    add_title,
    is_synthetic,
    join,
    mark_unapproved,
    merge_row,
    new_document,
    shade,
    with_unit,
)

__all__ = ["write_eco_docx"]

# Soft fills that print legibly in black and white (as Excel's conditional formats).
_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
_CN_NUMBERS = "一二三四五六七八九十"

_T: dict[str, tuple[str, str]] = {
    "title_1": ("关于{unit}{year}年度", "Report on ecological civilisation"),
    "title_2": ("生态文明建设情况的报告", "in {unit}, {year}"),
    "byline_meeting": ("——{date}在{unit}第【待填写】届人大常委会第【待填写】次会议上",
                       "— at the [TO BE WRITTEN] meeting of the Standing Committee of the {unit} "
                       "People's Congress, {date}"),
    "byline_date": ("【待填写：会议日期】", "[TO BE WRITTEN: date of the meeting]"),
    "byline_speaker": ("{unit}人民政府【待填写：报告人职务、姓名】",
                       "[TO BE WRITTEN: speaker and post], {unit} People's Government"),
    "salutation": ("主任、各位副主任、秘书长、各位委员：",
                   "Chair, Vice-Chairs, Secretary-General, Members of the Standing Committee,"),
    "entrusted": ("受{level}人民政府委托，现将我{level}{year}年度生态文明建设情况报告如下，请予审议。",
                  "On behalf of the {unit} People's Government, I report on ecological civilisation "
                  "in {year} for your deliberation."),
    "issuer": ("【待填写：{unit}人民政府】", "[TO BE WRITTEN: {unit} People's Government]"),
    "date": ("【待填写：成文日期】", "[TO BE WRITTEN: date]"),
    "draft": ("（初稿）", "(draft)"),
    "synthetic": ("（本报告使用合成演示数据，数值不代表任何地区的真实统计）",
                  "(This report uses synthetic demo data; the numbers are no region's statistics.)"),
    "h1": ("一、总体情况", "1. Overview"),
    "h2": ("二、主要指标完成情况", "2. Main indicators"),
    "h3": ("三、主要工作和成效", "3. Work done and results"),
    "h4": ("四、存在问题", "4. Problems"),
    "h5": ("五、下步工作", "5. Next steps"),
    "overview": ("{year}年，{unit}生态文明建设监督指标共{n}项，其中可评价{assessed}项，达标{attained}项，"
                 "达标率{pct}；约束性指标{binding}项，达标{binding_attained}项。",
                 "In {year}, {unit} reports on {n} supervision indicators: {assessed} can be assessed and "
                 "{attained} are attained ({pct}); {binding_attained} of the {binding} binding indicators "
                 "are attained."),
    "unjudged": ("另有{k}项指标因缺少目标值或实际值无法评价：{names}。",
                 "{k} indicators cannot be judged for want of a target or a value: {names}."),
    "unjudged_lights": ("{k}项指标无法判断预警等级", "{k} cannot be given a light"),
    "vs_last": ("与{prev}年相比，达标指标{change}。",
                "Compared with {prev}, the number attained {change}."),
    "more": ("增加{k}项", "rose by {k}"), "fewer": ("减少{k}项", "fell by {k}"),
    "same": ("数量持平", "stayed the same"),
    "lights": ("预警情况：绿灯{green}项、黄灯{yellow}项、红灯{red}项{rest}。",
               "Warning lights: {green} green, {yellow} yellow, {red} red{rest}."),
    "lights_rest": ("，{k}项无法判断", ", {k} not judged"),
    "c_unjudged": ("无法判断", "Not judged"),
    "t_aspects": ("表{n}  {year}年各方面指标达标和预警情况",
                  "Table {n}. Attainment and lights by aspect, {year}"),
    "c_aspect": ("方面", "Aspect"), "c_count": ("指标数", "Indicators"), "c_attained": ("达标", "Attained"),
    "c_not": ("未达标", "Not attained"), "c_green": ("绿灯", "Green"), "c_yellow": ("黄灯", "Yellow"),
    "c_red": ("红灯", "Red"), "total": ("合计", "Total"),
    "f_lights": ("图{n}  {year}年各方面指标预警情况（项）", "Figure {n}. Warning lights by aspect, {year}"),
    "x_count": ("指标数（项）", "Indicators"),
    "main_sentence": ("{year}年各项监督指标的目标值、实际值和完成情况见表{t}。",
                      "Table {t} gives each supervision indicator's target, value and attainment in {year}."),
    "t_main": ("表{n}  {unit}{year}年生态文明建设监督指标完成情况",
               "Table {n}. Supervision indicators of {unit}, {year}"),
    "c_no": ("序号", "No."), "c_ind": ("指标（单位）", "Indicator (unit)"), "c_cat": ("属性", "Type"),
    "c_target": ("目标值", "Target"), "c_value": ("实际值", "Value"), "c_done": ("完成情况", "Attained"),
    "c_yoy": ("同比",
              "Year on year"), "c_trend": ("五年趋势", "Five-year trend"), "c_light": ("预警", "Light"),
    "note_main": ("注：同比为实际值与{prev}年之差，百分比指标的单位为百分点；五年趋势按{first}—{year}年数据的"
                  "线性趋势判断；预警规则：达标且未变差为绿灯，达标但变差或未达标但与目标相差不超过{near}%且未变差为"
                  "黄灯，其余未达标为红灯（“变差”按{basis}判断）。",
                  "Note: year on year is the change on {prev} (percentage points for percentages); the "
                  "five-year trend is the direction of the linear trend over {first}–{year}. Lights: green = "
                  "attained and not worsening; yellow = attained but worsening, or within {near}% of the "
                  "target and not worsening; red = any other shortfall (worsening judged by {basis})."),
    "basis_yoy": ("同比变化", "the change on last year"), "basis_trend": ("五年趋势", "the five-year trend"),
    "yes": ("是", "yes"), "no": ("否", "no"),
    "problems": ("{year}年，{unit}有{red}项指标为红灯、{yellow}项指标为黄灯，具体如下。",
                 "In {year}, {red} indicators of {unit} are red and {yellow} yellow:"),
    "no_problems": ("{year}年，{unit}各项监督指标均为绿灯。",
                    "In {year}, every supervision indicator of {unit} is green."),
    "no_problems_partial": ("{year}年，{unit}可评价的{assessed}项监督指标均为绿灯；"
                            "另有{k}项指标因缺少目标值或实际值无法评价，不能判断是否存在问题。",
                            "In {year}, the {assessed} supervision indicators of {unit} that can be "
                            "judged are green; {k} cannot be judged for want of a target or a value, "
                            "so their problems are unknown."),
    "work_better": ("与{prev}年相比，{k}项指标向好：{names}（数值见表{t}）。",
                    "On {prev}, {k} indicators improved: {names} (values in Table {t})."),
    "work_none": ("与{prev}年相比，没有指标向好。", "On {prev}, no indicator improved."),
    "work_attained": ("{k}项指标达到目标值，其中约束性指标{b}项。",
                      "{k} indicators reached their targets, {b} of them binding."),
    "ph_work": ("【待填写：一年来生态文明建设的主要工作和成效（由各牵头单位提供，可按方面分述）】",
                "[TO BE WRITTEN: the main work done and its results over the year "
                "(from the lead departments, by aspect)]"),
    "h_red": ("（一）红灯指标（{k}项）", "(1) Red indicators ({k})"),
    "h_yellow": ("（{i}）黄灯指标（{k}项）", "({i}) Yellow indicators ({k})"),
    "lead": ("{cat}，{dept}牵头", "{cat}; lead: {dept}"),
    "lead_plain": ("{dept}牵头", "lead: {dept}"),
    "fact_value": ("{year}年为{value}，目标为{rule}{target}",
                   "{value} in {year} against a target of {rule}{target}"),
    "rule_ge": ("不低于", "at least "), "rule_le": ("不高于", "at most "), "rule_yes": ("", ""),
    "fact_not": ("，未达标", ", not attained"),
    "fact_short_ge": ("，低于目标{gap}", ", {gap} short"),
    "fact_short_le": ("，超出目标{gap}", ", {gap} over"),
    "fact_ok": ("，已达标", ", attained"),
    "fact_change": ("；比上年{direction}{delta}（{word}）", "; {direction} {delta} on last year ({word})"),
    "rise": ("上升", "up"), "fall": ("下降", "down"),
    "fact_same": ("；与上年持平", "; unchanged on last year"),
    "fact_trend": ("；近五年趋势{trend}。", "; five-year trend: {trend}."),
    "fact_end": ("。", "."),
    "f_trends": ("图{n}  红灯、黄灯指标近五年变化（虚线为目标值）",
                 "Figure {n}. Red and yellow indicators over five years (dashed: target)"),
    "next_intro": ("上述红灯、黄灯指标涉及{k}个牵头单位，下步工作由各单位提出，汇总如下。",
                   "The red and yellow indicators concern {k} lead departments; "
                   "each proposes its next steps."),
    "next_none": ("各项监督指标均为绿灯。", "Every supervision indicator is green."),
    "next_none_partial": ("可评价的监督指标均为绿灯；{k}项无法评价的指标需先明确目标值或补齐数据。",
                          "The indicators that can be judged are green; the {k} that cannot need a "
                          "target or their data first."),
    "ph_overall": ("【待填写：下步工作总体思路和目标】", "[TO BE WRITTEN: overall approach and goals]"),
    "h_dept": ("（{i}）{dept}", "({i}) {dept}"),
    "dept_facts": ("涉及指标：{names}。", "Indicators: {names}."),
    "ph_dept": ("【待填写：{dept}的下步工作举措和完成时限】",
                "[TO BE WRITTEN: next steps of {dept} and deadlines]"),
    "sep": ("、", ", "),
}


register_messages({f"docx.eco.{k}": v for k, v in _T.items()})
register_messages({
    "docx_eco_no_targets": ("指标体系没有目标值，不能生成生态文明报告",
                            "the framework has no targets: an ecological civilisation report "
                            "cannot be written"),
})


def _t(key: str, lang: str, **kw: Any) -> str:
    return text(f"docx.eco.{key}", lang, **kw)


def _level(unit: str) -> str:
    """Return the level of government of a unit by its name's last character (市, 县, 区)."""
    return unit[-1] if unit and unit[-1] in "市县区旗" else "市"


def _cn(i: int) -> str:
    """Return 一, 二 … 十 for 1 … 10 and the digits beyond (section numbering)."""
    return _CN_NUMBERS[i - 1] if 1 <= i <= len(_CN_NUMBERS) else str(i)


def _label(i: int, lang: str) -> str:
    return _cn(i) if lang == "zh" else str(i)


def _name(row: pd.Series, lang: str) -> str:
    return str(row["name_en"] or row["name"]) if lang == "en" else str(row["name"])


def _aspect(row: pd.Series, lang: str) -> str:
    return str(row["aspect_name_en"] or row["aspect_name"]) if lang == "en" \
        else str(row["aspect_name"])


def _value(row: pd.Series, column: str, lang: str) -> str:
    """Return a value or target as text with its unit (是/否 for yes/no items)."""
    x = row[column]
    if row["rule"] == "yes" and not pd.isna(x):
        word = _t("yes" if float(x) >= 1 else "no", lang)
        return f"“{word}”" if lang == "zh" else f"'{word}'"
    return with_unit(display.value(x), row["measure"], lang)


# -- 一、总体情况 ------------------------------------------------------------------------------


def _overview(doc: DocumentObject, table: pd.DataFrame, totals: pd.DataFrame, period: Hashable,
              previous: Hashable | None, unit: str, lang: str, counter: list[int]) -> None:
    year = str(period)
    add_heading(doc, _t("h1", lang))
    s = totals.xs(period, level="period").iloc[0]
    text_ = _t("overview", lang, year=year, unit=unit, n=int(s["indicators"]),
              assessed=int(s["assessed"]), attained=int(s["attained"]),
              pct=display.percent(s["attained_pct"] / 100), binding=int(s["binding"]),
              binding_attained=int(s["binding_attained"]))
    unjudged = table[table["light"].isna()]
    if len(unjudged):
        text_ = join(lang, text_, _t("unjudged", lang, k=len(unjudged), names=_t("sep", lang).join(
            _name(r, lang) for _, r in unjudged.iterrows())))
    if previous is not None:
        before = int(totals.xs(previous, level="period").iloc[0]["attained"])
        k = int(s["attained"]) - before
        change = _t("more", lang, k=k) if k > 0 else _t("fewer", lang, k=-k) if k < 0 \
            else _t("same", lang)
        text_ = join(lang, text_, _t("vs_last", lang, prev=previous, change=change))
    rest = _t("lights_rest", lang, k=len(unjudged)) if len(unjudged) else ""
    text_ = join(lang, text_, _t("lights", lang, green=int(s["green"]), yellow=int(s["yellow"]),
                               red=int(s["red"]), rest=rest))
    add_paragraph(doc, text_)

    aspects = list(dict.fromkeys(table["aspect"]))
    rows, names = [], []
    counts: dict[str, list[int]] = {"green": [], "yellow": [], "red": []}
    for code in aspects:
        part = table[table["aspect"] == code]
        assessed = part["attained"].notna()
        attained = int(part["attained"].fillna(False).astype(bool).sum())
        lights = {k: int((part["light"] == k).sum()) for k in counts}
        for k in counts:
            counts[k].append(lights[k])
        names.append(_aspect(part.iloc[0], lang))
        rows.append([names[-1], str(len(part)), str(attained), str(int(assessed.sum()) - attained),
                     str(lights["green"]), str(lights["yellow"]), str(lights["red"]),
                     str(int(part["light"].isna().sum()))])
    rows.append([_t("total", lang), str(int(s["indicators"])), str(int(s["attained"])),
                 str(int(s["assessed"]) - int(s["attained"])), str(int(s["green"])),
                 str(int(s["yellow"])), str(int(s["red"])), str(len(unjudged))])
    header = [_t(c, lang) for c in ("c_aspect", "c_count", "c_attained", "c_not", "c_green",
                                    "c_yellow", "c_red", "c_unjudged")]
    widths = [4.2, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9]
    if len(unjudged):  # a column of zeros says nothing; when some cannot be judged it says how many
        widths = [3.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 2.2]
    else:
        header, rows = header[:-1], [r[:-1] for r in rows]
    counter[0] += 1
    add_caption(doc, _t("t_aspects", lang, n=counter[0], year=year))
    add_table(doc, header, rows, widths_cm=widths, align="l" + "c" * (len(header) - 1))
    png = charts.lights_by_group(names, counts, labels={
        "green": _t("c_green", lang), "yellow": _t("c_yellow", lang), "red": _t("c_red", lang)},
        xlabel=_t("x_count", lang))
    counter[1] += 1
    add_picture(doc, png, _t("f_lights", lang, n=counter[1], year=year))


# -- 二、主要指标完成情况 ------------------------------------------------------------------------


def _main_table(doc: DocumentObject, table: pd.DataFrame, period: Hashable,
                previous: Hashable | None, first: Hashable, unit: str, rule: WarningRule,
                lang: str, counter: list[int]) -> None:
    year = str(period)
    add_heading(doc, _t("h2", lang))
    counter[0] += 1
    add_paragraph(doc, _t("main_sentence", lang, year=year, t=counter[0]))
    add_caption(doc, _t("t_main", lang, n=counter[0], unit=unit, year=year))
    rows: list[list[str]] = []
    group_rows: list[tuple[int, str]] = []
    lights: list[tuple[int, str]] = []
    number = 0
    for g, code in enumerate(dict.fromkeys(table["aspect"]), start=1):
        part = table[table["aspect"] == code]
        group_rows.append((len(rows) + 1, f"（{_cn(g)}）{_aspect(part.iloc[0], lang)}"
                           if lang == "zh" else f"({g}) {_aspect(part.iloc[0], lang)}"))
        rows.append([""] * 9)
        for _, r in part.iterrows():
            number += 1
            measure = "" if r["rule"] == "yes" or not r["measure"] else _paren(r["measure"], lang)
            change = display.MISSING if pd.isna(r["change"]) else \
                f"{_signed_change(r)}{_paren(value_label('change_dir', r['change_dir'], lang), lang)}"
            rows.append([str(number), f"{_name(r, lang)}{measure}",
                         value_label("category", r["category"], lang),
                         _target_text(r, lang), _value_text(r, lang),
                         value_label("attained", r["attained"], lang), change,
                         value_label("trend", r["trend"], lang),
                         value_label("light", r["light"], lang)])
            if not pd.isna(r["light"]):
                lights.append((len(rows), str(r["light"])))
    header = [_t(c, lang) for c in ("c_no", "c_ind", "c_cat", "c_target", "c_value", "c_done",
                                    "c_yoy", "c_trend", "c_light")]
    # Latin words cannot wrap inside like CJK text: the English draft needs wider word columns.
    widths = [0.9, 4.1, 1.3, 1.3, 1.3, 1.6, 2.3, 1.6, 1.2] if lang == "zh" else \
        [0.8, 3.4, 1.6, 1.3, 1.2, 1.9, 2.4, 1.8, 1.2]
    t = add_table(doc, header, rows, widths_cm=widths, align="clccccccc", size=9)
    for row, text_ in group_rows:
        merge_row(t, row, text_, size=9)
    for row, light in lights:
        shade(t.rows[row].cells[-1], _FILLS[light])
    add_paragraph(doc, _t("note_main", lang, prev=previous if previous is not None else "—",
                          first=first, year=year, near=display.value(rule.near * 100),
                          basis=_t(f"basis_{rule.basis}", lang))).style = STYLE["table"]


def _paren(text_: str, lang: str) -> str:
    return f"（{text_}）" if lang == "zh" else f" ({text_})"


def _target_text(r: pd.Series, lang: str) -> str:
    if r["rule"] == "yes":
        return _t("yes", lang)
    sign = {">=": "≥", "<=": "≤"}.get(str(r["rule"]), "")
    return f"{sign}{display.value(r['target'])}" if not pd.isna(r["target"]) else display.MISSING


def _value_text(r: pd.Series, lang: str) -> str:
    if r["rule"] == "yes" and not pd.isna(r["value"]):
        return _t("yes" if float(r["value"]) >= 1 else "no", lang)
    return display.value(r["value"])


def _signed_change(r: pd.Series) -> str:
    """Return the change on last year from the values as printed (``-0.7``, ``+2``)."""
    return display.signed_value(display.value_difference(r["value"], r["previous"]))


def _abs_change(r: pd.Series, other: str) -> str:
    """Return |value − other| from the values as printed (the reader's subtraction checks)."""
    return display.value(abs(display.value_difference(r["value"], r[other])))


# -- 三、存在问题 ------------------------------------------------------------------------------


def _fact(r: pd.Series, year: str, lang: str) -> str:
    """Return the facts of one indicator (its value, target, gap, change, trend)."""
    measure = r["measure"]
    rule = {">=": "rule_ge", "<=": "rule_le"}.get(str(r["rule"]), "rule_yes")
    target = _value(r, "target", lang)
    text_ = _t("fact_value", lang, year=year, value=_value(r, "value", lang), rule=_t(rule, lang),
              target=target)
    if r["attained"] is pd.NA or pd.isna(r["attained"]):
        pass
    elif bool(r["attained"]):
        text_ += _t("fact_ok", lang)
    elif r["rule"] in (">=", "<=") and not pd.isna(r["gap"]):
        key = "fact_short_ge" if r["rule"] == ">=" else "fact_short_le"
        text_ += _t(key, lang, gap=with_unit(_abs_change(r, "target"), measure, lang, change=True))
    else:
        text_ += _t("fact_not", lang)
    if not pd.isna(r["change"]) and r["rule"] != "yes":
        if display.value_difference(r["value"], r["previous"]) == 0:
            text_ += _t("fact_same", lang)
        else:
            text_ += _t("fact_change", lang, direction=_t("rise" if r["change"] > 0 else "fall",
                                                         lang),
                       delta=with_unit(_abs_change(r, "previous"), measure, lang, change=True),
                       word=value_label("change_dir", r["change_dir"], lang))
    if not pd.isna(r["trend"]):
        text_ += _t("fact_trend", lang, trend=value_label("trend", r["trend"], lang))
    else:
        text_ += _t("fact_end", lang)
    return text_


def _problems(doc: DocumentObject, table: pd.DataFrame, history: pd.DataFrame, period: Hashable,
              unit: str, lang: str, counter: list[int]) -> pd.DataFrame:
    year = str(period)
    add_heading(doc, _t("h4", lang))
    red = table[table["light"] == "red"]
    yellow = table[table["light"] == "yellow"]
    if red.empty and yellow.empty:
        # All green only when every indicator was judged green; else say how many were not.
        k = int(table["light"].isna().sum())
        add_paragraph(doc, _t("no_problems_partial", lang, year=year, unit=unit,
                              assessed=len(table) - k, k=k) if k
                      else _t("no_problems", lang, year=year, unit=unit))
        return table.iloc[0:0]
    add_paragraph(doc, _t("problems", lang, year=year, unit=unit, red=len(red), yellow=len(yellow)))
    i = 0
    for key, part in (("h_red", red), ("h_yellow", yellow)):
        if part.empty:
            continue
        i += 1
        add_heading(doc, _t(key, lang, k=len(part), i=_label(i, lang)), level=2)
        for k, (_, r) in enumerate(part.iterrows(), start=1):
            cat = value_label("category", r["category"], lang)
            dept = r["department"] or "—"
            lead = _t("lead", lang, cat=cat, dept=dept) if cat != "—" else \
                _t("lead_plain", lang, dept=dept)
            opening = f"{k}. {_name(r, lang)}（{lead}）：" if lang == "zh" else \
                f"{k}. {_name(r, lang)} ({lead}): "
            add_paragraph(doc, opening + _fact(r, year, lang))
    concerned = pd.concat([red, yellow])
    panels = []
    for _, r in concerned.iterrows():
        series = history[history["indicator"] == r["indicator"]]
        title = _name(r, lang)
        if lang == "zh" and len(title) > 11:
            title = f"{title[:11]}\n{title[11:]}"
        if r["measure"] and r["rule"] != "yes":
            title += _paren(r["measure"], lang)
        panels.append({"title": title, "x": list(series["period"]), "y": list(series["value"]),
                       "target": None if pd.isna(r["target"]) else float(r["target"]),
                       "light": r["light"]})
    png = charts.small_trends(panels, columns=4)
    counter[1] += 1
    add_picture(doc, png, _t("f_trends", lang, n=counter[1]))
    return concerned


# -- 四、下步工作 ------------------------------------------------------------------------------


def _work(doc: DocumentObject, table: pd.DataFrame, previous: Hashable | None, table_no: int,
          lang: str) -> None:
    """三、主要工作和成效: the indicators attained and those that improved (facts), then a placeholder."""
    add_heading(doc, _t("h3", lang))
    attained = table["attained"].fillna(False).astype(bool)
    binding = (table["category"] == "binding").fillna(False).astype(bool)
    text_ = _t("work_attained", lang, k=int(attained.sum()), b=int((attained & binding).sum()))
    if previous is not None:
        better = table[table["change_dir"] == "better"]
        if len(better):
            items = _t("sep", lang).join(_name(r, lang) for _, r in better.iterrows())
            text_ = join(lang, text_, _t("work_better", lang, prev=previous, k=len(better),
                                         names=items, t=table_no))
        else:
            text_ = join(lang, text_, _t("work_none", lang, prev=previous))
    add_paragraph(doc, text_)
    add_placeholder(doc, _t("ph_work", lang))


def _next_steps(doc: DocumentObject, concerned: pd.DataFrame, unjudged: int, lang: str) -> None:
    add_heading(doc, _t("h5", lang))
    if concerned.empty:
        add_paragraph(doc, _t("next_none_partial", lang, k=unjudged) if unjudged
                      else _t("next_none", lang))
        add_placeholder(doc, _t("ph_overall", lang))
        return
    by_dept: dict[str, list[str]] = {}
    for _, r in concerned.iterrows():
        by_dept.setdefault(str(r["department"] or "—"), []).append(_name(r, lang))
    add_paragraph(doc, _t("next_intro", lang, k=len(by_dept)))
    add_placeholder(doc, _t("ph_overall", lang))
    # Departments with the most indicators concerned first; ties in order of appearance.
    order = sorted(by_dept, key=lambda d: -len(by_dept[d]))
    sep = _t("sep", lang)
    for i, dept in enumerate(order, start=1):
        add_heading(doc, _t("h_dept", lang, i=_label(i, lang), dept=dept), level=2)
        add_paragraph(doc, _t("dept_facts", lang, names=sep.join(by_dept[dept])))
        add_placeholder(doc, _t("ph_dept", lang, dept=dept))


# -- the document ------------------------------------------------------------------------------


def write_eco_docx(framework: Framework, panel: Panel, unit: str, path: str | PathLike[str], *,
                   period: Hashable | None = None, rule: WarningRule | None = None,
                   lang: str = "zh", synthetic: bool | None = None, unapproved: bool = False) -> Path:
    """Write the 生态文明建设情况报告 draft of one unit as a Word document.

    Parameters
    ----------
    framework : Framework
        Supervision indicators with targets, rules, categories and lead
        departments (e.g. the bundled ``eco`` framework).
    panel : Panel
        Raw values over the years (five years feed the trend).
    unit : str
        Unit code or name (e.g. ``"永康市"``).
    path : str or path-like
        The ``.docx`` file to write (its folder is created).
    period : hashable, optional
        The year reported on; the last by default.
    rule : WarningRule, optional
        The early-warning rule; :class:`~zongheng.analysis.attainment.WarningRule()` by default.
    lang : {"zh", "en"}
    synthetic : bool, optional
        Whether the data are synthetic (said on the first page); detected by
        default (:func:`~zongheng.report.docx_style.is_synthetic`).
    unapproved : bool
        The data are not all approved yet (未审核): the title page and every page's header say so.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DataError
        If the unit or period is not in the data (from ``attainment``).
    FrameworkError
        If no indicator of the framework has a target (指标体系没有目标值): nothing
        could be judged, and the report would say nothing true.
    """
    lang = "en" if lang == "en" else "zh"
    rule = rule or WarningRule()
    history = attainment(framework, panel, unit=unit, rule=rule)   # every year: trend, last year
    if history["target"].isna().all():
        raise FrameworkError([Problem("docx_eco_no_targets", {})])
    p = panel.period_index(period) if period is not None else len(panel.periods) - 1
    if period is not None:
        attainment(framework, panel, unit=unit, period=period, rule=rule)  # raises on a bad period
    period = panel.periods[p]
    previous = panel.periods[p - 1] if p > 0 else None
    table = history[history["period"] == period].reset_index(drop=True)
    totals = summary(history)
    unit_name = str(table["unit_name"].iloc[0])

    with using_lang(lang):
        parts = [_t("title_1", lang, unit=unit_name, year=period),
                 _t("title_2", lang, unit=unit_name, year=period)]
        doc = new_document(lang, title="".join(parts) if lang == "zh" else " ".join(parts))
        add_title(doc, *parts)
        add_note(doc, _t("draft", lang))
        if unapproved:
            mark_unapproved(doc, lang)
        if synthetic if synthetic is not None else is_synthetic(panel):
            add_note(doc, _t("synthetic", lang))
        add_byline(doc, _t("byline_meeting", lang, unit=unit_name, date=_t("byline_date", lang)))
        add_byline(doc, _t("byline_speaker", lang, unit=unit_name))
        add_paragraph(doc, "")  # one empty line between the title block and the 称谓
        add_paragraph(doc, _t("salutation", lang), indent=False)
        add_paragraph(doc, _t("entrusted", lang, level=_level(unit_name), unit=unit_name,
                              year=period))
        counter = [0, 0]  # tables, figures
        _overview(doc, table, totals, period, previous, unit_name, lang, counter)
        window = panel.periods[max(0, p - rule.window + 1):p + 1]
        recent = history[history["period"].isin(window)]
        _main_table(doc, table, period, previous, window[0], unit_name, rule, lang, counter)
        _work(doc, table, previous, counter[0], lang)
        concerned = _problems(doc, table, recent, period, unit_name, lang, counter)
        _next_steps(doc, concerned, int(table["light"].isna().sum()), lang)
        add_signature(doc, _t("issuer", lang, unit=unit_name), _t("date", lang), lang=lang)
    # All at once: a kill or a full disk leaves the earlier draft whole.
    return atomic_write(Path(path), lambda tmp: doc.save(str(tmp)))
