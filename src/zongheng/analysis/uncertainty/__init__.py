"""Uncertainty and sensitivity of ranks (排名的不确定性与敏感性分析).

How sure is a rank? The uncertain inputs of the method (weights,
normalisation, aggregation, outlier treatment, imputation, one node left out)
are sampled; every sample is ranked; the ranks of each unit are summarised as
a median, a 5–95 % interval, the probability of a rank ≤ k and the mean
absolute shift from the nominal rank; Sobol indices say which input moves
the ranks most. SALib-shaped::

    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(3, 4), spread=0.25)],
                           aggregate=["arithmetic", "geometric"])
    samples = sample(ev, spec, 100_000, seed=1)
    result = evaluate(ev, spec, samples)
    report = analyse(result, unit="永康市", top=2)

See ``docs/uncertainty.md``.
"""

from zongheng.analysis.uncertainty.analyse import UncertaintyReport, analyse, rank_quantile
from zongheng.analysis.uncertainty.engine import competition_ranks
from zongheng.analysis.uncertainty.evaluate import UncertaintyResult, evaluate
from zongheng.analysis.uncertainty.sample import Samples, sample
from zongheng.analysis.uncertainty.sobol import plot_sobol, sobol, sobol_indices
from zongheng.analysis.uncertainty.spec import (
    Exclusion,
    UncertaintySpec,
    WeightPerturbation,
    default_spec,
    read_spec,
)

__all__ = [
    "Exclusion",
    "Samples",
    "UncertaintyReport",
    "UncertaintyResult",
    "UncertaintySpec",
    "WeightPerturbation",
    "analyse",
    "competition_ranks",
    "default_spec",
    "evaluate",
    "plot_sobol",
    "rank_quantile",
    "read_spec",
    "sample",
    "sobol",
    "sobol_indices",
]
