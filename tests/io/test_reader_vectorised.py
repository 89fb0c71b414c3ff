"""The vectorised reader: every cell judged as the per-cell parser judges it, every problem named.

read_panel used to read every CSV cell as a Python object and call ``parse_number`` on each
cell pandas could not convert (performance review §6.4: 7.2 GiB for a 757 MiB CSV). Now Arrow
and numpy do the plain cells; these tests pin that the results and the problem lists are the
ones the per-cell parser gives.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zongheng as zh
from zongheng.errors import DataError
from zongheng.framework import framework_from_records
from zongheng.io.tables import BadCell, parse_number, parse_numbers, read_table

CELLS = ["1", "2.5", "-3", "+4", ".5", "1.", "1e3", "1E-2", "", " ", "  7 ", "NA", "n/a", "#N/A",
         "nan", "NaN", "-nan", "—", "-", "/", "无数据", "1,234.5", "１２．５", "－３", "inf", "-inf",
         "Infinity", "1e999", "12%", "x", "TRUE", "0x10", "1_000", "1 000", "١٢", "3.4.5"]


def reference(cells):
    """The per-cell parser: values (NaN for missing or bad) and positions of bad cells."""
    parsed = [parse_number(c) for c in cells]
    values = np.array([math.nan if p is None else p for p in parsed])
    return values, np.array([i for i, p in enumerate(parsed) if p is None], dtype=np.int64)


def same(result, expected):
    np.testing.assert_array_equal(result[0], expected[0])
    np.testing.assert_array_equal(result[1], expected[1])


def test_every_spelling_as_text_and_as_objects():
    expected = reference(CELLS)
    # by hand: the bad ones are -nan, inf, -inf, Infinity, 1e999, 12%, x, TRUE, 0x10, 1_000, 3.4.5
    # (Python reads the Arabic-Indic digits ١٢ as 12, and so does parse_number)
    assert [CELLS[i] for i in expected[1]] == ["-nan", "inf", "-inf", "Infinity", "1e999", "12%", "x",
                                               "TRUE", "0x10", "1_000", "3.4.5"]
    assert expected[0][CELLS.index("١٢")] == 12
    same(parse_numbers(pd.Series(CELLS, dtype=str)), expected)
    same(parse_numbers(pd.Series(CELLS, dtype=object)), expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(CELLS), st.text(alphabet="0123456789.,eE+- NA年%", max_size=8)),
                min_size=1, max_size=30))
def test_any_column_of_text_parses_as_cell_by_cell(cells):
    expected = reference(cells)
    same(parse_numbers(pd.Series(cells, dtype=str)), expected)
    same(parse_numbers(pd.Series(cells, dtype=object)), expected)


def test_numeric_and_odd_columns():
    same(parse_numbers(pd.Series([1.0, np.nan, np.inf, -2.0])),
         (np.array([1.0, np.nan, np.nan, -2.0]), np.array([2])))
    same(parse_numbers(pd.Series([1, 2, None], dtype="Int64")), (np.array([1.0, 2.0, np.nan]), np.array([])))
    same(parse_numbers(pd.Series([True, None], dtype="boolean")), (np.array([np.nan, np.nan]), np.array([0])))
    same(parse_numbers(pd.Series([1.5, BadCell("error", "#REF!"), None, "2"], dtype=object)),
         (np.array([1.5, np.nan, np.nan, 2.0]), np.array([1])))
    dates = pd.Series(pd.to_datetime(["2024-01-01", None]))
    same(parse_numbers(dates), (np.array([np.nan, np.nan]), np.array([0])))


@pytest.fixture
def fw():
    records = [{"code": "I"}] + [{"code": c, "parent": "I", "direction": "+"} for c in ("a", "b", "c")]
    return framework_from_records(records, [{}] * 4)


def test_every_bad_cell_is_reported_at_once_in_order(tmp_path, fw):
    path = tmp_path / "d.csv"
    path.write_text("unit,a,b,c\nu1,1,12%,x\nu2,\"1,234\",—,inf\nu3,１２,NA,\nu4,TRUE,2,3\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert [(p.kind, p.row, p.column, p.params["value"]) for p in info.value.problems] == [
        ("non_numeric", 5, "B (a)", "TRUE"),
        ("non_numeric", 2, "C (b)", "12%"),
        ("non_numeric", 2, "D (c)", "x"),
        ("non_numeric", 3, "D (c)", "inf"),
    ]
    path.write_text("unit,a,b,c\nu1,1,12,\nu2,\"1,234\",—,4\nu3,１２,NA,5\n", encoding="utf-8")
    panel = zh.read_panel(path, fw)
    np.testing.assert_array_equal(panel.values[0], [[1, 12, np.nan], [1234, np.nan, 4], [12, np.nan, 5]])


def test_long_layout_scatter_duplicates_and_order(tmp_path, fw):
    text = ("unit,year,indicator,value\n"
            "u2,2024,a,1\nu1,2024,a,2\nu1,2023,b,3\nu2,2024,c,4\nu1,2024,b,5\nu1,2024,c,6\n"
            "u2,2023,a,7\nu2,2024,b,8\nu1,2023,a,9\nu1,2023,c,10\nu2,2023,b,11\nu2,2023,c,12\n")
    path = tmp_path / "long.csv"
    path.write_text(text, encoding="utf-8")
    panel = zh.read_panel(path, fw)
    assert panel.units == ("u2", "u1") and panel.periods == (2023, 2024)
    # by hand from the rows above: [period][unit][a, b, c]
    np.testing.assert_array_equal(panel.values, [[[7, 11, 12], [9, 3, 10]], [[1, 8, 4], [2, 5, 6]]])
    path.write_text(text + "u1,2024,b,50\nu9,2024,zz,1\nu2,2023,a,70\n,2024,a,1\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert [(p.kind, p.row, p.params.get("first")) for p in info.value.problems] == [
        ("missing_unit", 17, None),
        ("unknown_indicator_long", 15, None),
        ("duplicate_row", 14, 6),
        ("duplicate_row", 16, 8),
    ]


def test_wide_duplicates_name_the_first_row(tmp_path, fw):
    path = tmp_path / "d.csv"
    path.write_text("unit,year,a,b,c\nu1,2024,1,2,3\nu2,2024,1,2,3\nu1,2024,1,2,3\nu1,2023,1,2,3\n"
                    "u2,2024,1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        zh.read_panel(path, fw)
    assert [(p.row, p.params) for p in info.value.problems] == [
        (4, {"unit": "u1", "period": 2024, "first": 2}), (6, {"unit": "u2", "period": 2024, "first": 3})]


# -- CSV files Arrow reads, and the ones it hands to pandas ----------------------------------------


def test_short_rows_fall_back_to_pandas(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("unit,a,b\nu1,1\nu2,2,3\n", encoding="utf-8")
    table = read_table(path)
    assert table.frame["a"].tolist() == ["1", "2"] and table.frame["b"].tolist() == ["", "3"]


def test_quoted_newlines_duplicate_and_blank_headers(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('unit,"名称\n（全称）",a,a,\nu1,"永康\n市",1,2,\n', encoding="utf-8")
    table = read_table(path)
    assert list(table.frame.columns) == ["unit", "名称\n（全称）", "a", "a.1"]
    assert table.frame.iloc[0].tolist() == ["u1", "永康\n市", "1", "2"]


def test_gbk_after_a_long_ascii_start(tmp_path):
    # the encoding is guessed from the first MiB; a GBK name further down must still read
    rows = "".join(f"u{i},{i}\n" for i in range(150_000))  # > 1 MiB of ASCII
    path = tmp_path / "late.csv"
    path.write_bytes(("unit,a\n" + rows + "永康市,1\n").encode("gbk"))
    table = read_table(path)
    assert table.frame["unit"].iloc[-1] == "永康市" and len(table.frame) == 150_001


def test_the_frame_is_arrow_text_and_keeps_leading_zeros(tmp_path):
    path = tmp_path / "z.csv"
    path.write_text("unit,a\n001,1.50\n1,2\n", encoding="utf-8")
    frame = read_table(path).frame
    assert frame["unit"].tolist() == ["001", "1"] and frame["a"].tolist() == ["1.50", "2"]
    assert str(frame["a"].dtype) == "str"
