"""Uncertainty of ranks: spec, sampling, ties, statistics, Sobol indices."""

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.analysis.uncertainty import (
    Exclusion,
    UncertaintyResult,
    UncertaintySpec,
    WeightPerturbation,
    analyse,
    competition_ranks,
    default_spec,
    evaluate,
    plot_sobol,
    rank_quantile,
    read_spec,
    sample,
    sobol,
    sobol_indices,
)
from zongheng.analysis.uncertainty.spec import without
from zongheng.errors import MethodError
from zongheng.steps.impute import CrossSectionMean, CrossSectionMedian, GroupMean
from zongheng.steps.normalise import MinMax, ZScore
from zongheng.steps.treat import Winsorise
from zongheng.testing import make_framework, make_panel


@pytest.fixture(scope="module")
def asem():
    ds = zh.datasets.load("asem")
    return zh.build(ds.framework, ds.panel, ds.method)


def _small(values, weights=None, tree=None):
    fw = make_framework(tree or {"I": ["a", "b"]}, weights=weights)
    return zh.build(fw, make_panel(fw, values))


# -- spec ----------------------------------------------------------------------------------------


def test_spec_from_yaml_expands_vary_and_keeps_the_nominal_token(tmp_path, asem):
    path = tmp_path / "u.yaml"
    path.write_text(
        "weights: {levels: [3, 4], spread: 0.1}\n"
        "normalise: [{method: minmax, low: 1, high: 100}, {method: zscore, mean: 10, sd: 2}]\n"
        "treat: {method: winsorise, vary: {max_points: [1, 2, 3]}}\n"
        "impute: [nominal, median]\n"
        "exclude: {level: 2}\n", encoding="utf-8")
    spec = read_spec(path)
    assert spec.weights == (WeightPerturbation(levels=(3, 4), spread=0.1),)
    assert spec.normalise == (MinMax(low=1, high=100), ZScore(mean=10, sd=2))
    assert spec.treat == tuple(Winsorise(max_points=k) for k in (1, 2, 3))
    assert spec.impute == ("nominal", CrossSectionMedian())
    assert spec.resolved(asem.method)["impute"] == (GroupMean(group="EurAsia_group"),
                                                    CrossSectionMedian())
    assert spec.exclude == Exclusion(2)
    assert len(spec.exclude.codes(asem.framework)) == 8  # the eight pillars
    assert spec.varied == ("weights", "normalise", "treat", "impute", "exclude")
    assert UncertaintySpec.from_dict(spec.to_dict()) == spec


def test_default_spec_is_coinrs_vignette_on_asem(asem):
    spec = default_spec(asem, ["weights", "normalise", "aggregate", "treat", "impute", "exclude"])
    assert spec.weights[0].resolve_levels(asem.framework) == (3, 4)  # pillar and sub-index weights
    assert spec.weights[0].spread == 0.25
    assert spec.normalise == (MinMax(low=1, high=100), ZScore(mean=10, sd=2))
    assert [a.key for a in spec.aggregate] == ["arithmetic", "geometric"]
    # the method's own winsorisation (skew 2, kurtosis 3.5) with 1…5 points
    assert spec.treat == tuple(Winsorise(max_points=k, skew=2, kurtosis=3.5) for k in range(1, 6))
    assert spec.impute == (GroupMean(group="EurAsia_group"), CrossSectionMean(), CrossSectionMedian())
    assert spec.exclude.codes(asem.framework) == asem.framework.indicator_codes


def test_bad_specs_name_what_is_wrong(asem):
    with pytest.raises(MethodError, match="spread"):
        WeightPerturbation(spread=1.5)
    with pytest.raises(MethodError, match="normal"):
        WeightPerturbation(kind="normal")
    with pytest.raises(MethodError, match="treats"):
        UncertaintySpec.from_dict({"treats": ["winsorise"]})
    with pytest.raises(MethodError, match="nope"):
        UncertaintySpec(normalise=["minmax", "nope"])
    with pytest.raises(MethodError) as info:
        sample(asem, UncertaintySpec(weights=[WeightPerturbation(levels=(8,))]), 10)
    assert "8" in str(info.value) and "2, 3, 4" in str(info.value)
    with pytest.raises(MethodError, match="XYZ"):
        sample(asem, UncertaintySpec(exclude=Exclusion(("XYZ",))), 10)
    with pytest.raises(MethodError):
        sample(asem, UncertaintySpec(), 0)


