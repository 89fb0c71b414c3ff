"""The rules that find problems in a run (services/problem_rules.py), on SQLite and PostgreSQL.

Each rule is checked against numbers this file computes from the run's inputs with plain numpy
(ranks by counting better peers, declines by the direction, targets by comparing): not by calling
the code under test. The run is of the small test world (conftest.build_world) over five regions,
one of which (D, another city) is outside the analyst's scope.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

import numpy as np
import pytest
from sqlalchemy import func, select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, Problem, ProblemSource, Run, Task
from zongheng.platform.services import evidence, problem_rules, runs, tasks
from zongheng.platform.services.tasks import TaskError

from .run_world import store_run
from .test_tasks import _user

REGIONS = ["A", "B", "A1", "C", "D"]
NAMES = {"A": "甲县", "B": "乙县", "A1": "甲县一镇", "C": "市", "D": "另一市"}
ANALYST_SEES = ["A", "B", "A1", "C"]           # the analyst's grant is below C: not D
FRAMEWORK = {"code": "M", "name": "测试体系", "children": [
    {"code": "D1", "name": "维度一", "children": [
        {"code": "X1", "name": "指标一", "direction": 1, "target": 12, "rule": ">=", "department": "DA"},
        {"code": "X2", "name": "指标二", "direction": 1}]},
    {"code": "D2", "name": "维度二", "children": [
        {"code": "X3", "name": "指标三", "direction": -1, "target": 4, "rule": "<="},
        {"code": "X4", "name": "指标四", "name_en": "Indicator four", "direction": -1}]}]}
DIRECTION = np.array([1, 1, -1, -1])
TARGET = np.array([12.0, np.nan, 4.0, np.nan])


def _values_2024() -> np.ndarray:
    """Each region's rank on the four indicators differs (a Latin rectangle): no ties within a unit."""
    u, i = np.meshgrid(np.arange(5), np.arange(4), indexing="ij")
    rank = (u + i) % 5 + 1
    return np.stack([7 + (6 - rank[:, 0]) * 2, 20 + (6 - rank[:, 1]) * 3, 1.0 + rank[:, 2],
                     10.0 * rank[:, 3]], axis=1).astype(float)


# 2024 minus 2023, per region (rows) and indicator: rises, falls and one of each left equal.
CHANGE = np.array([[1, -2, 0.5, -5], [-3, 5, -1, 3], [0, 1, 2, -1], [2, 0, 0, 4], [-1, -5, 0.2, 0]])
VALUES = np.stack([_values_2024() - CHANGE, _values_2024()])


def ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each region on each indicator in one period: 1 + the peers strictly better."""
    oriented = values * DIRECTION
    return 1 + (oriented[None, :, :] > oriented[:, None, :]).sum(axis=1)


@pytest.fixture
def run_id(factory, world) -> int:
    return store_run(factory, REGIONS, FRAMEWORK, VALUES)


@dataclass
class Found:
    """What a call of the rules did, read before its session closed."""

    created: int
    updated: int
    unchanged: int
    keys: set[tuple[str, str, str]]
    """(source, region, indicator) of every problem the run shows."""
    summary: dict[str, str]


def _found(factory, name: str | None, run_id: int, **options) -> Found:
    with transaction(factory) as s:
        user = _user(s, name) if name else None
        out = problem_rules.problems_from_run(s, user, s.get(Run, run_id), **options)
        return Found(len(out.created), len(out.updated), len(out.unchanged),
                     {(p.source, p.region_code, p.indicator_code) for p in out.problems},
                     {lang: out.summary(lang) for lang in ("zh", "en")})


def _by_rule(found: Found, source: ProblemSource) -> set[tuple[str, str]]:
    return {(r, i) for s, r, i in found.keys if s == source.value}


def _expected(mask: np.ndarray, regions=ANALYST_SEES) -> set[tuple[str, str]]:
    """(region, indicator) of the cells of a (region, indicator) mask, for the regions given."""
    cells = zip(*np.nonzero(mask), strict=True)
    return {(REGIONS[u], f"X{i + 1}") for u, i in cells if REGIONS[u] in regions}


@pytest.mark.parametrize("k", [2, 5])
def test_the_weakest_indicators_are_the_worst_ranked_among_the_peers(factory, run_id, k):
    rank = ranks(VALUES[1])
    expected = set()
    for u in range(5):          # by hand: the k largest ranks of the unit, rank 1 is no 短板
        worst = np.argsort(-rank[u], kind="stable")[:k]
        expected |= {(REGIONS[u], f"X{i + 1}") for i in worst if rank[u, i] > 1}
    expected = {x for x in expected if x[0] in ANALYST_SEES}
    outcome = _found(factory, "analyst", run_id, weakest=k, sources=[ProblemSource.WEAKEST])
    assert _by_rule(outcome, ProblemSource.WEAKEST) == expected
    # The Latin rectangle: every unit but B leads on one indicator, which is no 短板 however large k.
    assert Counter(r for r, _ in expected) == {r: min(k, 4 if r == "B" else 3) for r in ANALYST_SEES}
    with factory() as s:
        problem = s.scalars(select(Problem).where(Problem.region_code == "B", Problem.indicator_code == "X4")
                            ).one()         # B is last of five on X4 (10 × rank 5 = 50)
        detail = json.loads(problem.detail)
        assert problem.title == problem_rules.title_in(problem, "zh") == "乙县：指标四为短板指标"
        assert problem_rules.title_in(problem, "en") == "乙县: Indicator four is among the weakest"
        shown = (detail["value"], detail["rank"], detail["of"], detail["previous"], detail["previous_rank"])
        assert shown == (VALUES[1, 1, 3], rank[1, 3], 5, VALUES[0, 1, 3], ranks(VALUES[0])[1, 3])
        assert detail["link"] == f"/runs/{run_id}/units/{quote('乙县')}"
        assert (problem.run_id, detail["first_run"], detail["k"]) == (run_id, run_id, k)


def test_a_decline_of_value_or_rank_respects_the_direction(factory, run_id):
    before, after = VALUES
    worse_value = (after - before) * DIRECTION < 0
    fell = ranks(after) > ranks(before)
    outcome = _found(factory, "analyst", run_id, sources=[ProblemSource.DECLINE])
    found = _by_rule(outcome, ProblemSource.DECLINE)
    assert found == _expected(worse_value | fell)
    # The cases the numbers were chosen for: A's X3 (lower is better) rose; A1's X2 rose but lost a
    # place; A's X1 rose and C's X2 stayed: neither is a decline.
    assert {("A", "X3"), ("A1", "X2")} <= found
    assert not {("A", "X1"), ("C", "X2")} & found


def test_below_target_follows_each_indicator_s_rule(factory, run_id):
    value = VALUES[1]
    missed = np.zeros(value.shape, dtype=bool)
    missed[:, 0] = value[:, 0] < TARGET[0]          # X1: at least 12
    missed[:, 2] = value[:, 2] > TARGET[2]          # X3: at most 4
    outcome = _found(factory, "analyst", run_id, sources=[ProblemSource.BELOW_TARGET])
    assert _by_rule(outcome, ProblemSource.BELOW_TARGET) == _expected(missed)
    assert _expected(missed)      # some do miss, in scope
    with factory() as s:
        for problem in s.scalars(select(Problem)):
            detail = json.loads(problem.detail)
            i = int(problem.indicator_code[1:]) - 1
            u = REGIONS.index(problem.region_code)
            assert (detail["target"], detail["gap"]) == (TARGET[i], value[u, i] - TARGET[i])


def test_red_lights_are_the_dashboard_s(factory, run_id):
    before, after = VALUES
    rank = ranks(after)
    red = 3 * rank > 2 * 5                  # no target: bottom third of the five peers
    worse = (after - before) * DIRECTION < 0
    attained = (after - TARGET) * DIRECTION >= 0
    shortfall = np.abs(after - TARGET) / np.abs(TARGET)
    judged_red = ~attained & (worse | (shortfall > 0.05))   # the default warning rule, by hand
    for i in (0, 2):
        red[:, i] = judged_red[:, i]
    outcome = _found(factory, "analyst", run_id, sources=[ProblemSource.RED_LIGHT])
    assert _by_rule(outcome, ProblemSource.RED_LIGHT) == _expected(red)
    with factory() as s:
        rules = {p.indicator_code: json.loads(p.detail)["light"] for p in s.scalars(select(Problem))}
        assert {rules[c] for c in rules if c in ("X1", "X3")} <= {"target"}
        assert {rules[c] for c in rules if c in ("X2", "X4")} <= {"peers"}


def test_path_levers_reach_the_target_rank(factory, run_id):
    outcome = _found(factory, "analyst", run_id, sources=[ProblemSource.PATH_LEVER])
    with factory() as s:
        run = s.get(Run, run_id)
        ev = runs.evaluation_of(run)
        found = runs.results_of(run)
        root = found.nodes.index("M")
        levers = s.scalars(select(Problem).where(Problem.source == "path_lever")).all()
        assert levers
        for region in ANALYST_SEES:
            unit = NAMES[region]
            now = int(found.ranks[-1, found.units.index(unit), root])
            mine = [json.loads(p.detail) for p in levers if p.region_code == region]
            if now == 1:
                assert not mine         # nothing to climb to
                continue
            assert {d["target_rank"] for d in mine} == {now - 1}
            # Setting every lever to its needed value does lift the unit to the target rank.
            changes = [{"unit": unit, "indicator": p.indicator_code, "period": 2024,
                        "value": json.loads(p.detail)["needed"]} for p in levers if p.region_code == region]
            after = ev.whatif(changes).table.set_index("unit").loc[unit, "rank_after"]
            assert after <= now - 1
            for d, p in zip(mine, [p for p in levers if p.region_code == region], strict=True):
                i = int(p.indicator_code[1:]) - 1
                assert (d["needed"] - VALUES[1, REGIONS.index(region), i]) * DIRECTION[i] > 0
    assert outcome.keys == {(p, r, i) for p, r, i in outcome.keys if p == "path_lever"}


def test_rerunning_the_rules_updates_open_problems_and_a_closed_one_comes_back(factory, run_id):
    first = _found(factory, "analyst", run_id)
    assert first.created and not first.updated and not first.unchanged
    again = _found(factory, "analyst", run_id)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    with factory() as s:
        count = s.scalar(select(func.count(Problem.id)))
        assert count == first.created
    # A later run: A's X4 gets worse still (lower is better: 40 → 48); its problems are updated.
    later_values = VALUES.copy()
    later_values[1, 0, 3] = 48.0
    later = store_run(factory, REGIONS, FRAMEWORK, later_values)
    with transaction(factory) as s:      # close the weakest-X4 problem of A by a full 销号
        analyst = _user(s, "analyst")
        problem = s.scalars(select(Problem).where(Problem.source == "weakest", Problem.region_code == "A",
                                                  Problem.indicator_code == "X4")).one()
        closed_id = problem.id
        task = tasks.assign(s, analyst, problem, due=date.today() + timedelta(days=9), department_code="DA")
        tasks.claim(s, _user(s, "reporter"), task)
        tasks.request_close(s, _user(s, "reporter"), task, text="已整改", new_value=39.0,
                            limits=evidence.Limits(max_bytes=1024, max_files=1))
        tasks.verify(s, analyst, task)
    third = _found(factory, "analyst", later)
    assert ("weakest", "A", "X4") in {(p, r, i) for p, r, i in third.keys}
    with factory() as s:
        rows = s.scalars(select(Problem).where(Problem.source == "weakest", Problem.region_code == "A",
                                               Problem.indicator_code == "X4").order_by(Problem.id)).all()
        assert (rows[0].id, len(rows)) == (closed_id, 2)        # the closed one stays, a new one opens
        assert (rows[1].run_id, json.loads(rows[1].detail)["first_run"]) == (later, later)
        decline = s.scalars(select(Problem).where(Problem.source == "decline", Problem.region_code == "A",
                                                  Problem.indicator_code == "X4")).all()
        # A's X4 did not fall in the first run (45 → 40 is better): in the later one it does (45 → 48).
        assert len(decline) == 1 and decline[0].run_id == later
        kept = s.scalars(select(Problem).where(Problem.source == "weakest", Problem.region_code == "B",
                                               Problem.indicator_code == "X4")).one()
        detail = json.loads(kept.detail)
        assert (kept.run_id, detail["first_run"], detail["run"]) == (later, run_id, later)
        updates = s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "problem.update"))
        assert updates == third.updated > 0
        assert s.scalar(select(func.count(Problem.id))) == first.created + third.created
    # The earlier run again changes nothing the later one wrote.
    back = _found(factory, "analyst", run_id)
    assert not back.updated and not back.created


def test_who_may_run_the_rules_and_over_which_regions(factory, run_id):
    for name in ("reporter", "approver", "leader"):       # department users and readers do not
        with transaction(factory) as s, pytest.raises(TaskError) as refused:
            problem_rules.problems_from_run(s, _user(s, name), s.get(Run, run_id))
        assert refused.value.key == "pf_task_source_not_yours"
    with transaction(factory) as s:
        analyst, run = _user(s, "analyst"), s.get(Run, run_id)
        with pytest.raises(TaskError) as foreign:      # D is in the run, not in the analyst's scope
            problem_rules.problems_from_run(s, analyst, run, regions=["A", "D"])
        assert foreign.value.key == "pf_task_source_not_yours"
        with pytest.raises(TaskError) as stray:
            problem_rules.problems_from_run(s, analyst, run, regions=["A2"])
        assert (stray.value.key, stray.value.params) == ("pf_rules_not_in_run",
                                                         {"region": "A2", "run": run_id})
        with pytest.raises(TaskError) as bad_k:
            problem_rules.problems_from_run(s, analyst, run, weakest=0)
        assert bad_k.value.key == "pf_rules_bad_weakest"
    with factory() as s:
        assert s.scalar(select(func.count(Problem.id))) == 0        # every refusal wrote nothing
    focus = _found(factory, "analyst", run_id, regions=["C"])
    assert {r for _, r, _ in focus.keys} == {"C"}
    everyone = _found(factory, "analyst", run_id)
    assert {r for _, r, _ in everyone.keys} == set(ANALYST_SEES)
    system = _found(factory, None, run_id)          # the system (a job) covers every region
    assert {r for _, r, _ in system.keys} - set(ANALYST_SEES) == {"D"}
    with factory() as s:
        creators = set(s.scalars(select(Problem.created_by).distinct()))
        assert creators == {_user(s, "analyst").id, None}
        assert s.scalar(select(func.count(Task.id))) == 0
    assert everyone.summary == {
        "zh": f"新增问题 {everyone.created} 个，更新 0 个，未变 {focus.created} 个。",
        "en": f"{everyone.created} problems recorded, 0 updated, {focus.created} unchanged."}
