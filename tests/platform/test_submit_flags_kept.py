"""A submit refused by the checks keeps the flags it names, so that they can be explained.

Found by bench/load_deadline.py: a blocking flag raised only when submitting (a value missing,
an outlier among the peers who submitted meanwhile) was rolled back with the refused submit;
the refusal said "explain it on /submissions/{id}/flags" and that page showed nothing, so the
填报员 could never submit. Pages and API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from zongheng.platform.db import transaction
from zongheng.platform.models import CheckFlag, State, Submission, User
from zongheng.platform.services import tokens
from zongheng.platform.services.checks import run as checks_run
from zongheng.platform.services.checks.rules import parse_rules

from .conftest import csrf_of, login

# 必填 is checked on submit only (a draft may be incomplete): s1's X1 is empty.
RULES = parse_rules({"checks": [{"kind": "required", "severity": "blocking"}]}, {"X1"})


@pytest.fixture
def required(monkeypatch):
    monkeypatch.setattr(checks_run, "load_rules", lambda key, codes=None: RULES)


def _flags(factory, sid: int) -> list[int]:
    with factory() as s:
        return list(s.scalars(select(CheckFlag.id).where(CheckFlag.submission_id == sid)))


def _state(factory, sid: int) -> str:
    with factory() as s:
        return s.get(Submission, sid).state


def test_the_page_refusal_keeps_its_flag_and_the_explained_submit_goes_through(client, factory, world,
                                                                              required):
    sid = world.submissions["s1"]
    assert _flags(factory, sid) == []
    login(client, "reporter")
    token = csrf_of(client.get(f"/submissions/{sid}/entry").text)
    refused = client.post(f"/submissions/{sid}/submit", data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 200 and f"/submissions/{sid}/flags" in refused.text
    assert _state(factory, sid) == State.DRAFT.value
    (flag,) = _flags(factory, sid)
    page = client.get(f"/submissions/{sid}/flags")
    assert re.findall(r'name="flag_id" value="(\d+)"', page.text) == [str(flag)]
    explained = client.post(f"/submissions/{sid}/flags", data={
        "csrf_token": token, "flag_id": flag, "explanation": "本期数据次月补报。"})
    assert explained.status_code == 200 and "说明已保存" in explained.text
    done = client.post(f"/submissions/{sid}/submit", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert _state(factory, sid) == State.SUBMITTED.value
    with factory() as s:    # the second submit checked again and made no second flag
        assert s.scalar(select(func.count()).select_from(CheckFlag)
                        .where(CheckFlag.submission_id == sid)) == 1


def test_the_api_refusal_names_a_flag_that_can_then_be_explained(client, factory, settings, world, required):
    sid = world.submissions["s1"]
    with transaction(factory) as s:
        token, _ = tokens.create(s, s.get(User, world.users["reporter"]), settings.secret_key, "t",
                                 can_write=True)
    bearer = {"Authorization": f"Bearer {token}"}
    refused = client.post(f"/api/v1/submissions/{sid}/actions/submit", headers=bearer)
    assert refused.status_code == 409
    (flag,) = _flags(factory, sid)
    assert f"/flags/{flag}/explanation" in refused.json()["problems"][0]["zh"]
    explained = client.post(f"/api/v1/submissions/{sid}/flags/{flag}/explanation", headers=bearer,
                            json={"explanation": "本期数据次月补报。"})
    assert explained.status_code == 200 and explained.json()["blocking_unexplained"] == 0
    done = client.post(f"/api/v1/submissions/{sid}/actions/submit", headers=bearer, json={})
    assert done.status_code == 200 and done.json()["state"] == "submitted"
