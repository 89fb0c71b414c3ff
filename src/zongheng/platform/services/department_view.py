"""One lead department of a run, as the department page shows it (部门页, e.g. 科技局).

A department (牵头单位) is named as the framework's indicators name it (``科技局``). For a run it
reads: its indicators across every region of the run (value and rank), where the focus region
stands on each (rank overall and within its groups, the best and the worst, the change on the
previous period), what the path to the focus region's target rank asks of it (the unit page's
责任分解 line, :mod:`~zongheng.platform.services.unit_view`) and the state of its submissions for
the run's period. Every number is the run's own evaluation's
(:func:`~zongheng.platform.services.runs.evaluation_of`), turned into text by :mod:`zongheng.display`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from zongheng import display
from zongheng.platform.models import Department, Region, State, Submission
from zongheng.platform.services.access import Grant, submissions_under
from zongheng.platform.services.org import valid_on
from zongheng.platform.services.unit_view import group_label, indicator_label, node_label

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zongheng.evaluation import Evaluation
    from zongheng.framework import Framework
    from zongheng.platform.models import Run

__all__ = ["across_regions", "departments_of", "header", "indicators_of", "leads_of_grants", "mine_by_run",
           "standing", "state_counts", "submissions_of"]


def _int(x: float) -> int | None:
    return None if math.isnan(x) else int(x)


def departments_of(framework: Framework) -> list[str]:
    """Return the lead departments a framework names, in the order of its indicators."""
    return list(dict.fromkeys(i.department for i in framework.indicators if i.department))


def indicators_of(ev: Evaluation, department: str) -> list[int]:
    """Return the positions of the indicators led by ``department`` (empty: the run has none)."""
    return [n for n, ind in enumerate(ev.framework.indicators) if ind.department == department]


def _dimension(ev: Evaluation, code: str, lang: str) -> str:
    """Return the top-level dimension an indicator belongs to, by name."""
    fw = ev.framework
    top = set(fw.children.get(fw.root.code, ()))
    node = fw.node(code)
    while node.code not in top and node.parent:
        node = fw.node(node.parent)
    return node_label(ev, node.code, lang) if node.code in top else ""


def header(ev: Evaluation, positions: Sequence[int], lang: str) -> list[dict[str, Any]]:
    """Return the department's indicators: code, name, dimension, unit of measure, direction."""
    out = []
    for i in positions:
        ind = ev.framework.indicators[i]
        out.append({"code": ind.code, "name": indicator_label(ind, lang), "measure": ind.unit or "",
                    "dimension": _dimension(ev, ind.code, lang), "higher_better": int(ind.direction) >= 0})
    return out


def across_regions(ev: Evaluation, positions: Sequence[int], focus: int) -> list[dict[str, Any]]:
    """Every region of the run on the department's indicators, in the order of the overall ranking.

    One row per region: ``unit``, ``rank`` (overall index), ``focus`` (the focus region) and
    ``cells``: for each indicator its last-period value and its rank on it (the library's
    competition rank of the normalised score, ``ev.ranks``).
    """
    p = len(ev.panel.periods) - 1
    root = ev.node_codes.index(ev.framework.root.code)
    rows = []
    for u, unit in enumerate(ev.panel.units):
        cells = [{"value": display.value(ev.panel.values[p, u, i]), "rank": _int(ev.ranks[p, u, i])}
                 for i in positions]
        rows.append({"unit": unit, "rank": _int(ev.ranks[p, u, root]), "focus": u == focus, "cells": cells})
    # The ranking's order: unranked last, ties in the run's order.
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
    return rows


def _extreme(ev: Evaluation, p: int, i: int, ranks: np.ndarray, members: np.ndarray, best: bool
             ) -> dict[str, str] | None:
    """Return the best (or worst) ranked member on indicator ``i``, first in data order: name and value."""
    mine = np.where(members, ranks, np.nan)
    if np.isnan(mine).all():
        return None
    at = np.nanmin(mine) if best else np.nanmax(mine)
    u = int(np.flatnonzero(mine == at)[0])
    return {"unit": ev.panel.units[u], "value": display.value(ev.panel.values[p, u, i])}


