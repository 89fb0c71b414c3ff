"""Aggregate (加权汇总): combine children into their parent, level by level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zongheng.steps.base import Context, Step, register

__all__ = ["Aggregator", "Arithmetic"]


@dataclass(frozen=True)
class Aggregator(Step):
    """Base of aggregation steps: ``combine`` maps children to parents for one level."""

    stage = "aggregate"

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return parent scores from child scores.

        Parameters
        ----------
        values : ndarray, shape (..., period, unit, node)
            Scores of every node (columns in ``ctx.framework.node_codes`` order);
            those not yet computed are NaN. Higher is better on every column.
        weights : ndarray, shape (node, parent)
            Column *m* holds the weights of parent *m*'s children (positive),
            zero for every other node.
        ctx : Context, optional
            For messages that name nodes (``ctx.framework.node_codes``); absent
            when the kernel is called on bare arrays.

        Returns
        -------
        ndarray, shape (..., period, unit, parent)
        """
        raise NotImplementedError


@register
@dataclass(frozen=True)
class Arithmetic(Aggregator):
    """Weighted arithmetic mean (加权算术平均).

    .. math:: s_{parent} = \\frac{\\sum_c w_c x_c}{\\sum_{c:\\,x_c \\text{ known}} w_c}

    A missing child is left out and the weights of the others are rescaled
    (COINr's default); a parent with no known child is missing. One matrix
    product per level, so a batch of units and periods costs one call.
    """

    key = "arithmetic"

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return the weighted mean of the known children of each parent."""
        known = ~np.isnan(values)
        numerator = np.where(known, values, 0.0) @ weights
        denominator = known.astype(np.float64) @ weights
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denominator > 0, numerator / denominator, np.nan)
