"""Workbooks as a reader opens and prints them (reports review findings 1, 3/4, 14, 15, 17, 22).

Each workbook is read back with openpyxl: Chinese sheets and headers, indicator names beside
their codes, numbers stored as numbers with the decimals of ``zongheng.display``, frozen
headers, filters, print titles and fit to the page width, and the attainment workbook for a
target-attainment framework.
"""

import re
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

import zongheng as zh
from zongheng import display
from zongheng.enterprise import bundled_table, grade_enterprises, write_result
from zongheng.errors import FrameworkError
from zongheng.io.framework_table import framework_from_records
from zongheng.io.results import group_label, write_evaluation
from zongheng.report.brief import unit_brief
from zongheng.report.xlsx import write_eco_xlsx, write_results_xlsx, write_xlsx
from zongheng.report.xlsx.book import raw_column
from zongheng.report.xlsx.formats import shown_value, value_format
from zongheng.terms import method_line

UNIT = "永康市"


def _load(path):
    with warnings.catch_warnings():  # xlsxwriter's 2010 data bars are unknown to openpyxl
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path)


def _header_row(ws, first):
    return next(r for r in range(1, 12) if ws.cell(r, 1).value == first)


def _headers(ws, row):
    return {c.value: c.column for c in ws[row] if c.value is not None}


@pytest.fixture(scope="module")
def ds():
    return zh.datasets.load("tiangong_demo")


@pytest.fixture(scope="module")
def ev(ds):
    return zh.build(ds.framework, ds.panel, ds.method)


@pytest.fixture(scope="module")
def brief(ev):
    return unit_brief(ev, UNIT, group="设区市", target_rank=2)


@pytest.fixture(scope="module")
def unit_book(brief, tmp_path_factory):
    return _load(write_xlsx(brief, tmp_path_factory.mktemp("u") / "u.xlsx"))


@pytest.fixture(scope="module")
def results_book(ev, tmp_path_factory):
    # what `zongheng build -o x.xlsx` and the demo's 天工鼎_评价结果.xlsx write
    return _load(write_evaluation(ev, tmp_path_factory.mktemp("r") / "r.xlsx"))


@pytest.fixture(scope="module")
def grading_book(tmp_path_factory):
    result = grade_enterprises(bundled_table(), None)
    return result, _load(write_result(result, tmp_path_factory.mktemp("g") / "g.xlsx",
                                      synthetic=True))


# -- printing and navigation on every sheet (findings 14, 15) ----------------------------------

def _check_print(book):
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.paperSize == 9, ws.title                      # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title  # fitted to the width …
        assert setup.fitToHeight == 0, ws.title                    # … as many pages long as needed
        assert ws.print_title_rows, ws.title                       # header rows on every page
        widths = dict.fromkeys(range(1, ws.max_column + 1), 8.43)
        for dim in ws.column_dimensions.values():  # xlsxwriter stores width + 0.71 padding
            widths.update(dict.fromkeys(range(dim.min, dim.max + 1), dim.width - 0.71))
        width = sum(widths.values())
        if width > 101:  # wider than A4 portrait holds at 100 % (1 for rounding)
            assert setup.orientation == "landscape", ws.title
        wide = int(setup.fitToWidth or 1)
        if wide > 1:  # only very wide tables print several pages wide, names repeated
            assert ws.print_title_cols, ws.title


def _check_tables(book):
    for ws in book.worksheets[1:]:  # the first sheet is 说明
        if ws.auto_filter.ref is None:
            continue
        header = int(re.match(r"[A-Z]+(\d+)", ws.auto_filter.ref).group(1))
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(header + 1)), ws.title
        assert ws.print_title_rows.endswith(f"${header}"), ws.title


def test_results_workbook_prints_and_filters(results_book):
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in results_book.sheetnames)
    assert results_book.sheetnames[:6] == ["说明", "排名", "指标值", "标准化值", "进步", "历年排名"]
    _check_print(results_book)
    _check_tables(results_book)
    assert sum(ws.auto_filter.ref is not None for ws in results_book.worksheets) >= 9


def test_unit_workbook_prints_and_filters(unit_book):
    _check_print(unit_book)
    _check_tables(unit_book)


def test_grading_workbook_prints_and_filters(grading_book):
    _, book = grading_book
    _check_print(book)
    _check_tables(book)


# -- Chinese headers, names beside codes, number formats (findings 14, 17) ---------------------

