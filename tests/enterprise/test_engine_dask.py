"""The Dask engine on a real cluster: a `dask scheduler` and two `dask worker` processes on loopback.

Every firm gets the grade the in-memory engine gives it on the whole table (ties at cut-offs,
vetoes, zero denominators and firms without land included); the summary's tables are the
in-memory ones; the rank uncertainty run on the same scheduler equals the local run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.enterprise import generate_enterprises, grade_enterprises
from zongheng.errors import ArgumentError, DataError

distributed = pytest.importorskip("distributed")

from zongheng.enterprise.engines.dask_engine import grade_dask  # noqa: E402  # needs dask

COMPARED = ["branch", "total", "rank", "percentile", "grade", "reason"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask_command(*args: str) -> list[str]:
    """Return the `dask` command line of this interpreter's environment (the console script)."""
    script = Path(sys.executable).with_name("dask")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "dask", *args]


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process started here, with the children it made (its own process group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """Start `dask scheduler` and two `dask worker` processes on 127.0.0.1; stop them afterwards."""
    work = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    try:
        procs.append(subprocess.Popen(
            _dask_command("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"),
            stdout=subprocess.DEVNULL, stderr=open(work / "scheduler.log", "wb"), cwd=work, env=env,
            start_new_session=True))
        for i in range(2):
            procs.append(subprocess.Popen(
                _dask_command("worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                              "--no-dashboard", "--memory-limit", "2GB", "--name", f"w{i}",
                              "--local-directory", str(work / f"w{i}")),
                stdout=subprocess.DEVNULL, stderr=open(work / f"worker{i}.log", "wb"), cwd=work, env=env,
                start_new_session=True))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info()["workers"]) == 2
            # Import on the workers now (the engine, dask.dataframe, pyarrow): gradings should not pay.
            client.run(exec, "import dask.dataframe, pyarrow.parquet\n"
                             "import zongheng.enterprise.engines.dask_engine")
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _texts(series: pd.Series) -> np.ndarray:
    return series.astype(object).where(series.notna(), "").astype(str).to_numpy()


def _assert_same_grading(summary, out: Path, table, rule=None) -> None:
    """Every firm's grade, rank, total … and the summary equal the in-memory grading of the whole table."""
    ref = grade_enterprises(table, rule)
    written = pd.read_parquet(out)
    assert len(written) == len(ref.grades) == summary.firms
    assert written["id"].is_unique
    mine = written.set_index("id")
    theirs = ref.grades.set_index("id").loc[mine.index]
    for column in COMPARED:
        if column in ("total", "percentile"):
            np.testing.assert_array_equal(mine[column].to_numpy(), theirs[column].to_numpy())
        else:
            np.testing.assert_array_equal(_texts(mine[column]), _texts(theirs[column]), err_msg=column)
    # Within each branch the graded firms are written by rank, in the in-memory order.
    graded = written[written["grade"].notna()]
    expected = ref.grades[ref.grades["grade"].notna()]
    np.testing.assert_array_equal(graded["id"].to_numpy(), expected["id"].to_numpy())
    pd.testing.assert_frame_equal(summary.distribution, ref.distribution)
    pd.testing.assert_frame_equal(summary.benchmarks, ref.benchmarks)
    pd.testing.assert_frame_equal(summary.d_list, ref.d_list.head(len(summary.d_list)))
    assert len(summary.d_list) in (len(ref.d_list), 15, 100)  # all, or the d_limit given or default
    assert summary.d_firms == len(ref.d_list)
    # The top item score and total per branch (what the note on uncapped scores reads).
    for row in summary.tops.itertuples():
        column = "total" if row.indicator == "total" else f"{row.indicator}_score"
        top = ref.grades.loc[ref.grades["branch"] == row.branch, column].max()
        assert row.top == top or (np.isnan(row.top) and np.isnan(top)), row
    assert len(summary.tops) == len(ref.rule.branches) * (len(ref.indicators) + 1)
    assert summary.engine == "dask" and summary.output == out.absolute()


