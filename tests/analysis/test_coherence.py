import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.analysis.coherence import correlations, cronbach_alpha, parent_correlations, pca
from zongheng.testing import make_framework, make_panel


@pytest.fixture
def ev():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b", "c"], "D2": ["d", "e"]})
    # a, b rise together; c is their mirror; d and e are unrelated to D1.
    values = [[0, 0, 4, 1, 3], [1, 2, 3, 3, 1], [2, 4, 2, 0, 0], [3, 6, 1, 2, 4], [4, 8, 0, 4, 2]]
    return zh.build(fw, make_panel(fw, values))


def test_cronbach_alpha_by_hand(ev):
    normalised = ev.stage("normalised")[0]
    items = normalised[:, :3]  # a, b, c of D1
    k = 3
    expected = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    alpha = cronbach_alpha(ev)
    assert alpha["D1"] == pytest.approx(expected)
    assert alpha["D1"] < 0.5  # c pulls against a and b


def test_parent_correlations_flag_the_mirrored_indicator(ev):
    table = parent_correlations(ev).set_index("node")
    assert table.loc["a", "with_parent"] > 0.5
    assert table.loc["c", "with_parent"] < 0
    assert table.loc["a", "parent"] == "D1" and table.loc["D1", "level"] == 2


def test_correlations_within_a_level(ev):
    corr = correlations(ev, level=1)
    assert corr.shape == (5, 5)
    assert corr.loc["a", "b"] == pytest.approx(1.0)
    assert corr.loc["a", "c"] == pytest.approx(-1.0)
    spearman = correlations(ev, level=1, method="spearman", period=2020)
    assert spearman.loc["a", "c"] == pytest.approx(-1.0)


def test_pca_of_collinear_children_has_one_component(ev):
    explained, loadings = pca(ev, "D1")
    assert explained.iloc[0] == pytest.approx(1.0)
    assert explained.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(np.abs(loadings["PC1"]), 1.0)
    assert loadings.loc["a", "PC1"] == pytest.approx(-loadings.loc["c", "PC1"])
    assert isinstance(loadings, pd.DataFrame) and list(loadings.index) == ["a", "b", "c"]
