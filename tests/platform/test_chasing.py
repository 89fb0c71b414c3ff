"""Chasing (services/chasing.py) on SQLite and PostgreSQL: the lists, 催办 and its escalation.

The small world of conftest (DA, DA2 at A; DB at B) with a few more users: a second 填报员 of DA,
the head (审核员) of DB, a second analyst over C ("office", who urges, so the analyst is told) and
an analyst over the other city D, who is never told about A's tasks. Deadlines are set on the
tasks after they are assigned, since assigning refuses a deadline in the past.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from zongheng.i18n import text
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, Message, Role, Scope, Task, TaskEvent, User
from zongheng.platform.services import audit, chasing, inbox, tasks, users
from zongheng.platform.services.mailer import MailConfig
from zongheng.platform.services.tasks import TaskError

from . import test_mailer
from .conftest import PASSWORD
from .test_tasks import _ask, _do, _task, _user

sink = test_mailer.sink     # the local SMTP sink fixture

# The platform's local day, as chase_all counts it: its once-a-day rule reads the clock.
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()

MORE_USERS = {
    "reporter2": (Role.REPORTER, {"region": "A", "department": "DA"}),
    "head_b": (Role.APPROVER, {"region": "B", "department": "DB"}),
    "office": (Role.ANALYST, {"scope": Scope.BELOW, "region": "C"}),
    "analyst_d": (Role.ANALYST, {"scope": Scope.BELOW, "region": "D"}),
    "gone": (Role.REPORTER, {"region": "A", "department": "DA"}),
}


@pytest.fixture
def more(factory, world) -> dict[str, int]:
    with transaction(factory) as s:
        ids = {}
        for name, (role, scope) in MORE_USERS.items():
            user = users.create(s, name, PASSWORD)
            users.assign(s, user, role, **scope)
            ids[name] = user.id
        _user(s, "gone").disabled = True
        return ids | {u.username: u.id for u in s.scalars(select(User))}


def _placed(factory, department: str, due: date, region: str = "A") -> int:
    """A task of ``department`` with deadline ``due`` (which may be past)."""
    task_id = _task(factory, region, department)
    with transaction(factory) as s:
        s.get(Task, task_id).due = due
    return task_id


def _days(n: int) -> date:
    """The day ``n`` days before TODAY (negative: after)."""
    return TODAY - timedelta(days=n)


def _listed(departments) -> dict[str, list[int]]:
    return {d.department_code: [t.days_late for t in d.tasks] for d in departments}


def _urge(factory, name: str, task_id: int, today: date = TODAY, note: str = "", **mail):
    with transaction(factory) as s:
        return chasing.urge(s, _user(s, name), s.get(Task, task_id), today, note, **mail)


def _inboxes(factory) -> dict[str, list[tuple[str, dict]]]:
    with factory() as s:
        rows = s.execute(select(User.username, Message).join(Message, Message.recipient_id == User.id)
                         .order_by(Message.id)).all()
        out: dict[str, list[tuple[str, dict]]] = {}
        for name, message in rows:
            out.setdefault(name, []).append((message.subject_key, inbox.params_of(message)))
        return out


@pytest.fixture
def spread(factory, more) -> dict[str, int]:
    """Open tasks on each side of today at DA, DA2 and DB, one closed and one waiting on the analysts."""
    ids = {
        "da_10": _placed(factory, "DA", _days(10)), "da_2": _placed(factory, "DA", _days(2)),
        "da_soon": _placed(factory, "DA", _days(-3)), "da_later": _placed(factory, "DA", _days(-20)),
        "da_closed": _placed(factory, "DA", _days(5)),
        "da2_1": _placed(factory, "DA2", _days(1)), "da2_today": _placed(factory, "DA2", TODAY),
        "db_40": _placed(factory, "DB", _days(40), "B"), "db_asked": _placed(factory, "DB", _days(4), "B"),
    }
    _do(factory, "reporter", tasks.claim, ids["da_closed"])
    _do(factory, "reporter", _ask("已完成", 3.0), ids["da_closed"])
    _do(factory, "analyst", tasks.verify, ids["da_closed"])
    _do(factory, "head_b", tasks.claim, ids["db_asked"])        # DB's own head asks to close its task
    _do(factory, "head_b", _ask("已完成", 1.0), ids["db_asked"])
    return ids


def test_due_soon_and_overdue_lists_per_department(factory, spread):
    with factory() as s:
        analyst = _user(s, "analyst")
        late = chasing.overdue(s, analyst, TODAY)
        # Most late first within a department; the closed task is gone, 申请销号 is still open.
        assert _listed(late) == {"DA": [10, 2], "DA2": [1], "DB": [40, 4]}
        assert [(d.department_name, d.region_name, d.count) for d in late] == [
            ("部门DA", "甲县", 2), ("部门DA2", "甲县", 1), ("部门DB", "乙县", 2)]
        assert late[0].tasks[0].task_id == spread["da_10"]
        assert {t.state for t in late[2].tasks} == {"pending", "requested"}
        assert _listed(chasing.due_soon(s, analyst, TODAY)) == {"DA": [-3], "DA2": [0]}
        assert _listed(chasing.due_soon(s, analyst, TODAY, days=30)) == {"DA": [-3, -20], "DA2": [0]}
        # A week on, the soon ones are late and nothing is soon.
        assert _listed(chasing.overdue(s, analyst, TODAY + timedelta(days=7)))["DA"] == [17, 9, 4]
        # The most overdue first: two late tasks at DB and DA, DB's later; then DA2's one.
        summary = chasing.department_summary(s, analyst, TODAY)
        assert summary.to_dict("records") == [
            {"department": "DB", "name": "部门DB", "region": "B", "region_name": "乙县", "open": 2,
             "due_soon": 0, "overdue": 2, "days_late": 44, "most_late": 40},
            {"department": "DA", "name": "部门DA", "region": "A", "region_name": "甲县", "open": 4,
             "due_soon": 1, "overdue": 2, "days_late": 12, "most_late": 10},
            {"department": "DA2", "name": "部门DA2", "region": "A", "region_name": "甲县", "open": 2,
             "due_soon": 1, "overdue": 1, "days_late": 1, "most_late": 1}]


@pytest.mark.parametrize(("name", "departments"), [
    ("reporter", {"DA"}), ("approver", {"DA"}), ("head_b", {"DB"}), ("leader", {"DA", "DA2"}),
    ("congress", {"DB"}), ("analyst_d", set()),
])
def test_a_department_sees_only_its_own(factory, spread, name, departments):
    with factory() as s:
        user = _user(s, name)
        assert {d.department_code for d in chasing.overdue(s, user, TODAY)} == departments
        assert {d.department_code for d in chasing.due_soon(s, user, TODAY)} == departments - {"DB"}
        assert set(chasing.department_summary(s, user, TODAY)["department"]) == departments


def test_urges_escalate_from_the_claimant_to_the_head_to_the_analyst_office(factory, more):
    task_id = _placed(factory, "DA", _days(-5))
    levels = [_urge(factory, "office", task_id, note="请本周内报送进展") for _ in range(4)]
    assert [u.level for u in levels] == [1, 2, 2, 3]
    # Unclaimed: the DA 填报员 who may claim it (not the disabled one); then DA's head; then the
    # analysts over C but not the one who urges, nor the analyst of city D, nor B's head.
    told = [{name for name, uid in more.items() if uid in u.recipients} for u in levels]
    assert told == [{"reporter", "reporter2"}, {"reporter", "reporter2", "approver"},
                    {"reporter", "reporter2", "approver"}, {"reporter", "reporter2", "approver", "analyst"}]
    boxes = _inboxes(factory)
    assert [p["level"] for _, p in boxes["reporter2"]] == [1, 2, 2, 3]
    assert boxes["analyst"] == [("pf_msg_urge_soon", {
        "level": 3, "department": "部门DA", "region": "甲县", "title": "X1 居末位",
        "due": _days(-5).isoformat(), "days": 5, "note": "请本周内报送进展"})]
    assert {"office", "analyst_d", "head_b", "gone"}.isdisjoint(boxes)
    # Once claimed, level 1 is the 责任人 alone.
    fresh = _placed(factory, "DA", _days(-5))
    _do(factory, "reporter2", tasks.claim, fresh)
    assert _urge(factory, "office", fresh).recipients == (more["reporter2"],)


@pytest.mark.parametrize(("late", "level", "told"), [
    (7, 1, {"reporter", "reporter2"}), (8, 2, {"reporter", "reporter2", "approver"}),
    (30, 2, {"reporter", "reporter2", "approver"}), (31, 3, {"reporter", "reporter2", "approver", "analyst"}),
])
def test_lateness_alone_raises_the_first_urge(factory, more, late, level, told):
    task_id = _placed(factory, "DA", _days(late))
    done = _urge(factory, "office", task_id)
    assert (done.level, done.days_late) == (level, late)
    assert {name for name, uid in more.items() if uid in done.recipients} == told
    assert _inboxes(factory)["reporter"] == [("pf_msg_urge_late", {
        "level": level, "department": "部门DA", "region": "甲县", "title": "X1 居末位",
        "due": _days(late).isoformat(), "days": late, "note": ""})]


def test_an_urge_is_a_task_event_and_an_audit_event(factory, more):
    task_id = _placed(factory, "DA", _days(9))
    _urge(factory, "approver", task_id, note="  速办 ")
    with factory() as s:
        [event] = s.scalars(select(TaskEvent).where(TaskEvent.task_id == task_id,
                                                    TaskEvent.action == "urge")).all()
        assert (event.user_id, event.from_state, event.to_state, event.note) == (
            more["approver"], "pending", "pending", "速办")
        logged = s.scalars(select(AuditEvent).where(AuditEvent.action == "task.urge")).one()
        assert (logged.object_id, logged.user_id) == (str(task_id), more["approver"])
        assert '"level": 2' in logged.detail and '"days_late": 9' in logged.detail
        assert audit.verify_chain(s) is None
    # The head urged at level 2, so the head is not told: the 填报员 are.
    assert set(_inboxes(factory)) == {"reporter", "reporter2"}


def test_who_may_urge(factory, spread):
    da, db = spread["da_10"], spread["db_40"]
    allowed = {"analyst": {da, db}, "office": {da, db}, "approver": {da}, "head_b": {db}}
    with factory() as s:
        for name in ("analyst", "office", "approver", "head_b", "reporter", "reporter2", "leader",
                     "congress", "admin", "analyst_d"):
            user = _user(s, name)
            may = {t for t in (da, db) if chasing.may_urge(s, user, s.get(Task, t), TODAY)}
            assert may == allowed.get(name, set()), name
    for name in ("reporter", "leader", "congress", "admin", "analyst_d"):
        with pytest.raises(TaskError) as refused:
            _urge(factory, name, da)
        assert refused.value.key == "pf_task_not_allowed"
    with pytest.raises(TaskError) as foreign:
        _urge(factory, "head_b", da)
    assert foreign.value.key == "pf_task_not_allowed"
    # A closed task, or one that waits on the analysts, is not chased.
    for task_id in (spread["da_closed"], spread["db_asked"]):
        with pytest.raises(TaskError) as waiting:
            _urge(factory, "analyst", task_id)
        assert waiting.value.key == "pf_task_bad_state"
    with factory() as s:
        assert s.scalar(select(TaskEvent.id).where(TaskEvent.action == "urge")) is None
        assert s.scalar(select(Message.id)) is None


def test_chase_all_urges_each_overdue_task_once_a_day(factory, spread):
    _urge(factory, "analyst", spread["da_2"])       # already chased by hand today
    with transaction(factory) as s:
        first = chasing.chase_all(s, TODAY)
    expected = [spread["da_10"], spread["da2_1"], spread["db_40"]]      # not soon, closed or 申请销号
    assert [u.task_id for u in first] == expected
    assert [u.level for u in first] == [2, 1, 3]                        # by lateness: 10, 1, 40 days
    with transaction(factory) as s:
        assert chasing.chase_all(s, TODAY) == []
    with factory() as s:
        urges = s.scalars(select(TaskEvent).where(TaskEvent.action == "urge")).all()
        assert sorted(e.task_id for e in urges) == sorted([spread["da_2"], *expected])
        assert {e.user_id for e in urges if e.task_id != spread["da_2"]} == {None}
        senders = s.scalars(select(Message.sender_id).where(Message.subject_key == "pf_msg_urge_late")).all()
        assert set(senders) == {None, _user(s, "analyst").id}
    # The next day every overdue task is chased again, one level up for the earlier urge; the task
    # due today is late then, and chased for the first time.
    with transaction(factory) as s:
        second = chasing.chase_all(s, TODAY + timedelta(days=1))
    assert [(u.task_id, u.level, u.days_late) for u in second] == [
        (spread["da_10"], 2, 11), (spread["da_2"], 2, 3), (spread["da2_1"], 2, 2),
        (spread["da2_today"], 1, 1), (spread["db_40"], 3, 41)]


def test_an_urge_is_mailed_where_an_address_is_known_and_kept_when_mail_fails(factory, more, sink):
    task_id = _placed(factory, "DA", _days(3))
    config = MailConfig(host="127.0.0.1", port=sink.port, sender="zongheng@example.cn", timeout=5.0)
    done = _urge(factory, "office", task_id, mail=config, addresses={more["reporter"]: "r@example.cn"},
                 base_url="https://zh.example.cn")
    assert done.mail_errors == ()
    [(recipients, mail)] = sink.mails
    assert recipients == ["r@example.cn"]
    assert mail["Subject"] == "【纵横】催办（1 级）：部门DA（甲县）的整改任务“X1 居末位”已逾期 3 天（时限 " \
        f"{_days(3).isoformat()}），请尽快办理。"
    assert f"https://zh.example.cn/tasks/{task_id}" in mail.get_content()
    dead = MailConfig(host="127.0.0.1", port=test_mailer._free_port(), sender="zongheng@example.cn",
                      timeout=5.0)
    failed = _urge(factory, "office", task_id, mail=dead, addresses={more["reporter2"]: "r2@example.cn"})
    assert [uid for uid, _ in failed.mail_errors] == [more["reporter2"]]
    assert [len(_inboxes(factory)[n]) for n in ("reporter", "reporter2")] == [2, 2]


@pytest.mark.parametrize("key", ["pf_msg_urge_late", "pf_msg_urge_soon"])
def test_the_urge_messages_fill_every_field_in_both_languages(key):
    params = {"level": 2, "department": "统计局", "region": "永康市", "title": "R&D 经费占比偏低",
              "due": "2026-06-30", "days": 12, "note": "请周五前回复"}
    for lang in ("zh", "en"):
        filled = text(key, lang, **params)
        assert all(str(v) in filled for v in params.values()), (lang, filled)
    assert "逾期" in text("pf_msg_urge_late", "zh", **params) and "overdue" in text("pf_msg_urge_late", "en",
                                                                                     **params)
