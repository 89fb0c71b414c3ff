"""``kill -9`` of a real ``zongheng serve`` in the middle of a write, then a restart: nothing half-written.

Three operations, on SQLite and PostgreSQL, each killed at several moments after its request left
(the kill lands before, inside or after the transaction; which one is not controlled, so the
invariant is asserted every time and the outcomes are counted):

- an Excel import (确认保存 of a filled entry template, 18 values and 18 comments): afterwards the
  submission holds either every value of the file or every value it held before;
- a bulk approval (批量审核) on the board: every submission of the batch approved, or none;
- an evaluation run (a job in the server's worker thread): after the restart the job runs again
  (the new server's worker recovers it at once, :func:`jobs.worker_gone`) and ends done with one
  run, or failed with a message; it never stays ``running``.

Each time: the audit chain verifies, and SQLite's ``PRAGMA integrity_check`` says ``ok``.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

import httpx2 as httpx
import openpyxl
import pytest
from sqlalchemy import func, select, text

import zongheng as zh
from zongheng.platform.db import transaction
from zongheng.platform.models import (
    AuditEvent,
    FrameworkVersion,
    Job,
    Role,
    Run,
    Scope,
    State,
    Submission,
    Value,
)
from zongheng.platform.services import jobs, submissions, users
from zongheng.platform.services.audit import verify_chain
from zongheng.platform.services.entry_xlsx import COMMENT_COL, HEADER_ROW, SHEET, VALUE_COL

from .conftest import PASSWORD
from .county_world import COUNTIES, enter_counties
from .fault_server import Served, csrf_in, figures, logged_in

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")

YONGKANG = "330784"
IMPORTED = "经信局"          # 18 of 天工鼎's indicators: the largest import one department makes
KILL_AT = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3)
"""When ``kill -9`` lands, as a fraction of the time the same operation took unkilled on this machine
(measured first): from "not yet read" through "inside the transaction" to "just done"."""
RUN_KILL_AT = (0.1, 0.5, 0.9)
BATCHES = len(KILL_AT) + 1      # one more for the unkilled measurement
SETTLE_SECONDS = 300.0
"""Bound on waiting for a recovered job to end (not a timing assertion: the test fails past it)."""


@dataclass
class Kills:
    """Ids of the world the kills work on."""

    draft: int                      # 经信局@永康 2025, the reporter's, empty
    batches: list[list[int]]        # submitted ones, one batch per kill


def _world(factory) -> Kills:
    """Three counties' 天工鼎 data approved (runnable), users, 2025–2027 submissions to import and approve."""
    panel = zh.datasets.load("tiangong_demo").panel
    made: dict[str, object] = {}

    def more(s) -> None:
        version = s.scalars(select(FrameworkVersion).where(FrameworkVersion.key == "tiangong")).one()
        leads = sorted({i.lead_department for i in version.indicators})
        reporter = users.create(s, "tianbao", PASSWORD)
        users.assign(s, reporter, Role.REPORTER, region=YONGKANG,
                     department=f"{YONGKANG}-{leads.index(IMPORTED)}")
        users.assign(s, users.create(s, "shenhe", PASSWORD), Role.APPROVER, scope=Scope.BELOW, region="3307")
        users.assign(s, users.create(s, "fenxi", PASSWORD), Role.ANALYST, scope=Scope.BELOW, region="3307",
                     view_unapproved=True)
        submitted = []
        for period in ("2025", "2026", "2027"):
            for code in COUNTIES:
                depts = {lead: f"{code}-{n}" for n, lead in enumerate(leads)}
                owed = submissions.expected_submissions(s, version, code, period, date(2099, 3, 31), depts)
                for sub in owed:
                    if (code, period, sub.department_code) == (YONGKANG, "2025", depts[IMPORTED]):
                        made["draft"] = sub.id
                        continue
                    submissions.set_state(s, sub, State.SUBMITTED, user_id=reporter.id)
                    submitted.append(sub.id)
        size = len(submitted) // BATCHES
        made["batches"] = [submitted[k * size:(k + 1) * size] for k in range(BATCHES)]

    enter_counties(factory, panel, "tiangong", 2024, more=more)
    return Kills(made["draft"], made["batches"])


