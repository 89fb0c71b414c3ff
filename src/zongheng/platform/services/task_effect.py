"""What a task changed (整改成效): the indicator's trajectory from the run that showed the problem.

For a task whose problem points at an indicator of a region, the indicator's value and rank in the
run the problem came from, in every later run of the same framework (any year's version, by the
framework's key) that evaluated the region, and the new value given in the 销号 evidence; then a
verdict, 改善 / 持平 / 退步, read with the indicator's direction (lower is better for a 逆向指标).

The verdict rests on the latest later run when there is one: a run measures what was done. Before
the next run it rests on the evidence's new value, and says so (``basis`` ``evidence``): a value
the department reported, not yet measured by a run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.i18n import register_messages, text
from zongheng.platform.models import FrameworkVersion, Problem, Run, Task
from zongheng.platform.services import runs
from zongheng.platform.services.problem_rules import units_of

__all__ = ["Point", "Trajectory", "origin_run", "trajectory_of", "verdict"]

register_messages({
    "pf_effect_improved": ("改善", "improved"),
    "pf_effect_unchanged": ("持平", "unchanged"),
    "pf_effect_worse": ("退步", "worse"),
    "pf_effect_unknown": ("尚无后续数值", "no later value yet"),
    "pf_effect_basis_run": ("依据评价结果 #{run}（{period}）", "as measured by run #{run} ({period})"),
    "pf_effect_basis_evidence": ("依据销号佐证的新数值，尚待下次评价核实",
                                 "on the new value in the evidence, until the next run measures it"),
})

VERDICTS = ("improved", "unchanged", "worse", "unknown")


@dataclass(frozen=True)
class Point:
    """One value of the indicator: in a run (its period's value and rank), or given as evidence."""

    kind: str
    """``run`` or ``evidence``."""
    value: float | None
    verdict: str
    """Against the first point: ``improved``, ``unchanged``, ``worse`` or ``unknown``."""
    run_id: int | None = None
    period: str | None = None
    rank: int | None = None
    of: int | None = None
    """Units ranked on the indicator in that run."""
    approved: bool | None = None
    """The run used approved data only (a run's point); None for evidence."""
    at: datetime | None = None
    """When the run was made or the evidence given."""


@dataclass(frozen=True)
class Trajectory:
    """The indicator of a task's problem through the runs since it was found, and the verdict."""

    task_id: int
    region: str
    unit: str
    """The region as the runs name it."""
    indicator: str
    name: str
    measure: str
    direction: int
    """+1: higher is better; -1: lower is better."""
    points: list[Point]
    verdict: str
    basis: str | None
    """``run`` (the latest later run), ``evidence`` (the new value reported) or None (nothing yet)."""

    def verdict_text(self, lang: str | None = None) -> str:
        """Return the verdict as a word (改善 …) in ``lang``."""
        return text(f"pf_effect_{self.verdict}", lang)

    def basis_text(self, lang: str | None = None) -> str:
        """Return what the verdict rests on, in ``lang`` ('' when there is nothing yet)."""
        if self.basis == "run":
            last = next(p for p in reversed(self.points) if p.kind == "run")
            return text("pf_effect_basis_run", lang, run=last.run_id, period=last.period)
        return text("pf_effect_basis_evidence", lang) if self.basis == "evidence" else ""


def verdict(before: float | None, after: float | None, direction: int) -> str:
    """Say whether a value moved the good way: ``improved``, ``unchanged``, ``worse`` or ``unknown``.

    Examples
    --------
    >>> verdict(10.0, 12.0, 1), verdict(10.0, 12.0, -1), verdict(3.0, 3.0, -1), verdict(None, 1.0, 1)
    ('improved', 'worse', 'unchanged', 'unknown')
    """
    if before is None or after is None or math.isnan(before) or math.isnan(after):
        return "unknown"
    if math.isclose(before, after, rel_tol=1e-12, abs_tol=0.0):
        return "unchanged"
    return "improved" if (after - before) * direction > 0 else "worse"


def origin_run(db: Session, problem: Problem) -> Run | None:
    """Return the run a problem was first found in (``first_run`` of a rule's problem), else its run."""
    first = json.loads(problem.detail or "{}").get("first_run")
    run = db.get(Run, first) if isinstance(first, int) else None
    if run is None and problem.run_id is not None:
        run = db.get(Run, problem.run_id)
    return run


def _runs_since(db: Session, origin: Run, region: str) -> list[Run]:
    """Return the origin and every later run of the same framework that evaluated ``region``, in order."""
    key = select(FrameworkVersion.key).where(FrameworkVersion.id == origin.version_id).scalar_subquery()
    later = db.scalars(select(Run).join(FrameworkVersion, FrameworkVersion.id == Run.version_id)
                       .where(FrameworkVersion.key == key, Run.id > origin.id).order_by(Run.id)).all()
    # A run's regions are a JSON list (as in run_access.readable_runs): filtered here, as on both databases.
    return [origin, *(r for r in later if region in json.loads(r.regions))]


def _measured(db: Session, run: Run, region: str, indicator: str) -> tuple[float, int | None, int] | None:
    """Return the indicator's value, rank and ranked units in a run's period; None if the run lacks it."""
    unit = units_of(db, run, [region]).get(region)
    _, panel = runs.inputs_of(run)
    found = runs.results_of(run)
    if unit is None or indicator not in panel.indicators or indicator not in found.nodes:
        return None
    u, col = found.units.index(unit), found.nodes.index(indicator)
    rank = found.ranks[-1, u, col]
    return (float(panel.values[-1, panel.units.index(unit), panel.indicators.index(indicator)]),
            None if math.isnan(rank) else int(rank), int(np.isfinite(found.ranks[-1, :, col]).sum()))


def trajectory_of(db: Session, task: Task) -> Trajectory | None:
    """Return the trajectory of a task's indicator since its problem was found (整改成效).

    Parameters
    ----------
    db : Session
    task : Task
        A task whose problem names an indicator and the run it was found in. The caller has
        checked that the reader may see the task (:func:`.tasks.may`).

    Returns
    -------
    Trajectory or None
        The points in run order (the origin run first, its period's value as the baseline), then the
        evidence values in the order given; None when the problem has no indicator, no run, or the
        run does not hold the region's indicator.
    """
    problem = task.problem
    origin = origin_run(db, problem) if problem.indicator_code else None
    if origin is None:
        return None
    region, code = problem.region_code, problem.indicator_code
    framework, _ = runs.inputs_of(origin)
    indicator = next((i for i in framework.indicators if i.code == code), None)
    first = _measured(db, origin, region, code)
    if indicator is None or first is None:
        return None
    direction = int(indicator.direction)
    base = first[0]
    points: list[Point] = []
    for run in _runs_since(db, origin, region):
        measured = first if run is origin else _measured(db, run, region, code)
        if measured is None:
            continue
        value = None if math.isnan(measured[0]) else measured[0]
        points.append(Point("run", value, verdict(base, value, direction), run.id, run.period, measured[1],
                            measured[2], run.approved, run.created_at))
    for given in task.evidence:
        if given.new_value is not None:
            points.append(Point("evidence", given.new_value, verdict(base, given.new_value, direction),
                                at=given.added_at))
    later = [p for p in points[1:] if p.kind == "run"]
    given = [p for p in points if p.kind == "evidence"]
    last, basis = (later[-1], "run") if later else (given[-1], "evidence") if given else (None, None)
    unit = units_of(db, origin, [region])[region]
    return Trajectory(task.id, region, unit, code, indicator.name or code, indicator.unit or "", direction,
                      points, last.verdict if last is not None else "unknown", basis)
