"""Excel results workbook (评价结果工作簿): the sheets people filter in Excel or WPS.

:func:`write_xlsx` writes a unit's workbook from its :class:`~zongheng.report.brief.UnitBrief`
(说明, 排名, 指标值, 标准化值, 进步, 差距, 路径, 优劣势, 责任分解); :func:`write_results_xlsx`
writes the first five for a whole evaluation without a focus unit. Both share one writer, so
the tables of every unit are the same in both. Every number is a number (formats only change
how it shows): ranks are integers, rank changes show as ▲/▼ through their number format,
shares are fractions shown as percentages.

Formatting for people who filter: frozen header rows and name columns, autofilter on each
table, units of measure in headers (``规上工业亩均税收（万元/亩）``), 3-colour scales on
scores, traffic lights on ranks (top 3 green, bottom quarter red), ▲ green ▼ red, data bars on
the gap contributions, column widths that count a CJK character as two, and the focus unit's
rows highlighted. :func:`render_png` shows a sheet as LibreOffice prints it.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from zongheng import datasets
from zongheng.analysis.attainment import labels as attainment_labels
from zongheng.analysis.attainment import summary as attainment_summary
from zongheng.analysis.attainment import value_label
from zongheng.analysis.gap import GapResult
from zongheng.analysis.progress import progress
from zongheng.analysis.ranking import ranking_table
from zongheng.analysis.strengths import dimension_of
from zongheng.evaluation import Evaluation
from zongheng.io.atomic import atomic_write
from zongheng.report.brief import UnitBrief
from zongheng.steps import STAGES

__all__ = ["ATTAINMENT_SHEETS", "SHEETS", "render_png", "sheet_names", "text_width",
           "write_attainment_xlsx", "write_results_xlsx", "write_xlsx"]

SHEETS = ("about", "ranking", "values", "normalised", "progress", "gap", "path", "strengths",
          "duties")
"""The sheets of a unit's workbook, in order; a workbook without a unit has the first five."""

ATTAINMENT_SHEETS = ("about", "attainment", "summary")
"""The sheets of an attainment workbook (:func:`write_attainment_xlsx`), in order."""

_SHEET_NAMES = {
    "about": ("说明", "About"), "ranking": ("排名", "Ranking"),
    "values": ("指标值", "Indicator values"), "normalised": ("标准化值", "Normalised values"),
    "progress": ("进步", "Progress"), "gap": ("差距", "Gap"), "path": ("路径", "Path"),
    "strengths": ("优劣势", "Strengths"), "duties": ("责任分解", "Duties"),
    "attainment": ("达标情况", "Attainment"), "summary": ("达标汇总", "Summary"),
}

# Every label of the workbook, zh first.
_TEXT: dict[str, tuple[str, str]] = {
    "synthetic": ("演示数据为合成数据（synthetic demo data）：数值由程序生成，不代表任何地区的"
                  "真实情况，请勿引用。",
                  "Synthetic demo data (演示数据为合成数据): generated values that describe no "
                  "real place; do not quote them."),
    "book_title": ("{title} 评价结果", "{title}: results"),
    "book_title_unit": ("{title} 评价结果：{unit}", "{title}: results for {unit}"),
    "sheet_title": ("{title} · {sheet}（{period}年）", "{title} · {sheet} ({period})"),
    "all_units": ("全部单位中", "all units"),
    "scope_group": ("{label}（{group}）", "{label} ({group})"),
    "d_ranking": ("各单位综合指数、维度得分与排名；位次变化为较上期（▲上升 ▼下降）；绿：前3名，"
                  "红：后四分之一。",
                  "Index and dimension scores and ranks of every unit; rank change on the "
                  "previous period (▲ up ▼ down); green: top 3, red: bottom quarter."),
    "d_values": ("各指标原始数值，表头括号内为计量单位；色阶按指标方向，绿好红差。",
                 "Raw indicator values, units of measure in brackets; colours follow each "
                 "indicator's direction, green better, red worse."),
    "d_normalised": ("各指标标准化值：方向已统一为越高越好，可跨指标比较。",
                     "Normalised indicator values: higher is always better, comparable across "
                     "indicators."),
    "d_progress": ("纵向比进步：得分与位次较上期（{previous}年）和较基期（{base}年）的变化。",
                   "Progress: score and rank changes on the previous period ({previous}) and "
                   "the base period ({base})."),
    "d_gap": ("找差距：{unit}与{peer}的综合得分差距逐项分解到指标，各项贡献合计等于差距；"
              "正值为对标单位领先（红条），负值为本单位领先（绿条）。",
              "Gap: the index gap between {unit} and {peer}, split by indicator; the "
              "contributions add up to the gap; positive: the peer leads (red bar), negative: "
              "{unit} leads (green bar)."),
    "d_gap_none": ("{unit}在{scope}已排第一，无需对标上一名。",
                   "{unit} is first in {scope}: no unit above to compare with."),
    "d_path": ("找路径：{unit}在{scope}达到第{target}名所需的最小指标改变（现值 → 需达到），"
               "按改变幅度排序。",
               "Path: the least change of indicators that takes {unit} to rank {target} in "
               "{scope} (now → needed), largest relative change first."),
    "d_path_none": ("{unit}在{scope}现居第{rank}名，已达到目标名次，无需路径。",
                    "{unit} already holds the target rank in {scope} (now rank {rank})."),
    "d_strengths": ("找问题：{unit}在{scope}排名靠前的优势指标、靠后的短板指标和较上期下降的"
                    "指标。", "Strengths, weaknesses and declines of {unit} within {scope}."),
    "d_duties": ("责任分解：按牵头单位列出短板、下降指标和路径提升任务。",
                 "Duties: weak and declining indicators and path changes per lead department."),
    # columns
    "rank": ("排名", "Rank"), "rank_change": ("位次变化", "Rank change"),
    "rank_in": ("组内排名（{group}）", "Rank in {group}"),
    "rank_change_in": ("组内位次变化（{group}）", "Rank change in {group}"),
    "code": ("代码", "Code"), "name": ("名称", "Name"), "score_change": ("得分较上期（分）",
                                                                       "Score change (points)"),
    "points": ("{name}（分）", "{name} (points)"), "measure_h": ("{name}（{unit}）", "{name} ({unit})"),
    "p_score": ("得分（分）", "Score (points)"), "p_change": ("较上期（分）", "vs previous (points)"),
    "p_change_base": ("较{base}年（分）", "vs {base} (points)"),
    "p_rank_change": ("位次变化", "Rank change"),
    "p_rank_change_base": ("较{base}年位次变化", "Rank change vs {base}"),
    "history": ("{unit} 历年得分与名次", "{unit} over the periods"),
    "period": ("年份", "Period"), "node": ("指标", "Node"),
    "indicator": ("指标", "Indicator"), "dimension": ("维度", "Dimension"),
    "measure": ("计量单位", "Unit of measure"), "department": ("牵头单位", "Lead department"),
    "weight": ("有效权重", "Effective weight"), "unit_value": ("本单位值", "Unit value"),
    "peer_value": ("对标值", "Peer value"), "unit_norm": ("本单位标准化值", "Unit normalised"),
    "peer_norm": ("对标标准化值", "Peer normalised"), "contribution": ("贡献（分）",
                                                                     "Contribution (points)"),
    "share": ("占差距比重", "Share of gap"), "who": ("对象", "Who"),
    "this_unit": ("本单位", "This unit"), "peer": ("对标单位", "Peer"), "gap": ("差距", "Gap"),
    "subtotals": ("分维度小计", "Subtotals by dimension"), "total": ("合计", "Total"),
    "unit_score": ("本单位得分（分）", "Unit score (points)"),
    "peer_score": ("对标得分（分）", "Peer score (points)"),
    "group_rank": ("组内名次", "Rank in group"),
    "direction": ("方向", "Direction"), "dir_+": ("正向", "higher is better"),
    "dir_-": ("逆向", "lower is better"),
    "now": ("现值", "Now"), "needed": ("需达到", "Needed"), "change": ("变化", "Change"),
    "change_pct": ("变化率", "Change (%)"), "effort_share": ("努力占比", "Share of effort"),
    "item": ("项目", "Item"), "value": ("数值", "Value"),
    "current_rank": ("当前名次", "Current rank"), "target_rank": ("目标名次", "Target rank"),
    "current_score": ("当前得分（分）", "Current score (points)"),
    "needed_score": ("需达到得分（分）", "Needed score (points)"),
    "achieved_rank": ("调整后名次（完整重建验证）", "Rank after the change (full rebuild)"),
    "achieved_score": ("调整后得分（分）", "Score after the change (points)"),
    "reachable": ("目标可达", "Target reachable"), "yes": ("是", "yes"), "no": ("否", "no"),
    "best_rank": ("可达最好名次", "Best reachable rank"), "solver": ("求解方法", "Solver"),
    "kind": ("类型", "Kind"), "group_size": ("组内单位数", "Units in group"),
    "normalised": ("标准化值", "Normalised"), "current": ("本期值", "Value"),
    "previous": ("上期值", "Previous"), "change_norm": ("标准化值变化", "Normalised change"),
    "k_strength": ("优势", "strength"), "k_weakness": ("短板", "weakness"),
    "k_declined": ("下降", "declined"), "k_path": ("路径提升", "path"), "issue": ("事项", "Issue"),
    "notes": ("说明", "Notes"),
    # the about sheet
    "a_item": ("项目", "Item"), "a_content": ("内容", "Content"),
    "a_data_note": ("数据说明", "About the data"), "a_unit": ("评价单位", "Unit"),
    "a_scope": ("对比范围", "Compared within"), "a_units": ("{scope}，共 {n} 个单位",
                                                          "{scope}, {n} units"),
    "a_period": ("评价时期", "Period"), "a_periods": ("{period}年（数据 {first}–{last}年）",
                                                   "{period} (data {first}–{last})"),
    "a_source": ("数据来源", "Data source"), "a_framework": ("指标体系", "Framework"),
    "a_framework_v": ("{title}：{n_dims} 个维度、{n_ind} 项指标", "{title}: {n_dims} dimensions, "
                      "{n_ind} indicators"),
    "a_weights": ("维度权重", "Dimension weights"), "a_method": ("计算方法", "Method"),
    "a_scope_param": ("参数学习范围", "parameter scope"),
    "a_rank_note": ("名次说明", "Ranks"),
    "a_rank_note_v": ("竞争排名（并列同名次，如 1, 2, 2, 4）；位次变化 = 上期名次 − 本期名次，"
                      "▲ 为上升、▼ 为下降。",
                      "Competition ranks (ties share a rank: 1, 2, 2, 4); rank change = previous "
                      "rank − rank, ▲ up, ▼ down."),
    "a_colours": ("颜色说明", "Colours"),
    "a_colours_v": ("名次：绿为前3名，红为后四分之一；得分色阶红→黄→绿；▲ 绿 ▼ 红；"
                    "浅黄底色为本单位所在行。",
                    "Ranks: green top 3, red bottom quarter; scores red → yellow → green; "
                    "▲ green ▼ red; the focus unit's rows are light yellow."),
    "a_gap_method": ("差距方法", "Gap method"), "a_path_method": ("路径方法", "Path method"),
    "a_sheets": ("工作表", "Sheets"), "a_tool": ("生成工具", "Made with"),
    "a_toc_ranking": ("综合指数、维度得分、总排名与组内排名及其变化", "index and dimension scores, "
                      "ranks and rank changes"),
    "a_toc_values": ("各指标原始数值（含计量单位）", "raw indicator values (with units)"),
    "a_toc_normalised": ("各指标标准化值", "normalised indicator values"),
    "a_toc_progress": ("较上期、较基期的得分与位次变化", "score and rank changes"),
    "a_toc_gap": ("与上一名的差距分解", "the gap to the unit above, by indicator"),
    "a_toc_path": ("达到目标名次的路径", "the path to the target rank"),
    "a_toc_strengths": ("优势、短板与下降指标", "strengths, weaknesses, declines"),
    "a_toc_duties": ("按牵头单位的责任分解", "duties by lead department"),
    # the attainment workbook
    "att_title": ("主要指标完成情况", "Attainment of the indicators"),
    "att_sheet_title": ("{title} · {sheet}（{periods}）", "{title} · {sheet} ({periods})"),
    "d_attainment": ("各指标实际值、目标值、是否达标、同比和五年趋势；预警：绿为达标且未变差，"
                     "黄为达标但变差或接近目标，红为未达标。最新年份在前。",
                     "Value, target, attainment, year-on-year change and five-year trend of each "
                     "indicator; lights: green attained and not worsening, yellow attained but "
                     "worsening or near the target, red not attained. Latest period first."),
    "d_summary": ("各单位各年份达标情况汇总。", "Attainment per unit and period."),
    "att_attained_n": ("达标数", "Attained"),
    "a_indicators": ("指标", "Indicators"), "a_indicators_v": ("{n} 项（约束性 {binding} 项）",
                                                             "{n} ({binding} binding)"),
    "a_lights": ("预警规则", "Warning lights"),
    "a_toc_attainment": ("逐项指标达标情况与预警", "each indicator's attainment and light"),
    "a_toc_summary": ("达标率与红黄绿灯数", "attainment rates and light counts"),
}