def _sound(engine, factory) -> None:
    """What must hold after every restart: the audit chain, and an undamaged SQLite file."""
    with factory() as s:
        assert verify_chain(s) is None
    if engine.dialect.name == "sqlite":
        with engine.connect() as con:
            assert con.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def _send(client: httpx.Client, url: str, data: dict, outcome: list) -> threading.Thread:
    """POST in a thread (the kill cuts it off); ``outcome`` gets the status or the transport error."""
    def post() -> None:
        try:
            outcome.append(client.post(url, data=data).status_code)
        except httpx.TransportError as exc:
            outcome.append(type(exc).__name__)
    thread = threading.Thread(target=post)
    thread.start()
    return thread


def _kill_during(served: Served, client: httpx.Client, url: str, data: dict, after: float) -> object:
    outcome: list = []
    thread = _send(client, url, data, outcome)
    time.sleep(after)
    served.kill9()
    thread.join(60)
    client.close()
    served.start()
    return outcome[0] if outcome else "no answer"


def _timed(client: httpx.Client, url: str, data: dict) -> float:
    """POST without a kill; return the seconds it took (to place the kills, never asserted on)."""
    start = time.monotonic()
    answer = client.post(url, data=data)
    assert answer.status_code in (200, 303), answer.text[:1000]
    client.close()
    return time.monotonic() - start


def _filled(template: bytes, k: int) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book[SHEET]
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        sheet.cell(row, VALUE_COL).value = 1000 * k + row
        sheet.cell(row, COMMENT_COL).value = f"第 {k} 次导入"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _values(factory, sid: int) -> dict[int, tuple[float | None, str]]:
    with factory() as s:
        rows = s.execute(select(Value.id, Value.value, Value.comment).where(Value.submission_id == sid))
        return {i: (v, c or "") for i, v, c in rows}


def _import_killed(served: Served, factory, sid: int, k: int, after: float | None) -> str:
    """Preview a filled template, kill -9 during its confirmation; return what the database holds.

    ``after=None``: no kill; return the seconds the confirmation took.
    """
    before = _values(factory, sid)
    client = logged_in(served, "tianbao", PASSWORD)
    template = client.get(f"/submissions/{sid}/template.xlsx").content
    csrf = csrf_in(client.get(f"/submissions/{sid}/entry").text)
    preview = client.post(f"/submissions/{sid}/upload", data={"csrf_token": csrf},
                          files={"file": ("t.xlsx", _filled(template, k), "application/octet-stream")})
    form = re.search(r'action="/submissions/\d+/upload/confirm"(.*?)</form>', preview.text, re.S)
    assert form, preview.text[:2000]
    fields = dict(re.findall(r'name="(csrf_token|payload|signature)" value="([^"]*)"', form.group(1)))
    if after is None:
        return _timed(client, f"/submissions/{sid}/upload/confirm", fields)
    answered = _kill_during(served, client, f"/submissions/{sid}/upload/confirm", fields, after)
    after_values = _values(factory, sid)
    wanted = {i: (float(1000 * k + row), f"第 {k} 次导入")
              for row, i in enumerate(sorted(before), start=HEADER_ROW + 1)}
    assert len(before) == 18
    if after_values == before:
        assert answered != 200, "the server said 保存 and the values are not there"
        return f"nothing ({answered})"
    # All or nothing: not one value of the file without all the others.
    assert sorted(after_values.values()) == sorted(wanted.values()), after_values
    return f"all ({answered})"


def _approval_killed(served: Served, factory, batch: list[int], after: float | None) -> str:
    client = logged_in(served, "shenhe", PASSWORD)
    csrf = csrf_in(client.get("/board").text)
    form = {"csrf_token": csrf, "ids": [str(i) for i in batch]}
    if after is None:
        return _timed(client, "/board/approve", form)
    answered = _kill_during(served, client, "/board/approve", form, after)
    with factory() as s:
        states = Counter(s.scalars(select(Submission.state).where(Submission.id.in_(batch))))
        approvals = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "workflow.approve", AuditEvent.object_id.in_([str(i) for i in batch])))
    assert set(states) in ({State.SUBMITTED.value}, {State.APPROVED.value}), states
    approved = states[State.APPROVED.value] == len(batch)
    assert approvals == (len(batch) if approved else 0)
    assert approved or answered != 303, "the board said 已审核 and the batch is not approved"
    return f"all ({answered})" if approved else f"nothing ({answered})"


