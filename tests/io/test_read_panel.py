"""Reading panels: long and wide, CSV/Excel/Parquet/DataFrame, matching, and every problem at once."""

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

import zongheng as zh
from zongheng.errors import DataError
from zongheng.framework import Attribute, framework_from_records

NAN = np.nan


def make_framework(extra=(), denominators=()):
    records = [
        {"code": "Index", "parent": None, "name": "县域发展指数"},
        {"code": "E", "parent": "Index", "name": "经济", "type": "aggregate"},
        {"code": "E1", "parent": "E", "name": "亩均税收", "unit": "万元/亩", "direction": "+"},
        {"code": "E2", "parent": "E", "name": "单位GDP能耗", "direction": "-"},
        {"code": "S", "parent": "Index", "name": "民生", "type": "aggregate"},
        {"code": "S1", "parent": "S", "name": "人均可支配收入", "name_en": "Disposable income",
         "direction": "+"},
        *extra,
    ]
    return framework_from_records(records, [{"row": i + 2} for i in range(len(records))],
                                  groups=[Attribute("city", "设区市")], denominators=denominators)


@pytest.fixture
def fw():
    return make_framework()


@pytest.fixture
def english():
    zh.set_lang("en")
    try:
        yield
    finally:
        zh.set_lang("zh")


WIDE = pd.DataFrame({
    "代码": ["330102", "330104", "330481"],
    "名称": ["上城区", "拱墅区", "海宁市"],
    "设区市": ["杭州", "杭州", "嘉兴"],
    "亩均税收（万元/亩）": ["35.5", "28", "41.2"],
    "E2": ["0.21", "0.3", ""],
    "人均可支配收入": ["78,000", "76000", "65000"],
})
WIDE_VALUES = [[[35.5, 0.21, 78000.0], [28.0, 0.3, 76000.0], [41.2, NAN, 65000.0]]]


def check_wide(panel):
    assert panel.shape == (1, 3, 3)
    assert panel.units == ("330102", "330104", "330481")
    assert panel.periods == ("",)
    assert panel.indicators == ("E1", "E2", "S1")
    np.testing.assert_array_equal(panel.values, WIDE_VALUES)
    assert panel.names() == ["上城区", "拱墅区", "海宁市"]
    assert panel.groups == ("设区市",)
    assert panel.group("设区市").tolist() == ["杭州", "杭州", "嘉兴"]
    assert not panel.values.flags.writeable


