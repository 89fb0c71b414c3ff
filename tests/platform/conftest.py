"""Fixtures of the platform tests: one suite, run on SQLite and on a real PostgreSQL server.

PostgreSQL is Debian's (``postgresql`` package): a throwaway cluster is created with ``initdb`` in a
temporary folder and started with ``pg_ctl`` on a free loopback port for the test session, then
stopped and deleted. Where the server binaries are missing the PostgreSQL half is skipped locally
and fails in CI (``.ci/run`` installs them), so CI never passes without it.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import date

import pytest

from zongheng.platform.db import make_engine, make_sessionmaker, transaction
from zongheng.platform.migrate import upgrade
from zongheng.platform.models import (
    Department,
    FrameworkIndicator,
    FrameworkVersion,
    Region,
    Role,
    Scope,
    State,
    Submission,
    Value,
)
from zongheng.platform.services import org, submissions, users
from zongheng.platform.services.passwords import use_cheapest_for_tests
from zongheng.platform.settings import load_settings

BACKENDS = ("sqlite", "postgresql")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session", autouse=True)
def _cheap_hashes():
    """Same algorithm (argon2id), smallest cost: the suite logs in hundreds of times."""
    use_cheapest_for_tests()


@pytest.fixture(scope="session")
def postgres_server():
    """Start a throwaway PostgreSQL cluster; yield its base URL (no database name)."""
    from zongheng.platform.throwaway import postgres_bin, throwaway_postgres

    bindir = postgres_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing (apt-get install postgresql)")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    with throwaway_postgres(bindir) as base:
        yield base


def _admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as con:
        con.execute(sql)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """An empty database: a SQLite file in tmp_path, or a new database on the test cluster."""
    if request.param == "sqlite":
        (tmp_path / "data").mkdir(mode=0o700)
        yield f"sqlite:///{tmp_path / 'data' / 'zongheng.db'}"
        return
    base = request.getfixturevalue("postgres_server")
    name = f"zt_{uuid.uuid4().hex[:12]}"
    _admin(base, f"CREATE DATABASE {name}")
    try:
        yield f"{base}/{name}"
    finally:
        _admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url, tmp_path):
    """Settings for a data folder in tmp_path and the test's database."""
    (tmp_path / "data").mkdir(exist_ok=True)
    return load_settings(tmp_path / "data", None if database_url.startswith("sqlite") else database_url)


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine):
    return make_sessionmaker(engine)


# -- a small world with two counties, for scope tests -----------------------------------------------
#
#   P 省 ─ C 市 ─ A 县 ─ A1 镇          D 市 (another city)
#              └─ B 县
#   departments of A: DA (with section DA1) and DA2; of B: DB; of D: DD.
#
# Submissions (id order): s1 DA@A draft, s2 DA@A approved, s3 DA1@A submitted, s4 DA1@A locked,
# s5 DA2@A approved, s6 DA2@A1 approved, s7 DB@B approved, s8 DB@B draft, s9 DD@D approved;
# drafts and submitted ones are period 2024, the others 2023.

SUBMISSIONS = {
    "s1": ("DA", "A", State.DRAFT), "s2": ("DA", "A", State.APPROVED), "s3": ("DA1", "A", State.SUBMITTED),
    "s4": ("DA1", "A", State.LOCKED), "s5": ("DA2", "A", State.APPROVED), "s6": ("DA2", "A1", State.APPROVED),
    "s7": ("DB", "B", State.APPROVED), "s8": ("DB", "B", State.DRAFT), "s9": ("DD", "D", State.APPROVED),
}