def test_results_workbook_headers_names_and_formats(results_book, ev):
    ws = results_book["历年指标值"]
    header = _header_row(ws, "年份")
    cols = _headers(ws, header)
    codes = {c.value: c.column for c in ws[header - 1] if c.value}
    fw = ev.framework
    # every indicator: its code above, its name with the unit of measure as the header
    for code in fw.indicator_codes:
        node = fw.node(code)
        assert ws.cell(header, codes[code]).value == (f"{node.name}（{node.unit}）" if node.unit
                                                      else node.name)
    assert "名称" in cols and "设区市" in cols and "山区26县" in cols  # not 山区26县 (1 = 是)
    assert {ws.cell(r, cols["山区26县"]).value for r in range(header + 1, header + 30)} == {"是", "否"}
    # raw values keep 4 significant digits through their number format, as display.value shows
    for code in ("E06", "Q08", "E04"):
        for r in range(header + 1, header + 6):
            cell = ws.cell(r, codes[code])
            if cell.value is None:
                continue
            assert cell.data_type == "n"
            shown = display.value(cell.value)
            decimals = len(shown.partition(".")[2])
            assert cell.number_format.split(";")[0].partition(".")[2].count("0") == decimals
    # scores are numbers with 2 decimals, ranks integers
    ws = results_book["排名"]
    header = _header_row(ws, "排名")
    cols = _headers(ws, header)
    score = ws.cell(header + 1, cols["天工鼎综合指数（分）"])
    assert score.data_type == "n" and score.number_format == "0.00"
    assert ws.cell(header + 1, cols["排名"]).number_format == "0"


def test_about_sheet_method_in_chinese_words(results_book, ev):
    cells = {row[0].value: row[1].value for row in results_book["说明"].iter_rows(min_row=4,
                                                                                 max_col=2)}
    assert cells["计算方法"].startswith(method_line(ev.method, "zh"))
    assert not re.search(r"\b(efficacy|interpolate|arithmetic|percentile)\b", cells["计算方法"])


def test_english_workbook_and_csv_headers(ev, tmp_path):
    book = _load(write_evaluation(ev, tmp_path / "en.xlsx", lang="en"))
    assert book.sheetnames[:3] == ["About", "Ranking", "Indicator values"]
    zh_csv = pd.read_csv(write_evaluation(ev, tmp_path / "zh.csv"), encoding="utf-8-sig")
    en_csv = pd.read_csv(write_evaluation(ev, tmp_path / "en.csv", lang="en"), encoding="utf-8-sig")
    assert list(zh_csv.columns[:7]) == ["单位名称", "年份", "指标代码", "指标名称", "层级", "得分",
                                        "排名"]
    assert list(en_csv.columns[:7]) == ["name", "period", "node", "node name", "level", "score",
                                        "rank"]
    assert "组内排名（设区市）" in zh_csv.columns and "组内排名（山区26县）" in zh_csv.columns
    e06 = zh_csv[zh_csv["指标代码"] == "E06"]["指标名称"].iloc[0]
    assert e06 == ev.framework.node("E06").name
    # scores with the 2 decimals every document shows
    assert (zh_csv["得分"] == zh_csv["得分"].round(2)).all()


def test_group_labels_are_the_frameworks_words():
    eco = zh.datasets.load("eco_yongkang").framework
    assert group_label(eco, "prefecture") == "设区市" and group_label(eco, "mountain26") == "山区26县"
    assert group_label(eco, "mountain26", "en") == "One of the 26 mountain counties"


# -- path: requirements rounded toward improvement, no solver notes (findings 3, 4) ------------

def test_requirement_rounding_toward_improvement():
    # 81.98875 needed for a lower-is-better indicator: 81.99 would not be enough, 81.98 is.
    assert shown_value(81.98875, direction=-1) == 81.98
    assert shown_value(81.98875, direction=1) == 81.99
    assert shown_value(12.3441, direction=1) == 12.35  # up, although 12.34 is nearer
    col = raw_column("需达到", [81.98875, 12.3441], direction=[-1, 1])
    # the format has the decimals of the rounded requirement; Excel would round a stored
    # 81.98875 to the nearest (81.99), so writers store shown_value(…, direction) instead
    assert col.fmts == ["#,##0.00", "#,##0.00"]
    assert value_format(0.0221) == "#,##0.0000" and value_format(12345.6) == "#,##0"


def test_path_sheet_stores_rounded_requirements_and_no_solver_notes(unit_book, brief):
    ws = unit_book["路径"]
    r = brief.path
    top = _header_row(ws, "当前名次")
    summary = _headers(ws, top)
    needed = ws.cell(top + 1, summary["需达到得分（分）"]).value
    achieved = ws.cell(top + 1, summary["调整后得分（分）"]).value
    assert ws.cell(top + 1, summary["需达到得分（分）"]).number_format == "0.00"
    if ws.cell(top + 1, summary["目标可达"]).value == "是":
        assert achieved >= needed
    header = _header_row(ws, "代码")
    cols = _headers(ws, header)
    for k, row in enumerate(r.changes.itertuples()):
        cell = ws.cell(header + 1 + k, cols["需达到"])
        d = 1 if row.direction == "+" else -1
        # stored on the 4-significant-digit grid, rounded toward improvement
        assert cell.value == float(display.round_toward([row.needed], [d])[0])
        assert display.value(cell.value) == display.value(row.needed, direction=d)
    # E02 (lower is better) needs 81.98, never the insufficient 81.99
    e02 = next(k for k, c in enumerate(r.changes["indicator"]) if c == "E02")
    assert ws.cell(header + 1 + e02, cols["需达到"]).value <= 81.98875
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "linear-programme" not in text and not re.search(r"\d e-?\d|\de-0\d", text)
    for note in r.notes:
        assert note not in text


