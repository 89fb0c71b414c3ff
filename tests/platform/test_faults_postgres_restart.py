"""PostgreSQL restarts (``pg_ctl restart -m fast``) while requests flow: the platform recovers by itself.

A real ``zongheng serve`` on a throwaway cluster of its own (restarting the session's shared cluster
would cut other tests' connections). Four clients read pages and save a value without pause; in
the middle the cluster restarts. Requests the restart catches must fail cleanly (a 5xx answer with
no traceback, never a dropped connection); every request sent after the restart has finished must
succeed, with the server never restarted (the pool checks a connection before lending it:
``pool_pre_ping`` in :func:`zongheng.platform.db.make_engine`).
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from zongheng.platform.db import make_engine, make_sessionmaker
from zongheng.platform.migrate import upgrade
from zongheng.platform.models import Submission, Value, ValueHistory
from zongheng.platform.services.audit import verify_chain

from .conftest import PASSWORD, build_world
from .fault_server import Served, csrf_in, figures, logged_in

CLIENTS = 4
BEFORE = 40             # successful requests before the restart
AFTER = 80              # requests sent after the restart finished, each must succeed
RESTARTS = 2


@pytest.fixture
def own_cluster():
    """A PostgreSQL cluster for this test alone; yield (base URL, pg_ctl command prefix)."""
    import psycopg

    from zongheng.platform.throwaway import _as_postgres, postgres_bin, throwaway_postgres

    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    with throwaway_postgres(bindir) as base:
        with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as con:
            data = Path(con.execute("SHOW data_directory").fetchone()[0])
        # -l: the restarted server writes to a file; with no -l it would keep the caller's pipe open
        yield base, _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data.parent / "log")])


def _clean_failure(status: int, body: str) -> bool:
    """A 503 page that says the database cannot be reached, and nothing of the code behind it."""
    said = status == 503 and "数据库暂时无法访问" in body
    return said and not any(leak in body for leak in ("Traceback", 'File "', "sqlalchemy", "psycopg"))


@pytest.mark.soak
def test_requests_during_a_postgres_restart_fail_cleanly_and_succeed_after(own_cluster, tmp_path, capsys):
    import psycopg

    base, pg_ctl = own_cluster
    name = f"zt_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    url = f"{base}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    world = build_world(factory)
    sid = world.submissions["s1"]       # the reporter's draft, open for entry until 2099
    with factory() as s, s.begin():
        s.execute(update(Submission).where(Submission.id == sid).values(due_date=date(2099, 3, 31)))
        value_id = s.scalar(select(Value.id).where(Value.submission_id == sid))
        history_before = s.scalar(select(func.count()).select_from(ValueHistory))
    engine.dispose()
    (tmp_path / "data").mkdir(mode=0o700)
    served = Served(tmp_path / "data", url).start()
    phase = {"now": "before", "changes": 0}     # before → during → after (set by the main thread)
    seen: dict[str, Counter] = {"before": Counter(), "during": Counter(), "after": Counter()}
    unclean: list[str] = []
    saves = Counter()                   # True: answered saved; False: answered 5xx
    stop = threading.Event()
    lock = threading.Lock()

    def client_loop(n: int) -> None:
        import httpx2 as httpx

        client = logged_in(served, "reporter", PASSWORD)
        csrf = csrf_in(client.get(f"/submissions/{sid}/entry").text)
        k = 0
        while not stop.is_set():
            k += 1
            sent_in, changes = phase["now"], phase["changes"]
            try:
                if k % 3:
                    answer = client.get(f"/submissions/{sid}" if k % 2 else "/")
                else:       # a distinct value every time: each saved one is a history row
                    answer = client.post(f"/submissions/{sid}/entry", headers={"X-CSRF-Token": csrf},
                                         data={f"v-{value_id}": str(n * 1_000_000 + k)})
                outcome = "ok" if answer.status_code < 400 else str(answer.status_code)
                if outcome == "ok" and "error problems" in answer.text:
                    outcome = "refused"         # the save was refused: the test's world is wrong
                if answer.status_code >= 500 and not _clean_failure(answer.status_code, answer.text):
                    unclean.append(answer.text[:500])
            except httpx.TransportError as exc:
                outcome = type(exc).__name__      # a dropped connection is not a clean failure
            # A request the phase changed under (sent before the restart, answered during it) was
            # caught by the restart: it counts as "during".
            caught = "during" if phase["changes"] != changes else sent_in
            with lock:
                seen[caught][outcome] += 1
                if not k % 3:
                    saves[outcome == "ok"] += 1

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        for restart in range(RESTARTS):
            target = BEFORE * (restart + 1)
            deadline = time.monotonic() + 120
            while sum(seen["before"].values()) + sum(seen["after"].values()) < target:
                assert time.monotonic() < deadline, seen
                time.sleep(0.01)
            phase.update(now="during", changes=phase["changes"] + 1)
            done = subprocess.run([*pg_ctl, "-m", "fast", "-w", "restart"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=120)
            assert done.returncode == 0, "pg_ctl restart failed"
            phase.update(now="after", changes=phase["changes"] + 1)
            deadline = time.monotonic() + 120
            while sum(seen["after"].values()) < AFTER * (restart + 1):
                assert time.monotonic() < deadline, seen
                time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        alive = served.process is not None and served.process.poll() is None
        starts = served.starts
        served.stop()
    figures(capsys, f"PostgreSQL restarted {RESTARTS}× under {CLIENTS} clients: "
                    f"{ {k: dict(v) for k, v in seen.items()} }")
    assert alive and starts == 1, "the server itself was not restarted"
    assert not unclean, unclean[0]
    assert set(seen["before"]) == {"ok"}, seen["before"]
    assert set(seen["after"]) == {"ok"}, seen["after"]          # every request after the restart
    # During the restart: answered (ok or a clean 5xx), never a dropped connection.
    assert all(o == "ok" or o.startswith("5") for o in seen["during"]), seen["during"]
    # Nothing lost: every save answered "saved" is in the history (a failed one may or may not be).
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            written = s.scalar(select(func.count()).select_from(ValueHistory)) - history_before
            assert verify_chain(s) is None
    finally:
        engine.dispose()
    assert saves[True] <= written <= saves[True] + saves[False], (saves, written)
