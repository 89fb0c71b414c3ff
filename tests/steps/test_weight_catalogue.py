"""The weighting catalogue (赋权方法): hand-computed examples, edge cases, levels and scope, YAML."""

from __future__ import annotations

import math
import warnings

import numpy as np
import openpyxl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import zongheng as zh
from zongheng.errors import ConstantIndicatorWarning, MethodError
from zongheng.method import Method, read_method, write_method
from zongheng.steps import Context, Scope, step_from_spec
from zongheng.steps.weight import (
    WEIGHT_FLOOR,
    AHPWeights,
    CombinedWeights,
    CRITICWeights,
    CVWeights,
    EntropyWeights,
    EqualWeights,
    GivenWeights,
    OptimisationWarning,
    OptimisedWeights,
    PCAWeights,
    critic_weights,
    cv_weights,
    entropy_weights,
    optimised_weights,
    parent_correlations,
    pca_weights,
    varimax,
)
from zongheng.testing import make_framework, make_panel


def _fw(n: int = 3):
    """I → D → c1…cn, with framework weights that no data-driven method would give."""
    codes = [f"c{j + 1}" for j in range(n)]
    return make_framework({"I": ["D"], "D": codes}, weights={c: j + 1 for j, c in enumerate(codes)})


def weigh(step, x, *, fw=None, parent="D", periods=None) -> np.ndarray:
    """Ask ``step`` for the weights of D's children on values (unit, child) or (period, unit, child)."""
    x = np.asarray(x, dtype=float)
    x3 = x if x.ndim == 3 else x[None]
    fw = fw or _fw(x3.shape[-1])
    panel = make_panel(fw, x3, periods=periods)
    w = np.asarray(step.weights_for(parent, fw.children[parent], x3, Context(fw, panel)))
    return w


