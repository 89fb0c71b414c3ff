"""Uncertainty edges: Sobol with one input group, ranks within a group, resource bounds, unranked units.

Reviews 2026-12: performance §7.1 (one group sampled as no groups, analysed as one), reliability
(``--workers 500``, ``--sobol --samples 4000000``, known #14 on a screened-out unit).
"""

import importlib
import json
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

import zongheng as zh
from zongheng.analysis.uncertainty import (
    UncertaintySpec,
    WeightPerturbation,
    analyse,
    default_spec,
    evaluate,
    sample,
    sobol,
)
from zongheng.analysis.uncertainty.sample import saltelli_design, sobol_memory
from zongheng.cli import (
    app,
    commands_uncertainty,  # noqa: F401  (registers the command)
)
from zongheng.errors import MethodError
from zongheng.testing import make_framework, make_panel

runner = CliRunner()
# The modules, not the functions of the same name the package exports.
evaluate_module = importlib.import_module("zongheng.analysis.uncertainty.evaluate")
sample_module = importlib.import_module("zongheng.analysis.uncertainty.sample")


@pytest.fixture(scope="module")
def tiangong():
    ds = zh.datasets.load("tiangong_demo")
    return zh.build(ds.framework, ds.panel, ds.method)


# -- the Saltelli design -------------------------------------------------------------------------


@pytest.mark.parametrize("groups", [["w", "w", "x", "y", "w"], None])
def test_the_design_is_salibs_for_several_groups_and_none(groups):
    from SALib.sample import sobol as salib_sobol

    problem = {"num_vars": 5, "names": list("abcde"), "bounds": [[0.0, 1.0]] * 5}
    if groups:
        problem["groups"] = groups
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = salib_sobol.sample(problem, 32, calc_second_order=False, scramble=True, seed=4)
    np.testing.assert_array_equal(saltelli_design(problem, 32, 4), expected)


def test_one_group_gives_three_blocks_a_b_b():
    # One group: A, then A with the group's columns (all of them) from B, which is B, then B.
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3,
               "groups": ["w", "w", "w"]}
    design = saltelli_design(problem, 8, 0).reshape(8, 3, 3)
    np.testing.assert_array_equal(design[:, 1], design[:, 2])
    assert not np.array_equal(design[:, 0], design[:, 2])


# -- Sobol with one input group ------------------------------------------------------------------


@pytest.mark.parametrize("levels, n_weights", [(None, 4), ((2,), 42)])
def test_weights_only_sobol_is_one_and_one(tiangong, levels, n_weights):
    # The only uncertain input explains all the variance: S1 = ST = 1 by definition. Before, SALib
    # read 6 blocks (4 weights) as 3 and gave S1 0.064 / ST 0.625, or failed on 42 weights with
    # "Incorrect number of samples".
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=levels, spread=0.25)])
    samples = sample(tiangong, spec, 64, seed=1, sobol=True)
    assert len(samples.layout.weight_nodes) == n_weights
    assert samples.n == 64 * 3 and samples.base_n == 64
    result = evaluate(tiangong, spec, samples, track=["永康市"])
    table = sobol(result, unit="永康市")
    assert table["input"].tolist() == ["weights", "weights"]
    assert table["output"].tolist() == ["mean_abs_shift", "rank:永康市"]
    assert table[["S1", "ST"]].to_numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_two_groups_sample_and_analyse_consistently(tiangong):
    from SALib.analyze import sobol as salib_sobol

    spec = default_spec(tiangong, ["weights", "aggregate"])
    samples = sample(tiangong, spec, 128, seed=2, sobol=True)
    assert samples.problem["groups"][-1] == "aggregate"
    assert samples.n == 128 * (2 + 2)  # N × (groups + 2)
    result = evaluate(tiangong, spec, samples)
    table = sobol(result).set_index("input")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first, total = salib_sobol.analyze(samples.problem, result.shift, calc_second_order=False,
                                           seed=0).to_df()[::-1]
    for name in ("weights", "aggregate"):
        assert table.loc[name, "S1"] == pytest.approx(first.loc[name, "S1"])
        assert table.loc[name, "ST"] == pytest.approx(total.loc[name, "ST"])
    assert (table["ST"] > 0).all()


