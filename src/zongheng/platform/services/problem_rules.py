"""Problems a run shows (问题清单): five rules over a finished evaluation run, recorded as problems.

Each rule reads the run's own record (:func:`.runs.inputs_of`, :func:`.runs.results_of`) for the
chosen regions and says which indicators of which unit need work:

================  ===========================================================================
source            fires when
================  ===========================================================================
``weakest``       the indicator is among the unit's ``k`` worst-ranked (短板): rank among the
                  run's units, ties broken by the lower normalised score, then framework order;
                  an indicator the unit leads (rank 1) is no 短板
``decline``       its value moved against the indicator's direction, or its rank fell, since the
                  run's previous period (退步)
``below_target``  a framework with targets judges it not attained (未达标), by the library's
                  attainment table on the indicators the dashboard judges by target
``red_light``     the dashboard's scorecard shows it red (红灯): the very lights of
                  :func:`.dashboard.scorecard`, among the peers the dashboard shows by default
``path_lever``    it is one of the changes of the path to the target rank (路径抓手): the unit
                  page's path (:func:`.unit_view.path_of`) with its default form
================  ===========================================================================

The three rules on whole arrays run once over every chosen unit and indicator; the scorecard and
the path are the pages' own functions, asked once per chosen unit, so a problem says exactly what
the page shows. Every problem keeps its numbers (value, rank, previous, target, gap …) in its
``detail`` with a link to the unit page, and goes through :func:`.tasks.record_problem`.

Re-running the rules on the same or a later run does not duplicate an open problem (one without
tasks, or with a task not yet 已销号) of the same source, region, indicator and title: its
evidence is updated and it points at the newer run; where it first came from stays in
``first_run``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np
from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from zongheng.i18n import LANGS, get_lang, register_messages, text
from zongheng.platform.models import Problem, ProblemSource, Run, Task, TaskState, User
from zongheng.platform.services import access, audit, dashboard, runs, tasks, unit_view
from zongheng.platform.services.run_access import regions_in_scope
from zongheng.platform.services.run_inputs import _unit_names

if TYPE_CHECKING:
    from zongheng.framework import Framework
    from zongheng.panel import Panel
    from zongheng.platform.services.runs import Results

__all__ = ["RULE_SOURCES", "WEAKEST", "Finding", "Outcome", "findings", "is_open", "problems_from_run",
           "record_findings", "title_in", "unit_link", "units_of"]

register_messages({
    "pf_rules_title_weakest": ("{unit}：{indicator}为短板指标", "{unit}: {indicator} is among the weakest"),
    "pf_rules_title_decline": ("{unit}：{indicator}较上期退步",
                               "{unit}: {indicator} fell since the last period"),
    "pf_rules_title_below_target": ("{unit}：{indicator}未达目标", "{unit}: {indicator} is below its target"),
    "pf_rules_title_red_light": ("{unit}：{indicator}亮红灯", "{unit}: {indicator} shows a red light"),
    "pf_rules_title_path_lever": ("{unit}：{indicator}是争先进位的路径抓手",
                                  "{unit}: {indicator} is a lever of the path to the target rank"),
    "pf_rules_no_regions": ("评价结果 #{run} 的地区都不在您的权限范围内。",
                            "None of the regions of run #{run} is in your scope."),
    "pf_rules_not_in_run": ("地区 {region} 不是评价结果 #{run} 的评价对象。",
                            "Region {region} is not one of the units of run #{run}."),
    "pf_rules_bad_weakest": ("短板指标个数应为 1 至 50 的整数，收到 {k}。",
                             "The number of weakest indicators must be a whole number from 1 to 50, "
                             "not {k}."),
    "pf_rules_done": ("新增问题 {created} 个，更新 {updated} 个，未变 {unchanged} 个。",
                      "{created} problems recorded, {updated} updated, {unchanged} unchanged."),
})

WEAKEST = 5
"""How many of a unit's weakest indicators become problems by default."""

RULE_SOURCES = (ProblemSource.WEAKEST, ProblemSource.DECLINE, ProblemSource.BELOW_TARGET,
                ProblemSource.RED_LIGHT, ProblemSource.PATH_LEVER)
"""The sources a run's rules produce, in the order they run."""

TITLE_LANG = "zh"
"""Titles are stored in Chinese (the ledger's language); ``detail`` keeps the key to show them in English."""