# One user per role, and what each may read, derived by hand from the scope rules:
# reporter (own A, DA): DA@A in every state → s1 s2.
# approver (below A, DA): DA and its section DA1 at A, every state → s1 s2 s3 s4.
# analyst (below C, may view unapproved): everything under C → s1–s8, not s9 (city D).
# leader (below A, approved only): approved/locked at A and A1 → s2 s4 s5 s6.
# congress (chosen set {B}, approved only): s7.
# admin (own A, approved only): approved/locked at A itself, not A1 → s2 s4 s5.
USERS = {
    "reporter": (Role.REPORTER, {"region": "A", "department": "DA"}),
    "approver": (Role.APPROVER, {"scope": Scope.BELOW, "region": "A", "department": "DA"}),
    "analyst": (Role.ANALYST, {"scope": Scope.BELOW, "region": "C", "view_unapproved": True}),
    "leader": (Role.LEADER, {"scope": Scope.BELOW, "region": "A"}),
    "congress": (Role.CONGRESS, {"scope": Scope.SET, "regions": ["B"]}),
    "admin": (Role.ADMIN, {"region": "A"}),
}
READS = {
    "reporter": {"s1", "s2"},
    "approver": {"s1", "s2", "s3", "s4"},
    "analyst": {"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"},
    "leader": {"s2", "s4", "s5", "s6"},
    "congress": {"s7"},
    "admin": {"s2", "s4", "s5"},
}


@dataclass
class World:
    """Ids of the small world's submissions and users."""

    submissions: dict[str, int]
    users: dict[str, int]


def build_world(factory) -> World:
    """Create the small world in an empty, migrated database."""
    start = date(2000, 1, 1)
    with transaction(factory) as s:
        org.add(s, Region, "P", "省", level="province", valid_from=start)
        org.add(s, Region, "C", "市", parent="P", level="city", valid_from=start)
        org.add(s, Region, "D", "另一市", parent="P", level="city", valid_from=start)
        org.add(s, Region, "A", "甲县", parent="C", level="county", valid_from=start)
        org.add(s, Region, "B", "乙县", parent="C", level="county", valid_from=start)
        org.add(s, Region, "A1", "甲县一镇", parent="A", level="town", valid_from=start)
        for code, parent, region in (("DA", None, "A"), ("DA1", "DA", "A"), ("DA2", None, "A"),
                                     ("DB", None, "B"), ("DD", None, "D")):
            org.add(s, Department, code, f"部门{code}", parent=parent, region_code=region, short_name=code,
                    valid_from=start)
        version = FrameworkVersion(key="mini", year=2024, name="小指标体系", content_sha256="0" * 64,
                                   source_text="code: M",
                                   indicators=[FrameworkIndicator(code="X1", name="指标一", unit="%",
                                                                  lead_department="DA", position=0)])
        s.add(version)
        s.flush()
        ids = {}
        for key, (dept, region, state) in SUBMISSIONS.items():
            period = "2024" if state in (State.DRAFT, State.SUBMITTED) else "2023"
            sub = Submission(version_id=version.id, department_code=dept, region_code=region, period=period,
                             due_date=date(2025, 3, 31), state=state.value,
                             values=[Value(indicator_id=version.indicators[0].id)])
            s.add(sub)
            s.flush()
            ids[key] = sub.id
        user_ids = {}
        for name, (role, scope) in USERS.items():
            user = users.create(s, name, PASSWORD)
            users.assign(s, user, role, **scope)
            user_ids[name] = user.id
        for key in ("s2", "s7"):
            sub = s.get(Submission, ids[key])
            submissions.set_value(s, sub.values[0], 12.5, user_id=user_ids["reporter"])
    return World(ids, user_ids)


@pytest.fixture
def world(factory) -> World:
    return build_world(factory)


@pytest.fixture
def app(settings, engine):
    from zongheng.platform.app import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def csrf_of(html: str) -> str:
    """Return the CSRF token of the first form in a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log in through the login form; return the response to the POST."""
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": "/"},
                       follow_redirects=False)


JAR_DOMAIN = "testserver.local"     # where the test client's jar files the app's cookies


def set_session_cookie(client, value: str) -> None:
    """Put ``value`` in the browser's session cookie, replacing the one the app set."""
    from zongheng.platform.pages.deps import COOKIE

    client.cookies.delete(COOKIE)
    client.cookies.set(COOKIE, value, domain=JAR_DOMAIN)
