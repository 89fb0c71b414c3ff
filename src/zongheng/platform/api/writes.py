"""The API's writes (写入接口): values, workflow actions, the 说明 of a flag, bulk values.

Each write runs the same services as the pages — :func:`~zongheng.platform.services.entry.save_entries`
(all or nothing, checks on save, history rows), :func:`~zongheng.platform.services.workflow.transition`
(the checks before submitting) and :func:`~zongheng.platform.services.checks.run.explain` — inside the
request's one transaction, and adds an ``api.*`` audit event naming the token (``via="api"``).

Who may call (the same order as the pages): a token that may write (else 403), a user holding a role
of the action (else 403: 填报员 for values, submit and 说明; 审核员 to approve; 审核员 or 汇总分析员
to return; 汇总分析员 to lock), a submission in that role's scope (else 404, exactly as if it did not
exist), a state that allows it (else 409). A refused call changes nothing and answers every problem
located (:mod:`.problems`).
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from zongheng.i18n import text
from zongheng.platform.api.deps import ApiCaller, CallerDep, WriterDep
from zongheng.platform.api.problems import UNAUTHORIZED, ApiRefusal, Located, refusal
from zongheng.platform.api.schemas import (
    ActionIn,
    ActionOut,
    BulkValuesIn,
    BulkValuesOut,
    ExplanationIn,
    FlagsOut,
    ProblemsOut,
    ValueIn,
    ValuesIn,
    ValuesOut,
)
from zongheng.platform.models import CheckFlag, Role, Severity, Submission
from zongheng.platform.services import access, audit
from zongheng.platform.services.checks.run import (
    EXPLANATION_MAX,
    blocking_unexplained,
    explain,
    flag_text,
    open_flags,
)
from zongheng.platform.services.entry import EDITABLE, EntryError, Problem, read_value, save_entries
from zongheng.platform.services.workflow import ChecksRefused, WorkflowError, transition

__all__ = ["GATES", "Gate", "router"]

router = APIRouter()
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@dataclass(frozen=True)
class Gate:
    """Who may take an action: the roles (403 without one) and the scope action (404 outside it)."""

    roles: frozenset[Role]
    scope: str
    what: str
    """Message key naming the action in a refusal."""


_R = Role
GATES: dict[str, Gate] = {
    "values": Gate(frozenset({_R.REPORTER}), "enter", "pf_api_do_values"),
    "explain": Gate(frozenset({_R.REPORTER}), "enter", "pf_api_do_explain"),
    "submit": Gate(frozenset({_R.REPORTER}), "enter", "pf_wf_submit"),
    "return": Gate(frozenset({_R.APPROVER, _R.ANALYST}), "return", "pf_wf_return"),
    "approve": Gate(frozenset({_R.APPROVER}), "approve", "pf_wf_approve"),
    # The pages' lock button: 汇总分析员 over the submission's scope (the "return" condition).
    "lock": Gate(frozenset({_R.ANALYST}), "return", "pf_wf_lock"),
    "flags": Gate(frozenset(Role), "read", "pf_api_do_values"),
}
"""The gate of every API route that opens a submission (the authorisation-matrix test reads it)."""

_ERROR = {"model": ProblemsOut}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: UNAUTHORIZED,
    403: {**_ERROR, "description": "A read-only token, or no role that may take this action"},
    404: {**_ERROR, "description": "No such submission (or flag) in the caller's scope"},
    409: {**_ERROR, "description": "The submission's state does not allow it, or a blocking flag is "
                                   "unexplained (submit)"},
    413: {**_ERROR, "description": "The body is over 8 MiB (pf_api_too_large); nothing was read"},
    422: {**_ERROR, "description": "The body is malformed or some cells were refused; each problem is "
                                   "located (index, submission, indicator); nothing was changed"},
}


def _only(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {k: v for k, v in ERRORS.items() if k in statuses}


def _open(caller: ApiCaller, submission_id: int, gate: Gate) -> Submission:
    if not any(g.role in gate.roles for g in caller.grants):
        raise refusal(403, "pf_api_wrong_role", action=gate.what)
    if not access.can(caller.db, caller.user, gate.scope, submission_id):
        raise refusal(404, "pf_api_not_found", id=submission_id)
    submission = caller.db.get(Submission, submission_id)
    assert submission is not None       # access.can found it
    return submission


def _done(caller: ApiCaller, action: str, submission_id: int | None, **detail: object) -> None:
    """Audit the write with its token (``via="api"``) and commit before answering.

    The request session's own commit (when its dependency exits) runs after the answer is sent; a
    write must not answer 200 for data that then failed to commit, so it commits here.
    """
    assert caller.token is not None     # writes are reached through api_writer only
    audit.record(caller.db, f"api.{action}", user_id=caller.user.id, object_type="submission",
                 object_id=submission_id if submission_id is not None else "", via="api",
                 token=caller.token.id, **detail)
    caller.db.commit()


def _flags(db: Session, submission: Submission) -> dict[str, Any]:
    flags = open_flags(db, submission)
    blocking = [f for f in flags if f.severity == Severity.BLOCKING.value]
    return {"submission": submission.id, "state": submission.state,
            "warnings": len(flags) - len(blocking), "blocking": len(blocking),
            "blocking_unexplained": sum(1 for f in blocking if not f.explanation.strip()),
            "flags": [{"id": f.id, "indicator": f.indicator.code, "kind": f.kind, "severity": f.severity,
                       "explanation": f.explanation, "zh": flag_text(f, "zh"), "en": flag_text(f, "en")}
                      for f in flags]}


# -- values (填报数值) ---------------------------------------------------------------------------------

def _typed(value: int | float | str | None) -> str:
    """Write a value as save_entries reads it: text as typed, a number exactly, blank for none."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def _prepare(submission: Submission, items: list[tuple[int, ValueIn]]
             ) -> tuple[dict[int, str], dict[int, str], list[Located]]:
    """Map indicator codes to value ids and read every value; return typed, comments and problems.

    The reading is save_entries' own (:func:`read_value`); doing it here first locates each problem
    by its place in the body, which the grid's row numbers cannot.
    """
    by_code = {v.indicator.code: v for v in submission.values}
    typed: dict[int, str] = {}
    comments: dict[int, str] = {}
    problems: list[Located] = []
    first: dict[str, int] = {}
    for index, item in items:
        n, code = index + 1, item.indicator
        where = {"index": index, "submission": submission.id, "indicator": code}
        value = by_code.get(code)
        if value is None:
            problems.append(Located.of(Problem("pf_api_unknown_indicator",
                                               {"n": n, "submission": submission.id, "code": code}), **where))
            continue
        if code in first:
            problems.append(Located.of(Problem("pf_api_duplicate_indicator",
                                               {"n": n, "code": code, "first": first[code]}), **where))
            continue
        first[code] = n
        raw = _typed(item.value)
        try:
            read_value(raw, value.indicator.unit)
        except ValueError as exc:
            key = "pf_api_percent_unit" if exc.args[0] == "percent" else "pf_api_not_number"
            problems.append(Located.of(Problem(key, {"n": n, "code": code, "name": value.indicator.name,
                                                     "text": raw.strip(), "unit": value.indicator.unit}),
                                       **where))
            continue
        typed[value.id] = raw
        if item.comment is not None:
            comments[value.id] = item.comment
    return typed, comments, problems


