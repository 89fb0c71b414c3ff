"""Typed 是/否 flags and the view path of the DuckDB engine grade every firm as the text and the copy do."""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from zongheng.enterprise import generate_enterprises, grade_enterprises
from zongheng.enterprise.engines import grade_table
from zongheng.enterprise.generator import write_synthetic
from zongheng.errors import DataError

pytest.importorskip("duckdb")

FLAGS = ["是否豁免", "是否保护", "安全环保违法"]
KEPT = ["id", "branch", "total", "rank", "grade", "reason"]


def grades(path: Path, out: Path, engine: str = "duckdb", **options) -> pd.DataFrame:
    grade_table(path, engine=engine, output=out, d_limit=5, **options)
    return pd.read_parquet(out)[KEPT]


def test_typed_and_text_flags_and_every_engine_grade_alike(tmp_path):
    typed = write_synthetic(tmp_path / "typed.parquet", 4000, seed=5, chunk_size=1500)
    text = write_synthetic(tmp_path / "text.parquet", 4000, seed=5, chunk_size=1500, typed_flags=False)
    assert pq.read_schema(typed).field("是否豁免").type == pa.bool_()
    assert pq.read_schema(text).field("是否豁免").type == pa.string()
    want = grades(text, tmp_path / "a.parquet")
    assert want["reason"].str.contains("veto").any() and want["reason"].str.contains("exempt").any()
    pd.testing.assert_frame_equal(grades(typed, tmp_path / "b.parquet"), want)
    pd.testing.assert_frame_equal(grades(typed, tmp_path / "c.parquet", engine="pandas"), want,
                                  check_dtype=False, check_categorical=False)


def with_nulls(tmp_path: Path) -> tuple[Path, Path]:
    """A table with NULL boolean flags, and the same table with the text 否 in their place."""
    table = generate_enterprises(600, seed=9)
    booleans = table.copy()
    for k, f in enumerate(FLAGS):
        booleans[f] = pd.array((table[f] == "是").to_list(), dtype="boolean")
        booleans.loc[booleans.index % (3 + k) == 0, f] = pd.NA
        table.loc[table.index % (3 + k) == 0, f] = "否"
    typed, text = tmp_path / "nulls.parquet", tmp_path / "words.parquet"
    booleans.to_parquet(typed, index=False)
    table.to_parquet(text, index=False)
    assert pq.read_schema(typed).field("是否保护").type == pa.bool_()
    assert pq.read_table(typed).column("是否保护").null_count == 150
    return typed, text