def test_the_cli_prints_one_and_one_for_weights_only():
    result = runner.invoke(app, ["uncertainty", "--dataset", "tiangong_demo", "--sobol",
                                 "--samples", "64", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["samples"] == 64 * 3
    assert [(r["input"], r["S1"], r["ST"]) for r in doc["sobol"]] == [("weights", 1.0, 1.0)]


# -- ranks within a group ------------------------------------------------------------------------


def test_with_a_group_the_distribution_and_sobol_output_are_of_the_group_rank(tiangong):
    spec = default_spec(tiangong, ["weights", "aggregate"])
    samples = sample(tiangong, spec, 64, seed=3, sobol=True)
    result = evaluate(tiangong, spec, samples, groups=["山区26县"], track=["永康市"])
    u = tiangong.panel.units.index("永康市")
    in_group = result.tracked_in_group["山区26县"]["永康市"]
    # the per-sample ranks kept for Sobol are the ranks counted within the group
    np.testing.assert_array_equal(np.bincount(in_group, minlength=result.group_counts["山区26县"].shape[1]),
                                  result.group_counts["山区26县"][u])
    assert not np.array_equal(in_group, result.tracked["永康市"])  # not the overall rank
    report = analyse(result, unit="永康市", group="山区26县")
    counts = result.group_counts["山区26县"][u]
    assert report.distribution["rank"].tolist() == np.flatnonzero(counts).tolist()
    assert report.distribution["probability"].sum() == pytest.approx(1.0)
    table = sobol(result, unit="永康市", group="山区26县")
    assert list(dict.fromkeys(table["output"])) == ["mean_abs_shift", "rank_in_山区26县:永康市"]
    with pytest.raises(MethodError, match="track"):
        sobol(result, unit="永康市", group="设区市")


def test_the_cli_labels_the_distribution_as_the_rank_in_group():
    result = runner.invoke(app, ["uncertainty", "--dataset", "tiangong_demo", "--samples", "300",
                                 "--unit", "永康市", "--group", "山区26县", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Rank in group" in result.stdout


# -- bounds --------------------------------------------------------------------------------------


def test_too_many_workers_is_a_clear_error(tiangong, monkeypatch):
    monkeypatch.setattr(evaluate_module.os, "cpu_count", lambda: 2)
    spec = default_spec(tiangong, ["weights"])
    samples = sample(tiangong, spec, 10)
    assert evaluate_module.max_workers() == (4, 2)
    for bad in (5, 500, 0, 2.5):
        with pytest.raises(MethodError, match="--workers") as info:
            evaluate(tiangong, spec, samples, workers=bad)
        assert "4" in str(info.value) and info.value.problems[0].key == "workers"


def test_the_cli_refuses_500_workers_before_starting_any(monkeypatch):
    monkeypatch.setattr(evaluate_module.os, "cpu_count", lambda: 2)
    result = runner.invoke(app, ["uncertainty", "--dataset", "tiangong_demo", "--workers", "500",
                                 "--lang", "en"])
    assert result.exit_code == 2
    assert "--workers" in result.output and "from 1 to 4" in result.output
    assert "Traceback" not in result.output


def test_a_sobol_design_too_large_for_memory_is_refused_with_the_largest_that_fits(tiangong,
                                                                                    monkeypatch):
    spec = default_spec(tiangong, ["weights"])
    problem = sample(tiangong, spec, 1).layout.problem()
    available = 512 << 20
    monkeypatch.setattr(sample_module, "available_memory", lambda: available)
    with pytest.raises(MethodError, match="--samples") as info:
        sample(tiangong, spec, 4_000_000, sobol=True)
    params = info.value.problems[0].params
    largest = params["largest"]
    assert params["base"] == 1 << 22 and info.value.problems[0].key == "samples"
    assert sobol_memory(problem, largest) <= available / 2 < sobol_memory(problem, 2 * largest)
    assert sample(tiangong, spec, largest, sobol=True).base_n == largest  # the largest does fit


def test_sobol_memory_counts_salibs_bootstrap():
    # 4 weights in one group, N = 2**20: design 8·3N·4 + points 8·N·8, outputs 8·3N·2, and the
    # bootstrap 8·N·100·9 (the traced peak of SALib's analyze is about 8 arrays of N × 100)
    problem = {"num_vars": 4, "names": list("abcd"), "groups": ["w"] * 4}
    n = 1 << 20
    assert sobol_memory(problem, n) == 8 * n * (12 + 8 + 6 + 900)


def test_the_cli_refuses_a_huge_sobol_run_without_a_traceback(monkeypatch):
    monkeypatch.setattr(sample_module, "available_memory", lambda: 1 << 30)
    result = runner.invoke(app, ["uncertainty", "--dataset", "tiangong_demo", "--sobol",
                                 "--samples", "4000000", "--lang", "en"])
    assert result.exit_code == 2
    assert "--samples" in result.output and "at most N =" in result.output
    assert "Traceback" not in result.output and "MemoryError" not in result.output


# -- units that are not ranked (known #14) -------------------------------------------------------


def _screened():
    """Five units, u5 screened out in 2023 (no values: availability below 0.9), blank group for u4."""
    fw = make_framework({"I": ["a", "b"]})
    values = [[10, 5], [20, 4], [30, 3], [40, 2], [np.nan, np.nan]]
    panel = make_panel(fw, values, units=["u1", "u2", "u3", "u4", "u5"],
                       groups={"city": ["X", "X", "Y", " ", "X"]})
    return zh.build(fw, panel, zh.Method(screen={"method": "availability", "min_share": 0.9}))


def test_a_screened_out_unit_is_reported_as_not_ranked():
    ev = _screened()
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2,), spread=0.2)])
    result = evaluate(ev, spec, sample(ev, spec, 50, seed=0), groups=["city"])
    report = analyse(result, unit="u5", group="city")
    assert report.detail["nominal_rank"] is None and report.detail["ranked"] == 0
    assert np.isnan(report.detail["p_top"]) and report.distribution.empty
    no_group = analyse(result, unit="u4", group="city")
    assert no_group.detail["label"] is None and no_group.detail["ranked_in_group"] == 0
    assert no_group.detail["nominal_rank"] == 1 and no_group.detail["ranked"] == 1