def _tied_table() -> pd.DataFrame:
    """Firms in tied pairs and triples straddling the cut-offs, with vetoes, zero denominators, no land."""
    profiles = generate_enterprises(12, seed=11)
    profiles["规模"] = ["规上"] * 7 + ["规下"] * 5
    repeats = [3, 2, 2, 3, 1, 2, 3, 2, 3, 2, 2, 1]
    table = profiles.loc[np.repeat(np.arange(12), repeats)].reset_index(drop=True)
    table["统一社会信用代码"] = [f"91330784SYN{i:07d}" for i in range(1, len(table) + 1)]
    table["是否豁免"] = "否"
    table["是否保护"] = "否"
    table["安全环保违法"] = "否"
    table.loc[[0, 9], "安全环保违法"] = "是"  # a veto inside a tied triple
    table.loc[4, "排放当量(吨)"] = 0.0  # a zero denominator
    table.loc[6, "用地面积(亩)"] = 0.0  # no land
    table.loc[12, "是否豁免"] = "是"
    table.loc[20, "是否保护"] = "是"
    return table


def test_grades_equal_the_in_memory_engine_on_a_cluster(scheduler, tmp_path):
    table = generate_enterprises(4000, seed=16)
    source = tmp_path / "firms.parquet"
    table.to_parquet(source)
    out = tmp_path / "grades.parquet"
    summary = grade_dask(source, output=out, scheduler=scheduler, d_limit=15)
    _assert_same_grading(summary, out, table)
    assert len(summary.d_list) == 15
    assert set(summary.tops["branch"]) == {"规上", "规下"}
    assert pd.read_parquet(out)["grade"].dtype != "category"  # text, as the other engines write it
    assert not list(tmp_path.glob(".grades.parquet.partial-*"))  # the temporary dataset is gone


@pytest.mark.parametrize("rule", [
    None,
    {"scoring": "efficacy", "undefined_item": "zero", "protected_floor": "C"},
    {"benchmark": "median", "cap": 1.5,
     "branches": [{"name": "大", "scale": "all", "min_land": 5},
                  {"name": "小", "scale": "all", "max_land": 5, "weights": {"tax_per_mu": 100}}]},
])
def test_ties_vetoes_and_rules_on_a_cluster(scheduler, tmp_path, rule):
    table = _tied_table()
    source = tmp_path / "tied.csv"
    table.to_csv(source, index=False, encoding="utf-8-sig")
    out = tmp_path / "tied.parquet"
    # Small CSV blocks: the firms of a branch come from several partitions.
    summary = grade_dask(source, rule, output=out, scheduler=scheduler, blocksize=400)
    _assert_same_grading(summary, out, table, rule)
    if rule is None:  # the table does tie across a cut-off: three firms share rank 1 of 14 (A to 2.8)
        above = grade_enterprises(table).branch("规上")
        assert (above["rank"] == 1).sum() == 3 and above["rank"].max() == 14
        assert (above.loc[above["rank"] == 1, "grade"] == "A").all()


def test_bad_cells_are_named_by_the_file_row(tmp_path):
    table = generate_enterprises(400, seed=2)
    table["税收(万元)"] = table["税收(万元)"].astype(object)
    table.loc[[3, 350], "税收(万元)"] = "很多"
    table.loc[377, "规模"] = "中等"
    table.loc[[390, 398], "统一社会信用代码"] = table.loc[[10, 11], "统一社会信用代码"].to_numpy()
    source = tmp_path / "bad.csv"
    table.to_csv(source, index=False, encoding="utf-8-sig")
    with pytest.raises(DataError) as local:
        grade_enterprises(source)
    with pytest.raises(DataError) as dask_run:
        grade_dask(source, blocksize=4000)  # several partitions: rows 352 and 379 are not in the first
    seen = {(p.kind, p.row) for p in dask_run.value.problems}
    assert seen == {(p.kind, p.row) for p in local.value.problems}
    assert {p.row for p in dask_run.value.problems} >= {5, 352, 379, 392, 400}


