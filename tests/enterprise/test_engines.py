"""Every engine gives every firm the grade of grade_enterprises (ties, vetoes, no land …)."""

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zongheng.enterprise import Branch, GradingRule, generate_enterprises, grade_enterprises
from zongheng.enterprise.engines import choose_engine, grade_table
from zongheng.enterprise.engines.pandas_engine import tops_of
from zongheng.errors import DataError, MethodError

pytest.importorskip("duckdb")

from zongheng.enterprise.engines.duckdb_engine import PY_SPACE

COMPARED = ["id", "branch", "total", "rank", "percentile", "grade", "reason"]


def plain(frame: pd.DataFrame) -> dict[str, list]:
    """Return the compared columns as lists of plain values (categoricals → text, NA → None)."""
    out = {c: [None if pd.isna(v) else v for v in frame[c].astype(object)] for c in COMPARED}
    out["rank"] = [None if r is None else int(r) for r in out["rank"]]
    return out


def assert_same(expected, grades: pd.DataFrame, summary) -> None:
    """The grade list (order included) and the summary equal the in-memory grading's."""
    want, got = plain(expected.grades), plain(grades)
    assert got["id"] == want["id"]  # same 公示 order: branch, rank, table order
    for column in ("branch", "rank", "grade", "reason"):
        assert got[column] == want[column], column
    for column in ("total", "percentile"):
        np.testing.assert_allclose(grades[column].to_numpy(dtype=float),
                                   expected.grades[column].to_numpy(dtype=float), rtol=1e-12, atol=0)
    for code in expected.indicators:
        for column in (code, f"{code}_score"):
            np.testing.assert_allclose(grades[column].to_numpy(dtype=float),
                                       expected.grades[column].to_numpy(dtype=float), rtol=1e-12)
    dist = expected.distribution
    pd.testing.assert_frame_equal(summary.distribution.reset_index(drop=True), dist, check_dtype=False,
                                  check_names=False)
    pd.testing.assert_frame_equal(summary.benchmarks, expected.benchmarks, check_dtype=False, rtol=1e-12)
    assert summary.d_firms == len(expected.d_list)
    head = expected.d_list.head(len(summary.d_list))
    assert summary.d_list["id"].tolist() == head["id"].tolist()
    for column in [c for c in head.columns if c.startswith("weakest_") and not c.endswith("_share")]:
        assert summary.d_list[column].tolist() == head[column].tolist()
    assert summary.firms == len(expected.grades)
    # Each branch's top item scores and total (every branch, NaN where it has no firm).
    want_tops, keys = tops_of(expected), ["branch", "indicator"]
    assert summary.tops[keys].values.tolist() == want_tops[keys].values.tolist()
    np.testing.assert_allclose(summary.tops["top"].to_numpy(dtype=float),
                               want_tops["top"].to_numpy(dtype=float), rtol=1e-12)


def run_engine(table: pd.DataFrame, rule, engine: str, tmp_path: Path, source: str = "parquet"):
    path = tmp_path / f"table.{source}"
    if source == "parquet":
        table.to_parquet(path, index=False)
    else:
        table.to_csv(path, index=False)
    out = tmp_path / f"grades-{engine}.parquet"
    summary = grade_table(path, rule, engine=engine, output=out, d_limit=50)
    assert summary.engine == engine and summary.output == out
    return summary, pd.read_parquet(out)


RULES = {
    "default": GradingRule(),
    "mean": GradingRule(benchmark="mean", benchmark_factor=1.2),
    "median_cap_best": GradingRule(benchmark="median", cap=1.5, undefined_item="best"),
    "efficacy_zero": GradingRule(scoring="efficacy", undefined_item="zero"),
    "efficacy_average": GradingRule(scoring="efficacy"),
    # A cap no ranked firm reaches: the average fill comes from the benchmarks' scan (affine item);
    # a cap that binds (median_cap_average) needs the fills' own pass.
    "mean_idle_cap_average": GradingRule(benchmark="mean", cap=1e6),
    "median_cap_average": GradingRule(benchmark="median", cap=1.2),
    "floor_and_land_ranges": GradingRule(protected_floor="C", veto_grade="B", branches=(
        Branch("规上", "规上"),
        Branch("规下≥3亩", "规下", {"tax_per_mu": 70, "va_per_mu": 30}, min_land=3),
        Branch("规下<3亩", "规下", {"tax_per_mu": 100}, max_land=3),
    )),
}


