"""Deadlines (报送期, 报送率/及时率, 逾期, 催报, 补报): the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from zongheng.platform.db import transaction
from zongheng.platform.models import (
    AuditEvent,
    Department,
    FrameworkIndicator,
    FrameworkVersion,
    LateEntryRequest,
    Message,
    Region,
    ReportingPeriod,
    Role,
    State,
    Submission,
)
from zongheng.platform.services import access, completeness, inbox, late_entry, org, periods, users

from .conftest import PASSWORD

START = date(2000, 1, 1)
DUE = date(2025, 3, 31)


def _version(s, leads: list[str]) -> FrameworkVersion:
    version = FrameworkVersion(
        key="mini", year=2024, name="小指标体系", content_sha256="0" * 64, source_text="code: M",
        indicators=[FrameworkIndicator(code=f"X{n}", name=f"指标{n}", lead_department=lead, position=n)
                    for n, lead in enumerate(leads)])
    s.add(version)
    s.flush()
    return version


def _org(s) -> None:
    """Regions A, B, E under C; A and B have 统计局 and 经信局, E has only 统计局."""
    org.add(s, Region, "C", "市", level="city", valid_from=START)
    for code in ("A", "B", "E"):
        org.add(s, Region, code, f"{code}县", parent="C", level="county", valid_from=START)
    pairs = (("A", "统计局"), ("A", "经信局"), ("B", "统计局"), ("B", "经信局"), ("E", "统计局"))
    for region, short in pairs:
        org.add(s, Department, f"{region}-{short}", f"{region}{short}", region_code=region, short_name=short,
                valid_from=START)


def test_opening_a_period_creates_lead_departments_times_regions_once(factory):
    with transaction(factory) as s:
        _org(s)
        # Three indicators, two 牵头单位: 统计局 leads X0 and X2, 经信局 leads X1.
        version = _version(s, ["统计局", "经信局", "统计局"])
        own = {"B-经信局": date(2025, 4, 15)}
        opened = periods.open_period(s, version, "2024", DUE, due_by_department=own, user_id=None)
        # E lacks a 经信局, so by default only A and B report: 2 leads × 2 regions = 4.
        assert (opened.created, opened.expected) == (4, 4)
        order = (Submission.region_code, Submission.department_code)
        subs = s.scalars(select(Submission).order_by(*order)).all()
        assert [(x.region_code, x.department_code, x.due_date, len(x.values)) for x in subs] == [
            ("A", "A-经信局", DUE, 1), ("A", "A-统计局", DUE, 2),       # 经 (U+7ECF) sorts before 统 (U+7EDF)
            ("B", "B-经信局", date(2025, 4, 15), 1), ("B", "B-统计局", DUE, 2)]
        again = periods.open_period(s, version, "2024", DUE, user_id=None)
        assert (again.created, again.expected) == (0, 4)
        assert s.scalar(select(func.count()).select_from(Submission)) == 4
        assert s.scalar(select(func.count()).select_from(ReportingPeriod)) == 1
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions.count("period.open") == 2
        with pytest.raises(ValueError, match="E: 经信局"):
            periods.open_period(s, version, "2024", DUE, regions=["E"], user_id=None)
        # One department's own date, then the lock.
        row = again.period
        assert periods.set_department_due(s, row, "A-统计局", date(2025, 4, 30)) == 1
        periods.lock_period(s, row)
        assert row.locked and row.locked_at is not None


def _at(local: str) -> datetime:
    """A Shanghai local time as the naive UTC the database keeps (UTC+8)."""
    return datetime.fromisoformat(local) - timedelta(hours=8)


def _four(s) -> dict[str, int]:
    """Four submissions of 2024 due 2025-03-31, by hand:

    A-统计局 submitted 03-30 10:00 (on time); A-经信局 approved, submitted 03-31 20:00 local
    (12:00 UTC, on time); B-统计局 locked, submitted 04-01 01:00 local (03-31 17:00 UTC: on time in
    UTC but late by the local due day); B-经信局 still a draft.
    → overall 3/4 reported = 75 %, 2/4 on time = 50 %;
      A: 2/2, 2/2; B: 1/2, 0/2; 统计局s: A 1/1 1/1, B 1/1 0/1; 经信局s: A 1/1 1/1, B 0/1 0/1.
    """
    _org(s)
    version = _version(s, ["统计局", "经信局"])
    periods.open_period(s, version, "2024", DUE, user_id=None)
    subs = {x.department_code: x for x in s.scalars(select(Submission))}
    plan = {"A-统计局": (State.SUBMITTED, "2025-03-30T10:00"),
            "A-经信局": (State.APPROVED, "2025-03-31T20:00"),
            "B-统计局": (State.LOCKED, "2025-04-01T01:00")}
    for dept, (state, at) in plan.items():
        subs[dept].state, subs[dept].submitted_at = state.value, _at(at)
    s.flush()
    return {k: v.id for k, v in subs.items()}


def test_completeness_rates_by_hand(factory):
    with transaction(factory) as s:
        _four(s)
        result = completeness.completeness(s, "2024")
        o = result.overall
        assert (o.expected, o.reported, o.on_time) == (4, 3, 2)
        assert (o.reporting_rate, o.timely_rate) == (0.75, 0.5)
        assert [(r.key, r.expected, r.reported, r.on_time) for r in result.by_region] == [
            ("A", 2, 2, 2), ("B", 2, 1, 0)]
        assert [(r.key, r.expected, r.reported, r.on_time) for r in result.by_department] == [
            ("A-经信局", 1, 1, 1), ("A-统计局", 1, 1, 1), ("B-经信局", 1, 0, 0), ("B-统计局", 1, 1, 0)]
        empty = completeness.completeness(s, "2030").overall
        assert (empty.expected, empty.reporting_rate) == (0, None)


def test_overdue_list_and_days(factory):
    with transaction(factory) as s:
        ids = _four(s)
        assert completeness.overdue(s, "2024", DUE) == []            # due today: not yet overdue
        late = completeness.overdue(s, "2024", date(2025, 4, 10))
        assert [(x.submission_id, x.days, x.state) for x in late] == [(ids["B-经信局"], 10, "draft")]
        # A returned submission is owed again; 2025-03-31 → 2025-05-01 is 31 days.
        sub = s.get(Submission, ids["A-统计局"])
        sub.state = State.RETURNED.value
        s.flush()
        late = completeness.overdue(s, "2024", date(2025, 5, 1))
        assert sorted((x.department_code, x.days) for x in late) == [("A-统计局", 31), ("B-经信局", 31)]


def test_completeness_counts_only_the_callers_scope(factory):
    with transaction(factory) as s:
        _four(s)
        leader = users.create(s, "leader", PASSWORD)
        users.assign(s, leader, Role.LEADER, region="B")      # approved only, yet sees B's states
        result = completeness.completeness(s, "2024", grants=access.grants(s, leader, on=DUE))
        assert (result.overall.expected, result.overall.reported, result.overall.on_time) == (2, 1, 0)
        assert [r.key for r in result.by_region] == ["B"]


def test_a_reminder_reaches_only_the_reporters_and_approvers_in_scope(factory, world):
    with transaction(factory) as s:
        other = users.create(s, "reporter_b", PASSWORD)
        users.assign(s, other, Role.REPORTER, region="B", department="DB")
        sub = s.get(Submission, world.submissions["s1"])          # DA@A, a draft due 2025-03-31
        sent = inbox.remind(s, [sub], sender_id=world.users["analyst"], today=date(2025, 4, 3),
                            names={"DA": "部门DA", "A": "甲县"})
        assert sent == 2
        got = s.execute(select(Message.recipient_id, Message.subject_key, Message.link, Message.params)
                        .order_by(Message.recipient_id)).all()
        assert [g[0] for g in got] == [world.users["reporter"], world.users["approver"]]
        assert {g[1] for g in got} == {"pf_msg_remind"} and {g[2] for g in got} == {f"/submissions/{sub.id}"}
        assert json.loads(got[0][3]) == {"days": 3, "department": "部门DA", "due": "2025-03-31",
                                         "period": "2024", "region": "甲县"}
        # DA1's submission: its approver (DA and below) is told, DA's own 填报员 is not.
        inbox.remind(s, [s.get(Submission, world.submissions["s3"])], sender_id=None, today=date(2025, 4, 3))
        assert inbox.unread_count(s, world.users["approver"]) == 2
        assert inbox.unread_count(s, world.users["reporter"]) == 1
        assert inbox.unread_count(s, other.id) == 0
        assert s.scalar(select(func.count()).where(AuditEvent.action == "submission.remind")) == 2
        assert inbox.mark_read(s, world.users["approver"]) == 2
        assert inbox.unread_count(s, world.users["approver"]) == 0


def test_late_entry_approve_reject_and_open(factory, world):
    with transaction(factory) as s:
        sub = s.get(Submission, world.submissions["s1"])          # due 2025-03-31
        assert late_entry.may_enter(s, sub, date(2025, 3, 31))    # before the deadline: open
        assert not late_entry.may_enter(s, sub, date(2025, 4, 1))
        with pytest.raises(ValueError, match="reason"):
            late_entry.request_late_entry(s, sub, "  ", user_id=world.users["reporter"])
        first = late_entry.request_late_entry(s, sub, "统计口径调整，需补报", user_id=world.users["reporter"])
        assert not late_entry.late_entry_open(s, sub, date(2025, 4, 5))       # pending is not open
        late_entry.decide(s, first, False, user_id=world.users["analyst"], note="理由不充分")
        assert first.state == "rejected" and not late_entry.late_entry_open(s, sub, date(2025, 4, 5))
        with pytest.raises(ValueError, match="already"):
            late_entry.decide(s, first, True, user_id=world.users["analyst"], until=date(2025, 4, 10))
        second = late_entry.request_late_entry(s, sub, "补充佐证后补报", user_id=world.users["reporter"])
        with pytest.raises(ValueError, match="until"):
            late_entry.decide(s, second, True, user_id=world.users["analyst"])
        late_entry.decide(s, second, True, user_id=world.users["analyst"], until=date(2025, 4, 10))
        assert late_entry.late_entry_open(s, sub, date(2025, 4, 10))           # the until day is included
        assert not late_entry.late_entry_open(s, sub, date(2025, 4, 11))
        assert late_entry.may_enter(s, sub, date(2025, 4, 10))
        assert not late_entry.may_enter(s, sub, date(2025, 4, 11))
        # Another submission is not opened by this one's approval.
        assert not late_entry.late_entry_open(s, s.get(Submission, world.submissions["s2"]), date(2025, 4, 5))
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("late_entry.%"))
                            .order_by(AuditEvent.id)).all()
        assert actions == ["late_entry.request", "late_entry.reject",
                           "late_entry.request", "late_entry.approve"]
        assert s.scalar(select(func.count()).select_from(LateEntryRequest)) == 2


def test_a_locked_period_closes_entry_before_the_due_date(factory):
    with transaction(factory) as s:
        _org(s)
        version = _version(s, ["统计局"])
        opened = periods.open_period(s, version, "2024", DUE, regions=["A"], user_id=None)
        sub = s.scalars(select(Submission)).one()
        assert late_entry.may_enter(s, sub, date(2025, 3, 1))
        periods.lock_period(s, opened.period)
        assert not late_entry.may_enter(s, sub, date(2025, 3, 1))
        assert periods.entry_closed(s, sub, date(2025, 3, 1))
