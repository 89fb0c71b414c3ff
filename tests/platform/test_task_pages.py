"""The 闭环 pages (/tasks, /tasks/{id}, the moves), through the app on SQLite and PostgreSQL.

The small world of conftest: the analyst (below city C) records and assigns, the reporter of A's
DA claims and asks to close, the analyst verifies or sends back. Every move is a form post with the
CSRF token; a refused move shows the task again with the reason and writes nothing.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import docx
import openpyxl
import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import Message, Problem, Task
from zongheng.platform.services import audit

from .conftest import csrf_of, login
from .test_tasks import PNG

DUE = (date.today() + timedelta(days=20)).isoformat()


def _post(client, url: str, data: dict | None = None, files=None, *, page: str = "/tasks"):
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **(data or {})}, files=files, follow_redirects=False)


def _task(factory) -> tuple[str, str, int, int]:
    """The newest task's department, state, number of evidence entries and times reopened."""
    with factory() as s:
        task = s.scalars(select(Task).order_by(Task.id.desc())).first()
        return task.department_code, task.state, len(task.evidence), task.reopened


def _record_and_assign(client, factory, title: str = "加快技改投资（领导批示）") -> int:
    login(client, "analyst")
    done = _post(client, "/problems", {"source": "instruction", "region": "A", "indicator": "X1",
                                       "title": title})
    assert done.status_code == 303
    ledger = client.get("/tasks").text
    with factory() as s:
        problem = s.scalars(select(Problem).order_by(Problem.id.desc())).first()
    assert f'data-problem="{problem.id}"' in ledger
    assert "默认：牵头单位 部门DA" in ledger          # the indicator's lead department, by default
    moved = _post(client, f"/problems/{problem.id}/assign", {"department": "", "due": DUE})
    assert moved.status_code == 303
    task_id = int(moved.headers["location"].rsplit("/", 1)[1])
    assert _task(factory)[:2] == ("DA", "pending")
    return task_id


def test_problem_to_closed_through_the_pages(client, factory, world):
    task_id = _record_and_assign(client, factory)
    page = f"/tasks/{task_id}"
    assert "待认领" in client.get(page).text

    login(client, "reporter")
    assert f'data-task="{task_id}"' in client.get("/tasks").text
    assert _post(client, f"{page}/claim", page=page).status_code == 303
    assert _post(client, f"{page}/measures", {"text": "新增两个技改项目"}, page=page).status_code == 303
    step = _post(client, f"{page}/milestones", {"title": "项目开工", "due": DUE}, page=page)
    assert step.status_code == 303
    with factory() as s:
        step = s.get(Task, task_id).milestones[0].id
    assert _post(client, f"{page}/milestones/done", {"milestone_id": step}, page=page).status_code == 303

    # A statement alone is refused: the page says why, and nothing was written.
    refused = _post(client, f"{page}/request", {"text": "已完成"}, page=page)
    assert refused.status_code == 400 and "须写明整改情况" in refused.text
    assert _task(factory)[1:3] == ("in_progress", 0)
    asked = _post(client, f"{page}/request", {"text": "两个项目已开工"},
                  files=[("files", ("开工照片.png", PNG, "image/png"))], page=page)
    assert asked.status_code == 303
    shown = client.get(page).text
    assert "申请销号" in shown and "两个项目已开工" in shown
    link = re.search(r'href="(/tasks/\d+/files/\d+)"', shown).group(1)
    download = client.get(link)
    assert download.content == PNG and download.headers["content-disposition"].startswith("attachment")

    login(client, "analyst")
    assert "verify-form" in client.get(page).text
    back = _post(client, f"{page}/send-back", {"reason": "缺少验收材料"}, page=page)
    assert back.status_code == 303
    assert "退回理由：缺少验收材料" in client.get(page).text

    login(client, "reporter")
    again = _post(client, f"{page}/request", {"text": "补充验收", "new_value": "13.5"}, page=page)
    assert again.status_code == 303
    login(client, "analyst")
    assert _post(client, f"{page}/verify", {"note": "材料齐全"}, page=page).status_code == 303
    closed = client.get(page).text
    assert "已销号" in closed and "reopen-form" in closed
    with factory() as s:
        task = s.get(Task, task_id)
        assert [e.action for e in task.events] == ["assign", "claim", "work", "work", "work", "request",
                                                   "send_back", "request", "verify"]
        assert (task.state, task.evidence[-1].new_value) == ("closed", 13.5)
        assert audit.verify_chain(s) is None
    assert _post(client, f"{page}/reopen", {"reason": "复核发现反弹"}, page=page).status_code == 303
    assert _task(factory)[1:] == ("in_progress", 2, 1)
    # Each move told whom it concerns in the inbox: the department, then the analysts, then back.
    with factory() as s:
        told = {name: list(s.scalars(select(Message.subject_key)
                                     .where(Message.recipient_id == world.users[name]).order_by(Message.id)))
                for name in ("reporter", "analyst")}
    assert told["reporter"] == ["pf_msg_task_assigned", "pf_msg_task_returned", "pf_msg_task_closed",
                                "pf_msg_task_reopened"]
    assert told["analyst"] == ["pf_msg_task_requested", "pf_msg_task_requested"]

    # The 台账 as Excel and CSV: the task's row, its department, measures and state as the page shows.
    book = openpyxl.load_workbook(io.BytesIO(client.get("/tasks/ledger.xlsx").content))
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    mine = next(r for r in rows if r and any(isinstance(c, str) and "加快技改投资" in c for c in r))
    assert "部门DA" in mine and "新增两个技改项目" in mine and "整改中" in mine
    listed = client.get("/tasks/ledger.csv")
    assert listed.headers["content-type"].startswith("text/csv")
    assert "加快技改投资" in listed.content.decode("utf-8-sig")