@pytest.mark.parametrize("name", list(RULES))
def test_duckdb_grades_generated_tables_as_grade_enterprises(name, tmp_path):
    table = generate_enterprises(3000, seed=len(name))
    rule = RULES[name]
    expected = grade_enterprises(table, rule)
    summary, grades = run_engine(table, rule, "duckdb", tmp_path)
    assert_same(expected, grades, summary)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_engines_agree_from_csv(engine, tmp_path):
    table = generate_enterprises(1500, seed=11)
    expected = grade_enterprises(table)
    summary, grades = run_engine(table, None, engine, tmp_path, source="csv")
    assert_same(expected, grades, summary)


def hand_table() -> pd.DataFrame:
    """20 firms on 亩均税收: ties across the A, B and C cut-offs, vetoes, exempt, protected, no land."""
    tax_per_mu = [50, 40, 30, 30, 30, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 10, 5, 5, 5, 1]
    land = np.ones(20)
    land[16] = 0.0  # a tenant: no land, not graded
    frame = pd.DataFrame({
        "统一社会信用代码": [f"E{i:02d}" for i in range(1, 21)],
        "企业名称": [f"企业{i}" for i in range(1, 21)],
        "规模": ["规下"] * 20,
        "用地面积(亩)": land,
        "税收(万元)": np.asarray(tax_per_mu, dtype=float) * np.maximum(land, 1),
        "营业收入(万元)": np.full(20, 100.0),
        "排放当量(吨)": [0.0 if i % 4 == 0 else 1.0 for i in range(20)],  # zero denominators
        "工业增加值(万元)": np.full(20, 30.0),
        "是否豁免": ["是" if i == 7 else "否" for i in range(20)],
        "是否保护": ["是" if i == 12 else "" for i in range(20)],
        "安全环保违法": ["是" if i in (0, 19) else "否" for i in range(20)],
    })
    return frame


HAND_RULES = {
    "tax_only": GradingRule(branches=(Branch("全部", "all", {"tax_per_mu": 100}),)),
    "tax_and_emission_average": GradingRule(branches=(
        Branch("全部", "all", {"tax_per_mu": 80, "va_per_emission": 20}),)),
    "efficacy_best": GradingRule(scoring="efficacy", undefined_item="best", branches=(
        Branch("全部", "all", {"tax_per_mu": 80, "va_per_emission": 20}),)),
    "given_benchmark_cap_floor": GradingRule(cap=1.2, protected_floor="B", branches=(
        Branch("全部", "all", {"tax_per_mu": 100}, {"tax_per_mu": 25}),)),
}


@pytest.mark.parametrize("name", list(HAND_RULES))
@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_hand_made_ties_vetoes_and_zero_denominators(name, engine, tmp_path, monkeypatch):
    table, rule = hand_table(), HAND_RULES[name]
    expected = grade_enterprises(table, rule)
    summary, grades = run_engine(table, rule, engine, tmp_path)
    assert_same(expected, grades, summary)
    if engine == "duckdb":  # chains of ties cut by the batches the ranks are followed in
        for batch in (1, 2, 3):
            monkeypatch.setattr("zongheng.enterprise.engines.duckdb_engine._RANK_BATCH", batch)
            assert_same(expected, *run_engine(table, rule, engine, tmp_path)[::-1])
    if name == "tax_only":  # 17 ranked (exempt, protected, no land out): ties at 30 and 20 share ranks
        by_id = grades.set_index("id")
        assert by_id.loc[["E03", "E04", "E05"], "rank"].tolist() == [3, 3, 3]
        assert by_id.loc["E17", "reason"] == "no_land"
        assert by_id.loc["E01", "grade"] == "C"  # vetoed at the top


def test_a_branch_of_exempt_firms_scores_the_zero_fill(tmp_path):
    # No firm of 规下 is ranked (all exempt): no benchmark, every item undefined, so every item
    # score is the fill (0) and so are the branch's tops, which DuckDB finds without the list.
    table = generate_enterprises(40, seed=1)
    small = table["规模"] == "规下"
    table.loc[small, "排放当量(吨)"] = 0.0
    table.loc[small, "是否豁免"] = "是"
    weights = {"tax_per_mu": 60, "va_per_emission": 40}
    rule = GradingRule(undefined_item="zero", branches=(Branch("规上", "规上", weights),
                                                       Branch("规下", "规下", weights)))
    expected = grade_enterprises(table, rule)
    for engine in ("pandas", "duckdb"):
        summary, grades = run_engine(table, rule, engine, tmp_path)
        assert_same(expected, grades, summary)
        tops = summary.tops.set_index(["branch", "indicator"])["top"]
        assert tops["规下"].tolist() == [0.0, 0.0, 0.0]