# -- wide, from every source -------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_wide_csv_in_every_encoding(tmp_path, fw, encoding):
    path = tmp_path / "数据.csv"
    WIDE.to_csv(path, index=False, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    panel = zh.read_panel(path, fw)
    check_wide(panel)
    assert panel.source == "数据.csv"


def test_wide_excel_on_a_named_sheet(tmp_path, fw):
    path = tmp_path / "数据.xlsx"
    with pd.ExcelWriter(path) as book:
        pd.DataFrame({"说明": ["2024 年"]}).to_excel(book, sheet_name="说明", index=False)
        WIDE.to_excel(book, sheet_name="数据", index=False)
    check_wide(zh.read_panel(path, fw, sheet="数据"))


def test_wide_excel_with_numbers_as_numbers(tmp_path, fw):
    path = tmp_path / "数据.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(list(WIDE.columns))
    ws.append([330102, "上城区", "杭州", 35.5, 0.21, 78000])
    ws.append([330104, "拱墅区", "杭州", 28, 0.3, 76000])
    ws.append([330481, "海宁市", "嘉兴", 41.2, None, 65000])
    book.save(path)
    check_wide(zh.read_panel(path, fw))


def test_wide_parquet(tmp_path, fw):
    path = tmp_path / "数据.parquet"
    WIDE.to_parquet(path, index=False)
    check_wide(zh.read_panel(path, fw))


def test_wide_dataframe_with_the_unit_as_index(fw):
    check_wide(zh.read_panel(WIDE.set_index("代码"), fw))


def test_wide_dataframe_filtered_rows(fw):
    frame = pd.concat([WIDE.iloc[[0]].assign(代码="999999"), WIDE]).reset_index(drop=True)
    check_wide(zh.read_panel(frame.iloc[1:], fw))


def test_single_cross_section_with_a_period_label(fw):
    panel = zh.read_panel(WIDE, fw, period=2024)
    assert panel.periods == (2024,)
    np.testing.assert_array_equal(panel.values, WIDE_VALUES)


# -- wide over several periods ------------------------------------------------------------

def test_wide_unit_period_rows(tmp_path, fw):
    path = tmp_path / "panel.csv"
    path.write_text("unit,year,E1,E2,S1\n"
                    "A,2022,3,30,300\n"
                    "B,2020,4,40,400\n"
                    "A,2020,1,10,100\n"
                    "B,2022,6,60,600\n"
                    "A,2021,2,20,200\n", encoding="utf-8")
    panel = zh.read_panel(path, fw)
    assert panel.periods == (2020, 2021, 2022)
    assert all(type(p) is int for p in panel.periods)
    assert panel.units == ("A", "B")
    np.testing.assert_array_equal(panel.values, [
        [[1, 10, 100], [4, 40, 400]],
        [[2, 20, 200], [NAN, NAN, NAN]],
        [[3, 30, 300], [6, 60, 600]],
    ])
    assert panel.period_index("2021") == 1


def test_periods_sort_as_numbers_not_text(fw):
    frame = pd.DataFrame({"unit": ["A", "A", "A"], "period": ["10", "9", "11"],
                          "E1": [10, 9, 11], "E2": [0, 0, 0], "S1": [0, 0, 0]})
    panel = zh.read_panel(frame, fw)
    assert panel.periods == (9, 10, 11)
    assert panel.values[:, 0, 0].tolist() == [9.0, 10.0, 11.0]


def test_text_periods_are_kept_as_text(fw):
    frame = pd.DataFrame({"unit": ["A", "A"], "时期": ["2024H2", "2024H1"],
                          "E1": [2, 1], "E2": [0, 0], "S1": [0, 0]})
    panel = zh.read_panel(frame, fw)
    assert panel.periods == ("2024H1", "2024H2")
    assert panel.values[:, 0, 0].tolist() == [1.0, 2.0]


def test_one_year_spelled_several_ways_is_one_period(fw):
    # Reliability review D_yearfloat: 2023.0 and 2023 were two periods once 2023.5 was present.
    frame = pd.DataFrame({"unit": ["A", "B", "C"], "year": ["2023.0", "2023", "2023.5"],
                          "E1": [1, 2, 3], "E2": [0, 0, 0], "S1": [0, 0, 0]})
    panel = zh.read_panel(frame, fw)
    assert panel.periods == (2023, 2023.5)
    assert panel.values[0, :, 0].tolist()[:2] == [1.0, 2.0]
    mixed = frame.assign(year=["2023.0", "2023年", "2024Q1"])
    assert zh.read_panel(mixed, fw).periods == ("2023年", "2024Q1")
    assert zh.read_panel(frame.assign(year=["2023.0", "2023", "2024Q1"]), fw).periods == ("2023", "2024Q1")


def test_attributes_come_from_the_latest_period(fw):
    frame = pd.DataFrame({"unit": ["A", "A"], "year": [2021, 2020], "name": ["新名", "旧名"],
                          "E1": [1, 2], "E2": [1, 2], "S1": [1, 2]})
    assert zh.read_panel(frame, fw).names() == ["新名"]


# -- long -----------------------------------------------------------------------

LONG = """单位,年份,指标,值
A,2021,亩均税收,2
A,2020,E1,1
A,2020,单位GDP能耗（吨标煤/万元）,10
A,2020,Disposable income,100
B,2020,e1,4
B,2020,E2,40
B,2020,人均可支配收入(元),400
A,2021,E2,20
A,2021,S1,200
"""
UNITS = pd.DataFrame({"代码": ["C", "B", "A"], "名称": ["龙港市", "海宁市", "上城区"],
                      "设区市": ["温州", "嘉兴", "杭州"], "山区26县": [1, 0, 0]})


def test_long_with_a_units_table(tmp_path, fw):
    path = tmp_path / "long.csv"
    path.write_text(LONG, encoding="gb18030")
    units = tmp_path / "units.xlsx"
    UNITS.to_excel(units, index=False)
    panel = zh.read_panel(path, fw, units=units)
    assert panel.units == ("A", "B") and panel.periods == (2020, 2021)
    np.testing.assert_array_equal(panel.values, [
        [[1, 10, 100], [4, 40, 400]],
        [[2, 20, 200], [NAN, NAN, NAN]],
    ])
    assert panel.names() == ["上城区", "海宁市"]
    assert panel.groups == ("设区市", "山区26县")
    assert panel.group("设区市").tolist() == ["杭州", "嘉兴"]
    assert panel.group("山区26县").tolist() == [0, 0]


def test_long_excel_is_read_like_long_csv(tmp_path, fw):
    path = tmp_path / "long.xlsx"
    pd.read_csv(io.StringIO(LONG)).to_excel(path, index=False, sheet_name="数据")
    panel = zh.read_panel(path, fw)
    assert panel.units == ("A", "B") and panel.periods == (2020, 2021)
    np.testing.assert_array_equal(panel.values[0], [[1, 10, 100], [4, 40, 400]])
    np.testing.assert_array_equal(panel.values[1], [[2, 20, 200], [NAN, NAN, NAN]])


def test_long_without_a_period_column(fw):
    frame = pd.DataFrame({"unit": ["A", "A", "A", "B"], "indicator": ["E1", "E2", "S1", "S1"],
                          "value": [1.0, 2.0, 3.0, 4.0]})
    panel = zh.read_panel(frame, fw)
    assert panel.periods == ("",) and panel.units == ("A", "B")
    np.testing.assert_array_equal(panel.values, [[[1, 2, 3], [NAN, NAN, 4]]])
    assert zh.read_panel(frame, fw, period=2024).periods == (2024,)


def test_long_parquet_with_names_and_denominators(tmp_path):
    fw = make_framework(extra=[{"code": "S2", "parent": "S", "direction": "+",
                                "denominator": "POP"}])
    frame = pd.DataFrame({
        "ucode": ["A", "A", "A", "A", "A"], "uname": ["上城区"] * 5, "time": [2024] * 5,
        "icode": ["E1", "E2", "S1", "S2", "POP"], "value": [1.0, 2.0, 3.0, 50.0, 10.0]})
    path = tmp_path / "long.parquet"
    frame.to_parquet(path, index=False)
    panel = zh.read_panel(path, fw)
    assert panel.indicators == ("E1", "E2", "S1", "S2") and panel.names() == ["上城区"]
    np.testing.assert_array_equal(panel.values, [[[1, 2, 3, 50]]])
    assert panel.denominator_codes == ("POP",)
    np.testing.assert_array_equal(panel.denominators, [[[10.0]]])


def test_layout_can_be_forced_wide(fw):
    # Columns called 指标 and 值 would look long; layout="wide" reads them as they are.
    frame = WIDE.assign(指标="x", 值="y")
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw, layout="long")
    assert {p.kind for p in info.value.problems} == {"unknown_indicator_long", "non_numeric",
                                                     "missing_indicators"}
    panel = zh.read_panel(frame, fw, layout="wide")
    assert panel.groups == ("设区市", "指标", "值")
    np.testing.assert_array_equal(panel.values, WIDE_VALUES)


