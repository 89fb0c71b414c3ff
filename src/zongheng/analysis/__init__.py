"""Analyses of an evaluation: coherence now; progress, ranking, gap, path and uncertainty next."""

from zongheng.analysis import coherence

__all__ = ["coherence"]
