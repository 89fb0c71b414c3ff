"""Deadline pages through HTTP: open a period, completeness, 催报 → inbox, 补报申请 (both databases)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, LateEntryRequest, Message, ReportingPeriod, Submission
from zongheng.platform.services import late_entry

from .conftest import csrf_of, login


def _post(client, url: str, **data):
    csrf = csrf_of(client.get("/inbox").text)
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_the_admin_opens_a_period_once(client, world, factory):
    login(client, "admin")
    page = client.get("/periods")
    assert page.status_code == 200 and "开启报送期" in page.text
    version_id = re.search(r'<option value="(\d+)">小指标体系', page.text).group(1)
    bad = _post(client, "/periods/open", version_id=version_id, period="2025", due="2025-13-01")
    assert bad.status_code == 303
    assert "日期格式不正确" in client.get(bad.headers["location"]).text
    # The framework's one 牵头单位 (DA) × the admin's one region (A) = 1 submission.
    first = _post(client, "/periods/open", version_id=version_id, period="2025", due="2026-03-31")
    assert "新建 1 项报送任务，共应报 1 项" in client.get(first.headers["location"]).text
    again = _post(client, "/periods/open", version_id=version_id, period="2025", due="2026-03-31")
    assert "新建 0 项报送任务，共应报 1 项" in client.get(again.headers["location"]).text
    with factory() as s:
        rows = s.execute(select(Submission.department_code, Submission.region_code, Submission.due_date)
                         .where(Submission.period == "2025")).all()
        assert rows == [("DA", "A", date(2026, 3, 31))]
    period_id = re.search(r'name="period_id" value="(\d+)"', client.get("/periods").text).group(1)
    due = _post(client, "/periods/due", period_id=period_id, department_code="DA", due="2026-04-15")
    assert "已更新 1 项报送任务的截止日期" in client.get(due.headers["location"]).text
    lock = _post(client, "/periods/lock", period_id=period_id, locked="1")
    assert "报送期已锁定" in client.get(lock.headers["location"]).text
    with factory() as s:
        assert s.scalar(select(Submission.due_date).where(Submission.period == "2025")) == date(2026, 4, 15)
        assert late_entry.may_enter(s, s.scalars(select(Submission).where(Submission.period == "2025")).one(),
                                    date(2026, 1, 1)) is False     # locked before its due date


def _rates(html: str, key: str) -> tuple[str, str]:
    row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', html, re.S).group(1)
    return (re.search(r'rate-reporting">([^<]+)<', row).group(1),
            re.search(r'rate-timely">([^<]+)<', row).group(1))


def test_completeness_page_for_the_analyst_and_the_leader(client, world):
    # 2024 in the analyst's scope (below C): s1 DA@A draft, s3 DA1@A submitted (no submission
    # time recorded, so not on time), s8 DB@B draft → 1/3 = 33.3 %, 0/3 = 0.0 %; s1 and s8 overdue.
    login(client, "analyst")
    page = client.get("/completeness?period=2024").text
    assert _rates(page, "overall") == ("33.3%", "0.0%")
    overdue = re.findall(r'<tr data-submission="(\d+)" data-days="(\d+)">', page)
    assert sorted(int(i) for i, _ in overdue) == sorted([world.submissions["s1"], world.submissions["s8"]])
    local_today = datetime.now(ZoneInfo("Asia/Shanghai")).date()      # the platform's time zone
    assert {int(d) for _, d in overdue} == {(local_today - date(2025, 3, 31)).days}
    assert page.count('class="remind"') == 2
    assert _rates(page, "A") == ("50.0%", "0.0%") and _rates(page, "B") == ("0.0%", "0.0%")
    # The leader (below A, approved data only) still sees A's states: s1 and s3 → 1/2.
    login(client, "leader")
    page = client.get("/completeness?period=2024").text
    assert _rates(page, "overall") == ("50.0%", "0.0%")
    assert 'class="remind"' not in page and f'data-submission="{world.submissions["s8"]}"' not in page


def test_a_reminder_reaches_the_reporter_inbox(client, world, factory):
    login(client, "analyst")
    sent = _post(client, f"/submissions/{world.submissions['s1']}/remind")
    assert sent.status_code == 303 and "已发送催报消息 2 条" in client.get(sent.headers["location"]).text
    login(client, "reporter")
    assert 'data-unread="1"' in client.get("/inbox/count").text
    inbox = client.get("/inbox").text
    assert "催报：部门DA（甲县）2024 年报送任务已逾期" in inbox
    message_id = re.search(r'<tr data-message="(\d+)" class="unread">', inbox).group(1)
    opened = _post(client, "/inbox/read", message_id=message_id)
    assert opened.headers["location"] == f"/submissions/{world.submissions['s1']}"
    assert client.get("/inbox/count").text == ""
    # Another user's message id is not theirs to mark.
    with factory() as s:
        approver_msg = s.scalar(select(Message.id).where(Message.recipient_id == world.users["approver"]))
    assert _post(client, "/inbox/read", message_id=str(approver_msg)).headers["location"] == "/inbox"
    with factory() as s:
        assert s.get(Message, approver_msg).read_at is None
    # Reminding a whole department: DB has no reporter or approver, so nobody is told, but it is audited.
    login(client, "analyst")
    sent = _post(client, "/completeness/remind", period="2024", department_code="DB")
    assert "已发送催报消息 0 条" in client.get(sent.headers["location"]).text
    with factory() as s:
        query = select(AuditEvent.object_id).where(AuditEvent.action == "submission.remind")
        reminded = s.scalars(query).all()
        assert reminded == [str(world.submissions["s1"]), str(world.submissions["s8"])]


def test_late_entry_request_and_decision(client, world, factory):
    s1 = world.submissions["s1"]
    login(client, "reporter")
    page = client.get("/late-entry").text
    assert f'action="/submissions/{s1}/late-entry"' in page
    blank = _post(client, f"/submissions/{s1}/late-entry", reason="  ")
    assert "请填写补报原因" in client.get(blank.headers["location"]).text
    _post(client, f"/submissions/{s1}/late-entry", reason="数据源更正，需补报")
    assert 'data-state="pending"' in client.get("/late-entry").text
    with factory() as s:
        request_id = s.scalar(select(LateEntryRequest.id))
    login(client, "analyst")
    assert "数据源更正，需补报" in client.get("/late-entry").text
    no_date = _post(client, "/late-entry/decide", request_id=str(request_id), decision="approve")
    assert "批准补报需填写截止日期" in client.get(no_date.headers["location"]).text
    done = _post(client, "/late-entry/decide", request_id=str(request_id), decision="approve",
                 until="2099-12-31")
    assert "已处理补报申请" in client.get(done.headers["location"]).text
    twice = _post(client, "/late-entry/decide", request_id=str(request_id), decision="reject")
    assert "该申请已处理过" in client.get(twice.headers["location"]).text
    with factory() as s:
        assert late_entry.late_entry_open(s, s.get(Submission, s1), date(2099, 12, 31))
        assert not late_entry.late_entry_open(s, s.get(Submission, s1), date(2100, 1, 1))
    login(client, "reporter")
    assert "补报申请已批准：部门DA（甲县）2024 可修改至 2099-12-31" in client.get("/inbox").text
    # A request on a submission outside the analyst's scope (s9, city D) looks like nothing.
    with transaction(factory) as s:
        outside = late_entry.request_late_entry(s, s.get(Submission, world.submissions["s9"]), "外市",
                                                user_id=None)
        outside_id = outside.id
    login(client, "analyst")
    assert "外市" not in client.get("/late-entry").text
    refused = _post(client, "/late-entry/decide", request_id=str(outside_id), decision="reject")
    assert refused.status_code == 404
    with factory() as s:
        assert s.get(LateEntryRequest, outside_id).state == "pending"
        assert s.scalar(select(func.count()).where(AuditEvent.action.like("late_entry.%"))) == 3


def test_the_deadline_pages_read_in_english_and_show_only_known_notices(client, world):
    login(client, "analyst")
    _post(client, f"/submissions/{world.submissions['s1']}/remind")
    pages = (("/completeness?period=2024&lang=en", "Reporting rate"), ("/periods", "Open a period"),
             ("/late-entry", "Requests to decide"), ("/inbox", "Inbox"))
    for path, words in pages:
        page = client.get(path)
        assert page.status_code == 200 and words in page.text, path
    # A notice is one of the platform's keys; anything else in the address shows nothing.
    page = client.get("/completeness?notice=pf_title&period=2024").text
    assert 'class="notice' not in page
    page = client.get("/late-entry?notice=pf_done_reminded").text      # a missing parameter: "—"
    assert "— reminder(s) sent." in page
    login(client, "reporter")
    assert "Reminder: 部门DA (甲县), period 2024, is" in client.get("/inbox").text


def test_periods_are_scoped_to_the_callers_regions(client, world, factory):
    # Periods are shared: 2024 has s1 (DA@A), s3 (DA1@A) and s8 (DB@B); 2023 also reaches city D (s9).
    with transaction(factory) as s:
        version = s.get(Submission, world.submissions["s1"]).version
        for period in ("2023", "2024"):
            s.add(ReportingPeriod(version_id=version.id, period=period, due_date=date(2025, 3, 31)))
    login(client, "admin")                                  # 管理员 of county A only
    page = client.get("/periods").text
    counts = dict(re.findall(r'<tr data-period="\d+">.*?<td>(\d{4})</td>.*?<td class="num">(\d+)</td>',
                              page, re.S))
    assert counts == {"2024": "2", "2023": "3"}             # A's submissions: s1 s3 / s2 s4 s5
    ids = {p: i for i, p in re.findall(r'<option value="(\d+)">小指标体系 · (\d+)</option>', page)}
    due = _post(client, "/periods/due", period_id=ids["2024"], department_code="DB", due="2026-04-15")
    assert "已更新 0 项报送任务" in client.get(due.headers["location"]).text      # B is not A's
    lock = _post(client, "/periods/lock", period_id=ids["2024"], locked="1")
    assert "权限范围以外的地区" in client.get(lock.headers["location"]).text
    login(client, "analyst")                                # below city C: A and B, not D
    assert "报送期已锁定" in client.get(_post(client, "/periods/lock", period_id=ids["2024"],
                                                 locked="1").headers["location"]).text
    refused = _post(client, "/periods/lock", period_id=ids["2023"], locked="1")
    assert "权限范围以外的地区" in client.get(refused.headers["location"]).text
    with factory() as s:
        locked = dict(s.execute(select(ReportingPeriod.period, ReportingPeriod.locked)).all())
        assert locked == {"2023": False, "2024": True}
        assert s.get(Submission, world.submissions["s8"]).due_date == date(2025, 3, 31)