def test_bad_layout_is_a_programming_error(fw):
    with pytest.raises(ValueError, match="layout"):
        zh.read_panel(WIDE, fw, layout="tall")


# -- matching indicator columns ----------------------------------------------------------

@pytest.mark.parametrize("header", ["E1", "e1", " E1 ", "亩均税收", "亩均税收（万元/亩）",
                                    "亩均税收(万元/亩)", "亩均税收 （万元/亩）"])
def test_indicator_header_spellings(fw, header):
    frame = pd.DataFrame({"unit": ["A"], header: [7.0], "E2": [1.0], "Disposable Income": [2.0]})
    np.testing.assert_array_equal(zh.read_panel(frame, fw).values, [[[7, 1, 2]]])


def test_names_with_brackets_of_their_own():
    fw = make_framework(extra=[
        {"code": "R", "parent": "S", "name": "研发投入（R&D）", "direction": "+"},
        {"code": "G", "parent": "S", "name": "绿化覆盖率（%）", "direction": "+"}])
    frame = pd.DataFrame({"unit": ["A"], "E1": [1], "E2": [2], "S1": [3],
                          "研发投入（R&D）（%）": [4], "绿化覆盖率": [5]})
    np.testing.assert_array_equal(zh.read_panel(frame, fw).values, [[[1, 2, 3, 4, 5]]])