def unit(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return w / w.sum()


# -- equal ------------------------------------------------------------------------------------


def test_equal_weights_ignore_the_framework():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b", "c"], "D2": ["d"]},
                        weights={"D1": 3, "a": 5, "b": 2})
    panel = make_panel(fw, [[1, 2, 3, 4], [2, 3, 1, 0], [5, 1, 1, 1.0]])
    ev = zh.build(fw, panel, Method(weight="equal"))
    assert ev.weights == {"I": 1.0, "a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0, "D1": 1.0, "D2": 1.0}
    assert ev.effective_weights.to_dict() == pytest.approx(
        {"a": 1 / 6, "b": 1 / 6, "c": 1 / 6, "d": 0.5})


# -- entropy ----------------------------------------------------------------------------------


def test_entropy_by_hand_two_columns():
    # column 1 (1, 3): p = (1/4, 3/4), e = −(¼ ln ¼ + ¾ ln ¾)/ln 2; column 2 (2, 2) is constant
    w = entropy_weights([[1, 2], [3, 2]])
    assert w.tolist() == [1.0, 0.0]
    x = [[1, 1], [3, 2]]
    e1 = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    e2 = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(2)
    d = np.array([1 - e1, 1 - e2])
    np.testing.assert_allclose(entropy_weights(x), d / d.sum(), rtol=1e-12)


def test_entropy_zero_counts_as_zero_log_zero():
    x = [[0, 1], [4, 2], [0, 3]]
    d1 = 1.0  # one nonzero p = 1: e = 0
    p = np.array([1, 2, 3]) / 6
    d2 = 1 + (p * np.log(p)).sum() / math.log(3)
    np.testing.assert_allclose(entropy_weights(x), np.array([d1, d2]) / (d1 + d2), rtol=1e-12)


def test_entropy_negative_value_is_a_method_error_naming_the_child():
    with pytest.raises(MethodError) as info:
        weigh(EntropyWeights(), [[1, 2, -0.5], [2, 1, 1]])
    assert [p.kind for p in info.value.problems] == ["weight_negative"]
    assert "'c3'" in str(info.value) and "'D'" in str(info.value)
    with pytest.raises(ValueError, match="non-negative"):
        entropy_weights([[1, -1], [2, 1]])


def test_entropy_constant_child_gets_the_floor_with_a_warning():
    x = [[1, 5, 2], [3, 5, 1], [2, 5, 4]]
    with pytest.warns(ConstantIndicatorWarning, match="c2"):
        w = unit(weigh(EntropyWeights(), x))
    assert w[1] == pytest.approx(WEIGHT_FLOOR)
    rest = entropy_weights(np.array(x)[:, [0, 2]])
    np.testing.assert_allclose(w[[0, 2]], rest * (1 - WEIGHT_FLOOR), rtol=1e-8)
    assert (w > 0).all()


def test_entropy_all_constant_children_get_equal_weights_with_a_warning():
    with pytest.warns(ConstantIndicatorWarning):
        w = weigh(EntropyWeights(), [[1, 5, 0], [1, 5, 0]])
    assert w.tolist() == [1.0, 1.0, 1.0]
    assert entropy_weights([[1, 5], [1, 5]]).tolist() == [0.5, 0.5]


# -- CV ---------------------------------------------------------------------------------------


def test_cv_by_hand():
    # a = (1, 2, 3): σ/μ = √(2/3)/2 = 1/√6; b = 2a: same; c = (1, 1, 4): σ/μ = √2/2 = 1/√2
    x = [[1, 2, 1], [2, 4, 1], [3, 6, 4]]
    v = np.array([1 / math.sqrt(6), 1 / math.sqrt(6), 1 / math.sqrt(2)])
    np.testing.assert_allclose(cv_weights(x), v / v.sum(), rtol=1e-12)
    np.testing.assert_allclose(unit(weigh(CVWeights(), x)), v / v.sum(), rtol=1e-9)


def test_cv_uses_the_absolute_mean_and_refuses_a_zero_mean():
    np.testing.assert_allclose(cv_weights([[-1, 1], [-3, 3]]), [0.5, 0.5])
    with pytest.raises(MethodError) as info:
        weigh(CVWeights(), [[-1, 1, 2], [1, 3, 2.5]])
    assert [p.kind for p in info.value.problems] == ["weight_zero_mean"]
    assert "'c1'" in str(info.value)


def test_cv_constant_child_gets_the_floor():
    with pytest.warns(ConstantIndicatorWarning):
        w = unit(weigh(CVWeights(), [[1, 7, 2], [3, 7, 4]]))
    assert w[1] == pytest.approx(WEIGHT_FLOOR)
    assert w[0] / w[2] == pytest.approx((1 / 2) / (1 / 3))


# -- CRITIC -----------------------------------------------------------------------------------


def test_critic_by_hand():
    # a = (0, 1, 2), b = (0, 2, 4) (r_ab = 1), c = (2, 0, 1) (r_ac = r_bc = −1/2)
    x = np.array([[0, 0, 2], [1, 2, 0], [2, 4, 1.0]])
    s = x.std(axis=0)
    c = s * np.array([0 + 1.5, 0 + 1.5, 1.5 + 1.5])
    np.testing.assert_allclose(critic_weights(x), c / c.sum(), rtol=1e-12)
    np.testing.assert_allclose(unit(weigh(CRITICWeights(), x)), c / c.sum(), rtol=1e-9)


def test_critic_constant_child_is_left_out_of_the_conflict():
    x = np.array([[0, 0, 2, 5], [1, 2, 0, 5], [2, 4, 1, 5.0]])
    with pytest.warns(ConstantIndicatorWarning, match="c4"):
        w = unit(weigh(CRITICWeights(), x, fw=_fw(4)))
    assert w[3] == pytest.approx(WEIGHT_FLOOR)
    np.testing.assert_allclose(w[:3], critic_weights(x[:, :3]), rtol=1e-8)


def test_critic_perfectly_correlated_children_get_equal_weights():
    assert critic_weights([[1, 2], [2, 4], [3, 6]]).tolist() == [0.5, 0.5]


# -- PCA --------------------------------------------------------------------------------------

# a and b = 2a + 1 are perfectly correlated; c is uncorrelated with both (zero-mean orthogonal
# columns), so the correlation matrix is [[1, 1, 0], [1, 1, 0], [0, 0, 1]] with eigenvalues 2, 1, 0.
_A = np.array([1, 1, -1, -1.0])
_C = np.array([1, -1, 1, -1.0])
PCA_X = np.c_[_A, 2 * _A + 1, _C]


def test_pca_keeps_one_factor_and_the_correlated_pair_shares_it():
    # one eigenvalue > 1, explaining 2/3 ≥ 0.6: one factor with loadings (1, 1, 0);
    # scaled squared loadings (½, ½, 0): c gets no weight (the Handbook's procedure) → floor
    result = pca_weights(PCA_X)
    np.testing.assert_allclose(result.eigenvalues, [2, 1, 0], atol=1e-12)
    np.testing.assert_allclose(result.weights, [0.5, 0.5, 0], atol=1e-12)
    assert result.factor[0] == result.factor[1]
    w = unit(weigh(PCAWeights(), PCA_X))
    np.testing.assert_allclose(w, [0.5, 0.5, WEIGHT_FLOOR], atol=1e-12)
    assert (w > 0).all() and w.sum() == pytest.approx(1)


def test_pca_adds_components_until_min_variance_is_explained():
    # 2/3 < 0.9, so the second component (eigenvalue 1) is kept: factors {a, b} (variance 2)
    # and {c} (variance 1); weights ½·⅔, ½·⅔, 1·⅓ = ⅓ each
    result = pca_weights(PCA_X, min_variance=0.9)
    assert result.factor[0] == result.factor[1] != result.factor[2]
    np.testing.assert_allclose(sorted(result.variance), [1, 2], atol=1e-12)
    np.testing.assert_allclose(result.weights, [1 / 3, 1 / 3, 1 / 3], atol=1e-12)
    np.testing.assert_allclose(unit(weigh(PCAWeights(min_variance=0.9), PCA_X)), [1 / 3] * 3,
                               atol=1e-9)


def test_pca_on_noisy_data_sums_to_one_and_groups_correlated_children():
    rng = np.random.default_rng(5)
    f1, f2 = rng.normal(size=(2, 300))
    x = np.c_[f1 + 0.2 * rng.normal(size=300), f1 + 0.2 * rng.normal(size=300),
              f2 + 0.2 * rng.normal(size=300), f2 + 0.3 * rng.normal(size=300)]
    result = pca_weights(x)
    assert len(result.variance) == 2  # two eigenvalues above 1
    assert result.factor[0] == result.factor[1] != result.factor[2] == result.factor[3]
    assert (result.weights > 0).all() and result.weights.sum() == pytest.approx(1)


def test_varimax_recovers_a_rotated_simple_structure():
    simple = np.array([[0.9, 0], [0.8, 0], [0, 0.7], [0, 0.9]])
    t = np.deg2rad(30)
    rotated = simple @ np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    back = varimax(rotated)
    np.testing.assert_allclose(np.abs(back), simple, atol=1e-6)
    np.testing.assert_allclose((back ** 2).sum(axis=1), (simple ** 2).sum(axis=1))  # communalities
    np.testing.assert_array_equal(varimax(simple[:, :1]), simple[:, :1])


def test_pca_min_variance_is_checked():
    with pytest.raises(ValueError):
        PCAWeights(min_variance=0)
    with pytest.raises(MethodError):
        step_from_spec("weight", {"method": "pca", "min_variance": 1.5})


# -- combined ---------------------------------------------------------------------------------


def test_combined_blend_and_multiply_by_hand():
    x = np.random.default_rng(2).uniform(0, 1, size=(6, 3))
    subjective = {"method": "given", "weights": {"c1": 5, "c2": 3, "c3": 2}}  # (.5, .3, .2)
    objective = {"method": "given", "weights": {"c1": 2, "c2": 3, "c3": 5}}  # (.2, .3, .5)
    blend = CombinedWeights(subjective=subjective, objective=objective, alpha=0.8)
    np.testing.assert_allclose(unit(weigh(blend, x)), [0.44, 0.30, 0.26])  # .8 s + .2 o
    half = CombinedWeights(subjective=subjective, objective=objective)
    np.testing.assert_allclose(unit(weigh(half, x)), [0.35, 0.30, 0.35])
    multiply = CombinedWeights(subjective=subjective, objective=objective, mode="multiply")
    np.testing.assert_allclose(unit(weigh(multiply, x)), np.array([0.10, 0.09, 0.10]) / 0.29)


def test_combined_ahp_with_entropy():
    x = np.array([[1, 2, 3], [2, 2, 9], [3, 1, 4], [4, 5, 1.0]])
    ahp = {"method": "ahp", "matrices": {"D": [[1, 3, 1], ["1/3", 1, "1/3"], [1, 3, 1]]}}
    step = CombinedWeights(subjective=ahp, objective="entropy", alpha=0.25)
    ws = np.array([3, 1, 3]) / 7
    wo = entropy_weights(x)
    np.testing.assert_allclose(unit(weigh(step, x)), 0.25 * ws + 0.75 * wo, rtol=1e-9)
    assert isinstance(step.subjective, AHPWeights) and step.objective == EntropyWeights()


def test_combined_parameters_are_checked():
    for bad in ({"alpha": 1.5}, {"mode": "sum"}, {"subjective": "no_such_method"}):
        with pytest.raises(MethodError):
            step_from_spec("weight", {"method": "combined", **bad})


# -- optimised --------------------------------------------------------------------------------


def _independent_sample(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 50 + rng.normal(size=(200, 3)) * [1.0, 2.0, 3.0]


@pytest.mark.parametrize("importance", [None, [2, 1, 1], [1, 2, 3]])
def test_optimised_correlations_match_the_importances(importance):
    x = _independent_sample()
    result = optimised_weights(x, importance)
    target = np.ones(3) / 3 if importance is None else np.array(importance) / sum(importance)
    np.testing.assert_allclose(result.target, target)
    np.testing.assert_allclose(result.shares, target, atol=1e-3)
    np.testing.assert_allclose(result.correlations, parent_correlations(x, result.weights))
    assert result.objective < 1e-8
    assert (result.weights > 0).all() and result.weights.sum() == pytest.approx(1)


def test_optimised_step_reaches_the_target_in_a_build():
    x = _independent_sample(1)
    fw = _fw(3)
    step = OptimisedWeights(importance={"c1": 2})
    ev = zh.build(fw, make_panel(fw, x), Method(weight=step))
    w = np.array([ev.weights[c] for c in fw.children["D"]])
    normalised = ev.stage("normalised")[0]  # correlations are scale-free: same on the raw values
    r = parent_correlations(normalised, w)
    np.testing.assert_allclose(r / r.sum(), [0.5, 0.25, 0.25], atol=1e-3)


def test_parent_correlations_by_hand():
    x = np.array([[0, 0], [1, 2], [2, 1.0]])
    # parent = (x1 + x2)/2 = (0, 1.5, 1.5); corr(x1, parent) = corr(x2, parent) = √3/2
    np.testing.assert_allclose(parent_correlations(x, [1, 1]), [math.sqrt(3) / 2] * 2)


def test_optimised_unreachable_target_warns():
    rng = np.random.default_rng(3)
    z = rng.normal(size=100)
    x = np.c_[z, z + 0.01 * rng.normal(size=100), rng.normal(size=100)]
    step = OptimisedWeights(importance={"c3": 100})  # c3 cannot make up 98 % of the correlations
    with pytest.warns(OptimisationWarning, match="D"):
        w = weigh(step, x)
    assert (w > 0).all()


def test_optimised_importance_is_checked():
    with pytest.raises(ValueError):
        OptimisedWeights(importance={"c1": 0})
    with pytest.raises(MethodError) as info:
        weigh(OptimisedWeights(importance={"zz": 2}), _independent_sample()[:20])
    assert "zz" in str(info.value)


# -- levels, scope, missing values ---------------------------------------------------------


def _two_level():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c", "d"]},
                        weights={"D1": 3, "D2": 1})
    rng = np.random.default_rng(4)
    values = rng.uniform(0, 10, size=(2, 8, 4))
    return fw, make_panel(fw, values, periods=[2020, 2021])


def test_levels_limit_the_data_driven_weights_is_wired():
    fw, panel = _two_level()
    ev_all = zh.build(fw, panel, Method(weight="entropy"))
    ev_2 = zh.build(fw, panel, Method(weight={"method": "entropy", "levels": [2]}))
    assert ev_2.weights["D1"] == 3 and ev_2.weights["D2"] == 1  # the framework's, on level 3
    assert ev_all.weights["D1"] != 3
    for c in "abcd":
        assert ev_2.weights[c] == pytest.approx(ev_all.weights[c])
    ev_3 = zh.build(fw, panel, Method(weight={"method": "entropy", "levels": 3}))
    assert ev_3.weights["a"] == 1.0 and ev_3.weights["c"] == 1.0
    dims = [ev_3.node_codes.index(d) for d in ("D1", "D2")]
    expected = entropy_weights(ev_3.scores[..., dims].reshape(-1, 2))
    np.testing.assert_allclose(unit([ev_3.weights["D1"], ev_3.weights["D2"]]), expected, rtol=1e-9)


def test_pooled_scope_pools_periods_and_base_scope_uses_one():
    fw, panel = _two_level()
    normalised = zh.build(fw, panel).stage("normalised")
    ev = zh.build(fw, panel, Method(weight="entropy"))
    pooled = entropy_weights(normalised[:, :, :2].reshape(-1, 2))
    np.testing.assert_allclose(unit([ev.weights["a"], ev.weights["b"]]), pooled, rtol=1e-9)
    ev = zh.build(fw, panel, Method(weight={"method": "entropy", "scope": "base:2021"}))
    np.testing.assert_allclose(unit([ev.weights["a"], ev.weights["b"]]),
                               entropy_weights(normalised[1, :, :2]), rtol=1e-9)


def test_per_period_scope_is_refused():
    with pytest.raises(ValueError):
        EntropyWeights(scope="per_period")
    with pytest.raises(MethodError):
        step_from_spec("weight", {"method": "critic", "scope": "per_period"})
    fw, panel = _two_level()
    # A method-wide per_period scope is for goalposts: data-driven weights stay pooled.
    per_period = zh.build(fw, panel, Method(scope="per_period", weight="cv"))
    pooled = zh.build(fw, panel, Method(scope="per_period", weight={"method": "cv", "scope": "pooled"}))
    assert per_period.weights == pooled.weights


def test_bad_levels_are_refused():
    for bad in ([1], [], ["2"]):
        with pytest.raises(MethodError):
            step_from_spec("weight", {"method": "entropy", "levels": bad})


def test_rows_with_a_missing_child_are_dropped():
    x = np.array([[1, 2, 3], [2, 5, 1], [np.nan, 1, 1], [4, 1, 2], [3, 3, np.nan]])
    w = unit(weigh(CRITICWeights(), x))
    np.testing.assert_allclose(w, critic_weights(x[[0, 1, 3]]), rtol=1e-9)


def test_too_few_complete_rows_is_a_method_error():
    x = np.array([[1, 2, 3], [np.nan, 1, 1], [4, np.nan, 2]])
    with pytest.raises(MethodError) as info:
        weigh(EntropyWeights(), x)
    assert info.value.problems[0].kind == "weight_too_few_rows"


def test_a_single_child_weighs_one():
    fw = make_framework({"I": ["D"], "D": ["a"]})
    assert weigh(PCAWeights(), [[1], [2]], fw=fw).tolist() == [1.0]


# -- AHP ----------------------------------------------------------------------------------------


def test_ahp_two_children_by_hand_and_parents_without_a_matrix_keep_framework_weights():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c", "d"]},
                        weights={"c": 2, "D1": 3})
    panel = make_panel(fw, [[1, 2, 3, 4], [4, 3, 2, 1.0]])
    ev = zh.build(fw, panel, Method(weight={"method": "ahp", "matrices": {"D1": [[1, "1/3"], [3, 1]]}}))
    assert ev.weights["a"] == pytest.approx(0.25) and ev.weights["b"] == pytest.approx(0.75)
    assert (ev.weights["c"], ev.weights["d"], ev.weights["D1"], ev.weights["D2"]) == (2, 1, 3, 1)


