"""Formula injection (公式注入): text that a spreadsheet would run is neutralised, numbers are not.

Policy from OWASP "CSV Injection": cells starting with = + - @ tab or CR; in a CSV they get a
leading single quote, in xlsx they are string cells (with the quote-prefix style).
"""

import openpyxl
import pandas as pd
import pytest

from zongheng.io.safe_cells import csv_cell, csv_frame, formula_like, set_cell, write_csv

HOSTILE = '=HYPERLINK("http://x","y")'
NAMES = [HOSTILE, "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tx", "\ry", "永康市", "a=b"]


def test_formula_like_follows_the_owasp_triggers():
    assert [formula_like(n) for n in NAMES] == [True, True, True, True, True, True, False, False]
    # numbers are never text: a negative change stays a number
    assert not formula_like(-0.19) and not formula_like(None) and not formula_like("")


def test_csv_cell_prefixes_a_quote_only_to_formula_like_text():
    assert csv_cell(HOSTILE) == "'" + HOSTILE
    assert csv_cell("-2+3") == "'-2+3"
    assert csv_cell("永康市") == "永康市" and csv_cell(-2.5) == -2.5
    # a tab or CR trigger: control characters are removed by the cleaner first, or quoted
    for value in ("\tx", "\ry"):
        assert not formula_like(csv_cell(value))


def test_csv_frame_keeps_numbers_and_neutralises_text_and_headers():
    frame = pd.DataFrame({"name": [HOSTILE, "永康市", None], "score": [-1.5, 2.0, 3.0],
                          "=bad header": ["@x", "ok", "-"]})
    out = csv_frame(frame)
    assert out["name"].tolist()[:2] == ["'" + HOSTILE, "永康市"]
    assert pd.isna(out["name"].iloc[2])
    assert out["score"].tolist() == [-1.5, 2.0, 3.0] and out["score"].dtype == float
    assert list(out.columns) == ["name", "score", "'=bad header"]
    assert out["'=bad header"].tolist() == ["'@x", "ok", "'-"]
    assert frame["name"].iloc[0] == HOSTILE  # the caller's frame is not changed


def test_write_csv_round_trip(tmp_path):
    path = write_csv(pd.DataFrame({"单位名称": NAMES[:4], "得分": [1.0, -2.0, 3.0, 4.0]}),
                     tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel and WPS
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["单位名称"].tolist() == ["'" + n for n in NAMES[:4]]
    assert back["得分"].tolist() == [1.0, -2.0, 3.0, 4.0]
    # no line of the file starts a cell with a trigger
    for line in raw.decode("utf-8-sig").splitlines()[1:]:
        assert not line.startswith(("=", "+", "-", "@")), line


@pytest.mark.parametrize("value", NAMES[:4])
def test_set_cell_writes_text_never_a_formula(tmp_path, value):
    book = openpyxl.Workbook()
    set_cell(book.active.cell(row=1, column=1), value)
    set_cell(book.active.cell(row=1, column=2), -2.5)
    book.save(tmp_path / "x.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "x.xlsx").active["A1"]
    assert cell.data_type == "s" and cell.value == value and cell.quotePrefix
    number = openpyxl.load_workbook(tmp_path / "x.xlsx").active["B1"]
    assert number.data_type == "n" and number.value == -2.5
