"""Excel cells that are not what they look like, and sheets larger than they look.

Cases of the reliability audit (review 2026-12-reliability.md, findings 4 and 5;
f/mkxlsx.py, x/cellbomb.xlsx), rebuilt here with openpyxl and xlsxwriter.
"""

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

import zongheng as zh
from zongheng.errors import DataError
from zongheng.framework import Attribute, framework_from_records
from zongheng.io import tables
from zongheng.io.tables import BadCell, read_table

HEADER = ["unit", "year", "city", "A1", "A2", "B1"]
ROWS = [["u1", 2024, "X", 10, 5, 1], ["u2", 2024, "X", 20, 4, 2], ["u3", 2024, "Y", 30, 3, 3],
        ["u4", 2024, "Y", 25, 3.5, 2.5]]


@pytest.fixture
def fw():
    records = [{"code": "IDX"}, {"code": "A", "parent": "IDX", "type": "aggregate"},
               {"code": "A1", "parent": "A", "direction": "+", "unit": "亿元", "name": "产值"},
               {"code": "A2", "parent": "A", "direction": "-"},
               {"code": "B1", "parent": "IDX", "direction": "+"}]
    return framework_from_records(records, [{"row": i + 2} for i in range(len(records))],
                                  groups=[Attribute("city")])


def book_with(path, edit=None, title="数据"):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    if edit:
        edit(ws)
    book.save(path)
    return path


def problems_of(call):
    with pytest.raises(DataError) as info:
        call()
    return [(p.kind, p.cell, p.params.get("value")) for p in info.value.problems]


def test_formulas_without_a_computed_result_are_named(tmp_path, fw):
    # openpyxl never computes formulas, so the file holds =D2*2 without a result: before, these
    # were missing values (imputed with impute: mean); now each is a problem at its cell.
    def edit(ws):
        ws["D3"] = "=D2*2"
        ws["D5"] = "=SUM(D2:D4)"

    path = book_with(tmp_path / "formula.xlsx", edit)
    assert problems_of(lambda: zh.read_panel(path, fw)) == [
        ("cell_formula", "数据!D3", BadCell("formula", "=D2*2")),
        ("cell_formula", "数据!D5", BadCell("formula", "=SUM(D2:D4)"))]
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert info.value.problems[0].message("zh") == (
        "formula.xlsx, 数据!D3: 公式 =D2*2 没有计算结果（指标 A1；文件可能由程序生成，未经 Excel 计算）；"
        "请在 Excel 中打开并保存，或填入数值")
    assert "has no computed result" in info.value.problems[0].message("en")


def test_formulas_with_a_stored_result_read_the_result(tmp_path, fw):
    # as Excel saves them: the formula and its last result (xlsxwriter can store the result)
    path = tmp_path / "saved.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("数据")
    ws.write_row(0, 0, HEADER)
    for r, row in enumerate(ROWS, start=1):
        ws.write_row(r, 0, row)
    ws.write_formula("D3", "=D2*2", None, 20)
    book.close()
    panel = zh.read_panel(path, fw)
    assert panel.values[0, :, 0].tolist() == [10, 20, 30, 25]


@pytest.mark.parametrize("error", ["#DIV/0!", "#REF!", "#N/A", "#VALUE!"])
def test_error_cells_are_named(tmp_path, fw, error):
    path = book_with(tmp_path / "errors.xlsx", lambda ws: ws.__setitem__("E4", error))
    assert openpyxl.load_workbook(path)["数据"]["E4"].data_type == "e"
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    ((p),) = info.value.problems
    assert (p.kind, p.cell) == ("cell_error", "数据!E4")
    assert p.message("zh") == (f"errors.xlsx, 数据!E4: 单元格是 Excel 错误值 {error}，不是数字（指标 A2）；"
                               "请修正公式或留空")


def test_true_and_false_are_not_one_and_zero(tmp_path, fw):
    def edit(ws):
        ws["E3"] = True
        ws["F5"] = False

    path = book_with(tmp_path / "bool.xlsx", edit)
    assert problems_of(lambda: zh.read_panel(path, fw)) == [
        ("cell_boolean", "数据!E3", BadCell("boolean", "TRUE")),
        ("cell_boolean", "数据!F5", BadCell("boolean", "FALSE"))]


