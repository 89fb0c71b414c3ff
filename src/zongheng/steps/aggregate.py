"""Aggregate (加权汇总): combine children into their parent, level by level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zongheng.steps.base import Step, register

__all__ = ["Aggregator", "Arithmetic"]


@dataclass(frozen=True)
class Aggregator(Step):
    """Base of aggregation steps: ``combine`` maps children to parents for one level."""

    stage = "aggregate"

    def combine(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Return parent scores from child scores.

        Parameters
        ----------
        values : ndarray, shape (..., unit, child)
            Scores of every node computed so far.
        weights : ndarray, shape (child, parent)
            Column *m* holds the weights of parent *m*'s children, zero elsewhere.
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

    def combine(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Return the weighted mean of the known children of each parent."""
        known = ~np.isnan(values)
        numerator = np.where(known, values, 0.0) @ weights
        denominator = known.astype(np.float64) @ weights
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denominator > 0, numerator / denominator, np.nan)