def _settled(factory, job_id: int) -> Job:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        with factory() as s:
            job = s.get(Job, job_id)
            if job.state in ("done", "failed"):
                return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.state} {SETTLE_SECONDS:.0f} s after the restart")


def _run_killed(served: Served, factory, version_id: int, after: float | None) -> str:
    client = logged_in(served, "fenxi", PASSWORD)
    csrf = csrf_in(client.get("/runs").text)
    started = client.post("/runs", data={"csrf_token": csrf, "version_id": str(version_id), "period": "2024",
                                         "method": "tiangong_method"})
    assert started.status_code == 303, started.text[:500]
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    if after is None:
        start = time.monotonic()
        assert _settled(factory, job_id).state == "done"
        client.close()
        return time.monotonic() - start
    time.sleep(after)
    served.kill9()
    client.close()
    with factory() as s:
        at_kill = s.get(Job, job_id).state
    served.start()
    job = _settled(factory, job_id)
    with factory() as s:
        made = s.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "run.create",
                                                            AuditEvent.detail.contains(f'"job": {job_id}')
                                                            )).all()
    if job.state == "failed":
        assert job.message, "a failed job must say why"
        assert len(made) <= 1
        return f"{at_kill}→failed"
    assert made == [str(job.result_id)], made        # one run, the one the job names
    with factory() as s:
        assert s.get(Run, job.result_id) is not None
    return f"{at_kill}→done (attempt {job.attempts})"


@pytest.mark.soak
def test_kill_9_during_import_approval_and_run_leaves_nothing_half_written(settings, engine, factory, capsys):
    kills = _world(factory)
    with factory() as s:
        version_id = s.scalars(select(FrameworkVersion.id)).one()
    engine.dispose()        # the server owns the file while it runs; the test only reads between kills
    served = Served(settings.data_dir, None if settings.database_url.startswith("sqlite")
                    else settings.database_url).start()
    outcomes: dict[str, Counter] = {"import": Counter(), "approval": Counter(), "run": Counter()}
    try:
        took = {"import": _import_killed(served, factory, kills.draft, 0, None),
                "approval": _approval_killed(served, factory, kills.batches[0], None),
                "run": _run_killed(served, factory, version_id, None)}
        for k, at in enumerate(KILL_AT, start=1):
            outcomes["import"][_import_killed(served, factory, kills.draft, k, at * took["import"])] += 1
            _sound(engine, factory)
            batch = kills.batches[k]
            outcomes["approval"][_approval_killed(served, factory, batch, at * took["approval"])] += 1
            _sound(engine, factory)
        for at in RUN_KILL_AT:
            outcomes["run"][_run_killed(served, factory, version_id, at * took["run"])] += 1
            _sound(engine, factory)
    finally:
        served.stop()
    seconds = {name: round(t, 3) for name, t in took.items()}
    figures(capsys, f"kill -9 on {engine.dialect.name}: {served.starts} starts; unkilled took {seconds} s; "
                    f"{ {name: dict(c) for name, c in outcomes.items()} }")
    with factory() as s:
        unfinished = select(func.count()).select_from(Job).where(Job.state.in_(("queued", "running")))
        assert s.scalar(unfinished) == 0


def test_a_job_whose_worker_process_died_is_recovered_at_once(factory):
    """Without a heartbeat timeout: a worker of this machine whose process is gone (kill -9) is dead."""
    import socket
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = f"{socket.gethostname()}:{int(gone.stdout)}:1"
    with transaction(factory) as s:
        for n in range(3):
            jobs.enqueue(s, "echo", {"n": n}, user_id=None)
    for worker in (dead, f"{socket.gethostname()}:1:1", "elsewhere:999999:1"):
        with factory() as s:
            assert jobs.claim(s, worker).worker == worker
    with factory() as s:
        assert jobs.recover(s) == (1, 0)        # only the dead local process's; heartbeats are fresh
        states = {j.worker or "requeued": j.state for j in s.scalars(select(Job).order_by(Job.id))}
    # pid 1 is alive (the init process); another machine's worker is judged by its heartbeat only.
    assert states == {"requeued": "queued", f"{socket.gethostname()}:1:1": "running",
                      "elsewhere:999999:1": "running"}
    assert jobs.worker_gone(dead) and not jobs.worker_gone("w1")
