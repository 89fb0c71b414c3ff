"""Published MCDA worked examples: TOPSIS and VIKOR, on bare arrays and in a build.

The cases are ``tests/data/cases/*.json`` (citations and sha256 in ``tests/data/PROVENANCE.md``).
TOPSIS's closeness and ranking and VIKOR's Q and ranking are the books' numbers. VIKOR's S and R
in the case file were computed by a reference script that is not shipped, so the test derives them
by hand below and checks zongheng against that derivation.
"""

from __future__ import annotations

import json

import numpy as np

import zongheng as zh
from zongheng.method import Method
from zongheng.steps.aggregate import Topsis, Vikor, vikor_indices
from zongheng.steps.rank import competition_rank
from zongheng.testing import make_framework, make_panel


def load(test_data, name: str) -> dict:
    case = json.loads((test_data / "cases" / f"{name}.json").read_text(encoding="utf-8"))
    assert set(case["criteria_types"]) == {"benefit"}  # no direction to apply
    return case


def case_build(case: dict, method: Method):
    """Build the case: one indicator per criterion under the index, the case's weights."""
    codes = [f"C{j + 1}" for j in range(len(case["weights"]))]
    fw = make_framework({"I": codes}, weights=dict(zip(codes, case["weights"], strict=True)))
    units = case.get("alternatives") or [f"A{i + 1}" for i in range(len(case["matrix"]))]
    ev = zh.build(fw, make_panel(fw, case["matrix"], units=units), method)
    index = ev.node_codes.index("I")
    return ev.scores[0, :, index], ev.ranks[0, :, index]


def vector_normalised(matrix) -> np.ndarray:
    x = np.asarray(matrix, dtype=float)
    return x / np.sqrt((x ** 2).sum(axis=0))


# -- TOPSIS: Tzeng & Huang (2011) ---------------------------------------------------------------


def test_topsis_tzeng2011_on_bare_arrays(test_data):
    """Closeness and ranking as printed in Tzeng & Huang (2011), 4 dp."""
    case = load(test_data, "topsis_tzeng2011")
    x = vector_normalised(case["matrix"])[None]  # the case's vector normalisation, done here
    w = np.array(case["weights"])[:, None]
    scores = Topsis().combine(x, w)[0, :, 0]
    np.testing.assert_allclose(scores, case["expected"]["scores"], rtol=0,
                               atol=case["tolerance"]["scores_abs"])
    assert competition_rank(scores, axis=0).tolist() == case["expected"]["ranking"]
    # the weights need not sum to 1, and scale only rescales
    np.testing.assert_allclose(Topsis(scale=100).combine(x, 10 * w)[0, :, 0], 100 * scores)


def test_topsis_tzeng2011_in_a_build(test_data):
    """The same published numbers through ``zh.build`` with ``normalise: vector``."""
    case = load(test_data, "topsis_tzeng2011")
    scores, ranks = case_build(case, Method(normalise="vector", aggregate="topsis"))
    np.testing.assert_allclose(scores, case["expected"]["scores"], rtol=0,
                               atol=case["tolerance"]["scores_abs"])
    assert ranks.tolist() == case["expected"]["ranking"]


# -- VIKOR: Papathanasiou & Ploskas (2018) -------------------------------------------------------


