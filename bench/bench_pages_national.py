"""Benchmark: page server time of a run at national size (issue 13), SYNTHETIC data.

Run: ``.venv/bin/python bench/bench_pages_national.py`` (2,850 units × 10 years × 100 indicators;
``--units 90 --years 5 --indicators 42`` for the provincial size, ``--postgres`` for a throwaway
PostgreSQL cluster instead of SQLite, ``--views N`` repeats, ``--profile`` a cProfile of the
slowest page's first view).

Everything is made up and seeded (``--seed``): a framework of ``--indicators`` indicators under four
dimensions (every fifth lower-is-better, five lead departments), a released table of the units'
values (lognormal, none missing: the default method a run of a framework without a bundled
method uses refuses gaps; each unit in one of 31 provinces, a 0/1 group too) imported as
reference data (参照数据) through the platform's own reader, and one county that enters its values
through submissions (entered, submitted, approved). The analyst's run is then made as the job
worker does (gather → build, keeping every stage → P(rank ≤ k) → store), timed, and its stored
size reported. Then, in process (Starlette's TestClient: handler, database, rendering; no
network), for the analyst and for the county's leader: the run page, the dashboard and the
county's unit page, each the first view and then ``--views`` more (medians).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

PROVINCE, COUNTY = "10", "100001"
COUNTY_NAME = "本县（合成）"
DEPARTMENTS = ("统计局", "经信局", "科技局", "发改局", "生态环境局")
FROM = date(2000, 1, 1)


def _framework_yaml(n_indicators: int) -> str:
    import yaml

    dims = []
    for d in range(4):
        children = []
        for i in range(d, n_indicators, 4):
            children.append({"code": f"X{i + 1:03d}", "name": f"合成指标{i + 1}", "unit": "",
                             "direction": "-" if i % 5 == 4 else "+", "weight": 1.0 + (i % 3) * 0.5,
                             "department": DEPARTMENTS[i % len(DEPARTMENTS)]})
        dims.append({"code": f"D{d + 1}", "name": f"合成维度{d + 1}", "weight": 0.25, "children": children})
    return yaml.safe_dump({"code": "NAT", "name": "全国县域综合评价（合成）",
                           "groups": [{"code": "省份", "name": "省份"},
                                      {"code": "山区县", "name": "山区县 (1 = 是)"}],
                           "children": dims}, allow_unicode=True, sort_keys=False)


def _release(folder: Path, n_units: int, n_years: int, n_indicators: int, seed: int):
    """Write the synthetic release (data.csv, units.csv); return the county's own values."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    years = list(range(2025 - n_years, 2025))
    units = [COUNTY_NAME] + [f"合成县{n:04d}" for n in range(1, n_units)]
    level = rng.uniform(0, 4, size=n_indicators)
    spread = rng.choice([0.25, 0.4, 1.2], size=n_indicators, p=[0.5, 0.3, 0.2])
    unit_effect = rng.normal(0, 0.3, size=(n_units, 1))
    values = np.empty((n_years, n_units, n_indicators))
    for p in range(n_years):
        noise = rng.standard_normal((n_units, n_indicators))
        values[p] = np.exp(level + unit_effect + 0.02 * p + spread * noise)
    values = np.round(values, 4)
    codes = [f"X{i + 1:03d}" for i in range(n_indicators)]
    rows = pd.DataFrame(values.reshape(-1, n_indicators), columns=codes)
    rows.insert(0, "年份", np.repeat(years, n_units))
    rows.insert(0, "地区", units * n_years)
    rows.to_csv(folder / "data.csv", index=False, encoding="utf-8")
    pd.DataFrame({"地区": units, "省份": [f"合成省{(n % 31) + 1:02d}" for n in range(n_units)],
                  "山区县": (rng.random(n_units) < 0.3).astype(int)}).to_csv(
        folder / "units.csv", index=False, encoding="utf-8")
    return years, codes, values[:, 0, :]