def standing(ev: Evaluation, positions: Sequence[int], u: int, lang: str) -> list[dict[str, Any]]:
    """Where the focus region stands on each of the department's indicators (last period).

    Per indicator: its value and unit of measure, the change of the value and of the rank on the
    previous period (None without one), the rank among all the run's regions and within each of
    the region's groups (rank, number ranked, the best and the worst member with their values).
    """
    from zongheng.steps.rank import group_codes

    panel = ev.panel
    p = len(panel.periods) - 1
    everyone = np.ones(len(panel.units), dtype=bool)
    scopes: list[tuple[str | None, str | None, np.ndarray, np.ndarray]] = [(None, None, everyone, ev.ranks)]
    for column in panel.groups:
        codes = group_codes(panel.group(column))
        if codes[u] >= 0:
            label = group_label(panel.group(column), panel.group(column)[u], lang)
            scopes.append((column, label, codes == codes[u], ev.group_ranks(column)))
    out = []
    for i in positions:
        ind = ev.framework.indicators[i]
        rank_now = _int(ev.ranks[p, u, i])
        before = _int(ev.ranks[p - 1, u, i]) if p > 0 else None
        value = panel.values[p, u, i]
        change = value - panel.values[p - 1, u, i] if p > 0 else math.nan
        peers = []
        for column, label, members, ranks in scopes:
            at = ranks[p, :, i]
            peers.append({"column": column, "label": label, "rank": _int(ranks[p, u, i]),
                          "of": int((members & ~np.isnan(at)).sum()),
                          "best": _extreme(ev, p, i, at, members, True),
                          "worst": _extreme(ev, p, i, at, members, False)})
        out.append({"code": ind.code, "name": indicator_label(ind, lang), "measure": ind.unit or "",
                    "value": display.value(value), "change": display.signed_value(change),
                    "rank_change": None if rank_now is None or before is None else before - rank_now,
                    "peers": peers})
    return out


def submissions_of(db: Session, grants: Sequence[Grant], run: Run, department: str, *, on: date | None = None
                   ) -> list[dict[str, Any]]:
    """Return the department's submissions of the run's framework version and period, in the caller's scope.

    ``department`` is the short name (``Department.short_name``); every department of that name
    counts (永康市统计局 and 义乌市统计局 alike), limited to the run's regions. The caller reads states,
    not values (as the completeness page): ``grants`` should carry the view-unapproved right.
    """
    import json

    on = on or date.today()
    regions = json.loads(run.regions)
    codes = select(Department.code).where(Department.short_name == department, valid_on(Department, on))
    query = (submissions_under(list(grants), "read", on=on)
             .where(Submission.version_id == run.version_id, Submission.period == run.period,
                    Submission.region_code.in_(regions), Submission.department_code.in_(codes)))
    found = list(db.scalars(query))
    names = dict(db.execute(select(Region.code, Region.name).where(
        Region.code.in_({s.region_code for s in found}), valid_on(Region, on))).all())
    depts = dict(db.execute(select(Department.code, Department.name).where(
        Department.code.in_({s.department_code for s in found}), valid_on(Department, on))).all())
    rows = [{"id": s.id, "region": names.get(s.region_code, s.region_code),
             "department": depts.get(s.department_code, s.department_code), "state": State(s.state),
             "due": s.due_date, "submitted_at": s.submitted_at, "approved_at": s.approved_at}
            for s in found]
    rows.sort(key=lambda r: (r["region"], r["department"]))
    return rows


def state_counts(rows: Sequence[dict[str, Any]]) -> list[tuple[State, int]]:
    """Return how many submissions are in each state, in the workflow's order (states with none left out)."""
    counts = dict.fromkeys(State, 0)
    for r in rows:
        counts[r["state"]] += 1
    return [(s, n) for s, n in counts.items() if n]


def mine_by_run(db: Session, grants: Sequence[Grant], found: Sequence[Run]) -> dict[int, list[str]]:
    """Return, per run, the caller's own lead departments its framework version names (for links)."""
    from zongheng.platform.models import FrameworkIndicator

    mine = leads_of_grants(db, grants)
    if not mine or not found:
        return {}
    query = select(FrameworkIndicator.version_id, FrameworkIndicator.lead_department).distinct().where(
        FrameworkIndicator.version_id.in_({r.version_id for r in found}),
        FrameworkIndicator.lead_department.in_(mine))
    pairs = db.execute(query).all()
    leads: dict[int, set[str]] = {}
    for version_id, lead in pairs:
        leads.setdefault(version_id, set()).add(lead)
    return {r.id: [d for d in mine if d in leads.get(r.version_id, ())] for r in found}


def leads_of_grants(db: Session, grants: Sequence[Grant], *, on: date | None = None) -> list[str]:
    """Return the lead departments (short names) of the caller's department grants.

    Each grant's department and the departments above it, nearest first: a 科室 under a bureau
    (统计局综合统计科) works on the bureau's indicators. The caller keeps those the run's framework
    names as lead departments.
    """
    on = on or date.today()
    out: list[str] = []
    for g in grants:
        if g.department_path is None:
            continue
        chain = [c for c in g.department_path.strip("/").split("/") if c]
        shorts = dict(db.execute(select(Department.code, Department.short_name).where(
            Department.code.in_(chain), valid_on(Department, on))).all())
        for code in reversed(chain):
            short = shorts.get(code)
            if short and short not in out:
                out.append(short)
    return out