def _save(caller: ApiCaller, submission: Submission, typed: dict[int, str], comments: dict[int, str]
          ) -> dict[str, Any]:
    """Save through save_entries; return what changed and the flags now on the submission."""
    before = {v.id: (v.value, v.comment) for v in submission.values}
    try:
        changed = save_entries(caller.db, submission, typed, comments, user_id=caller.user.id)
    except EntryError as exc:
        status = 409 if any(p.key == "pf_entry_closed" for p in exc.problems) else 422
        raise ApiRefusal(status, [Located.of(p, submission=submission.id) for p in exc.problems]) from None
    changes = [{"indicator": v.indicator.code, "old": before[v.id][0], "new": v.value,
                "comment": v.comment if v.comment != before[v.id][1] else None}
               for v in sorted(submission.values, key=lambda v: v.indicator.position)
               if (v.value, v.comment) != before[v.id]]
    return {**_flags(caller.db, submission), "changed": changed, "changes": changes}


@router.put("/submissions/{submission_id}/values", response_model=ValuesOut, responses=ERRORS,
            summary="Enter values of one submission, all or nothing (填报数值)")
def put_values(caller: WriterDep, submission_id: IdPath, body: ValuesIn) -> dict[str, Any]:
    """Save the cells of a draft or returned submission, by indicator code, all or nothing.

    The same service as the entry grid: numbers as people type them (``"1,234"``, ``"12%"`` for a
    % indicator, ``"—"`` or null for no value), a history row per changed value, the checks run on
    save. Answers what changed and the open check flags; a blocking flag must be explained
    (``POST …/flags/{flag_id}/explanation``) before submitting.
    """
    submission = _open(caller, submission_id, GATES["values"])
    if submission.state not in EDITABLE:
        raise refusal(409, "pf_entry_closed", id=submission.id, state=f"pf_state_{submission.state}")
    typed, comments, problems = _prepare(submission, list(enumerate(body.values)))
    if problems:
        raise ApiRefusal(422, problems)
    result = _save(caller, submission, typed, comments)
    _done(caller, "values", submission.id, cells=len(body.values), changed=result["changed"])
    return result


