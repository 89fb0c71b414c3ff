"""The demo seed (演示数据), ``zongheng serve --demo``: the whole flow visible at once.

What is seeded, all from files bundled with zongheng:

- the 天工鼎 and 生态文明 frameworks (``zongheng.frameworks``) as their 2023 versions;
- the regions 浙江省 → 金华市 → its 9 county-level units (from the 天工鼎 demo data's unit table and
  its 设区市 group) → a few 街道/园区 of 永康市;
- 永康市's departments: one per 牵头单位 the two frameworks name, plus one 科室 under 统计局;
- one demo user per role, each with a random password returned once for printing;
- 永康市's submissions for 2023 (approved, then locked) and 2024 (every state), with the values of
  the bundled SYNTHETIC datasets (``tiangong_demo``, ``eco_yongkang``) and some value history.

The numbers describe no real place; the pages say so.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from itertools import cycle

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zongheng.platform.models import Department, Region, RegionLevel, Role, Scope, State, User
from zongheng.platform.services import org, submissions, users
from zongheng.platform.services.frameworks import import_framework
from zongheng.platform.services.passwords import generate_password

__all__ = ["DemoUser", "is_empty", "seed"]

PROVINCE, CITY, COUNTY = "33", "3307", "330784"
# GB/T 2260 codes of 金华's county-level units (the path key; names come from the bundled data).
JINHUA_CODES = {
    "婺城区": "330702", "金东区": "330703", "武义县": "330723", "浦江县": "330726", "磐安县": "330727",
    "兰溪市": "330781", "义乌市": "330782", "东阳市": "330783", "永康市": "330784",
}
# Illustrative codes below county level (not official 乡镇 codes).
TOWNS = (("330784001", "东城街道"), ("330784002", "西城街道"), ("330784003", "江南街道"),
         ("330784900", "永康经济开发区"))
FRAMEWORKS = (("tiangong", "tiangong_demo"), ("eco", "eco_yongkang"))
YEAR = 2023
FROM = date(2000, 1, 1)


@dataclass(frozen=True)
class DemoUser:
    """A demo account, its role and its one-time password."""

    username: str
    role: Role
    password: str
    description: str


def is_empty(session: Session) -> bool:
    """Tell whether the database has no users yet (a fresh data folder)."""
    return session.scalar(select(func.count()).select_from(User)) == 0


def _regions(session: Session) -> None:
    from zongheng import datasets

    org.add(session, Region, PROVINCE, "浙江省", level=RegionLevel.PROVINCE.value, valid_from=FROM)
    org.add(session, Region, CITY, "金华市", parent=PROVINCE, level=RegionLevel.CITY.value, valid_from=FROM)
    with open(datasets.path("tiangong_demo") / "units.csv", encoding="utf-8") as f:
        counties = [row["地区"] for row in csv.DictReader(f) if row["设区市"] == "金华市"]
    for name in counties:
        org.add(session, Region, JINHUA_CODES[name], name, parent=CITY, level=RegionLevel.COUNTY.value,
                valid_from=FROM)
    for code, name in TOWNS:
        org.add(session, Region, code, name, parent=COUNTY, level=RegionLevel.TOWN.value, valid_from=FROM)


def _department_name(short: str) -> str:
    return f"中共永康市委{short[2:]}" if short.startswith("县委") else f"永康市{short}"


def _departments(session: Session, leads: list[str]) -> dict[str, str]:
    root = f"{COUNTY}-GOV"
    org.add(session, Department, root, "永康市人民政府及部门", region_code=COUNTY, short_name="永康市",
            valid_from=FROM)
    codes = {}
    for n, short in enumerate(leads, start=1):
        code = f"{COUNTY}-D{n:02d}"
        org.add(session, Department, code, _department_name(short), parent=root, region_code=COUNTY,
                short_name=short, valid_from=FROM)
        codes[short] = code
    org.add(session, Department, f"{codes['统计局']}-01", "永康市统计局综合统计科", parent=codes["统计局"],
            region_code=COUNTY, short_name="综合统计科", valid_from=FROM)
    return codes


def _users(session: Session, depts: dict[str, str]) -> list[DemoUser]:
    plan = [
        ("tianbao", Role.REPORTER, "统计局填报员（本单位）",
         {"region": COUNTY, "department": depts["统计局"]}),
        ("shenhe", Role.APPROVER, "统计局审核员（本局及科室）",
         {"scope": Scope.BELOW, "region": COUNTY, "department": depts["统计局"]}),
        ("fenxi", Role.ANALYST, "经信局汇总分析员（金华市及以下，含未审核数据）",
         {"scope": Scope.BELOW, "region": CITY, "view_unapproved": True}),
        ("lingdao", Role.LEADER, "市领导（永康市及以下，仅已审核）",
         {"scope": Scope.BELOW, "region": COUNTY}),
        ("renda", Role.CONGRESS, "人大（指定范围：永康市，仅已审核）",
         {"scope": Scope.SET, "regions": [COUNTY]}),
        ("admin", Role.ADMIN, "管理员", {"region": COUNTY}),
    ]
    out = []
    for username, role, description, scope in plan:
        password = generate_password()
        user = users.create(session, username, password, display_name=description)
        users.assign(session, user, role, **scope)
        out.append(DemoUser(username, role, password, description))
    return out


# 2024's states, dealt to the departments in turn so that every state appears.
STATES_2024 = (State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED, State.LOCKED)


def _submissions(session: Session, depts: dict[str, str], demo_users: dict[str, int]) -> None:
    from zongheng import datasets, frameworks

    states = cycle(STATES_2024)
    reporter, approver = demo_users["tianbao"], demo_users["shenhe"]
    for key, dataset in FRAMEWORKS:
        version = import_framework(session, key, YEAR, frameworks.path(key))
        panel = datasets.load(dataset).panel
        unit = panel.units.index("永康市")
        for period in (2023, 2024):
            values = panel.values[panel.periods.index(period), unit]
            column = {code: n for n, code in enumerate(panel.indicators)}
            owed = submissions.expected_submissions(
                session, version, COUNTY, str(period), date(period + 1, 3, 31), depts)
            for sub in owed:
                state = State.LOCKED if period == 2023 else next(states)
                blanks = state is State.DRAFT
                for n, value in enumerate(sorted(sub.values, key=lambda v: v.indicator_id)):
                    x = float(values[column[value.indicator.code]])
                    if (blanks and n % 2) or math.isnan(x):
                        continue    # a draft is half filled
                    submissions.set_value(session, value, x, user_id=reporter)
                if state is not State.DRAFT:
                    submissions.set_state(session, sub, State.SUBMITTED, user_id=reporter)
                if state is State.RETURNED:
                    submissions.set_state(session, sub, State.RETURNED, user_id=approver,
                                          reason="请核对第一项指标的统计口径（演示）")
                elif state in (State.APPROVED, State.LOCKED):
                    submissions.set_state(session, sub, State.APPROVED, user_id=approver)
                    if state is State.LOCKED:
                        submissions.set_state(session, sub, State.LOCKED, user_id=approver)
        version.frozen = True   # used by approved submissions
    _corrections(session, depts["统计局"], demo_users)


def _corrections(session: Session, department: str, demo_users: dict[str, int]) -> None:
    """Give the reporter's 2024 submission a corrected value, so history shows more than entry."""
    from zongheng.platform.models import Submission

    sub = session.scalars(select(Submission).where(
        Submission.department_code == department, Submission.period == "2024")).first()
    entered = [v for v in sub.values if v.value is not None] if sub else []
    if entered:
        first = entered[0]
        submissions.set_value(session, first, round(first.value * 1.01, 4), user_id=demo_users["tianbao"],
                              reason="按统计年鉴口径更正（演示）")