def test_leaving_a_node_out_takes_its_subtree_and_empty_parents():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["P1", "P2"], "P1": ["a"], "P2": ["b", "c"],
                         "D2": ["d"]})
    assert without(fw, "b") == ("I", "D1", "P1", "a", "P2", "c", "D2", "d")
    assert without(fw, "a") == ("I", "D1", "P2", "b", "c", "D2", "d")  # P1 has nothing left
    assert without(fw, "D1") == ("I", "D2", "d")
    assert without(fw, "d") == ("I", "D1", "P1", "a", "P2", "b", "c")
    single = make_framework({"I": ["D"], "D": ["a", "b"]})
    assert without(single, "D") == ()  # nothing left under the index
    with pytest.raises(MethodError):
        Exclusion("dimensions").codes(single)


# -- sampling ------------------------------------------------------------------------------------


def test_samples_are_seeded_and_map_the_unit_cube(asem):
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(3,), spread=0.2)],
                           aggregate=["arithmetic", "geometric"], treat=["none", "winsorise", "log"])
    a = sample(asem, spec, 3000, seed=4).to_frame()
    b = sample(asem, spec, 3000, seed=4).to_frame()
    pd.testing.assert_frame_equal(a, b)
    w = a.filter(like="w:").to_numpy()
    assert w.shape == (3000, 8) and w.min() >= 0.8 and w.max() <= 1.2
    assert abs(w.mean() - 1) < 0.01
    shares = a["treat"].value_counts(normalize=True)
    assert set(shares.index) == {"none", "winsorise", "log(kind=ct)"} or len(shares) == 3
    assert (abs(shares - 1 / 3) < 0.03).all()
    # chunk k depends on (seed, k) only: the first samples of a longer run are the same
    c = sample(asem, spec, 5000, seed=4).to_frame().head(3000)
    pd.testing.assert_frame_equal(a, c)


def test_dirichlet_weights_keep_the_nominal_shares_on_average():
    fw = make_framework({"I": ["a", "b", "c"]}, weights={"a": 1, "b": 2, "c": 5})
    ev = zh.build(fw, make_panel(fw, np.arange(12.0).reshape(4, 3)))
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2,), kind="dirichlet",
                                                       concentration=50)])
    mult = sample(ev, spec, 20000, seed=1).to_frame().filter(like="w:").to_numpy()
    w = mult * np.array([1, 2, 5]) / 8  # the sampled shares
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(w.mean(axis=0), [1 / 8, 2 / 8, 5 / 8], atol=0.003)
    # Dirichlet(50 · shares): var = share (1 − share) / 51
    np.testing.assert_allclose(w.var(axis=0), [s * (1 - s) / 51 for s in (1 / 8, 2 / 8, 5 / 8)],
                               rtol=0.05)


# -- ranks and ties ------------------------------------------------------------------------------


def test_competition_ranks_with_ties():
    assert competition_ranks(np.array([[3.0, 5.0, 3.0, 1.0], [1.0, 1.0, 1.0, 2.0]])).tolist() == \
        [[2, 1, 2, 4], [2, 2, 2, 1]]
    # a difference of floating-point summation order is a tie, a real difference is not
    x = np.array([[0.1 + 0.2, 0.3, 0.3 + 1e-9]])
    assert competition_ranks(x).tolist() == [[2, 2, 1]]


def test_identical_units_always_tie_with_competition_ranks():
    ev = _small([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0], [2.0, 2.0]])
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2,), spread=0.5)])
    result = evaluate(ev, spec, sample(ev, spec, 500, seed=3))
    assert result.nominal_rank.tolist() == [2, 2, 4, 1]
    assert result.counts[:, 1:].tolist() == [[0, 500, 0, 0], [0, 500, 0, 0], [0, 0, 0, 500],
                                             [500, 0, 0, 0]]