# -- 亩均 workbook (findings 14, 22) -------------------------------------------------------------

def test_grading_workbook_formats(grading_book):
    result, book = grading_book
    assert book.sheetnames == ["说明", "评价结果", "等级分布", "D类名单", "基准值", "评价办法"]
    ws = book["评价结果"]
    header = _header_row(ws, "统一社会信用代码")
    cols = _headers(ws, header)
    first = result.grades.iloc[0]
    pct = ws.cell(header + 1, cols["位次百分比"])
    assert pct.value == pytest.approx(first["percentile"]) and pct.number_format == "0.0%"
    total = ws.cell(header + 1, cols["总分"])
    assert total.value == pytest.approx(first["total"]) and total.number_format == "0.00"
    assert ws.cell(header + 1, cols["排名"]).number_format == "0"
    tax = ws.cell(header + 1, cols["亩均税收(万元/亩)"])
    assert tax.number_format == value_format(first["tax_per_mu"])
    assert ws.freeze_panes == f"C{header + 1}"  # credit code and name stay in view
    ws = book["基准值"]
    header = _header_row(ws, "评价分组")
    cols = _headers(ws, header)
    assert cols["计量单位"] == cols["基准值"] + 1
    units = [ws.cell(r, cols["计量单位"]).value for r in range(header + 1, header + 8)]
    assert units[0] == "万元/亩"
    assert ws.cell(header + 1, cols["来源"]).value == "参评企业总量之比（合计÷合计）"  # not "total"
    bench = ws.cell(header + 1, cols["基准值"])
    assert bench.number_format == value_format(result.benchmarks["benchmark"].iloc[0])
    about = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=4, max_col=2)}
    assert "不设上限" in about["得分上限"] and "cap" in about["得分上限"]
    assert "越小越靠前" in about["位次百分比"]
    for ws in book.worksheets:  # the bundled table is synthetic: every sheet says so
        assert any("演示数据为合成数据" in str(c.value) for row in ws.iter_rows(max_row=4)
                   for c in row), ws.title


# -- target-attainment frameworks (finding 1) --------------------------------------------------

@pytest.fixture(scope="module")
def eco():
    return zh.datasets.load("eco_yongkang")


def test_eco_framework_gets_the_attainment_workbook(eco, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the normalised build warns about a constant indicator
        ev = zh.build(eco.framework, eco.panel)
        brief = unit_brief(ev, UNIT)
    for path in (write_xlsx(brief, tmp_path / "u.xlsx"), write_results_xlsx(ev, tmp_path / "r.xlsx"),
                 write_evaluation(ev, tmp_path / "b.xlsx")):
        book = _load(path)
        assert book.sheetnames == ["说明", "达标情况", "达标汇总"], path
        text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows()
                        for c in row if c.value is not None)
        assert "排名" not in text and "目标名次" not in text
        _check_print(book)
        _check_tables(book)
    units = {c.value for c in _load(tmp_path / "u.xlsx")["达标情况"]["B"][3:]}
    assert units == {UNIT}
    assert len({c.value for c in _load(tmp_path / "r.xlsx")["达标情况"]["B"][3:]}) > 1
    csv = pd.read_csv(write_evaluation(ev, tmp_path / "b.csv"), encoding="utf-8-sig")
    assert "预警" in csv.columns and "排名" not in csv.columns
    assert set(csv["方向"]) == {"正向", "逆向"}


def test_eco_workbook_up_to_the_period(eco, tmp_path):
    book = _load(write_eco_xlsx(eco.framework, eco.panel, UNIT, tmp_path / "e.xlsx", period=2022))
    ws = book["达标情况"]
    header = _header_row(ws, "时期")
    years = {ws.cell(r, 1).value for r in range(header + 1, ws.max_row + 1)} - {None}
    assert max(years) == 2022


def test_framework_without_targets_is_refused(tmp_path):
    records = [{"code": "I"}, {"code": "a", "parent": "I", "direction": "+", "rule": ">="},
               {"code": "b", "parent": "I", "direction": "+", "rule": ">="}]
    fw = framework_from_records(records, [{}] * 3)
    panel = zh.Panel(np.array([[[1.0, 2.0], [2.0, 1.0]]]), ("u1", "u2"), (2024,), ("a", "b"))
    with pytest.raises(FrameworkError, match="目标值"):
        write_eco_xlsx(fw, panel, "u1", tmp_path / "x.xlsx")
    with pytest.raises(FrameworkError, match="目标值"):
        write_evaluation(zh.build(fw, panel), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
