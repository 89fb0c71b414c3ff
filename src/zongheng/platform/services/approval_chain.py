"""The approval chain (审核链): load it, tell who may approve a submission's current step, advance.

A submission that is submitted waits for the steps of its chain in order (科室审核 → 牵头单位审核 →
汇总部门审核, or the default single step 审核 by the 审核员); each approval is a row (who, when) and an
audit event, and the last one makes the submission approved. A return at any level sends it back
to the 填报员 and resets the level. Who may approve a step is one SQL condition built from the
grants, like every other access rule (:mod:`~zongheng.platform.services.access`).

Rule when the chain changes: a submission keeps the chain it was submitted under (copied at the
submit, :func:`start`); a draft or returned one takes the chain in force at its next submit; one
that was submitted before any copy existed (before migration 0008, or seeded) takes the chain in
force when its first step is approved.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from zongheng.i18n import register_messages
from zongheng.platform.models import (
    ApprovalChainStep,
    Covers,
    Department,
    FrameworkVersion,
    Region,
    Role,
    Scope,
    State,
    Submission,
    SubmissionApproval,
    User,
    utcnow,
)
from zongheng.platform.services import access, audit
from zongheng.platform.services.entry import Problem
from zongheng.platform.services.org import valid_on

__all__ = ["APPROVING_ROLES", "DEFAULT", "ChainError", "Progress", "Step", "approvable", "approve_step",
           "chain_from_yaml", "configured", "progress", "progresses", "refusal", "restart", "set_chain",
           "start", "steps_from_mapping"]

register_messages({
    "pf_ac_level": ("第 {k}/{n} 级：{name}", "Level {k}/{n}: {name}"),
    "pf_ac_waiting": ("待审核", "awaiting approval"),
    "pf_ac_done_by": ("{name}：{user} 于 {at} 审核通过", "{name}: approved by {user} on {at}"),
    "pf_ac_four_eyes": ("“{name}”：您已审核上一级“{step}”，同一人不能连续审核两级。",
                        "\"{name}\": you approved the level before (\"{step}\"); one person may not "
                        "approve two levels in a row."),
    "pf_ac_no_steps": ("审核链至少需要一级。", "An approval chain needs at least one level."),
    "pf_ac_bad_step": ("第 {n} 级：{problem}", "Level {n}: {problem}"),
    "pf_ac_need_name": ("须填写名称", "a name is needed"),
    "pf_ac_bad_role": ("审核角色须为审核员或汇总分析员（{value}）",
                       "the role must be approver or analyst ({value})"),
    "pf_ac_bad_covers": ("审核范围须为 department、parent 或 any（{value}）",
                         "who approves must be department, parent or any ({value})"),
    "pf_ac_bad_file": ("审核链文件格式不对：{problem}", "The approval chain file is not right: {problem}"),
    "pf_ac_default_name": ("审核", "Review"),
    "pf_ac_mine": ("仅待我审核", "Waiting for me only"),
    "pf_ac_chain": ("审核链", "Approval chain"),
    "pf_ac_moved": ("此级刚由他人审核，请刷新页面后再看。",
                    "Someone else just approved this level; reload the page."),
    "pf_ac_cli_set": ("已设置审核链（{key}）：{steps}", "Approval chain ({key}) set: {steps}"),
    "pf_ac_cli_removed": ("已删除审核链（{key}），改用上一级设置",
                          "Approval chain ({key}) removed: the one above applies"),
})

APPROVING_ROLES = frozenset({Role.APPROVER, Role.ANALYST})
ROLE_NAMES = {"审核员": Role.APPROVER.value, "汇总分析员": Role.ANALYST.value}
"""The Chinese role names a chain file may use instead of ``approver``/``analyst``."""


class ChainError(ValueError):
    """A chain that cannot be set; ``problems`` says why (nothing was changed)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Step:
    """One level of a chain (审核级), with its approval once given."""

    position: int
    name: str
    name_en: str
    role: Role
    covers: Covers
    same_approver: bool = False
    approved_by: int | None = None
    approved_at: datetime | None = None

    def label(self, lang: str = "zh") -> str:
        """Return the step's name in ``lang`` (Chinese when it has no English name)."""
        return self.name_en if lang == "en" and self.name_en else self.name