def test_ahp_consistent_three_by_three():
    # a consistent matrix a_ij = w_i / w_j gives back w with λmax = n and CR = 0
    w = np.array([0.5, 0.3, 0.2])
    step = AHPWeights(matrices={"D": (w[:, None] / w[None, :]).tolist()})
    result = step.results(_fw(3))["D"]
    np.testing.assert_allclose(result.weights, w)
    assert result.lambda_max == pytest.approx(3) and abs(result.cr) < 1e-12


def test_ahp_children_may_be_named_in_any_order():
    spec = {"children": ["c3", "c1", "c2"], "matrix": [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]}
    w = unit(weigh(AHPWeights(matrices={"D": spec}), np.ones((2, 3))))
    np.testing.assert_allclose(w, np.array([2, 1, 4]) / 7)  # c1, c2, c3 in framework order


def test_ahp_every_problem_is_reported_at_once_naming_the_parent():
    fw = make_framework({"I": ["D1", "D2", "D3"], "D1": ["a", "b"], "D2": ["c", "d"], "D3": ["e", "f"]})
    step = AHPWeights(matrices={
        "D1": [[1, 3, 1], [1, 1, 1]],  # not square
        "D2": [[1, -2], [-0.5, 1]],  # not positive
        "D3": [[1, 3], [3, 1]],  # not reciprocal
        "I": {"children": ["D1", "D2", "x"], "matrix": [[1, 1, 1]] * 3},  # other children
        "ZZ": [[1]],  # not a parent
    })
    with pytest.raises(MethodError) as info:
        zh.build(fw, make_panel(fw, np.arange(12.0).reshape(2, 6)), Method(weight=step))
    kinds = {p.kind for p in info.value.problems}
    assert kinds == {"weight_ahp_not_square", "weight_ahp_not_positive", "weight_ahp_not_reciprocal",
                     "weight_ahp_children", "weight_ahp_unknown_parent"}
    keys = {p.key for p in info.value.problems}
    assert keys == {f"weight.matrices.{p}" for p in ("D1", "D2", "D3", "I", "ZZ")}


