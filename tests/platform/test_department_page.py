"""The department page (部门页): every number it shows is the library's for the same run (both databases).

The run is the unit page's: 天工鼎 2024, 3 金华 counties entered here (each with one department per
牵头单位), the other 87 from the province's release. The expected numbers are asked of the library
directly (``zh.build`` on the run's own inputs and method, ``ev.path`` for the path) and formatted
with zongheng.display.
"""

from __future__ import annotations

from urllib.parse import quote

import lxml.html
import numpy as np
import pytest

from zongheng import display
from zongheng.platform.db import transaction
from zongheng.platform.models import Department, Region, Role, Run, Scope, State, Submission
from zongheng.platform.services import org, runs, users

from .conftest import PASSWORD, login
from .county_world import START
from .run_world import tiny_run
from .test_reference import released  # noqa: F401  (fixture)
from .test_run_inputs import demo, entered  # noqa: F401  (fixtures)
from .test_unit_page import _library, run_id  # noqa: F401  (run_id: fixture)


@pytest.fixture
def run(run_id):  # noqa: F811
    """The unit page's run of 天工鼎 2024 among the province's release; its id."""
    return run_id


pytestmark = [pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning"),
              pytest.mark.filterwarnings("ignore::zongheng.analysis.progress.IncomparableScoresWarning")]

UNIT = "永康市"
DEPT = "科技局"


def _url(run: int, department: str = DEPT, query: str = "") -> str:
    return f"/runs/{run}/departments/{quote(department)}" + (f"?{query}" if query else "")


def _cell(tr, css: str) -> str:
    return " ".join(tr.xpath(f"td[contains(concat(' ', @class, ' '), ' {css} ')]")[0].text_content().split())


def _mark(n: int | None) -> str:
    return "—" if n is None else "–" if n == 0 else f"▲{n}" if n > 0 else f"▼{-n}"


def test_every_region_and_the_region_s_standing_are_the_library_s(client, factory, run):
    ev = _library(factory, run)
    fw, panel = ev.framework, ev.panel
    mine = [i for i, ind in enumerate(fw.indicators) if ind.department == DEPT]
    assert mine                                          # 天工鼎 names 科技局 as a lead department
    u, p = panel.units.index(UNIT), len(panel.periods) - 1
    login(client, "fenxi")
    page = client.get(_url(run, query=f"unit={quote(UNIT)}"))
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    # (1) its indicators across every region: value and rank, in the order of the overall ranking
    heads = tree.xpath("//table[contains(@class,'dept-across-table')]/thead/tr[1]/th[@data-indicator]")
    assert [h.get("data-indicator") for h in heads] == [fw.indicators[i].code for i in mine]
    rows = tree.xpath("//table[contains(@class,'dept-across-table')]/tbody/tr")
    assert len(rows) == len(panel.units)
    overall = ev.ranks[p, :, -1]
    assert [r.get("data-unit") for r in rows] == [panel.units[x] for x in np.argsort(overall, kind="stable")]
    for tr in rows:
        x = panel.units.index(tr.get("data-unit"))
        assert _cell(tr, "overall") == str(int(overall[x]))
        values = [c.text_content() for c in tr.xpath("td[contains(@class,'value')]")]
        ranks = [c.text_content() for c in tr.xpath("td[contains(@class,'rank')]")]
        assert values == [display.value(panel.values[p, x, i]) for i in mine]
        assert ranks == [str(int(ev.ranks[p, x, i])) for i in mine]
        assert (tr.get("class") == "focus") == (x == u)
    # (2) where 永康市 stands on each: rank among all and within its groups, best, worst, changes
    scopes = [(None, np.ones(len(panel.units), dtype=bool), ev.ranks)]
    for column in panel.groups:
        labels = np.asarray([str(v) for v in panel.group(column)])
        scopes.append((column, labels == labels[u], ev.group_ranks(column)))
    for i in mine:
        code = fw.indicators[i].code
        table = "//table[contains(@class,'dept-standing-table')]"
        trs = tree.xpath(table + f"/tbody/tr[@data-indicator='{code}']")
        assert [t.get("data-scope") for t in trs] == [c or "" for c, _, _ in scopes]
        first = trs[0]
        assert _cell(first, "value") == display.value(panel.values[p, u, i])
        change = panel.values[p, u, i] - panel.values[p - 1, u, i]
        assert _cell(first, "change") == display.signed_value(change)
        assert _cell(first, "rank-change") == _mark(int(ev.ranks[p - 1, u, i] - ev.ranks[p, u, i]))
        for tr, (_, members, ranks) in zip(trs, scopes, strict=True):
            at = np.where(members, ranks[p, :, i], np.nan)
            cell = tr.xpath("td[contains(@class,'rank')][@data-rank]")[0]
            assert cell.get("data-rank") == str(int(ranks[p, u, i]))
            assert cell.get("data-of") == str(int((~np.isnan(at)).sum()))
            best = int(np.flatnonzero(at == np.nanmin(at))[0])
            worst = int(np.flatnonzero(at == np.nanmax(at))[0])
            for css, x in (("best", best), ("worst", worst)):
                span = tr.xpath(f"td[@class='{css}']/span")[0]
                assert span.get("data-unit") == panel.units[x]
                assert span.get("data-value") == display.value(panel.values[p, x, i])


