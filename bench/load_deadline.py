"""Load on a deadline day (issue 15): every department of 90 counties saves and submits in the last hour.

SYNTHETIC data, seeded. Run: ``.venv/bin/python bench/load_deadline.py`` (SQLite and a throwaway
PostgreSQL, one after the other) or with ``--counties 6 --window 10 --backends sqlite`` for a
small run; ``--json FILE`` keeps the figures.

The world: a province of ``--counties`` counties (合成县01 …), each with one department per lead
department (牵头单位) of the bundled 天工鼎 framework (42 indicators, 9 departments: 810 reporters
for 90 counties), one leader per county and the analyst office. Every department approved its
2023 values (made up: each indicator's level ± 20 %, uniform); the 2023 run is evaluated as the
job worker does, so leaders have a dashboard to read; the 2024 submissions are drafts due today.
Sessions are made in the database (logins are not what is measured; argon2id hashing would
dominate the seeding otherwise).

The hour (``--window`` seconds stand for it; 360 by default, the hour squeezed 10×): each
reporter arrives at ``window × √u`` (u uniform: arrivals rise towards the deadline, half of them in
the last 30 %), opens the entry grid, saves it ``--saves`` times with a pause between saves
(``--think`` seconds ± 50 %, drawn from a seeded generator) and then submits it (报送). Each leader
arrives uniformly in the window and reads the county's dashboard ``--reads`` times, pausing
``4 × think`` between reads; the analyst office reads the progress board (/board) ``--board-reads``
times spread over the window. The request count is fixed by these numbers; the run stops by itself,
and a hard limit (``--limit`` seconds) cancels whatever has not answered by then (counted as
unfinished).

Afterwards, from the database: every value as the last save wrote it, every submission in
state submitted, one history row per changed value, the values listed by the audit log's
``entry.save`` events and its ``workflow.submit`` events, and the audit chain verified.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PROVINCE = "33"
YEAR_DONE, YEAR_DUE = 2023, 2024
START = date(2000, 1, 1)
ROUNDS = 6
"""Submits a reporter tries, explaining the flags that stopped the one before."""
KINDS = ("entry page", "save", "submit", "explain", "dashboard", "board")


@dataclass(frozen=True)
class Reporter:
    """One department's reporter: the 2024 submission, its session and the values it enters."""

    submission: int
    cookie: str
    csrf: str
    values: tuple[tuple[int, float], ...]   # (value id, the 2023 value it starts from)


@dataclass(frozen=True)
class Reader:
    """A leader (or the analyst office): a session and the page it reads."""

    cookie: str
    url: str
    kind: str


@dataclass
class World:
    """What the load needs, and what to count afterwards."""

    settings: object
    run: int
    reporters: list[Reporter]
    leaders: list[Reader]
    analyst: Reader
    seconds: dict[str, float] = field(default_factory=dict)


def saved_number(start: float, save: int) -> float:
    """Return the number a reporter types in its ``save``-th save (0-based): 1 %–n % above 2023."""
    return round(start * (1 + 0.01 * (save + 1)), 2)