def test_ahp_wrong_size_names_the_children():
    with pytest.raises(MethodError, match="c1, c2, c3"):
        weigh(AHPWeights(matrices={"D": [[1, 2], [0.5, 1]]}), np.ones((2, 3)))


def test_ahp_rounded_reciprocals_pass_but_mistakes_do_not():
    assert weigh(AHPWeights(matrices={"D": [[1, 3], [0.33, 1]]}), np.ones((2, 2)), fw=_fw(2)).all()
    with pytest.raises(MethodError):
        weigh(AHPWeights(matrices={"D": [[1, 3], [0.3, 1]]}), np.ones((2, 2)), fw=_fw(2))


def test_ahp_bad_entries_and_both_sources_are_refused():
    for bad in ({"matrices": {"D": [[1, "three"], [3, 1]]}}, {"matrices": {"D": "1, 2"}},
                {"matrices": {"D": {"matrix": [[1]]}}}, {"file": "weights.csv"},
                {"file": "w.xlsx", "matrices": {"D": [[1]]}}, {"allow_inconsistent": "yes"}):
        with pytest.raises(MethodError):
            step_from_spec("weight", {"method": "ahp", **bad})


def _workbook(path, sheets: dict[str, tuple[list[str], list[list]]], rows_first=None):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (codes, matrix) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append([None, *codes])
        for label, row in zip(rows_first or codes, matrix, strict=True):
            sheet.append([label, *row])
    book.save(path)
    return path


