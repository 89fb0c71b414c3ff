"""What the pages show: the home page per role, the read-only submission page."""

from __future__ import annotations

import re
from datetime import timedelta

from zongheng.platform.db import transaction
from zongheng.platform.models import State, Submission
from zongheng.platform.services import submissions

from .conftest import READS, USERS, login


def _listed(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-submission="(\d+)"', html)}


def test_the_home_page_lists_exactly_the_submissions_in_scope(client, world):
    for name in USERS:
        client.cookies.clear()
        login(client, name)
        html = client.get("/").text
        assert _listed(html) == {world.submissions[k] for k in READS[name]}, name


def test_the_home_page_names_role_scope_and_state(client, world):
    login(client, "approver")
    html = client.get("/").text
    assert "审核员 · 部门DA（本级及下级）" in html
    assert "可查看未审核数据" in html
    assert re.search(rf'data-submission="{world.submissions["s3"]}" data-state="submitted"', html)
    assert "已报送" in html and "草稿" in html and "已锁定" in html
    client.cookies.clear()
    login(client, "congress")
    html = client.get("/?lang=en").text
    assert "People&#39;s Congress · chosen set: 乙县" in html and "approved data only" in html


def test_the_submission_page_shows_value_unit_last_period_and_history(client, world, factory):
    # s1 (DA@A 2024, draft) follows s2 (DA@A 2023, value 12.5): give s1 a value and a correction.
    with transaction(factory) as s:
        value = s.get(Submission, world.submissions["s1"]).values[0]
        submissions.set_value(s, value, 13.0, user_id=world.users["reporter"])
        submissions.set_value(s, value, 13.25, user_id=world.users["reporter"], reason="口径更正 <b>x</b>")
    login(client, "reporter")
    html = client.get(f"/submissions/{world.submissions['s1']}").text
    row = re.search(r'<tr data-indicator="X1">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num value">13.25</td>' in row
    assert "<td>%</td>" in row
    assert re.search(r'class="num previous">12.5 <small>\(2023\)</small>', row)
    assert "2 条" in row
    assert "reporter：— → 13" in row and "reporter：13 → 13.25" in row
    # Times are kept in UTC and shown in China Standard Time (UTC+8, no daylight saving).
    with factory() as s:
        at = s.get(Submission, world.submissions["s1"]).values[0].history[0].at
    assert f"{(at + timedelta(hours=8)):%Y-%m-%d %H:%M} reporter：— → 13" in row
    # User text is escaped, never markup.
    assert "口径更正 &lt;b&gt;x&lt;/b&gt;" in row and "<b>x</b>" not in row


def test_a_returned_submission_shows_its_reason(client, world, factory):
    with transaction(factory) as s:
        sub = s.get(Submission, world.submissions["s3"])
        submissions.set_state(s, sub, State.RETURNED, user_id=world.users["approver"], reason="请核对")
    login(client, "approver")
    html = client.get(f"/submissions/{world.submissions['s3']}").text
    assert "退回原因：请核对" in html and "已退回" in html


def test_english_is_one_click_away_and_sticks(client, world):
    login(client, "reporter")
    sid = world.submissions["s1"]
    english = client.get(f"/submissions/{sid}?lang=en").text
    assert "Last period" in english and "History" in english and "Draft" in english
    assert 'lang="en"' in english
    again = client.get(f"/submissions/{sid}").text          # the choice is kept in a cookie
    assert "Last period" in again and "上期值" not in again
    assert "上期值" in client.get(f"/submissions/{sid}?lang=zh").text


def test_every_text_the_templates_name_is_in_the_catalogue():
    import importlib
    import pkgutil
    from pathlib import Path

    from zongheng.i18n import MESSAGES
    from zongheng.platform import pages
    from zongheng.platform.pages import messages

    for module in pkgutil.iter_modules(pages.__path__):     # each page module registers its texts
        importlib.import_module(f"zongheng.platform.pages.{module.name}")

    folder = Path(messages.__file__).resolve().parent.parent / "templates"
    named = {k for f in folder.glob("*.html") for k in re.findall(r'\bt\("(\w+)"', f.read_text("utf-8"))}
    # keys chosen from a literal mapping in the template ({"done": "pf_job_state_done", …}[state])
    named |= {k for f in folder.glob("*.html") for k in re.findall(r'"(pf_\w+)"', f.read_text("utf-8"))}
    assert len(named) > 20
    assert named - set(MESSAGES) == set()
    assert all(zh and en for zh, en in (MESSAGES[k] for k in named))