def test_the_reporter_cannot_verify_and_the_requester_cannot_close_their_own(client, factory, world):
    task_id = _record_and_assign(client, factory)
    page = f"/tasks/{task_id}"
    login(client, "reporter")
    assert "verify-form" not in client.get(page).text
    # The verify route admits analysts only: the reporter's post is refused before the task is read.
    assert _post(client, f"{page}/verify", page=page).status_code == 403
    # The analyst asks (as a worker would not); the same analyst may not then verify.
    with transaction(factory) as s:
        task = s.get(Task, task_id)
        task.state, task.requested_by = "requested", world.users["analyst"]
    login(client, "analyst")
    shown = client.get(page).text
    assert "verify-form" not in shown and "须由另一位分析员核实" in shown
    refused = _post(client, f"{page}/verify", page=page)
    assert refused.status_code == 400 and "另一位分析员" in refused.text
    assert _task(factory)[1] == "requested"


def test_a_post_without_the_csrf_token_is_refused(client, factory, world):
    task_id = _record_and_assign(client, factory)
    login(client, "reporter")
    response = client.post(f"/tasks/{task_id}/claim", follow_redirects=False)
    assert response.status_code == 403
    assert _task(factory)[1] == "pending"


def test_a_task_outside_the_scope_looks_like_none(client, factory, world):
    task_id = _record_and_assign(client, factory)
    login(client, "congress")           # 人大 of B only: A's task is not theirs
    assert client.get(f"/tasks/{task_id}").status_code == 404
    assert f'data-task="{task_id}"' not in client.get("/tasks").text


def test_titles_are_escaped_and_the_page_reads_in_english(client, factory, world):
    task_id = _record_and_assign(client, factory, title="<script>alert(1)</script> 指标下滑")
    for url in ("/tasks", f"/tasks/{task_id}"):
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    english = client.get(f"/tasks/{task_id}?lang=en").text
    assert f"Task #{task_id}" in english and "to claim" in english


@pytest.mark.parametrize("source", ["weakest", "nonsense"])
def test_only_congress_and_instruction_problems_are_recorded_by_hand(client, factory, world, source):
    login(client, "analyst")
    refused = _post(client, "/problems", {"source": source, "region": "A", "title": "x"})
    assert refused.status_code == 400 and "人大审议意见或领导批示" in refused.text
    with factory() as s:
        assert s.scalars(select(Problem)).first() is None


