"""Data that loaded silently and gave wrong rankings: each is now read right or named.

Cases of the reliability audit (review 2026-12-reliability.md, finding 7 and the
closing note's known problems #2 and #10; inputs known/data_bracket*.csv, f/units_dup.csv,
f/periods_mixed.csv, f/huge.csv, known/data_den_name.csv), rebuilt here.
"""

import io

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.errors import DataError
from zongheng.framework import Attribute, framework_from_records


@pytest.fixture
def fw():
    records = [{"code": "IDX"}, {"code": "A", "parent": "IDX", "type": "aggregate", "name": "经济"},
               {"code": "A1", "parent": "A", "name": "产值", "unit": "亿元", "direction": "+"},
               {"code": "A2", "parent": "A", "name": "能耗", "unit": "吨", "direction": "-"},
               {"code": "B1", "parent": "IDX", "name": "研发", "unit": "%", "direction": "+"}]
    return framework_from_records(records, [{"row": i + 2} for i in range(len(records))],
                                  groups=[Attribute("city")])


def csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(call):
    with pytest.raises(DataError) as info:
        call()
    return info.value.problems


# -- units in brackets ---------------------------------------------------------------------------


def test_a_bracketed_unit_contradicting_the_framework_is_an_error(tmp_path, fw):
    # known/data_bracket.csv: 产值 in 元 and 能耗 in 千克 would have been read as 亿元 and 吨
    path = csv(tmp_path, "unit,year,产值（元）,能耗(千克),研发(%)\nu1,2024,100000000,5000,1\n"
                         "u2,2024,200000000,4000,2\n")
    found = problems(lambda: zh.read_panel(path, fw))
    assert [(p.kind, p.column, p.params) for p in found] == [
        ("header_unit_mismatch", "C (产值（元）)",
         {"name": "产值（元）", "unit": "元", "code": "A1", "expected": "亿元"}),
        ("header_unit_mismatch", "D (能耗(千克))",
         {"name": "能耗(千克)", "unit": "千克", "code": "A2", "expected": "吨"})]
    assert found[0].message("zh") == (
        "data.csv, 列 C (产值（元）): '产值（元）' 标注的单位「元」与指标体系中 A1 的单位「亿元」不一致；"
        "请把数值换算为「亿元」并改正表头，或改正指标体系")
    assert found[0].message("en") == (
        "data.csv, column C (产值（元）): '产值（元）' is labelled in '元' but A1 is in '亿元' in the "
        "framework: convert the values to '亿元' and correct the label, or correct the framework")


@pytest.mark.parametrize("headers", [
    ("产值（亿元）", "能耗(吨)", "研发（%）"),
    ("产值(亿元)", "能耗（ 吨 ）", "研发(％)"),  # other brackets, spaces, a full-width ％
    ("A1（亿元）", "A2", "研发"),  # a code with its unit, no unit at all
])
def test_the_same_unit_in_another_spelling_is_fine(tmp_path, fw, headers):
    path = csv(tmp_path, "unit,year," + ",".join(headers) + "\nu1,2024,1,2,3\nu2,2024,2,1,4\n")
    panel = zh.read_panel(path, fw)
    assert panel.values[0].tolist() == [[1, 2, 3], [2, 1, 4]]


def test_without_a_declared_unit_a_bracket_is_not_checked(tmp_path):
    records = [{"code": "I"}, {"code": "R", "parent": "I", "name": "研发投入", "direction": "+"}]
    fw = framework_from_records(records, [{}, {}])
    panel = zh.read_panel(pd.DataFrame({"unit": ["a"], "研发投入（万元）": [3.0]}), fw)
    assert panel.values.tolist() == [[[3.0]]]


def test_a_bracketed_unit_in_a_long_table(tmp_path, fw):
    path = csv(tmp_path, "unit,year,indicator,value\nu1,2024,产值（万元）,1\nu1,2024,能耗,2\n"
                         "u1,2024,研发,3\nu2,2024,产值（万元）,1\n")
    found = problems(lambda: zh.read_panel(path, fw))
    assert [(p.kind, p.row, p.params["unit"]) for p in found] == [("header_unit_mismatch", 2, "万元")]


# -- the unit table ----------------------------------------------------------------------------


def test_a_unit_listed_twice_in_the_unit_table_names_both_rows(tmp_path, fw):
    # f/units_dup.csv: u1 as 甲/X and again as 乙/Y; the last row used to win silently
    data = csv(tmp_path, "unit,year,A1,A2,B1\nu1,2024,1,2,3\nu2,2024,2,1,4\n")
    units = csv(tmp_path, "unit,name,city\nu1,甲,X\nu2,丙,X\nu1,乙,Y\n", "units.csv")
    found = problems(lambda: zh.read_panel(data, fw, units=units))
    assert [(p.kind, p.file, p.row, p.params) for p in found] == [
        ("unit_table_duplicate", "units.csv", 4, {"unit": "u1", "first": 2})]
    assert found[0].message("zh") == "units.csv, 第 4 行: 单位 'u1' 在单位信息表中重复（首次出现在第 2 行）"
    assert found[0].message("en") == ("units.csv, row 4: the unit 'u1' is listed twice in the unit table "
                                      "(first at row 2)")


def test_a_clean_unit_table_still_joins(tmp_path, fw):
    data = csv(tmp_path, "unit,year,A1,A2,B1\nu1,2024,1,2,3\nu2,2024,2,1,4\n")
    units = csv(tmp_path, "unit,name,city\nu2,丙,X\nu1,甲,\n", "units.csv")
    panel = zh.read_panel(data, fw, units=units)
    assert panel.names() == ["甲", "丙"]
    assert panel.attributes["city"].isna().tolist() == [True, False]