def seed(database_url: str | None, folder: Path, n_units: int, n_years: int, n_indicators: int,
         seed_value: int) -> dict:
    """Make the synthetic world and the analyst's run as the job does; return what the pages need."""
    from sqlalchemy import select

    from zongheng.platform.db import make_engine, make_sessionmaker, transaction
    from zongheng.platform.migrate import upgrade
    from zongheng.platform.models import Department, Region, Role, Run, Scope, State
    from zongheng.platform.services import jobs, org, runs, submissions, users
    from zongheng.platform.services.frameworks import import_framework
    from zongheng.platform.services.reference import import_reference
    from zongheng.platform.settings import load_settings

    settings = load_settings(folder, database_url=database_url) if database_url else load_settings(folder)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    files = folder / "synthetic"
    files.mkdir(parents=True)
    (files / "framework.yaml").write_text(_framework_yaml(n_indicators), encoding="utf-8")
    started = time.perf_counter()
    years, codes, own = _release(files, n_units, n_years, n_indicators, seed_value)
    timings = {"write the synthetic release": time.perf_counter() - started}
    accounts = {"fenxi": "bench-password-1", "lingdao": "bench-password-2"}
    with transaction(factory) as s:
        org.add(s, Region, PROVINCE, "合成全国", level="province", valid_from=FROM)
        org.add(s, Region, COUNTY, COUNTY_NAME, parent=PROVINCE, level="county", valid_from=FROM)
        depts = {}
        for n, short in enumerate(DEPARTMENTS, start=1):
            depts[short] = f"{COUNTY}-D{n:02d}"
            org.add(s, Department, depts[short], f"本县{short}", region_code=COUNTY, short_name=short,
                    valid_from=FROM)
        analyst = users.create(s, "fenxi", accounts["fenxi"])
        users.assign(s, analyst, Role.ANALYST, scope=Scope.BELOW, region=PROVINCE, view_unapproved=True)
        users.assign(s, users.create(s, "lingdao", accounts["lingdao"]), Role.LEADER, scope=Scope.BELOW,
                     region=COUNTY)
        approver = users.create(s, "shenhe", "bench-password-3")
        users.assign(s, approver, Role.APPROVER, scope=Scope.BELOW, region=COUNTY)
        version = import_framework(s, "national", 2024, files / "framework.yaml")
        at = {c: n for n, c in enumerate(codes)}
        for p, year in enumerate(years):
            for sub in submissions.expected_submissions(s, version, COUNTY, str(year), date(year + 1, 3, 31),
                                                        depts):
                for value in sub.values:
                    x = float(own[p, at[value.indicator.code]]) if p < own.shape[0] else float("nan")
                    if x == x:
                        submissions.set_value(s, value, x, user_id=analyst.id)
                submissions.set_state(s, sub, State.SUBMITTED, user_id=analyst.id)
                submissions.set_state(s, sub, State.APPROVED, user_id=approver.id)
        analyst_id, version_id = analyst.id, version.id
    started = time.perf_counter()
    with transaction(factory) as s:
        from zongheng.platform.models import FrameworkVersion

        reference = import_reference(s, s.get(FrameworkVersion, version_id), files / "data.csv",
                                     units=files / "units.csv", name="全国县域（合成数据，非真实统计）",
                                     source="bench/bench_pages_national.py（合成）", user_id=analyst_id)
        reference_id = reference.id
    timings["import the release (reference data)"] = time.perf_counter() - started
    with transaction(factory) as s:
        from zongheng.platform.models import FrameworkVersion

        runs.start(s, s.get(FrameworkVersion, version_id), str(years[-1]), method=runs.DEFAULT_METHOD,
                   user_id=analyst_id, regions=[COUNTY], reference_id=reference_id, approved_only=True)
    started = time.perf_counter()
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "bench")
    timings["the run job (gather, build, P(rank ≤ k), store)"] = time.perf_counter() - started
    assert done.state == "done", done.message
    with factory() as s:
        run = s.get(Run, done.result_id)
        sizes = {"inputs": len(run.inputs), "results": len(run.results)}
        stages = runs.stages_of(run)
        sizes["stages stored apart"] = sum(v is None for v in stages.same_as.values())
        units = len(runs.results_of(run).units)
        assert s.scalars(select(Run)).all()
    engine.dispose()
    return {"settings": settings, "accounts": accounts, "run": done.result_id, "timings": timings,
            "sizes": sizes, "units": units, "same_as": stages.same_as}


PAGES = (("run page", "/runs/{run}"), ("dashboard", "/runs/{run}/dashboard"),
         ("unit page", "/runs/{run}/units/" + COUNTY_NAME))


def views(world: dict, user: str, n: int, profile: bool) -> list[tuple[str, float, list[float], int]]:
    """Log ``user`` in (a new app: nothing cached); time each page's first view and ``n`` more."""
    import re

    from fastapi.testclient import TestClient

    from zongheng.platform.app import create_app
    from zongheng.platform.services import runs

    runs._REBUILT.clear()          # a fresh server: the first view of the unit page rebuilds
    out = []
    with TestClient(create_app(world["settings"]), base_url="http://testserver.local") as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": user, "password": world["accounts"][user],
                                    "csrf_token": csrf, "next": "/"})
        for name, pattern in PAGES:
            url = pattern.format(run=world["run"])
            if profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
            started = time.perf_counter()
            first = client.get(url)
            first_seconds = time.perf_counter() - started
            if profile:
                profiler.disable()
                print(f"--- profile: {user} {name}, first view ---")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            assert first.status_code == 200, (url, first.status_code)
            times = []
            for _ in range(n):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
            out.append((name, first_seconds, times, len(first.content)))
    return out


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2850)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--views", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument("--profile", action="store_true", help="cProfile every first view")
    args = parser.parse_args()
    print(f"SYNTHETIC data (seed {args.seed}): {args.units} units × {args.years} years × "
          f"{args.indicators} indicators; {'PostgreSQL (throwaway)' if args.postgres else 'SQLite'}; "
          f"nproc {os.cpu_count()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = None
        if args.postgres:
            from zongheng.platform.throwaway import create_database, postgres_bin, throwaway_postgres

            url = create_database(stack.enter_context(throwaway_postgres(postgres_bin())), "bench")
        world = seed(url, folder / "data", args.units, args.years, args.indicators, args.seed)
        for what, seconds in world["timings"].items():
            print(f"{what}: {seconds:.2f} s")
        sizes = world["sizes"]
        print(f"run #{world['run']}: {world['units']} units; "
              f"stored inputs {sizes['inputs'] / 2**20:.1f} MiB, "
              f"results with stages {sizes['results'] / 2**20:.1f} MiB; stages written out: "
              f"{sizes['stages stored apart']} (the others equal an earlier one: {world['same_as']})")
        for user in ("fenxi", "lingdao"):
            for name, first, times, size in views(world, user, args.views, args.profile):
                print(f"{user} {name}: first view {first * 1000:.0f} ms; median of {len(times)} "
                      f"{statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, "
                      f"max {max(times) * 1000:.0f}); page {size / 1024:.0f} KiB")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
