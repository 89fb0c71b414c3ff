"""The DuckDB engine's checks (SQL counts over the file) find every problem the in-memory loader finds.

Each table breaks one rule (or several, or none where a blank cell is not needed by its firm's
branch); the problems DuckDB names (kind, row, column) must be the pandas engine's.
"""

import pandas as pd
import pytest

from zongheng.enterprise import Branch, GradingRule, generate_enterprises, grade_enterprises
from zongheng.enterprise.engines import grade_table
from zongheng.errors import DataError

pytest.importorskip("duckdb")

RANGES = GradingRule(branches=(
    Branch("规上", "规上"),
    Branch("规下≥3亩", "规下", {"tax_per_mu": 70, "va_per_mu": 30}, min_land=3),
    Branch("规下<3亩", "规下", {"tax_per_mu": 100}, max_land=3),
))


def _table() -> pd.DataFrame:
    table = generate_enterprises(60, seed=5)
    table["税收(万元)"] = table["税收(万元)"].astype(object)
    table["是否豁免"] = table["是否豁免"].astype(object)
    return table


def _small_firm(table: pd.DataFrame) -> int:
    """Return the row of a 规下 firm on less than 3 亩 (its branch needs tax and land only)."""
    small = table.index[(table["规模"] == "规下") & (table["用地面积(亩)"] < 3)]
    return int(small[0])


def _break(case: str, table: pd.DataFrame) -> pd.DataFrame:
    if case == "blank_id":
        table.loc[4, "统一社会信用代码"] = ""
        table.loc[4, "企业名称"] = ""
    elif case == "bad_scale":
        table.loc[6, "规模"] = "特大"
    elif case == "text_in_number":
        table.loc[8, "税收(万元)"] = "十万"
    elif case == "negative":
        table.loc[10, "综合能耗(吨标准煤)"] = -1.0
    elif case == "bad_flag":
        table.loc[12, "是否豁免"] = "也许"
    elif case == "blank_needed":  # a 规上 firm: every branch of 规上 needs value added
        table.loc[int(table.index[table["规模"] == "规上"][1]), "工业增加值(万元)"] = None
    elif case == "blank_land":
        table.loc[16, "用地面积(亩)"] = None
    elif case == "duplicate_id":
        table.loc[20, "统一社会信用代码"] = table.loc[3, "统一社会信用代码"]
    elif case == "missing_column":
        table = table.drop(columns=["排放当量(吨)"])
    elif case == "blank_not_needed":
        table.loc[_small_firm(table), "工业增加值(万元)"] = None
    elif case == "many":
        table.loc[[2, 5, 9], "规模"] = "?"
        table.loc[[7, 11], "税收(万元)"] = "n/a?"
        table.loc[13, "用地面积(亩)"] = -3.0
    return table


def _problems(error: DataError) -> list[tuple]:
    return sorted((p.kind, p.row, p.column) for p in error.problems)


CASES = ["blank_id", "bad_scale", "text_in_number", "negative", "bad_flag", "blank_needed", "blank_land",
         "duplicate_id", "missing_column", "many"]


@pytest.mark.parametrize("rule", [GradingRule(), RANGES], ids=["default", "land_ranges"])
@pytest.mark.parametrize("case", CASES)
def test_duckdb_names_the_same_problems_as_the_loader(case, rule, tmp_path):
    table = _break(case, _table())
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    with pytest.raises(DataError) as duck:
        grade_table(path, rule, engine="duckdb", output=tmp_path / "g.parquet")
    with pytest.raises(DataError) as pandas:
        grade_table(path, rule, engine="pandas", output=tmp_path / "p.parquet")
    assert _problems(duck.value) == _problems(pandas.value)
    assert not (tmp_path / "g.parquet").exists()


@pytest.mark.parametrize("source", ["csv", "parquet"])
def test_a_blank_cell_its_branch_does_not_need_is_no_problem(source, tmp_path):
    table = _break("blank_not_needed", _table())
    table["税收(万元)"] = pd.to_numeric(table["税收(万元)"])
    table["是否豁免"] = table["是否豁免"].astype(str)
    path = tmp_path / f"t.{source}"
    table.to_csv(path, index=False) if source == "csv" else table.to_parquet(path, index=False)
    summary = grade_table(path, RANGES, engine="duckdb", output=tmp_path / "g.parquet")
    expected = grade_enterprises(table, RANGES)
    assert summary.firms == len(table)
    got = pd.read_parquet(tmp_path / "g.parquet")

    def graded(frame: pd.DataFrame) -> list[tuple]:
        return [(i, None if pd.isna(g) else g) for i, g in zip(frame["id"], frame["grade"], strict=True)]

    assert graded(got) == graded(expected.grades)
    assert got["grade"].notna().sum() > 40
