"""The approval workflow (审核流程): who may move a submission from which state to which.

::

    draft ──submit(填报员)──▶ submitted ──approve(审核员)──▶ approved ──lock(汇总分析员)──▶ locked
                               ▲   │                          │
    returned ──submit(填报员)──┘   └──return(审核员/汇总分析员)─┘ (approved: 汇总分析员 only)

Every transition checks the state, the caller's role and that the submission lies in that role's
scope (the same SQL condition as every page, :mod:`~zongheng.platform.services.access`), then goes
through :func:`~zongheng.platform.services.submissions.set_state` (stamps, audit event). Approving
keeps each value as ``approved_value``, which :func:`changed_since_approval` compares with. A value
of an approved or locked submission changes only through a change request (变更申请).

"approve" walks the submission's approval chain (审核链, :mod:`.approval_chain`): each level is
approved in turn by whoever the chain names; the last level makes the submission approved. The
default chain is the single level above (an 审核员 in scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.i18n import get_lang, register_messages
from zongheng.platform.models import (
    ChangeRequest,
    Department,
    Region,
    RequestState,
    Role,
    State,
    Submission,
    User,
    Value,
    utcnow,
)
from zongheng.platform.services import access, approval_chain, audit
from zongheng.platform.services.entry import Problem, read_value
from zongheng.platform.services.org import current
from zongheng.platform.services.submissions import set_state, set_value

__all__ = ["TRANSITIONS", "Change", "ChecksRefused", "Transition", "WorkflowError", "bulk_approve",
           "changed_since_approval", "checks_before_submit", "decide_change", "request_change", "transition"]

register_messages({
    "pf_wf_submit": ("报送", "submit"),
    "pf_wf_return": ("退回", "return"),
    "pf_wf_approve": ("审核通过", "approve"),
    "pf_wf_lock": ("锁定", "lock"),
    "pf_wf_bad_state": ("“{name}”：状态为“{state}”时不能{action}。",
                        "\"{name}\": cannot {action} it while it is {state}."),
    "pf_wf_bad_role": ("“{name}”：您没有{action}此报送任务的权限。",
                       "\"{name}\": you may not {action} this submission."),
    "pf_wf_reason_needed": ("退回须填写原因。", "A return needs a reason."),
    "pf_wf_due_needed": ("退回须填写补正期限（不早于今天）。",
                         "A return needs a date to come back by (today or later)."),
    "pf_wf_checks": ("报送前校验未通过：{problem}", "Checks before submitting failed: {problem}"),
    "pf_wf_flag_unexplained": ("{finding}——请先在 /submissions/{id}/flags 填写说明",
                               "{finding} — explain it first on /submissions/{id}/flags"),
    "pf_wf_none_selected": ("没有选择任何报送任务。", "No submission selected."),
    "pf_wf_batch_refused": ("批量审核未执行：有 {n} 项不能审核，所有任务均未改变。",
                            "Bulk approval not done: {n} cannot be approved, nothing was changed."),
    "pf_cr_not_approved": ("只有已审核或已锁定的数据需要变更申请；草稿和退回的任务请直接修改。",
                           "Only approved or locked data need a change request; edit drafts and returned "
                           "submissions directly."),
    "pf_cr_reason_needed": ("变更申请须填写原因。", "A change request needs a reason."),
    "pf_cr_unknown_indicator": ("此报送任务没有指标“{code}”。",
                                "This submission has no indicator \"{code}\"."),
    "pf_cr_bad_value": ("指标 {code}：“{text}”不是数值。", "Indicator {code}: \"{text}\" is not a number."),
    "pf_cr_not_pending": ("变更申请 #{id} 已处理，不能再次审批。",
                          "Change request #{id} was already decided."),
    "pf_cr_request": ("申请变更", "request a change to"),
    "pf_cr_not_found": ("找不到变更申请，或不在您的权限范围内。",
                        "No such change request, or outside what you may see."),
    "pf_cr_history_reason": ("变更申请 #{id}：{reason}", "change request #{id}: {reason}"),
})


@dataclass(frozen=True)
class Transition:
    """One allowed move: from which states, to which, by which roles."""

    name: str
    sources: frozenset[State]
    target: State
    roles: frozenset[Role]


_S, _R = State, Role
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", frozenset({_S.DRAFT, _S.RETURNED}), _S.SUBMITTED, frozenset({_R.REPORTER})),
    Transition("return", frozenset({_S.SUBMITTED}), _S.RETURNED, frozenset({_R.APPROVER, _R.ANALYST})),
    Transition("approve", frozenset({_S.SUBMITTED}), _S.APPROVED, frozenset({_R.APPROVER})),
    Transition("lock", frozenset({_S.APPROVED}), _S.LOCKED, frozenset({_R.ANALYST})),
)}
# The analyst office may also send back data that was approved but turns out wrong (before the lock).
ANALYST_RETURNS_APPROVED = frozenset({State.APPROVED})


class WorkflowError(Exception):
    """A refused action; ``problems`` says why (nothing was changed)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message() for p in problems))
        self.problems = problems