def test_ahp_from_an_excel_workbook(tmp_path):
    path = _workbook(tmp_path / "判断矩阵.xlsx", {
        "D": (["c2", "c1", "c3"], [[1, 2, 1], ["1/2", 1, 0.5], [1, 2, 1]])})
    step = AHPWeights(file=str(path))
    w = unit(weigh(step, np.ones((2, 3))))
    np.testing.assert_allclose(w, [0.2, 0.4, 0.4])
    assert step_from_spec("weight", step.to_spec()) == step


def test_ahp_workbook_problems_name_the_sheet(tmp_path):
    path = _workbook(tmp_path / "bad.xlsx", {"D": (["c1", "c2", "c3"], [[1, 1, 1]] * 3)},
                     rows_first=["c1", "c2", "x"])
    with pytest.raises(MethodError) as info:
        weigh(AHPWeights(file=str(path)), np.ones((2, 3)))
    problem = info.value.problems[0]
    assert problem.kind == "weight_ahp_labels" and problem.sheet == "D"
    with pytest.raises(MethodError) as info:
        weigh(AHPWeights(file=str(tmp_path / "missing.xlsx")), np.ones((2, 3)))
    assert info.value.problems[0].kind == "file_not_found"


# -- YAML ---------------------------------------------------------------------------------------