DEFAULT = (Step(1, "审核", "Review", Role.APPROVER, Covers.ANY),)
"""The chain when none is configured: today's single approval by an 审核员 in scope."""


def _step(row: ApprovalChainStep | SubmissionApproval) -> Step:
    approved = (row.approved_by, row.approved_at) if isinstance(row, SubmissionApproval) else (None, None)
    return Step(row.position, row.name, row.name_en, Role(row.role), Covers(row.covers), row.same_approver,
                *approved)


def configured(db: Session, framework_key: str = "") -> tuple[Step, ...]:
    """Return the chain in force for a framework key (its own, else the global one, else DEFAULT)."""
    rows = list(db.scalars(select(ApprovalChainStep).where(
        ApprovalChainStep.framework_key.in_({framework_key, ""})).order_by(ApprovalChainStep.position)))
    own = [r for r in rows if r.framework_key == framework_key] if framework_key else []
    chosen = own or [r for r in rows if r.framework_key == ""]
    return tuple(_step(r) for r in chosen) or DEFAULT


def overrides(db: Session) -> dict[str, tuple[Step, ...]]:
    """Return every configured chain: ``""`` (global) and each framework key with its own."""
    out: dict[str, list[Step]] = defaultdict(list)
    for row in db.scalars(select(ApprovalChainStep).order_by(ApprovalChainStep.framework_key,
                                                             ApprovalChainStep.position)):
        out[row.framework_key].append(_step(row))
    return {k: tuple(v) for k, v in out.items()}


def steps_from_mapping(items: Sequence[dict[str, object]]) -> tuple[Step, ...]:
    """Read steps from plain mappings (a form, a YAML file); all problems at once.

    Each item has ``name`` (中文名称), optional ``name_en``, ``role`` (``approver`` 审核员 or
    ``analyst`` 汇总分析员), ``covers`` (``department``, ``parent`` or ``any``, default ``any``) and
    optional ``same_approver`` (true: whoever approved the level before may approve this one too).

    Raises
    ------
    ChainError
        A step lacks a name or names an unknown role or scope.
    """
    problems, steps = [], []
    for n, item in enumerate(items, start=1):
        name = str(item.get("name") or "").strip()[:100]
        role, covers = str(item.get("role") or ""), str(item.get("covers") or Covers.ANY.value)
        found = []
        if not name:
            found.append(Problem("pf_ac_need_name", {}))
        if role not in {r.value for r in APPROVING_ROLES}:
            found.append(Problem("pf_ac_bad_role", {"value": role}))
        if covers not in {c.value for c in Covers}:
            found.append(Problem("pf_ac_bad_covers", {"value": covers}))
        problems += [Problem("pf_ac_bad_step", {"n": n, "problem": p.message()}) for p in found]
        if not found:
            name_en = str(item.get("name_en") or "").strip()[:100]
            steps.append(Step(n, name, name_en, Role(role), Covers(covers), bool(item.get("same_approver"))))
    if problems:
        raise ChainError(problems)
    return tuple(steps)


def chain_from_yaml(text: str) -> tuple[str, tuple[Step, ...]]:
    """Read a chain file (审核链文件): return its framework key (``""``: every framework) and steps.

    ::

        framework: eco            # optional; omitted for every framework
        steps:
          - {name: 科室审核, name_en: Section review, role: 审核员, covers: department}
          - {name: 牵头单位审核, role: approver, covers: parent}
          - {name: 汇总部门审核, role: 汇总分析员, covers: any, same_approver: false}

    Raises
    ------
    ChainError
        Not YAML, not that shape, or a step that :func:`steps_from_mapping` refuses.
    """
    import yaml

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChainError([Problem("pf_ac_bad_file", {"problem": str(exc).splitlines()[0]})]) from None
    steps = document.get("steps") if isinstance(document, dict) else None
    if not isinstance(steps, list) or not all(isinstance(x, dict) for x in steps):
        raise ChainError([Problem("pf_ac_bad_file", {"problem": "steps: [{name, role, covers}, …]"})])
    items = [{**x, "role": ROLE_NAMES.get(str(x.get("role")), x.get("role"))} for x in steps]
    return str(document.get("framework") or ""), steps_from_mapping(items)


