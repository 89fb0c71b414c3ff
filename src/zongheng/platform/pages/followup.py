"""The follow-up queue (跟进清单) and the 说明 of a flag (填写说明).

审核员 and 汇总分析员 see the open check flags of the submissions in their scope, with the
填报员's explanation, filtered by severity, indicator and region. A 填报员 reads a submission's
flags as a page fragment (HTMX) and gives each a 说明; the POST carries the CSRF token and is
audited (:func:`zongheng.platform.services.checks.explain`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from zongheng.platform.models import CheckFlag, CheckKind, Region, Role, Severity, State, Submission, User
from zongheng.platform.pages.deps import MAX_ID, Caller, require, submission_in_scope
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import access
from zongheng.platform.services.checks.run import (
    EXPLANATION_MAX,
    explain,
    flag_text,
    flags_in_scope,
    open_flags,
)
from zongheng.platform.services.submissions import department_names

__all__ = ["routes"]


routes = Routes()
FOLLOWUP_ROLES = (Role.APPROVER, Role.ANALYST)
READ_ROLES = tuple(sorted(access.ACTIONS["read"]))
ENTER_ROLES = tuple(sorted(access.ACTIONS["enter"]))
EDITABLE = frozenset({State.DRAFT.value, State.RETURNED.value})
SEVERITY_KEYS = {s.value: f"pf_ck_severity_{s.value}" for s in Severity}
KIND_KEYS = {k.value: f"pf_ck_kind_{k.value}" for k in CheckKind}


def _names(caller: Caller, flags: list[CheckFlag]) -> dict[int, str]:
    ids = {f.explained_by for f in flags if f.explained_by is not None}
    if not ids:
        return {}
    return dict(caller.db.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


@routes.add("GET", "/followup")
def followup(request: Request, caller: Annotated[Caller, Depends(require(*FOLLOWUP_ROLES))],
             severity: Annotated[str, Query(max_length=16)] = "",
             indicator: Annotated[str, Query(max_length=64)] = "",
             region: Annotated[str, Query(max_length=64)] = "") -> Response:
    """List the open flags in the caller's scope (as 审核员 or 汇总分析员), filtered."""
    grants = [g for g in caller.grants if g.role in FOLLOWUP_ROLES]
    every = flags_in_scope(caller.db, grants)
    severity = severity if severity in {s.value for s in Severity} else ""
    shown = [f for f in every if (not severity or f.severity == severity)
             and (not indicator or f.indicator.code == indicator)
             and (not region or f.submission.region_code == region)]
    regions = dict(caller.db.execute(select(Region.code, Region.name).where(Region.valid_to.is_(None))).all())
    indicators = sorted({(f.indicator.position, f.indicator.code, f.indicator.name) for f in every})
    return render(request, "followup.html", caller=caller, flags=shown, text_of=flag_text,
                  severity_keys=SEVERITY_KEYS, kind_keys=KIND_KEYS,
                  names=_names(caller, shown), regions=regions, depts=department_names(caller.db),
                  region_choices=sorted({f.submission.region_code for f in every}),
                  indicator_choices=[(c, n) for _, c, n in indicators],
                  chosen={"severity": severity, "indicator": indicator, "region": region})


def _fragment(request: Request, caller: Caller, submission: Submission, *, message: str | None = None,
              error: bool = False, status: int = 200) -> Response:
    flags = open_flags(caller.db, submission)
    may_explain = (submission.state in EDITABLE
                   and access.can(caller.db, caller.user, "enter", submission.id))
    # An HTMX request swaps the fragment in; a plain one (no script, a bookmark) gets a whole page.
    template = "followup_flags.html" if request.headers.get("HX-Request") else "followup_submission.html"
    return render(request, template, caller=caller, submission=submission, flags=flags,
                  severity_keys=SEVERITY_KEYS,
                  text_of=flag_text, names=_names(caller, flags), may_explain=may_explain,
                  message=message, error=error, max_length=EXPLANATION_MAX, status=status)


@routes.add("GET", "/submissions/{submission_id}/flags")
def submission_flags(request: Request,
                     submission: Annotated[Submission, Depends(submission_in_scope("read"))],
                     caller: Annotated[Caller, Depends(require(*READ_ROLES))]) -> Response:
    """Show a submission's open flags (a fragment; with 说明 forms for its 填报员)."""
    return _fragment(request, caller, submission)


@routes.add("POST", "/submissions/{submission_id}/flags")
def explain_flag(request: Request, submission: Annotated[Submission, Depends(submission_in_scope("enter"))],
                 caller: Annotated[Caller, Depends(require(*ENTER_ROLES))],
                 flag_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
                 explanation: Annotated[str, Form(max_length=4 * EXPLANATION_MAX)] = "") -> Response:
    """Save the 说明 of one of the submission's open flags, then show the flags again."""
    flag = caller.db.get(CheckFlag, flag_id) if flag_id is not None else None
    if flag is None or flag.submission_id != submission.id or flag.resolved:
        # Not a flag of this submission: nothing to change, back to the submission.
        return RedirectResponse(f"/submissions/{submission.id}", status_code=303)
    if submission.state not in EDITABLE:
        return _fragment(request, caller, submission, message="pf_ck_not_editable", error=True, status=409)
    try:
        explain(caller.db, flag, explanation, user_id=caller.user.id)
    except ValueError:
        caller.db.rollback()
        return _fragment(request, caller, submission, message="pf_ck_explanation_empty", error=True,
                         status=422)
    caller.db.commit()
    return _fragment(request, caller, submission, message="pf_ck_explanation_saved")