@dataclass(frozen=True)
class Finding:
    """What one rule found for one indicator of one unit, before it is recorded."""

    source: ProblemSource
    region: str
    indicator: str | None
    """None for a problem of a firm or a region as a whole (a D-grade firm)."""
    title: str
    detail: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The identity of an open problem: (source, region, indicator, title)."""
        return self.source.value, self.region, self.indicator, self.title


@dataclass
class Outcome:
    """What :func:`problems_from_run` did: the problems it created, updated and left as they were."""

    created: list[Problem] = field(default_factory=list)
    updated: list[Problem] = field(default_factory=list)
    unchanged: list[Problem] = field(default_factory=list)
    """Open problems the run found again with the same numbers, or already updated by a later run."""
    notes: list[str] = field(default_factory=list)
    """Why a rule had nothing to say about a unit (the library's message, e.g. no path)."""

    @property
    def problems(self) -> list[Problem]:
        """Every problem the run shows, created or already open."""
        return [*self.created, *self.updated, *self.unchanged]

    def summary(self, lang: str | None = None) -> str:
        """Return '新增问题 n 个，更新 m 个 …' in ``lang``."""
        return text("pf_rules_done", lang, created=len(self.created), updated=len(self.updated),
                    unchanged=len(self.unchanged))


def title_in(problem: Problem, lang: str | None = None) -> str:
    """Return a problem's title in ``lang``: a rule's title is rewritten from its key, any other as stored."""
    detail = json.loads(problem.detail or "{}")
    key, params = detail.get("title_key"), (detail.get("title_params") or {}).get(lang or get_lang())
    if lang == TITLE_LANG or not key or not isinstance(params, dict):
        return problem.title
    try:
        return text(key, lang, **params)
    except (KeyError, IndexError):      # a key or field this version no longer has
        return problem.title


def unit_link(run_id: int, unit: str) -> str:
    """Return the address of a unit's page of a run (the problem's way back to its evidence)."""
    return f"/runs/{run_id}/units/{quote(unit, safe='')}"


def units_of(db: Session, run: Run, regions: Sequence[str]) -> dict[str, str]:
    """Return region code → the run's unit (its name in the run) for the regions the run evaluated.

    The run's units are the regions' names (:func:`.run_inputs.gather`), read as the dashboard
    reads them; a region that is not a unit of the run is left out.
    """
    found = set(runs.results_of(run).units)
    return {code: name for code, name in zip(regions, _unit_names(db, list(regions)), strict=True)
            if name in found}


# -- the run's numbers, as arrays (chosen unit × indicator) -------------------------------------------


@dataclass(frozen=True)
class _Numbers:
    """A run's last period (and the one before) for the chosen units: arrays shaped (unit, indicator)."""

    run: Run
    framework: Framework
    panel: Panel
    found: Results
    regions: tuple[str, ...]
    units: tuple[str, ...]
    at: np.ndarray
    """Positions of the chosen units in the run."""
    codes: tuple[str, ...]
    direction: np.ndarray
    value: np.ndarray
    previous: np.ndarray
    rank: np.ndarray
    previous_rank: np.ndarray
    score: np.ndarray
    of: np.ndarray
    """Units ranked on each indicator, shaped (indicator,)."""


def _numbers(run: Run, chosen: dict[str, str]) -> _Numbers:
    framework, panel = runs.inputs_of(run)
    found = runs.results_of(run)
    codes = tuple(framework.indicator_codes)
    at = np.array([found.units.index(u) for u in chosen.values()], dtype=int)
    cols = [found.nodes.index(c) for c in codes]
    values = panel.values[:, at][:, :, [panel.indicators.index(c) for c in codes]]
    ranks = found.ranks[:, :, cols]
    nan = np.full(values.shape[1:], np.nan)
    two = len(panel.periods) > 1
    return _Numbers(run, framework, panel, found, tuple(chosen), tuple(chosen.values()), at, codes,
                    np.array([int(i.direction) for i in framework.indicators], dtype=float),
                    values[-1], values[-2] if two else nan, ranks[-1, at], ranks[-2, at] if two else nan,
                    found.scores[-1][np.ix_(at, cols)], np.isfinite(ranks[-1]).sum(axis=0))


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def _whole(x: Any) -> int | None:
    x = float(x)
    return None if math.isnan(x) else int(x)


def _evidence(n: _Numbers, u: int, i: int) -> dict[str, Any]:
    """Return the numbers every problem of unit ``u`` and indicator ``i`` carries, whichever the rule."""
    periods = n.panel.periods
    return {"run": n.run.id, "period": str(periods[-1]),
            "previous_period": str(periods[-2]) if len(periods) > 1 else None,
            "unit": n.units[u], "link": unit_link(n.run.id, n.units[u]), "approved": n.run.approved,
            "direction": int(n.direction[i]), "value": _num(n.value[u, i]),
            "previous": _num(n.previous[u, i]),
            "rank": _whole(n.rank[u, i]), "previous_rank": _whole(n.previous_rank[u, i]),
            "of": int(n.of[i]), "score": _num(n.score[u, i])}


# -- the rules ------------------------------------------------------------------------------------------


def _weakest(n: _Numbers, k: int) -> np.ndarray:
    """Mask of each unit's ``k`` worst-ranked indicators (rank > 1), ties to the lower score."""
    rank = np.where(np.isnan(n.rank), -np.inf, n.rank)
    score = np.where(np.isnan(n.score), np.inf, n.score)
    order = np.broadcast_to(np.arange(len(n.codes)), rank.shape)
    # lexsort sorts by its last key first: worst rank, then lowest score, then framework order.
    worst = np.lexsort((order, score, -rank), axis=-1)[:, :k]
    mask = np.zeros(rank.shape, dtype=bool)
    np.put_along_axis(mask, worst, True, axis=-1)
    return mask & (rank > 1)


def _decline(n: _Numbers) -> np.ndarray:
    """Mask of a value moved against the direction, or a rank fallen, since the previous period."""
    with np.errstate(invalid="ignore"):
        change = (n.value - n.previous) * n.direction
        fell = (change < 0) & ~np.isclose(n.value, n.previous, rtol=1e-12, atol=0.0)
        return fell | (n.rank > n.previous_rank)


def _judged(framework: Framework) -> np.ndarray:
    """Mark the indicators the dashboard judges by a target: ``>=``/``<=`` with a target, or a yes/no item."""
    return np.array([(i.rule in (">=", "<=") and i.target is not None) or i.rule == "yes"
                     for i in framework.indicators], dtype=bool)


def _below_target(n: _Numbers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mask of the judged indicators not attained, with the targets and gaps (value − target)."""
    from zongheng.analysis.attainment import attainment

    shape = n.value.shape
    judged = _judged(n.framework)
    if not judged.any():
        return np.zeros(shape, dtype=bool), np.full(shape, np.nan), np.full(shape, np.nan)
    table = attainment(n.framework, n.panel, unit=list(n.units), period=n.panel.periods[-1])

    def grid(column: str, fill: Any) -> np.ndarray:
        wide = table.pivot(index="unit", columns="indicator", values=column)
        return wide.reindex(index=list(n.units), columns=list(n.codes)).fillna(fill).to_numpy(dtype=float)

    missed = grid("attained", True) == 0        # <NA> (no value) is not a miss
    return missed & judged, grid("target", np.nan), grid("gap", np.nan)


def _default_group(found: Results, u: int) -> tuple[str, str] | None:
    """Return the peers the dashboard colours a unit among by default: its first group with a label."""
    return next(((g, labels[u]) for g, labels in found.groups.items() if labels[u] is not None), None)


def _red_lights(n: _Numbers) -> tuple[np.ndarray, dict[tuple[int, int], dict[str, Any]]]:
    """Mask of the indicators the dashboard's scorecard shows red, and each light's own numbers."""
    at = {c: i for i, c in enumerate(n.codes)}
    mask = np.zeros(n.value.shape, dtype=bool)
    extra: dict[tuple[int, int], dict[str, Any]] = {}
    for u, unit in enumerate(n.units):          # the page's function, once per chosen unit
        group = _default_group(n.found, int(n.at[u]))
        for light in dashboard.scorecard(n.found, n.framework, n.panel, unit, group, TITLE_LANG):
            if light.colour == "red" and light.code in at:
                mask[u, at[light.code]] = True
                extra[u, at[light.code]] = {"light": light.rule, "light_rank": light.rank,
                                            "light_of": light.peers,
                                            "group": list(group) if group is not None else None}
    return mask, extra


def _path_levers(n: _Numbers, notes: list[str]) -> tuple[np.ndarray, dict[tuple[int, int], dict[str, Any]]]:
    """Mask of the indicators the path to each unit's default target rank changes, with the changes."""
    at = {c: i for i, c in enumerate(n.codes)}
    mask = np.zeros(n.value.shape, dtype=bool)
    extra: dict[tuple[int, int], dict[str, Any]] = {}
    ev = runs.evaluation_of(n.run)
    for u, unit in enumerate(n.units):          # the unit page's path, once per chosen unit
        form = unit_view.read_path_form(ev, unit_view.position(ev, unit), {}, ())
        result, error = unit_view.path_of(ev, unit, form, TITLE_LANG)
        if result is None:
            notes.append(f"{unit}：{error}")
            continue
        for row in result.changes.to_dict("records"):
            i = at[row["indicator"]]
            mask[u, i] = True
            extra[u, i] = {"target_rank": form.target, "current_rank": _whole(result.current_rank),
                           "reachable": bool(result.reachable), "needed": _num(row["needed"]),
                           "change": _num(row["change"]), "change_pct": _num(row["change_pct"]),
                           "effort_share": _num(row["effort_share"])}
    return mask, extra


def findings(db: Session, run: Run, regions: Sequence[str], *, weakest: int = WEAKEST,
             sources: Iterable[ProblemSource] = RULE_SOURCES, notes: list[str] | None = None
             ) -> list[Finding]:
    """Return what the rules find in ``run`` for ``regions`` (nothing is written).

    Parameters
    ----------
    db : Session
        Used to name the regions as the run names its units.
    run : Run
        A finished evaluation run.
    regions : sequence of str
        Region codes; those that are not units of the run are left out.
    weakest : int, default 5
        How many of each unit's worst-ranked indicators the ``weakest`` rule names.
    sources : iterable of ProblemSource
        The rules to run (default all of :data:`RULE_SOURCES`).
    notes : list of str, optional
        Receives why a rule had nothing to say about a unit (no path to its target rank …).

    Returns
    -------
    list of Finding
        In rule order, then unit, then framework order of the indicators.
    """
    sources = [s for s in RULE_SOURCES if s in set(sources)]
    chosen = units_of(db, run, regions)
    if not chosen or not sources:
        return []
    n = _numbers(run, chosen)
    notes = notes if notes is not None else []
    extras: dict[ProblemSource, dict[tuple[int, int], dict[str, Any]]] = {}
    masks: dict[ProblemSource, np.ndarray] = {}
    if ProblemSource.WEAKEST in sources:
        masks[ProblemSource.WEAKEST] = _weakest(n, weakest)
    if ProblemSource.DECLINE in sources:
        masks[ProblemSource.DECLINE] = _decline(n)
    missed, target, gap = _below_target(n)      # every problem of a judged indicator shows its target
    if ProblemSource.BELOW_TARGET in sources:
        masks[ProblemSource.BELOW_TARGET] = missed
    if ProblemSource.RED_LIGHT in sources:
        masks[ProblemSource.RED_LIGHT], extras[ProblemSource.RED_LIGHT] = _red_lights(n)
    if ProblemSource.PATH_LEVER in sources:
        masks[ProblemSource.PATH_LEVER], extras[ProblemSource.PATH_LEVER] = _path_levers(n, notes)
    names = {lang: [unit_view.indicator_label(i, lang) for i in n.framework.indicators] for lang in LANGS}
    out = []
    for source, mask in masks.items():
        key = f"pf_rules_title_{source.value}"
        for u, i in np.argwhere(mask):
            params = {lang: {"unit": n.units[u], "indicator": names[lang][i]} for lang in LANGS}
            detail = {**_evidence(n, u, i), "rule": source.value, "target": _num(target[u, i]),
                      "gap": _num(gap[u, i]), "title_key": key, "title_params": params,
                      **extras.get(source, {}).get((u, i), {})}
            if source is ProblemSource.WEAKEST:
                detail["k"] = weakest
            out.append(Finding(source, n.regions[u], n.codes[i], text(key, TITLE_LANG, **params[TITLE_LANG]),
                               detail))
    return out


# -- recording, without duplicates --------------------------------------------------------------------


def is_open() -> ColumnElement[bool]:
    """Return the SQL condition that a problem is open: no task yet, or a task not closed (未销号)."""
    any_task = exists().where(Task.problem_id == Problem.id)
    unfinished = exists().where(Task.problem_id == Problem.id, Task.state != TaskState.CLOSED.value)
    return or_(~any_task, unfinished)


def _chosen_regions(db: Session, user: User | None, run: Run, regions: Sequence[str] | None) -> list[str]:
    """Return the regions to run the rules for: those asked (each in the run), else those the user sees."""
    evaluated = json.loads(run.regions)
    if regions is not None:
        stray = [r for r in regions if r not in evaluated]
        if stray:
            raise tasks.TaskError("pf_rules_not_in_run", region=stray[0], run=run.id)
        chosen = list(dict.fromkeys(regions))
    elif user is None:
        chosen = evaluated
    else:
        mine = regions_in_scope(db, access.grants(db, user))
        chosen = [r for r in evaluated if r in mine]
    if not chosen:
        raise tasks.TaskError("pf_rules_no_regions", run=run.id)
    if user is not None:
        # Refuse before anything is written: every problem a rule finds is the analyst office's.
        allowed = regions_in_scope(db, access.grants(db, user), tasks.ROLES["assign"])
        if not set(chosen) <= allowed:
            roles = tasks.ROLES["assign"]
            raise tasks.TaskError("pf_task_source_not_yours", roles="、".join(r.value for r in sorted(roles)))
    return chosen


def problems_from_run(db: Session, user: User | None, run: Run, *, regions: Sequence[str] | None = None,
                      weakest: int = WEAKEST, sources: Iterable[ProblemSource] = RULE_SOURCES) -> Outcome:
    """Record the problems the rules find in ``run`` (按规则生成问题清单); the caller commits.

    Parameters
    ----------
    db : Session
    user : User or None
        Who runs the rules: an analyst (汇总分析员) over the chosen regions; None is the system.
    run : Run
        The finished run to read.
    regions : sequence of str, optional
        Region codes (each a unit of the run); default the run's regions in the user's scope
        (every region of the run for the system).
    weakest : int, default 5
        How many of each unit's worst-ranked indicators are 短板.
    sources : iterable of ProblemSource
        The rules to run (default all five).

    Returns
    -------
    Outcome
        The problems created, updated (an open problem of the same source, region, indicator and
        title, found again with new numbers) and unchanged, and notes on units a rule could not
        judge.

    Raises
    ------
    TaskError
        ``pf_rules_bad_weakest`` (``weakest`` not 1–50), ``pf_rules_not_in_run`` (a region asked is
        not in the run), ``pf_rules_no_regions`` (none left), ``pf_task_source_not_yours`` (the user
        is not an analyst over every chosen region); nothing is written.
    """
    if isinstance(weakest, bool) or not isinstance(weakest, int) or not 1 <= weakest <= 50:
        raise tasks.TaskError("pf_rules_bad_weakest", k=weakest)
    chosen = _chosen_regions(db, user, run, regions)
    outcome = Outcome()
    found = findings(db, run, chosen, weakest=weakest, sources=sources, notes=outcome.notes)
    return record_findings(db, user, found, chosen, origin="run", origin_id=run.id, outcome=outcome)


def record_findings(db: Session, user: User | None, found: Iterable[Finding], regions: Sequence[str], *,
                    origin: str, origin_id: int, outcome: Outcome | None = None) -> Outcome:
    """Record findings as problems, keeping one open problem per (source, region, indicator, title).

    Parameters
    ----------
    db : Session
    user : User or None
        Who records (checked by :func:`tasks.record_problem`); None is the system.
    found : iterable of Finding
        What the rules found; each finding's ``detail`` names its origin (``detail[origin]``).
    regions : sequence of str
        The regions the rules looked at: only their open problems can be found again.
    origin : {"run", "grading"}
        What the findings come from: a run (the problem's ``run_id`` is set) or a 亩均 grading.
    origin_id : int
        The run's or grading's id; a problem last updated from a newer one is left unchanged.
    outcome : Outcome, optional
        Add to this outcome (e.g. one holding the rules' notes).

    Returns
    -------
    Outcome
        The problems created, updated (found again with new numbers) and unchanged.
    """
    outcome = outcome or Outcome()
    by_key = {f.key: f for f in found}
    if not by_key:
        return outcome
    existing = db.scalars(select(Problem).where(
        Problem.source.in_({k[0] for k in by_key}), Problem.region_code.in_(regions), is_open())
        .order_by(Problem.id)).all()
    # The newest open problem of a key is the one to keep current (older twins predate this rule).
    open_by_key = {(p.source, p.region_code, p.indicator_code, p.title): p for p in existing}
    first = f"first_{origin}"
    run_id = origin_id if origin == "run" else None
    for key, finding in by_key.items():
        problem = open_by_key.get(key)
        if problem is None:
            outcome.created.append(tasks.record_problem(
                db, user, source=finding.source, region_code=finding.region, title=finding.title,
                indicator_code=finding.indicator, run_id=run_id,
                detail={**finding.detail, first: origin_id}))
            continue
        before = json.loads(problem.detail or "{}")
        latest = before.get(origin, problem.run_id if origin == "run" else None)
        detail = {**finding.detail, first: before.get(first, latest)}
        if (latest is not None and latest > origin_id) or (
                latest == origin_id and before == json.loads(json.dumps(detail))):
            outcome.unchanged.append(problem)
            continue
        problem.detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
        if run_id is not None:
            problem.run_id = run_id
        audit.record(db, "problem.update", user_id=user.id if user else None, object_type="problem",
                     object_id=problem.id, **{origin: origin_id, f"previous_{origin}": latest})
        outcome.updated.append(problem)
    db.flush()
    return outcome