def test_a_congress_item_becomes_a_task_followed_on_the_congress_page(client, factory, world):
    login(client, "congress")           # 人大 of B records a review item there
    done = _post(client, "/problems", {"source": "congress", "region": "B", "back": "congress",
                                       "title": "加强工业固废综合利用"}, page="/congress")
    assert done.status_code == 303 and done.headers["location"] == "/congress"
    assert "加强工业固废综合利用" in client.get("/congress").text
    # A run the caller cannot read is refused on the page the form was on, nothing written.
    refused = _post(client, "/problems", {"source": "congress", "region": "B", "back": "congress",
                                          "title": "另一条", "run": "999"}, page="/congress")
    assert refused.status_code == 400 and "评价结果 #999" in refused.text
    with factory() as s:
        item = s.scalars(select(Problem)).one()
        assert (item.source, item.region_code, item.created_by) == ("congress", "B", world.users["congress"])

    login(client, "analyst")            # B has no lead department for it: the analyst names DB
    moved = _post(client, f"/problems/{item.id}/assign", {"department": "DB", "due": DUE})
    assert moved.status_code == 303
    followed = client.get("/congress").text
    assert 'data-state="pending"' in followed and "部门DB" in followed
    # The 整改情况报告 draft names the item, its department and the task's state.
    draft = docx.Document(io.BytesIO(client.get("/congress/report.docx").content))
    body = "\n".join(p.text for p in draft.paragraphs)
    assert "加强工业固废综合利用" in body and "部门DB" in body and "草稿" in body
    login(client, "leader")             # a leader of A does not follow B's items
    assert "加强工业固废综合利用" not in client.get("/congress").text
    login(client, "reporter")           # nor may a reporter open the page
    assert client.get("/congress").status_code == 403


def test_a_runs_rules_fill_the_problem_list_once_and_a_task_shows_its_numbers(client, factory, world):
    from .run_world import tiny_run

    run_id = tiny_run(factory, ["A", "B"])
    login(client, "analyst")
    run_page = client.get(f"/runs/{run_id}").text
    assert "rules-form" in run_page
    first = client.post(f"/runs/{run_id}/problems", data={"csrf_token": csrf_of(run_page)},
                        follow_redirects=False)
    assert first.status_code == 303
    made = re.search(r"rules=(\d+)-(\d+)-(\d+)", first.headers["location"]).groups()
    assert int(made[0]) > 0 and made[1:] == ("0", "0")
    ledger = client.get(first.headers["location"]).text
    assert f"新增问题 {made[0]} 个" in ledger
    with factory() as s:
        found = s.scalars(select(Problem).where(Problem.run_id == run_id)).all()
        assert len(found) == int(made[0]) and {p.region_code for p in found} <= {"A", "B"}
        problem = next(p for p in found if p.region_code == "A" and p.indicator_code)
    # The same run again: every problem is still open, so nothing is added.
    again = client.post(f"/runs/{run_id}/problems", data={"csrf_token": csrf_of(run_page)},
                        follow_redirects=False)
    assert again.headers["location"].startswith(f"/tasks?rules=0-0-{made[0]}")
    moved = _post(client, f"/problems/{problem.id}/assign", {"department": "DA", "due": DUE})
    task_page = client.get(moved.headers["location"]).text
    assert 'class="task-effect"' in task_page and 'data-kind="run"' in task_page
    assert 'data-fact="value"' in task_page and f'href="/runs/{run_id}/units/' in task_page
    login(client, "leader")             # a leader reads the run but does not record its problems
    assert client.post(f"/runs/{run_id}/problems", data={"csrf_token": csrf_of(client.get("/tasks").text)},
                       follow_redirects=False).status_code == 403


def test_the_header_groups_show_only_groups_with_links(client, world):
    login(client, "congress")           # 人大 enters no data: no 数据报送 group, the 闭环 one with its page
    html = client.get("/tasks").text
    assert "数据报送" not in html and '<a href="/congress">人大审议意见</a>' in html
    login(client, "reporter")
    html = client.get("/tasks").text
    assert "数据报送" in html and '<a href="/entry">' in html and "/congress" not in html