def seed(session: Session) -> list[DemoUser]:
    """Seed an empty database with the demo (演示数据); return the users and their passwords.

    Raises
    ------
    ValueError
        The database already has users: seeding twice would mix two demos.
    """
    from zongheng import frameworks
    from zongheng.io import read_framework

    if not is_empty(session):
        raise ValueError("the database already has users; the demo seeds an empty one only")
    _regions(session)
    leads: list[str] = []
    for key, _ in FRAMEWORKS:
        for indicator in read_framework(frameworks.path(key)).indicators:
            if indicator.department not in leads:
                leads.append(indicator.department)
    depts = _departments(session, leads)
    demo_users = _users(session, depts)
    ids = {u.username: users.by_name(session, u.username).id for u in demo_users}
    _submissions(session, depts, ids)
    _deadlines(session, ids["admin"])    # issue 12: periods, due dates, some overdue
    _reference(session, ids["fenxi"])    # issue 13: the peers a run ranks 永康 among
    _approval_chain(session, depts, ids)     # issue 12: a two-level chain for 生态文明
    return demo_users


def _deadlines(session: Session, admin: int) -> None:
    """Open the demo's periods: 2023 locked; 2024 due in two weeks, half its departments ten days ago.

    The dates are relative to the day the demo is seeded, so the 报送进度 page always shows both
    overdue drafts and late and timely submissions (the seed submits "today"). Within each framework,
    the 1st, 3rd, 5th… submission (by id) has the past date: 统计局's 天工鼎 draft is overdue.
    """
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from zongheng.platform.models import FrameworkVersion, Submission
    from zongheng.platform.services import periods

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    for version in session.scalars(select(FrameworkVersion).order_by(FrameworkVersion.id)):
        done = periods.open_period(session, version, "2023", date(2024, 3, 31), user_id=admin)
        periods.lock_period(session, done.period, user_id=admin)
        opened = periods.open_period(session, version, "2024", today + timedelta(days=14), user_id=admin)
        owed = session.scalars(select(Submission).where(
            Submission.version_id == version.id, Submission.period == "2024").order_by(Submission.id))
        for n, sub in enumerate(owed):
            due = today - timedelta(days=10) if n % 2 == 0 else opened.period.due_date
            periods.set_department_due(session, opened.period, sub.department_code, due, user_id=admin)