def set_chain(db: Session, steps: Sequence[Step], *, framework_key: str = "", user_id: int | None) -> None:
    """Replace the chain of ``framework_key`` (``""``: every framework) and record it (设置审核链).

    No steps removes it: a framework then follows the global chain, the global chain the DEFAULT.
    Submissions already submitted keep the chain they were submitted under.
    """
    key = framework_key.strip()[:64]
    db.execute(delete(ApprovalChainStep).where(ApprovalChainStep.framework_key == key))
    for n, step in enumerate(steps, start=1):
        db.add(ApprovalChainStep(framework_key=key, position=n, name=step.name, name_en=step.name_en,
                                 role=step.role.value, covers=step.covers.value,
                                 same_approver=step.same_approver))
    db.flush()
    audit.record(db, "approval_chain.set", user_id=user_id, object_type="approval_chain",
                 object_id=key or "*",
                 steps=[{"name": s.name, "role": s.role.value, "covers": s.covers.value,
                         "same_approver": s.same_approver} for s in steps])


# -- a submission's steps -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """Where a submission stands in its chain (审核进度)."""

    steps: tuple[Step, ...]
    level: int
    """Steps approved since the last submit."""
    round: int
    """The copy of the chain in use (0: none yet; the chain in force is shown)."""

    @property
    def current(self) -> Step | None:
        """The step waiting for approval, if the submission waits for one."""
        return self.steps[self.level] if self.level < len(self.steps) else None

    @property
    def previous(self) -> Step | None:
        """The step approved last in this round."""
        return self.steps[self.level - 1] if 0 < self.level <= len(self.steps) else None


def progresses(db: Session, submissions: Sequence[Submission]) -> dict[int, Progress]:
    """Return the progress of several submissions with one query of their approval rows."""
    ids = [s.id for s in submissions]
    rows: dict[int, list[SubmissionApproval]] = defaultdict(list)
    if ids:
        for row in db.scalars(select(SubmissionApproval).where(SubmissionApproval.submission_id.in_(ids))
                              .order_by(SubmissionApproval.round, SubmissionApproval.position)):
            rows[row.submission_id].append(row)
    chains: dict[str, tuple[Step, ...]] = {}
    out = {}
    for sub in submissions:
        last = max((r.round for r in rows[sub.id]), default=0)
        if last:
            steps = tuple(_step(r) for r in rows[sub.id] if r.round == last)
        else:
            key = sub.version.key
            steps = chains[key] if key in chains else chains.setdefault(key, configured(db, key))
        out[sub.id] = Progress(steps, min(sub.approval_step or 0, len(steps)), last)
    return out


def progress(db: Session, submission: Submission) -> Progress:
    """Return where one submission stands in its chain."""
    return progresses(db, [submission])[submission.id]


def start(db: Session, submission: Submission) -> Progress:
    """Copy the chain in force onto a submission that was just submitted (a new round, level 0)."""
    last = db.scalar(select(func.max(SubmissionApproval.round))
                     .where(SubmissionApproval.submission_id == submission.id)) or 0
    steps = configured(db, submission.version.key)
    for step in steps:
        db.add(SubmissionApproval(submission_id=submission.id, round=last + 1, position=step.position,
                                  name=step.name, name_en=step.name_en, role=step.role.value,
                                  covers=step.covers.value, same_approver=step.same_approver))
    submission.approval_step = 0
    db.flush()
    return Progress(steps, 0, last + 1)


def restart(submission: Submission) -> None:
    """Reset the level after a return: the next submit starts the chain again from its first step."""
    submission.approval_step = 0


def _grant_term(grant: access.Grant, covers: Covers, region: type[Region], dept: type[Department],
                parent: type[Department]) -> ColumnElement[bool] | None:
    if covers is Covers.ANY:
        return access.submission_condition([grant], "read", region, dept)
    if grant.department_code is None:
        return None     # 科室/牵头单位 levels need a department head, not a region-wide grant
    if covers is Covers.DEPARTMENT:
        return access.submission_condition([grant], "read", region, dept)
    # The region part of the grant, then its department must hold the department above the
    # submission's (a department at the top of its tree is its own 牵头单位).
    regional = dataclasses.replace(grant, department_code=None, department_path=None)
    above_path = func.coalesce(parent.path, dept.path)
    if grant.scope is Scope.BELOW and grant.department_path is not None:
        holds = above_path.startswith(grant.department_path, autoescape=True)
    else:
        holds = func.coalesce(parent.code, dept.code) == grant.department_code
    return and_(access.submission_condition([regional], "read", region, dept), holds)