def seed_world(settings, counties: int, seed: int) -> World:
    """Make the synthetic province, the approved 2023 values, the 2023 run and the 2024 drafts."""
    import numpy as np

    from zongheng import frameworks
    from zongheng.platform.db import make_engine, make_sessionmaker, transaction
    from zongheng.platform.migrate import upgrade
    from zongheng.platform.models import Department, Region, Role, Scope, State
    from zongheng.platform.services import jobs, org, runs, sessions, users
    from zongheng.platform.services.frameworks import import_framework
    from zongheng.platform.services.passwords import use_cheapest_for_tests
    from zongheng.platform.services.submissions import expected_submissions

    use_cheapest_for_tests()
    began = time.perf_counter()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    rng = np.random.default_rng(seed)

    def session_of(s, user) -> tuple[str, str]:
        token, login = sessions.start(s, user, settings.secret_key, hours=4)
        return token, login.csrf_token

    reporters: list[Reporter] = []
    leader_logins: list[tuple[str, str]] = []
    with transaction(factory) as s:
        org.add(s, Region, PROVINCE, "合成省", level="province", valid_from=START)
        version = import_framework(s, "tiangong", YEAR_DUE, frameworks.path("tiangong"))
        leads = sorted({i.lead_department for i in version.indicators})
        # Every value within the framework's checks (tiangong rules): shares stay in 0–100, and the
        # ±20 % uniform spread around each indicator's level keeps every county's robust z-score
        # below 1.4, far from the 3.5 that blocks a submit as an outlier among peers.
        level = {i.code: rng.uniform(5, 60) for i in version.indicators}
        analyst = users.create(s, "fenxi", "bench password 0")
        users.assign(s, analyst, Role.ANALYST, scope=Scope.BELOW, region=PROVINCE, view_unapproved=True)
        for c in range(1, counties + 1):
            region, name = f"{PROVINCE}{c:04d}", f"合成县{c:02d}"
            org.add(s, Region, region, name, parent=PROVINCE, level="county", valid_from=START)
            depts = {lead: f"{region}-{n}" for n, lead in enumerate(leads)}
            for lead, code in depts.items():
                org.add(s, Department, code, f"{name}{lead}", region_code=region, short_name=lead,
                        valid_from=START)
            approved: dict[tuple[str, int], float] = {}
            for sub in expected_submissions(s, version, region, str(YEAR_DONE), date(YEAR_DUE, 3, 31), depts):
                sub.state = State.APPROVED.value
                for value in sub.values:
                    x = round(level[value.indicator.code] * rng.uniform(0.8, 1.2), 2)
                    value.value = value.approved_value = approved[sub.department_code, value.indicator_id] = x
            leader = users.create(s, f"lingdao{c:02d}", "bench password 1")
            users.assign(s, leader, Role.LEADER, scope=Scope.BELOW, region=region)
            leader_logins.append(session_of(s, leader))
            for sub in expected_submissions(s, version, region, str(YEAR_DUE), date.today(), depts):
                reporter = users.create(s, f"tianbao-{sub.department_code}", "bench password 2")
                users.assign(s, reporter, Role.REPORTER, region=region, department=sub.department_code)
                cookie, csrf = session_of(s, reporter)
                reporters.append(Reporter(sub.id, cookie, csrf, tuple(
                    (v.id, approved[sub.department_code, v.indicator_id]) for v in sub.values)))
        analyst_login = session_of(s, analyst)
        runs.start(s, version, str(YEAR_DONE), method=runs.methods_for(version)[0], user_id=analyst.id,
                   approved_only=True)
    job = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "bench")
    if job.state != "done":
        raise RuntimeError(f"the 2023 run failed: {job.message}")
    engine.dispose()
    dashboard = f"/runs/{job.result_id}/dashboard"
    return World(settings, job.result_id, reporters,
                 [Reader(cookie, dashboard, "dashboard") for cookie, _ in leader_logins],
                 Reader(analyst_login[0], "/board", "board"),
                 {"seed the world and evaluate 2023": time.perf_counter() - began})


@dataclass
class Tally:
    """Every request's (kind, seconds, answered as expected), and what did not finish."""

    done: list[tuple[str, float, bool]] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    said: dict[str, str] = field(default_factory=dict)
    unfinished: int = 0
    refused: int = 0
    values_saved: int = 0
    submitted: int = 0

    def failed(self, what: str, page: str = "") -> None:
        """Count one failure by what it was (a status code, an exception's name); keep the first reason."""
        self.failures[what] = self.failures.get(what, 0) + 1
        found = re.search(r'class="error problems"[^>]*>(.*?)</div>', page, re.S)
        if found and what not in self.said:
            self.said[what] = " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())[:300]


async def _request(client, tally: Tally, kind: str, method: str, url: str, cookie: str, *,
                   csrf: str = "", data: dict | None = None, expect: int = 200, marker: str = "",
                   refusal: int | None = None) -> tuple[bool, str | None]:
    """Send one request as a browser would, record its latency and whether it did its job.

    Returns whether it did, and the page when it answered ``refusal`` (a refusal the actor may act
    on: not an error), else ``None``.
    """
    import httpx2

    # Each actor is its own browser: its cookie goes in its own requests' header, not the shared client's jar.
    headers = {"Cookie": f"zongheng_session={cookie}"}
    if csrf:
        headers |= {"X-CSRF-Token": csrf, "HX-Request": "true"}
    began = time.perf_counter()
    page = None
    try:
        response = await client.request(method, url, data=data, headers=headers)
        ok = response.status_code == expect and marker in response.text
        if response.status_code == refusal:
            ok, page = True, response.text
        elif not ok:
            tally.failed(f"{kind} {response.status_code}", response.text)
    except httpx2.HTTPError as exc:   # a dropped connection is a counted error, not a crash
        ok = False
        tally.failed(f"{kind} {type(exc).__name__}")
    tally.done.append((kind, time.perf_counter() - began, ok))
    return ok and page is None, page


