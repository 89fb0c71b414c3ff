"""The home page (首页): per role held, the submissions in that role's scope with their state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from zongheng.platform.models import Region, Submission
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.messages import ROLE_KEYS, SCOPE_KEYS, translator
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services.access import Grant, submissions_under
from zongheng.platform.services.submissions import department_names

__all__ = ["routes"]

routes = Routes()


@dataclass(frozen=True)
class Section:
    """One role's part of the home page."""

    title: str
    note: str
    submissions: list[Submission]


def _region_names(db: Session) -> dict[str, str]:
    return dict(db.execute(select(Region.code, Region.name).where(Region.valid_to.is_(None))).all())


def _scope_text(grant: Grant, lang: str, regions: dict[str, str], depts: dict[str, str]) -> str:
    t = translator(lang)
    if grant.regions:
        return t(SCOPE_KEYS[grant.scope], units="、".join(regions.get(c, c) for c in grant.regions))
    unit = regions.get(grant.region_code or "", grant.region_code or "")
    if grant.department_code:
        unit = depts.get(grant.department_code, grant.department_code)
    return t(SCOPE_KEYS[grant.scope], unit=unit)


def _in_grant(db: Session, grant: Grant) -> list[Submission]:
    query = (submissions_under([grant], "read").options(selectinload(Submission.version))
             .order_by(Submission.period.desc(), Submission.department_code, Submission.id))
    return list(db.scalars(query))


@routes.add("GET", "/")
def home(request: Request, caller: Annotated[Caller, Depends(require())]) -> Response:
    """List, for each role the user holds, the submissions in its scope."""
    t = translator(caller.lang)
    regions, depts = _region_names(caller.db), department_names(caller.db)
    sections = []
    for grant in caller.grants:
        title = t("pf_role_scope", role=t(ROLE_KEYS[grant.role]),
                  scope=_scope_text(grant, caller.lang, regions, depts))
        note = t("pf_unapproved" if grant.sees_unapproved else "pf_approved_only")
        sections.append(Section(title, note, _in_grant(caller.db, grant)))
    return render(request, "home.html", caller=caller, sections=sections, regions=regions, depts=depts)