def test_a_tie_that_weights_break():
    # a = (1, 0), b = (0, 1): tied at equal weights, split by any perturbation
    ev = _small([[1.0, 0.0], [0.0, 1.0], [0.2, 0.2]])
    still = UncertaintySpec(weights=[WeightPerturbation(levels=(2,), spread=0.0)])
    result = evaluate(ev, still, sample(ev, still, 200, seed=1))
    assert result.counts[:2, 1].tolist() == [200, 200]  # both first, every time
    moving = UncertaintySpec(weights=[WeightPerturbation(levels=(2,), spread=0.3)])
    result = evaluate(ev, moving, sample(ev, moving, 4000, seed=1))
    p_first = result.counts[0, 1] / 4000
    assert abs(p_first - 0.5) < 0.03 and result.counts[0, 1] + result.counts[1, 1] == 4000
    assert result.counts[2, 3] == 4000


def test_zero_perturbation_gives_the_nominal_ranking_every_time(asem):
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2, 3, 4), spread=0.0)])
    result = evaluate(asem, spec, sample(asem, spec, 3000, seed=5), keep=True)
    nominal = asem.ranks[-1, :, -1]
    np.testing.assert_array_equal(result.nominal_rank, nominal)
    assert (result.counts[np.arange(51), nominal.astype(int)] == 3000).all()
    assert result.counts.sum() == 3000 * 51
    assert np.all(result.shift == 0)
    report = analyse(result, top=5)
    assert (report.table["q05"] == report.table["nominal_rank"]).all()
    assert (report.table["q95"] == report.table["nominal_rank"]).all()
    assert report.summary["mean_abs_shift"] == 0 and report.summary["share_moved"] == 0


def test_discrete_choices_only_rank_each_combination_once(asem):
    spec = UncertaintySpec(impute=["nominal", "mean", "median"], normalise=["minmax", "rank"])
    samples = sample(asem, spec, 600, seed=2)
    result = evaluate(asem, spec, samples)
    frame = samples.to_frame()
    expected = np.zeros_like(result.counts)
    for (impute, normalise), n in frame.value_counts(["impute", "normalise"]).items():
        method = asem.method.replace(impute=asem.method.impute if impute == "group_mean(group="
                                     "EurAsia_group)" else impute, normalise=normalise)
        if impute.startswith("group_mean"):
            method = asem.method.replace(normalise=normalise)
        ranks = asem.rebuild(method).ranks[-1, :, -1].astype(int)
        expected[np.arange(51), ranks] += n
    np.testing.assert_array_equal(result.counts, expected)
    assert result.combinations == 6


def test_batches_do_not_change_the_result(asem):
    spec = default_spec(asem, ["weights", "normalise", "aggregate", "treat"])
    samples = sample(asem, spec, 2000, seed=8, chunk_size=512)
    a = evaluate(asem, spec, samples, keep=True, track=["CHE"], groups=["EurAsia_group"])
    b = evaluate(asem, spec, samples, keep=True, track=["CHE"], groups=["EurAsia_group"], batch=37)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.group_counts["EurAsia_group"], b.group_counts["EurAsia_group"])
    np.testing.assert_array_equal(a.shift, b.shift)
    np.testing.assert_array_equal(a.tracked["CHE"], b.tracked["CHE"])


def test_evaluate_checks_its_arguments(asem):
    spec = default_spec(asem)
    samples = sample(asem, spec, 10)
    with pytest.raises(MethodError):
        evaluate(asem, default_spec(asem, ["aggregate"]), samples)
    with pytest.raises(MethodError, match="nowhere"):
        evaluate(asem, spec, samples, track=["nowhere"])
    with pytest.raises(MethodError, match="nogroup"):
        evaluate(asem, spec, samples, groups=["nogroup"])
    with pytest.raises(MethodError, match="1999"):
        evaluate(asem, spec, samples, period=1999)


# -- statistics ----------------------------------------------------------------------------------


