"""Reading user tables: encodings, Excel sheets, Parquet, DataFrames, cell positions, numbers."""

import math

import openpyxl
import pandas as pd
import pytest

from zongheng.errors import DataError
from zongheng.io.tables import column_letter, parse_number, read_table

CSV_TEXT = "代码,名称,亩均税收（万元/亩）\n330102,上城区,35.5\n330104,拱墅区,28\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_read_the_same(tmp_path, encoding):
    path = tmp_path / "数据.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    table = read_table(path)
    assert list(table.frame.columns) == ["代码", "名称", "亩均税收（万元/亩）"]
    assert table.frame.to_numpy().tolist() == [["330102", "上城区", "35.5"], ["330104", "拱墅区", "28"]]
    assert (table.file, table.sheet, table.header_row) == ("数据.csv", None, 1)


def test_undecodable_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n\x81\x20,1\n")  # \x81 needs a second byte >= 0x30 in GB18030
    with pytest.raises(DataError) as info:
        read_table(path)
    assert [p.kind for p in info.value.problems] == ["file_encoding"]


def test_tsv(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert read_table(path).frame.to_numpy().tolist() == [["1", "2"]]


def test_excel_sheet_and_cells_keep_their_types(tmp_path):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["说明"])
    book.active.append(["2024 年数据"])
    ws = book.create_sheet("数据")
    ws.append(["代码", "值"])
    ws.append([330102, 1.5])
    ws.append(["330104", "暂无"])
    book.save(path)
    table = read_table(path, sheet="数据")
    assert table.sheet == "数据"
    assert table.frame.to_numpy().tolist() == [[330102, 1.5], ["330104", "暂无"]]
    assert read_table(path, sheet=1).sheet == "数据"
    assert read_table(path).sheet == "说明"


def test_missing_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "数据"
    book.active.append(["a"])
    book.save(path)
    for sheet in ("Sheet1", 1, -2):
        with pytest.raises(DataError) as info:
            read_table(path, sheet=sheet)
        (p,) = info.value.problems
        assert p.kind == "sheet_missing" and p.params == {"sheet": sheet, "found": "数据"}


def test_blank_rows_are_dropped_but_still_counted(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n\n,\n3,x\n", encoding="utf-8")
    table = read_table(path)
    assert table.frame.to_numpy().tolist() == [["1", "2"], ["3", "x"]]
    assert table.row_number(1) == 5
    assert table.where(1, "b") == {"file": "t.csv", "sheet": None, "column": "B (b)", "row": 5}

    xlsx = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "数据"
    for row in (["a", "b"], [1, 2], [], [], [3, "x"]):
        book.active.append(row)
    book.save(xlsx)
    table = read_table(xlsx)
    assert len(table.frame) == 2 and table.row_number(1) == 5  # rows 3 and 4 are blank
    assert table.where(1, "b") == {"file": "t.xlsx", "cell": "数据!B5", "column": "b"}
    assert table.where(0) == {"file": "t.xlsx", "sheet": "数据", "row": 2}


def test_empty_trailing_columns_are_dropped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,,b,,\n1,,2,,\n3,,4,,\n", encoding="utf-8")
    table = read_table(path)
    # The empty column between a and b stays, so that b is still column C.
    assert list(table.frame.columns) == ["a", "Unnamed: 1", "b"]
    assert table.where(0, "b")["column"] == "C (b)"

    xlsx = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["a", "b"])
    ws.append([1, 2])
    ws["E5"].number_format = "0.00"  # formatted but empty: widens the sheet
    ws["F1"] = " "
    book.save(xlsx)
    assert list(read_table(xlsx).frame.columns) == ["a", "b"]


def test_parquet_keeps_a_named_index_as_a_column(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"unit": ["a", "b"], "x": [1.0, 2.0]}).set_index("unit").to_parquet(path)
    table = read_table(path)
    assert list(table.frame.columns) == ["unit", "x"]
    assert table.frame.to_numpy().tolist() == [["a", 1.0], ["b", 2.0]]


def test_dataframe_index_unnamed_is_dropped_named_is_kept():
    frame = pd.DataFrame({"unit": ["a", "b", "c"], "x": [1.0, 2.0, 3.0]})
    filtered = frame[frame.x > 1]  # index 1, 2
    table = read_table(filtered)
    assert list(table.frame.columns) == ["unit", "x"] and table.file is None
    assert table.row_number(0) == 2  # positions are rows of the filtered table
    assert list(read_table(frame.set_index("unit")).frame.columns) == ["unit", "x"]


def test_dataframe_is_not_changed():
    frame = pd.DataFrame({" a ": [1.0, None]})
    read_table(frame)
    assert list(frame.columns) == [" a "]


def test_column_names_are_stripped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(" 代码 ,值 \nx,1\n", encoding="utf-8")
    assert list(read_table(path).frame.columns) == ["代码", "值"]


@pytest.mark.parametrize("content", [b"", b"\n\n", "代码,值\n".encode(), "代码,值\n,\n".encode()])
def test_empty_csv(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_table(path)
    (p,) = info.value.problems
    assert (p.kind, p.file) == ("file_empty", "empty.csv")
    assert p.message() == "empty.csv: 文件是空的，没有数据行"


def test_empty_excel_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "数据"
    book.active.append(["代码", "值"])
    book.save(path)
    with pytest.raises(DataError) as info:
        read_table(path)
    (p,) = info.value.problems
    assert (p.kind, p.file, p.sheet) == ("file_empty", "empty.xlsx", "数据")


def test_missing_file_and_unsupported_suffix(tmp_path):
    with pytest.raises(DataError) as info:
        read_table(tmp_path / "nope.csv")
    assert info.value.problems[0].kind == "file_not_found"
    (tmp_path / "data.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_table(tmp_path / "data.json")
    assert info.value.problems[0].params == {"suffix": ".json"}


def test_corrupt_excel_is_unreadable(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(DataError) as info:
        read_table(path)
    assert info.value.problems[0].kind == "file_unreadable"


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (3, "D"), (25, "Z"), (26, "AA"), (27, "AB"),
                                               (701, "ZZ"), (702, "AAA")])
def test_column_letter(index, letter):
    assert column_letter(index) == letter


@pytest.mark.parametrize(("value", "number"), [
    (3, 3.0), (2.5, 2.5), ("1,234.5", 1234.5), (" 42 ", 42.0), ("-0.5", -0.5), ("+7", 7.0),
    ("1e3", 1000.0), (".5", 0.5), ("１２．５", 12.5), ("－３", -3.0),
])
def test_parse_number(value, number):
    assert parse_number(value) == number


@pytest.mark.parametrize("value", [None, float("nan"), "", " ", "NA", "n/a", "#N/A", "-", "--", "—",
                                   "——", "缺失", "无数据", "/", "null", pd.NA])
def test_parse_number_missing_markers(value):
    assert math.isnan(parse_number(value))


@pytest.mark.parametrize("value", ["暂无", "12a", "1.2.3", True, "3%", "1 2 x"])
def test_parse_number_not_a_number(value):
    assert parse_number(value) is None