def _asks(tree) -> list[tuple[str, str, str, str, str]]:
    return [(r.get("data-indicator"), *(_cell(r, css) for css in ("now", "needed", "change", "measure")))
            for r in tree.xpath("//table[contains(@class,'dept-asks')]/tbody/tr")]


def _expected(result, department: str) -> list[tuple[str, str, str, str, str]]:
    return [(r["indicator"], display.value(r["now"]),
             display.value(r["needed"], direction=-1 if r["direction"] in "-−" else 1),
             display.signed_value(r["change"]), r["measure"] or "")
            for r in result.changes.to_dict("records") if r["department"] == department]


def test_what_the_path_asks_of_each_department_is_the_library_s(client, factory, run):
    ev = _library(factory, run)
    u = ev.panel.units.index(UNIT)
    rank = int(ev.ranks[-1, u, -1])
    login(client, "fenxi")
    # The unit page's 责任分解 links each department with the same path query.
    query = f"target={rank - 2}&exclude=W&margin=0.5"
    unit_page = lxml.html.fromstring(client.get(f"/runs/{run}/units/{quote(UNIT)}?{query}").text)
    links = {li.get("data-department"): li.xpath(".//a[@class='department-page']/@href")
             for li in unit_page.xpath("//ul[@class='duty']/li")}
    asked = ev.path(UNIT, rank - 2, exclude=["W"], margin=0.5)
    departments = list(dict.fromkeys(d for d in asked.changes["department"] if d))
    assert departments and set(departments) <= set(links)
    for department in departments:
        (href,) = links[department]
        assert href.startswith(_url(run, department) + "?")
        tree = lxml.html.fromstring(client.get(href).text)
        box = tree.xpath("//div[@class='path-result']")[0]
        assert (box.get("data-target"), box.get("data-current"), box.get("data-achieved")) == (
            str(rank - 2), str(asked.current_rank), str(asked.achieved_rank))
        shown = _asks(tree)
        assert shown == _expected(asked, department) and shown
        assert not [c for c, *_ in shown if c.startswith("W")]
    # The default path (one place better) and a department it asks nothing of.
    default = ev.path(UNIT, rank - 1)
    idle = next(d for d in dict.fromkeys(i.department for i in ev.framework.indicators)
                if d and d not in set(default.changes["department"]))
    for department in (*dict.fromkeys(default.changes["department"]), idle):
        tree = lxml.html.fromstring(client.get(_url(run, department, f"unit={quote(UNIT)}")).text)
        assert _asks(tree) == _expected(default, department)
        assert bool(tree.xpath("//p[contains(@class,'path-nothing')]")) == (department == idle)