def test_null_boolean_flag_is_no(tmp_path):
    typed, text = with_nulls(tmp_path)
    want = grades(text, tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(grades(typed, tmp_path / "b.parquet"), want)
    pd.testing.assert_frame_equal(grades(typed, tmp_path / "c.parquet", engine="pandas"), want,
                                  check_dtype=False, check_categorical=False)


def test_integer_flags_read_as_zero_one_and_a_bad_one_is_located(tmp_path):
    table = generate_enterprises(300, seed=2)
    ints = table.copy()
    for f in FLAGS:
        ints[f] = (table[f] == "是").astype("int64")
    path = tmp_path / "ints.parquet"
    ints.to_parquet(path, index=False)
    text = tmp_path / "text.parquet"
    table.to_parquet(text, index=False)
    pd.testing.assert_frame_equal(grades(path, tmp_path / "a.parquet"), grades(text, tmp_path / "b.parquet"))
    ints.loc[6, "安全环保违法"] = 2
    ints.to_parquet(path, index=False)
    out = tmp_path / "bad.parquet"
    for engine in ("duckdb", "pandas"):
        with pytest.raises(DataError) as info:
            grade_table(path, engine=engine, output=out)
        (problem,) = info.value.problems
        assert problem.kind == "muyun_ent_bad_flag" and problem.row == 8, engine  # row 1 is the header
        assert "安全环保违法" in problem.column and problem.params["value"] in (2, "2"), engine
        assert Path(problem.file).name == "ints.parquet"
    assert not out.exists()


@pytest.mark.parametrize("order", ["rank", "table"])
def test_views_and_temporary_table_grade_alike(order, tmp_path, monkeypatch):
    path = write_synthetic(tmp_path / "t.parquet", 3000, seed=8, chunk_size=1000, row_group_size=700)
    table = pd.read_parquet(path)
    expected = grade_enterprises(table)
    copied = grades(path, tmp_path / "copy.parquet", view_above=None, order=order)
    viewed = grades(path, tmp_path / "view.parquet", view_above=0, order=order)
    pd.testing.assert_frame_equal(viewed, copied)
    # By position too (the path of large tables), through the views.
    monkeypatch.setattr("zongheng.enterprise.engines.duckdb_engine._in_memory_rows", lambda limit: 0)
    pd.testing.assert_frame_equal(grades(path, tmp_path / "pos.parquet", view_above=0, order=order), copied)
    by_id = copied.set_index("id").loc[expected.grades["id"].tolist()]
    def letters(s: pd.Series) -> list:
        return [None if pd.isna(g) else g for g in s.astype(object)]

    assert letters(by_id["grade"]) == letters(expected.grades["grade"])


def test_views_still_locate_bad_cells_and_duplicates(tmp_path):
    table = generate_enterprises(80, seed=4)
    table.loc[3, "用地面积(亩)"] = -1.0
    path = tmp_path / "bad.parquet"
    table.to_parquet(path, index=False)
    with pytest.raises(DataError) as info:
        grade_table(path, engine="duckdb", view_above=0)
    assert [(p.kind, p.row) for p in info.value.problems] == [("muyun_ent_negative", 5)]
    table = generate_enterprises(80, seed=4)
    table.loc[40, "统一社会信用代码"] = table.loc[7, "统一社会信用代码"]
    table.to_parquet(path, index=False)
    with pytest.raises(DataError) as info:
        grade_table(path, engine="duckdb", view_above=0)
    found = [(p.kind, p.row, p.params["first"]) for p in info.value.problems]
    assert found == [("muyun_ent_duplicate_id", 42, 9)]
    # Blank identifiers (counted from their hashes, then exactly) rather than a duplicate of ''.
    table = generate_enterprises(80, seed=4)
    table.loc[12, "统一社会信用代码"] = " \u3000"
    table.loc[30, "统一社会信用代码"] = None
    table.to_parquet(path, index=False)
    with pytest.raises(DataError) as info:
        grade_table(path, engine="duckdb", view_above=0)
    assert [(p.kind, p.row) for p in info.value.problems] == [("muyun_ent_missing_id", 14),
                                                               ("muyun_ent_missing_id", 32)]


@pytest.mark.parametrize("engine", ["duckdb", "auto"])
def test_cli_demo_grades_the_arrow_table_as_the_written_file(engine, tmp_path):
    from typer.testing import CliRunner

    import zongheng.cli.commands_grade  # noqa: F401  (registers grade)
    from zongheng.cli import app
    from zongheng.enterprise.generator import synthetic_table

    out = tmp_path / "cli.parquet"
    result = CliRunner().invoke(app, ["grade", "--demo", "--firms", "3000", "--seed", "6", "--engine", engine,
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert ("duckdb" if engine == "duckdb" else "pandas") in result.output  # auto: pandas at 3,000 firms
    assert b"zongheng.synthetic" in pq.read_schema(out).metadata
    path = write_synthetic(tmp_path / "s.parquet", 3000, seed=6)
    assert synthetic_table(3000, seed=6).equals(pq.read_table(path).replace_schema_metadata(None))
    want = grades(path, tmp_path / "file.parquet", engine="duckdb")
    pd.testing.assert_frame_equal(pd.read_parquet(out)[KEPT], want, check_dtype=False,
                                  check_categorical=False)


def test_auto_picks_duckdb_for_a_large_arrow_table_and_pandas_takes_a_small_one(tmp_path):
    from zongheng.enterprise.engines import AUTO_DUCKDB_ROWS, choose_engine
    from zongheng.enterprise.generator import synthetic_table

    small = synthetic_table(500, seed=3)
    assert choose_engine(small) == "pandas" and choose_engine(small, order="table") == "duckdb"
    assert choose_engine(synthetic_table(AUTO_DUCKDB_ROWS + 1, seed=3)) == "duckdb"
    out = tmp_path / "g.parquet"
    assert grade_table(small, engine="pandas", output=out).firms == 500
    with pytest.raises(DataError):
        grade_table(small, engine="dask", output=out)


def test_dask_grades_typed_flags_as_text_flags(tmp_path):
    pytest.importorskip("dask")
    typed = write_synthetic(tmp_path / "typed.parquet", 2000, seed=12)
    text = write_synthetic(tmp_path / "text.parquet", 2000, seed=12, typed_flags=False)
    want = grades(text, tmp_path / "a.parquet", engine="pandas").set_index("id")
    got = grades(typed, tmp_path / "b.parquet", engine="dask").set_index("id").loc[want.index]
    for column in ("branch", "rank", "grade", "reason"):
        assert [None if pd.isna(v) else v for v in got[column].astype(object)] == \
            [None if pd.isna(v) else v for v in want[column].astype(object)], column


@pytest.mark.parametrize("order", ["rank", "table"])
def test_grade_list_computed_again_from_the_file_matches_the_joined_one(order, tmp_path, monkeypatch):
    # Above the in-memory size a file read through views is not joined: the final COPY computes the
    # list again from the file, ranks looked up by row number, on two threads over many row groups.
    path = write_synthetic(tmp_path / "t.parquet", 5000, seed=11, chunk_size=2000, row_group_size=300)
    joined = tmp_path / "joined.parquet"
    grade_table(path, engine="duckdb", output=joined, view_above=None, order=order, threads=2)
    monkeypatch.setattr("zongheng.enterprise.engines.duckdb_engine._in_memory_rows", lambda limit: 0)
    again = tmp_path / "again.parquet"
    summary = grade_table(path, engine="duckdb", output=again, view_above=0, order=order, threads=2)
    # Every column, every row, in the same order (the table's, or the 公示 order).
    pd.testing.assert_frame_equal(pd.read_parquet(again), pd.read_parquet(joined))
    assert summary.firms == 5000 and pd.read_parquet(again)["rank"].isna().any()
