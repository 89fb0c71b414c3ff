"""The fast paths of ``build`` at scale (issue 16) give what the plain computations give."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import zongheng as zh
from zongheng.io.results import write_evaluation, write_tidy_parquet
from zongheng.method import read_method
from zongheng.steps import Context, Scope, impute, rank
from zongheng.steps.impute import GroupMean, GroupMedian
from zongheng.steps.normalise import minmax
from zongheng.steps.rank import group_codes
from zongheng.steps.treat import Winsorise

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from synthetic import make_framework, make_panel

ASEM = Path(zh.__file__).parent / "datasets" / "asem" / "method.yaml"


@pytest.fixture(scope="module")
def fw():
    return make_framework(40)


@pytest.fixture(scope="module")
def panel(fw):
    return make_panel(fw, 3000, seed=11)


def _ctx(fw, panel):
    return Context(fw, panel, Scope.parse("pooled"))


def _plain(monkeypatch):
    """Force every column through the plain whole-column winsorisation loop."""
    monkeypatch.setattr(Winsorise, "_winsorise_tails", lambda self, tails, skew: None)


@pytest.mark.parametrize("max_points", [0, 1, 3, 5, 12])
def test_winsorise_on_the_tails_learns_what_the_plain_loop_learns(fw, panel, monkeypatch, max_points):
    step = Winsorise(max_points=max_points)
    fast = step.fit(panel.values, _ctx(fw, panel))
    _plain(monkeypatch)
    plain = step.fit(panel.values, _ctx(fw, panel))
    for name in ("lo_", "hi_", "log_", "winsorised_", "log_min_", "log_max_"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(plain, name), err_msg=name)


def test_winsorise_with_ties_at_the_edge_of_the_tails(fw, monkeypatch):
    # Tied extremes (many units at the same outlying value) reach values shared with the core.
    rng = np.random.default_rng(3)
    panel = make_panel(fw, 400, seed=4)
    values = panel.values.copy()
    values[0, :30, :5] = 1e6  # 30 tied maxima in five columns
    values[0, 30:33, 5:10] = np.array([5e5, 5e5, 4e5])[:, None]
    values[0, :, 10] = np.round(rng.lognormal(0, 2, 400))  # integers: ties everywhere
    panel = panel.with_values(values)
    step = Winsorise(max_points=5)
    fast = step.fit(panel.values, _ctx(fw, panel))
    _plain(monkeypatch)
    plain = step.fit(panel.values, _ctx(fw, panel))
    for name in ("lo_", "hi_", "log_", "winsorised_"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(plain, name), err_msg=name)


@pytest.mark.parametrize("sparse_from", [0, 10**9])  # the sparse product and the group loop
def test_group_mean_fill_is_the_group_nanmean(fw, panel, monkeypatch, sparse_from):
    monkeypatch.setattr(impute, "_SPARSE_FROM", sparse_from)
    ctx = _ctx(fw, panel)
    state = GroupMean(group="EurAsia_group").fit(panel.values, ctx)
    labels = panel.group("EurAsia_group")
    expected = np.empty(panel.values.shape)
    for label in ("Europe", "Asia"):
        members = labels == label
        expected[:, members, :] = np.nanmean(panel.values[:, members, :], axis=1, keepdims=True)
    np.testing.assert_allclose(state.fill_, expected, rtol=1e-13)
    out = GroupMean(group="EurAsia_group").apply(panel.values, state, ctx)
    missing = np.isnan(panel.values)
    np.testing.assert_array_equal(out[~missing], panel.values[~missing])
    np.testing.assert_allclose(out[missing], expected[missing], rtol=1e-13)
    # A batch of panels (leading axis) is filled the same way.
    batch = GroupMean(group="EurAsia_group").apply(np.stack([panel.values] * 2), state, ctx)
    np.testing.assert_array_equal(batch[1], out)


def test_group_median_fill(fw, panel):
    ctx = _ctx(fw, panel)
    state = GroupMedian(group="EurAsia_group").fit(panel.values, ctx)
    members = panel.group("EurAsia_group") == "Asia"
    np.testing.assert_array_equal(state.fill_[:, members][:, 0],
                                  np.nanmedian(panel.values[:, members], axis=1))


@pytest.mark.parametrize("factorize_from", [0, 10**9])  # pandas.factorize and the dict
def test_group_codes_number_labels_in_order_and_skip_no_label(monkeypatch, factorize_from):
    monkeypatch.setattr(rank, "_FACTORIZE_FROM", factorize_from)
    labels = np.array(["b", "a", None, "b", " ", np.nan, 1, 1.0, pd.NA, "a"], dtype=object)
    assert group_codes(labels).tolist() == [0, 1, -1, 0, -1, -1, 2, 2, -1, 1]
    assert group_codes(np.array([], dtype=object)).tolist() == []


def test_minmax_kernel_is_the_formula():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 50, 4))
    x[0, 3, 1] = np.nan
    lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    hi[..., 2] = lo[..., 2]  # a constant column
    direction = np.array([1, -1, 1, -1])
    got = minmax(x, lo, hi, direction, 0.0, 100.0)
    with np.errstate(all="ignore"):
        share = (x - lo) / (hi - lo)
    share = np.where(direction < 0, 1 - share, share)
    share = np.where((hi - lo == 0) & ~np.isnan(x), 0.5, share)
    np.testing.assert_array_equal(got, 0.0 + 100.0 * share)
    np.testing.assert_array_equal(minmax(x, lo, hi, -1, 0.0, 1.0)[..., 0], 1 - (x[..., 0] - lo[..., 0])
                                  / (hi[..., 0] - lo[..., 0]))


@pytest.fixture(scope="module")
def ev(fw, panel):
    return zh.build(fw, panel, read_method(ASEM), keep="final")


def test_keep_final_scores_equal_keep_all(fw, panel, ev):
    full = zh.build(fw, panel, read_method(ASEM))
    np.testing.assert_array_equal(ev.scores, full.scores)
    assert ev.trace[0].output is None and full.trace[0].output is not None


@pytest.mark.parametrize("chunk_rows", [1000, 1 << 21])
def test_tidy_parquet_is_to_frame(ev, tmp_path, chunk_rows):
    path = tmp_path / "tidy.parquet"
    rows = write_tidy_parquet(ev, path, chunk_rows=chunk_rows)
    got = pq.read_table(path).to_pandas()
    want = ev.to_frame()
    assert rows == len(want) == len(got)
    if chunk_rows == 1000:
        assert pq.ParquetFile(path).metadata.num_row_groups > 1  # streamed in chunks
    for column in ("unit", "period", "node"):
        assert got[column].astype(str).tolist() == want[column].astype(str).tolist()
    np.testing.assert_array_equal(got["level"].to_numpy(), want["level"].to_numpy())
    np.testing.assert_array_equal(got["score"].to_numpy(), want["score"].to_numpy())
    for column in ("rank", "rank_in_EurAsia_group"):
        assert got[column].astype("Int64").equals(want[column].astype("Int64").rename(column))
    assert got["name"].astype(str).iloc[0] == ev.panel.names()[0]


def test_write_evaluation_parquet_is_atomic_and_named(ev, tmp_path):
    out = write_evaluation(ev, tmp_path / "out.parquet")
    assert out.exists() and not list(tmp_path.glob("*.tmp*"))
    meta = pq.read_schema(out).metadata
    assert b"zongheng" in meta


def test_cli_build_writes_parquet(tmp_path):
    from typer.testing import CliRunner

    from zongheng.cli import app

    out = tmp_path / "asem.parquet"
    result = CliRunner().invoke(app, ["build", "--dataset", "asem", "-o", str(out), "--top", "3"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    ev = zh.build(*(lambda d: (d.framework, d.panel, d.method))(zh.datasets.load("asem")))
    assert table.num_rows == ev.scores.size
