"""Change requests (变更申请): a value of approved data changes only when the analyst office approves."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, ChangeRequest, Submission, User
from zongheng.platform.services.workflow import WorkflowError, decide_change, request_change

from .conftest import csrf_of, login


def _value(factory, sid):
    with factory() as s:
        value = s.get(Submission, sid).values[0]
        return value.value, value.approved_value, [(h.old, h.new, h.reason) for h in value.history]


def test_the_reporter_asks_and_the_analyst_approves(client, factory, world):
    sid = world.submissions["s2"]            # approved, X1 = 12.5 (set by the reporter)
    login(client, "reporter")
    page = client.get(f"/submissions/{sid}/entry").text
    assert 'name="v-' not in page and "申请修改已审核数据" in page
    response = client.post(f"/submissions/{sid}/change-requests", follow_redirects=False,
                           data={"csrf_token": csrf_of(page), "code": "X1", "new_value": "13.75",
                                 "reason": "年报修订"})
    assert response.status_code == 303
    assert _value(factory, sid)[0] == 12.5               # nothing changes before the decision
    client.cookies.clear()
    login(client, "analyst")
    listing = client.get("/change-requests").text
    (request_id,) = (int(i) for i in re.findall(r'data-request="(\d+)" data-state="pending"', listing))
    done = client.post("/change-requests/decide", follow_redirects=False,
                       data={"csrf_token": csrf_of(listing), "request_id": request_id, "decision": "approve",
                             "note": "同意"})
    assert done.status_code == 303
    value, approved, history = _value(factory, sid)
    assert (value, approved) == (13.75, 13.75)
    assert history[-1] == (12.5, 13.75, f"变更申请 #{request_id}：年报修订")
    with factory() as s:
        request = s.get(ChangeRequest, request_id)
        assert (request.state, request.decided_by, request.decision_note) == (
            "approved", world.users["analyst"], "同意")
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["value.set", "change_request.approve"]
        assert "change_request.create" in actions


def test_a_rejected_request_changes_nothing(factory, world):
    sid = world.submissions["s2"]
    with transaction(factory) as s:
        request = request_change(s, s.get(Submission, sid), "X1", "99", "误填",
                                 user=s.get(User, world.users["reporter"]))
        decide_change(s, request, False, user=s.get(User, world.users["analyst"]), note="依据不足")
    assert _value(factory, sid) == (12.5, None, [(None, 12.5, "")])
    with factory() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert event.action == "change_request.reject" and json.loads(event.detail)["note"] == "依据不足"
        with pytest.raises(WorkflowError) as caught:       # a decided request stays decided
            decide_change(s, s.get(ChangeRequest, request.id), True, user=s.get(User, world.users["analyst"]))
        assert caught.value.problems[0].key == "pf_cr_not_pending"


@pytest.mark.parametrize(("key", "name", "code", "typed", "reason", "expected"), [
    ("s1", "reporter", "X1", "1", "原因", ["pf_cr_not_approved"]),          # a draft is edited directly
    ("s2", "reporter", "X9", "1", "原因", ["pf_cr_unknown_indicator"]),
    ("s2", "reporter", "X1", "一", " ", ["pf_cr_bad_value", "pf_cr_reason_needed"]),
    ("s2", "approver", "X1", "1", "原因", ["pf_wf_bad_role"]),
])
def test_bad_requests_are_refused(factory, world, key, name, code, typed, reason, expected):
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        request_change(s, s.get(Submission, world.submissions[key]), code, typed, reason,
                       user=s.get(User, world.users[name]))
    assert [p.key for p in caught.value.problems] == expected
    with factory() as s:
        assert s.scalars(select(ChangeRequest)).all() == []


def test_the_analyst_cannot_decide_outside_the_scope(client, factory, world):
    # A request on s9 (city D, outside the analyst's city C), written directly.
    with transaction(factory) as s:
        sub = s.get(Submission, world.submissions["s9"])
        s.add(ChangeRequest(submission_id=sub.id, indicator_id=sub.values[0].indicator_id, new_value=1.0,
                            reason="x", requested_by=world.users["reporter"]))
    with factory() as s:
        request_id = s.scalars(select(ChangeRequest.id)).one()
    login(client, "analyst")
    listing = client.get("/change-requests").text
    assert f'data-request="{request_id}"' not in listing
    refused = client.post("/change-requests/decide", data={"csrf_token": csrf_of(listing),
                                                           "request_id": request_id, "decision": "approve"})
    assert "找不到变更申请" in refused.text
    with factory() as s:
        assert s.get(ChangeRequest, request_id).state == "pending"