# S and R by hand. Matrix (rows A1…A6, criteria all benefit) and weights w = (.4, .3, .1, .2):
#   A1  8  7 2 1 | A2  5  3 7 5 | A3 7 5 6 4 | A4 9 9 7 3 | A5 11 10 3 7 | A6 6 9 5 4
# best f* = (11, 10, 7, 7), worst f⁻ = (5, 3, 2, 1), so f* − f⁻ = (6, 7, 5, 6).
# g_ij = w_i (f*_i − f_ij) / (f*_i − f⁻_i); S_j = Σ_i g_ij; R_j = max_i g_ij:
#   A1: .4·3/6 = .2,    .3·3/7 = 9/70, .1·5/5 = .1,  .2·6/6 = .2   S = 44/70          R = .2
#   A2: .4·6/6 = .4,    .3·7/7 = .3,   .1·0/5 = 0,   .2·2/6 = 1/15 S = 23/30          R = .4
#   A3: .4·4/6 = 4/15,  .3·5/7 = 3/14, .1·1/5 = .02, .2·3/6 = .1   S = 101/210 + .12  R = 4/15
#   A4: .4·2/6 = 2/15,  .3·1/7 = 3/70, .1·0/5 = 0,   .2·4/6 = 2/15 S = 13/42          R = 2/15
#   A5: 0,              0,             .1·4/5 = .08, 0             S = .08            R = .08
#   A6: .4·5/6 = 1/3,   .3·1/7 = 3/70, .1·2/5 = .04, .2·3/6 = .1   S = 79/210 + .14   R = 1/3
VIKOR_S = np.array([44 / 70, 23 / 30, 101 / 210 + 0.12, 13 / 42, 0.08, 79 / 210 + 0.14])
VIKOR_R = np.array([0.2, 0.4, 4 / 15, 2 / 15, 0.08, 1 / 3])


def vikor_s_r_by_hand(matrix, weights) -> tuple[np.ndarray, np.ndarray]:
    """S and R written out: the formula above in plain numpy (units on rows, criteria on columns)."""
    x, w = np.asarray(matrix, dtype=float), np.asarray(weights, dtype=float)
    best, worst = x.max(axis=0), x.min(axis=0)
    g = w * (best - x) / (best - worst)
    return g.sum(axis=1), g.max(axis=1)


def test_vikor_s_and_r_by_hand_agree_with_the_fractions(test_data):
    case = load(test_data, "vikor_papathanasiou2018")
    s, r = vikor_s_r_by_hand(case["matrix"], case["weights"])
    np.testing.assert_allclose(s, VIKOR_S, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r, VIKOR_R, rtol=0, atol=1e-12)
    # and Q from them, v = 0.625, is the book's Q (3 dp): the hand derivation is the book's method
    v = case["parameters"]["v"]
    q = v * (s - s.min()) / np.ptp(s) + (1 - v) * (r - r.min()) / np.ptp(r)
    np.testing.assert_allclose(q, case["expected"]["scores"], rtol=0, atol=case["tolerance"]["scores_abs"])


def test_vikor_papathanasiou2018_on_bare_arrays(test_data):
    """Q and ranking as printed in Papathanasiou & Ploskas (2018), 3 dp; S and R by hand (above)."""
    case = load(test_data, "vikor_papathanasiou2018")
    x, w, v = np.asarray(case["matrix"], float), np.array(case["weights"]), case["parameters"]["v"]
    tol = case["tolerance"]["scores_abs"]
    s, r, q = vikor_indices(x, w, v)
    np.testing.assert_allclose(q, case["expected"]["scores"], rtol=0, atol=tol)
    np.testing.assert_allclose(s, VIKOR_S, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r, VIKOR_R, rtol=0, atol=1e-12)
    score = Vikor(v=v).combine(x[None], w[:, None])[0, :, 0]
    np.testing.assert_allclose(score, 1 - q)  # Q is lower-is-better: the score is 1 − Q
    # A3 (0.693) and A6 (0.694) are 0.001 apart: the ranks must still come out exact
    assert competition_rank(score, axis=0).tolist() == case["expected"]["ranking"]


def test_vikor_papathanasiou2018_in_a_build(test_data):
    # The case uses raw values; VIKOR's (f* − f)/(f* − f−) is unchanged by the build's
    # per-indicator min-max, so the default normalisation reproduces it.
    case = load(test_data, "vikor_papathanasiou2018")
    v = case["parameters"]["v"]
    scores, ranks = case_build(case, Method(aggregate={"method": "vikor", "v": v}))
    np.testing.assert_allclose(1 - scores, case["expected"]["scores"], rtol=0,
                               atol=case["tolerance"]["scores_abs"])
    assert ranks.tolist() == case["expected"]["ranking"]
