"""Who may read which evaluation run (评价结果的查看权限).

A run ranks a unit among its peers, so a reader sees the whole run once one of the run's regions
is in their scope: 永康's leader reads the 金华 ranking that 永康 stands in, not a ranking of
another city's counties. A run on data that is not all approved (未审核) is shown only to the
analyst office and to grants with the right to view unapproved data. Starting a run is the
analyst office's (汇总分析员), over the regions in its scope.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import Region, Role, Run, Scope
from zongheng.platform.services.access import Grant

__all__ = ["READERS", "STARTERS", "readable_runs", "regions_in_scope", "sees_run"]

READERS = frozenset({Role.ANALYST, Role.LEADER, Role.CONGRESS, Role.REPORTER, Role.APPROVER, Role.ADMIN})
STARTERS = frozenset({Role.ANALYST})


def regions_in_scope(db: Session, grants: Iterable[Grant], roles: frozenset[Role] = READERS) -> set[str]:
    """Return the region codes the grants of ``roles`` reach (own, chosen set, or own and below)."""
    out: set[str] = set()
    below: list[str] = []
    for g in grants:
        if g.role not in roles:
            continue
        if g.scope is Scope.SET:
            out.update(g.regions)
        elif g.scope is Scope.OWN and g.region_code:
            out.add(g.region_code)
        elif g.region_path is not None:
            below.append(g.region_path)
    for path in below:
        out.update(db.scalars(select(Region.code).where(Region.path.startswith(path, autoescape=True))))
    return out


def _unapproved_ok(grants: Iterable[Grant]) -> bool:
    return any(g.role is Role.ANALYST or g.view_unapproved for g in grants)


def sees_run(db: Session, grants: list[Grant], run: Run) -> bool:
    """Tell whether a caller with ``grants`` may read ``run``."""
    if not run.approved and not _unapproved_ok(grants):
        return False
    return bool(set(json.loads(run.regions)) & regions_in_scope(db, grants))


def readable_runs(db: Session, grants: list[Grant], *, limit: int = 200) -> list[Run]:
    """Return the runs the caller may read, newest first."""
    mine = regions_in_scope(db, grants)
    if not mine:
        return []
    query = select(Run).order_by(Run.id.desc())
    if not _unapproved_ok(grants):
        query = query.where(Run.approved.is_(True))
    out = []
    # Regions are a JSON list per run: a county's platform holds tens of runs, so filtering in
    # Python is simpler than a JSON condition that differs between SQLite and PostgreSQL.
    for run in db.scalars(query.limit(limit * 5)):
        if set(json.loads(run.regions)) & mine:
            out.append(run)
            if len(out) == limit:
                break
    return out
