"""The data-entry template: structure, and a filled template reads back unchanged."""

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import zongheng as zh
from zongheng.cli import app
from zongheng.io import write_framework
from zongheng.io.template import indicator_headers, write_template
from zongheng.testing import make_framework


@pytest.fixture
def framework():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, directions={"b": "-"})
    named = {"a": ("规上工业亩均税收", "万元/亩"), "b": ("单位工业增加值能耗", "吨标准煤/万元"),
             "c": ("R&D经费支出占比", "%")}
    import dataclasses

    nodes = [dataclasses.replace(n, name=named[n.code][0], unit=named[n.code][1],
                                 department="经信局") if n.code in named else n
             for n in fw.nodes]
    return fw.with_nodes(nodes)


def _fill(path, rows):
    book = openpyxl.load_workbook(path)
    sheet = book["数据"]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    book.save(path)


def test_template_sheets_headers_notes_and_validation(tmp_path, framework):
    path = write_template(framework, tmp_path / "t.xlsx", units=["永康市", "义乌市"],
                          periods=[2023, 2024])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["填报说明", "数据", "指标说明"]
    data = book["数据"]
    header = [c.value for c in data[1]]
    assert header == ["单位名称", "年份", "规上工业亩均税收（万元/亩）",
                      "单位工业增加值能耗（吨标准煤/万元）", "R&D经费支出占比（%）"]
    assert [data.cell(row=r, column=1).value for r in range(2, 6)] == ["永康市"] * 2 + ["义乌市"] * 2
    assert "逆向" in data["D1"].comment.text and "经信局" in data["D1"].comment.text
    assert data.freeze_panes == "C2"
    ranges = [str(v.sqref) for v in data.data_validations.dataValidation]
    assert ranges == ["C2:E31"]
    info = book["指标说明"]
    assert [info.cell(row=3, column=c).value for c in (1, 5, 9)] == ["b", "逆向", "经信局"]


def test_template_prints_one_page_wide_with_its_header(tmp_path, framework):
    # Review 2026-12 #15 (and the xlsx helper's open point): the template prints like the results.
    path = write_template(framework, tmp_path / "t.xlsx", units=["永康市", "义乌市"], periods=[2024])
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9 and setup.orientation == "landscape"  # 9: A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert book["数据"].print_title_rows == "$1:$1"


def test_filled_template_reads_back_unchanged(tmp_path, framework):
    path = write_template(framework, tmp_path / "t.xlsx", units=["永康市", "义乌市"],
                          periods=[2023, 2024])
    values = [["永康市", 2023, 1.5, 0.8, 2.1], ["永康市", 2024, 1.75, 0.7, 2.4],
              ["义乌市", 2023, 2.0, None, 3.0], ["义乌市", 2024, 2.25, 0.6, 3.2]]
    _fill(path, values)
    panel = zh.read_panel(path, framework)
    assert panel.units == ("永康市", "义乌市") and panel.periods == (2023, 2024)
    expected = np.array([[[1.5, 0.8, 2.1], [2.0, np.nan, 3.0]], [[1.75, 0.7, 2.4], [2.25, 0.6, 3.2]]])
    np.testing.assert_array_equal(panel.values, expected)


def test_bad_cell_in_template_names_the_data_sheet_cell(tmp_path, framework):
    path = write_template(framework, tmp_path / "t.xlsx", units=["永康市"], periods=[2024])
    _fill(path, [["永康市", 2024, "约1.5", 0.8, 2.1]])
    with pytest.raises(zh.DataError, match="数据!C2"):
        zh.read_panel(path, framework)


def test_cli_template_then_build(tmp_path, framework):
    fw_path = tmp_path / "fw.yaml"
    write_framework(framework, fw_path)
    units = tmp_path / "units.csv"
    pd.DataFrame({"code": ["330784", "330782"], "name": ["永康市", "义乌市"]}).to_csv(units, index=False)
    out = tmp_path / "填报模板.xlsx"
    runner = CliRunner()
    result = runner.invoke(app, ["template", str(fw_path), "-o", str(out), "--units", str(units),
                                 "--periods", "2024"])
    assert result.exit_code == 0, result.output
    assert [c.value for c in openpyxl.load_workbook(out)["数据"][1]][:3] == ["单位代码", "单位名称", "年份"]
    _fill(out, [["330784", "永康市", 2024, 1.5, 0.8, 2.1], ["330782", "义乌市", 2024, 2.0, 0.6, 3.0]])
    result = runner.invoke(app, ["build", str(fw_path), str(out)])
    assert result.exit_code == 0, result.output
    assert "义乌市" in result.output and "永康市" in result.output


def test_headers_fall_back_to_codes_when_names_clash():
    fw = make_framework({"I": ["a", "b"]})
    assert indicator_headers(fw) == {"a": "a", "b": "b"}
