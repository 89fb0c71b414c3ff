"""Entry (填报): reading typed numbers, all-or-nothing saving, the grid page and its history."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from zongheng.platform.db import transaction
from zongheng.platform.models import (
    AuditEvent,
    FrameworkIndicator,
    FrameworkVersion,
    State,
    Submission,
    Value,
)
from zongheng.platform.services import submissions
from zongheng.platform.services.entry import EntryError, read_value, save_entries

from .conftest import csrf_of, login

# Each typed text → the value kept (None = no value), for an indicator in % and one in 万元.
READ = [
    ("1,234", "万元", 1234.0),
    ("1,234.5", "万元", 1234.5),
    ("12%", "%", 12.0),          # kept in the unit of measure: 12 (percent), not 0.12
    ("12 ％", "%", 12.0),        # full-width percent sign, space before it
    ("１２３", "万元", 123.0),     # full-width digits
    ("－５", "万元", -5.0),
    (" 3.5 ", "万元", 3.5),
    ("1e3", "万元", 1000.0),
    ("—", "万元", None),
    ("", "%", None),
    ("-", "万元", None),
    ("  ", "万元", None),
]
REFUSED = [("abc", "万元", "number"), ("1.2.3", "万元", "number"), ("12%", "万元", "percent"),
           ("%", "%", "number"), ("1e999", "万元", "number"), ("12元", "万元", "number")]


@pytest.mark.parametrize(("typed", "unit", "expected"), READ)
def test_typed_numbers_are_read(typed, unit, expected):
    assert read_value(typed, unit) == expected


@pytest.mark.parametrize(("typed", "unit", "why"), REFUSED)
def test_anything_else_is_refused(typed, unit, why):
    with pytest.raises(ValueError) as caught:
        read_value(typed, unit)
    assert caught.value.args[0] == why


def add_trio(factory, *, state: State = State.DRAFT) -> int:
    """A DA@A submission (the reporter's) with three indicators: T1 in %, T2 in 万元, T3 in 个."""
    with transaction(factory) as s:
        indicators = [FrameworkIndicator(code=f"T{n}", name=f"三项{n}", unit=unit, lead_department="DA",
                                         position=n) for n, unit in ((1, "%"), (2, "万元"), (3, "个"))]
        version = FrameworkVersion(key="trio", year=2024, name="三项", content_sha256="1" * 64,
                                   source_text="", indicators=indicators)
        s.add(version)
        s.flush()
        sub = Submission(version_id=version.id, department_code="DA", region_code="A", period="2024",
                         due_date=date(2025, 3, 31), state=state.value,
                         values=[Value(indicator_id=i.id) for i in version.indicators])
        s.add(sub)
        s.flush()
        return sub.id


def _ids(factory, sid: int) -> dict[str, int]:
    with factory() as s:
        return {v.indicator.code: v.id for v in s.get(Submission, sid).values}


def _values(factory, sid: int) -> dict[str, float | None]:
    with factory() as s:
        return {v.indicator.code: v.value for v in s.get(Submission, sid).values}


def test_a_post_with_one_bad_cell_saves_nothing_and_names_every_bad_row(factory, world):
    sid = add_trio(factory)
    ids = _ids(factory, sid)
    with transaction(factory) as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(EntryError) as caught, transaction(factory) as s:
        save_entries(s, s.get(Submission, sid), {ids["T1"]: "12%", ids["T2"]: "十二", ids["T3"]: "3%"}, {},
                     user_id=world.users["reporter"])
    messages = [p.message() for p in caught.value.problems]
    assert messages == ["第 2 行（T2 三项2）：“十二”不是数值。",
                        "第 3 行（T3 三项3）：“3%”带百分号，但该指标的计量单位是“个”。"]
    assert caught.value.problems[0].message("en") == 'Row 2 (T2 三项2): "十二" is not a number.'
    assert _values(factory, sid) == {"T1": None, "T2": None, "T3": None}      # T1 was fine, yet not saved
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_good_post_saves_every_cell_with_history(factory, world):
    sid = add_trio(factory)
    ids = _ids(factory, sid)
    with transaction(factory) as s:
        typed = {ids["T1"]: "12%", ids["T2"]: "1,234", ids["T3"]: "—"}
        changed = save_entries(s, s.get(Submission, sid), typed, {ids["T2"]: " 含开发区 "},
                               user_id=world.users["reporter"])
    assert changed == 3         # two values and one comment; T3 stays empty (no change, no history)
    assert _values(factory, sid) == {"T1": 12.0, "T2": 1234.0, "T3": None}
    with factory() as s:
        t2 = s.get(Value, ids["T2"])
        assert t2.comment == "含开发区"
        assert [(h.old, h.new, h.user_id) for h in t2.history] == [(None, 1234.0, world.users["reporter"])]
        assert s.get(Value, ids["T3"]).history == []


@pytest.mark.parametrize("state", [State.SUBMITTED, State.APPROVED, State.LOCKED])
def test_only_drafts_and_returned_submissions_take_values(factory, world, state):
    sid = add_trio(factory, state=state)
    ids = _ids(factory, sid)
    with pytest.raises(EntryError) as caught, transaction(factory) as s:
        save_entries(s, s.get(Submission, sid), {ids["T1"]: "1"}, {}, user_id=world.users["reporter"])
    assert "不能修改" in caught.value.problems[0].message()
    assert _values(factory, sid)["T1"] is None


def test_a_value_id_of_another_submission_is_refused(factory, world):
    sid = add_trio(factory)
    other = _ids(factory, world.submissions["s1"])["X1"]
    with pytest.raises(EntryError), transaction(factory) as s:
        save_entries(s, s.get(Submission, sid), {other: "1"}, {}, user_id=world.users["reporter"])
    assert _values(factory, world.submissions["s1"]) == {"X1": None}


def test_the_grid_page_saves_through_htmx_and_shows_history(client, factory, world):
    sid = add_trio(factory)
    ids = _ids(factory, sid)
    login(client, "reporter")
    page = client.get(f"/submissions/{sid}/entry")
    assert page.status_code == 200
    for code, unit in (("T1", "%"), ("T2", "万元")):
        assert re.search(rf'<tr data-indicator="{code}">.*?<td>{unit}</td>', page.text, re.S)
    assert 'src="/static/entry.js"' in page.text and "<script>" not in page.text
    csrf = csrf_of(page.text)
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    bad = client.post(f"/submissions/{sid}/entry", headers=hx,
                      data={f"v-{ids['T1']}": "5", f"v-{ids['T2']}": "abc", f"v-{ids['T3']}": "7"})
    assert bad.status_code == 200
    assert "第 2 行（T2 三项2）：“abc”不是数值。" in bad.text and "本次未保存任何数值" in bad.text
    assert 'value="abc"' in bad.text                 # what was typed stays in the cell to be fixed
    assert "<html" not in bad.text                   # an HTMX answer is the grid only
    assert _values(factory, sid) == {"T1": None, "T2": None, "T3": None}
    for typed in ("5", "6"):
        ok = client.post(f"/submissions/{sid}/entry", headers=hx, data={f"v-{ids['T1']}": typed})
        assert "已保存：1 项有变动。" in ok.text
    row = re.search(r'<tr data-indicator="T1">(.*?)</tr>', client.get(f"/submissions/{sid}/entry").text,
                    re.S).group(1)
    assert 'value="6"' in row and "2 条" in row
    assert "reporter：— → 5" in row and "reporter：5 → 6" in row
    # Without the CSRF token nothing is saved.
    forged = client.post(f"/submissions/{sid}/entry", headers={"HX-Request": "true"},
                         data={f"v-{ids['T1']}": "9"})
    assert forged.status_code == 403 and _values(factory, sid)["T1"] == 6.0


def test_an_unchanged_value_posted_back_is_no_change(client, factory, world):
    # The grid writes a stored value back exactly (repr), so saving untouched cells changes nothing.
    sid = add_trio(factory)
    ids = _ids(factory, sid)
    with transaction(factory) as s:
        submissions.set_value(s, s.get(Value, ids["T2"]), 0.1 + 0.2, user_id=world.users["reporter"])
    login(client, "reporter")
    page = client.get(f"/submissions/{sid}/entry").text
    shown = re.search(rf'name="v-{ids["T2"]}"[^>]*value="([^"]*)"', page, re.S).group(1)
    assert shown == "0.30000000000000004"
    client.post(f"/submissions/{sid}/entry", headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(page)},
                data={f"v-{ids['T2']}": shown})
    with factory() as s:
        assert len(s.get(Value, ids["T2"]).history) == 1


def test_the_entry_list_shows_the_reporters_submissions(client, world):
    login(client, "reporter")
    html = client.get("/entry").text
    assert {int(x) for x in re.findall(r'data-submission="(\d+)"', html)} == {world.submissions["s1"],
                                                                             world.submissions["s2"]}
    assert f'href="/submissions/{world.submissions["s1"]}/entry">填报' in html