STEPS = [
    EqualWeights(),
    EntropyWeights(levels=(2,), scope="base:2020"),
    CRITICWeights(correlation="spearman"),
    CVWeights(levels=(2, 3)),
    PCAWeights(min_variance=0.75),
    OptimisedWeights(importance={"c1": 2, "c2": 0.5}),
    AHPWeights(matrices={"D": [[1, "1/3", 5], [3, 1, 7], ["1/5", "1/7", 1]]}, allow_inconsistent=True),
    AHPWeights(matrices={"D": {"children": ["c2", "c1"], "matrix": [[1, 2.5], [0.4, 1]]}}),
    AHPWeights(file="判断矩阵.xlsx"),
    CombinedWeights(subjective={"method": "ahp", "matrices": {"D": [[1, 2], ["1/2", 1]]}},
                    objective={"method": "critic", "correlation": "spearman", "levels": [2]},
                    alpha=0.7, mode="multiply"),
    CombinedWeights(subjective=GivenWeights({"c1": 2}), objective="cv"),
    CombinedWeights(),
]


@pytest.mark.parametrize("step", STEPS, ids=[repr(s)[:40] for s in STEPS])
def test_method_round_trips_through_yaml(step, tmp_path):
    method = Method(weight=step)
    assert Method.from_dict(method.to_dict()) == method
    text = yaml.safe_dump(method.to_dict(), allow_unicode=True, sort_keys=False)
    assert Method.from_dict(yaml.safe_load(text)) == method
    write_method(method, tmp_path / "method.yaml")
    assert read_method(tmp_path / "method.yaml") == method