@router.post("/bulk/values", response_model=BulkValuesOut, responses=_only(401, 403, 413, 422),
             summary="Enter values of several submissions in one transaction (批量填报)")
def bulk_values(caller: WriterDep, body: BulkValuesIn) -> dict[str, Any]:
    """Save cells of several of the caller's submissions: every cell of every submission, or none.

    Each cell names its submission; a submission that is not one the caller enters (or does not
    exist), is not editable, an unknown or repeated indicator, or a value that is not a number is
    a located problem (``index`` in ``values``), and one problem anywhere saves nothing (422).
    """
    if not any(g.role is Role.REPORTER for g in caller.grants):
        raise refusal(403, "pf_api_wrong_role", action="pf_api_do_values")
    groups: dict[int, list[tuple[int, ValueIn]]] = {}
    for index, item in enumerate(body.values):
        groups.setdefault(item.submission, []).append((index, item))
    reporter = [g for g in caller.grants if g.role is Role.REPORTER]
    query = (access.submissions_under(reporter, "enter").where(Submission.id.in_(list(groups))))
    opened = {s.id: s for s in caller.db.scalars(query)}
    problems: list[Located] = []
    prepared = []
    for submission_id, items in groups.items():
        submission = opened.get(submission_id)
        if submission is None:
            problems += [Located.of(Problem("pf_api_not_found", {"id": submission_id}), index=i,
                                    submission=submission_id, indicator=item.indicator) for i, item in items]
            continue
        if submission.state not in EDITABLE:
            problems += [Located.of(Problem("pf_api_closed", {"n": i + 1, "submission": submission_id,
                                                              "state": f"pf_state_{submission.state}"}),
                                    index=i, submission=submission_id, indicator=item.indicator)
                         for i, item in items]
            continue
        typed, comments, found = _prepare(submission, items)
        problems += found
        prepared.append((submission, typed, comments))
    if problems:
        raise ApiRefusal(422, sorted(problems, key=lambda p: (p.index is None, p.index)))
    results = [_save(caller, submission, typed, comments) for submission, typed, comments in prepared]
    total = sum(r["changed"] for r in results)
    _done(caller, "bulk_values", None, cells=len(body.values), changed=total,
          submissions=[r["submission"] for r in results])
    return {"changed": total, "submissions": results}


# -- workflow actions (流转) and the 说明 of a flag -------------------------------------------------------