def test_frame_input_and_summary_d_limit(tmp_path):
    table = generate_enterprises(800, seed=2)
    table.loc[0, "企业名称"] = "=HYPERLINK(1)"  # a formula-like name is written as text
    expected = grade_enterprises(table)
    summary = grade_table(table, engine="duckdb", output=tmp_path / "g.csv", d_limit=3)
    assert len(summary.d_list) == 3 and summary.d_firms == len(expected.d_list)
    written = pd.read_csv(tmp_path / "g.csv", dtype={"id": str})
    assert written["id"].tolist() == expected.grades["id"].tolist()
    assert "'=HYPERLINK(1)" in written["name"].tolist()
    tops = summary.tops.set_index(["branch", "indicator"])["top"]
    assert tops["规上", "total"] == pytest.approx(expected.branch("规上")["total"].max())


def test_bad_cells_are_located_and_nothing_is_written(tmp_path):
    table = generate_enterprises(50, seed=1)
    table.loc[3, "用地面积(亩)"] = -2.0
    table.loc[5, "规模"] = "大型"
    table["税收(万元)"] = table["税收(万元)"].astype(object)
    table.loc[7, "税收(万元)"] = "abc"
    path, out = tmp_path / "t.csv", tmp_path / "g.parquet"
    table.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        grade_table(path, engine="duckdb", output=out)
    rows = {(p.kind, p.row) for p in info.value.problems}
    assert {("muyun_ent_negative", 5), ("muyun_ent_bad_scale", 7), ("muyun_ent_non_numeric", 9)} <= rows
    assert not out.exists() and not list(tmp_path.glob(".zongheng-*"))


def test_duplicate_ids_and_bad_benchmark(tmp_path):
    table = generate_enterprises(40, seed=3)
    table.loc[9, "统一社会信用代码"] = table.loc[2, "统一社会信用代码"]
    with pytest.raises(DataError) as info:
        grade_table(table, engine="duckdb")
    assert [p.kind for p in info.value.problems] == ["muyun_ent_duplicate_id"]
    assert info.value.problems[0].row == 11
    table = generate_enterprises(40, seed=3)
    table["税收(万元)"] = 0.0
    with pytest.raises(MethodError) as duck:
        grade_table(table, engine="duckdb")
    with pytest.raises(MethodError) as pandas:
        grade_enterprises(table)
    assert [p.kind for p in duck.value.problems] == [p.kind for p in pandas.value.problems]


def test_auto_engine_and_dask_without_the_module(tmp_path, monkeypatch):
    small = tmp_path / "t.parquet"
    generate_enterprises(20, seed=1).to_parquet(small)
    assert choose_engine(small) == "pandas"
    monkeypatch.setattr("zongheng.enterprise.engines.AUTO_DUCKDB_BYTES", {".parquet": 10, ".csv": 10})
    assert choose_engine(small) == "duckdb"
    assert choose_engine(small, tmp_path / "out.xlsx") == "pandas"
    assert choose_engine(generate_enterprises(5)) == "pandas"
    with pytest.raises(DataError) as info:
        grade_table(small, engine="duckdb", output=tmp_path / "x.xlsx")
    assert info.value.problems[0].kind == "engine_output_not_duckdb"
    with pytest.raises(DataError):
        grade_table(small, engine="spark")


# -- synthetic tables at any size, and the command line -----------------------------------------


def test_write_synthetic_streams_chunks_seeded_and_says_synthetic(tmp_path):
    import pyarrow.parquet as pq

    from zongheng.enterprise.generator import write_synthetic

    path = write_synthetic(tmp_path / "s.parquet", 2500, seed=4, chunk_size=1000, typed_flags=False)
    table = pd.read_parquet(path)
    assert len(table) == 2500 and table["统一社会信用代码"].is_unique
    assert table["统一社会信用代码"].iloc[-1] == "91330784SYN0002500"
    pd.testing.assert_frame_equal(table.head(1000), generate_enterprises(1000, seed=4), check_dtype=False)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    # By default the flags are Parquet booleans (the same firms), in row groups of ≤ 250,000 rows.
    typed = write_synthetic(tmp_path / "b.parquet", 2500, seed=4, chunk_size=1000, row_group_size=400)
    flags = ["是否豁免", "是否保护", "安全环保违法"]
    assert all(pq.read_schema(typed).field(f).type == "bool" for f in flags)
    booleans = pd.read_parquet(typed)
    pd.testing.assert_frame_equal(booleans.drop(columns=flags), table.drop(columns=flags))
    for f in flags:
        assert (booleans[f] == (table[f] == "是")).all()
    meta = pq.ParquetFile(typed).metadata
    groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert groups == [400, 400, 200] * 2 + [400, 100]
    assert "synthetic" in pq.read_schema(path).metadata[b"zongheng.synthetic"].decode()
    again = write_synthetic(tmp_path / "t.parquet", 2500, seed=4, chunk_size=1000, typed_flags=False)
    assert pd.read_parquet(again).equals(table)