def test_the_cli_says_a_screened_out_unit_has_no_rank(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("unit,year,city,a,b\nu1,2023,X,10,5\nu2,2023,X,20,4\nu3,2023,Y,30,3\n"
                    "u4,2023, ,40,2\nu5,2023,X,,\n", encoding="utf-8")
    fw = tmp_path / "fw.yaml"
    fw.write_text("code: I\nchildren:\n  - {code: a, direction: +}\n  - {code: b, direction: +}\n",
                  encoding="utf-8")
    method = tmp_path / "m.yaml"
    method.write_text("screen: {method: availability, min_share: 0.9}\n", encoding="utf-8")
    base = ["uncertainty", str(fw), str(data), "-m", str(method), "--samples", "50", "--lang", "en"]
    result = runner.invoke(app, [*base, "--unit", "u5"])
    assert result.exit_code == 0, result.output
    assert "u5: not ranked in 2023 in any sample (screened out, or no index score)" in result.stdout
    assert "P(rank" not in result.stdout.split("u5:")[-1]
    result = runner.invoke(app, [*base, "--unit", "u4", "--group", "city"])
    assert result.exit_code == 0, result.output
    assert "u4 has no group in the column city" in result.stdout


# -- BLAS threads --------------------------------------------------------------------------------


def test_the_engine_scores_on_one_blas_thread_unless_told_otherwise(tiangong, monkeypatch):
    from threadpoolctl import threadpool_info, threadpool_limits

    engine_module = importlib.import_module("zongheng.analysis.uncertainty.engine")
    seen = []
    original = engine_module.Engine._run_chunk

    def spy(self, k):
        seen.append({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
        return original(self, k)

    monkeypatch.setattr(engine_module.Engine, "_run_chunk", spy)
    spec = default_spec(tiangong, ["weights"])
    samples = sample(tiangong, spec, 100, chunk_size=50)  # two chunks
    with threadpool_limits(limits=2, user_api="blas"):  # a setting the engine must override
        outside = {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
        if outside != {2}:  # every BLAS loaded (numpy's, scipy's) at 2
            pytest.skip(f"BLAS cannot run 2 threads here: {outside}")
        evaluate(tiangong, spec, samples)
        assert seen == [{1}, {1}]
        seen.clear()
        evaluate(tiangong, spec, samples, blas_threads=None)
        assert seen == [{2}, {2}]
        assert {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"} == {2}