def test_a_name_shared_by_two_indicators_needs_the_code():
    fw = make_framework(extra=[
        {"code": "E3", "parent": "E", "name": "增速", "direction": "+"},
        {"code": "S3", "parent": "S", "name": "增速", "direction": "+"}])
    frame = pd.DataFrame({"unit": ["A"], "E1": [1], "E2": [2], "S1": [3], "增速": [4], "S3": [5]})
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw)
    assert [p.message() for p in info.value.problems] == [
        "列 E (增速): '增速' 同时是多个指标的名称（E3, S3），请改用指标代码",
        "数据中缺少指标: E3"]
    ok = frame.rename(columns={"增速": "E3"})
    np.testing.assert_array_equal(zh.read_panel(ok, fw).values, [[[1, 2, 4, 3, 5]]])


def test_two_columns_for_one_indicator(fw):
    frame = pd.DataFrame({"unit": ["A"], "E1": [1], "亩均税收": [1], "E2": [2], "S1": [3]})
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw)
    (p,) = info.value.problems
    assert p.kind == "duplicate_column" and p.params == {"name": "亩均税收", "other": "E1", "code": "E1"}


def test_given_unit_and_period_columns(fw):
    frame = pd.DataFrame({"县名": ["A", "B"], "统计年度": [2024, 2024], "E1": [1, 2], "E2": [3, 4],
                          "S1": [5, 6]})
    panel = zh.read_panel(frame, fw, unit_column="县名", period_column="统计年度")
    assert panel.units == ("A", "B") and panel.periods == (2024,)
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw, unit_column="县", period_column="年")
    assert [(p.kind, p.params) for p in info.value.problems] == [
        ("missing_column", {"column": "县"}), ("missing_column", {"column": "年"})]


def test_no_unit_column(fw):
    with pytest.raises(DataError) as info:
        zh.read_panel(pd.DataFrame({"E1": [1], "E2": [2], "S1": [3]}), fw)
    assert [p.kind for p in info.value.problems] == ["no_unit_column"]


def test_long_without_a_value_column(fw):
    frame = pd.DataFrame({"unit": ["A"], "indicator": ["E1"]})
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw, layout="long")
    (p,) = info.value.problems
    assert p.kind == "missing_long_column" and p.params["column"] == "value"
    assert p.message() == "长表缺少 value 列（可用列名: value, 值, 数值, 指标值）"


# -- COINr's iData ---------------------------------------------------------------

def test_coinr_idata_reads_as_it_is(asem_files):
    fw = zh.read_framework(asem_files / "iMeta.csv")
    panel = zh.read_panel(asem_files / "iData.csv", fw)
    assert panel.shape == (1, 51, 49) and panel.periods == (2018,)
    assert panel.units[:3] == ("AUT", "BEL", "BGR") and panel.names()[0] == "Austria"
    assert panel.groups == ("GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group")
    assert panel.group("EurAsia_group")[0] == "Europe"
    assert panel.denominator_codes == ("Area", "Energy", "GDP", "Population")
    np.testing.assert_array_equal(panel.denominators[0, 0], [83871, 27, 390.799991147468, 8735.453])
    assert panel.values[0, 0, panel.indicators.index("LPI")] == 4.097985
    assert panel.values[0, 1, panel.indicators.index("NEET")] == 9.3
    assert int(np.isnan(panel.values).sum()) == 63


# -- every problem at once -----------------------------------------------------------