_STAGE_LABELS = {
    "denominate": ("分母处理", "denominate"), "impute": ("缺失值插补", "impute"),
    "screen": ("单位筛选", "screen"), "treat": ("异常值处理", "treat"),
    "normalise": ("标准化", "normalise"), "weight": ("赋权", "weight"),
    "aggregate": ("汇总", "aggregate"),
}

# Colours (Excel's own palette, so the workbook looks familiar).
_GREEN_FILL, _GREEN_FONT = "#C6EFCE", "#006100"
_RED_FILL, _RED_FONT = "#FFC7CE", "#9C0006"
_SCALE = ("#F8696B", "#FFEB84", "#63BE7B")
_FOCUS = "#FFF2CC"
_HEADER = "#DDEBF7"
_BANDS = ("#D9E1F2", "#E2EFDA", "#FCE4D6", "#EDE1F5", "#FFF2CC", "#F2F2F2")
_BORDER = "#BFBFBF"

_SCORE, _RANK, _PCT, _SIGNED = "0.00", "0", "0.0%", "+0.00;-0.00;0.00"
_SIGNED_VALUE = "+#,##0.00;-#,##0.00;0.00"
_ARROW = '"▲"0;"▼"0;"–"'  # a rank change stays a number: ▲2 is 2, ▼1 is −1

_HEADER_CAP = 20      # widest a text column grows for its header (longer headers wrap)
_NUMBER_CAP = 10      # the same for a number column: its values are short
_NARROW_CAP = 12      # indicator columns of the wide sheets
_MAX_WIDTH = 60
_LINE_HEIGHT = 15.0   # points per wrapped header line


def text_width(text: object) -> float:
    """Return the display width of a cell's text (显示宽度): a CJK character counts as 2.

    Excel measures columns in widths of the digit 0; a Chinese character in a
    common UI font is about two of them.

    Examples
    --------
    >>> text_width("排名"), text_width("Rank"), text_width("亩均税收（万元/亩）")
    (4.0, 4.0, 19.0)
    """
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text)))


def sheet_names(lang: str = "zh", *, unit: bool = True, attainment: bool = False) -> list[str]:
    """Return the sheet names of a workbook in order (工作表名称).

    Parameters
    ----------
    lang : {"zh", "en"}
    unit : bool
        A unit's workbook (:func:`write_xlsx`) or one without (:func:`write_results_xlsx`).
    attainment : bool
        An attainment workbook (:func:`write_attainment_xlsx`).
    """
    keys = ATTAINMENT_SHEETS if attainment else SHEETS if unit else SHEETS[:5]
    return [_SHEET_NAMES[k][_pick(lang)] for k in keys]


def write_xlsx(brief: UnitBrief, path: str | Path, *, lang: str = "zh",
               source: str | None = None, synthetic: bool | None = None) -> Path:
    """Write a unit's results workbook (单位评价结果工作簿).

    Parameters
    ----------
    brief : UnitBrief
        From :func:`~zongheng.report.brief.unit_brief`; every number shown comes from it or
        from its evaluation.
    path : path
        The ``.xlsx`` file; written to a temporary name and moved into place.
    lang : {"zh", "en"}
        Sheet names and labels.
    source : str, optional
        Where the data come from; by default the title of the bundled dataset the panel came
        from (``panel.meta["dataset"]``), else the data file's name.
    synthetic : bool, optional
        Say on every sheet that the data are synthetic; ``panel.meta["synthetic"]`` (set by
        :func:`zongheng.datasets.load`) by default.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.report.brief import unit_brief
    >>> ds = zh.datasets.load("tiangong_demo")
    >>> ev = zh.build(ds.framework, ds.panel, ds.method)
    >>> brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)
    >>> write_xlsx(brief, "永康市.xlsx", source=ds.title, synthetic=ds.synthetic)  # doctest: +SKIP
    """
    book = _Book(brief.evaluation, brief.period, brief.group, brief, lang, source, synthetic)
    return _atomic(path, book.write)


