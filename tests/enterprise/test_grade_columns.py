"""The grade list without the indicators (``columns="grades"``, 名单) in every engine.

It is the full list (明细) less each indicator's value and item score, row for row, and the
summary is the full list's: the D list with its weakest indicators (whose item scores the
DuckDB engine then computes again for the D firms shown), the tops, the distribution.
"""

from pathlib import Path

import pandas as pd
import pytest

from zongheng.enterprise import GradingRule
from zongheng.enterprise.engines import grade_table
from zongheng.enterprise.generator import write_synthetic
from zongheng.errors import DataError

pytest.importorskip("duckdb")

LEAN = ["id", "name", "sector", "scale", "branch", "total", "rank", "percentile", "grade", "reason"]

# (engine, options): DuckDB joins the list in memory, or computes it again from the file (above
# the in-memory size, forced here) in the 公示 order or the table's.
CASES = {
    "pandas": ("pandas", {}),
    "duckdb": ("duckdb", {}),
    "duckdb-again": ("duckdb", {"view_above": 0, "threads": 2}),
    "duckdb-again-table": ("duckdb", {"view_above": 0, "threads": 2, "order": "table"}),
    # The head of the D list only: its firms read back by row number (their scores by row too).
    "duckdb-again-table-head": ("duckdb", {"view_above": 0, "threads": 2, "order": "table", "d_limit": 40}),
    # The D firms' rows looked up as a list parameter, as past _LISTED_ROWS (constants otherwise).
    "duckdb-again-unlisted": ("duckdb", {"view_above": 0, "threads": 2}),
    "dask": ("dask", {}),
}


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype={"id": str, "统一社会信用代码": str})
    return pd.read_parquet(path)


# The Dask engine writes a Parquet dataset only.
@pytest.mark.parametrize(("case", "suffix"), [(c, s) for c in CASES for s in (".parquet", ".csv")
                                              if c != "dask" or s == ".parquet"])
def test_grades_list_is_the_full_list_without_the_indicators(case, suffix, tmp_path, monkeypatch):
    engine, given = CASES[case]
    options = {"d_limit": None, **given}  # the whole D list unless the case says
    if engine == "dask":
        pytest.importorskip("distributed")
    if "view_above" in options:
        monkeypatch.setattr("zongheng.enterprise.engines.duckdb_engine._in_memory_rows", lambda limit: 0)
    if case.endswith("unlisted"):
        monkeypatch.setattr("zongheng.enterprise.engines.duckdb_engine._LISTED_ROWS", 0)
    path = write_synthetic(tmp_path / "t.parquet", 3000, seed=8, chunk_size=1000, row_group_size=250)
    rule = GradingRule(protected_floor="C", weakest=3)
    full_out, lean_out = tmp_path / f"full{suffix}", tmp_path / f"lean{suffix}"
    full = grade_table(path, rule, engine=engine, output=full_out, **options)
    lean = grade_table(path, rule, engine=engine, output=lean_out, columns="grades", **options)
    got, want = read(lean_out), read(full_out)
    codes = rule.used_indicators
    assert len(want.columns) - len(got.columns) == 2 * len(codes)
    if suffix == ".parquet":  # codes as headers (a CSV of the pandas engine has readable ones)
        assert got.columns.tolist() == LEAN
    pd.testing.assert_frame_equal(got, want[got.columns])
    assert len(lean.d_list) == (options["d_limit"] or lean.d_firms) and lean.d_firms > 0
    for name in ("d_list", "tops", "distribution", "benchmarks"):
        pd.testing.assert_frame_equal(getattr(lean, name), getattr(full, name), obj=name)
    assert lean.d_list["weakest_3"].notna().any()


def test_unknown_columns_are_refused_before_anything_is_read(tmp_path):
    for engine in ("pandas", "duckdb"):
        with pytest.raises(DataError) as info:
            grade_table(tmp_path / "absent.parquet", engine=engine, output=tmp_path / "g.parquet",
                        columns="some")
        assert info.value.problems[0].kind == "engine_columns"
    assert not list(tmp_path.iterdir())


def test_cli_writes_the_grades_list(tmp_path):
    from typer.testing import CliRunner

    import zongheng.cli.commands_grade  # noqa: F401  (registers grade)
    from zongheng.cli import app

    out = tmp_path / "grades.csv"
    result = CliRunner().invoke(app, ["grade", "--demo", "--firms", "2500", "--engine", "duckdb",
                                      "--columns", "grades", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out, dtype={"id": str}).columns.tolist() == LEAN
