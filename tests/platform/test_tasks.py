"""The 闭环 loop's rules (services/tasks.py), on SQLite and PostgreSQL.

Nothing closes without evidence and a verifier who did not ask; every state change is a task event
and an audit event; who may do what follows the role and scope table of the module, checked here as
a matrix over the small world's six users (conftest.USERS) and a task on each side of the scopes.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import (
    AuditEvent,
    Milestone,
    ProblemSource,
    Role,
    Scope,
    Task,
    TaskEvent,
    TaskFile,
    TaskState,
    User,
)
from zongheng.platform.services import audit, evidence, tasks, users
from zongheng.platform.services.tasks import TaskError

LIMITS = evidence.Limits(max_bytes=1 << 20, max_files=2)
TODAY = date.today()
DUE = TODAY + timedelta(days=30)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
       b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _user(s, name: str) -> User:
    return s.scalars(select(User).where(User.username == name)).one()


def _task(factory, region: str = "A", department: str | None = None) -> int:
    """A problem at ``region`` on X1 (牵头单位 DA at A) given to its department by the analyst."""
    with transaction(factory) as s:
        analyst = _user(s, "analyst")
        problem = tasks.record_problem(s, analyst, source=ProblemSource.WEAKEST, region_code=region,
                                       indicator_code="X1", title="X1 居末位", detail={"rank": 9})
        return tasks.assign(s, analyst, problem, due=DUE, department_code=department).id


@pytest.fixture
def task_id(factory, world) -> int:
    return _task(factory)


def _do(factory, name: str, step, task_id: int):
    with transaction(factory) as s:
        return step(s, _user(s, name), s.get(Task, task_id))


def _refused(factory, name: str, step, task_id: int) -> str:
    with pytest.raises(TaskError) as caught:
        _do(factory, name, step, task_id)
    return caught.value.key


def _ask(text: str, value: float | None = None, files=()):
    """The step 申请销号 with a statement, a new value and files."""
    return lambda s, u, t: tasks.request_close(s, u, t, text=text, new_value=value, files=files,
                                               limits=LIMITS)


def _state(factory, task_id: int) -> str:
    with factory() as s:
        return s.get(Task, task_id).state


def test_a_task_goes_from_problem_to_closed_on_evidence_and_every_step_is_recorded(factory, task_id):
    with factory() as s:
        task = s.get(Task, task_id)
        assert (task.department_code, task.state, task.owner_id) == ("DA", "pending", None)  # 牵头单位
    _do(factory, "reporter", tasks.claim, task_id)
    _do(factory, "reporter", lambda s, u, t: tasks.set_measures(s, u, t, "  引进两家规上企业 "), task_id)
    milestone = _do(factory, "reporter", lambda s, u, t: tasks.add_milestone(s, u, t, "签约", DUE).id,
                    task_id)
    with transaction(factory) as s:
        tasks.complete_milestone(s, _user(s, "reporter"), s.get(Milestone, milestone))
    # No evidence, or a statement alone: refused, and the task stays 整改中.
    assert _refused(factory, "reporter", _ask(""), task_id) \
        == "pf_task_no_evidence"
    assert _refused(factory, "reporter", _ask("已完成"),
                    task_id) == "pf_task_no_evidence"
    assert _state(factory, task_id) == "in_progress"
    _do(factory, "reporter", _ask("已完成", 13.5), task_id)
    _do(factory, "analyst", tasks.verify, task_id)
    with factory() as s:
        task = s.get(Task, task_id)
        reporter, analyst = _user(s, "reporter").id, _user(s, "analyst").id
        assert (task.state, task.owner_id, task.closed_by, task.measures) == ("closed", reporter, analyst,
                                                                               "引进两家规上企业")
        assert task.milestones[0].done_at is not None
        assert task.evidence[0].new_value == 13.5
        assert [(e.action, e.from_state, e.to_state) for e in task.events] == [
            ("assign", "", "pending"), ("claim", "pending", "in_progress"),
            ("work", "in_progress", "in_progress"), ("work", "in_progress", "in_progress"),
            ("work", "in_progress", "in_progress"), ("request", "in_progress", "requested"),
            ("verify", "requested", "closed")]
        logged = s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "task",
                                                           AuditEvent.object_id == str(task_id))
                           .order_by(AuditEvent.id)).all()
        assert logged == ["task." + e.action for e in task.events]
        recorded = s.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "problem"))
        assert recorded == "problem.record"
        assert audit.verify_chain(s) is None


def test_a_request_is_sent_back_with_a_reason_and_a_closed_task_reopens(factory, task_id):
    _do(factory, "approver", tasks.claim, task_id)
    _do(factory, "approver", _ask("完成", 1.0), task_id)
    assert _refused(factory, "analyst", lambda s, u, t: tasks.send_back(s, u, t, "  "), task_id) \
        == "pf_task_no_reason"
    _do(factory, "analyst", lambda s, u, t: tasks.send_back(s, u, t, "数值未经统计局核实"), task_id)
    with factory() as s:
        task = s.get(Task, task_id)
        assert (task.state, task.return_reason) == ("returned", "数值未经统计局核实")
    _do(factory, "approver", _ask("已核实", 1.0), task_id)
    _do(factory, "analyst", tasks.verify, task_id)
    _do(factory, "analyst", lambda s, u, t: tasks.reopen(s, u, t, "下期数值回落"), task_id)
    with factory() as s:
        task = s.get(Task, task_id)
        assert (task.state, task.reopened, task.closed_by, task.return_reason) == ("in_progress", 1, None, "")
        assert len(task.evidence) == 2


def test_the_one_who_asked_does_not_close(factory, world, task_id):
    with transaction(factory) as s:     # one person who both works for DA and verifies
        both = _user(s, "reporter")
        users.assign(s, both, Role.ANALYST, scope=Scope.BELOW, region="C")
    _do(factory, "reporter", tasks.claim, task_id)
    _do(factory, "reporter", _ask("完成", 2.0), task_id)
    assert _refused(factory, "reporter", tasks.verify, task_id) == "pf_task_own_request"
    assert _state(factory, task_id) == "requested"
    _do(factory, "analyst", tasks.verify, task_id)
    assert _state(factory, task_id) == "closed"


@pytest.mark.parametrize(("name", "step", "expected"), [
    ("reporter", tasks.claim, TaskState.IN_PROGRESS),
    ("analyst", tasks.verify, None),
    ("reporter", _ask("x", 1.0), None),
    ("analyst", lambda s, u, t: tasks.reopen(s, u, t, "r"), None),
    ("reporter", lambda s, u, t: tasks.set_measures(s, u, t, "m"), None),
])
def test_a_pending_task_only_moves_by_a_claim(factory, task_id, name, step, expected):
    if expected is None:
        assert _refused(factory, name, step, task_id) == "pf_task_bad_state"
        assert _state(factory, task_id) == "pending"
    else:
        _do(factory, name, step, task_id)
        assert _state(factory, task_id) == expected
        assert _refused(factory, name, step, task_id) == "pf_task_bad_state"     # not twice


# Who may read / claim (and work) / verify a task at A for DA, and a task at B for DB, derived by
# hand from conftest.USERS: the reporter (own A, DA) and approver (below A, DA) work DA's task; the
# analyst (below C) verifies both; the leader (below A) and admin (own A) read A's; 人大 (set {B})
# reads B's.
MATRIX = {
    "reporter": {"read": {"A"}, "claim": {"A"}, "verify": set()},
    "approver": {"read": {"A"}, "claim": {"A"}, "verify": set()},
    "analyst": {"read": {"A", "B"}, "claim": set(), "verify": {"A", "B"}},
    "leader": {"read": {"A"}, "claim": set(), "verify": set()},
    "congress": {"read": {"B"}, "claim": set(), "verify": set()},
    "admin": {"read": {"A"}, "claim": set(), "verify": set()},
}


def test_who_may_do_what_to_which_task(factory, world):
    placed = {"A": _task(factory, "A"), "B": _task(factory, "B", "DB")}
    with factory() as s:
        for name, allowed in MATRIX.items():
            user = _user(s, name)
            for action, regions in allowed.items():
                for region, task_id in placed.items():
                    assert tasks.may(s, user, action, s.get(Task, task_id)) == (region in regions), \
                        (name, action, region)
                listed = set(s.scalars(tasks.tasks_for(s, user, action)).all())
                assert {t.region_code for t in listed} == regions, (name, action)
    # The matrix holds when acting, not only when asking: a refused claim writes nothing.
    for name in ("analyst", "leader", "congress", "admin"):
        assert _refused(factory, name, tasks.claim, placed["A"]) == "pf_task_not_allowed"
    assert _refused(factory, "reporter", tasks.claim, placed["B"]) == "pf_task_not_allowed"
    with factory() as s:
        assert s.scalar(select(TaskEvent.id).where(TaskEvent.action == "claim")) is None


def test_assigning_defaults_to_the_lead_department_and_refuses_what_cannot_hold(factory, world):
    with transaction(factory) as s:
        analyst = _user(s, "analyst")
        problem = tasks.record_problem(s, analyst, source=ProblemSource.DECLINE, region_code="B",
                                       indicator_code="X1", title="X1 下降")
        # X1's 牵头单位 is DA, which B does not have: the analyst must choose.
        with pytest.raises(TaskError) as no_lead:
            tasks.assign(s, analyst, problem, due=DUE)
        assert (no_lead.value.key, no_lead.value.params) == ("pf_task_no_department", {"code": "X1"})
        with pytest.raises(TaskError) as foreign:
            tasks.assign(s, analyst, problem, due=DUE, department_code="DA")
        assert foreign.value.key == "pf_task_unknown_department"
        with pytest.raises(TaskError) as past:
            tasks.assign(s, analyst, problem, due=TODAY - timedelta(days=1), department_code="DB")
        assert past.value.key == "pf_task_due_past"
        assert tasks.assign(s, analyst, problem, due=TODAY, department_code="DB").department_code == "DB"
        with pytest.raises(TaskError) as leader:
            tasks.assign(s, _user(s, "leader"), problem, due=DUE, department_code="DB")
        assert leader.value.key == "pf_task_not_allowed"


def test_who_records_which_problem_by_hand(factory, world):
    with transaction(factory) as s:
        congress, leader = _user(s, "congress"), _user(s, "leader")
        item = tasks.record_problem(s, congress, source=ProblemSource.CONGRESS, region_code="B",
                                    title="审议意见：加快淘汰落后产能")
        assert (item.source, item.created_by) == ("congress", congress.id)
        assert tasks.record_problem(s, leader, source=ProblemSource.INSTRUCTION, region_code="A",
                                    title="领导批示：亩均效益提升").region_code == "A"
        refusals = [
            (congress, ProblemSource.CONGRESS, "A", "x"),      # 人大 over B only
            (leader, ProblemSource.CONGRESS, "A", "x"),        # a leader records instructions
            (_user(s, "reporter"), ProblemSource.WEAKEST, "A", "x"),
            (_user(s, "analyst"), ProblemSource.WEAKEST, "A", "   "),
        ]
        keys = []
        for user, source, region, title in refusals:
            with pytest.raises(TaskError) as caught:
                tasks.record_problem(s, user, source=source, region_code=region, title=title)
            keys.append(caught.value.key)
        assert keys == ["pf_task_source_not_yours"] * 3 + ["pf_task_no_title"]


def test_evidence_files_are_checked_like_every_upload(factory, task_id):
    _do(factory, "reporter", tasks.claim, task_id)
    bad = [("照片.png", io.BytesIO(b"MZ\x90\x00 not a picture")), ("ok.png", io.BytesIO(PNG))]
    with pytest.raises(evidence.EvidenceError):
        _do(factory, "reporter", _ask("完成", files=bad), task_id)
    three = [(f"{n}.png", io.BytesIO(PNG)) for n in range(3)]
    assert _refused(factory, "reporter", _ask("完成", files=three), task_id) == "pf_task_too_many_files"
    with factory() as s:
        assert (s.get(Task, task_id).state, s.scalar(select(TaskFile.id))) == ("in_progress", None)
    _do(factory, "reporter",
        _ask("完成", files=[("现场照片.png", io.BytesIO(PNG))]),
        task_id)
    with factory() as s:
        stored = s.get(Task, task_id).evidence[0].files[0]
        assert (stored.name, stored.media_type, stored.size, stored.data) == ("现场照片.png", "image/png",
                                                                             len(PNG), PNG)

