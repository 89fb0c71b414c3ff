"""Statistical coherence (统计一致性检验): correlations, Cronbach's alpha, PCA per parent.

These checks follow the OECD/JRC Handbook on Constructing Composite
Indicators (2008), §4 (multivariate analysis): an indicator should correlate
positively with its dimension and with the index; the children of one parent
should measure one thing (high Cronbach's alpha, one dominant principal
component).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from zongheng.evaluation import Evaluation

__all__ = ["correlations", "cronbach_alpha", "parent_correlations", "pca"]


def _scores(evaluation: Evaluation, period: Hashable | None) -> pd.DataFrame:
    """Return scores of every node (unit rows) for one period, or all periods stacked."""
    scores = evaluation.scores
    if period is not None:
        p = evaluation.panel.period_index(period)
        data = scores[p]
    else:
        data = scores.reshape(-1, scores.shape[-1])
    frame = pd.DataFrame(data, columns=list(evaluation.node_codes))
    return frame.dropna(how="all")


def correlations(evaluation: Evaluation, *, period: Hashable | None = None, level: int | None = None,
                 method: str = "pearson") -> pd.DataFrame:
    """Return the correlation matrix of nodes (指标相关性).

    Parameters
    ----------
    evaluation : Evaluation
    period : hashable, optional
        One period; all periods pooled by default.
    level : int, optional
        Only nodes of this level (1 = indicators, normalised); all nodes by default.
    method : {"pearson", "spearman"}

    Returns
    -------
    DataFrame
        Square, indexed by node code; pairwise complete observations.
    """
    frame = _scores(evaluation, period)
    if level is not None:
        frame = frame[[c for c in frame.columns if evaluation.framework.levels[c] == level]]
    return frame.corr(method=method)


def parent_correlations(evaluation: Evaluation, *, period: Hashable | None = None,
                        method: str = "pearson") -> pd.DataFrame:
    """Return each node's correlation with its parent and with the index (与上级、总指数的相关性).

    Returns
    -------
    DataFrame
        Columns ``node, level, parent, with_parent, with_index``; a node whose
        correlation with its parent is negative or weak is a candidate for
        review (the Handbook's rule of thumb is r < 0.3).
    """
    frame = _scores(evaluation, period)
    fw = evaluation.framework
    root = fw.root.code
    rows = []
    for node in fw.nodes:
        if node.parent is None:
            continue
        pair = frame[[node.code, node.parent]].corr(method=method).iloc[0, 1]
        with_index = frame[[node.code, root]].corr(method=method).iloc[0, 1]
        rows.append({"node": node.code, "level": fw.levels[node.code], "parent": node.parent,
                     "with_parent": pair, "with_index": with_index})
    return pd.DataFrame(rows)


def cronbach_alpha(evaluation: Evaluation, *, period: Hashable | None = None) -> pd.Series:
    """Return Cronbach's alpha of each parent's children (克朗巴哈系数).

    .. math:: \\alpha = \\frac{K}{K-1}\\left(1 - \\frac{\\sum_k \\sigma^2_k}{\\sigma^2_T}\\right)

    with :math:`K` children, :math:`\\sigma^2_k` the variance of child *k* and
    :math:`\\sigma^2_T` the variance of their sum, over units with every child
    known. Parents with one child get NaN.
    """
    frame = _scores(evaluation, period)
    out = {}
    for parent, children in evaluation.framework.children.items():
        data = frame[list(children)].dropna().to_numpy()
        k = data.shape[1]
        if k < 2 or data.shape[0] < 2:
            out[parent] = np.nan
            continue
        item_var = data.var(axis=0, ddof=1).sum()
        total_var = data.sum(axis=1).var(ddof=1)
        out[parent] = k / (k - 1) * (1 - item_var / total_var) if total_var > 0 else np.nan
    return pd.Series(out, name="cronbach_alpha")


def pca(evaluation: Evaluation, parent: str, *, period: Hashable | None = None
        ) -> tuple[pd.Series, pd.DataFrame]:
    """Return the principal components of one parent's children (主成分分析).

    PCA of the children's correlation matrix over units with every child known.

    Returns
    -------
    explained : Series
        Share of variance explained by each component (PC1, PC2, …), descending.
    loadings : DataFrame
        Children × components: eigenvectors scaled by the square root of their
        eigenvalues (correlations between children and components); the sign is
        fixed so that each component's loadings sum to a non-negative number.
    """
    children = list(evaluation.framework.children[parent])
    data = _scores(evaluation, period)[children].dropna()
    corr = np.corrcoef(data.to_numpy(), rowvar=False)
    values, vectors = np.linalg.eigh(np.atleast_2d(corr))
    order = np.argsort(values)[::-1]
    values, vectors = np.clip(values[order], 0, None), vectors[:, order]
    vectors = vectors * np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)
    names = [f"PC{i + 1}" for i in range(len(values))]
    explained = pd.Series(values / values.sum(), index=names, name="explained")
    loadings = pd.DataFrame(vectors * np.sqrt(values), index=children, columns=names)
    return explained, loadings