def test_combined_spec_is_nested():
    step = CombinedWeights(subjective={"method": "ahp", "matrices": {"D": [[1, 2], ["1/2", 1]]}},
                           objective="entropy")
    assert step.to_spec() == {"method": "combined",
                              "subjective": {"method": "ahp", "matrices": {"D": [[1, 2], ["1/2", 1]]}}}
    assert CombinedWeights().to_spec() == "combined"


def test_ahp_fractions_read_from_yaml_text():
    method = Method.from_dict(yaml.safe_load(
        "weight:\n  method: ahp\n  matrices:\n    D: [[1, 1/3], [3, 1]]\n"))
    w = unit(weigh(method.weight, np.ones((2, 2)), fw=_fw(2)))
    np.testing.assert_allclose(w, [0.25, 0.75])


# -- properties ---------------------------------------------------------------------------------

OBJECTIVE = [EntropyWeights(), CRITICWeights(), CRITICWeights(correlation="spearman"), CVWeights(),
             EqualWeights()]


@settings(max_examples=60, deadline=None)
@given(x=st.integers(3, 15).flatmap(lambda n: st.integers(2, 5).flatmap(
    lambda m: arrays(np.float64, (n, m), elements=st.integers(0, 100).map(float)))),
       seed=st.integers(0, 2 ** 16))
