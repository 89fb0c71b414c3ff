"""Every stage of a run (各阶段得分与排名): the data after each step, with its ranks, kept with the run.

A run keeps, besides its final scores, each stage of the library's pipeline
(:meth:`zongheng.evaluation.Evaluation.stage`): ``denominated``, ``imputed``, ``screened``,
``treated``, ``normalised`` (period, unit, indicator) and ``aggregated`` (period, unit, node),
each with its ranks over the units. They sit in the run's array archive, the ``.npz`` tail of its
results blob (:func:`zongheng.platform.services.packed.arrays`), beside the final scores: float64
scores exactly as the library computed them, ranks as small unsigned integers (0: unranked).

Ranks (排名) are the library's competition ranks (:func:`zongheng.steps.rank.competition_rank`)
over the units of each period: of the value times the indicator's direction before
normalisation (rank 1 is the best value, lower-is-better indicators included), of the stage's
value from normalisation on (already higher-is-better).

A stage equal to the one before it (``impute: none`` leaves the data as it was) is written
once: its entry says ``same_as`` the earlier stage, ``raw`` (the run's inputs) or ``scores``
(the final scores, which the results already hold). Runs made before stages were kept have no
tail: :func:`stages_of` returns None for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from zongheng.platform.services.packed import open_arrays, ranks_from, ranks_to, tail_of

if TYPE_CHECKING:
    from zongheng.evaluation import Evaluation
    from zongheng.panel import Panel
    from zongheng.platform.models import Run

__all__ = ["CSV_COLUMNS", "STAGES", "RunStages", "csv_chunks", "stage_arrays", "stage_ranks", "stages_of"]

STAGES = ("denominated", "imputed", "screened", "treated", "normalised", "aggregated")
"""The stages kept, in pipeline order (the names of :meth:`~zongheng.evaluation.Evaluation.stage`)."""

ORIENTED_FROM = "normalised"
"""From this stage on the values are higher-is-better; before it they are ranked by direction."""

FORMAT = 1
MANIFEST = "stages.manifest"

CSV_COLUMNS = ("stage", "period", "node", "unit", "score", "rank")
"""The columns of the tidy download (:func:`csv_chunks`)."""


def stage_ranks(values: np.ndarray, stage: str, directions: np.ndarray) -> np.ndarray:
    """Return the competition ranks over units (axis −2) of one stage's values (NaN: unranked)."""
    from zongheng.steps.rank import competition_rank

    if not _oriented(stage):
        values = values * directions   # rank 1: the best value, whichever way is better
    return competition_rank(values, axis=-2)


def _oriented(stage: str) -> bool:
    """Whether a stage's values are ranked as they are (from normalisation on, and the scores)."""
    return stage == "scores" or (stage in STAGES and STAGES.index(stage) >= STAGES.index(ORIENTED_FROM))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _raw_for(inputs_panel: Panel, evaluation: Evaluation) -> np.ndarray | None:
    """Return the run's input values in the evaluation's unit and indicator order, if they map."""
    return _reindex(inputs_panel.values, list(inputs_panel.units), list(inputs_panel.indicators),
                    list(evaluation.panel.units), list(evaluation.framework.indicator_codes))


def _reindex(values: np.ndarray, units: list, indicators: list, to_units: list, to_indicators: list
             ) -> np.ndarray | None:
    try:
        u = [units.index(x) for x in to_units]
        i = [indicators.index(x) for x in to_indicators]
    except ValueError:
        return None
    return values[:, u][:, :, i]


def stage_arrays(evaluation: Evaluation, inputs_panel: Panel) -> dict[str, np.ndarray]:
    """Return an evaluation's stages and their ranks as members of the run's array archive.

    ``inputs_panel`` is the panel the run keeps as its inputs: a stage equal to it is not
    written twice. Returns ``{}`` when the evaluation did not keep its stages (``keep="final"``).
    Members: ``stages.manifest`` (JSON text: the stages, what each equals, the axes), and
    ``stage.<name>.score`` / ``stage.<name>.rank`` for what is written out.
    """
    from zongheng.errors import MethodError

    directions = np.asarray(evaluation.framework.directions, dtype=np.float64)
    n_units = len(evaluation.panel.units)
    members: dict[str, np.ndarray] = {}
    entries: list[dict[str, Any]] = []
    raw = _raw_for(inputs_panel, evaluation)
    earlier: list[tuple[str, np.ndarray]] = []   # (name, values) of the stages seen, latest first
    if raw is not None and _same(raw, evaluation.panel.values):
        earlier.append(("raw", raw))
    for name in STAGES:
        try:
            values = np.asarray(evaluation.stage(name), dtype=np.float64)
        except MethodError:          # built with keep="final": the run keeps no stages
            return {}
        entry: dict[str, Any] = {"name": name, "same_as": None}
        if name == "aggregated" and _same(values, evaluation.scores):
            entry["same_as"] = "scores"
        elif earlier and _same(values, earlier[0][1]):
            entry["same_as"] = earlier[0][0]
        if entry["same_as"] is None:
            members[f"stage.{name}.score"] = values
        if entry["same_as"] in (None, "raw") or _oriented(name) != _oriented(entry["same_as"]):
            # an equal stage ranked the same way has equal ranks; "raw" has none of its own
            members[f"stage.{name}.rank"] = ranks_to(stage_ranks(values, name, directions), n_units)
        entries.append(entry)
        earlier.insert(0, (name, values))
    manifest = {"format": FORMAT, "stages": entries, "units": list(evaluation.panel.units),
                "periods": list(evaluation.panel.periods),
                "indicators": list(evaluation.framework.indicator_codes),
                "nodes": list(evaluation.node_codes)}
    members[MANIFEST] = np.array(json.dumps(manifest, ensure_ascii=False))
    return members