class ChecksRefused(WorkflowError):
    """A submit refused by the checks before submitting (报送前校验).

    The refusal changed nothing of the submission, but the checks recorded the flags that
    refuse it: the caller commits them (not roll back) so that the 填报员 finds on the flags
    page the very flags the refusal names, and can explain them.
    """


def checks_before_submit(db: Session, submission: Submission) -> list[Problem]:
    """Run every check on the submission's values and return what blocks submitting (报送前校验).

    A blocking flag (a rule marked ``blocking``) stops the submit until the 填报员 explains it
    (填写说明, on ``/submissions/{id}/flags``); warnings never stop it.
    """
    from zongheng.platform.services.checks.run import blocking_unexplained, flag_text, run_checks

    run_checks(db, submission, on="submit")
    return [Problem("pf_wf_flag_unexplained", {"finding": flag_text(f, get_lang()), "id": submission.id})
            for f in blocking_unexplained(db, submission)]


def _label(db: Session, submission: Submission) -> str:
    region = current(db, Region, submission.region_code)
    dept = current(db, Department, submission.department_code)
    where = region.name if region else submission.region_code
    who = dept.name if dept else submission.department_code
    return f"{submission.version.name} {submission.period} · {where} · {who}"


def _in_scope(db: Session, user: User, roles: frozenset[Role], submission: Submission) -> bool:
    grants = [g for g in access.grants(db, user) if g.role in roles]
    query = access.submissions_under(grants, "read").where(Submission.id == submission.id)
    return db.scalars(query.limit(1)).first() is not None


def _refusal(db: Session, submission: Submission, name: str, user: User) -> Problem | None:
    rule = TRANSITIONS[name]
    params = {"name": _label(db, submission), "action": f"pf_wf_{name}",
              "state": f"pf_state_{submission.state}"}
    state = State(submission.state)
    roles = rule.roles
    if name == "return" and state in ANALYST_RETURNS_APPROVED:
        roles = frozenset({Role.ANALYST})
    elif state not in rule.sources:
        return Problem("pf_wf_bad_state", params)
    if name == "approve":   # the submission's approval chain says who approves its current level
        return approval_chain.refusal(db, submission, user, params)
    if not _in_scope(db, user, roles, submission):
        if name == "return" and state in ANALYST_RETURNS_APPROVED:
            return Problem("pf_wf_bad_state", params)
        return Problem("pf_wf_bad_role", params)
    return None


def transition(db: Session, submission: Submission, name: str, *, user: User, reason: str = "",
               due: date | None = None) -> None:
    """Take workflow action ``name`` (submit/return/approve/lock) on a submission (流转).

    Raises
    ------
    WorkflowError
        The state does not allow it, the user's roles and scope do not, a return lacks its reason
        or due date, or the checks before submitting found problems. Nothing was changed.
    """
    problem = _refusal(db, submission, name, user)
    if problem is not None:
        raise WorkflowError([problem])
    if name == "return":
        problems = []
        if not reason.strip():
            problems.append(Problem("pf_wf_reason_needed", {}))
        if due is None or due < date.today():
            problems.append(Problem("pf_wf_due_needed", {}))
        if problems:
            raise WorkflowError(problems)
    if name == "submit":
        found = checks_before_submit(db, submission)
        if found:
            raise ChecksRefused([Problem("pf_wf_checks", {"problem": p.message(get_lang())}) for p in found])
    if name == "approve" and not approval_chain.approve_step(db, submission, user):
        return      # a level before the last: the submission waits for the next one
    set_state(db, submission, TRANSITIONS[name].target, user_id=user.id, reason=reason.strip(), due=due)
    audit.record(db, f"workflow.{name}", user_id=user.id, object_type="submission", object_id=submission.id,
                 reason=reason.strip(), due=due.isoformat() if due else None)
    if name == "submit":
        approval_chain.start(db, submission)
    elif name == "return":
        approval_chain.restart(submission)


