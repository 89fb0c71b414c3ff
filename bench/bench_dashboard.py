"""Benchmark: server time of a run's dashboard page (issue 13) at 90 units × 5 years (the demo).

Run: ``.venv/bin/python bench/bench_dashboard.py --views 20`` (add ``--postgres`` for a throwaway
PostgreSQL cluster instead of SQLite). Seeds the platform demo, makes the analyst's run of 天工鼎
2024 over the province's 90-county release as the job worker does, on approved data only so that
永康's leader reads it (timing the rank-uncertainty summary kept with it), then times
``GET /runs/{id}/dashboard`` in process (Starlette's TestClient: the handler, the database reads
and the rendering, no network) for the analyst and for 永康's leader: the first view and then
``--views`` more. Prints the medians and the page size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path


def seed(database_url: str | None, folder: Path):
    """Seed the demo, make the run as the job does; return settings, accounts, run id, timings, units."""
    from sqlalchemy import select

    from zongheng.platform.db import make_engine, make_sessionmaker, transaction
    from zongheng.platform.migrate import upgrade
    from zongheng.platform.models import FrameworkVersion, ReferenceData, Submission, User
    from zongheng.platform.services import demo, jobs, rank_uncertainty, runs
    from zongheng.platform.settings import load_settings

    settings = load_settings(folder, database_url=database_url, demo=True) if database_url else \
        load_settings(folder, demo=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        accounts = {a.username: a.password for a in demo.seed(s)}
    with transaction(factory) as s:
        reference = s.scalars(select(ReferenceData)).first()
        version = s.get(FrameworkVersion, reference.version_id)
        regions = sorted(set(s.scalars(select(Submission.region_code).where(
            Submission.version_id == version.id, Submission.period == "2024"))))
        analyst = s.scalars(select(User).where(User.username == "fenxi")).one()
        runs.start(s, version, "2024", method=runs.methods_for(version)[0], user_id=analyst.id,
                   regions=regions, reference_id=reference.id, approved_only=True)  # the leader reads it
    started = time.perf_counter()
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "bench")
    job_seconds = time.perf_counter() - started
    assert done.state == "done", done.message
    with factory() as s:
        ev = runs.evaluation_of(s.get(runs.Run, done.result_id))
    started = time.perf_counter()
    rank_uncertainty.summarise(ev)
    summary_seconds = time.perf_counter() - started
    engine.dispose()
    return settings, accounts, done.result_id, job_seconds, summary_seconds, len(ev.panel.units)


def views(settings, accounts, run_id: int, user: str, n: int) -> tuple[float, list[float], int]:
    """Log ``user`` in; return the first view's time, the next ``n`` views' times, the page size."""
    import re

    from fastapi.testclient import TestClient

    from zongheng.platform.app import create_app

    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": user, "password": accounts[user], "csrf_token": csrf,
                                    "next": "/"})
        url = f"/runs/{run_id}/dashboard"
        started = time.perf_counter()
        first = client.get(url)
        first_seconds = time.perf_counter() - started
        assert first.status_code == 200, first.status_code
        times = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        return first_seconds, times, len(first.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = None
        if args.postgres:
            from zongheng.platform.throwaway import create_database, postgres_bin, throwaway_postgres

            url = create_database(stack.enter_context(throwaway_postgres(postgres_bin())), "bench")
        settings, accounts, run_id, job, summary, units = seed(url, folder / "data")
        print(f"run #{run_id}: {units} units; job (gather + build + uncertainty + store) {job:.2f} s, "
              f"of which the rank-uncertainty summary {summary:.2f} s")
        for user in ("fenxi", "lingdao"):
            first, times, size = views(settings, accounts, run_id, user, args.views)
            print(f"{user}: first view {first * 1000:.0f} ms; median of {len(times)} "
                  f"{statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, "
                  f"max {max(times) * 1000:.0f}); page {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
