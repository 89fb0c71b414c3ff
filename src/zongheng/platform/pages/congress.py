"""The 人大 follow-up page (人大审议意见跟踪): review items, the tasks each became, their progress.

The People's Congress reviews the government's 生态文明 report and sends 审议意见; the analyst
office (or the 人大 user) records each item here, on the run the report came from, as a problem of
source ``congress``; the analyst gives it to 责任单位 as tasks on the ledger (``/tasks``); this page
follows every item to its tasks' states and evidence, which the 整改情况报告 draft reports.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from zongheng.platform.models import Problem, ProblemSource, Role, Task, User
from zongheng.platform.pages.deadlines_common import region_names
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.pages.task_texts import TASK_KEYS  # (importing it registers the texts)
from zongheng.platform.services import tasks as service
from zongheng.platform.services.run_access import readable_runs, regions_in_scope
from zongheng.platform.services.submissions import department_names

__all__ = ["FOLLOWERS", "page", "routes"]

routes = Routes()
FOLLOWERS = (Role.ANALYST, Role.CONGRESS, Role.LEADER)
"""Who follows the review items: the analyst office, 人大, leaders."""
FollowerDep = Annotated[Caller, Depends(require(*FOLLOWERS))]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def items_of(caller: Caller) -> list[Problem]:
    """Return the review items (审议意见) in the caller's regions, newest first, with their tasks."""
    regions = regions_in_scope(caller.db, caller.grants, frozenset(FOLLOWERS))
    if not regions:
        return []
    return list(caller.db.scalars(
        select(Problem)
        .where(Problem.source == ProblemSource.CONGRESS.value, Problem.region_code.in_(regions))
        .options(selectinload(Problem.tasks).selectinload(Task.evidence)).order_by(Problem.id.desc())))


def page(request: Request, caller: Caller, *, problems: list[str] | None = None) -> Response:
    """Render ``/congress``; ``problems`` are the reasons a posted item was refused (status 400)."""
    db = caller.db
    recorders = frozenset(service.RECORDERS[ProblemSource.CONGRESS])
    record_regions = sorted(regions_in_scope(db, caller.grants, recorders))
    regions = region_names(caller)
    runs = readable_runs(db, caller.grants, limit=50) if record_regions else []
    return render(request, "congress.html", caller=caller, keys=TASK_KEYS, status=400 if problems else 200,
                  items=items_of(caller), regions=regions, record_regions=record_regions, runs=runs,
                  depts=department_names(db), names=dict(db.execute(select(User.id, User.username)).all()),
                  problems=problems or [])


@routes.add("GET", "/congress/report.docx")
def report(request: Request, caller: FollowerDep) -> Response:
    """Download the 审议意见整改落实情况报告 draft (Word, marked 草稿) from the tasks' states and evidence.

    ``?region=B`` keeps one region's items; ``?instructions=1`` adds the leaders' instructions.
    """
    from zongheng.platform.pages.deps import get_settings
    from zongheng.platform.pages.evidence import content_disposition
    from zongheng.platform.services.rectification_report import rectification_report

    region = request.query_params.get("region") or None
    if region is not None and region not in regions_in_scope(caller.db, caller.grants, frozenset(FOLLOWERS)):
        region = None
    data = rectification_report(caller.db, caller.user, region_code=region, lang=caller.lang,
                                instructions=request.query_params.get("instructions") == "1",
                                timezone=get_settings(request).timezone)
    name = "整改情况报告（草稿）.docx" if caller.lang != "en" else "rectification-report-draft.docx"
    return Response(data, media_type=DOCX, headers={"Content-Disposition": content_disposition(name)})


@routes.add("GET", "/congress")
def congress(request: Request, caller: FollowerDep) -> Response:
    """Follow the 人大审议意见 items to their tasks (状态, 责任单位, 佐证)."""
    return page(request, caller)
