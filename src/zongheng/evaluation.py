"""Evaluation (评价结果): everything a build produced, and how.

Scores and ranks of every node (indicators, dimensions, the index) for every
unit and period, each stage's data, the effective weights, what each step did,
and the method, so that the result can be reproduced or rebuilt with one
stage changed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.framework import Framework
from zongheng.frozen import FrozenMap, freeze_array
from zongheng.i18n import register_messages
from zongheng.method import Method
from zongheng.panel import Panel
from zongheng.pipeline import StageRecord, first_changed, replay, run_stages
from zongheng.steps.rank import competition_rank, group_rank
from zongheng.steps.stages import AggregateStage
from zongheng.steps.treat import TreatState

if TYPE_CHECKING:  # pandas is imported where a table is made: building never needs it
    import pandas as pd

__all__ = ["Evaluation"]

register_messages({
    "ev_unknown_record": (
        "评价中没有阶段 '{stage}'（已有: {known}）{hint}",
        "the evaluation has no stage '{stage}' (found: {known}){hint}",
    ),
    "ev_stage_not_kept": (
        "阶段 '{stage}' 的数据未保留（构建时 keep=\"final\"）：用 keep=\"all\" 重新构建以查看各阶段数据",
        "the data of stage '{stage}' was not kept (built with keep=\"final\"); build with "
        "keep=\"all\" to see every stage",
    ),
})


def rank_all(scores: np.ndarray, panel: Panel) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rank every node over units, overall and within each group column (read-only arrays)."""
    overall = freeze_array(competition_rank(scores, axis=-2), owned=True)
    groups = {g: freeze_array(group_rank(scores, panel.group(g), axis=-2), owned=True)
              for g in panel.groups}
    return overall, groups


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The result of :func:`zongheng.build`.

    Attributes
    ----------
    framework, panel, method
        What was built, from what, and how.
    trace : tuple of StageRecord
        One record per step of ``method.plan()``: step, learned state, output.
    """

    framework: Framework
    panel: Panel
    method: Method
    trace: tuple[StageRecord, ...]

    # -- arrays ------------------------------------------------------------
    @property
    def node_codes(self) -> tuple[str, ...]:
        """Return the columns of :attr:`scores`: indicators, then aggregates by level."""
        return self.framework.node_codes

    @property
    def scores(self) -> np.ndarray:
        """Return scores of every node, shaped (period, unit, node); indicators normalised."""
        return self.trace[-1].output

    @cached_property
    def _ranks(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return rank_all(self.scores, self.panel)

    @property
    def ranks(self) -> np.ndarray:
        """Return competition ranks (1, 2, 2, 4) of every node over all units (read-only)."""
        return self._ranks[0]

    def group_ranks(self, group: str) -> np.ndarray:
        """Return ranks of every node within each unit's group of a group column."""
        return self._ranks[1][group]

    def stage(self, name: str) -> np.ndarray:
        """Return a stage's data by name.

        Names: ``raw``, ``denominated``, ``imputed``, ``screened``, ``treated``,
        ``normalised`` (period, unit, indicator) or ``aggregated`` (period, unit, node).
        """
        if name == "raw":
            return self.panel.values
        if name not in _STAGE_NAMES:
            raise KeyError(f"unknown stage {name!r}; known: raw, {', '.join(_STAGE_NAMES)}")
        # "normalised" is what enters aggregation: after a fill of normalised values, if any.
        for key in _STAGE_NAMES[name]:
            for record in self.trace:
                if record.stage == key:
                    if record.output is None:
                        raise MethodError([Problem("ev_stage_not_kept", {"stage": name})])
                    return record.output
        raise KeyError(f"unknown stage {name!r}; known: raw, {', '.join(_STAGE_NAMES)}")

    def record(self, stage: str) -> StageRecord:
        """Return the trace record of a stage (e.g. ``"treat"``).

        Raises
        ------
        KeyError
            Naming the stages the trace has (``"weight"`` is part of ``"aggregate"``).
        """
        for r in self.trace:
            if r.stage == stage:
                return r
        known = [r.stage for r in self.trace]
        from zongheng.validation import closest

        hint = closest(stage, known) or (closest("aggregate", ["aggregate"]) if stage == "weight"
                                         else "")
        raise KeyError(Problem("ev_unknown_record", {"stage": stage, "known": ", ".join(known),
                                                     "hint": hint}).message())

    @property
    def aggregation(self) -> AggregateStage:
        """Return the weighting-and-aggregation step of the build."""
        return self.record("aggregate").step

    @cached_property
    def weights(self) -> FrozenMap:
        """Return each node's weight within its parent, as used (read-only)."""
        return FrozenMap(self.record("aggregate").state.weights_)

    def levels(self) -> list:
        """Return each aggregation level with its aggregator and fixed weight matrix, bottom up."""
        return self.aggregation.levels(self.framework, self.weights)

    @cached_property
    def effective_weights(self) -> pd.Series:
        """Return each indicator's share of the index under arithmetic aggregation."""
        import pandas as pd

        return pd.Series(self.framework.effective_weights(self.weights), name="effective_weight")

    # -- what the steps did -------------------------------------------------
    @cached_property
    def screened(self) -> pd.DataFrame:
        """Return the units screened out, with their data availability, per period."""
        import pandas as pd

        state = self.record("screen").state
        included = state.included_
        rows = []
        if included is not None:
            availability = state.availability_
            for p, u in zip(*np.nonzero(~included), strict=True):
                rows.append({"period": self.panel.periods[p], "unit": self.panel.units[u],
                             "availability": None if availability is None
                             else float(availability[p, u])})
        return pd.DataFrame(rows, columns=["period", "unit", "availability"])

    @cached_property
    def treated(self) -> pd.DataFrame:
        """Return the treated indicators: points winsorised, log fallback, and each changed point."""
        import pandas as pd

        state = self.record("treat").state
        if not isinstance(state, TreatState):
            return pd.DataFrame(columns=["indicator", "scope_group", "winsorised", "log"])
        rows = []
        n = state.winsorised_
        for g, i in zip(*np.nonzero((n > 0) | state.log_), strict=True):
            rows.append({"indicator": self.framework.indicator_codes[i], "scope_group": int(g),
                         "winsorised": int(n[g, i]), "log": bool(state.log_[g, i])})
        return pd.DataFrame(rows, columns=["indicator", "scope_group", "winsorised", "log"])

    @cached_property
    def changed_points(self) -> pd.DataFrame:
        """Return every value the treatment changed: unit, period, indicator, before, after."""
        import pandas as pd

        before, after = self.stage("screened"), self.stage("treated")
        changed = ~np.isclose(before, after, equal_nan=True, rtol=0, atol=0)
        p, u, i = np.nonzero(changed)
        return pd.DataFrame({
            "period": [self.panel.periods[k] for k in p],
            "unit": [self.panel.units[k] for k in u],
            "indicator": [self.framework.indicator_codes[k] for k in i],
            "before": before[p, u, i], "after": after[p, u, i],
        })

    # -- rebuild -----------------------------------------------------------
    def rebuild(self, method: Method | None = None, **changes: Any) -> Evaluation:
        """Rebuild with another method or some stages changed, reusing the stages before.

        ``changes`` apply to ``method`` when it is given, else to this
        evaluation's method; stages whose data was not kept are recomputed.

        Examples
        --------
        >>> import zongheng as zh
        >>> ds = zh.datasets.load("asem")
        >>> ev = zh.build(ds.framework, ds.panel, ds.method)
        >>> ev2 = ev.rebuild(normalise={"method": "minmax", "high": 1})
        >>> ev2.record("treat") is ev.record("treat")  # stages before normalise are reused
        True
        >>> round(float(ev2.ranking()["Index"].iloc[0]), 4)
        0.6838
        """
        from zongheng.validation import check_method

        new = check_method(method) if method is not None else self.method
        if changes:
            new = new.replace(**changes)
        keep = first_changed(self.method, new)
        while keep > 0 and self.trace[keep - 1].output is None:
            keep -= 1  # a stage kept without its data cannot be continued from
        records = run_stages(self.framework, self.panel, new, self.trace[:keep])
        return Evaluation(self.framework, self.panel, new, tuple(records))

    def replay(self, values: np.ndarray) -> np.ndarray:
        """Score other raw values with this build's learned parameters held fixed.

        See :func:`zongheng.pipeline.replay`; leading batch axes score many
        candidate panels in one pass. Use :meth:`with_values` to refit instead.
        """
        return replay(self.framework, self.panel, self.method, self.trace, values)

    def with_values(self, values: np.ndarray) -> Evaluation:
        """Return a full rebuild (every parameter learned again) with other raw values."""
        panel = self.panel.with_values(values)
        return Evaluation(self.framework, panel, self.method,
                          tuple(run_stages(self.framework, panel, self.method)))

    # -- the 纵横 analyses, where a user looks for them ----------------------
    def progress(self, **options: Any) -> pd.DataFrame:
        """纵向比进步: every unit against its own past.

        See :func:`zongheng.analysis.progress.progress`.
        """
        from zongheng.analysis.progress import progress

        return progress(self, **options)

    def strengths(self, unit: str, **options: Any) -> pd.DataFrame:
        """找问题: a unit's strengths, weaknesses and declines.

        See :func:`zongheng.analysis.strengths.strengths`.
        """
        from zongheng.analysis.strengths import strengths

        return strengths(self, unit, **options)

    def gap(self, unit: str, **options: Any) -> Any:
        """找差距: the gap to a peer or target, per indicator; see :func:`zongheng.analysis.gap.gap`."""
        from zongheng.analysis.gap import gap

        return gap(self, unit, **options)

    def path(self, unit: str, target_rank: int, **options: Any) -> Any:
        """找路径: the least change that reaches a target rank; see :func:`zongheng.analysis.path.path`."""
        from zongheng.analysis.path import path

        return path(self, unit, target_rank, **options)

    def whatif(self, changes: Any, **options: Any) -> Any:
        """情景模拟: every unit's score and rank after some values change.

        See :func:`zongheng.analysis.whatif.whatif`.
        """
        from zongheng.analysis.whatif import whatif

        return whatif(self, changes, **options)

    # -- looking up units and periods ---------------------------------------
    def unit_position(self, unit: object, *, key: str = "unit") -> int:
        """Return a unit's position, given by code or by its name when that is unique.

        Raises
        ------
        MethodError
            Naming the unit (at ``key``) and listing a few known units.
        """
        code = str(int(unit)) if isinstance(unit, float) and unit.is_integer() else str(unit).strip()
        units = self.panel.units
        if code in units:
            return units.index(code)
        names = self.panel.names()
        if names.count(code) == 1:
            return names.index(code)
        if names.count(code) > 1:  # a name shared by two units cannot pick one: say so
            same = [u for u, n in zip(units, names, strict=True) if n == code]
            raise MethodError([Problem("ambiguous_unit", {"unit": unit, "codes": ", ".join(same[:8])},
                                       key=key)])
        known = ", ".join(units[:8]) + (f" … ({len(units)})" if len(units) > 8 else "")
        raise MethodError([Problem("unknown_unit", {"unit": unit, "known": known}, key=key)])

    def period_position(self, period: Hashable | None = None, *, key: str = "period") -> int:
        """Return a period's position, the last when ``period`` is None.

        Raises
        ------
        MethodError
            Naming the period (at ``key``) and listing the periods of the data.
        """
        if period is None:
            return len(self.panel.periods) - 1
        try:
            return self.panel.period_index(period)
        except KeyError:
            raise MethodError([Problem("method_unknown_period", {
                "period": period, "found": ", ".join(map(str, self.panel.periods))}, key=key)]) from None

    # -- tables ------------------------------------------------------------
    def ranking_columns(self, period: Hashable | None = None, *,
                        group: str | None = None) -> dict[str, np.ndarray]:
        """Return the ranking table of :meth:`ranking` as plain columns (numpy arrays, no pandas).

        Same columns and row order; missing ranks are NaN. What a caller that
        only prints or serialises the table uses (the command line).
        """
        p = self.period_position(period)
        codes = [self.framework.root.code, *self.framework.dimensions]
        cols = [self.node_codes.index(c) for c in codes]
        index_scores = self.scores[p, :, cols[0]]
        # Only the index is ranked here: ranking every node (``ranks``) costs far more.
        rank = competition_rank(index_scores, axis=0)
        units = np.asarray(self.panel.units, dtype=object)
        # Sorted by rank (missing last), then by unit code, as a stable two-key sort.
        order = np.lexsort((units, np.where(np.isnan(rank), np.inf, rank)))
        table: dict[str, np.ndarray] = {"rank": rank[order]}
        if group is not None:
            table[f"rank_in_{group}"] = group_rank(index_scores, self.panel.group(group), axis=0)[order]
        table["unit"] = units[order]
        if group is not None:
            table[group] = self.panel.group(group)[order]
        table["name"] = np.asarray(self.panel.names(), dtype=object)[order]
        for code, c in zip(codes, cols, strict=True):
            table[code] = self.scores[p, order, c]
        return table

    def ranking(self, period: Hashable | None = None, *, group: str | None = None) -> pd.DataFrame:
        """Return the ranking table of one period (the last by default).

        Columns: rank, group rank (when ``group`` is given), unit, name, the
        index score and the score of each top-level dimension; sorted by rank.
        """
        import pandas as pd

        table = pd.DataFrame(self.ranking_columns(period, group=group))
        table["rank"] = pd.array(table["rank"], dtype="Float64").astype("Int64")
        if group is not None:
            table[f"rank_in_{group}"] = pd.array(table[f"rank_in_{group}"], dtype="Float64").astype("Int64")
        return table

    def to_frame(self) -> pd.DataFrame:
        """Return scores tidy: ``unit, period, node, level, score, rank`` (+ group ranks).

        Indicators appear with their normalised values at level 1.
        """
        import pandas as pd

        n_p, n_u, n_n = self.scores.shape
        shape = (n_p, n_u, n_n)
        # Unit, period and node are categoricals over the axes: a tidy table of a million
        # rows then holds codes, not a million strings (10× faster to make, far smaller).
        p = np.broadcast_to(np.arange(n_p, dtype=np.int32)[:, None, None], shape).ravel()
        u = np.broadcast_to(np.arange(n_u, dtype=np.int32)[None, :, None], shape).ravel()
        k = np.broadcast_to(np.arange(n_n, dtype=np.int32)[None, None, :], shape).ravel()
        levels = np.array([self.framework.levels[c] for c in self.node_codes])
        frame = pd.DataFrame({
            "unit": pd.Categorical.from_codes(u, categories=pd.Index(self.panel.units)),
            "period": pd.Categorical.from_codes(p, categories=pd.Index(self.panel.periods),
                                                ordered=True),
            "node": pd.Categorical.from_codes(k, categories=pd.Index(self.node_codes)),
            "level": levels[k],
            "score": self.scores.ravel(),
            "rank": _int_ranks(self.ranks.ravel()),
        })
        for g in self.panel.groups:
            frame[f"rank_in_{g}"] = _int_ranks(self.group_ranks(g).ravel())
        return frame

    def stage_frame(self, name: str, period: Hashable | None = None) -> pd.DataFrame:
        """Return one stage's data of one period as a table: a row per unit, a column per node."""
        import pandas as pd

        p = self.period_position(period)
        data = self.stage(name)[p]
        columns = self.node_codes if name == "aggregated" else self.framework.indicator_codes
        frame = pd.DataFrame(data, index=pd.Index(self.panel.units, name="unit"), columns=columns)
        return frame

    def __repr__(self) -> str:
        n_p, n_u, n_i = self.panel.shape
        return (f"Evaluation({n_u} units × {n_p} periods × {n_i} indicators, "
                f"method={self.method.to_dict()})")


def _int_ranks(ranks: np.ndarray) -> Any:
    """Return float ranks (NaN: unranked) as a nullable integer array."""
    import pandas as pd

    missing = np.isnan(ranks)
    return pd.arrays.IntegerArray(np.where(missing, 0, ranks).astype(np.int64), missing)


_STAGE_NAMES = {"denominated": ("denominate",), "imputed": ("impute",), "screened": ("screen",),
                "treated": ("treat",), "normalised": ("fill", "normalise"),
                "aggregated": ("aggregate",)}
