"""Authorisation (权限): the one function of (user, role, scope, action, object) every route calls.

A user's role assignments become :class:`Grant` objects; a grant allows an action on a submission
when the role may take the action, the submission lies in the grant's scope, and — for a role
that does not itself enter or approve the data — the submission is approved, unless the grant
carries the separate right to view unapproved data. The same rule is one SQL condition
(:func:`submission_condition`), so a list of submissions and a single one are filtered alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session, aliased

from zongheng.platform.models import UNAPPROVED, Department, Region, Role, Scope, Submission, User
from zongheng.platform.services.org import valid_on

__all__ = ["ACTIONS", "Grant", "can", "grants", "placed_under", "submission_condition", "submissions_under",
           "visible_submissions"]

READERS = frozenset(Role)
# Which roles may take which action at all; the scope and state rules come on top.
ACTIONS: dict[str, frozenset[Role]] = {
    "read": READERS,
    "enter": frozenset({Role.REPORTER}),
    "approve": frozenset({Role.APPROVER}),
    "return": frozenset({Role.ANALYST, Role.APPROVER}),
}
# Roles that work on data before it is approved, and so see it in every state.
WORKS_UNAPPROVED = frozenset({Role.REPORTER, Role.APPROVER})


@dataclass(frozen=True)
class Grant:
    """A role assignment resolved for one day (生效授权)."""

    role: Role
    scope: Scope
    region_code: str | None
    region_path: str | None
    department_code: str | None
    department_path: str | None
    regions: tuple[str, ...]
    view_unapproved: bool

    @property
    def sees_unapproved(self) -> bool:
        """The grant shows drafts, submitted and returned data."""
        return self.role in WORKS_UNAPPROVED or self.view_unapproved


def grants(session: Session, user: User, *, on: date | None = None) -> list[Grant]:
    """Resolve a user's role assignments to grants on day ``on`` (default today)."""
    on = on or date.today()
    out = []
    for a in user.roles:
        region = session.scalars(select(Region.path).where(
            Region.code == a.region_code, valid_on(Region, on))).one_or_none() if a.region_code else None
        dept = session.scalars(select(Department.path).where(
            Department.code == a.department_code, valid_on(Department, on))).one_or_none() \
            if a.department_code else None
        out.append(Grant(Role(a.role), Scope(a.scope), a.region_code, region, a.department_code, dept,
                         tuple(r.region_code for r in a.regions), a.view_unapproved))
    return out


def _in_scope(grant: Grant, region: type[Region], dept: type[Department], owner: type = Submission
              ) -> ColumnElement[bool]:
    """Return the grant's scope over rows of ``owner`` (any table with region_code and department_code)."""
    if grant.scope is Scope.SET:
        where = owner.region_code.in_(grant.regions)
    elif grant.scope is Scope.OWN:
        where = owner.region_code == grant.region_code
    elif grant.region_path is None:     # the anchor region no longer exists: nothing below it
        return false()
    else:
        where = region.path.startswith(grant.region_path, autoescape=True)
    if grant.department_code is not None:
        if grant.scope is Scope.BELOW and grant.department_path is not None:
            where = and_(where, dept.path.startswith(grant.department_path, autoescape=True))
        else:
            where = and_(where, owner.department_code == grant.department_code)
    return where


def _placed(owner: type, on: date, where) -> Select:
    """Rows of ``owner`` with their region and department as they stood on ``on``, filtered by ``where``.

    ``where(region, dept)`` builds the condition over the two aliased tables.
    """
    region, dept = aliased(Region), aliased(Department)
    return (select(owner)
            .outerjoin(region, and_(region.code == owner.region_code, valid_on(region, on)))
            .outerjoin(dept, and_(dept.code == owner.department_code, valid_on(dept, on)))
            .where(where(region, dept)))


def placed_under(user_grants: list[Grant], roles: frozenset[Role], owner: type, *,
                 on: date | None = None) -> Select:
    """Return the query of ``owner`` rows inside the scope of a grant of one of ``roles``.

    ``owner`` is a table placed by ``region_code`` and ``department_code`` (a task, say): the same
    scope rule as submissions (本单位, 本级及下级, 指定范围; a department grant sees its department
    only), without the approval rule, which only data has.
    """
    def where(region, dept):
        terms = [_in_scope(g, region, dept, owner) for g in user_grants if g.role in roles]
        return or_(*terms) if terms else false()
    return _placed(owner, on or date.today(), where)


def submission_condition(user_grants: list[Grant], action: str, region: type[Region],
                         dept: type[Department]) -> ColumnElement[bool]:
    """Return the SQL condition that a submission is open to ``action`` under one of the grants."""
    allowed = ACTIONS[action]
    terms = []
    for g in user_grants:
        if g.role not in allowed:
            continue
        term = _in_scope(g, region, dept)
        if not g.sees_unapproved:
            term = and_(term, Submission.state.not_in([s.value for s in UNAPPROVED]))
        terms.append(term)
    return or_(*terms) if terms else false()


def submissions_under(user_grants: list[Grant], action: str = "read", *,
                      on: date | None = None) -> Select[tuple[Submission]]:
    """Return the query of the submissions open to ``action`` under ``user_grants``."""
    return _placed(Submission, on or date.today(),
                   lambda region, dept: submission_condition(user_grants, action, region, dept))


def visible_submissions(session: Session, user: User, action: str = "read", *,
                        on: date | None = None) -> Select[tuple[Submission]]:
    """Return the query of the submissions ``user`` may take ``action`` on (权限内的报送任务)."""
    return submissions_under(grants(session, user, on=on), action, on=on)


def can(session: Session, user: User, action: str, submission_id: int, *, on: date | None = None) -> bool:
    """Tell whether ``user`` may take ``action`` on submission ``submission_id``."""
    query = visible_submissions(session, user, action, on=on).where(Submission.id == submission_id)
    return session.scalars(query.limit(1)).first() is not None