def _result(counts, nominal, groups=None):
    counts = np.asarray(counts)
    n = int(counts.sum(axis=1).max())
    spec = UncertaintySpec()
    group_counts, group_nominal, labels = {}, {}, {}
    if groups:
        group_counts = {"g": np.asarray(groups[0])}
        group_nominal = {"g": np.asarray(groups[1], dtype=float)}
        labels = {"g": np.asarray(groups[2], dtype=object)}
    return UncertaintyResult(("A", "B", "C"), ("甲", "乙", "丙"), 2024, n, np.asarray(nominal, float),
                             counts, group_counts, group_nominal, labels, None, {}, 1, spec, None)


def test_statistics_from_counts_by_hand():
    # 10 samples, 3 units: A is 1st 6 times, 2nd 4 times; B 1st 4, 2nd 3, 3rd 3; C 2nd 3, 3rd 7
    counts = [[0, 6, 4, 0], [0, 4, 3, 3], [0, 0, 3, 7]]
    report = analyse(_result(counts, [1, 2, 3]), top=1, places=0)
    t = report.table.set_index("unit")
    assert t["median_rank"].tolist() == [1, 2, 3]  # A: 6/10 ≥ 0.5 at rank 1; B: 7/10 at 2
    assert t["q05"].tolist() == [1, 1, 2] and t["q95"].tolist() == [2, 3, 3]
    assert t["p_top"].tolist() == pytest.approx([0.6, 0.4, 0.0])
    # A: 4 samples one place down → 0.4; B: 4 up + 3 down → 0.7; C: 3 up → 0.3
    assert t["mean_abs_shift"].tolist() == pytest.approx([0.4, 0.7, 0.3])
    assert t["p_moved"].tolist() == pytest.approx([0.4, 0.7, 0.3])
    assert report.summary["mean_abs_shift"] == pytest.approx(1.4 / 3)
    assert report.summary["share_moved"] == pytest.approx(1.4 / 3)
    report = analyse(_result(counts, [1, 2, 3]), places=1)
    assert report.summary["share_moved"] == 0  # nobody moves by more than one place
    assert rank_quantile(np.array([[0, 5, 5]]), 0.5).tolist() == [1.0]


def test_statistics_within_a_group_and_one_units_distribution():
    counts = [[0, 6, 4, 0], [0, 4, 3, 3], [0, 0, 3, 7]]
    group = ([[0, 6, 4], [0, 4, 6], [0, 10, 0]], [1, 2, 1], ["x", "x", "y"])
    report = analyse(_result(counts, [1, 2, 3], group), unit="乙", top=1, group="g")
    t = report.table.set_index("unit")
    assert t["p_top_in_group"].tolist() == pytest.approx([0.6, 0.4, 1.0])
    assert t["nominal_rank_in_group"].tolist() == [1, 2, 1]
    assert report.unit == "B"
    # with a group, the distribution is that of the rank within the group: B is 1st of x 4 times
    assert report.distribution.to_dict("list") == {"rank": [1, 2], "probability": [0.4, 0.6],
                                                   "cumulative": pytest.approx([0.4, 1.0])}
    assert report.detail["p_top_in_group"] == pytest.approx(0.4)
    overall = analyse(_result(counts, [1, 2, 3], group), unit="乙", top=1)
    assert overall.distribution.to_dict("list") == {"rank": [1, 2, 3], "probability": [0.4, 0.3, 0.3],
                                                    "cumulative": pytest.approx([0.4, 0.7, 1.0])}
    with pytest.raises(MethodError, match="other"):
        analyse(_result(counts, [1, 2, 3]), group="other")


# -- Sobol indices -------------------------------------------------------------------------------