def test_weights_are_positive_sum_to_one_and_ignore_unit_order(x, seed):
    order = np.random.default_rng(seed).permutation(x.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantIndicatorWarning)
        for step in OBJECTIVE:
            w = weigh(step, x)
            assert w.shape == (x.shape[1],) and np.isfinite(w).all() and (w > 0).all()
            assert unit(w).sum() == pytest.approx(1.0)
            np.testing.assert_allclose(unit(weigh(step, x[order])), unit(w), rtol=1e-7, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 16), n=st.integers(8, 40), m=st.integers(2, 6))
def test_pca_weights_are_positive_sum_to_one_and_ignore_unit_order(seed, n, m):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, m)) @ rng.normal(size=(m, m))  # correlated, in general position
    w = weigh(PCAWeights(), x)
    assert (w > 0).all() and unit(w).sum() == pytest.approx(1.0)
    np.testing.assert_allclose(unit(weigh(PCAWeights(), x[rng.permutation(n)])), unit(w),
                               rtol=1e-6, atol=1e-9)


def test_scope_of_a_weight_step_is_its_own():
    step = EntropyWeights(scope="base:2021")
    assert Scope.parse(step.scope).kind == "base"


def test_entropy_on_raw_values_is_the_libraries_entropy_of_the_data_matrix():
    # pymcdm / scikit-criteria weigh the matrix as it is (p = x / Σx per column, direction ignored);
    # zongheng's default weighs the normalised scores, where the cost criterion c is mirrored.
    from zongheng.steps.weight import entropy_weights

    fw = make_framework({"I": ["a", "b", "c"]}, directions={"c": "-"})
    values = np.array([[1, 5, 3], [2, 4, 6], [3, 3, 9], [4, 2, 1.0]])
    raw = zh.build(fw, make_panel(fw, values), Method(weight={"method": "entropy", "data": "raw"}))
    np.testing.assert_allclose([raw.weights[c] for c in "abc"], entropy_weights(values), rtol=1e-12)
    scores = zh.build(fw, make_panel(fw, values), Method(weight="entropy"))
    assert abs(scores.weights["c"] - raw.weights["c"]) > 0.2
    with pytest.raises(MethodError, match="data: raw"):
        two = make_framework({"I": ["D1", "b"], "D1": ["a"]})
        zh.build(two, make_panel(two, values[:, :2]), Method(weight={"method": "entropy", "data": "raw"}))


def test_an_ahp_workbook_is_recorded_by_its_content(tmp_path):
    # Code review §1.3.5: the method recorded only the path, so the "same" method gave other
    # weights after the workbook changed, and a rebuild reused the stale ones.
    path = _workbook(tmp_path / "判断矩阵.xlsx", {"D": (["c1", "c2", "c3"], [[1, 2, 1], ["1/2", 1, 0.5],
                                                                           [1, 2, 1]])})
    step = AHPWeights(file=str(path))
    spec = step.to_spec()
    assert len(spec["file_sha256"]) == 64 and step_from_spec("weight", spec) == step
    _workbook(path, {"D": (["c1", "c2", "c3"], [[1, 3, 1], ["1/3", 1, 0.5], [1, 2, 1]])})
    with pytest.raises(MethodError, match="changed since"):
        step_from_spec("weight", spec)  # the method as written no longer says what it used
    changed = AHPWeights(file=str(path))
    assert changed != step  # so a rebuild with it does not reuse the old weights