async def _reporter(client, tally: Tally, who: Reporter, window: float, saves: int, think: float,
                    rng: random.Random) -> None:
    await asyncio.sleep(window * rng.random() ** 0.5)
    base = f"/submissions/{who.submission}"
    await _request(client, tally, "entry page", "GET", f"{base}/entry", who.cookie)
    for k in range(saves):
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        form = {f"v-{vid}": f"{saved_number(start, k):,.2f}" for vid, start in who.values}
        saved, _ = await _request(client, tally, "save", "POST", f"{base}/entry", who.cookie, csrf=who.csrf,
                                  data=form, marker='class="saved"')
        # Each save changes every value (the numbers differ from the last save's): answered saved,
        # each must have its history row and its place in the audit event.
        tally.values_saved += len(form) if saved else 0
    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    # 报送前校验: a blocking flag (an outlier among the peers, say) stops the submit until it is
    # explained; the reporter writes each 说明 on the flags page and submits again. Peers submitting
    # meanwhile can raise a new flag, so up to ROUNDS rounds.
    for attempt in range(ROUNDS):
        last = attempt == ROUNDS - 1
        done, refused = await _request(client, tally, "submit", "POST", f"{base}/submit", who.cookie,
                                    csrf=who.csrf, data={}, expect=303, refusal=None if last else 200)
        if refused is None:
            tally.submitted += done
            return
        tally.refused += 1
        _, flags = await _request(client, tally, "explain", "GET", f"{base}/flags", who.cookie, refusal=200)
        for flag_id in re.findall(r'name="flag_id" value="(\d+)"', flags or ""):
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            await _request(client, tally, "explain", "POST", f"{base}/flags", who.cookie, csrf=who.csrf,
                           data={"flag_id": flag_id, "explanation": "已核实：本期数据属实（压测说明）"})


async def _reader(client, tally: Tally, who: Reader, at: list[float], pause: float) -> None:
    """Read ``who.url`` once at each time in ``at`` (seconds from the start), in order."""
    began = time.perf_counter()
    for when in at:
        await asyncio.sleep(max(0.0, when - (time.perf_counter() - began)))
        await _request(client, tally, who.kind, "GET", who.url, who.cookie)
        await asyncio.sleep(pause)


async def deadline_hour(base: str, world: World, *, window: float, saves: int, reads: int, board_reads: int,
                        think: float, limit: float, seed: int) -> tuple[Tally, float]:
    """Play the last hour against a running server; return the tally and the wall time."""
    import httpx2

    rng = random.Random(seed)
    tally = Tally()
    actors = len(world.reporters) + len(world.leaders) + 1
    limits = httpx2.Limits(max_connections=actors, max_keepalive_connections=actors)
    async with httpx2.AsyncClient(base_url=base, timeout=limit, limits=limits,
                                  follow_redirects=False) as client:
        tasks = [asyncio.ensure_future(_reporter(client, tally, r, window, saves, think,
                                                 random.Random(rng.random())))
                 for r in world.reporters]
        tasks += [asyncio.ensure_future(_reader(client, tally, leader, sorted(
            rng.uniform(0, window) for _ in range(reads)), think * 4)) for leader in world.leaders]
        tasks.append(asyncio.ensure_future(_reader(
            client, tally, world.analyst, [window * (i + 0.5) / board_reads for i in range(board_reads)], 0)))
        began = time.perf_counter()
        finished, pending = await asyncio.wait(tasks, timeout=limit)
        for task in pending:
            task.cancel()
        tally.unfinished = len(pending)
        for task in finished:
            if task.exception() is not None:
                raise task.exception()
        wall = time.perf_counter() - began
    return tally, wall


def count_kept(world: World, saves: int, tally: Tally) -> dict[str, int]:
    """Count, from the database, what the hour should have left there and what it did.

    Against what the server answered: every value of every save answered saved must have a history
    row and be listed by an ``entry.save`` audit event, every submit answered 303 must have left
    its submission submitted with a ``workflow.submit`` event.
    """
    from sqlalchemy import func, select

    from zongheng.platform.db import make_engine, make_sessionmaker
    from zongheng.platform.models import AuditEvent, State, Submission, Value, ValueHistory
    from zongheng.platform.services.audit import verify_chain

    expected = {vid: saved_number(start, saves - 1) for r in world.reporters for vid, start in r.values}
    ids = [r.submission for r in world.reporters]
    engine = make_engine(world.settings.database_url)
    with make_sessionmaker(engine)() as s:
        stored = dict(s.execute(select(Value.id, Value.value).where(Value.submission_id.in_(ids))).all())
        submitted = s.scalar(select(func.count()).select_from(Submission).where(
            Submission.id.in_(ids), Submission.state == State.SUBMITTED.value))
        history = s.scalar(select(func.count()).select_from(ValueHistory).join(Value).where(
            Value.submission_id.in_(ids)))
        listed = sum(len(json.loads(detail)["values"]) for detail in s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "entry.save")))
        submits = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "workflow.submit"))
        broken = verify_chain(s)
    engine.dispose()
    return {
        "values": len(expected),
        "values as last saved": sum(stored.get(vid) is not None and abs(stored[vid] - x) < 1e-6
                                    for vid, x in expected.items()),
        "submissions": len(ids), "submitted": submitted,
        "submits answered done": tally.submitted,
        "values in saves answered saved": tally.values_saved,
        "history rows": history, "values in audit entry.save": listed,
        "audit workflow.submit": submits,
        "audit chain": 0 if broken is None else broken,
    }