def write_bad_sheet(path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "数据"
    ws.append(["代码", "名称", "设区市", "亩均税收（万元/亩）", "单位GDP能耗", "绿化覆盖率"])
    ws.append([330102, "上城区", "杭州", 35.5, 0.21, 40])        # row 2
    ws.append([330104, "拱墅区", "杭州", 28, 0.3, 41])           # row 3
    ws.append([330105, "西湖区", "杭州", 30, "0.2.1", 42])       # row 4: E4 not a number
    ws.append([None, "某区", "杭州", 20, 0.1, 43])               # row 5: no unit code
    ws.append([330106, "滨江区", "杭州", 25, 0.2, 44])           # row 6
    ws.append([330108, "萧山区", "杭州", "暂无", 0.25, 45])      # row 7: D7 not a number
    ws.append([330102, "上城区", "杭州", 1, 1, 1])               # row 8: unit repeated
    book.save(path)
    return path


BAD_ZH = [
    "数据有 6 处问题，未载入任何数据:",
    "  - 数据.xlsx, 工作表 数据, 列 F (绿化覆盖率): 列 '绿化覆盖率' 不是指标体系中的指标代码或名称；"
    "若是分组或属性列，请在指标体系的 groups 中声明",
    "  - 数据.xlsx, 工作表 数据: 数据中缺少指标: S1",
    "  - 数据.xlsx, 数据!A5: 单位代码为空",
    "  - 数据.xlsx, 工作表 数据, 第 8 行: 单位 '330102' 重复（首次出现在第 2 行）",
    "  - 数据.xlsx, 数据!D7: '暂无' 不是数字（指标 E1）；缺失值请留空",
    "  - 数据.xlsx, 数据!E4: '0.2.1' 不是数字（指标 E2）；缺失值请留空",
]
BAD_EN = [
    "The data has 6 problem(s); nothing was loaded:",
    "  - 数据.xlsx, sheet 数据, column F (绿化覆盖率): column '绿化覆盖率' is neither an indicator code "
    "nor name in the framework; if it is a group or attribute column, declare it under groups in "
    "the framework",
    "  - 数据.xlsx, sheet 数据: the data has no values for the indicators: S1",
    "  - 数据.xlsx, 数据!A5: the unit code is empty",
    "  - 数据.xlsx, sheet 数据, row 8: unit '330102' is duplicated (first at row 2)",
    "  - 数据.xlsx, 数据!D7: '暂无' is not a number (indicator E1); leave missing values empty",
    "  - 数据.xlsx, 数据!E4: '0.2.1' is not a number (indicator E2); leave missing values empty",
]


def test_every_problem_of_an_excel_sheet_with_its_cell(tmp_path, fw):
    with pytest.raises(DataError) as info:
        zh.read_panel(write_bad_sheet(tmp_path / "数据.xlsx"), fw)
    assert str(info.value).splitlines() == BAD_ZH
    cells = [p.cell for p in info.value.problems]
    assert cells == [None, None, "数据!A5", None, "数据!D7", "数据!E4"]


def test_every_problem_in_english(tmp_path, fw, english):
    with pytest.raises(DataError) as info:
        zh.read_panel(write_bad_sheet(tmp_path / "数据.xlsx"), fw)
    assert str(info.value).splitlines() == BAD_EN
    assert info.value.render("zh").splitlines() == BAD_ZH


def test_csv_problems_name_row_and_column(tmp_path, fw):
    path = tmp_path / "data.csv"
    path.write_text("unit,E1,E2,S1\nA,1,2,3\n\nB,x,2,3\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    (p,) = info.value.problems
    assert p.message() == "data.csv, 第 4 行, 列 B (E1): 'x' 不是数字（指标 E1）；缺失值请留空"


def test_every_problem_of_a_long_table(tmp_path, fw):
    path = tmp_path / "long.csv"
    path.write_text("unit,period,indicator,value\n"
                    "A,2020,E1,1\n"        # row 2
                    "A,2020,E2,x1\n"       # row 3: not a number
                    "A,2020,S1,100\n"      # row 4
                    "A,2020,E1,2\n"        # row 5: repeats row 2
                    "A,2020,绿化率,5\n"    # row 6: unknown indicator
                    "B,2020,绿化率,6\n"    # row 7: the same, reported once
                    "B,2020,,7\n"          # row 8: no indicator
                    ",2020,E1,3\n"         # row 9: no unit
                    "B,,E1,4\n",           # row 10: no period
                    encoding="utf-8")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert [(p.kind, p.row, p.column) for p in info.value.problems] == [
        ("missing_unit", 9, "A (unit)"),
        ("missing_period", 10, "B (period)"),
        ("unknown_indicator_long", 6, "C (indicator)"),
        ("missing_indicator_name", 8, "C (indicator)"),
        ("non_numeric", 3, "D (value)"),
        ("duplicate_row", 5, None),
    ]
    lines = str(info.value).splitlines()
    assert lines[0] == "数据有 6 处问题，未载入任何数据:"
    assert "  - long.csv, 第 3 行, 列 D (value): 'x1' 不是数字（指标 E2）；缺失值请留空" in lines
    assert ("  - long.csv, 第 5 行: 单位 'A'、时期 '2020'、指标 'E1' 重复（首次出现在第 2 行）"
            in lines)
    assert "  - long.csv, 第 6 行, 列 C (indicator): 指标 '绿化率' 不在指标体系中" in lines


def test_missing_indicator_in_long_data(fw):
    frame = pd.DataFrame({"unit": ["A", "A"], "indicator": ["E1", "亩均税收"], "value": [1, 2],
                          "year": [2020, 2021]})
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw)
    (p,) = info.value.problems
    assert p.message() == "数据中缺少指标: E2, S1"


def test_units_without_metadata_are_named_at_their_first_row(tmp_path, fw):
    path = tmp_path / "long.csv"
    path.write_text(LONG + "D,2020,E1,1\nE,2020,E1,1\nD,2021,E1,1\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw, units=UNITS[UNITS.代码 != "B"])
    assert [p.message() for p in info.value.problems] == [
        "long.csv, 第 6 行, 列 A (单位): 单位 'B' 不在单位信息表中",
        "long.csv, 第 11 行, 列 A (单位): 单位 'D' 不在单位信息表中",
        "long.csv, 第 12 行, 列 A (单位): 单位 'E' 不在单位信息表中",
    ]


def test_wide_with_an_unreadable_units_table(tmp_path, fw):
    with pytest.raises(DataError) as info:
        zh.read_panel(WIDE, fw, units=tmp_path / "units.csv")
    (p,) = info.value.problems
    assert (p.kind, p.file) == ("file_not_found", str(tmp_path / "units.csv"))


def test_units_table_with_numeric_codes(fw):
    data = pd.DataFrame({"代码": [330102.0, 330104.0], "E1": [1, 2], "E2": [3, 4], "S1": [5, 6]})
    units = pd.DataFrame({"代码": [330102, 330104], "名称": ["上城区", "拱墅区"]})
    panel = zh.read_panel(data, fw, units=units)
    assert panel.units == ("330102", "330104") and panel.names() == ["上城区", "拱墅区"]


def test_missing_denominator_column():
    fw = make_framework(extra=[{"code": "S2", "parent": "S", "direction": "+", "denominator": "POP"}])
    frame = pd.DataFrame({"unit": ["A"], "E1": [1], "E2": [2], "S1": [3], "S2": [4]})
    with pytest.raises(DataError) as info:
        zh.read_panel(frame, fw)
    (p,) = info.value.problems
    assert p.message() == "数据中缺少分母列 'POP'（指标 S2 需要它）"
    panel = zh.read_panel(frame.assign(POP=[10.0]), fw)
    assert panel.denominator_codes == ("POP",) and panel.denominators.tolist() == [[[10.0]]]


def test_missing_value_markers_and_number_spellings(fw):
    frame = pd.DataFrame({"unit": ["A", "B", "C", "D"], "E1": ["—", "NA", "1,234.5", "１２"],
                          "E2": ["-", "", "/", "-0.5"], "S1": [None, "缺失", "3", "1e2"]})
    np.testing.assert_array_equal(zh.read_panel(frame, fw).values, [[
        [NAN, NAN, NAN], [NAN, NAN, NAN], [1234.5, NAN, 3], [12, -0.5, 100]]])


@pytest.mark.parametrize("content", [b"", "代码,E1,E2,S1\n".encode("gbk"), b"\n\n"])
def test_empty_files(tmp_path, fw, content):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert [p.message() for p in info.value.problems] == ["data.csv: 文件是空的，没有数据行"]


def test_empty_excel_and_dataframe(tmp_path, fw):
    path = tmp_path / "data.xlsx"
    pd.DataFrame(columns=["代码", "E1"]).to_excel(path, index=False, sheet_name="数据")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert info.value.problems[0].message() == "data.xlsx, 工作表 数据: 文件是空的，没有数据行"
    with pytest.raises(DataError) as info:
        zh.read_panel(pd.DataFrame(), fw)
    assert info.value.problems[0].kind == "file_empty"


def test_missing_file_and_unknown_type(tmp_path, fw):
    with pytest.raises(DataError) as info:
        zh.read_panel(tmp_path / "nope.xlsx", fw)
    assert info.value.problems[0].kind == "file_not_found"
    path = tmp_path / "data.sav"
    path.write_bytes(b"x")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert str(info.value).splitlines()[1] == (
        "  - data.sav: 不支持的文件类型 '.sav'（支持 .csv、.xlsx、.parquet）")


def test_data_error_is_a_value_error(fw):
    with pytest.raises(ValueError):
        zh.read_panel(pd.DataFrame({"unit": ["A"], "E1": ["x"], "E2": [1], "S1": [1]}), fw)