def test_an_empty_table_and_a_branch_without_firms(tmp_path):
    table = generate_enterprises(200, seed=9)
    table = table[table["规模"] == "规下"]  # no 规上 firm: its benchmark rows are an empty branch's
    summary = grade_dask(table, d_limit=None)
    ref = grade_enterprises(table)
    pd.testing.assert_frame_equal(summary.benchmarks, ref.benchmarks)
    pd.testing.assert_frame_equal(summary.distribution, ref.distribution)
    pd.testing.assert_frame_equal(summary.d_list, ref.d_list)
    empty = grade_dask(table.iloc[:0], output=tmp_path / "none.parquet")
    assert empty.firms == 0 and empty.d_firms == 0


def test_an_identifier_in_two_branches_is_reported_as_in_memory(tmp_path):
    table = generate_enterprises(300, seed=6)
    above = np.flatnonzero(table["规模"] == "规上")
    below = np.flatnonzero(table["规模"] == "规下")
    code = table.columns[0]
    table.loc[below[-1], code] = table.loc[above[0], code]  # one firm listed under 规上 and 规下
    table.loc[below[-2], code] = table.loc[below[0], code]  # and a duplicate within 规下
    source = tmp_path / "twice.parquet"
    table.to_parquet(source)
    with pytest.raises(DataError) as local:
        grade_enterprises(source)
    with pytest.raises(DataError) as dask_run:
        grade_dask(source)
    assert [(p.kind, p.row, p.params) for p in dask_run.value.problems] == \
        [(p.kind, p.row, p.params) for p in local.value.problems]
    assert len(dask_run.value.problems) == 2


def test_a_gbk_csv_and_an_unreadable_file(tmp_path):
    table = generate_enterprises(200, seed=8)
    source = tmp_path / "gbk.csv"
    table.to_csv(source, index=False, encoding="gbk")
    summary = grade_dask(source)
    assert summary.distribution.equals(grade_enterprises(source).distribution)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really parquet PAR1")
    with pytest.raises(DataError) as caught:
        grade_dask(broken)
    assert caught.value.problems[0].file == "broken.parquet"


def test_a_scheduler_nobody_listens_on(tmp_path):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), \
            pytest.raises(ArgumentError, match="dask scheduler") as caught:
        grade_dask(generate_enterprises(50, seed=1), output=tmp_path / "g.parquet",
                   scheduler=f"tcp://127.0.0.1:{_free_port()}")
    assert caught.value.problems[0].kind == "dask_no_scheduler"
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_output_must_be_parquet_and_an_old_output_is_replaced_whole(tmp_path):
    table = generate_enterprises(300, seed=4)
    with pytest.raises(ArgumentError, match="parquet"):
        grade_dask(table, output=tmp_path / "grades.csv")
    out = tmp_path / "grades.parquet"
    out.write_text("an older file")
    summary = grade_dask(table, output=out, metadata={"zongheng.synthetic": "合成数据 synthetic"})
    assert len(pd.read_parquet(out)) == summary.firms == 300
    import pyarrow.parquet as pq

    for part in out.iterdir():
        assert pq.read_schema(part).metadata[b"zongheng.synthetic"].decode() == "合成数据 synthetic"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.parquet"]


def test_uncertainty_on_the_cluster_equals_the_local_run(scheduler):
    from zongheng.analysis.uncertainty import default_spec, evaluate, sample

    ds = zh.datasets.load("asem")
    ev = zh.build(ds.framework, ds.panel, ds.method)
    spec = default_spec(ev, ["weights", "normalise", "aggregate", "treat"])
    samples = sample(ev, spec, 800, seed=3, chunk_size=200)
    options = {"groups": ["EurAsia_group"], "track": ["NLD"], "keep": True}
    local = evaluate(ev, spec, samples, **options)
    remote = evaluate(ev, spec, samples, scheduler=scheduler, **options)
    np.testing.assert_array_equal(remote.counts, local.counts)
    np.testing.assert_array_equal(remote.group_counts["EurAsia_group"], local.group_counts["EurAsia_group"])
    np.testing.assert_array_equal(remote.shift, local.shift)
    np.testing.assert_array_equal(remote.tracked["NLD"], local.tracked["NLD"])
    np.testing.assert_array_equal(remote.nominal_rank, local.nominal_rank)
    assert remote.combinations == local.combinations
