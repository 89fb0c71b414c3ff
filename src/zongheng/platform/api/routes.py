"""The API's routes (接口): who am I, the submissions in my scope, one submission with its values.

Reads go through the same access rule as the pages (one SQL condition), so a list and a single
submission are filtered alike and a submission outside the caller's scope answers 404.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from zongheng.platform.api import schemas
from zongheng.platform.api.deps import CallerDep
from zongheng.platform.api.schemas import Grant, HistoryEntry, Me, SubmissionDetail, SubmissionItem, ValueItem
from zongheng.platform.models import State, Submission, User
from zongheng.platform.services import evidence
from zongheng.platform.services.access import can, submissions_under
from zongheng.platform.services.submissions import value_rows

__all__ = ["router"]

router = APIRouter()
MAX_ID = 2**31 - 1
MAX_PAGE = 1000


def _item(submission: Submission) -> dict:
    return {"id": submission.id, "framework": submission.version.key, "year": submission.version.year,
            "period": submission.period, "region": submission.region_code,
            "department": submission.department_code, "state": submission.state,
            "due_date": submission.due_date, "submitted_at": submission.submitted_at,
            "approved_at": submission.approved_at}


@router.get("/me", response_model=Me, summary="The token's user and roles (当前用户)")
def me(caller: CallerDep) -> Me:
    """Return the user the token acts for, with each role and its scope."""
    grants = [Grant(role=g.role.value, scope=g.scope.value, region=g.region_code,
                    department=g.department_code, view_unapproved=g.sees_unapproved)
              for g in caller.grants]
    return Me(username=caller.user.username, display_name=caller.user.display_name, grants=grants)


@router.get("/submissions", response_model=list[SubmissionItem],
            summary="Submissions in the caller's scope (权限范围内的报送任务)")
def list_submissions(caller: CallerDep,
                     period: Annotated[str | None, Query(max_length=16)] = None,
                     state: Annotated[State | None, Query()] = None,
                     limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                     offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> list[dict]:
    """List the submissions the caller may read, by id, with optional filters and paging."""
    query = (submissions_under(caller.grants, "read")
             .options(selectinload(Submission.version)).order_by(Submission.id))
    if period is not None:
        query = query.where(Submission.period == period)
    if state is not None:
        query = query.where(Submission.state == state.value)
    rows = caller.db.scalars(query.limit(limit).offset(offset)).all()
    return [_item(s) for s in rows]


@router.get("/submissions/{submission_id}", response_model=SubmissionDetail,
            summary="One submission with its values and their history (报送详情)",
            responses={404: {"description": "No such submission in the caller's scope"}})
def get_submission(caller: CallerDep,
                   submission_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict:
    """Return a submission the caller may read: values, last period's value, each value's history."""
    if not can(caller.db, caller.user, "read", submission_id):
        raise HTTPException(status_code=404, detail="not found")
    submission, rows = value_rows(caller.db, submission_id)
    user_ids = {h.user_id for r in rows for h in r.history if h.user_id is not None}
    names = dict(caller.db.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    files = evidence.listing(caller.db, [r.value.id for r in rows])
    values = [ValueItem(indicator=r.indicator.code, name=r.indicator.name, unit=r.indicator.unit or "",
                        value=r.value.value, comment=r.value.comment or "",
                        previous_period=r.previous_period, previous=r.previous,
                        history=[HistoryEntry(at=h.at, user=names.get(h.user_id), old=h.old, new=h.new,
                                              reason=h.reason or "") for h in r.history],
                        evidence=[schemas.EvidenceItem(id=f.id, name=f.name, type=f.media_type, size=f.size)
                                  for f in files.get(r.value.id, [])])
              for r in rows]
    return {**_item(submission), "values": values}