def test_cli_grades_synthetic_firms_with_duckdb_to_parquet(tmp_path):
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    import zongheng.cli.commands_grade  # noqa: F401  (registers grade)
    from zongheng.cli import app

    out = tmp_path / "grades.parquet"
    result = CliRunner().invoke(app, ["grade", "--demo", "--firms", "4000", "--seed", "3",
                                      "--engine", "duckdb", "-o", str(out), "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "合成数据" in result.output and "4,000" in result.output and "duckdb" in result.output
    assert "另有" in result.output
    assert b"zongheng.synthetic" in pq.read_schema(out).metadata
    expected = grade_enterprises(generate_enterprises(4000, seed=3))
    grades = pd.read_parquet(out)
    assert grades["id"].tolist() == expected.grades["id"].tolist()
    want = expected.grades["grade"].astype(object).fillna("-").tolist()
    assert grades["grade"].fillna("-").tolist() == want
    assert not list(tmp_path.glob(".zongheng-*")) and not list(tmp_path.glob("zongheng-grade-*"))


@pytest.mark.parametrize("args", [
    ["--firms", "10"],  # without --demo
    ["--demo", "--scheduler", "tcp://127.0.0.1:1"],  # not dask
    ["--demo", "--engine", "spark"],
    ["--demo", "--firms", "2000000", "-o", "big.xlsx"],  # beyond Excel's rows: refused before drawing
    ["--demo", "--engine", "duckdb", "-o", "g.xlsx"],
    ["--demo", "--order", "shuffled"],
    ["--demo", "--columns", "some"],
    ["--demo", "--engine", "pandas", "--order", "table"],  # the table's order is DuckDB's
])
def test_cli_refuses_clearly(args, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import zongheng.cli.commands_grade  # noqa: F401
    from zongheng.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["grade", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_cli_dask_engine_without_its_module_is_a_clear_error(tmp_path, monkeypatch):
    import sys

    from typer.testing import CliRunner

    import zongheng.cli.commands_grade  # noqa: F401
    from zongheng.cli import app

    # As on a machine without zongheng[cluster]: the engine's module cannot be imported.
    monkeypatch.setitem(sys.modules, "zongheng.enterprise.engines.dask_engine", None)
    result = CliRunner().invoke(app, ["grade", "--demo", "--engine", "dask"])
    assert result.exit_code == 2 and "Dask" in result.output and "Traceback" not in result.output


def in_rank_order(table: pd.DataFrame, grades: pd.DataFrame, expected) -> pd.DataFrame:
    """Check a grade list in the table's order; return it in the in-memory 公示 order."""
    assert grades["id"].tolist() == table["统一社会信用代码"].astype(str).str.strip().tolist()
    return grades.set_index("id").loc[expected.grades["id"].tolist()].reset_index()


@pytest.mark.parametrize("name", ["default", "median_cap_best", "floor_and_land_ranges"])
def test_duckdb_table_order_and_duckdb_own_sort_grade_every_firm_alike(name, tmp_path, monkeypatch):
    table = generate_enterprises(2500, seed=20 + len(name))
    rule = RULES[name]
    expected = grade_enterprises(table, rule)
    path = tmp_path / "table.parquet"
    table.to_parquet(path, index=False)
    # order="table": the same row for every firm, in the table's order (no sort).
    out = tmp_path / "table-order.parquet"
    summary = grade_table(path, rule, engine="duckdb", output=out, d_limit=50, order="table")
    assert_same(expected, in_rank_order(table, pd.read_parquet(out), expected), summary)
    # Put together by position (tables above the in-memory size): the same, in both orders; the
    # ranks' chains followed across many small batches of the sorted cells.
    monkeypatch.setattr("zongheng.enterprise.engines.duckdb_engine._in_memory_rows", lambda limit: 0)
    monkeypatch.setattr("zongheng.enterprise.engines.duckdb_engine._RANK_BATCH", 37)
    summary, grades = run_engine(table, rule, "duckdb", tmp_path)
    assert_same(expected, grades, summary)
    summary = grade_table(path, rule, engine="duckdb", output=out, d_limit=50, order="table")
    assert_same(expected, in_rank_order(table, pd.read_parquet(out), expected), summary)


@pytest.mark.parametrize("source", ["csv", "frame"])
def test_table_order_from_csv_and_frames_and_auto(source, tmp_path):
    table, rule = hand_table(), HAND_RULES["tax_and_emission_average"]
    expected = grade_enterprises(table, rule)
    path: Path | pd.DataFrame = table
    if source == "csv":
        path = tmp_path / "table.csv"
        table.to_csv(path, index=False)
    out = tmp_path / "g.csv"
    engine = "auto" if source == "csv" else "duckdb"  # auto takes DuckDB for the table's order
    summary = grade_table(path, rule, engine=engine, output=out, order="table")
    assert summary.engine == "duckdb"
    grades = pd.read_csv(out, dtype={"id": str})
    grades["reason"] = grades["reason"].fillna("")  # an empty cell reads back as NaN
    assert_same(expected, in_rank_order(table, grades, expected), summary)
    with pytest.raises(DataError):
        grade_table(path, rule, engine="duckdb", output=out, order="random")
    with pytest.raises(DataError):
        grade_table(table, rule, engine="pandas", order="table")


def test_cli_order_table(tmp_path):
    from typer.testing import CliRunner

    import zongheng.cli.commands_grade  # noqa: F401  (registers grade)
    from zongheng.cli import app

    out = tmp_path / "grades.parquet"
    result = CliRunner().invoke(app, ["grade", "--demo", "--firms", "3000", "--seed", "4",
                                      "--order", "table", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = generate_enterprises(3000, seed=4)
    expected = grade_enterprises(table)
    grades = in_rank_order(table, pd.read_parquet(out), expected)
    assert plain(grades) == plain(expected.grades) | {"total": plain(grades)["total"],
                                                      "percentile": plain(grades)["percentile"]}


@pytest.mark.soak
@pytest.mark.parametrize("rule", ["default", "efficacy_zero"])
def test_duckdb_equals_grade_enterprises_at_300_000_firms(rule, tmp_path):
    # Many more near-equal totals than the fast tests: every firm's rank and grade still agree.
    table = generate_enterprises(300_000, seed=16)
    expected = grade_enterprises(table, RULES[rule])
    summary, grades = run_engine(table, RULES[rule], "duckdb", tmp_path)
    assert_same(expected, grades, summary)


def test_empty_table_all_exempt_and_unused_columns(tmp_path):
    empty = generate_enterprises(0, seed=1)
    summary = grade_table(empty, engine="duckdb", output=tmp_path / "e.parquet")
    assert summary.firms == 0 and len(pd.read_parquet(tmp_path / "e.parquet")) == 0
    exempt = generate_enterprises(100, seed=2)
    exempt["是否豁免"] = "是"  # nobody ranked: nothing learned, nobody graded, no error
    assert_same(grade_enterprises(exempt), *run_engine(exempt, None, "duckdb", tmp_path)[::-1])
    # A column the rule does not use is not checked (as load_enterprises reads only what it needs).
    table = generate_enterprises(100, seed=3)
    table["营业收入(万元)"] = -1.0
    rule = HAND_RULES["tax_only"]
    summary, grades = run_engine(table, rule, "duckdb", tmp_path)
    assert_same(grade_enterprises(table, rule), grades, summary)


# -- whitespace: the pandas reader strips cells with Python's str.strip() (29 characters); DuckDB's
# trim strips only the Unicode spaces, so the DuckDB engine must strip the controls too (tab,
# newline, carriage return, \x1c–\x1f, \x85, \u2028, \u2029) or it grades such a table differently.

# Each control Python strips and DuckDB's trim keeps, and a Unicode space DuckDB strips too.
CONTROLS = ["\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u2028", "\u2029"]


def test_the_stripped_characters_are_pythons_whitespace():
    assert set(PY_SPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert len(PY_SPACE) == len(set(PY_SPACE)) == 29


def padded_table() -> pd.DataFrame:
    """60 firms whose text cells carry whitespace at either end, in every column read as text."""
    table = generate_enterprises(60, seed=5)
    for column in ("规模", "是否豁免", "是否保护", "安全环保违法", "税收(万元)", "营业收入(万元)"):
        table[column] = table[column].astype(object)
    for i in range(len(table)):
        pad = CONTROLS[i % len(CONTROLS)]
        other = CONTROLS[(i + 3) % len(CONTROLS)]
        where = i % 3  # after, before, both ends (with a space inside the padding)
        def wrap(text, pad=pad, other=other, where=where):
            return [text + pad, pad + text, other + " " + text + pad + "\u3000"][where]
        table.loc[i, "统一社会信用代码"] = wrap(table.loc[i, "统一社会信用代码"])
        table.loc[i, "企业名称"] = wrap(table.loc[i, "企业名称"])
        table.loc[i, "行业"] = wrap(table.loc[i, "行业"])
        table.loc[i, "规模"] = wrap(table.loc[i, "规模"])
        table.loc[i, "是否保护"] = wrap(table.loc[i, "是否保护"])
        table.loc[i, "税收(万元)"] = wrap(repr(float(table.loc[i, "税收(万元)"])))
    table.loc[4, "安全环保违法"] = "是\n"  # a 是 with a newline vetoes, as in pandas
    table.loc[7, "是否豁免"] = "\t是"
    return table


@pytest.mark.parametrize("source", ["parquet", "csv"])
def test_padded_cells_grade_alike_in_duckdb_and_pandas(source, tmp_path):
    table = padded_table()
    path = tmp_path / f"t.{source}"
    if source == "parquet":
        table.to_parquet(path, index=False)
    else:  # quoted: a bare carriage return would end the row for any reader
        table.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    expected = grade_enterprises(table)
    assert not expected.grades["id"].str.contains(r"^\s|\s$").any()  # the reference strips them
    assert (expected.grades.set_index("id").loc[table.loc[4, "统一社会信用代码"].strip(), "reason"]
            == "veto")
    for engine in ("pandas", "duckdb"):
        out = tmp_path / f"g-{engine}.parquet"
        summary = grade_table(path, engine=engine, output=out, d_limit=None)
        grades = pd.read_parquet(out)
        assert_same(expected, grades, summary)
        for column in ("name", "sector"):
            assert grades[column].tolist() == expected.grades[column].tolist(), (engine, column)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_ids_differing_only_by_a_control_are_duplicates(engine, tmp_path):
    table = generate_enterprises(30, seed=2)
    table.loc[9, "统一社会信用代码"] = table.loc[2, "统一社会信用代码"] + "\t"
    table.loc[12, "统一社会信用代码"] = "\u2028" + table.loc[3, "统一社会信用代码"]
    path = tmp_path / "t.parquet"
    table.to_parquet(path, index=False)
    with pytest.raises(DataError) as info:
        grade_table(path, engine=engine)
    assert [(p.kind, p.row) for p in info.value.problems] == [("muyun_ent_duplicate_id", 11),
                                                              ("muyun_ent_duplicate_id", 14)]


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_a_number_cell_of_only_a_newline_is_missing_not_bad(engine, tmp_path):
    table = generate_enterprises(30, seed=2)
    table["税收(万元)"] = table["税收(万元)"].map(repr)  # numbers as text, as typed in a sheet
    table.loc[5, "税收(万元)"] = "\n"
    table.loc[6, "税收(万元)"] = " \x85"
    path = tmp_path / "t.parquet"
    table.to_parquet(path, index=False)
    with pytest.raises(DataError) as info:
        grade_table(path, engine=engine)
    assert {(p.kind, p.row) for p in info.value.problems} == {("muyun_ent_missing_value", 7),
                                                              ("muyun_ent_missing_value", 8)}


@pytest.mark.parametrize("kind", ["float", "int"])
def test_numeric_identifiers_read_as_the_pandas_reader_reads_them(kind, tmp_path):
    # Codes typed as numbers (a sheet saved them so): 1001.0 is the code 1001 in every engine.
    table = generate_enterprises(200, seed=4)
    codes = np.arange(1001, 1201)
    table["统一社会信用代码"] = codes.astype(float) if kind == "float" else codes
    expected = grade_enterprises(table)
    assert expected.grades["id"].str.fullmatch(r"\d{4}").all()
    summary, grades = run_engine(table, None, "duckdb", tmp_path)
    assert_same(expected, grades, summary)
