"""Weighting methods against published worked examples (../shared/data/cases).

Each case is checked through the pure function and through ``zongheng.build`` on a
framework ``I → D → criteria``. zongheng has no identity normalisation, so the builds
that need the raw matrix at the weight step (entropy, CRITIC without scaling) use
``KeepValues``, a normalise step defined here that passes values through.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

import zongheng as zh
from zongheng.errors import MethodError
from zongheng.method import Method
from zongheng.steps import Step
from zongheng.steps.weight import AHPWeights, ahp_weights, critic_weights, entropy_weights
from zongheng.testing import make_framework, make_panel


@dataclass(frozen=True)
class KeepValues(Step):
    """Identity normalisation (test only, not registered): values reach the weight step as read."""

    stage = "normalise"
    key = "keep_values"


def _case(shared_data, name: str) -> dict:
    return json.loads((shared_data / "cases" / f"{name}.json").read_text(encoding="utf-8"))


def _codes(n: int) -> list[str]:
    return [f"C{j + 1}" for j in range(n)]


def _build_weights(matrix, method: Method) -> np.ndarray:
    """Build I → D → C1…Cn on the case's matrix; return D's weights normalised to sum 1."""
    matrix = np.asarray(matrix, dtype=float)
    codes = _codes(matrix.shape[1])
    fw = make_framework({"I": ["D"], "D": codes})
    panel = make_panel(fw, matrix)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", zh.errors.ConstantIndicatorWarning)
        ev = zh.build(fw, panel, method)
    w = np.array([ev.weights[c] for c in codes])
    return w / w.sum()


def _minmax(matrix) -> np.ndarray:
    x = np.asarray(matrix, dtype=float)
    return (x - x.min(axis=0)) / np.ptp(x, axis=0)


# -- entropy: Xu (2004) ---------------------------------------------------------------------------


def test_entropy_xu2004_pure(shared_data):
    case = _case(shared_data, "entropy_xu2004")
    w = entropy_weights(case["matrix"])
    np.testing.assert_allclose(w, case["expected"]["weights"], rtol=0,
                               atol=case["tolerance"]["weights_abs"])
    assert w.sum() == pytest.approx(1.0)
    assert 0 < w[3] < 1e-5  # the almost constant criterion (29, 29, 28.9, 29)


def test_entropy_xu2004_through_build(shared_data):
    case = _case(shared_data, "entropy_xu2004")
    w = _build_weights(case["matrix"], Method(normalise=KeepValues(), weight="entropy"))
    np.testing.assert_allclose(w, case["expected"]["weights"], rtol=0,
                               atol=case["tolerance"]["weights_abs"])


def test_entropy_xu2004_through_min_max_differs(shared_data):
    # min-max changes the data the entropy sees: the paper's numbers need the raw matrix
    case = _case(shared_data, "entropy_xu2004")
    w = _build_weights(case["matrix"], Method(weight="entropy"))
    assert np.abs(w - case["expected"]["weights"]).max() > 0.01


# -- CRITIC: Diakoulaki et al. (1995) ----------------------------------------------------------


def test_critic_diakoulaki1995_pure(shared_data):
    case = _case(shared_data, "critic_diakoulaki1995")
    tol = case["tolerance"]["weights_abs"]
    expected = case["expected"]
    np.testing.assert_allclose(critic_weights(_minmax(case["matrix"])), expected["weights"],
                               rtol=0, atol=tol)
    np.testing.assert_allclose(critic_weights(case["matrix"]),
                               expected["variants"]["no_scaling_pearson"], rtol=0, atol=tol)
    np.testing.assert_allclose(critic_weights(_minmax(case["matrix"]), correlation="spearman"),
                               expected["variants"]["minmax_spearman"], rtol=0, atol=tol)


def test_critic_diakoulaki1995_through_build(shared_data):
    case = _case(shared_data, "critic_diakoulaki1995")
    tol = case["tolerance"]["weights_abs"]
    expected = case["expected"]
    # the default min-max to [0, 100]: a common factor 100 leaves CRITIC weights unchanged
    np.testing.assert_allclose(_build_weights(case["matrix"], Method(weight="critic")),
                               expected["weights"], rtol=0, atol=tol)
    spearman = Method(weight={"method": "critic", "correlation": "spearman"})
    np.testing.assert_allclose(_build_weights(case["matrix"], spearman),
                               expected["variants"]["minmax_spearman"], rtol=0, atol=tol)
    raw = Method(normalise=KeepValues(), weight="critic")
    np.testing.assert_allclose(_build_weights(case["matrix"], raw),
                               expected["variants"]["no_scaling_pearson"], rtol=0, atol=tol)


# -- AHP: Wang & Chin (2011) -------------------------------------------------------------------


def test_ahp_wang2011_pure(shared_data):
    case = _case(shared_data, "ahp_wang2011")
    tol, expected = case["tolerance"], case["expected"]
    w, lambda_max, ci, cr = ahp_weights(case["pairwise_matrix"])
    np.testing.assert_allclose(w, expected["weights"], rtol=0, atol=tol["weights_abs"])
    assert lambda_max == pytest.approx(expected["lambda_max"], abs=tol["lambda_max_abs"])
    assert cr == pytest.approx(expected["CR"], abs=tol["CR_abs"])
    assert ci == pytest.approx((lambda_max - 6) / 5)
    assert cr == pytest.approx(ci / 1.24)  # Saaty RI(6) = 1.24


def test_ahp_wang2011_is_inconsistent_by_default(shared_data):
    case = _case(shared_data, "ahp_wang2011")
    method = Method(weight={"method": "ahp", "matrices": {"D": case["pairwise_matrix"]}})
    with pytest.raises(MethodError) as info:
        _build_weights(np.ones((3, 6)) + np.arange(3)[:, None], method)
    message = str(info.value)
    assert "'D'" in message and "CR = 0.229" in message and "0.1" in message
    assert [p.kind for p in info.value.problems] == ["weight_ahp_inconsistent"]
    zh.set_lang("en")
    assert "consistency ratio CR = 0.229" in info.value.render()


def test_ahp_wang2011_allowed_inconsistent_through_build(shared_data):
    case = _case(shared_data, "ahp_wang2011")
    tol, expected = case["tolerance"], case["expected"]
    method = Method(weight={"method": "ahp", "allow_inconsistent": True,
                            "matrices": {"D": case["pairwise_matrix"]}})
    data = np.random.default_rng(1).uniform(0, 10, size=(5, 6))  # AHP does not read the data
    w = _build_weights(data, method)
    np.testing.assert_allclose(w, expected["weights"], rtol=0, atol=tol["weights_abs"])
    result = AHPWeights(matrices={"D": case["pairwise_matrix"]}, allow_inconsistent=True).results(
        make_framework({"I": ["D"], "D": _codes(6)}))["D"]
    assert result.lambda_max == pytest.approx(expected["lambda_max"], abs=tol["lambda_max_abs"])
    assert result.cr == pytest.approx(expected["CR"], abs=tol["CR_abs"])


def test_ahp_wang2011_as_fractions(shared_data):
    # the same judgements written as a person would: "1/3" for 0.333…
    case = _case(shared_data, "ahp_wang2011")
    fractions = [[v if v >= 1 else f"1/{round(1 / v)}" for v in row] for row in case["pairwise_matrix"]]
    w, _, _, cr = ahp_weights(fractions)
    np.testing.assert_allclose(w, case["expected"]["weights"], rtol=0,
                               atol=case["tolerance"]["weights_abs"])
    assert cr == pytest.approx(case["expected"]["CR"], abs=case["tolerance"]["CR_abs"])