def bulk_approve(db: Session, submission_ids: list[int], *, user: User) -> list[Submission]:
    """Approve several submissions at once (批量审核), all or nothing; return them.

    Raises
    ------
    WorkflowError
        Nothing selected, or one or more cannot be approved by ``user`` (each named); none was.
    """
    if not submission_ids:
        raise WorkflowError([Problem("pf_wf_none_selected", {})])
    chosen = list(db.scalars(select(Submission).where(Submission.id.in_(submission_ids))
                             .order_by(Submission.id)))
    problems = [p for s in chosen if (p := _refusal(db, s, "approve", user)) is not None]
    missing = len(set(submission_ids)) - len(chosen)
    if problems or missing:
        raise WorkflowError([Problem("pf_wf_batch_refused", {"n": len(problems) + missing}), *problems])
    for submission in chosen:
        transition(db, submission, "approve", user=user)
    return chosen


@dataclass(frozen=True)
class Change:
    """One value that differs from what was approved (审核后变动)."""

    code: str
    name: str
    unit: str
    approved: float | None
    current: float | None


def changed_since_approval(submission: Submission) -> list[Change]:
    """List the values that changed since the submission was last approved; empty if never approved."""
    if submission.approved_at is None:
        return []
    out = [Change(v.indicator.code, v.indicator.name, v.indicator.unit, v.approved_value, v.value)
           for v in submission.values if v.value != v.approved_value]
    return sorted(out, key=lambda c: c.code)


# -- change requests (变更申请) ------------------------------------------------------------------------

AFTER_APPROVAL = frozenset({State.APPROVED.value, State.LOCKED.value})


def request_change(db: Session, submission: Submission, code: str, typed: str, reason: str, *,
                   user: User) -> ChangeRequest:
    """Ask to change an approved or locked value (申请变更); the 填报员 in scope asks.

    Raises
    ------
    WorkflowError
        The submission is not approved or locked, the user is not its 填报员, the indicator is
        not in it, the value is not a number, or the reason is blank.
    """
    problems = []
    if submission.state not in AFTER_APPROVAL:
        problems.append(Problem("pf_cr_not_approved", {}))
    elif not _in_scope(db, user, frozenset({Role.REPORTER}), submission):
        problems.append(Problem("pf_wf_bad_role",
                                {"name": _label(db, submission), "action": "pf_cr_request"}))
    value = next((v for v in submission.values if v.indicator.code == code), None)
    if value is None:
        problems.append(Problem("pf_cr_unknown_indicator", {"code": code}))
    number = None
    if value is not None:
        try:
            number = read_value(typed, value.indicator.unit)
        except ValueError:
            problems.append(Problem("pf_cr_bad_value", {"code": code, "text": typed.strip()}))
    if not reason.strip():
        problems.append(Problem("pf_cr_reason_needed", {}))
    if problems:
        raise WorkflowError(problems)
    assert value is not None
    request = ChangeRequest(submission_id=submission.id, indicator_id=value.indicator_id, new_value=number,
                            reason=reason.strip(), requested_by=user.id)
    db.add(request)
    db.flush()
    audit.record(db, "change_request.create", user_id=user.id, object_type="change_request",
                 object_id=request.id, submission=submission.id, indicator=code, old=value.value, new=number,
                 reason=reason.strip())
    return request


def decide_change(db: Session, request: ChangeRequest, approve: bool, *, user: User, note: str = "") -> None:
    """Approve or reject a change request (审批变更申请); the 汇总分析员 in scope decides.

    Approving changes the value through ``set_value`` (history row with the request's reason) and
    keeps it as the approved value too: the analyst office approved exactly this number.

    Raises
    ------
    WorkflowError
        The request was already decided, or the user is not an analyst over its submission.
    """
    submission = request.submission
    if request.state != RequestState.PENDING.value:
        raise WorkflowError([Problem("pf_cr_not_pending", {"id": request.id})])
    if not _in_scope(db, user, frozenset({Role.ANALYST}), submission):
        raise WorkflowError([Problem("pf_cr_not_found", {})])
    request.state = (RequestState.APPROVED if approve else RequestState.REJECTED).value
    request.decided_by, request.decided_at, request.decision_note = user.id, utcnow(), note.strip()
    if approve:
        value = db.scalars(select(Value).where(Value.submission_id == submission.id,
                                               Value.indicator_id == request.indicator_id)).one()
        set_value(db, value, request.new_value, user_id=user.id,
                  reason=f"变更申请 #{request.id}：{request.reason}")
        value.approved_value = value.value
    db.flush()
    audit.record(db, "change_request.approve" if approve else "change_request.reject", user_id=user.id,
                 object_type="change_request", object_id=request.id, submission=submission.id,
                 note=note.strip())