def write_results_xlsx(ev: Evaluation, path: str | Path, *, group: str | None = None,
                       period: Hashable | None = None, lang: str = "zh",
                       source: str | None = None, synthetic: bool | None = None) -> Path:
    """Write the results workbook of a whole evaluation (评价结果工作簿).

    The sheets 说明, 排名, 指标值, 标准化值 and 进步 of :func:`write_xlsx`, without a
    focus unit.

    Parameters
    ----------
    ev : Evaluation
    path : path
    group : str, optional
        A group column: adds the rank within each unit's group and its change.
    period : hashable, optional
        The last period by default.
    lang, source, synthetic
        As :func:`write_xlsx`.

    Returns
    -------
    Path
    """
    p = ev.panel.period_index(period) if period is not None else len(ev.panel.periods) - 1
    book = _Book(ev, ev.panel.periods[p], group, None, lang, source, synthetic)
    return _atomic(path, book.write)


def write_attainment_xlsx(table: pd.DataFrame, path: str | Path, *, title: str | None = None,
                          lang: str = "zh", source: str | None = None,
                          synthetic: bool = False) -> Path:
    """Write the attainment workbook of supervision indicators (指标完成情况工作簿).

    Sheets 说明, 达标情况 (an indicator per row: value, target, 达标/未达标, gap,
    year-on-year, five-year trend and a red/yellow/green light, latest period first) and
    达标汇总 (attainment rate and light counts per unit and period).

    Parameters
    ----------
    table : DataFrame
        From :func:`~zongheng.analysis.attainment.attainment` (any units and periods).
    path : path
    title : str, optional
        The framework's title (e.g. ``framework.meta["title"]``).
    lang, source, synthetic
        As :func:`write_xlsx`.

    Returns
    -------
    Path

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.analysis.attainment import attainment
    >>> ds = zh.datasets.load("eco_yongkang")
    >>> table = attainment(ds.framework, ds.panel, unit="永康市")
    >>> write_attainment_xlsx(table, "永康市_生态.xlsx", title=ds.framework.meta["title"],
    ...                       source=ds.title, synthetic=ds.synthetic)  # doctest: +SKIP
    """
    book = _AttainmentBook(table, title, lang, source, synthetic)
    return _atomic(path, book.write)


def render_png(xlsx: str | Path, png: str | Path, *, sheet: int | Sequence[int] = 1,
               dpi: int = 60, size: tuple[int, int] | None = (1200, 700),
               pdf: str | Path | None = None, timeout: float = 120) -> Path:
    """Render sheets as LibreOffice shows them (工作表截图): xlsx → PDF → PNG.

    Uses ``soffice --headless`` (export with one page per sheet) and ``pdftoppm``.

    Parameters
    ----------
    xlsx, png : path
    sheet : int or sequence of int
        The sheet's position, 0 for the first; several are stacked top to bottom
        (needs Pillow, which matplotlib brings).
    dpi : int
    size : (width, height) or None
        Crop each sheet's top-left corner to this many pixels (what a screen shows first).
    pdf : path, optional
        Keep the PDF (every sheet on one page, in order) here.
    timeout : float
        Seconds allowed for each tool.

    Returns
    -------
    Path
        The PNG written.

    Raises
    ------
    FileNotFoundError
        If ``soffice`` or ``pdftoppm`` is not installed.
    """
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        raise FileNotFoundError("render_png needs soffice (LibreOffice) and pdftoppm (poppler)")
    sheets = [sheet] if isinstance(sheet, int) else list(sheet)
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zongheng-xlsx-") as tmp:
        # A fresh profile: a user's running LibreOffice would otherwise swallow the call.
        env = {**os.environ, "HOME": tmp}
        fmt = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
        subprocess.run([soffice, "--headless", "--convert-to", fmt, "--outdir", tmp,
                        str(Path(xlsx).resolve())], check=True, capture_output=True, env=env,
                       timeout=timeout)
        exported = Path(tmp) / (Path(xlsx).stem + ".pdf")
        pages = []
        for k in sheets:
            args = [pdftoppm, "-r", str(dpi), "-png", "-f", str(k + 1), "-l", str(k + 1),
                    "-singlefile"]
            if size is not None:
                args += ["-x", "0", "-y", "0", "-W", str(size[0]), "-H", str(size[1])]
            page = Path(tmp) / f"page{k}"
            subprocess.run([*args, str(exported), str(page)], check=True, capture_output=True,
                           timeout=timeout)
            pages.append(page.with_suffix(".png"))
        if len(pages) == 1:
            shutil.move(pages[0], png)
        else:
            _stack(pages, png)
        if pdf is not None:
            shutil.move(exported, pdf)
    return png