def _reference(session: Session, analyst: int) -> None:
    """Import the bundled synthetic 天工鼎 table of all 90 counties as the province's release."""
    from zongheng import datasets
    from zongheng.platform.models import FrameworkVersion
    from zongheng.platform.services.reference import import_reference

    version = session.scalars(select(FrameworkVersion).where(FrameworkVersion.key == "tiangong")).first()
    folder = datasets.path("tiangong_demo")
    import_reference(session, version, folder / "data.csv", units=folder / "units.csv",
                     name="全省各县（市、区）天工鼎指标 2020–2024（合成演示数据）",
                     source="zongheng 内置合成数据 tiangong_demo（非真实统计数据）", user_id=analyst)


def _approval_chain(session: Session, depts: dict[str, str], demo_users: dict[str, int]) -> None:
    """Give 生态文明 (eco) a two-level chain (部门审核 → 汇总部门审核), its 2024 submissions at both levels.

    天工鼎 keeps the default single level (统计局's 审核员 ``shenhe`` approves it). Of eco's submitted
    ones, the first waits at level 1; the second had level 1 approved by 交通运输局's department head
    (a seeded account that cannot log in: the demo prints one account per role) and waits for
    ``fenxi`` at level 2.
    """
    from zongheng.platform.models import Covers, FrameworkVersion, Submission
    from zongheng.platform.services import approval_chain
    from zongheng.platform.services.approval_chain import Step

    approval_chain.set_chain(session, (
        Step(1, "部门审核", "Department review", Role.APPROVER, Covers.DEPARTMENT),
        Step(2, "汇总部门审核", "Analyst office review", Role.ANALYST, Covers.ANY),
    ), framework_key="eco", user_id=demo_users["admin"])
    head = users.create(session, "shenhe_jtj", generate_password(),
                        display_name="交通运输局审核员（演示，不能登录）")
    users.assign(session, head, Role.APPROVER, region=COUNTY, department=depts["交通运输局"])
    head.disabled = True
    waiting = session.scalars(select(Submission).join(Submission.version).where(
        FrameworkVersion.key == "eco", Submission.period == "2024",
        Submission.state == State.SUBMITTED.value).order_by(Submission.id)).all()
    for sub in waiting:
        approval_chain.start(session, sub)
        if sub.department_code == depts["交通运输局"]:
            approval_chain.approve_step(session, sub, head)
