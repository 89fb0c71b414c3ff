"""Benchmark: many reporters saving at once on a deadline (issue 12), on SQLite and PostgreSQL.

Run: ``.venv/bin/python bench/bench_platform_save.py --reporters 300 --saves 5`` (saturation: every
reporter saves again as soon as the last save answers) or ``... --think 5`` (a person typing between
saves: each reporter waits 5 s ± 50 %, drawn from a seeded generator, before each save, the first
included, so the crowd does not start in one instant).
Seeds a platform database with ``--reporters`` departments × one region each, every one a 填报员
with a draft submission of ``--indicators`` indicators (synthetic values), starts ``zongheng
serve`` on 127.0.0.1 as its own process, logs every reporter in (a session made in the database:
the logins are not what is measured), then all reporters save their grid ``--saves`` times at
once over HTTP (the entry grid's POST, CSRF header included). Reports per backend: saves,
errors, throughput, p50/p95/p99 latency, and whether every saved value is in the database with
its history row and in the audit log (counted: one ``entry.save`` event per save listing its values;
a ``value.set`` event per value before that change). Passwords use argon2id's cheapest parameters here
(the logins are not measured). PostgreSQL is a throwaway cluster (Debian's postgresql).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def seed(settings, reporters: int, indicators: int) -> list[tuple[int, str, str, list[int]]]:
    """Create the organisation, users, one draft submission each; return (id, cookie, csrf, value ids)."""
    from zongheng.platform.db import make_engine, make_sessionmaker, transaction
    from zongheng.platform.migrate import upgrade
    from zongheng.platform.models import (
        Department,
        FrameworkIndicator,
        FrameworkVersion,
        Region,
        Role,
        Submission,
        Value,
    )
    from zongheng.platform.services import org, sessions, users
    from zongheng.platform.services.passwords import use_cheapest_for_tests

    use_cheapest_for_tests()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    start = date(2000, 1, 1)
    out = []
    with transaction(factory) as s:
        org.add(s, Region, "P", "省", level="province", valid_from=start)
        org.add(s, Region, "C", "市", parent="P", level="city", valid_from=start)
        items = [FrameworkIndicator(code=f"X{i:02d}", name=f"指标{i}", unit="万元", lead_department="局",
                                    position=i) for i in range(indicators)]
        version = FrameworkVersion(key="bench", year=2024, name="压测指标体系（合成）",
                                   content_sha256="0" * 64, source_text="code: B", indicators=items)
        s.add(version)
        s.flush()
        for n in range(reporters):
            region, dept = f"R{n:03d}", f"D{n:03d}"
            org.add(s, Region, region, f"县{n:03d}", parent="C", level="county", valid_from=start)
            org.add(s, Department, dept, f"县{n:03d}局", region_code=region, short_name="局",
                    valid_from=start)
            sub = Submission(version_id=version.id, department_code=dept, region_code=region, period="2024",
                             due_date=date(2030, 1, 1), values=[Value(indicator_id=i.id)
                                                                for i in version.indicators])
            s.add(sub)
            user = users.create(s, f"u{n:03d}", "bench password 1")
            users.assign(s, user, Role.REPORTER, region=region, department=dept)
            s.flush()
            token, login = sessions.start(s, user, settings.secret_key, hours=2)
            out.append((sub.id, token, login.csrf_token, [v.id for v in sub.values]))
    engine.dispose()
    return out


async def run_load(base: str, plan, saves: int, think: float = 0.0,
                   seed: int = 12) -> tuple[list[float], int, float]:
    import httpx2

    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    limits = httpx2.Limits(max_connections=len(plan), max_keepalive_connections=len(plan))
    async with httpx2.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        async def reporter(sub_id: int, cookie: str, csrf: str, value_ids: list[int]) -> None:
            nonlocal errors
            pauses = random.Random(seed * 100_003 + sub_id)
            for k in range(saves):
                if think:
                    await asyncio.sleep(think * pauses.uniform(0.5, 1.5))
                form = {f"v-{vid}": f"{1000 + 7 * k + j:,}" for j, vid in enumerate(value_ids)}
                began = time.perf_counter()
                try:
                    response = await client.post(f"/submissions/{sub_id}/entry", data=form,
                                                 cookies={"zongheng_session": cookie},
                                                 headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
                    failed = response.status_code != 200 or 'class="saved"' not in response.text
                except httpx2.HTTPError as exc:  # a dropped connection is an error, counted, not a crash
                    failed = True
                    kinds[type(exc).__name__] = kinds.get(type(exc).__name__, 0) + 1
                latencies.append(time.perf_counter() - began)
                errors += failed

        began = time.perf_counter()
        await asyncio.gather(*(reporter(*p) for p in plan))
        wall = time.perf_counter() - began
    if kinds:
        sys.stdout.write(f"connection errors: {kinds}\n")
    return latencies, errors, wall


def count_saved(settings, plan, saves: int) -> tuple[int, int, int, int]:
    """Return (values with the last saved number, history rows, values changed in the audit log, expected).

    The audit count adds the values listed by every ``entry.save`` event (one per save) to the
    ``value.set`` events (one per value, as saves were recorded before), so the same count reads a
    database written by either.
    """
    from sqlalchemy import func, select

    from zongheng.platform.db import make_engine
    from zongheng.platform.models import AuditEvent, Value, ValueHistory

    engine = make_engine(settings.database_url)
    last = {f"{1000 + 7 * (saves - 1) + j}" for j in range(len(plan[0][3]))}
    with engine.connect() as con:
        right = sum(1 for v in con.execute(select(Value.value)).scalars() if v is not None and
                    f"{v:.0f}" in last)
        history = con.execute(select(func.count()).select_from(ValueHistory)).scalar()
        audited = con.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "value.set")).scalar()
        audited += sum(len(json.loads(detail)["values"]) for detail in con.execute(
            select(AuditEvent.detail).where(AuditEvent.action == "entry.save")).scalars())
    engine.dispose()
    return right, history, audited, len(plan) * len(plan[0][3])


def one_backend(name: str, url: str | None, args) -> dict:
    from zongheng.platform.served import Served
    from zongheng.platform.settings import load_settings

    folder = Path(tempfile.mkdtemp(prefix=f"zongheng-bench-{name}-"))
    settings = load_settings(folder / "data", url)
    plan = seed(settings, args.reporters, args.indicators)
    server = Served(folder / "data", url).start()
    try:
        cpu_before = server.cpu_seconds()
        latencies, errors, wall = asyncio.run(run_load(server.url, plan, args.saves, args.think, args.seed))
        cpu = server.cpu_seconds() - cpu_before
    finally:
        server.stop()
    right, history, audited, expected = count_saved(settings, plan, args.saves)
    q = statistics.quantiles(latencies, n=100)
    return {"backend": name, "saves": len(latencies), "errors": errors, "wall": wall,
            "throughput": len(latencies) / wall, "p50": statistics.median(latencies), "p95": q[94],
            "p99": q[98], "values_right": right, "expected": expected, "history": history,
            "audited": audited, "cpu_ms": cpu / len(latencies) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reporters", type=int, default=300)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--indicators", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a reporter waits before each save, ± 50 %% (0: none, saturation)")
    parser.add_argument("--seed", type=int, default=12, help="seed of the think times")
    args = parser.parse_args()
    sys.stdout.write(f"{args.reporters} reporters × {args.saves} saves × {args.indicators} values, "
                     f"think {args.think:g} s ± 50 %\n")
    for name in args.backends.split(","):
        if name == "sqlite":
            report(one_backend("sqlite", None, args))
            continue
        from zongheng.platform.throwaway import create_database, postgres_bin, throwaway_postgres

        bindir = postgres_bin()
        if bindir is None:
            sys.stdout.write("postgresql: server binaries not installed, skipped\n")
            continue
        with throwaway_postgres(bindir, max_connections=200) as base:
            report(one_backend("postgresql", create_database(base, "bench"), args))


def report(r: dict) -> None:
    """Print one backend's line as soon as it is measured (a later backend may be cut short)."""
    sys.stdout.write(
        f"{r['backend']:<10} {r['saves']} saves in {r['wall']:.1f} s ({r['throughput']:.0f}/s), "
        f"errors {r['errors']}, p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, "
        f"p99 {r['p99'] * 1000:.0f} ms, server CPU {r['cpu_ms']:.0f} ms/save; "
        f"values as last saved {r['values_right']}/{r['expected']}, "
        f"history rows {r['history']}, values in the audit log {r['audited']}; "
        f"load {os.getloadavg()[0]:.1f}\n")
    sys.stdout.flush()

if __name__ == "__main__":
    main()