_WF_STATUS = {"pf_wf_bad_role": 403, "pf_wf_bad_state": 409, "pf_wf_checks": 409}


def _unexplained(db: Session, submission: Submission) -> list[Located]:
    out = []
    for flag in blocking_unexplained(db, submission):
        params = {"id": submission.id, "flag": flag.id}
        out.append(Located("pf_api_flag_unexplained",
                           text("pf_api_flag_unexplained", "zh", finding=flag_text(flag, "zh"), **params),
                           text("pf_api_flag_unexplained", "en", finding=flag_text(flag, "en"), **params),
                           submission=submission.id, indicator=flag.indicator.code))
    return out


@router.post("/submissions/{submission_id}/actions/{action}", response_model=ActionOut, responses=ERRORS,
             summary="Submit, return, approve or lock a submission (报送、退回、审核通过、锁定)")
def take_action(caller: WriterDep, submission_id: IdPath,
                action: Annotated[Literal["submit", "return", "approve", "lock"], Path()],
                body: ActionIn | None = None) -> dict[str, Any]:
    """Take a workflow action, as the board and entry pages do.

    ``submit`` (填报员) runs every check first: an unexplained blocking flag refuses it (409, one
    problem per flag). ``return`` (审核员, or 汇总分析员 also after approval) needs ``reason`` and
    ``due``; ``approve`` (审核员); ``lock`` (汇总分析员).
    """
    body = body or ActionIn()
    submission = _open(caller, submission_id, GATES[action])
    try:
        transition(caller.db, submission, action, user=caller.user, reason=body.reason, due=body.due)
    except WorkflowError as exc:
        keys = {p.key for p in exc.problems}
        if isinstance(exc, ChecksRefused):   # the flags it names are kept, for the 说明 that follow
            unexplained = _unexplained(caller.db, submission)
            caller.db.commit()
            raise ApiRefusal(409, unexplained) from None
        status = max((_WF_STATUS.get(k, 422) for k in keys), default=422)
        raise ApiRefusal(status, [Located.of(p, submission=submission.id) for p in exc.problems]) from None
    result = {**_flags(caller.db, submission), "action": action}
    _done(caller, action, submission.id, reason=body.reason.strip(),
          due=body.due.isoformat() if body.due else None)
    return result


@router.get("/submissions/{submission_id}/flags", response_model=FlagsOut,
            responses=_only(401, 403, 404, 422),
            summary="The open check flags of a submission (校验标记)")
def get_flags(caller: CallerDep, submission_id: IdPath) -> dict[str, Any]:
    """Return a submission's open flags with their 说明, counted by severity (any token may read)."""
    return _flags(caller.db, _open(caller, submission_id, GATES["flags"]))


@router.post("/submissions/{submission_id}/flags/{flag_id}/explanation", response_model=FlagsOut,
             responses=ERRORS, summary="Explain a check flag (填写说明)")
def explain_flag(caller: WriterDep, submission_id: IdPath, flag_id: IdPath, body: ExplanationIn
                 ) -> dict[str, Any]:
    """Record the 填报员's 说明 of one open flag of a draft or returned submission.

    An explained blocking flag no longer stops the submit; the 说明 is kept until the value changes.
    """
    submission = _open(caller, submission_id, GATES["explain"])
    flag = caller.db.get(CheckFlag, flag_id)
    if flag is None or flag.submission_id != submission.id or flag.resolved:
        raise refusal(404, "pf_api_flag_not_found", id=submission.id, flag=flag_id)
    if submission.state not in EDITABLE:
        raise refusal(409, "pf_api_flag_closed", id=submission.id, state=f"pf_state_{submission.state}")
    try:
        explain(caller.db, flag, body.explanation, user_id=caller.user.id)
    except ValueError:
        raise refusal(422, "pf_api_explanation", id=submission.id, max=EXPLANATION_MAX) from None
    result = _flags(caller.db, submission)
    _done(caller, "explain", submission.id, flag=flag.id)
    return result