def test_booleans_in_a_dataframe_are_not_numbers_either(fw):
    frame = pd.DataFrame({"unit": ["u1", "u2"], "A1": [1.0, True], "A2": [1, 2], "B1": [True, False]})
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw)
    assert [(p.kind, p.row, p.column) for p in info.value.problems] == [
        ("cell_boolean", 3, "B (A1)"), ("cell_boolean", 2, "D (B1)"), ("cell_boolean", 3, "D (B1)")]


def test_hidden_first_sheet_is_skipped(tmp_path, fw):
    # f/hidden_first.xlsx: a stale hidden copy first (u1 A1 = 999), the real data second
    path = tmp_path / "hidden.xlsx"
    book = openpyxl.Workbook()
    old = book.active
    old.title = "old"
    old.append(HEADER)
    old.append(["u1", 2024, "X", 999, 5, 1])
    old.sheet_state = "hidden"
    new = book.create_sheet("Sheet2")
    new.append(HEADER)
    for row in ROWS:
        new.append(row)
    book.save(path)
    table = read_table(path)
    assert table.sheet == "Sheet2"
    assert zh.read_panel(path, fw).values[0, 0, 0] == 10
    # named, a hidden sheet is read (the user asked for it)
    assert read_table(path, sheet="old").frame["A1"].tolist() == [999]
    assert read_table(path, sheet=0).sheet == "old"


def test_a_hidden_preferred_sheet_is_not_preferred(tmp_path):
    path = tmp_path / "hidden.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["a"])
    book.active.append([1])
    data = book.create_sheet("数据")
    data.append(["b"])
    data.append([2])
    data.sheet_state = "hidden"
    book.save(path)
    assert read_table(path, prefer=("数据",)).sheet == "说明"


def test_cell_bomb_reads_only_the_real_cells(tmp_path, fw):
    # x/cellbomb.xlsx: the data plus one cell at XFD1048576 (the sheet's last cell). pandas pads
    # every row to 16,384 columns (1.7e10 cells, ~137 GB); the real cells are 25.
    path = book_with(tmp_path / "cellbomb.xlsx", lambda ws: ws.__setitem__("XFD1048576", "x"))
    table = read_table(path)
    assert table.frame.shape == (5, 7)
    assert table.letters == ("A", "B", "C", "D", "E", "F", "XFD")
    assert table.where(4, "Unnamed: 16383") == {"file": "cellbomb.xlsx", "cell": "数据!XFD1048576",
                                                "column": "Unnamed: 16383"}
    # the stray row has no unit and no year: named, not read
    assert problems_of(lambda: zh.read_panel(path, fw)) == [
        ("missing_unit", "数据!A1048576", None), ("missing_period", "数据!B1048576", None)]


def test_formatted_but_empty_cells_far_away_cost_nothing(tmp_path, fw):
    def edit(ws):
        ws["XFD1048576"].number_format = "0.00"
        ws["Z500000"].number_format = "0.00"

    path = book_with(tmp_path / "formatted.xlsx", edit)
    assert openpyxl.load_workbook(path, read_only=True)["数据"].max_column == 16384
    panel = zh.read_panel(path, fw)
    assert panel.shape == (1, 4, 3)


def test_sheet_larger_than_the_rectangle_limit(tmp_path, monkeypatch):
    # used rows 1–5 and 30 (6) × used columns A–F and Z (7) = 42 cells
    path = book_with(tmp_path / "wide.xlsx", lambda ws: ws.__setitem__("Z30", "x"))
    monkeypatch.setattr(tables, "MAX_TABLE_CELLS", 42)
    assert read_table(path).frame.shape == (5, 7)
    monkeypatch.setattr(tables, "MAX_TABLE_CELLS", 41)
    with pytest.raises(DataError) as info:
        read_table(path)
    ((p),) = info.value.problems
    assert (p.kind, p.file, p.sheet) == ("sheet_too_wide", "wide.xlsx", "数据")
    assert p.params == {"rows": "6", "columns": "7", "last": "Z30", "limit": "41", "far": "Z30"}
    assert "Z30" in p.message("zh") and "stray" in p.message("en")


