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

from zongheng.i18n import register_messages
from zongheng.platform.models import CheckFlag, Region, Role, Severity, State, Submission, User
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

register_messages({
    "pf_followup": ("跟进清单", "Follow-up"),
    "pf_followup_intro": ("权限范围内报送任务的未解决校验标记，以及填报员的说明。",
                          "Open check flags of the submissions in your scope, with the reporters' "
                          "explanations."),
    "pf_followup_none": ("没有符合条件的未解决校验标记。", "No open check flags match."),
    "pf_ck_flags": ("校验标记", "Check flags"),
    "pf_ck_flags_none": ("本报送任务没有未解决的校验标记。", "This submission has no open check flags."),
    "pf_ck_severity": ("严重程度", "Severity"),
    "pf_ck_severity_warning": ("提示", "Warning"),
    "pf_ck_severity_blocking": ("须说明", "Needs explanation"),
    "pf_ck_any": ("全部", "All"),
    "pf_ck_filter": ("筛选", "Filter"),
    "pf_ck_message": ("校验结果", "Finding"),
    "pf_ck_explanation": ("说明", "Explanation"),
    "pf_ck_explained": ("{user} 于 {at} 说明", "explained by {user} at {at}"),
    "pf_ck_unexplained": ("尚未说明", "not explained yet"),
    "pf_ck_save_explanation": ("保存说明", "Save explanation"),
    "pf_ck_explanation_empty": ("说明不能为空，且不超过 {max} 个字。",
                                "The explanation must not be empty nor longer than {max} characters."),
    "pf_ck_explanation_saved": ("说明已保存。", "Explanation saved."),
    "pf_ck_not_editable": ("该报送任务当前状态下不能修改说明。",
                           "Explanations cannot be changed in this submission's state."),
    "pf_ck_kind_required": ("必填", "Required"), "pf_ck_kind_range": ("取值范围", "Range"),
    "pf_ck_kind_yoy": ("同比变动", "Year-on-year"), "pf_ck_kind_relation": ("指标关系", "Relation"),
    "pf_ck_kind_sum": ("合计", "Sum"), "pf_ck_kind_peer": ("同期离群", "Outlier among peers"),
    "pf_ck_kind_history": ("历史离群", "Outlier in own history"),
})

routes = Routes()
FOLLOWUP_ROLES = (Role.APPROVER, Role.ANALYST)
READ_ROLES = tuple(sorted(access.ACTIONS["read"]))
ENTER_ROLES = tuple(sorted(access.ACTIONS["enter"]))
EDITABLE = frozenset({State.DRAFT.value, State.RETURNED.value})


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
