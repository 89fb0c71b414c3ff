"""Formula injection in every workbook and CSV zongheng writes (issue 11 item 11).

A unit or firm named ``=HYPERLINK("http://x","y")`` comes from the user's data; the
reliability review found it stored as a live formula by ``build -o .xlsx``, ``grade -o .xlsx``
and ``template --units``, and unescaped in every CSV. Each writer is checked by reading the
file back: no formula cell anywhere, the name exactly as given (xlsx) or behind a single quote
(CSV). Also: ``grade --by-branch`` sheet names stay unique within Excel's 31 characters.
"""

import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

import zongheng as zh
from zongheng.enterprise import Branch, GradingRule, grade_enterprises, write_result
from zongheng.io.framework_table import framework_from_records
from zongheng.io.results import write_evaluation
from zongheng.io.template import write_template
from zongheng.report.brief import unit_brief
from zongheng.report.xlsx import (
    write_attainment_csv,
    write_attainment_xlsx,
    write_results_xlsx,
    write_xlsx,
)

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


def _load(path):
    with warnings.catch_warnings():  # xlsxwriter's 2010 data bars are unknown to openpyxl
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path)


def _strings(path):
    """Every text cell of a workbook; fails on any formula cell."""
    found = set()
    for ws in _load(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value}"
                if isinstance(cell.value, str):
                    found.add(cell.value)
    return found


@pytest.fixture(scope="module")
def ev():
    records = [{"code": "I", "name": "指数"},
               {"code": "a", "parent": "I", "direction": "+", "name": "甲指标"},
               {"code": "b", "parent": "I", "direction": "-", "name": "乙指标"}]
    fw = framework_from_records(records, [{}] * 3)
    units = ("u1", "u2", "u3", "u4", "u5")
    values = np.array([[[1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [4.0, 0.5], [0.5, 4.0]],
                       [[1.5, 2.0], [2.0, 1.5], [3.5, 3.0], [4.0, 0.4], [0.6, 4.0]]])
    attrs = pd.DataFrame({"name": [*HOSTILE, "永康市"], "city": ["=A1", "=A1", "b", "b", "b"]},
                         index=list(units))
    return zh.build(fw, zh.Panel(values, units, (2023, 2024), ("a", "b"), attrs))


def test_results_workbook_and_build_outputs(ev, tmp_path):
    for path in (write_evaluation(ev, tmp_path / "b.xlsx"),
                 write_results_xlsx(ev, tmp_path / "r.xlsx", group="city", detail=True)):
        found = _strings(path)
        assert set(HOSTILE) <= found and "=A1" in found
    csv = pd.read_csv(write_evaluation(ev, tmp_path / "b.csv"), encoding="utf-8-sig")
    assert set(csv["单位名称"]) == {"'" + n for n in HOSTILE} | {"永康市"}


def test_unit_workbook(ev, tmp_path):
    brief = unit_brief(ev, "u1", target_rank=1)
    found = _strings(write_xlsx(brief, tmp_path / "u.xlsx"))
    assert set(HOSTILE) <= found


def test_template_with_units(ev, tmp_path):
    path = write_template(ev.framework, tmp_path / "t.xlsx", units=HOSTILE, periods=[2024])
    sheet = _load(path)["数据"]
    assert [sheet.cell(r, 1).value for r in range(2, 6)] == HOSTILE
    assert all(sheet.cell(r, 1).data_type == "s" for r in range(2, 6))
    _strings(path)
    # and the filled template reads back with the names as given
    filled = _load(path)
    for r in range(2, 6):
        filled["数据"].cell(r, 3).value, filled["数据"].cell(r, 4).value = float(r), 1.0 / r
    filled.save(tmp_path / "filled.xlsx")
    assert set(zh.read_panel(tmp_path / "filled.xlsx", ev.framework).names()) == set(HOSTILE)


def _firms(names, scale="规下"):
    n = len(names)
    return pd.DataFrame({"id": [f"E{k}" for k in range(n)], "name": names, "scale": [scale] * n,
                         "land_area": [1.0] * n, "tax": np.arange(1.0, n + 1)})


def test_grading_workbook_and_csv(tmp_path):
    rule = GradingRule(branches=(Branch("全部", "all", {"tax_per_mu": 100}, {"tax_per_mu": 3}),))
    result = grade_enterprises(_firms([*HOSTILE, "丙公司"]), rule)
    for by_branch in (False, True):
        assert set(HOSTILE) <= _strings(write_result(result, tmp_path / f"g{by_branch}.xlsx",
                                                     by_branch=by_branch))
    csv = pd.read_csv(write_result(result, tmp_path / "g.csv"), encoding="utf-8-sig")
    assert set(csv["企业名称"]) == {"'" + n for n in HOSTILE} | {"丙公司"}


def test_attainment_workbook_and_csv(tmp_path):
    eco = zh.datasets.load("eco_yongkang")
    from zongheng.analysis.attainment import attainment

    table = attainment(eco.framework, eco.panel, unit="永康市").assign(unit_name=HOSTILE[0])
    assert HOSTILE[0] in _strings(write_attainment_xlsx(table, tmp_path / "a.xlsx"))
    csv = pd.read_csv(write_attainment_csv(table, tmp_path / "a.csv"), encoding="utf-8-sig")
    assert set(csv["单位名称"]) == {"'" + HOSTILE[0]}


def test_by_branch_sheet_names_stay_unique_within_31_characters(tmp_path):
    # Two branch names sharing their first 31 characters were written to one sheet, the second
    # replacing the first (reliability review, rule_long2.yaml).
    common = "规模以上工业企业亩均效益综合评价分组名称很长很长很长很长很长很长很长"
    assert len(common) > 31
    frame = pd.concat([_firms(["上一", "上二"], "规上"), _firms(["下一", "下二", "下三"], "规下")],
                      ignore_index=True)
    frame["id"] = [f"E{k}" for k in range(len(frame))]

    def sheets(first, second):
        rule = GradingRule(branches=(Branch(first, "规上", {"tax_per_mu": 100}, {"tax_per_mu": 3}),
                                     Branch(second, "规下", {"tax_per_mu": 100},
                                            {"tax_per_mu": 3})))
        book = _load(write_result(grade_enterprises(frame, rule), tmp_path / "b.xlsx",
                                  by_branch=True))
        assert all(len(n) <= 31 for n in book.sheetnames)
        names = book.sheetnames[1:3]  # after 说明
        # each branch's own firms on its own sheet (the title and description rows come first)
        return names, [{c.value for c in book[n]["B"][3:] if c.value} for n in names]

    names, firms = sheets(common + "甲", common + "乙")
    assert names == [common[:31], common[:28] + "(2)"]
    assert firms == [{"上一", "上二"}, {"下一", "下二", "下三"}]
    # characters Excel forbids in sheet names are replaced, not an error
    names, firms = sheets("a/b:c*d?[e]\\f", "规下")
    assert names == ["a_b_c_d__e__f", "规下"] and firms[0] == {"上一", "上二"}
