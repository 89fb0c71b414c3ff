"""Build (构建): run a method on a panel and return the evaluation.

The pipeline is denominate → impute → screen → treat → normalise → (fill) →
weight and aggregate (level by level) → rank. Each step leaves a record (see
:mod:`zongheng.pipeline`), so a rebuild with one step changed starts from the
records before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from zongheng.evaluation import Evaluation
from zongheng.framework import Framework
from zongheng.method import Method
from zongheng.panel import Panel
from zongheng.pipeline import Keep, run_stages
from zongheng.validation import check_inputs

__all__ = ["build"]


def build(framework: Framework, panel: Panel, method: Method | Mapping | str | Path | None = None,
          *, keep: Keep = "all") -> Evaluation:
    """Build an evaluation (评价): scores and ranks of every node for every unit and period.

    Parameters
    ----------
    framework : Framework
    panel : Panel
        Values of the framework's indicators (as :func:`zongheng.read_panel`
        gives them); its indicators are put in the framework's order.
    method : Method, mapping, or path of a method YAML file, optional
        The default method: the framework's declared denominators, no
        imputation, min-max 0–100 pooled over periods, framework weights,
        weighted arithmetic mean. A mapping is read as the
        method's YAML form (``{"normalise": "zscore"}``).
    keep : {"all", "final"}, default "all"
        Keep every stage's data (``ev.stage("treated")`` …, and a rebuild
        that reuses them), or only the final scores: for large panels, where
        each kept stage costs as much memory as the data.

    Returns
    -------
    Evaluation

    Raises
    ------
    ZonghengError
        A clear error for arguments of the wrong type, a panel that lacks
        some of the framework's indicators, or an invalid method.

    Examples
    --------
    >>> import zongheng as zh
    >>> ds = zh.datasets.load("asem")
    >>> ev = zh.build(ds.framework, ds.panel, {"impute": "mean", "normalise": "zscore"})
    >>> ev.method.normalise.key
    'zscore'
    """
    framework, panel, method = check_inputs(framework, panel, method, keep=keep)
    records = run_stages(framework, panel, method, keep=keep)
    return Evaluation(framework, panel, method, tuple(records))