# -- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize("spellings", [("2023", "2023年"), ("2023年", "2023 年"), ("2023.0", "2023")])
def test_one_year_in_two_spellings_is_one_period(tmp_path, fw, spellings):
    # f/periods_mixed.csv: u3's rows said 2023年/2024年, the others 2023/2024 — four periods,
    # and `progress` compared "2024年" with "2024"
    a, b = spellings
    path = csv(tmp_path, f"unit,year,A1,A2,B1\nu1,{a},10,5,1\nu2,{a},20,4,2\nu3,{b},30,3,3\n"
                         "u1,2024,11,5,1\nu2,2024年,21,4,2\nu3,2024 年,31,3,3\n")
    panel = zh.read_panel(path, fw)
    assert panel.periods == (2023, 2024)
    assert panel.values[:, :, 0].tolist() == [[10, 20, 30], [11, 21, 31]]


def test_the_same_unit_year_in_two_spellings_is_a_duplicate(tmp_path, fw):
    path = csv(tmp_path, "unit,year,A1,A2,B1\nu1,2024,1,2,3\nu1,2024年,1,2,3\n")
    found = problems(lambda: zh.read_panel(path, fw))
    assert [(p.kind, p.row, p.params) for p in found] == [
        ("duplicate_unit_row", 3, {"unit": "u1", "period": 2024, "first": 2})]


def test_text_periods_stay_text(tmp_path, fw):
    path = csv(tmp_path, "unit,period,A1,A2,B1\nu1,2024年二季度,1,2,3\nu1,2024年一季度,1,2,3\n"
                         "u1,2024 年,1,2,3\n")
    assert zh.read_panel(path, fw).periods == ("2024年", "2024年一季度", "2024年二季度")


# -- denominators by name ----------------------------------------------------------------------


@pytest.fixture
def fw_den():
    # known/fw_den.yaml: GDP per person needs the population column POP (常住人口, 万人)
    records = [{"code": "IDX"},
               {"code": "A1", "parent": "IDX", "name": "GDP总量", "unit": "亿元", "direction": "+",
                "denominator": "POP"},
               {"code": "B1", "parent": "IDX", "name": "研发", "direction": "+"}]
    return framework_from_records(records, [{}] * 3,
                                  denominators=[Attribute("POP", "常住人口", "population", "万人")])


@pytest.mark.parametrize("header", ["POP", "常住人口", "常住人口（万人）", "Population"])
def test_denominator_column_by_code_or_name(fw_den, header):
    # closing note known #2: a column headed 常住人口 was "not an indicator" + "POP missing"
    frame = pd.DataFrame({"unit": ["big", "small"], "A1": [1000, 100], "B1": [1, 2], header: [1000, 10]})
    panel = zh.read_panel(frame, fw_den)
    assert panel.denominator_codes == ("POP",)
    assert panel.denominators[0, :, 0].tolist() == [1000, 10]


def test_denominator_in_another_unit_is_an_error(fw_den):
    frame = pd.DataFrame({"unit": ["big"], "A1": [1000], "B1": [1], "常住人口（人）": [10_000_000]})
    found = problems(lambda: zh.read_panel(frame, fw_den))
    assert [(p.kind, p.params["code"], p.params["expected"]) for p in found] == [
        ("header_unit_mismatch", "POP", "万人")]


def test_denominator_by_name_in_a_long_table(fw_den):
    text = "unit,year,indicator,value\nbig,2024,A1,1000\nbig,2024,B1,1\nbig,2024,常住人口,1000\n"
    panel = zh.read_panel(pd.read_csv(io.StringIO(text)), fw_den)
    assert panel.denominator_codes == ("POP",) and panel.denominators.tolist() == [[[1000.0]]]


# -- numbers too large to compute with -----------------------------------------------------------


def test_values_of_1e100_and_more_are_named(tmp_path, fw):
    # f/huge.csv: 1e308 made min-max overflow (x - min = inf), the best unit's score NaN, its rank last
    path = csv(tmp_path, "unit,year,city,A1,A2,B1\nu1,2024,X,1e308,5,1\nu2,2024,X,-1e308,4,2\n"
                         "u3,2024,Y,30,3,3\nu4,2024,Y,1e99,3,3\nu5,2024,Y,12,1e100,3\n")
    found = problems(lambda: zh.read_panel(path, fw))
    assert [(p.kind, p.row, p.column, p.params["value"]) for p in found] == [
        ("value_too_large", 2, "D (A1)", "1e308"), ("value_too_large", 3, "D (A1)", "-1e308"),
        ("value_too_large", 6, "E (A2)", "1e100")]
    assert found[0].message("zh") == (
        "data.csv, 第 2 行, 列 D (A1): 1e308 太大，无法参与计算（绝对值须小于 1e100；指标 A1）；"
        "请检查单位或录入")
    assert "too large to compute with" in found[0].message("en")


def test_large_values_in_a_dataframe(fw):
    frame = pd.DataFrame({"unit": ["a", "b"], "A1": [1e200, 1.0], "A2": [1.0, 2.0], "B1": [1.0, np.inf]})
    found = problems(lambda: zh.read_panel(frame, fw))
    assert [(p.kind, p.row) for p in found] == [("value_too_large", 2), ("non_numeric", 3)]
