"""The approval chain (审核链): levels, who approves each, four-eyes, returns, bulk, chain changes, pages.

The small world of conftest, plus: a 科室 DA1 under the 局 DA at A. Who covers what, by hand:
- ``head1`` and ``head1b``: 审核员, own A, department DA1 — they cover a DA1 submission (科室审核) but
  not its parent DA (牵头单位审核);
- ``approver`` (conftest): 审核员 below A from DA — covers DA1 (科室) and DA, the parent (牵头单位);
- ``analyst`` (conftest): 汇总分析员 below C, sees unapproved data — any submission at A (汇总部门审核);
- ``rep1``: 填报员 of DA1 at A, who submits.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import (
    AuditEvent,
    Covers,
    Role,
    Submission,
    SubmissionApproval,
    User,
    Value,
)
from zongheng.platform.services import approval_chain, audit, users
from zongheng.platform.services.approval_chain import ChainError, Step
from zongheng.platform.services.workflow import WorkflowError, bulk_approve, transition

from .conftest import PASSWORD, csrf_of, login

LATER = date.today() + timedelta(days=7)
THREE = (Step(1, "科室审核", "Section review", Role.APPROVER, Covers.DEPARTMENT),
         Step(2, "牵头单位审核", "Lead unit review", Role.APPROVER, Covers.PARENT),
         Step(3, "汇总部门审核", "Analyst office review", Role.ANALYST, Covers.ANY))
EXTRA = {"head1": {"region": "A", "department": "DA1"}, "head1b": {"region": "A", "department": "DA1"}}


@pytest.fixture
def people(factory, world) -> dict[str, int]:
    """The world's users plus the 科室 heads and the 科室's reporter."""
    ids = dict(world.users)
    with transaction(factory) as s:
        for name, scope in EXTRA.items():
            user = users.create(s, name, PASSWORD)
            users.assign(s, user, Role.APPROVER, **scope)
            ids[name] = user.id
        rep = users.create(s, "rep1", PASSWORD)
        users.assign(s, rep, Role.REPORTER, region="A", department="DA1")
        ids["rep1"] = rep.id
    return ids


def _new_section_submission(factory, period: str) -> int:
    """A draft of the 科室 DA1 at A (framework ``mini``)."""
    with transaction(factory) as s:
        template = s.scalars(select(Submission).where(Submission.department_code == "DA1")).first()
        sub = Submission(version_id=template.version_id, department_code="DA1", region_code="A",
                         period=period, due_date=date(2030, 3, 31),
                         values=[Value(indicator_id=template.values[0].indicator_id)])
        s.add(sub)
        s.flush()
        return sub.id


def _set(factory, steps, key="mini", user=None) -> None:
    with transaction(factory) as s:
        approval_chain.set_chain(s, steps, framework_key=key, user_id=user)


def _act(factory, people, sid: int, who: str, action: str, **extra) -> None:
    with transaction(factory) as s:
        transition(s, s.get(Submission, sid), action, user=s.get(User, people[who]), **extra)


def _refused(factory, people, sid: int, who: str, action: str = "approve") -> str:
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        transition(s, s.get(Submission, sid), action, user=s.get(User, people[who]))
    return caught.value.problems[0].key


def _state(factory, sid: int) -> tuple[str, int]:
    with factory() as s:
        sub = s.get(Submission, sid)
        return sub.state, sub.approval_step


def _submitted(factory, people, period: str) -> int:
    sid = _new_section_submission(factory, period)
    _act(factory, people, sid, "rep1", "submit")
    return sid


def test_the_default_is_one_level_by_an_approver_as_before(factory, world, people):
    sid = _submitted(factory, people, "2026")
    with factory() as s:
        assert approval_chain.configured(s, "mini") == approval_chain.DEFAULT
        where = approval_chain.progress(s, s.get(Submission, sid))
        assert (len(where.steps), where.level, where.round, where.current.role) == (1, 0, 1, Role.APPROVER)
    assert _refused(factory, people, sid, "analyst") == "pf_wf_bad_role"      # not an 审核员
    _act(factory, people, sid, "head1", "approve")   # any 审核员 whose scope holds DA1 at A
    assert _state(factory, sid) == ("approved", 1)
    with factory() as s:
        (row,) = s.scalars(select(SubmissionApproval).where(SubmissionApproval.submission_id == sid)).all()
        assert (row.round, row.position, row.name, row.approved_by) == (1, 1, "审核", people["head1"])
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)).all()
        assert [e.action for e in last] == ["workflow.approve", "submission.state", "approval.step"]


def test_three_levels_each_by_the_grant_the_chain_names(factory, world, people):
    _set(factory, THREE)
    sid = _submitted(factory, people, "2026")
    assert _refused(factory, people, sid, "analyst") == "pf_wf_bad_role"     # level 1 is for an 审核员
    _act(factory, people, sid, "head1", "approve")                          # 科室 head: level 1
    assert _state(factory, sid) == ("submitted", 1)
    # Level 2 needs a grant over DA, the department above DA1: the other 科室 head has none.
    assert _refused(factory, people, sid, "head1b") == "pf_wf_bad_role"
    assert _refused(factory, people, sid, "analyst") == "pf_wf_bad_role"
    _act(factory, people, sid, "approver", "approve")                       # 局 head: level 2
    assert _state(factory, sid) == ("submitted", 2)
    assert _refused(factory, people, sid, "head1b") == "pf_wf_bad_role"     # level 3 is the analysts'
    _act(factory, people, sid, "analyst", "approve")
    assert _state(factory, sid) == ("approved", 3)
    with factory() as s:
        rows = s.scalars(select(SubmissionApproval).where(SubmissionApproval.submission_id == sid)
                         .order_by(SubmissionApproval.position)).all()
        assert [(r.name, r.approved_by) for r in rows] == [
            ("科室审核", people["head1"]), ("牵头单位审核", people["approver"]),
            ("汇总部门审核", people["analyst"])]
        assert all(r.approved_at is not None for r in rows)
        assert s.get(Submission, sid).approved_at is not None
        steps = s.scalars(select(AuditEvent).where(AuditEvent.action == "approval.step",
                                                   AuditEvent.object_id == str(sid))).all()
        assert [(json.loads(e.detail)["step"], json.loads(e.detail)["of"], e.user_id) for e in steps] == [
            (1, 3, people["head1"]), (2, 3, people["approver"]), (3, 3, people["analyst"])]
        workflow = s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("workflow.%"),
                                                             AuditEvent.object_id == str(sid))).all()
        assert workflow == ["workflow.submit", "workflow.approve"]     # one approval of the whole
        assert audit.verify_chain(s) is None


def test_one_person_may_not_approve_two_levels_in_a_row_unless_the_chain_allows(factory, world, people):
    two = THREE[:2]
    _set(factory, two)
    sid = _submitted(factory, people, "2026")
    _act(factory, people, sid, "approver", "approve")         # the 局 head's scope holds the 科室 too
    assert _refused(factory, people, sid, "approver") == "pf_ac_four_eyes"
    assert _state(factory, sid) == ("submitted", 1)
    # The chain may say so: level 2 open to whoever approved level 1.
    _set(factory, (two[0], Step(2, "牵头单位审核", "", Role.APPROVER, Covers.PARENT, same_approver=True)))
    other = _submitted(factory, people, "2027")
    _act(factory, people, other, "approver", "approve")
    _act(factory, people, other, "approver", "approve")
    assert _state(factory, other) == ("approved", 2)


def test_a_return_at_level_two_goes_back_to_the_reporter_and_starts_again(factory, world, people):
    _set(factory, THREE)
    sid = _submitted(factory, people, "2026")
    _act(factory, people, sid, "head1", "approve")
    _act(factory, people, sid, "approver", "return", reason="口径不一致", due=LATER)
    with factory() as s:
        sub = s.get(Submission, sid)
        assert (sub.state, sub.approval_step, sub.return_reason, sub.return_due) == (
            "returned", 0, "口径不一致", LATER)
    _act(factory, people, sid, "rep1", "submit")
    with factory() as s:
        where = approval_chain.progress(s, s.get(Submission, sid))
        assert (where.round, where.level, where.current.name) == (2, 0, "科室审核")
        assert all(step.approved_by is None for step in where.steps)
        # Round 1's approval stays on record.
        first = s.scalars(select(SubmissionApproval).where(SubmissionApproval.submission_id == sid,
                                                           SubmissionApproval.round == 1)).all()
        assert [r.approved_by for r in first] == [people["head1"], None, None]
    _act(factory, people, sid, "head1", "approve")
    assert _state(factory, sid) == ("submitted", 1)


def test_bulk_approval_approves_at_the_callers_level_only(factory, world, people):
    _set(factory, THREE)
    a, b = _submitted(factory, people, "2026"), _submitted(factory, people, "2027")
    with transaction(factory) as s:
        done = bulk_approve(s, [a, b], user=s.get(User, people["head1"]))
        assert [x.id for x in done] == [a, b]
    assert _state(factory, a) == _state(factory, b) == ("submitted", 1)
    # Both now wait at level 2: the 科室 head may approve neither, and nothing changes.
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        bulk_approve(s, [a, b], user=s.get(User, people["head1b"]))
    assert [p.key for p in caught.value.problems] == ["pf_wf_batch_refused", "pf_wf_bad_role",
                                                      "pf_wf_bad_role"]
    with factory() as s:
        subs = [s.get(Submission, a), s.get(Submission, b)]
        assert approval_chain.approvable(s, s.get(User, people["approver"]), subs) == {a, b}
        assert approval_chain.approvable(s, s.get(User, people["head1"]), subs) == set()
        assert approval_chain.approvable(s, s.get(User, people["analyst"]), subs) == set()
    with transaction(factory) as s:
        bulk_approve(s, [a, b], user=s.get(User, people["approver"]))
    assert _state(factory, a) == _state(factory, b) == ("submitted", 2)


def test_a_chain_change_leaves_submissions_in_flight_on_their_chain(factory, world, people):
    _set(factory, THREE)
    flying = _submitted(factory, people, "2026")
    _act(factory, people, flying, "head1", "approve")
    _set(factory, (Step(1, "单级审核", "", Role.ANALYST, Covers.ANY),))
    later = _submitted(factory, people, "2027")
    with factory() as s:
        assert [x.name for x in approval_chain.progress(s, s.get(Submission, flying)).steps] == [
            "科室审核", "牵头单位审核", "汇总部门审核"]
        assert [x.name for x in approval_chain.progress(s, s.get(Submission, later)).steps] == ["单级审核"]
    assert _refused(factory, people, flying, "analyst") == "pf_wf_bad_role"   # still level 2 of three
    _act(factory, people, flying, "approver", "approve")
    _act(factory, people, later, "analyst", "approve")
    assert _state(factory, flying) == ("submitted", 2)
    assert _state(factory, later) == ("approved", 1)


def test_a_submission_submitted_before_any_copy_takes_the_chain_in_force(factory, world, people):
    # s3 (DA1@A) was seeded as submitted, without a copy of a chain.
    _set(factory, THREE)
    sid = world.submissions["s3"]
    with factory() as s:
        assert approval_chain.progress(s, s.get(Submission, sid)).round == 0
    _act(factory, people, sid, "head1", "approve")
    with factory() as s:
        where = approval_chain.progress(s, s.get(Submission, sid))
        assert (where.round, where.level, len(where.steps)) == (1, 1, 3)


def test_a_framework_override_wins_over_the_global_chain(factory, world):
    _set(factory, THREE[:1], key="")
    with factory() as s:
        assert [x.name for x in approval_chain.configured(s, "mini")] == ["科室审核"]
        assert [x.name for x in approval_chain.configured(s, "other")] == ["科室审核"]
    _set(factory, THREE)
    with factory() as s:
        assert len(approval_chain.configured(s, "mini")) == 3
        assert len(approval_chain.configured(s, "other")) == 1
    _set(factory, ())       # removing the override: back to the global chain
    _set(factory, (), key="")
    with factory() as s:
        assert approval_chain.configured(s, "mini") == approval_chain.DEFAULT
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "approval_chain.set")).all()
        assert [e.object_id for e in events] == ["*", "mini", "mini", "*"]
        names = [d["name"] for d in json.loads(events[1].detail)["steps"]]
        assert names == ["科室审核", "牵头单位审核", "汇总部门审核"]


def test_bad_steps_are_refused_all_at_once():
    with pytest.raises(ChainError) as caught:
        approval_chain.steps_from_mapping([{"name": "", "role": "approver"},
                                           {"name": "领导审核", "role": "leader", "covers": "all"}])
    assert [p.message() for p in caught.value.problems] == [
        "第 1 级：须填写名称", "第 2 级：审核角色须为审核员或汇总分析员（leader）",
        "第 2 级：审核范围须为 department、parent 或 any（all）"]
    steps = approval_chain.steps_from_mapping([{"name": "科室审核", "role": "approver",
                                                "covers": "department"}])
    assert steps == (Step(1, "科室审核", "", Role.APPROVER, Covers.DEPARTMENT),)


# -- pages --------------------------------------------------------------------------------------------

def test_the_admin_sets_a_chain_on_the_page(client, factory, world):
    login(client, "admin")
    page = client.get("/settings/approval-chain")
    assert page.status_code == 200 and "未设置：单级审核（审核员）" in page.text
    form = {"csrf_token": csrf_of(page.text), "framework_key": "mini",
            "name_1": "科室审核", "role_1": "approver", "covers_1": "department",
            "name_2": "汇总部门审核", "name_en_2": "Analyst office", "role_2": "analyst", "covers_2": "any",
            "same_2": "1", "name_3": "", "role_3": "approver", "covers_3": "any"}
    saved = client.post("/settings/approval-chain", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/settings/approval-chain?saved=1&key=mini"
    with factory() as s:
        assert approval_chain.configured(s, "mini") == (
            Step(1, "科室审核", "", Role.APPROVER, Covers.DEPARTMENT),
            Step(2, "汇总部门审核", "Analyst office", Role.ANALYST, Covers.ANY, same_approver=True))
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "approval_chain.set")).one()
        assert event.user_id == world.users["admin"] and event.object_id == "mini"
    bad = client.post("/settings/approval-chain", data={**form, "role_1": "leader"})
    assert bad.status_code == 400 and "第 1 级：审核角色须为审核员或汇总分析员（leader）" in bad.text
    forged = client.post("/settings/approval-chain", data={**form, "framework_key": "nosuch"})
    assert forged.status_code == 400 and "没有指标体系“nosuch”，审核链未改变。" in forged.text
    no_csrf = client.post("/settings/approval-chain",
                          data={k: v for k, v in form.items() if k != "csrf_token"})
    assert no_csrf.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    login(client, "analyst")
    assert client.get("/settings/approval-chain").status_code == 403


def test_the_board_and_the_submission_page_show_the_level(client, factory, world, people):
    _set(factory, THREE)
    sid = _submitted(factory, people, "2026")
    _act(factory, people, sid, "head1", "approve")
    login(client, "approver")
    board = client.get("/board")
    assert "第 2/3 级：牵头单位审核" in board.text
    assert f'name="ids" value="{sid}"' in board.text          # the 局 head approves at level 2
    mine = client.get("/board?mine=1")
    assert f'data-submission="{sid}"' in mine.text
    assert f'data-submission="{world.submissions["s1"]}"' not in mine.text   # a draft waits for no one
    page = client.get(f"/submissions/{sid}")
    assert "第 2/3 级：牵头单位审核" in page.text and "待审核" in page.text
    assert "科室审核：head1 于" in page.text
    approved = client.post("/board/approve", data={"ids": [str(sid)], "csrf_token": csrf_of(board.text)},
                           follow_redirects=False)
    assert approved.status_code == 303
    assert _state(factory, sid) == ("submitted", 2)
    # Now it waits at the analysts' level: the 局 head's board offers no approval of it.
    again = client.get("/board")
    assert "第 3/3 级：汇总部门审核" in again.text and f'name="ids" value="{sid}"' not in again.text
    client.post("/logout", data={"csrf_token": csrf_of(again.text)})
    login(client, "analyst")
    board = client.get("/board")
    assert f'name="ids" value="{sid}"' in board.text
    one = client.post(f"/submissions/{sid}/approve", data={"csrf_token": csrf_of(board.text)},
                      follow_redirects=False)
    assert one.status_code == 303 and _state(factory, sid) == ("approved", 3)


# -- command line ---------------------------------------------------------------------------------------

def test_the_command_line_sets_and_shows_a_chain(database_url, tmp_path, engine, factory):
    from typer.testing import CliRunner

    from zongheng.cli import app as cli

    runner = CliRunner(env={"COLUMNS": "200"})
    where = ["--data", str(tmp_path / "data")]
    where += [] if database_url.startswith("sqlite") else ["--database", database_url]
    chain = tmp_path / "chain.yaml"
    chain.write_text("framework: eco\nsteps:\n"
                     "  - {name: 科室审核, name_en: Section review, role: 审核员, covers: department}\n"
                     "  - {name: 牵头单位审核, role: approver, covers: parent}\n"
                     "  - {name: 汇总部门审核, role: 汇总分析员, same_approver: true}\n", encoding="utf-8")
    done = runner.invoke(cli, ["approval-chain", "set", str(chain), *where])
    assert done.exit_code == 0, done.output
    assert "已设置审核链（eco）：科室审核 → 牵头单位审核 → 汇总部门审核" in done.output
    with factory() as s:
        assert approval_chain.configured(s, "eco") == (
            Step(1, "科室审核", "Section review", Role.APPROVER, Covers.DEPARTMENT),
            Step(2, "牵头单位审核", "", Role.APPROVER, Covers.PARENT),
            Step(3, "汇总部门审核", "", Role.ANALYST, Covers.ANY, same_approver=True))
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "approval_chain.set")).one()
        assert (event.user_id, event.object_id) == (None, "eco")
    shown = runner.invoke(cli, ["approval-chain", "show", *where])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines() == ["*:", "  1. 审核 (approver, any)",
                                         "eco:", "  1. 科室审核 (approver, department)",
                                         "  2. 牵头单位审核 (approver, parent)",
                                         "  3. 汇总部门审核 (analyst, any same_approver)"]
    chain.write_text("steps:\n  - {name: 领导审核, role: 领导}\n", encoding="utf-8")
    bad = runner.invoke(cli, ["approval-chain", "set", str(chain), *where])
    assert bad.exit_code != 0 and "第 1 级：审核角色须为审核员或汇总分析员（领导）" in bad.output
    chain.write_text("- just a list\n", encoding="utf-8")
    bad = runner.invoke(cli, ["approval-chain", "set", str(chain), *where])
    assert bad.exit_code != 0 and "审核链文件格式不对" in bad.output


def test_two_approvals_of_one_level_from_the_same_reading_advance_it_once(factory, world, people):
    # Both the 局 head and the 科室 head may approve level 1; each decided on the level they read.
    _set(factory, THREE)
    sid = _submitted(factory, people, "2026")
    with factory() as first, factory() as second:
        one, two = first.get(Submission, sid), second.get(Submission, sid)
        assert approval_chain.refusal(first, one, first.get(User, people["head1"]), {"name": "x"}) is None
        head = second.get(User, people["approver"])
        assert approval_chain.refusal(second, two, head, {"name": "x"}) is None
        approval_chain.approve_step(first, one, first.get(User, people["head1"]))
        first.commit()
        with pytest.raises(WorkflowError) as caught:
            approval_chain.approve_step(second, two, second.get(User, people["approver"]))
        second.rollback()
    assert caught.value.problems[0].key == "pf_ac_moved"
    assert _state(factory, sid) == ("submitted", 1)
