"""The submission page (报送详情), read-only: values, last period's value, unit and history."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from zongheng.platform.models import Department, Region, Submission, User
from zongheng.platform.pages.deps import Caller, require, submission_in_scope
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import approval_chain
from zongheng.platform.services.access import ACTIONS
from zongheng.platform.services.org import current
from zongheng.platform.services.submissions import value_rows

__all__ = ["routes"]

routes = Routes()
READ_ROLES = tuple(sorted(ACTIONS["read"]))


@routes.add("GET", "/submissions/{submission_id}")
def submission_page(request: Request, submission: Annotated[Submission, Depends(submission_in_scope("read"))],
                    caller: Annotated[Caller, Depends(require(*READ_ROLES))]) -> Response:
    """Show one submission read-only."""
    db = caller.db
    submission, rows = value_rows(db, submission.id)
    chain = approval_chain.progress(db, submission)
    user_ids = {h.user_id for r in rows for h in r.history if h.user_id is not None}
    user_ids |= {s.approved_by for s in chain.steps if s.approved_by is not None}
    names = dict(db.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    region = current(db, Region, submission.region_code)
    dept = current(db, Department, submission.department_code)
    return render(request, "submission.html", caller=caller, submission=submission, rows=rows,
                  names=names, chain=chain, region=region.name if region else submission.region_code,
                  department=dept.name if dept else submission.department_code)
