"""D-grade firms become problems (services/grading_problems.py, POST /grading/{id}/problems), both databases.

The expected problems are the grading's firms graded D, read from the stored grade table (not from
the D list the service walks); grading again keeps one open problem per firm.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import GradingRun, Problem, User
from zongheng.platform.services import grading
from zongheng.platform.services.grading_problems import problems_from_grading
from zongheng.platform.services.tasks import TaskError

from .conftest import csrf_of, login
from .grading_world import tiny_grading


def _user(s, name: str) -> User:
    return s.scalars(select(User).where(User.username == name)).one()


def _d_firms(factory, grading_id: int) -> set[str]:
    with factory() as s:
        grades = grading.result_of(s.get(GradingRun, grading_id)).result.grades
    return {str(f) for f in grades.loc[grades["grade"].astype(object) == "D", "id"]}


def test_each_d_firm_is_one_problem_and_grading_again_repeats_none(factory, world):
    first = tiny_grading(factory, "A")
    expected = _d_firms(factory, first)
    assert expected                       # the small table has D firms to find
    with transaction(factory) as s:
        outcome = problems_from_grading(s, _user(s, "analyst"), s.get(GradingRun, first))
        assert len(outcome.created) == len(expected) and not outcome.updated
    with factory() as s:
        found = s.scalars(select(Problem).where(Problem.source == "d_grade")).all()
        details = [json.loads(p.detail) for p in found]
    assert {d["firm"] for d in details} == expected
    assert all(p.region_code == "A" and p.indicator_code is None and p.run_id is None for p in found)
    assert all(d["grading"] == first == d["first_grading"] for d in details)
    assert all(d["link"].startswith(f"/grading/{first}/firms/") for d in details)
    with transaction(factory) as s:           # the same grading again: nothing new, nothing changed
        again = problems_from_grading(s, _user(s, "analyst"), s.get(GradingRun, first))
        assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, len(expected))
    second = tiny_grading(factory, "A")       # a newer grading of the same firms: updated, not repeated
    with transaction(factory) as s:
        newer = problems_from_grading(s, _user(s, "analyst"), s.get(GradingRun, second))
        assert not newer.created and len(newer.updated) == len(_d_firms(factory, second) & expected)
    with factory() as s:
        kept = [json.loads(p.detail) for p in s.scalars(select(Problem).where(Problem.source == "d_grade"))]
    assert len(kept) == len(expected)
    assert {(d["grading"], d["first_grading"]) for d in kept} == {(second, first)}


@pytest.mark.parametrize("name", ["reporter", "approver", "leader"])
def test_only_an_analyst_over_the_region_makes_them(factory, world, name):
    grading_id = tiny_grading(factory, "A")
    with transaction(factory) as s, pytest.raises(TaskError) as refused:
        problems_from_grading(s, _user(s, name), s.get(GradingRun, grading_id))
    assert refused.value.key == "pf_task_source_not_yours"
    with factory() as s:
        assert s.scalars(select(Problem)).first() is None


def test_the_grading_page_sends_d_firms_to_the_ledger(client, factory, world):
    grading_id = tiny_grading(factory, "A")
    login(client, "analyst")
    page = client.get(f"/grading/{grading_id}").text
    assert "d-problems-form" in page
    done = client.post(f"/grading/{grading_id}/problems", data={"csrf_token": csrf_of(page)},
                       follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/tasks?rules={len(_d_firms(factory, grading_id))}-0-0")
    with factory() as s:
        problem = s.scalars(select(Problem).order_by(Problem.id)).first()
    ledger = client.get("/tasks").text
    moved = client.post(f"/problems/{problem.id}/assign", data={"csrf_token": csrf_of(ledger),
                                                              "department": "DA", "due": "2099-12-31"},
                        follow_redirects=False)
    task_page = client.get(moved.headers["location"]).text
    assert "亩均效益评价为 D 类" in task_page and 'data-fact="weakest"' in task_page
    assert f'href="/grading/{grading_id}/firms/' in task_page