def test_sobol_indices_of_an_additive_function_match_the_analytic_values():
    from SALib.sample import sobol as salib_sobol

    a = np.array([1.0, 2.0, 3.0, 0.5])
    problem = {"num_vars": 4, "names": ["x1", "x2", "x3", "x4"], "bounds": [[0, 1]] * 4}
    x = salib_sobol.sample(problem, 4096, calc_second_order=False, seed=3)
    frame = sobol_indices(problem, x @ a, seed=3).set_index("input")
    exact = a**2 / (a**2).sum()  # Y = Σ a_i X_i, X_i ~ U(0, 1) independent: S_i = a_i² / Σ a_j²
    np.testing.assert_allclose(frame["S1"], exact, atol=0.03)
    np.testing.assert_allclose(frame["ST"], exact, atol=0.03)  # additive: no interaction
    assert (np.abs(frame["S1"] - exact) <= 2 * frame["S1_conf"] + 0.005).all()
    grouped = dict(problem, groups=["g", "g", "h", "k"])
    x = salib_sobol.sample(grouped, 4096, calc_second_order=False, seed=3)
    frame = sobol_indices(grouped, x @ a, seed=3).set_index("input")
    np.testing.assert_allclose(frame.loc["g", "S1"], (1 + 4) / (a**2).sum(), atol=0.03)
    constant = sobol_indices(problem, np.ones(len(x)))
    assert constant["S1"].isna().all()


def test_sobol_on_ranks_finds_the_input_that_matters(tmp_path):
    # no value is missing, so the choice of imputation cannot matter: S_impute = ST_impute = 0
    rng = np.random.default_rng(0)
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c", "d"]})
    ev = zh.build(fw, make_panel(fw, rng.random((12, 4))))
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2, 3), spread=0.5)],
                           impute=["mean", "median"])
    samples = sample(ev, spec, 512, seed=1, sobol=True)
    assert samples.n == 512 * 4 and samples.base_n == 512
    result = evaluate(ev, spec, samples, track=["U3"])
    table = sobol(result, unit="U3").set_index(["output", "input"])
    assert table.loc[("mean_abs_shift", "impute"), "ST"] == 0
    assert table.loc[("rank:U3", "impute"), "ST"] == 0
    assert table.loc[("mean_abs_shift", "weights"), "S1"] == pytest.approx(1, abs=0.1)
    assert table.loc[("mean_abs_shift", "weights"), "ST"] == pytest.approx(1, abs=0.1)
    path = plot_sobol(table.reset_index(), tmp_path / "s.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(MethodError, match="U5"):
        sobol(result, unit="U5")
    mc = evaluate(ev, spec, sample(ev, spec, 100))
    with pytest.raises(MethodError):
        sobol(mc)


def test_a_combination_that_cannot_be_built_raises_or_is_skipped(asem):
    # the geometric mean of min-max 0–100 scores meets zeros: that combination cannot be built
    spec = UncertaintySpec(aggregate=["arithmetic", "geometric"])
    samples = sample(asem, spec, 400, seed=1)
    with pytest.raises(MethodError, match="aggregate=geometric"):
        evaluate(asem, spec, samples)
    result = evaluate(asem, spec, samples, skip_failed=True)
    n_geometric = int((samples.to_frame()["aggregate"] == "geometric").sum())
    assert result.skipped == {"aggregate=geometric": n_geometric} and 150 < n_geometric < 250
    assert "geometric" in result.failures["aggregate=geometric"]
    assert (result.counts.sum(axis=1) == 400 - n_geometric).all()
    assert result.combinations == 1
    assert analyse(result).summary["skipped"] == n_geometric


def test_screened_units_get_no_rank():
    fw = make_framework({"I": ["a", "b", "c"]})
    values = np.array([[1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [np.nan, np.nan, 9.0], [2.0, 2.0, 2.0]])
    method = zh.Method(impute="mean", screen={"method": "availability", "min_share": 0.5})
    ev = zh.build(fw, make_panel(fw, values), method)
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2,), spread=0.5)])
    result = evaluate(ev, spec, sample(ev, spec, 300, seed=2), keep=True)
    assert np.isnan(result.nominal_rank[2]) and result.counts[2].sum() == 0
    assert (result.counts[[0, 1, 3]].sum(axis=1) == 300).all()
    assert result.counts[:, 4].sum() == 0  # three ranked units: no rank 4
    row = analyse(result).table.set_index("unit").loc["U2"]
    assert row["median_rank"] is pd.NA and np.isnan(row["p_top"])
