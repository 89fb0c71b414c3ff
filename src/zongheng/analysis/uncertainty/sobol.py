"""Sobol sensitivity indices (Sobol 敏感性指数): which uncertain input moves the ranks.

First-order (S1) and total (ST) indices of each uncertain input — the
weights as one group, then each discrete choice — with bootstrap confidence
intervals, from SALib's estimators (Saltelli 2010, Jansen) on a Sobol design
drawn by :func:`~zongheng.analysis.uncertainty.sample` with ``sobol=True``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zongheng.analysis.uncertainty.evaluate import UncertaintyResult
from zongheng.errors import MethodError, Problem
from zongheng.i18n import register_messages

__all__ = ["SHIFT", "plot_sobol", "sobol", "sobol_indices"]

#: The output name of the mean absolute rank shift.
SHIFT = "mean_abs_shift"

register_messages({
    "unc_not_sobol": (
        "Sobol 指数需要 Sobol 抽样方案：请用 sample(..., sobol=True) 抽样",
        "Sobol indices need a Sobol design: draw the samples with sample(..., sobol=True)",
    ),
    "unc_not_tracked": (
        "单位 '{unit}' 的逐次排名没有保存；请在 evaluate 中传 track=['{unit}']",
        "the per-sample ranks of '{unit}' were not kept; pass track=['{unit}'] to evaluate",
    ),
    "unc_group_not_tracked": (
        "单位 '{unit}' 在 '{group}' 组内的逐次排名没有保存；请在 evaluate 中传 track=['{unit}'] 和 "
        "groups=['{group}']",
        "the per-sample ranks of '{unit}' within '{group}' were not kept; pass track=['{unit}'] and "
        "groups=['{group}'] to evaluate",
    ),
})


def sobol_indices(problem: dict[str, Any], y: np.ndarray, *, conf_level: float = 0.95,
                  num_resamples: int = 100, seed: int = 0) -> pd.DataFrame:
    """Return first-order and total Sobol indices of one output (SALib's ``sobol.analyze``).

    Parameters
    ----------
    problem : dict
        SALib's problem (``num_vars``, ``names``, ``bounds``, optional ``groups``).
    y : ndarray
        The output for each row of a Saltelli design drawn with
        ``calc_second_order=False``.
    conf_level, num_resamples, seed
        The bootstrap of the confidence intervals.

    Returns
    -------
    DataFrame
        ``input, S1, S1_conf, ST, ST_conf`` (one row per group when the problem
        has groups); NaN when the output does not vary. With a single input
        (one group), S1 = ST = 1 exactly, with no interval: all the variance
        of the output is that input's, by definition, so it is not estimated.
    """
    from SALib.analyze import sobol as salib_sobol

    y = np.asarray(y, dtype=np.float64)
    names = list(dict.fromkeys(problem.get("groups") or problem["names"]))
    if not np.isfinite(y).all() or np.ptp(y) == 0:
        nan = np.full(len(names), np.nan)
        return pd.DataFrame({"input": names, "S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan})
    if len(names) == 1:
        return pd.DataFrame({"input": names, "S1": [1.0], "S1_conf": [0.0], "ST": [1.0],
                             "ST_conf": [0.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's notes on sample sizes
        found = salib_sobol.analyze(problem, y, calc_second_order=False, conf_level=conf_level,
                                    num_resamples=num_resamples, seed=seed)
    total, first = found.to_df()
    frame = first.join(total)
    frame = frame.reindex(names)
    frame.index.name = "input"
    return frame.reset_index()[["input", "S1", "S1_conf", "ST", "ST_conf"]]


def sobol(result: UncertaintyResult, *, unit: str | None = None, group: str | None = None,
          conf_level: float = 0.95, num_resamples: int = 100, seed: int = 0) -> pd.DataFrame:
    """Return Sobol indices of each uncertain input on the ranks (Sobol 敏感性指数).

    Two outputs: the mean absolute rank shift of all units from their nominal
    ranks (``mean_abs_shift``), and, with ``unit``, that unit's rank
    (``rank:<unit>``; tracked by ``evaluate(track=[unit])``), or with ``group``
    too its rank within its group (``rank_in_<group>:<unit>``; tracked by
    ``evaluate(track=[unit], groups=[group])``).

    Returns
    -------
    DataFrame
        ``output, input, S1, S1_conf, ST, ST_conf``. S1 is the share of the
        output's variance due to the input alone, ST including its
        interactions; ``ST − S1`` large means the input matters through the
        others (e.g. geometric aggregation only after z-scores).
    """
    samples = result.samples
    if not samples.sobol or result.shift is None:
        raise MethodError([Problem("unc_not_sobol")])
    outputs = {SHIFT: result.shift}
    if unit is not None:
        code = unit if unit in result.units else (
            result.units[result.names.index(unit)] if unit in result.names else unit)
        if group is not None:
            if code not in result.tracked_in_group.get(group, {}):
                raise MethodError([Problem("unc_group_not_tracked", {"unit": unit, "group": group})])
            outputs[f"rank_in_{group}:{code}"] = result.tracked_in_group[group][code].astype(float)
        else:
            if code not in result.tracked:
                raise MethodError([Problem("unc_not_tracked", {"unit": unit})])
            outputs[f"rank:{code}"] = result.tracked[code].astype(float)
    frames = []
    for name, y in outputs.items():
        frame = sobol_indices(samples.problem, y, conf_level=conf_level, num_resamples=num_resamples,
                              seed=seed)
        frame.insert(0, "output", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def plot_sobol(table: pd.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """Draw the indices of :func:`sobol` as bars with their intervals and save a PNG.

    One panel per output; first-order and total index side by side per input.
    Needs matplotlib (installed with SALib).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(5 * len(outputs), 3.6), squeeze=False)
    for ax, output in zip(axes[0], outputs, strict=True):
        part = table[table["output"] == output]
        x = np.arange(len(part))
        ax.bar(x - 0.2, part["S1"], 0.4, yerr=part["S1_conf"], capsize=3, label="S1 (first order)")
        ax.bar(x + 0.2, part["ST"], 0.4, yerr=part["ST_conf"], capsize=3, label="ST (total)")
        ax.set_xticks(x, part["input"], rotation=30, ha="right")
        ax.set_ylim(0, max(1.0, float(np.nanmax(np.r_[part["ST"] + part["ST_conf"], 0]))))
        ax.set_title(output)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
