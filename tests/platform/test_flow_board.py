"""The status board (审核看板): scope, filters, bulk approval over HTTP, the diff before approving."""

from __future__ import annotations

import re
from datetime import date, timedelta

from zongheng.platform.db import transaction
from zongheng.platform.models import State, Submission, User
from zongheng.platform.services import submissions
from zongheng.platform.services.workflow import transition

from .conftest import csrf_of, login

LATER = (date.today() + timedelta(days=7)).isoformat()


def _rows(html: str) -> dict[int, str]:
    return {int(i): state for i, state in re.findall(r'data-submission="(\d+)" data-state="(\w+)"', html)}


def test_the_board_shows_the_submissions_in_scope_and_filters_them(client, world):
    w = world.submissions
    login(client, "approver")
    assert set(_rows(client.get("/board").text)) == {w["s1"], w["s2"], w["s3"], w["s4"]}
    assert _rows(client.get("/board?state=submitted").text) == {w["s3"]: "submitted"}
    assert set(_rows(client.get("/board?department=DA1").text)) == {w["s3"], w["s4"]}
    assert set(_rows(client.get("/board?region=B").text)) == set()       # B is outside the scope
    client.cookies.clear()
    login(client, "analyst")
    assert set(_rows(client.get("/board?region=B").text)) == {w["s7"], w["s8"]}
    assert set(_rows(client.get("/board").text)) == {w[f"s{n}"] for n in range(1, 9)}


def test_the_board_is_for_approvers_and_analysts_only(client, world):
    for name in ("reporter", "leader", "congress", "admin"):
        client.cookies.clear()
        login(client, name)
        assert client.get("/board").status_code == 403, name


def test_bulk_approve_over_http_all_or_nothing(client, factory, world):
    w = world.submissions
    with transaction(factory) as s:
        transition(s, s.get(Submission, w["s1"]), "submit", user=s.get(User, world.users["reporter"]))
    login(client, "approver")
    csrf = csrf_of(client.get("/board").text)
    # s2 is approved already: the batch is refused and s1, s3 stay submitted.
    refused = client.post("/board/approve", data={"csrf_token": csrf, "ids": [w["s1"], w["s2"], w["s3"]]})
    assert refused.status_code == 200
    assert "批量审核未执行：有 1 项不能审核，所有任务均未改变。" in refused.text
    assert "状态为“已审核”时不能审核通过" in refused.text
    with factory() as s:
        assert [s.get(Submission, w[k]).state for k in ("s1", "s3")] == ["submitted", "submitted"]
    done = client.post("/board/approve", data={"csrf_token": csrf, "ids": [w["s1"], w["s3"]]},
                       follow_redirects=False)
    assert done.status_code == 303
    with factory() as s:
        assert [s.get(Submission, w[k]).state for k in ("s1", "s3")] == ["approved", "approved"]
    assert client.post("/board/approve", data={"ids": [w["s1"]]}).status_code == 403      # no CSRF token


def test_the_board_shows_what_changed_since_approval(client, factory, world):
    sid = world.submissions["s1"]
    with transaction(factory) as s:
        sub, reporter = s.get(Submission, sid), s.get(User, world.users["reporter"])
        submissions.set_value(s, sub.values[0], 10.0, user_id=reporter.id)
        transition(s, sub, "submit", user=reporter)
        transition(s, sub, "approve", user=s.get(User, world.users["approver"]))
        transition(s, sub, "return", user=s.get(User, world.users["analyst"]), reason="复核",
                   due=date.today() + timedelta(days=3))
        submissions.set_value(s, sub.values[0], 1234.5, user_id=reporter.id)
        transition(s, sub, "submit", user=reporter)
    login(client, "approver")
    html = client.get("/board").text
    row = re.search(rf'<tr data-submission="{sid}".*?</tr>\s*</tbody></table>', html, re.S).group(0)
    assert "1 项变动" in row
    assert re.search(r'data-changed="X1"><td>X1 指标一</td><td class="num">10</td>'
                     r'<td class="num">1,234.5</td>', row)
    s3 = re.search(rf'<tr data-submission="{world.submissions["s3"]}".*?</tr>', html, re.S).group(0)
    assert "首次报送" in s3


def test_return_and_lock_from_the_board(client, factory, world):
    w = world.submissions
    login(client, "approver")
    csrf = csrf_of(client.get("/board").text)
    missing = client.post(f"/submissions/{w['s3']}/return",
                          data={"csrf_token": csrf, "reason": "", "due": ""})
    assert "退回须填写原因" in missing.text and "退回须填写补正期限" in missing.text
    done = client.post(f"/submissions/{w['s3']}/return", data={"csrf_token": csrf, "reason": "第 3 行口径",
                                                               "due": LATER}, follow_redirects=False)
    assert done.status_code == 303
    with factory() as s:
        sub = s.get(Submission, w["s3"])
        assert (sub.state, sub.return_reason) == ("returned", "第 3 行口径")
        assert sub.return_due.isoformat() == LATER
    assert client.post(f"/submissions/{w['s2']}/lock", data={"csrf_token": csrf}).status_code == 403
    client.cookies.clear()
    login(client, "analyst")
    csrf = csrf_of(client.get("/board").text)
    assert client.post(f"/submissions/{w['s2']}/lock", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    with factory() as s:
        assert s.get(Submission, w["s2"]).state == State.LOCKED.value


def test_the_reporter_submits_from_the_grid_and_sees_the_return_reason(client, factory, world):
    sid = world.submissions["s1"]
    login(client, "reporter")
    csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
    assert client.post(f"/submissions/{sid}/submit", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    again = client.post(f"/submissions/{sid}/submit", data={"csrf_token": csrf})
    assert "状态为“已报送”时不能报送" in again.text
    with transaction(factory) as s:
        transition(s, s.get(Submission, sid), "return", user=s.get(User, world.users["approver"]),
                   reason="请补充说明", due=date.today() + timedelta(days=2))
    page = client.get(f"/submissions/{sid}/entry").text
    assert "退回原因：请补充说明" in page and 'name="v-' in page


def test_the_new_pages_speak_english_too(client, world):
    login(client, "reporter")
    entry = client.get(f"/submissions/{world.submissions['s1']}/entry?lang=en").text
    assert "Submit for approval" in entry and "Comment" in entry and "提交申请" not in entry
    assert "My entry" in client.get("/entry").text
    client.cookies.clear()
    login(client, "analyst")
    board = client.get("/board?lang=en").text
    assert "Approval board" in board and "Changed since approval" in board and "审核看板" not in board
    assert "No change requests in your scope." in client.get("/change-requests").text
