"""The workflow (审核流程): every allowed and refused transition per role, stamps and audit, bulk approval."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, State, Submission, User
from zongheng.platform.services import audit, submissions
from zongheng.platform.services.workflow import (
    WorkflowError,
    bulk_approve,
    changed_since_approval,
    checks_before_submit,
    transition,
)

LATER = date.today() + timedelta(days=7)

# (user, submission of the small world (conftest), action, outcome): "ok", or the refusal's kind.
# Derived from the rules: submit = 填报员 on draft/returned; return = 审核员/汇总分析员 on submitted,
# 汇总分析员 also on approved; approve = 审核员 on submitted; lock = 汇总分析员 on approved; and the
# submission must be in the role's scope (reporter: DA@A; approver: DA and DA1 at A; analyst: city C).
CASES = [
    ("reporter", "s1", "submit", "ok"),               # draft → submitted
    ("reporter", "s2", "submit", "bad_state"),        # approved
    ("approver", "s1", "submit", "bad_role"),
    ("analyst", "s1", "submit", "bad_role"),
    ("approver", "s3", "approve", "ok"),              # submitted → approved
    ("analyst", "s3", "approve", "bad_role"),
    ("reporter", "s3", "approve", "bad_role"),
    ("approver", "s1", "approve", "bad_state"),       # draft
    ("approver", "s3", "return", "ok"),
    ("analyst", "s3", "return", "ok"),
    ("reporter", "s3", "return", "bad_role"),
    ("analyst", "s5", "return", "ok"),                # approved → returned, by the analyst office
    ("approver", "s2", "return", "bad_state"),        # approved: only the analyst office returns it
    ("approver", "s1", "return", "bad_state"),        # draft
    ("analyst", "s2", "lock", "ok"),                  # approved → locked
    ("approver", "s2", "lock", "bad_role"),
    ("analyst", "s1", "lock", "bad_state"),
    ("analyst", "s4", "lock", "bad_state"),           # already locked
    ("leader", "s2", "lock", "bad_role"),
    ("admin", "s2", "return", "bad_state"),           # approved: the analyst's right, not the admin's
]
TARGET = {"submit": State.SUBMITTED, "approve": State.APPROVED, "return": State.RETURNED,
          "lock": State.LOCKED}


def _user(s, world, name) -> User:
    return s.get(User, world.users[name])


@pytest.mark.parametrize(("name", "key", "action", "outcome"), CASES)
def test_every_transition_per_role(factory, world, name, key, action, outcome):
    sid = world.submissions[key]
    with factory() as s:
        before = s.get(Submission, sid).state
    extra = {"reason": "口径不一致", "due": LATER} if action == "return" else {}
    if outcome == "ok":
        with transaction(factory) as s:
            transition(s, s.get(Submission, sid), action, user=_user(s, world, name), **extra)
        with factory() as s:
            sub = s.get(Submission, sid)
            assert sub.state == TARGET[action].value
            last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
            assert [e.action for e in last] == [f"workflow.{action}", "submission.state"]
            assert {e.user_id for e in last} == {world.users[name]} and last[0].object_id == str(sid)
            assert audit.verify_chain(s) is None
        return
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        transition(s, s.get(Submission, sid), action, user=_user(s, world, name), **extra)
    assert caught.value.problems[0].key == f"pf_wf_{outcome}"
    with factory() as s:
        assert s.get(Submission, sid).state == before


def test_the_refusal_reads_as_a_sentence():
    from zongheng.platform.pages import messages  # noqa: F401  (registers the state names)
    from zongheng.platform.services.entry import Problem

    params = {"name": "三项 2024", "action": "pf_wf_approve", "state": "pf_state_draft"}
    problem = Problem("pf_wf_bad_state", params)
    assert problem.message() == "“三项 2024”：状态为“草稿”时不能审核通过。"
    assert problem.message("en") == '"三项 2024": cannot approve it while it is Draft.'


@pytest.mark.parametrize(("reason", "due", "keys"), [
    ("", LATER, ["pf_wf_reason_needed"]),
    ("  ", None, ["pf_wf_reason_needed", "pf_wf_due_needed"]),
    ("口径", date.today() - timedelta(days=1), ["pf_wf_due_needed"]),
])
def test_a_return_needs_a_reason_and_a_date_to_come_back_by(factory, world, reason, due, keys):
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        transition(s, s.get(Submission, world.submissions["s3"]), "return", user=_user(s, world, "approver"),
                   reason=reason, due=due)
    assert [p.key for p in caught.value.problems] == keys


def test_the_whole_cycle_is_stamped_and_approval_keeps_the_values(factory, world):
    sid = world.submissions["s1"]
    with transaction(factory) as s:
        sub = s.get(Submission, sid)
        submissions.set_value(s, sub.values[0], 10.0, user_id=world.users["reporter"])
        transition(s, sub, "submit", user=_user(s, world, "reporter"))
        assert sub.submitted_at is not None and sub.approved_at is None
        transition(s, sub, "return", user=_user(s, world, "approver"), reason="请核对", due=LATER)
        assert (sub.return_reason, sub.return_due) == ("请核对", LATER)
        submissions.set_value(s, sub.values[0], 11.0, user_id=world.users["reporter"])
        transition(s, sub, "submit", user=_user(s, world, "reporter"))
        assert changed_since_approval(sub) == []          # never approved: nothing to compare with
        transition(s, sub, "approve", user=_user(s, world, "approver"))
        assert sub.approved_at is not None and sub.values[0].approved_value == 11.0
        transition(s, sub, "lock", user=_user(s, world, "analyst"))
    with factory() as s:
        assert s.get(Submission, sid).state == "locked"
        events = s.scalars(select(AuditEvent).where(AuditEvent.action.like("workflow.%"),
                                                    AuditEvent.object_id == str(sid))).all()
        assert [e.action for e in events] == ["workflow.submit", "workflow.return", "workflow.submit",
                                             "workflow.approve", "workflow.lock"]
        assert json.loads(events[1].detail) == {"due": LATER.isoformat(), "reason": "请核对"}


def test_changed_since_approval_compares_with_the_approved_values(factory, world):
    # s1: 10 approved; the analyst office returns it; the reporter changes it to 12.5; resubmitted.
    sid = world.submissions["s1"]
    with transaction(factory) as s:
        sub = s.get(Submission, sid)
        submissions.set_value(s, sub.values[0], 10.0, user_id=world.users["reporter"])
        transition(s, sub, "submit", user=_user(s, world, "reporter"))
        transition(s, sub, "approve", user=_user(s, world, "approver"))
        assert changed_since_approval(sub) == []
        transition(s, sub, "return", user=_user(s, world, "analyst"), reason="与上年差异过大", due=LATER)
        submissions.set_value(s, sub.values[0], 12.5, user_id=world.users["reporter"])
        transition(s, sub, "submit", user=_user(s, world, "reporter"))
        (change,) = changed_since_approval(sub)
        assert (change.code, change.name, change.unit, change.approved, change.current) == (
            "X1", "指标一", "%", 10.0, 12.5)


def test_checks_before_submit_finds_nothing_yet(factory, world):
    with factory() as s:
        assert checks_before_submit(s, s.get(Submission, world.submissions["s1"])) == []


def _submit_s1(factory, world):
    with transaction(factory) as s:
        transition(s, s.get(Submission, world.submissions["s1"]), "submit", user=_user(s, world, "reporter"))


def test_bulk_approve_approves_every_selected_one(factory, world):
    _submit_s1(factory, world)
    ids = [world.submissions["s1"], world.submissions["s3"]]
    with transaction(factory) as s:
        done = bulk_approve(s, ids, user=_user(s, world, "approver"))
    assert sorted(d.id for d in done) == sorted(ids)
    with factory() as s:
        assert [s.get(Submission, i).state for i in ids] == ["approved", "approved"]
        approvals = s.scalars(select(AuditEvent.object_id)
                              .where(AuditEvent.action == "workflow.approve")).all()
        assert sorted(approvals) == sorted(map(str, ids))        # one audit event per submission


@pytest.mark.parametrize("intruder", ["s1", "s8", None])
def test_bulk_approve_with_one_refused_approves_none(factory, world, intruder):
    # s1 is a draft; s8 is outside the approver's scope; None is an id that does not exist.
    ids = [world.submissions["s3"], world.submissions[intruder] if intruder else 999_999]
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        bulk_approve(s, ids, user=_user(s, world, "approver"))
    assert caught.value.problems[0].key == "pf_wf_batch_refused"
    assert caught.value.problems[0].params == {"n": 1}
    with factory() as s:
        assert s.get(Submission, world.submissions["s3"]).state == "submitted"
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "workflow.approve")).all() == []


def test_bulk_approve_of_nothing_is_refused(factory, world):
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        bulk_approve(s, [], user=_user(s, world, "approver"))
    assert caught.value.problems[0].key == "pf_wf_none_selected"


def test_a_refused_submit_says_which_flag_in_words(factory, world, monkeypatch):
    # The refusal once showed "报送前校验未通过：Problem(key='pf_wf_flag_unexplained', …)".
    from zongheng.platform.services import workflow
    from zongheng.platform.services.entry import Problem

    found = [Problem("pf_wf_flag_unexplained", {"finding": "X1 = 150，超出 0–100", "id": 7})]
    monkeypatch.setattr(workflow, "checks_before_submit", lambda db, submission: found)
    with factory() as s:
        submission = s.get(Submission, world.submissions["s1"])
        with pytest.raises(workflow.WorkflowError) as err:
            workflow.transition(s, submission, "submit", user=s.get(User, world.users["reporter"]))
    (problem,) = err.value.problems
    assert problem.message("zh") == ("报送前校验未通过：X1 = 150，超出 0–100"
                                     "——请先在 /submissions/7/flags 填写说明")
    assert "Problem(" not in str(err.value)
