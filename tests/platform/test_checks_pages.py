"""The follow-up queue and the 说明 form: scopes, filters, CSRF, audit (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, CheckFlag, State, Submission
from zongheng.platform.services import submissions
from zongheng.platform.services.checks import run_checks
from zongheng.platform.services.checks.rules import parse_rules

from .conftest import csrf_of, login

RULES = parse_rules({"checks": [{"kind": "required", "severity": "blocking"},
                                {"kind": "range", "indicators": ["X1"], "max": 100}]}, {"X1"})


@pytest.fixture
def flagged(factory, world):
    """Flags on s1 (甲县, DA, draft: X1 missing), s8 (乙县, DB, draft: X1 = 150 > 100) and s9 (另一市)."""
    ids = {}
    with transaction(factory) as s:
        s8 = s.get(Submission, world.submissions["s8"])
        submissions.set_value(s, s8.values[0], 150.0, user_id=None)
        for key in ("s1", "s8", "s9"):
            (flag,) = run_checks(s, s.get(Submission, world.submissions[key]), on="submit", rules=RULES)
            ids[key] = flag.id
    return ids


def _flag_rows(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-flag="(\d+)"', html)}


def test_the_queue_shows_the_open_flags_in_scope_only(client, world, flagged):
    login(client, "analyst")                # below 市 C, may view unapproved: s1 and s8, not s9
    page = client.get("/followup")
    assert page.status_code == 200
    assert _flag_rows(page.text) == {flagged["s1"], flagged["s8"]}
    assert "甲县「指标一」未填报。" in page.text
    assert "乙县「指标一」为 150%，高于上限 100%。" in page.text
    assert "尚未说明" in page.text
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    login(client, "approver")               # 甲县 DA and below: s1 only
    assert _flag_rows(client.get("/followup").text) == {flagged["s1"]}


def test_the_queue_filters_by_severity_indicator_and_region(client, world, flagged):
    login(client, "analyst")
    assert _flag_rows(client.get("/followup?severity=blocking").text) == {flagged["s1"]}
    assert _flag_rows(client.get("/followup?severity=warning").text) == {flagged["s8"]}
    assert _flag_rows(client.get("/followup?region=B").text) == {flagged["s8"]}
    assert _flag_rows(client.get("/followup?indicator=X1").text) == {flagged["s1"], flagged["s8"]}
    assert _flag_rows(client.get("/followup?indicator=X9").text) == set()
    # A region outside the scope filters to nothing rather than showing it.
    assert _flag_rows(client.get("/followup?region=D").text) == set()
    assert _flag_rows(client.get("/followup?severity=nonsense").text) == {flagged["s1"], flagged["s8"]}


@pytest.mark.parametrize("name", ["reporter", "leader", "congress", "admin"])
def test_other_roles_may_not_open_the_queue(client, world, flagged, name):
    login(client, name)
    assert client.get("/followup").status_code == 403


def test_the_reporter_explains_a_flag_and_the_analyst_sees_it(client, factory, world, flagged):
    login(client, "reporter")
    sid = world.submissions["s1"]
    fragment = client.get(f"/submissions/{sid}/flags")
    assert fragment.status_code == 200 and 'name="explanation"' in fragment.text
    assert "甲县「指标一」未填报。" in fragment.text
    token = csrf_of(fragment.text)
    # Without the CSRF token: refused, nothing saved.
    refused = client.post(f"/submissions/{sid}/flags", data={"flag_id": flagged["s1"], "explanation": "x"})
    assert refused.status_code == 403
    why = "本期该指标统计口径调整，数据次月补报。"
    saved = client.post(f"/submissions/{sid}/flags", data={
        "csrf_token": token, "flag_id": flagged["s1"], "explanation": why})
    assert saved.status_code == 200 and "说明已保存" in saved.text
    assert "本期该指标统计口径调整，数据次月补报。" in saved.text
    with factory() as s:
        flag = s.get(CheckFlag, flagged["s1"])
        assert flag.explanation == "本期该指标统计口径调整，数据次月补报。"
        assert flag.explained_by == world.users["reporter"] and flag.explained_at is not None
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "check.explain")).one()
        assert event.user_id == world.users["reporter"] and event.object_id == str(flagged["s1"])
    client.post("/logout", data={"csrf_token": token})
    login(client, "analyst")
    page = client.get("/followup")
    assert "本期该指标统计口径调整，数据次月补报。" in page.text and "reporter 于" in page.text


def test_the_explanation_post_refuses_what_it_must(client, factory, world, flagged):
    login(client, "reporter")
    sid = world.submissions["s1"]
    token = csrf_of(client.get(f"/submissions/{sid}/flags").text)
    # Another submission's flag through this submission's address: nothing changes.
    moved = client.post(f"/submissions/{sid}/flags", data={
        "csrf_token": token, "flag_id": flagged["s8"], "explanation": "越权"}, follow_redirects=False)
    assert moved.status_code == 303
    # A submission outside the reporter's scope: 404, as if it did not exist.
    outside = client.post(f"/submissions/{world.submissions['s8']}/flags", data={
        "csrf_token": token, "flag_id": flagged["s8"], "explanation": "越权"})
    assert outside.status_code == 404
    empty = client.post(f"/submissions/{sid}/flags", data={
        "csrf_token": token, "flag_id": flagged["s1"], "explanation": "   "})
    assert empty.status_code == 422 and "说明不能为空" in empty.text
    with factory() as s:
        assert s.get(CheckFlag, flagged["s8"]).explanation == ""
        assert s.get(CheckFlag, flagged["s1"]).explanation == ""
    with transaction(factory) as s:
        submissions.set_state(s, s.get(Submission, sid), State.SUBMITTED, user_id=None)
    locked = client.post(f"/submissions/{sid}/flags", data={
        "csrf_token": token, "flag_id": flagged["s1"], "explanation": "已报送后再改"})
    assert locked.status_code == 409 and "不能修改说明" in locked.text
    with factory() as s:
        assert s.get(CheckFlag, flagged["s1"]).explanation == ""


def test_readers_see_the_flags_without_a_form(client, world, flagged):
    login(client, "approver")
    fragment = client.get(f"/submissions/{world.submissions['s1']}/flags")
    assert fragment.status_code == 200 and "甲县「指标一」未填报。" in fragment.text
    assert 'name="explanation"' not in fragment.text
    assert client.get(f"/submissions/{world.submissions['s9']}/flags").status_code == 404


def test_the_navigation_links_the_queue_for_its_roles_only(client, world):
    login(client, "approver")
    assert 'href="/followup"' in client.get("/").text
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    login(client, "reporter")
    assert 'href="/followup"' not in client.get("/").text


def test_the_flags_are_a_fragment_for_htmx_and_a_whole_page_otherwise(client, world, flagged):
    login(client, "reporter")
    url = f"/submissions/{world.submissions['s1']}/flags"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert 'id="flags-' in fragment.text
    page = client.get(url)
    assert "<html" in page.text and 'id="flags-' in page.text and "hx-headers" in page.text