def _stack(pages: Sequence[Path], out: Path, gap: int = 12) -> None:
    """Stack page images top to bottom on white, a grey rule between them."""
    from PIL import Image, ImageDraw

    images = [Image.open(p).convert("RGB") for p in pages]
    width = max(im.width for im in images)
    height = sum(im.height for im in images) + gap * (len(images) - 1)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    y = 0
    for k, im in enumerate(images):
        canvas.paste(im, (0, y))
        y += im.height
        if k < len(images) - 1:
            draw.rectangle((0, y + gap // 2 - 1, width, y + gap // 2), fill="#A6A6A6")
            y += gap
    canvas.save(out)


# -- the writer -------------------------------------------------------------------------------

def _pick(lang: str) -> int:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return 0 if lang == "zh" else 1


def _atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    return atomic_write(path, write)


def _cell(value: Any) -> Any:
    """Return a value Excel can hold: None for missing, plain Python numbers."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _label_value(value: Any) -> Any:
    """Group labels read as text ('0', '1'): keep integers as numbers so Excel filters them."""
    value = _cell(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


@dataclass
class _Col:
    """One column of a table: header, values and how they show."""

    header: str
    values: Sequence[Any]
    fmt: str | None = None        # number format; None for text
    cap: float | None = None      # the header's share of the width (longer ones wrap)
    band: str | None = None       # a label above the header (dimension, node)
    code: str | None = None       # a second header line (indicator code)
    key: str = ""                 # for finding the column again (conditional formats)


@dataclass
class _Table:
    """Where a written table sits: its header row, data rows and columns by key."""

    header: int
    first: int
    last: int
    columns: dict[str, int] = field(default_factory=dict)

    def rng(self, col: int, last_col: int | None = None) -> tuple[int, int, int, int]:
        return (self.first, col, self.last, col if last_col is None else last_col)


class _Formats:
    """Cached cell formats: xlsxwriter needs one Format object per combination."""

    def __init__(self, book: xlsxwriter.Workbook, font: str) -> None:
        self._book, self._font, self._cache = book, font, {}

    def __call__(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._book.add_format(
                {"font_name": self._font, "font_size": 10, "valign": "vcenter", **props})
        return self._cache[key]

    def cell(self, fmt: str | None, focus: bool = False, **extra: Any) -> Format:
        props: dict[str, Any] = {"border": 1, "border_color": _BORDER, **extra}
        if fmt:
            props["num_format"] = fmt
        if focus:
            props.update(bg_color=_FOCUS, bold=True)
        return self(**props)


class _Writer:
    """A workbook's shared machinery: labels, formats, tables, headings, conditional formats."""

    def __init__(self, lang: str, title: str, source: object, synthetic: bool) -> None:
        self.i, self.lang = _pick(lang), lang
        self.title, self.source, self.synthetic = title, source, synthetic
        self._pending: tuple[str, str] | None = None

    def t(self, key: str, **params: Any) -> str:
        return _TEXT[key][self.i].format(**params)

    def sheets(self) -> list[tuple[str, Callable[[Worksheet], None]]]:
        """Return each sheet's key and writer, in order."""
        raise NotImplementedError

    def book_title(self) -> str:
        raise NotImplementedError

    def sheet_title(self, sheet: str) -> str:
        raise NotImplementedError

    def write(self, path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        self._widths: dict[str, dict[int, float]] = {}
        self.f = _Formats(book, "等线" if self.i == 0 else "Calibri")
        book.set_properties({
            "title": self.book_title(), "author": "zongheng",
            "comments": self.t("synthetic") if self.synthetic else str(self.source),
        })
        for key, writer in self.sheets():
            ws = book.add_worksheet(_SHEET_NAMES[key][self.i])
            ws.set_default_row(16)
            ws.set_landscape()
            ws.set_paper(9)  # A4
            self._pending = None
            writer(ws)
            if self._pending is not None:  # the about sheet writes its own title
                self._finish(ws)
        book.close()

    def _heading(self, ws: Worksheet, sheet: str, description: str) -> None:
        """Remember the sheet's title and description; :meth:`_finish` writes them."""
        self._pending = (sheet, description)

    def _finish(self, ws: Worksheet) -> None:
        """Write the title row, then the description wrapped over the table's first columns.

        Written last, once the column widths are known; the synthetic note comes first, red.
        """
        assert self._pending is not None
        sheet, description = self._pending
        ws.write_string(0, 0, self.sheet_title(sheet), self.f(bold=True, font_size=14))
        ws.set_row(0, 24)
        last, span = self._span(ws)
        grey = self.f(font_color="#595959", text_wrap=True, valign="top")
        text = ("【" + self.t("synthetic") + "】" if self.synthetic else "") + description
        if last > 0:
            ws.merge_range(1, 0, 1, last, "", grey)
        if self.synthetic:
            red = self.f(font_color="#C00000", bold=True)
            ws.write_rich_string(1, 0, red, "【" + self.t("synthetic") + "】", grey, description,
                                 grey)
        else:
            ws.write_string(1, 0, description, grey)
        ws.set_row(1, _LINE_HEIGHT * math.ceil(text_width(text) / max(span - 2, 1)) + 3)

    def _span(self, ws: Worksheet, at_least: float = 90) -> tuple[int, float]:
        """Return the last column and total width of the first columns reaching ``at_least``."""
        widths = self._widths.setdefault(ws.name, {})
        if not widths:
            ws.set_column(0, 0, at_least)
            widths[0] = at_least
        total, last = 0.0, 0
        for j in range(max(widths) + 1):
            total += widths.get(j, 8.43)
            last = j
            if total >= at_least:
                break
        return last, total

    def _grow(self, ws: Worksheet, col: int, width: float) -> None:
        """Widen a column (never narrow it: tables on one sheet share columns)."""
        widths = self._widths.setdefault(ws.name, {})
        if width > widths.get(col, 0):
            widths[col] = width
            ws.set_column(col, col, width)

    def _table(self, ws: Worksheet, top: int, cols: list[_Col], *, focus: int | None = None,
               autofilter: bool = True, freeze_cols: int | None = None) -> _Table:
        """Write a table at row ``top``: optional band and code rows, the header, the data."""
        f = self.f
        row = top
        if any(c.band for c in cols):
            self._bands(ws, row, cols)
            row += 1
        if any(c.code for c in cols):
            code_fmt = f(font_color="#7F7F7F", align="center", border=1, border_color=_BORDER,
                         bg_color=_HEADER, font_size=9)
            for j, c in enumerate(cols):
                ws.write_string(row, j, c.code or "", code_fmt)
            row += 1
        header = row
        head_fmt = f(bold=True, text_wrap=True, align="center", border=1, border_color=_BORDER,
                     bg_color=_HEADER)
        lines = 1
        for j, c in enumerate(cols):
            ws.write_string(header, j, c.header, head_fmt)
            self._grow(ws, j, _width(c))
            width = self._widths[ws.name][j]
            lines = max(lines, math.ceil(text_width(c.header) / max(width - 2, 1)))
        ws.set_row(header, _LINE_HEIGHT * lines + 3)
        n = max((len(c.values) for c in cols), default=0)
        first = header + 1
        for j, c in enumerate(cols):
            plain, focused = f.cell(c.fmt), f.cell(c.fmt, focus=True)
            for r, value in enumerate(c.values):
                fmt = focused if r == focus else plain
                value = _cell(value)
                if value is None:
                    ws.write_blank(first + r, j, None, fmt)
                elif isinstance(value, bool):
                    ws.write_string(first + r, j, self.t("yes" if value else "no"), fmt)
                elif isinstance(value, int | float):
                    ws.write_number(first + r, j, value, fmt)
                else:
                    ws.write_string(first + r, j, str(value), fmt)
        last = first + max(n, 1) - 1
        if autofilter:
            ws.autofilter(header, 0, last, len(cols) - 1)
        if freeze_cols is not None:
            ws.freeze_panes(first, freeze_cols)
        return _Table(header, first, last, {c.key: j for j, c in enumerate(cols) if c.key})

    def _bands(self, ws: Worksheet, row: int, cols: list[_Col]) -> None:
        """Merge each run of equal band labels above the header, one soft colour per band."""
        j, k = 0, 0
        while j < len(cols):
            end = j
            while end + 1 < len(cols) and cols[end + 1].band == cols[j].band:
                end += 1
            label = cols[j].band or ""
            fmt = self.f(bold=True, align="center", border=1, border_color=_BORDER,
                         bg_color=_BANDS[k % len(_BANDS)] if label else "#FFFFFF")
            if end > j:
                ws.merge_range(row, j, row, end, label, fmt)
            else:
                ws.write_string(row, j, label, fmt)
            k += bool(label)
            j = end + 1

    # -- conditional formats ------------------------------------------------------------------
    def _scale(self, ws: Worksheet, rng: tuple[int, int, int, int], reverse: bool = False) -> None:
        low, mid, high = _SCALE[::-1] if reverse else _SCALE
        ws.conditional_format(*rng, {"type": "3_color_scale", "min_color": low,
                                     "mid_color": mid, "max_color": high})

    def _lights(self, ws: Worksheet, rng: tuple[int, int, int, int], size: str) -> None:
        """Top 3 green, bottom quarter (rank > ¾ of ``size``, a number or a formula) red."""
        cell = xl_rowcol_to_cell(rng[0], rng[1], col_abs=False, row_abs=False)
        green = self.f(bg_color=_GREEN_FILL, font_color=_GREEN_FONT)
        red = self.f(bg_color=_RED_FILL, font_color=_RED_FONT)
        ws.conditional_format(*rng, {"type": "formula",
                                     "criteria": f"=AND(ISNUMBER({cell}),{cell}<=3)",
                                     "format": green})
        ws.conditional_format(*rng, {"type": "formula",
                                     "criteria": f"=AND(ISNUMBER({cell}),{cell}>0.75*{size})",
                                     "format": red})

    def _arrows(self, ws: Worksheet, rng: tuple[int, int, int, int]) -> None:
        ws.conditional_format(*rng, {"type": "cell", "criteria": ">", "value": 0,
                                     "format": self.f(font_color=_GREEN_FONT, bold=True)})
        ws.conditional_format(*rng, {"type": "cell", "criteria": "<", "value": 0,
                                     "format": self.f(font_color=_RED_FONT, bold=True)})

    def _bars(self, ws: Worksheet, rng: tuple[int, int, int, int]) -> None:
        # Positive: the peer leads (a shortfall, red); negative: the unit leads (green).
        ws.conditional_format(*rng, {"type": "data_bar", "bar_color": "#F8696B",
                                     "bar_negative_color": "#63BE7B", "bar_solid": True,
                                     "bar_axis_position": "middle", "data_bar_2010": True})

    def _notes(self, ws: Worksheet, row: int, notes: Sequence[str]) -> None:
        """Write notes under a table, each wrapped over the table's first columns."""
        fmt = self.f(font_color="#595959", text_wrap=True, valign="top")
        last, span = self._span(ws)
        for k, note in enumerate(notes):
            if last > 0:
                ws.merge_range(row + k, 0, row + k, last, note, fmt)
            else:
                ws.write_string(row + k, 0, note, fmt)
            ws.set_row(row + k, _LINE_HEIGHT * math.ceil(text_width(note) / max(span - 2, 1)) + 3)


    def _about_rows(self, ws: Worksheet, rows: Sequence[tuple[str, str, bool]],
                    keys: Sequence[str], width: float = 80) -> None:
        """Write the about sheet: the title, item/content rows (warnings in red), the sheets."""
        ws.write_string(0, 0, self.book_title(), self.f(bold=True, font_size=16))
        ws.set_row(0, 28)
        head = self.f(bold=True, border=1, border_color=_BORDER, bg_color=_HEADER)
        key_fmt = self.f.cell(None, bold=True, text_wrap=True, valign="top")
        wrap = self.f.cell(None, text_wrap=True, valign="top")
        red = self.f.cell(None, bold=True, font_color="#C00000", text_wrap=True, valign="top")
        ws.write_string(2, 0, self.t("a_item"), head)
        ws.write_string(2, 1, self.t("a_content"), head)
        for k, (key, value, warn) in enumerate(rows):
            ws.write_string(3 + k, 0, key, key_fmt)
            ws.write_string(3 + k, 1, value, red if warn else wrap)
            lines = sum(max(1, math.ceil(text_width(part) / width)) for part in value.split("\n"))
            ws.set_row(3 + k, _LINE_HEIGHT * lines + 3)
        row = 3 + len(rows) + 1
        ws.write_string(row, 0, self.t("a_sheets"), self.f(bold=True, font_size=12))
        link = self.f(font_color="#0563C1", underline=1)
        for k, key in enumerate(keys):
            name = _SHEET_NAMES[key][self.i]
            ws.write_url(row + 1 + k, 0, f"internal:'{name}'!A1", link, string=name)
            ws.write_string(row + 1 + k, 1, self.t(f"a_toc_{key}"))
        ws.set_column(0, 0, max(text_width(k) for k, _, _ in rows) + 4)
        ws.set_column(1, 1, width + 2)
        ws.freeze_panes(3, 0)


class _Book(_Writer):
    """An evaluation's workbook: everything it shows, gathered once, and the sheet writers."""

    def __init__(self, ev: Evaluation, period: Hashable, group: str | None,
                 brief: UnitBrief | None, lang: str, source: str | None,
                 synthetic: bool | None) -> None:
        self.ev, self.period, self.group, self.brief = ev, period, group, brief
        meta, fw = ev.panel.meta, ev.framework
        pick = _pick(lang)
        super().__init__(
            lang, str(fw.meta.get("title_en" if pick else "title") or fw.label(fw.root.code, lang)),
            source or meta.get("title") or _dataset_title(meta.get("dataset"))
            or ev.panel.source or "—",
            bool(meta.get("synthetic", False) if synthetic is None else synthetic))
        self.fw = fw
        self.root = fw.root.code
        self.dims = list(fw.dimensions)
        self.p = ev.panel.period_index(period)
        self.previous = ev.panel.periods[self.p - 1] if self.p > 0 else None
        self.base = ev.panel.periods[0]
        self.units = self._unit_table()
        self.n_ranked = int(self.units["rank"].notna().sum())
        focus = brief.unit if brief is not None else None
        self.focus_row = (int(np.flatnonzero(self.units["unit"] == focus)[0])
                          if focus is not None else None)
        self.show_code = bool((self.units["unit"] != self.units["name"]).any())
        if brief is not None and group is not None:
            self.scope = self.t("scope_group", label=brief.peers[group].iloc[0], group=group)
        else:
            self.scope = self.t("all_units")

    # -- text ---------------------------------------------------------------------------------
    def label(self, code: str) -> str:
        return self.fw.label(code, self.lang)

    def measured(self, code: str) -> str:
        unit = getattr(self.fw.node(code), "unit", "")
        return self.t("measure_h", name=self.label(code), unit=unit) if unit else self.label(code)

    # -- data ---------------------------------------------------------------------------------
    def _unit_table(self) -> pd.DataFrame:
        """Every unit in the period, by rank: ranks, changes, group labels and scores."""
        ev = self.ev
        groups = [self.group] if self.group else []
        table = ranking_table(ev, self.period, groups=groups)
        scores = ev.ranking(self.period)[["unit", self.root, *self.dims]]
        table = table.merge(scores, on="unit", how="left")
        for g in ev.panel.groups:
            if g not in table.columns:
                table[g] = table["unit"].map(dict(zip(ev.panel.units, ev.panel.group(g),
                                                      strict=True)))
        return table

    def unit_rows(self) -> np.ndarray:
        """Positions of the table's units on the panel's unit axis."""
        where = {u: k for k, u in enumerate(self.ev.panel.units)}
        return np.array([where[u] for u in self.units["unit"]])

    def sheets(self) -> list[tuple[str, Callable[[Worksheet], None]]]:
        writers = {"about": self._about, "ranking": self._ranking, "values": self._values,
                   "normalised": self._normalised, "progress": self._progress,
                   "gap": self._gap, "path": self._path, "strengths": self._strengths,
                   "duties": self._duties}
        keys = SHEETS if self.brief is not None else SHEETS[:5]
        return [(k, writers[k]) for k in keys]

    def book_title(self) -> str:
        if self.brief is not None:
            return self.t("book_title_unit", title=self.title, unit=self.brief.name)
        return self.t("book_title", title=self.title)

    def sheet_title(self, sheet: str) -> str:
        return self.t("sheet_title", title=self.title, sheet=sheet, period=self.period)

    def _group_size(self, table: _Table, group_col: int) -> str:
        """Excel formula counting the rows of the row's group (the size its rank is out of)."""
        col = xl_col_to_name(group_col)
        return f"COUNTIF(${col}${table.first + 1}:${col}${table.last + 1},${col}{table.first + 1})"

    # -- unit columns shared by the wide sheets -------------------------------------------------
    def _id_cols(self, *, groups: bool = True) -> list[_Col]:
        u = self.units
        cols = [_Col(self.t("rank"), u["rank"].tolist(), _RANK, key="rank")]
        if self.show_code:
            cols.append(_Col(self.t("code"), u["unit"].tolist()))
        cols.append(_Col(self.t("name"), u["name"].tolist(), key="name"))
        if groups:
            ordered = ([self.group] if self.group else []) + [
                g for g in self.ev.panel.groups if g != self.group]
            for g in ordered:
                cols.append(_Col(g, [_label_value(v) for v in u[g]], key=f"group:{g}"))
        return cols

    # -- sheets -------------------------------------------------------------------------------
    def _ranking(self, ws: Worksheet) -> None:
        self._heading(ws, _SHEET_NAMES["ranking"][self.i], self.t("d_ranking"))
        u = self.units
        cols = [_Col(self.t("rank"), u["rank"].tolist(), _RANK, key="rank"),
                _Col(self.t("rank_change"), u["rank_change"].tolist(), _ARROW, key="change")]
        g = self.group
        if g:
            cols += [_Col(self.t("rank_in", group=g), u[f"rank_in_{g}"].tolist(), _RANK,
                          key="grank"),
                     _Col(self.t("rank_change_in", group=g), u[f"rank_change_in_{g}"].tolist(),
                          _ARROW, key="gchange")]
        cols += self._id_cols()[1:]
        for code in (self.root, *self.dims):
            cols.append(_Col(self.t("points", name=self.label(code)), u[code].tolist(), _SCORE,
                             key=code))
            if code == self.root:
                cols.append(_Col(self.t("score_change"), u["score_change"].tolist(), _SIGNED,
                                 key="score_change"))
        name_col = next(j for j, c in enumerate(cols) if c.key == "name")
        tab = self._table(ws, 2, cols, focus=self.focus_row, freeze_cols=name_col + 1)
        c = tab.columns
        self._lights(ws, tab.rng(c["rank"]), str(self.n_ranked))
        self._arrows(ws, tab.rng(c["change"]))
        if g:
            self._lights(ws, tab.rng(c["grank"]), self._group_size(tab, c[f"group:{g}"]))
            self._arrows(ws, tab.rng(c["gchange"]))
        self._arrows(ws, tab.rng(c["score_change"]))
        for code in (self.root, *self.dims):
            self._scale(ws, tab.rng(c[code]))

    def _indicator_sheet(self, ws: Worksheet, key: str, data: np.ndarray, *,
                         measured: bool) -> None:
        """Write a unit per row, an indicator per column grouped under its dimension."""
        self._heading(ws, _SHEET_NAMES[key][self.i], self.t(f"d_{key}"))
        ids = self._id_cols()
        of = dimension_of(self.fw)
        rows = self.unit_rows()
        cols = list(ids)
        codes = [c for d in self.dims for c in self.fw.indicator_codes if of[c] == d]
        index = {c: k for k, c in enumerate(self.fw.indicator_codes)}
        for code in codes:
            values = data[rows, index[code]]
            fmt = _SCORE
            if measured:
                known = values[~np.isnan(values)]
                fmt = "#,##0" if known.size and np.all(known == np.round(known)) else "#,##0.00"
            header = self.measured(code) if measured else self.label(code)
            cols.append(_Col(header, values.tolist(), fmt, cap=_NARROW_CAP,
                             band=self.label(of[code]), code=code, key=code))
        tab = self._table(ws, 2, cols, focus=self.focus_row, freeze_cols=len(ids))
        self._lights(ws, tab.rng(tab.columns["rank"]), str(self.n_ranked))
        for code in codes:
            worse_high = measured and self.fw.node(code).direction < 0
            self._scale(ws, tab.rng(tab.columns[code]), reverse=worse_high)

    def _values(self, ws: Worksheet) -> None:
        self._indicator_sheet(ws, "values", self.ev.panel.values[self.p], measured=True)

    def _normalised(self, ws: Worksheet) -> None:
        self._indicator_sheet(ws, "normalised", self.ev.stage("normalised")[self.p],
                              measured=False)

    def _progress(self, ws: Worksheet) -> None:
        previous = self.previous if self.previous is not None else "—"
        self._heading(ws, _SHEET_NAMES["progress"][self.i],
                      self.t("d_progress", previous=previous, base=self.base))
        nodes = [self.root, *self.dims]
        prog = progress(self.ev, nodes=nodes)
        prog = prog[prog["period"] == self.period].set_index(["unit", "node"])
        ids = self._id_cols()
        cols = list(ids)
        parts = (("score", "p_score", _SCORE), ("score_change", "p_change", _SIGNED),
                 ("score_change_base", "p_change_base", _SIGNED), ("rank", "rank", _RANK),
                 ("rank_change", "p_rank_change", _ARROW),
                 ("rank_change_base", "p_rank_change_base", _ARROW))
        for node in nodes:
            sub = prog.xs(node, level="node").reindex(self.units["unit"])
            for column, label, fmt in parts:
                cols.append(_Col(self.t(label, base=self.base), sub[column].tolist(), fmt,
                                 band=self.label(node), key=f"{node}:{column}"))
        tab = self._table(ws, 2, cols, focus=self.focus_row, freeze_cols=len(ids))
        c = tab.columns
        self._lights(ws, tab.rng(c["rank"]), str(self.n_ranked))
        for node in nodes:
            self._scale(ws, tab.rng(c[f"{node}:score"]))
            self._lights(ws, tab.rng(c[f"{node}:rank"]), str(self.n_ranked))
            for column in ("score_change", "score_change_base", "rank_change",
                           "rank_change_base"):
                self._arrows(ws, tab.rng(c[f"{node}:{column}"]))
        if self.brief is not None:
            self._history(ws, tab.last + 3)

    def _history(self, ws: Worksheet, top: int) -> None:
        """Write the focus unit's scores and ranks over every period (from the brief)."""
        brief = self.brief
        assert brief is not None
        ws.write_string(top, 0, self.t("history", unit=brief.name), self.f(bold=True,
                                                                           font_size=12))
        h = brief.progress.merge(brief.history[["period", "node", "rank_in_group"]],
                                 on=["period", "node"], how="left")
        cols = [_Col(self.t("period"), [_label_value(v) for v in h["period"]], None),
                _Col(self.t("node"), [self.label(n) for n in h["node"]]),
                _Col(self.t("p_score"), h["score"].tolist(), _SCORE, key="score"),
                _Col(self.t("p_change"), h["score_change"].tolist(), _SIGNED, key="d1"),
                _Col(self.t("p_change_base", base=self.base), h["score_change_base"].tolist(),
                     _SIGNED, key="d2"),
                _Col(self.t("rank"), h["rank"].tolist(), _RANK, key="rank")]
        if self.group:
            cols.append(_Col(self.t("rank_in", group=self.group), h["rank_in_group"].tolist(),
                             _RANK))
        cols += [_Col(self.t("p_rank_change"), h["rank_change"].tolist(), _ARROW, key="r1"),
                 _Col(self.t("p_rank_change_base", base=self.base),
                      h["rank_change_base"].tolist(), _ARROW, key="r2")]
        tab = self._table(ws, top + 1, cols, autofilter=False)
        for key in ("d1", "d2", "r1", "r2"):
            self._arrows(ws, tab.rng(tab.columns[key]))

    def _gap(self, ws: Worksheet) -> None:
        brief = self.brief
        assert brief is not None
        g = brief.gap
        if g is None:
            self._heading(ws, _SHEET_NAMES["gap"][self.i],
                          self.t("d_gap_none", unit=brief.name, scope=self.scope))
            return
        self._heading(ws, _SHEET_NAMES["gap"][self.i],
                      self.t("d_gap", unit=brief.name, peer=g.peer_name))
        ind = g.indicators
        cols = [_Col(self.t("code"), ind["indicator"].tolist()),
                _Col(self.t("indicator"), [self.label(c) for c in ind["indicator"]], cap=40),
                _Col(self.t("dimension"), [self.label(d) for d in ind["dimension"]]),
                _Col(self.t("measure"), ind["unit_of_measure"].tolist()),
                _Col(self.t("department"), ind["department"].tolist()),
                _Col(self.t("weight"), ind["effective_weight"].tolist(), _PCT),
                _Col(self.t("unit_value"), ind["unit_value"].tolist(), "#,##0.00"),
                _Col(self.t("peer_value"), ind["peer_value"].tolist(), "#,##0.00"),
                _Col(self.t("unit_norm"), ind["unit_normalised"].tolist(), _SCORE),
                _Col(self.t("peer_norm"), ind["peer_normalised"].tolist(), _SCORE),
                _Col(self.t("contribution"), ind["contribution"].tolist(), _SCORE,
                     key="contribution"),
                _Col(self.t("share"), ind["share"].tolist(), _PCT)]
        top = self._gap_summary(ws, g)
        tab = self._table(ws, top, cols, freeze_cols=2)
        self._bars(ws, tab.rng(tab.columns["contribution"]))
        # Dimension subtotals below the table, outside the filter, ending with the total.
        row = tab.last + 2
        ws.write_string(row, 0, self.t("subtotals"), self.f(bold=True, font_size=12))
        d = g.dimensions
        sub = [_Col(self.t("code"), [*d["dimension"], ""]),
               _Col(self.t("dimension"), [*[self.label(x) for x in d["dimension"]],
                                          self.t("total")]),
               _Col(self.t("unit_score"), [*d["unit_score"], g.unit_score], _SCORE),
               _Col(self.t("peer_score"), [*d["peer_score"], g.peer_score], _SCORE),
               _Col(self.t("contribution"), [*d["contribution"], g.total], _SCORE, key="c"),
               _Col(self.t("share"), [*d["share"], d["share"].sum()], _PCT)]
        sub_tab = self._table(ws, row + 1, sub, autofilter=False)
        self._bars(ws, (sub_tab.first, sub_tab.columns["c"], sub_tab.last - 1,
                        sub_tab.columns["c"]))
        for j in range(len(sub)):
            ws.write(sub_tab.last, j, _cell(sub[j].values[-1]),
                     self.f.cell(sub[j].fmt, bold=True, top=2))
        self._notes(ws, sub_tab.last + 2, g.notes)

    def _gap_summary(self, ws: Worksheet, g: GapResult) -> int:
        """本单位 / 对标单位 / 差距 with score and rank; return the row after it."""
        cols = [_Col(self.t("who"), [self.t("this_unit"), self.t("peer"), self.t("gap")]),
                _Col(self.t("name"), [g.unit_name, g.peer_name, ""]),
                _Col(self.t("p_score"), [g.unit_score, g.peer_score, g.gap], _SCORE),
                _Col(self.t("group_rank"), [g.unit_rank, g.peer_rank, None], _RANK)]
        return self._table(ws, 2, cols, focus=0, autofilter=False).last + 2

    def _path(self, ws: Worksheet) -> None:
        brief = self.brief
        assert brief is not None
        r = brief.path
        if r is None:
            self._heading(ws, _SHEET_NAMES["path"][self.i],
                          self.t("d_path_none", unit=brief.name, scope=self.scope,
                                 rank=brief.rank))
            return
        self._heading(ws, _SHEET_NAMES["path"][self.i],
                      self.t("d_path", unit=brief.name, scope=self.scope, target=r.target_rank))
        summary = [_Col(self.t("current_rank"), [r.current_rank], _RANK),
                   _Col(self.t("target_rank"), [r.target_rank], _RANK),
                   _Col(self.t("current_score"), [r.current_score], _SCORE),
                   _Col(self.t("needed_score"), [r.needed_score], _SCORE),
                   _Col(self.t("achieved_rank"), [r.achieved_rank], _RANK),
                   _Col(self.t("achieved_score"), [r.achieved_score], _SCORE),
                   _Col(self.t("reachable"), [r.reachable]),
                   _Col(self.t("best_rank"), [r.best_rank], _RANK),
                   _Col(self.t("solver"), [r.solver])]
        head = self._table(ws, 2, summary, focus=0, autofilter=False)
        top = head.last + 2
        ch = r.changes
        direction = [self.t(f"dir_{d}") if d in ("+", "-") else d for d in ch["direction"]]
        cols = [_Col(self.t("code"), ch["indicator"].tolist()),
                _Col(self.t("indicator"), [self.label(c) for c in ch["indicator"]], cap=40),
                _Col(self.t("measure"), ch["measure"].tolist()),
                _Col(self.t("direction"), direction),
                _Col(self.t("now"), ch["now"].tolist(), "#,##0.00"),
                _Col(self.t("needed"), ch["needed"].tolist(), "#,##0.00", key="needed"),
                _Col(self.t("change"), ch["change"].tolist(), "+#,##0.00;-#,##0.00;0.00"),
                _Col(self.t("change_pct"), (ch["change_pct"] / 100).tolist(), "+0.0%;-0.0%;0.0%",
                     key="pct"),
                _Col(self.t("effort_share"), ch["effort_share"].tolist(), _PCT, key="effort"),
                _Col(self.t("department"), ch["department"].tolist())]
        tab = self._table(ws, top, cols, freeze_cols=2)
        ws.conditional_format(*tab.rng(tab.columns["effort"]),
                              {"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True,
                               "data_bar_2010": True, "min_type": "num", "min_value": 0,
                               "max_type": "num", "max_value": 1})
        self._notes(ws, tab.last + 2, [r.assumption, *r.notes])

    def _strengths(self, ws: Worksheet) -> None:
        brief = self.brief
        assert brief is not None
        self._heading(ws, _SHEET_NAMES["strengths"][self.i],
                      self.t("d_strengths", unit=brief.name, scope=self.scope))
        s = brief.strengths
        cols = [_Col(self.t("kind"), [self.t(f"k_{k}") for k in s["kind"]], key="kind"),
                _Col(self.t("code"), s["indicator"].tolist()),
                _Col(self.t("indicator"), [self.label(c) for c in s["indicator"]], cap=40),
                _Col(self.t("dimension"), [self.label(d) for d in s["dimension"]]),
                _Col(self.t("group_rank"), s["rank"].tolist(), _RANK, key="rank"),
                _Col(self.t("group_size"), s["group_size"].tolist(), _RANK, key="size"),
                _Col(self.t("normalised"), s["normalised"].tolist(), _SCORE, key="norm"),
                _Col(self.t("current"), s["value"].tolist(), "#,##0.00"),
                _Col(self.t("previous"), s["previous"].tolist(), "#,##0.00"),
                _Col(self.t("measure"), s["unit_of_measure"].tolist()),
                _Col(self.t("change"), s["change"].tolist(), "+#,##0.00;-#,##0.00;0.00"),
                _Col(self.t("change_norm"), s["change_normalised"].tolist(), _SIGNED,
                     key="dnorm"),
                _Col(self.t("department"), s["department"].tolist())]
        tab = self._table(ws, 2, cols, freeze_cols=3)
        c = tab.columns
        size = xl_rowcol_to_cell(tab.first, c["size"], col_abs=True, row_abs=False)
        self._lights(ws, tab.rng(c["rank"]), size)
        self._arrows(ws, tab.rng(c["dnorm"]))
        self._scale(ws, tab.rng(c["norm"]))
        for kind, colour in (("strength", _GREEN_FONT), ("weakness", _RED_FONT),
                             ("declined", "#C65911")):
            ws.conditional_format(*tab.rng(c["kind"]), {
                "type": "cell", "criteria": "==", "value": f'"{self.t(f"k_{kind}")}"',
                "format": self.f(font_color=colour, bold=True)})

    def _duties(self, ws: Worksheet) -> None:
        brief = self.brief
        assert brief is not None
        self._heading(ws, _SHEET_NAMES["duties"][self.i], self.t("d_duties"))
        d = brief.duties
        measures = [getattr(self.fw.node(c), "unit", "") for c in d["indicator"]]
        cols = [_Col(self.t("department"), d["department"].tolist()),
                _Col(self.t("code"), d["indicator"].tolist()),
                _Col(self.t("indicator"), [self.label(c) for c in d["indicator"]], cap=40),
                _Col(self.t("issue"), [self.t(f"k_{k}") for k in d["issue"]], key="issue"),
                _Col(self.t("now"), d["now"].tolist(), "#,##0.00"),
                _Col(self.t("needed"), d["needed"].tolist(), "#,##0.00"),
                _Col(self.t("measure"), measures)]
        tab = self._table(ws, 2, cols, freeze_cols=1)
        for kind, colour in (("weakness", _RED_FONT), ("declined", "#C65911"),
                             ("path", "#1F4E79")):
            ws.conditional_format(*tab.rng(tab.columns["issue"]), {
                "type": "cell", "criteria": "==", "value": f'"{self.t(f"k_{kind}")}"',
                "format": self.f(font_color=colour, bold=True)})

    def _about(self, ws: Worksheet) -> None:
        rows: list[tuple[str, str, bool]] = []
        if self.synthetic:
            rows.append((self.t("a_data_note"), self.t("synthetic"), True))
        if self.brief is not None:
            rows.append((self.t("a_unit"), self.brief.name, False))
        n = len(self.brief.peers) if self.brief is not None else self.n_ranked
        periods = self.ev.panel.periods
        weights = self.ev.weights
        rows += [
            (self.t("a_scope"), self.t("a_units", scope=self.scope.removesuffix("中"), n=n),
             False),
            (self.t("a_period"), self.t("a_periods", period=self.period, first=periods[0],
                                        last=periods[-1]), False),
            (self.t("a_source"), str(self.source), False),
            (self.t("a_framework"), self.t("a_framework_v", title=self.title,
                                           n_dims=len(self.dims),
                                           n_ind=len(self.fw.indicator_codes)), False),
            (self.t("a_weights"), "；".join(f"{self.label(d)} {weights.get(d, 1.0):g}"
                                           for d in self.dims), False),
            (self.t("a_method"), self._method_text(), False),
            (self.t("a_rank_note"), self.t("a_rank_note_v"), False),
            (self.t("a_colours"), self.t("a_colours_v"), False)]
        if self.brief is not None and self.brief.gap is not None:
            rows.append((self.t("a_gap_method"), "\n".join(self.brief.gap.notes), False))
        if self.brief is not None and self.brief.path is not None:
            rows.append((self.t("a_path_method"), self.brief.path.assumption, False))
        from zongheng import __version__
        rows.append((self.t("a_tool"), f"zongheng {__version__}", False))
        keys = SHEETS[1:] if self.brief is not None else SHEETS[1:5]
        self._about_rows(ws, rows, keys)

    def _method_text(self) -> str:
        method = self.ev.method
        parts = []
        for stage in STAGES:
            step = getattr(method, stage)
            if isinstance(step, Mapping):
                spec = "; ".join(f"{level}: {_spec(s.to_spec())}" for level, s in step.items())
            else:
                spec = _spec(step.to_spec())
            parts.append(f"{_STAGE_LABELS[stage][self.i]}: {spec}")
        parts.append(f"{self.t('a_scope_param')}: {method.scope}")
        return "\n".join(parts)


class _AttainmentBook(_Writer):
    """The attainment workbook: a row per indicator, unit and period, and the summary."""

    # The light and 达标 next to the value and target: what a reader looks at first.
    _COLUMNS = (("period", None), ("unit_name", None), ("aspect_name", None),
                ("indicator", None), ("name", None), ("measure", None), ("value", "#,##0.00"),
                ("target", "#,##0.00"), ("attained", None), ("light", None),
                ("gap", _SIGNED_VALUE), ("gap_pct", "+0.0;-0.0;0.0"),
                ("previous", "#,##0.00"), ("change", _SIGNED_VALUE),
                ("change_pct", "+0.0;-0.0;0.0"), ("change_dir", None),
                ("slope", "+0.000;-0.000;0.000"), ("trend", None), ("category", None),
                ("rule", None), ("department", None))

    def __init__(self, table: pd.DataFrame, title: str | None, lang: str,
                 source: str | None, synthetic: bool) -> None:
        super().__init__(lang, title or _TEXT["att_title"][_pick(lang)], source or "—",
                         synthetic)
        # Latest period first: the year being reported is what a reader looks for.
        order = sorted(pd.unique(table["period"]), key=str, reverse=True)
        rank = {p: k for k, p in enumerate(order)}
        self.table = table.iloc[np.argsort([rank[p] for p in table["period"]], kind="stable")]
        periods = sorted(order, key=str)
        self.periods = (f"{periods[0]}–{periods[-1]}" if len(periods) > 1 else str(periods[0]))

    def sheets(self) -> list[tuple[str, Callable[[Worksheet], None]]]:
        return [("about", self._about), ("attainment", self._attainment),
                ("summary", self._summary)]

    def book_title(self) -> str:
        return self.title

    def sheet_title(self, sheet: str) -> str:
        return self.t("att_sheet_title", title=self.title, sheet=sheet, periods=self.periods)

    def _words(self, ws: Worksheet, rng: tuple[int, int, int, int],
               colours: Sequence[tuple[str, str, str | None]]) -> None:
        """Colour the cells whose text is a given word (达标, 红 …): (word, font, fill)."""
        for word, font, fill in colours:
            props: dict[str, Any] = {"font_color": font, "bold": True}
            if fill:
                props["bg_color"] = fill
            ws.conditional_format(*rng, {"type": "cell", "criteria": "==", "value": f'"{word}"',
                                         "format": self.f(**props)})

    def _attainment(self, ws: Worksheet) -> None:
        self._heading(ws, _SHEET_NAMES["attainment"][self.i], self.t("d_attainment"))
        t, names = self.table, attainment_labels(self.lang)
        cols = []
        for column, fmt in self._COLUMNS:
            values = t[column]
            if self.lang == "en" and f"{column}_en" in t.columns:
                english = t[f"{column}_en"]
                values = english.where(english.astype(bool), values)
            if column in ("category", "rule", "attained", "change_dir", "trend", "light"):
                values = [value_label(column, v, self.lang) for v in values]
            elif column == "period":
                values = [_label_value(v) for v in values]
            cols.append(_Col(names[column], list(values), fmt, key=column,
                             cap=40 if column == "name" else None))
        tab = self._table(ws, 2, cols, freeze_cols=5)
        c = tab.columns
        word = {k: value_label(*k, self.lang) for k in (
            ("light", "green"), ("light", "yellow"), ("light", "red"), ("attained", True),
            ("attained", False), ("change_dir", "better"), ("change_dir", "worse"),
            ("trend", "improving"), ("trend", "worsening"))}
        self._words(ws, tab.rng(c["light"]), [
            (word["light", "green"], _GREEN_FONT, _GREEN_FILL),
            (word["light", "yellow"], "#9C5700", "#FFEB9C"),
            (word["light", "red"], _RED_FONT, _RED_FILL)])
        self._words(ws, tab.rng(c["attained"]), [(word["attained", True], _GREEN_FONT, None),
                                                 (word["attained", False], _RED_FONT, None)])
        for column, good, bad in (("change_dir", "better", "worse"),
                                  ("trend", "improving", "worsening")):
            self._words(ws, tab.rng(c[column]), [(word[column, good], _GREEN_FONT, None),
                                                 (word[column, bad], _RED_FONT, None)])

    def _summary(self, ws: Worksheet) -> None:
        self._heading(ws, _SHEET_NAMES["summary"][self.i], self.t("d_summary"))
        s = attainment_summary(self.table).reset_index()
        names = {**attainment_labels(self.lang), "attained": self.t("att_attained_n")}
        unit_names = dict(zip(self.table["unit"], self.table["unit_name"], strict=False))
        cols = [_Col(names["unit_name"], [unit_names.get(u, u) for u in s["unit"]]),
                _Col(names["period"], [_label_value(v) for v in s["period"]])]
        for column in ("indicators", "assessed", "attained", "attained_pct", "binding",
                       "binding_attained", "green", "yellow", "red"):
            fmt = "0.0" if column == "attained_pct" else _RANK
            cols.append(_Col(names[column], s[column].tolist(), fmt, key=column))
        tab = self._table(ws, 2, cols, freeze_cols=2)
        c = tab.columns
        ws.conditional_format(*tab.rng(c["attained_pct"]), {
            "type": "data_bar", "bar_color": "#63BE7B", "bar_solid": True, "data_bar_2010": True,
            "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 100})
        for column, font, fill in (("green", _GREEN_FONT, _GREEN_FILL),
                                   ("yellow", "#9C5700", "#FFEB9C"),
                                   ("red", _RED_FONT, _RED_FILL)):
            ws.conditional_format(*tab.rng(c[column]), {
                "type": "cell", "criteria": ">", "value": 0,
                "format": self.f(font_color=font, bg_color=fill)})

    def _about(self, ws: Worksheet) -> None:
        t = self.table
        first = t.drop_duplicates("indicator")
        rows: list[tuple[str, str, bool]] = []
        if self.synthetic:
            rows.append((self.t("a_data_note"), self.t("synthetic"), True))
        units = list(pd.unique(t["unit_name"]))
        rows += [(self.t("a_unit"), "、".join(map(str, units)), False),
                 (self.t("a_period"), self.periods, False),
                 (self.t("a_source"), str(self.source), False),
                 (self.t("a_indicators"), self.t("a_indicators_v", n=len(first), binding=int(
                     (first["category"] == "binding").fillna(False).sum())), False),
                 (self.t("a_lights"), self.t("d_attainment"), False)]
        from zongheng import __version__
        rows.append((self.t("a_tool"), f"zongheng {__version__}", False))
        self._about_rows(ws, rows, ATTAINMENT_SHEETS[1:])


def _dataset_title(name: object) -> str | None:
    """Return a bundled dataset's title (its README's first line), if the name is one."""
    if not isinstance(name, str):
        return None
    try:
        readme = datasets.path(name) / "README.md"
    except KeyError:
        return None
    lines = readme.read_text(encoding="utf-8").splitlines() if readme.exists() else []
    return lines[0].lstrip("# ") if lines else None


def _spec(spec: str | dict[str, Any]) -> str:
    """Return a step's YAML form in one line: ``percentile (lower=0.02, upper=0.98)``."""
    if isinstance(spec, str):
        return spec
    rest = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "method")
    return f"{spec.get('method', '')} ({rest})" if rest else str(spec.get("method", ""))


def _width(col: _Col) -> float:
    """Column width: the widest value, or the header up to its cap.

    A longer header wraps onto lines of equal length, so that no line holds a lone bracket.
    """
    widest = max((text_width(_shown(v, col.fmt)) for v in col.values), default=0.0)
    cap = col.cap if col.cap is not None else (_NUMBER_CAP if col.fmt else _HEADER_CAP)
    header = text_width(col.header)
    if header > cap:
        header = math.ceil(header / math.ceil(header / cap)) + 1
    code = text_width(col.code or "")
    return min(max(widest, header, code, 4.0) + 2, _MAX_WIDTH)


def _shown(value: Any, fmt: str | None) -> str:
    """Roughly the text a number shows in its format (for the column width)."""
    value = _cell(value)
    if value is None:
        return ""
    if not isinstance(value, int | float) or isinstance(value, bool) or fmt is None:
        return str(value)
    if "%" in fmt:
        return f"{value * 100:+.1f}%"
    if fmt == _ARROW:
        return f"▲{abs(value):.0f}"
    decimals = len(fmt.split(";")[0].rpartition(".")[2]) if "." in fmt else 0
    return f"{value:+,.{decimals}f}"