@dataclass(frozen=True)
class RunStages:
    """A run's stages: values and ranks per stage, shaped (period, unit, indicator or node)."""

    names: tuple[str, ...]
    units: tuple[str, ...]
    periods: tuple[Any, ...]
    indicators: tuple[str, ...]
    nodes: tuple[str, ...]
    scores: dict[str, np.ndarray]
    """Each stage's values (NaN where missing)."""
    ranks: dict[str, np.ndarray]
    """Each stage's competition ranks over units (NaN: unranked)."""
    same_as: dict[str, str | None]
    """What each stage was stored as equal to (``None``: written out)."""

    def columns(self, stage: str) -> tuple[str, ...]:
        """Return the codes of a stage's last axis: nodes for ``aggregated``, else indicators."""
        return self.nodes if stage == "aggregated" else self.indicators

    def rows(self, *, unit: str | None = None) -> Iterator[tuple[str, Any, str, str, float, float]]:
        """Yield (stage, period, node, unit, score, rank), stage by stage, optionally of one unit."""
        chosen = range(len(self.units)) if unit is None else [self.units.index(unit)]
        for stage in self.names:
            scores, ranks, codes = self.scores[stage], self.ranks[stage], self.columns(stage)
            for p, period in enumerate(self.periods):
                for u in chosen:
                    for c, code in enumerate(codes):
                        yield stage, period, code, self.units[u], scores[p, u, c], ranks[p, u, c]


def stages_of(run: Run) -> RunStages | None:
    """Return the stages a run kept (各阶段结果), or None for a run made before they were kept."""
    tail = tail_of(run.results)
    if not tail:
        return None
    with open_arrays(tail) as archive:
        if MANIFEST not in archive.files:
            return None
        manifest = json.loads(str(archive[MANIFEST]))
        stored = {k: archive[k] for k in archive.files if k.startswith("stage.")}
        final = {"scores": archive["results.scores"], "ranks": ranks_from(archive["results.ranks"])} \
            if any(e["same_as"] == "scores" for e in manifest["stages"]) else {}
    scores: dict[str, np.ndarray] = {}
    ranks: dict[str, np.ndarray] = {}
    same_as: dict[str, str | None] = {}
    for entry in manifest["stages"]:
        name, source = entry["name"], entry["same_as"]
        same_as[name] = source
        if source == "scores":
            scores[name], ranks[name] = final["scores"], final["ranks"]
            continue
        if source is None:
            scores[name] = stored[f"stage.{name}.score"]
        elif source == "raw":
            from zongheng.platform.services.runs import inputs_of

            _, panel = inputs_of(run)
            raw = _reindex(panel.values, list(panel.units), list(panel.indicators),
                           manifest["units"], manifest["indicators"])
            if raw is None:
                raise ValueError(f"run {run.id}: the stage {name} refers to inputs that do not map")
            scores[name] = raw
        else:
            scores[name] = scores[source]
        kept = stored.get(f"stage.{name}.rank")
        ranks[name] = ranks_from(kept) if kept is not None else ranks[source]
    return RunStages(tuple(same_as), tuple(manifest["units"]), tuple(manifest["periods"]),
                     tuple(manifest["indicators"]), tuple(manifest["nodes"]), scores, ranks, same_as)


def csv_chunks(stages: RunStages, *, unit: str | None = None) -> Iterator[str]:
    """Yield a tidy CSV of every stage (stage, period, node, unit, score, rank), one block at a time.

    One block per stage and period, so a national run streams without holding its whole table.
    Unit, node and period text that a spreadsheet would run as a formula gets its quote
    (:func:`zongheng.io.safe_cells.csv_cell`); scores are written in full (``repr``), so they
    read back as the very floats the library computed; a missing rank is an empty cell.

    Raises
    ------
    ValueError
        ``unit`` is not one of the run's units.
    """
    import pandas as pd

    from zongheng.io.safe_cells import csv_cell

    chosen = np.arange(len(stages.units)) if unit is None else np.array([stages.units.index(unit)])
    units = np.array([csv_cell(str(stages.units[u])) for u in chosen], dtype=object)
    yield ",".join(CSV_COLUMNS) + "\n"
    for stage in stages.names:
        codes = np.array([csv_cell(c) for c in stages.columns(stage)], dtype=object)
        scores, ranks = stages.scores[stage], stages.ranks[stage]
        for p, period in enumerate(stages.periods):
            block = pd.DataFrame({
                "stage": stage, "period": csv_cell(str(period)),
                "node": np.tile(codes, len(chosen)), "unit": np.repeat(units, len(codes)),
                "score": scores[p, chosen].ravel(),
                "rank": pd.array(ranks[p, chosen].ravel(), dtype="Float64").astype("Int64")})
            yield block.to_csv(index=False, header=False, lineterminator="\n")