def test_the_submissions_state_is_the_tables(client, factory, run):
    with transaction(factory) as s:
        the_run = s.get(Run, run)
        codes = set(s.scalars(Department.__table__.select().with_only_columns(Department.code)
                              .where(Department.short_name == DEPT)))
        subs = s.query(Submission).filter(Submission.department_code.in_(codes), Submission.period == "2024",
                                          Submission.version_id == the_run.version_id)
        subs = subs.order_by(Submission.id).all()
        assert len(subs) == 3                            # one per county entered here
        subs[0].state, subs[1].state = State.RETURNED.value, State.DRAFT.value
        expected = {sub.id: sub.state for sub in subs}
        # a leader of 永康市 and below (no right to unapproved data): states, not values, of 永康 only
        users.assign(s, users.create(s, "lingdao", PASSWORD), Role.LEADER, scope=Scope.BELOW, region="330784")
    login(client, "fenxi")
    tree = lxml.html.fromstring(client.get(_url(run)).text)
    rows = tree.xpath("//table[contains(@class,'dept-submissions-table')]/tbody/tr")
    assert {int(r.get("data-submission")): r.get("data-state") for r in rows} == expected
    spans = tree.xpath("//p[@class='state-counts']/span")
    counts = {x.get("data-state"): int(x.get("data-n")) for x in spans}
    assert counts == {State.RETURNED.value: 1, State.DRAFT.value: 1, State.APPROVED.value: 1}
    login(client, "lingdao")
    tree = lxml.html.fromstring(client.get(_url(run)).text)
    with factory() as s:
        yongkang = {sub.id for sub in s.query(Submission).filter(Submission.id.in_(expected),
                                                                  Submission.region_code == "330784")}
    shown = {int(r.get("data-submission")) for r in
             tree.xpath("//table[contains(@class,'dept-submissions-table')]/tbody/tr")}
    assert shown == yongkang
    # The leader's focus region is their own: 永康市.
    assert tree.xpath("//p[@class='dept-intro']")[0].get("data-unit") == UNIT


def test_an_unknown_department_is_a_404_that_says_so(client, factory, run):
    login(client, "fenxi")
    page = client.get(_url(run, "不存在局"))
    assert page.status_code == 404
    assert "没有以这个部门为牵头单位的指标" in page.text
    assert client.get(_url(999_999)).status_code == 404
    unknown_unit = client.get(_url(run, query="unit=不存在县"))
    assert unknown_unit.status_code == 404 and "该地区不在本次评价中" in unknown_unit.text
    assert "that lead department" in client.get(_url(run, "不存在局") + "?lang=en").text


def test_a_reader_outside_the_run_s_regions_is_refused(client, factory, run):
    with transaction(factory) as s:
        org.add(s, Region, "3302", "宁波市", parent="33", level="city", valid_from=START)
        users.assign(s, users.create(s, "ningbo", PASSWORD), Role.LEADER, scope=Scope.BELOW, region="3302")
    login(client, "ningbo")
    page = client.get(_url(run))
    assert page.status_code == 404 and "科技局" not in page.text


def test_a_run_on_unapproved_data_is_for_the_analyst_office_and_says_so(client, world, factory):
    run = tiny_run(factory, ["A", "B"], approved=False)
    login(client, "analyst")
    page = client.get(_url(run, "DA"))
    assert page.status_code == 200 and "未审核" in page.text
    english = client.get(_url(run, "DA") + "?lang=en").text
    assert "NOT APPROVED" in english and "Where the region stands on each" in english
    login(client, "leader")
    assert client.get(_url(run, "DA")).status_code == 404


def test_a_department_user_finds_their_own_department(client, factory, run):
    with transaction(factory) as s:
        code = s.scalars(Department.__table__.select().with_only_columns(Department.code).where(
            Department.short_name == DEPT, Department.region_code == "330784")).one()
        users.assign(s, users.create(s, "keji", PASSWORD), Role.REPORTER, region="330784", department=code)
    login(client, "keji")
    runs_page = lxml.html.fromstring(client.get("/runs").text)
    assert runs_page.xpath(f"//tr[@data-run='{run}']//a[@class='my-department']/@href") == [_url(run)]
    run_page = lxml.html.fromstring(client.get(f"/runs/{run}").text)
    assert run_page.xpath("//a[@class='my-department']/@href") == [_url(run)]
    # every lead department of the run is linked from the run page
    with factory() as s:
        ev = runs.evaluation_of(s.get(Run, run))
    leads = list(dict.fromkeys(i.department for i in ev.framework.indicators if i.department))
    assert run_page.xpath("//p[@class='department-links']/a[@data-department]/@data-department") == leads
    page = client.get(_url(run))
    assert page.status_code == 200
    assert lxml.html.fromstring(page.text).xpath("//p[@class='dept-intro']")[0].get("data-unit") == UNIT
    # the analyst holds no department: no such link
    login(client, "fenxi")
    assert not lxml.html.fromstring(client.get("/runs").text).xpath("//a[@class='my-department']")