def test_sheet_past_the_row_and_cell_limits(tmp_path, monkeypatch):
    path = book_with(tmp_path / "long.xlsx")
    monkeypatch.setattr(tables, "MAX_EXCEL_ROWS", 4)
    with pytest.raises(DataError) as info:
        read_table(path)
    assert [(p.kind, p.params) for p in info.value.problems] == [("sheet_too_many_rows", {"limit": "4"})]
    monkeypatch.setattr(tables, "MAX_EXCEL_ROWS", 1_048_576)
    monkeypatch.setattr(tables, "MAX_EXCEL_CELLS", 20)
    with pytest.raises(DataError) as info:
        read_table(path)
    assert [(p.kind, p.params) for p in info.value.problems] == [("sheet_too_many_cells", {"limit": "20"})]
    assert "CSV" in info.value.problems[0].message("zh") and "CSV" in info.value.problems[0].message("en")


def test_data_starting_below_and_right_keeps_cell_names(tmp_path, fw):
    path = tmp_path / "offset.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "数据"
    for r, row in enumerate([HEADER, *ROWS], start=3):
        for c, value in enumerate(row, start=2):
            ws.cell(row=r, column=c, value=value)
    ws["E5"] = "abc"  # A1 of u2
    book.save(path)
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    ((p),) = info.value.problems
    assert (p.kind, p.cell) == ("non_numeric", "数据!E5")


def test_control_characters_are_removed_on_reading(tmp_path, fw):
    # f/ctrl.csv: a unit name pasted from Word with \x01 and a soft line break \x0b
    path = tmp_path / "ctrl.csv"
    path.write_text("unit,name,year,city,A1,A2,B1\nu1,永康\x0b市\x01,2024,X,1,2,3\nu2,武义县,2024,Y,2,3,4\n",
                    encoding="utf-8")
    panel = zh.read_panel(path, fw)
    assert panel.names() == ["永康市", "武义县"]
    # In xlsx they are stored escaped (_x000B_, as Excel and xlsxwriter write them); other
    # _xHHHH_ text is left as it is
    xlsx = tmp_path / "ctrl.xlsx"
    book = xlsxwriter.Workbook(xlsx)
    ws = book.add_worksheet("数据")
    rows = [HEADER, ["u1", 2024, "永康\x0b市\x01", 1, 2, 3], ["u2", 2024, "_x0041_", 2, 3, 4]]
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    book.close()
    assert read_table(xlsx).frame["city"].tolist() == ["永康市", "_x0041_"]


def test_writers_clean_control_characters_they_are_given(tmp_path):
    # a panel built in Python (no reader) with the audit's names: the xlsx writers used to raise
    # openpyxl's IllegalCharacterError (CTRL_build_xlsx, CTRL_template2, CTRL_grade_xlsx)
    records = [{"code": "I"}, {"code": "a", "parent": "I", "direction": "+"},
               {"code": "b", "parent": "I", "direction": "+"}]
    fw = framework_from_records(records, [{}] * 3)
    units = ("u\x011", "u2", "u3")
    panel = zh.Panel(np.array([[[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]]]), units, (2024,), ("a", "b"),
                     pd.DataFrame({"name": ["永康\x0b市", "b", "c"]}, index=list(units)))
    ev = zh.build(fw, panel)
    from zongheng.io.results import write_evaluation

    out = write_evaluation(ev, tmp_path / "r.xlsx")
    ranking = pd.read_excel(out, sheet_name="排名", header=2)  # title and description above
    assert "u1" in ranking["代码"].tolist() and "永康市" in ranking["名称"].tolist()

    from zongheng.io.template import write_template

    write_template(fw, tmp_path / "t.xlsx", units=["永康\x0b市", "武义\x01县"], periods=[2024])
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["数据"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["永康市", "武义县"]


def test_grading_export_cleans_control_characters(tmp_path):
    from zongheng.enterprise import Branch, GradingRule, grade_enterprises
    from zongheng.enterprise.export import write_result

    frame = pd.DataFrame({"id": ["E1", "E2", "E3"], "name": ["甲\x01公司", "乙\x0b公司", "丙公司"],
                          "scale": ["规下"] * 3, "land_area": [1.0, 1.0, 1.0], "tax": [1.0, 2.0, 3.0]})
    rule = GradingRule(branches=(Branch("全部", "all", {"tax_per_mu": 100}, {"tax_per_mu": 3}),))
    out = write_result(grade_enterprises(frame, rule), tmp_path / "g.xlsx")
    names = pd.read_excel(out, sheet_name="评价结果", header=2).iloc[:, 1].tolist()
    assert sorted(names) == ["丙公司", "乙公司", "甲公司"]