def summary(tally: Tally, wall: float) -> dict:
    """Return throughput and latency quantiles per kind of request and over all of them."""
    out = {"requests": len(tally.done), "errors": sum(not ok for _, _, ok in tally.done),
           "unfinished": tally.unfinished, "submits refused": tally.refused,
           "wall": wall, "throughput": len(tally.done) / wall,
           "failures": dict(sorted(tally.failures.items())), "reasons": tally.said, "kinds": {}}
    for kind in (*KINDS, "all"):
        seconds = [t for k, t, _ in tally.done if kind in (k, "all")]
        if len(seconds) < 2:
            continue
        q = statistics.quantiles(seconds, n=100, method="inclusive")
        out["kinds"][kind] = {"n": len(seconds), "errors": sum(not ok for k, _, ok in tally.done
                                                                if kind in (k, "all")),
                              "p50": statistics.median(seconds), "p95": q[94], "p99": q[98],
                              "max": max(seconds)}
    return out


def one_backend(name: str, url: str | None, args) -> dict:
    """Seed a world on one database, serve it, play the hour, count what was kept."""
    from zongheng.platform.served import Served
    from zongheng.platform.settings import load_settings

    folder = Path(tempfile.mkdtemp(prefix=f"zongheng-load-{name}-"))
    settings = load_settings(folder / "data", url)
    world = seed_world(settings, args.counties, args.seed)
    server = Served(folder / "data", url).start()
    try:
        cpu = server.cpu_seconds()
        tally, wall = asyncio.run(deadline_hour(
            server.url, world, window=args.window, saves=args.saves, reads=args.reads,
            board_reads=args.board_reads, think=args.think, limit=args.limit, seed=args.seed))
        cpu = server.cpu_seconds() - cpu
    finally:
        server.stop()
    result = {"backend": name, "counties": args.counties, "reporters": len(world.reporters),
              "leaders": len(world.leaders), "seeding seconds": world.seconds, **summary(tally, wall),
              "server cpu seconds": cpu, "kept": count_kept(world, args.saves, tally),
              "load average": os.getloadavg()[0]}
    return result


def report(r: dict) -> str:
    """Return one backend's figures as a few lines of text."""
    lines = [f"{r['backend']}: {r['reporters']} reporters of {r['counties']} counties, "
             f"{r['leaders']} leaders; {r['requests']} requests in {r['wall']:.1f} s "
             f"({r['throughput']:.1f}/s), errors {r['errors']}, "
             f"unfinished {r['unfinished']}, server CPU {r['server cpu seconds']:.1f} s "
             f"({r['server cpu seconds'] / max(r['requests'], 1) * 1000:.0f} ms/request), "
             f"load average {r['load average']:.1f}"]
    for kind, k in r["kinds"].items():
        ms = {q: f"{k[q] * 1000:7.0f} ms" for q in ("p50", "p95", "p99", "max")}
        lines.append(f"  {kind:<11} n {k['n']:>6}  errors {k['errors']:>3}  "
                     + "  ".join(f"{q} {v}" for q, v in ms.items()))
    if r["failures"]:
        lines.append(f"  failures: {r['failures']}; first reasons: {r['reasons']}")
    lines.append("  kept: " + ", ".join(f"{k} {v}" for k, v in r["kept"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the hour on each backend named; print and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=90)
    parser.add_argument("--window", type=float, default=360.0, help="seconds standing for the last hour")
    parser.add_argument("--saves", type=int, default=3, help="saves of the grid before submitting")
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds between a reporter's steps, ± 50 %%")
    parser.add_argument("--reads", type=int, default=5, help="dashboard reads per leader")
    parser.add_argument("--board-reads", type=int, default=20, help="reads of the progress board")
    parser.add_argument("--limit", type=float, default=900.0, help="hard stop, seconds")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    print(f"SYNTHETIC deadline hour (seed {args.seed}) squeezed into {args.window:g} s; "
          f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}", flush=True)
    results = []
    for name in args.backends.split(","):
        if name == "sqlite":
            results.append(one_backend("sqlite", None, args))
        else:
            from zongheng.platform.throwaway import create_database, postgres_bin, throwaway_postgres

            bindir = postgres_bin()
            if bindir is None:
                print("postgresql: server binaries not installed, skipped")
                continue
            with throwaway_postgres(bindir, max_connections=200) as base:
                results.append(one_backend("postgresql", create_database(base, "load"), args))
        print(report(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
