"""What a task changed (services/task_effect.py): the indicator through the runs, on SQLite and PostgreSQL.

A problem found by the rules in a first run is given as a task, closed on a new value, and a later
run measures the region again; the trajectory reads each run's own inputs, and the verdict follows
the indicator's direction. The expected values are the runs' input arrays, indexed by hand.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import FrameworkVersion, Problem, ProblemSource, Run, Task
from zongheng.platform.services import evidence, problem_rules, task_effect, tasks

from .run_world import store_run
from .test_problem_rules import FRAMEWORK, REGIONS, VALUES, ranks
from .test_tasks import _user

LIMITS = evidence.Limits(max_bytes=1024, max_files=1)
A = REGIONS.index("A")


def _task(factory, run_id: int, source: ProblemSource, indicator: str) -> int:
    """The rules' problem of A on ``indicator`` from ``run_id``, given to DA; return the task's id."""
    with transaction(factory) as s:
        analyst = _user(s, "analyst")
        problem_rules.problems_from_run(s, analyst, s.get(Run, run_id), regions=["A"], sources=[source])
        problem = s.scalars(select(Problem).where(Problem.region_code == "A", Problem.source == source.value,
                                                  Problem.indicator_code == indicator)).one()
        due = date.today() + timedelta(days=30)
        return tasks.assign(s, analyst, problem, due=due, department_code="DA").id


def _close(factory, task_id: int, new_value: float) -> None:
    with transaction(factory) as s:
        task = s.get(Task, task_id)
        tasks.claim(s, _user(s, "reporter"), task)
        tasks.request_close(s, _user(s, "reporter"), task, text="已整改", new_value=new_value, limits=LIMITS)
        tasks.verify(s, _user(s, "analyst"), task)


def _trajectory(factory, task_id: int) -> task_effect.Trajectory | None:
    with factory() as s:
        return task_effect.trajectory_of(s, s.get(Task, task_id))


LATER = VALUES.copy()
LATER[1, A, 3] = 48.0
"""The later run's inputs: A's X4 (lower is better) rises from 40 to 48."""


@pytest.fixture
def first(factory, world) -> int:
    return store_run(factory, REGIONS, FRAMEWORK, VALUES)


def test_the_trajectory_runs_from_the_problem_s_run_through_later_runs_and_the_evidence(factory, first):
    task_id = _task(factory, first, ProblemSource.WEAKEST, "X4")      # A is 4th of five on X4
    # Before anything later: the first run alone, no verdict.
    alone = _trajectory(factory, task_id)
    assert [(p.kind, p.run_id, p.value) for p in alone.points] == [("run", first, VALUES[1, A, 3])]
    assert (alone.verdict, alone.basis, alone.basis_text("zh")) == ("unknown", None, "")
    _close(factory, task_id, 30.0)
    second = store_run(factory, REGIONS, FRAMEWORK, LATER)
    found = _trajectory(factory, task_id)
    assert [(p.kind, p.run_id, p.period, p.value, p.rank, p.of) for p in found.points] == [
        ("run", first, "2024", VALUES[1, A, 3], ranks(VALUES[1])[A, 3], 5),
        ("run", second, "2024", 48.0, ranks(LATER[1])[A, 3], 5),
        ("evidence", None, None, 30.0, None, None)]
    # Lower is better: 40 → 30 reported, but 40 → 48 measured by the later run, which decides.
    assert (found.direction, found.verdict, found.basis) == (-1, "worse", "run")
    assert [p.verdict for p in found.points] == ["unchanged", "worse", "improved"]
    assert (found.region, found.unit, found.indicator, found.name) == ("A", "甲县", "X4", "指标四")
    assert found.verdict_text("zh") == "退步"
    assert found.basis_text("en") == f"as measured by run #{second} (2024)"


def test_without_a_later_run_the_evidence_gives_the_verdict_and_says_so(factory, first):
    second = store_run(factory, REGIONS, FRAMEWORK, LATER)
    task_id = _task(factory, second, ProblemSource.DECLINE, "X2")     # A's X2 fell 34 → 32
    _close(factory, task_id, 31.0)
    found = _trajectory(factory, task_id)
    assert [(p.kind, p.value) for p in found.points] == [("run", VALUES[1, A, 1]), ("evidence", 31.0)]
    assert (found.direction, found.verdict, found.basis) == (1, "worse", "evidence")
    assert found.basis_text("zh") == "依据销号佐证的新数值，尚待下次评价核实"


def test_a_run_of_another_framework_or_without_the_region_is_no_point(factory, first):
    second = store_run(factory, REGIONS, FRAMEWORK, LATER)
    task_id = _task(factory, first, ProblemSource.WEAKEST, "X4")
    with transaction(factory) as s:
        other = FrameworkVersion(key="other", year=2025, name="另一体系", content_sha256="1" * 64,
                                 source_text="code: M")
        s.add(other)
        s.flush()
        other_id = other.id
    store_run(factory, REGIONS, FRAMEWORK, VALUES + 1, version_id=other_id)     # another framework
    without_a = np.delete(VALUES, A, axis=1)
    store_run(factory, [r for r in REGIONS if r != "A"], FRAMEWORK, without_a)   # A not evaluated
    found = _trajectory(factory, task_id)
    assert [p.run_id for p in found.points] == [first, second]


def test_a_problem_without_an_indicator_or_a_run_has_no_trajectory(factory, first):
    with transaction(factory) as s:
        analyst = _user(s, "analyst")
        item = tasks.record_problem(s, analyst, source=ProblemSource.CONGRESS, region_code="A",
                                    title="审议意见：加快补齐短板")
        task_id = tasks.assign(s, analyst, item, due=date.today(), department_code="DA").id
    assert _trajectory(factory, task_id) is None


@pytest.mark.parametrize(("before", "after", "direction", "expected"), [
    (10.0, 12.0, 1, "improved"), (10.0, 8.0, 1, "worse"), (10.0, 8.0, -1, "improved"),
    (10.0, 12.0, -1, "worse"), (5.0, 5.0, 1, "unchanged"), (None, 5.0, -1, "unknown"),
    (float("nan"), 5.0, 1, "unknown")])
def test_the_verdict_reads_the_direction(before, after, direction, expected):
    assert task_effect.verdict(before, after, direction) == expected