def _covered(db: Session, grants: list[access.Grant], step: Step, ids: Iterable[int],
             on: date | None = None) -> set[int]:
    """Return which of ``ids`` a grant of the step's role covers as the step requires."""
    on = on or date.today()
    region, dept, parent = aliased(Region), aliased(Department), aliased(Department)
    terms = [t for g in grants if g.role is step.role
             if (t := _grant_term(g, step.covers, region, dept, parent)) is not None]
    query = (select(Submission.id)
             .outerjoin(region, and_(region.code == Submission.region_code, valid_on(region, on)))
             .outerjoin(dept, and_(dept.code == Submission.department_code, valid_on(dept, on)))
             .outerjoin(parent, and_(parent.code == dept.parent_code, valid_on(parent, on)))
             .where(Submission.id.in_(list(ids)), or_(*terms) if terms else false()))
    return set(db.scalars(query))


def _four_eyes(progress: Progress, user: User) -> bool:
    """Whether the user approved the level before and this level does not allow that."""
    now, before = progress.current, progress.previous
    return (now is not None and before is not None and not now.same_approver
            and before.approved_by == user.id)


def approvable(db: Session, user: User, submissions: Sequence[Submission],
               known: dict[int, Progress] | None = None,
               grants: list[access.Grant] | None = None) -> set[int]:
    """Return the ids of the submitted ``submissions`` whose current step ``user`` may approve."""
    waiting = [s for s in submissions if s.state == State.SUBMITTED.value]
    known = known if known is not None else progresses(db, waiting)
    grants = grants if grants is not None else access.grants(db, user)
    groups: dict[tuple[Role, Covers], list[int]] = defaultdict(list)
    for sub in waiting:
        step = known[sub.id].current
        if step is not None and not _four_eyes(known[sub.id], user):
            groups[step.role, step.covers].append(sub.id)
    out: set[int] = set()
    for (role, covers), ids in groups.items():
        out |= _covered(db, grants, Step(0, "", "", role, covers), ids)
    return out


def refusal(db: Session, submission: Submission, user: User, params: dict[str, object]) -> Problem | None:
    """Why ``user`` may not approve the submitted ``submission``'s current step, or ``None``."""
    where = progress(db, submission)
    step = where.current
    if step is None or not _covered(db, access.grants(db, user), step, [submission.id]):
        return Problem("pf_wf_bad_role", params)
    if _four_eyes(where, user):
        assert where.previous is not None
        return Problem("pf_ac_four_eyes", {"name": params["name"], "step": where.previous.name})
    return None


def approve_step(db: Session, submission: Submission, user: User) -> bool:
    """Record ``user``'s approval of the current step (逐级审核); return whether it was the last.

    The caller checked :func:`refusal` first. A submission without a copy of its chain (submitted
    before one existed) gets the chain in force now.
    """
    where = progress(db, submission)
    if where.round == 0:
        where = start(db, submission)
    step = where.current
    assert step is not None
    row = db.scalars(select(SubmissionApproval).where(
        SubmissionApproval.submission_id == submission.id, SubmissionApproval.round == where.round,
        SubmissionApproval.position == step.position)).one()
    # Only from the level this approval was decided on: of two approvers of one level at once,
    # the second finds the level moved and is refused (PostgreSQL re-reads the row after the lock).
    moved = db.execute(update(Submission).where(Submission.id == submission.id,
                                                Submission.approval_step == where.level)
                       .values(approval_step=where.level + 1))
    if moved.rowcount != 1:
        from zongheng.platform.services.workflow import WorkflowError

        raise WorkflowError([Problem("pf_ac_moved", {})])
    row.approved_by, row.approved_at = user.id, utcnow()
    db.flush()
    audit.record(db, "approval.step", user_id=user.id, object_type="submission", object_id=submission.id,
                 step=step.position, of=len(where.steps), name=step.name, round=where.round)
    return submission.approval_step >= len(where.steps)


def framework_keys(db: Session) -> list[str]:
    """Return the keys of the imported frameworks (for the chain's per-framework override)."""
    return list(db.scalars(select(FrameworkVersion.key).distinct().order_by(FrameworkVersion.key)))
