"""催办 on the pages and from the command line, on SQLite and PostgreSQL.

The analyst chases an overdue task from its page: the department's 填报员 finds it in the inbox,
the task's record shows it, the ledger counts the department's overdue tasks. ``zongheng chase``
(the daily job) mails the 责任人 through a local SMTP sink (test_mailer's), never a real server.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from typer.testing import CliRunner

from zongheng.cli import app as cli
from zongheng.platform.db import transaction
from zongheng.platform.models import Message, Task, TaskEvent

from .conftest import csrf_of, login
from .test_cli import _args
from .test_mailer import sink  # noqa: F401  (the local SMTP sink fixture)
from .test_tasks import _task

runner = CliRunner(env={"COLUMNS": "200"})


def _late(factory, task_id: int, days: int) -> None:
    """Move the task's deadline ``days`` days into the past (assign refuses a past one)."""
    with transaction(factory) as s:
        s.get(Task, task_id).due = date.today() - timedelta(days=days)


def _inbox(factory, user_id: int) -> list[str]:
    with factory() as s:
        return list(s.scalars(select(Message.subject_key).where(Message.recipient_id == user_id)))


def test_the_analyst_chases_an_overdue_task_from_its_page(client, factory, world):
    task_id = _task(factory)
    _late(factory, task_id, 3)
    login(client, "analyst")
    ledger = client.get("/tasks").text
    assert 'tr data-department="DA" class="overdue"' in ledger
    assert f'data-task="{task_id}"' in client.get("/tasks?due=overdue").text     # the 督办 lists
    assert f'data-task="{task_id}"' not in client.get("/tasks?due=soon").text
    page = client.get(f"/tasks/{task_id}").text
    assert "urge-form" in page
    done = client.post(f"/tasks/{task_id}/urge", data={"csrf_token": csrf_of(page), "note": "本周内办结"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert _inbox(factory, world.users["reporter"]) == ["pf_msg_urge_late"]
    assert 'data-action="urge"' in client.get(f"/tasks/{task_id}").text
    login(client, "reporter")           # a 填报员 is chased, and may not chase
    assert "urge-form" not in client.get(f"/tasks/{task_id}").text


def test_a_task_waiting_on_the_analysts_is_not_chased(client, factory, world):
    task_id = _task(factory)
    with transaction(factory) as s:
        s.get(Task, task_id).state = "requested"
    login(client, "analyst")
    page = client.get(f"/tasks/{task_id}").text
    assert "urge-form" not in page
    refused = client.post(f"/tasks/{task_id}/urge", data={"csrf_token": csrf_of(page)},
                          follow_redirects=False)
    assert refused.status_code == 400 and "催办" in refused.text
    assert _inbox(factory, world.users["reporter"]) == []


def test_the_daily_chase_mails_the_department_once_a_day(database_url, tmp_path, factory, world,
                                                         sink, monkeypatch):  # noqa: F811
    where = _args(database_url, tmp_path)
    task_id = _task(factory)
    _late(factory, task_id, 2)
    for name, value in (("HOST", "127.0.0.1"), ("PORT", str(sink.port)), ("SENDER", "zongheng@example.cn")):
        monkeypatch.setenv(f"ZONGHENG_SMTP_{name}", value)
    set_email = runner.invoke(cli, ["users", "email", "reporter", "tianbao@example.cn", *where])
    assert set_email.exit_code == 0, set_email.output
    bad = runner.invoke(cli, ["users", "email", "reporter", "not-an-address", *where])
    assert bad.exit_code == 2 and "name@example.cn" in bad.output and "Traceback" not in bad.output

    first = runner.invoke(cli, ["chase", *where])
    assert first.exit_code == 0, first.output
    assert "已催办 1 项逾期任务（邮件失败 0 封）" in first.output
    [(recipients, mail)] = sink.mails
    assert recipients == ["tianbao@example.cn"]
    # The job counts days on the platform's clock (Asia/Shanghai), which may be a day ahead of UTC.
    late = (datetime.now(ZoneInfo("Asia/Shanghai")).date() - (date.today() - timedelta(days=2))).days
    assert f"已逾期 {late} 天" in mail.get_body(("plain",)).get_content()
    again = runner.invoke(cli, ["chase", *where])        # the same day: nothing more
    assert "已催办 0 项" in again.output and len(sink.mails) == 1
    with factory() as s:
        assert s.scalars(select(TaskEvent.action).where(TaskEvent.task_id == task_id)).all() == ["assign",
                                                                                                  "urge"]


def test_unreadable_mail_settings_stop_the_command_saying_which(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ZONGHENG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZONGHENG_SMTP_SENDER", "zongheng@example.cn")
    monkeypatch.setenv("ZONGHENG_SMTP_PORT", "twenty-five")
    result = runner.invoke(cli, ["chase", *_args(database_url, tmp_path)])
    assert result.exit_code == 2 and "ZONGHENG_SMTP_PORT" in result.output
    assert "Traceback" not in result.output
