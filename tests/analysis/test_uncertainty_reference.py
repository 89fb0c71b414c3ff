"""The vectorised engine against a straightforward loop: one zongheng.build per sample."""

import numpy as np
import pytest

import zongheng as zh
from zongheng.analysis.uncertainty import UncertaintySpec, WeightPerturbation, analyse, evaluate, sample
from zongheng.steps.weight import GivenWeights
from zongheng.testing import make_framework, make_panel

TREE = {"I": ["D1", "D2"], "D1": ["P1", "P2"], "P1": ["a", "b"], "P2": ["c"], "D2": ["d", "e", "f"]}


def _case(seed=3, n_units=14):
    """An unbalanced tree (D2 holds indicators, D1 pillars), two periods, outliers, two gaps."""
    fw = make_framework(TREE, directions={"e": "-"},
                        weights={"D1": 2.0, "P1": 1.5, "a": 2.0, "d": 0.5})
    rng = np.random.default_rng(seed)
    values = rng.lognormal(2.0, 0.3, size=(2, n_units, 6))
    values[1, 3, 0] *= 8  # outliers for the winsorisation
    values[0, 5, 4] *= 6
    values[1, 7, 2] = np.nan  # gaps for the imputation
    values[0, 2, 5] = np.nan
    panel = make_panel(fw, values, groups={"g": ["x", "y"] * (n_units // 2)})
    method = zh.Method(impute="mean", treat={"method": "winsorise", "max_points": 2},
                       normalise={"method": "minmax", "low": 1, "high": 100})
    return zh.build(fw, panel, method)


def _reduced(ev, code):
    """The framework and panel without one indicator (and a parent left empty), written plainly."""
    fw = ev.framework
    gone = {code}
    changed = True
    while changed:
        changed = False
        for parent, kids in fw.children.items():
            if parent not in gone and all(k in gone for k in kids):
                gone.add(parent)
                changed = True
    tree = {p: [k for k in kids if k not in gone] for p, kids in TREE.items() if p not in gone}
    weights = {n.code: n.weight for n in fw.nodes if n.code not in gone}
    small = make_framework(tree, directions={"e": "-"}, weights=weights)
    cols = [fw.indicator_codes.index(c) for c in small.indicator_codes]
    panel = make_panel(small, ev.panel.values[..., cols], units=ev.panel.units,
                       groups={"g": list(ev.panel.group("g"))})
    return small, panel


def _loop(ev, samples):
    """Rank the index of the last period with one build per sample (GivenWeights for weights)."""
    lay = samples.layout
    parts = [samples.chunk(k) for k in range(samples.n_chunks)]
    choices = np.concatenate([c for c, _ in parts])
    mult = np.concatenate([m for _, m in parts])
    ranks = np.full((samples.n, len(ev.panel.units)), np.nan)
    for i in range(samples.n):
        changes, fw, panel = {}, ev.framework, ev.panel
        for j, stage in enumerate(lay.stages):
            choice = lay.choices[j][choices[i, j]]
            if stage == "exclude":
                if choice is not None:
                    fw, panel = _reduced(ev, choice)
            else:
                changes[stage] = choice
        weights = {node: fw.node(node).weight * mult[i, col]
                   for col, node in enumerate(lay.weight_nodes) if node in fw.by_code}
        method = ev.method.replace(**changes, weight=GivenWeights(weights))
        ranks[i] = zh.build(fw, panel, method).ranks[-1, :, -1]
    return ranks


def _counts(ranks, n_units):
    counts = np.zeros((n_units, n_units + 1), dtype=np.int64)
    for row in ranks:
        for u, r in enumerate(row):
            if np.isfinite(r):
                counts[u, int(r)] += 1
    return counts


def test_engine_equals_one_build_per_sample():
    ev = _case()
    spec = UncertaintySpec(
        weights=[WeightPerturbation(levels=(2, 4), spread=0.4),
                 WeightPerturbation(levels=(3,), kind="dirichlet", concentration=20)],
        normalise=[{"method": "minmax", "low": 1, "high": 100}, {"method": "zscore", "mean": 10, "sd": 2}],
        aggregate=["arithmetic", "geometric", {2: "geometric", 3: "arithmetic", 4: "harmonic"},
                   {2: "minimum", 3: "topsis", 4: "arithmetic"},
                   {2: "arithmetic", 3: {"method": "generalised", "p": 2}, 4: "geometric"}],
        treat={"method": "winsorise", "vary": {"max_points": [1, 3]}},
        impute=["nominal", "median"],
        exclude="indicators",
    )
    samples = sample(ev, spec, 300, seed=11, chunk_size=128)
    result = evaluate(ev, spec, samples, groups=["g"], track=["U3"], keep=True, batch=17)
    ranks = _loop(ev, samples)
    expected = _counts(ranks, len(ev.panel.units))
    np.testing.assert_array_equal(result.counts, expected)
    # every combination was built once, not once per sample
    frame = samples.to_frame()
    assert result.combinations == len({tuple(r) for r in frame.iloc[:, :5].to_numpy()})
    assert frame["aggregate"].nunique() == 5 and frame["exclude"].nunique() == 7
    nominal = ev.ranks[-1, :, -1]
    np.testing.assert_array_equal(result.nominal_rank, nominal)
    np.testing.assert_allclose(result.shift, np.abs(ranks - nominal).mean(axis=1), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.tracked["U3"], ranks[:, 3])
    table = analyse(result, top=3).table.set_index("unit")
    for u, code in enumerate(ev.panel.units):
        r = ranks[:, u]
        assert table.loc[code, "median_rank"] == np.quantile(r, 0.5, method="inverted_cdf")
        assert table.loc[code, "q05"] == np.quantile(r, 0.05, method="inverted_cdf")
        assert table.loc[code, "q95"] == np.quantile(r, 0.95, method="inverted_cdf")
        assert table.loc[code, "p_top"] == pytest.approx(np.mean(r <= 3), abs=1e-12)
        assert table.loc[code, "mean_abs_shift"] == pytest.approx(np.mean(np.abs(r - nominal[u])))


def test_group_ranks_equal_the_loop():
    ev = _case(seed=5)
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2, 3, 4), spread=0.5)],
                           aggregate=["arithmetic", "geometric"])
    samples = sample(ev, spec, 120, seed=2)
    result = evaluate(ev, spec, samples, groups=["g"])
    lay = samples.layout
    choices, mult = samples.chunk(0)
    labels = ev.panel.group("g")
    expected = np.zeros_like(result.group_counts["g"])
    for i in range(samples.n):
        weights = {node: ev.framework.node(node).weight * mult[i, col]
                   for col, node in enumerate(lay.weight_nodes)}
        method = ev.method.replace(aggregate=lay.choices[0][choices[i, 0]], weight=GivenWeights(weights))
        ranks = zh.build(ev.framework, ev.panel, method).group_ranks("g")[-1, :, -1]
        for u, r in enumerate(ranks):
            expected[u, int(r)] += 1
    np.testing.assert_array_equal(result.group_counts["g"], expected)
    np.testing.assert_array_equal(result.nominal_group_rank["g"], ev.group_ranks("g")[-1, :, -1])
    assert set(labels) == {"x", "y"}
