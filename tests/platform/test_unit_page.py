"""The unit page (单位页面): every number it shows is the library's for the same run (both databases).

The run is the 天工鼎 demo: 3 金华 counties entered here, the other 87 from the province's release
(fixtures of test_reference.py). The expected numbers are asked of the library directly
(``zh.build`` on the run's own inputs and method), and formatted with zongheng.display.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import lxml.html
import numpy as np
import pytest
import yaml

import zongheng as zh
from zongheng import display
from zongheng.method import Method
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, FrameworkVersion, Role, Run, Scope, Value
from zongheng.platform.services import jobs, runs, users

from .conftest import PASSWORD, csrf_of, login
from .run_world import tiny_run
from .test_reference import released  # noqa: F401  (fixture)
from .test_run_inputs import demo, entered  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning"),
              pytest.mark.filterwarnings("ignore::zongheng.analysis.progress.IncomparableScoresWarning")]

UNIT = "永康市"


@pytest.fixture
def run_id(factory, entered, released):  # noqa: F811
    """An analyst over 金华 and a run of 天工鼎 2024 with the province's release; return the run id."""
    with transaction(factory) as s:
        users.assign(s, users.create(s, "fenxi", PASSWORD), Role.ANALYST,
                     scope=Scope.BELOW, region="3307", view_unapproved=True)
        runs.start(s, s.get(FrameworkVersion, entered), "2024", method="tiangong_method", user_id=None,
                   reference_id=released)
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "test")
    assert done.state == "done", done.message
    return done.result_id


def _library(factory, run_id: int) -> zh.Evaluation:
    """The library's own build of the run's inputs and method (not the page's cached evaluation)."""
    with factory() as s:
        run = s.get(Run, run_id)
        framework, panel = runs.inputs_of(run)
        method = Method.from_dict(yaml.safe_load(run.method_text))
    return zh.build(framework, panel, method)


def _url(run_id: int, unit: str = UNIT) -> str:
    return f"/runs/{run_id}/units/{quote(unit)}"


def _texts(tree, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def test_progress_and_standing_are_the_library_s(client, factory, run_id):
    ev = _library(factory, run_id)
    login(client, "fenxi")
    page = client.get(_url(run_id))
    assert page.status_code == 200 and "未审核" not in page.text
    tree = lxml.html.fromstring(page.text)
    fw, u = ev.framework, ev.panel.units.index(UNIT)
    progress = ev.progress()
    mine = progress[(progress["unit"] == UNIT)]
    index = mine[mine["node"] == fw.root.code]
    # 纵向比进步: the index score, its change and the rank per period
    for row in index.to_dict("records"):
        tr = tree.xpath(f"//table[contains(@class,'periods')]//tr[@data-period='{row['period']}']")[0]
        assert tr.xpath("td[@class='num score']")[0].text == display.score(row["score"])
        assert tr.xpath("td[@class='num score-change']")[0].text == display.signed(row["score_change"])
        assert tr.xpath("td[@class='num rank']")[0].text == str(int(row["rank"]))
    assert index["rank"].iloc[-1] == ev.ranks[-1, u, -1]
    # every indicator's value and change on the last and the first period, with its unit
    last = mine[mine["period"] == ev.panel.periods[-1]].set_index("node")
    measures = {i.code: i.unit or "" for i in fw.indicators}
    for code in fw.indicator_codes:
        tr = tree.xpath(f"//table[contains(@class,'indicator-progress')]//tr[@data-indicator='{code}']")[0]
        cells = {c.get("class").split()[-1]: (c.text or "") for c in tr.xpath("td[@class]")}
        assert cells["value"] == display.value(last.loc[code, "value"])
        assert cells["change"] == display.signed_value(last.loc[code, "value_change"])
        assert cells["change-base"] == display.signed_value(last.loc[code, "value_change_base"])
        assert cells["score-change"] == display.signed(last.loc[code, "score_change"])
        assert cells["measure"] == measures[code]
    # 横向比进位: rank among all and within each group; the units just ahead and behind
    scores = ev.scores[-1, :, -1]
    order = np.argsort(-scores, kind="stable")
    at = int(np.flatnonzero(order == u)[0])
    overall = tree.xpath("//table[contains(@class,'standing')]//tr[@data-scope='']")[0]
    assert overall.xpath("td[@class='num rank']")[0].text == str(int(ev.ranks[-1, u, -1]))
    assert _texts(overall, "td[@class='ahead']/a") == [ev.panel.units[order[at - 1]]]
    assert _texts(overall, "td[@class='behind']/a") == [ev.panel.units[order[at + 1]]]
    ahead = overall.xpath("td[@class='ahead']/span")[0]
    assert ahead.get("data-difference") == display.signed(scores[order[at - 1]] - scores[u])
    for group in ev.panel.groups:
        tr = tree.xpath(f"//table[contains(@class,'standing')]//tr[@data-scope='{group}']")[0]
        rank = ev.group_ranks(group)[-1, u, -1]
        assert tr.xpath("td[@class='num rank']")[0].text == str(int(rank))
        labels = np.asarray([str(x) for x in ev.panel.group(group)])
        peers = (labels == labels[u]).sum()
        assert tr.xpath("td[@class='num of']")[0].text == str(peers)
        change = int(ev.group_ranks(group)[-2, u, -1] - rank)
        shown = "".join(tr.xpath("td[@class='num change']")[0].itertext())
        assert shown == ("–" if change == 0 else f"▲{change}" if change > 0 else f"▼{-change}")


def test_strengths_and_gaps_are_the_library_s(client, factory, run_id):
    ev = _library(factory, run_id)
    login(client, "fenxi")
    tree = lxml.html.fromstring(client.get(_url(run_id)).text)
    expected = ev.strengths(UNIT)
    rows = tree.xpath("//table[contains(@class,'strengths')]/tbody/tr")
    assert [(r.get("data-kind"), r.get("data-indicator")) for r in rows] == list(
        zip(expected["kind"], expected["indicator"], strict=True))
    departments = {i.code: i.department for i in ev.framework.indicators}
    for r, code, value in zip(rows, expected["indicator"], expected["value"], strict=True):
        assert r.xpath("td[@class='department']")[0].text == departments[code]        # 牵头单位
        assert r.xpath("td[@class='num value']")[0].text == display.value(value)
    # the gaps: to the unit ahead, the unit behind and the leader
    u = ev.panel.units.index(UNIT)
    scores = ev.scores[-1, :, -1]
    below = np.where(scores < scores[u], scores, -np.inf)
    behind = ev.panel.units[int(np.argmax(below))]
    for kind, versus in (("next", "next"), ("behind", behind), ("leader", "leader")):
        found = ev.gap(UNIT, versus=versus)
        block = tree.xpath(f"//div[@class='gap' and @data-kind='{kind}']")[0]
        total = block.xpath(".//p[@class='gap-total']")[0]
        assert total.get("data-gap") == display.signed(found.gap), kind
        assert total.get("data-peer-score") == display.score(found.peer_score)
        assert found.peer_name in block.xpath(".//h3")[0].text_content()
        shown = [(r.get("data-indicator"), r.xpath("td[@class='num contribution']")[0].text)
                 for r in block.xpath(".//table[contains(@class,'gap-indicators')]/tbody/tr")]
        top = found.indicators.head(len(shown))
        assert len(shown) == 10
        assert shown == [(c, display.signed(x))
                         for c, x in zip(top["indicator"], top["contribution"], strict=True)]
        dims = [(r.get("data-dimension"), r.xpath("td[@class='num contribution']")[0].text)
                for r in block.xpath(".//table[contains(@class,'gap-dimensions')]/tbody/tr")]
        dimensions = found.dimensions
        assert dims == [(d, display.signed(x))
                        for d, x in zip(dimensions["dimension"], dimensions["contribution"], strict=True)]


def _path_rows(tree) -> list[tuple[str, str, str]]:
    return [(r.get("data-indicator"), r.xpath("td[@class='num needed']")[0].text,
             r.xpath("td[@class='department']")[0].text)
            for r in tree.xpath("//table[contains(@class,'path-changes')]/tbody/tr")]


def _needed(result) -> list[tuple[str, str, str]]:
    return [(r["indicator"], display.value(r["needed"], direction=-1 if r["direction"] in "-−" else 1),
             r["department"]) for r in result.changes.to_dict("records")]


def test_the_path_is_the_library_s_and_leaves_the_excluded_levers_alone(client, factory, run_id):
    ev = _library(factory, run_id)
    u = ev.panel.units.index(UNIT)
    rank = int(ev.ranks[-1, u, -1])
    login(client, "fenxi")
    # By default: one place better (保三争二), every indicator a lever.
    tree = lxml.html.fromstring(client.get(_url(run_id)).text)
    default = ev.path(UNIT, rank - 1)
    box = tree.xpath("//div[@class='path-result']")[0]
    assert (box.get("data-target"), box.get("data-achieved")) == (str(rank - 1), str(default.achieved_rank))
    assert _path_rows(tree) == _needed(default)
    # Two places better, without the 工作评价 scores (the W dimension), with a margin.
    page = client.get(_url(run_id) + f"?target={rank - 2}&exclude=W&margin=0.5&group=")
    tree = lxml.html.fromstring(page.text)
    asked = ev.path(UNIT, rank - 2, exclude=["W"], margin=0.5)
    shown = _path_rows(tree)
    assert shown == _needed(asked) and shown
    assert not [code for code, _, _ in shown if code.startswith("W")]
    assert set(asked.held) == {c for c in ev.framework.indicator_codes if c.startswith("W")}
    assert tree.xpath("//input[@name='exclude' and @value='W']")[0].get("checked") is not None
    box = tree.xpath("//div[@class='path-result']")[0]
    assert box.get("data-achieved") == str(asked.achieved_rank)
    assert box.get("data-reachable") == ("true" if asked.reachable else "false")
    # 责任分解: one line per lead department, listing its indicators in the path's order
    duty = {li.get("data-department"): li.text_content() for li in tree.xpath("//ul[@class='duty']/li")}
    for code, needed, department in shown:
        assert code in duty[department] and needed in duty[department]
    assert len(duty) == len({d for _, _, d in shown})
    # Within a group, the default target is one better within it.
    group_rank = int(ev.group_ranks("设区市")[-1, u, -1])
    tree = lxml.html.fromstring(client.get(_url(run_id) + "?group=设区市").text)
    box = tree.xpath("//div[@class='path-result']")[0]
    target = max(1, group_rank - 1)
    assert box.get("data-target") == str(target)
    assert _path_rows(tree) == _needed(ev.path(UNIT, target, group="设区市"))
    # A target that does not read keeps the default and says so.
    page = client.get(_url(run_id) + "?target=abc")
    assert "目标位次应为正整数" in page.text


def test_what_if_answers_the_library_s_score_and_rank_and_saves_nothing(client, factory, run_id):
    ev = _library(factory, run_id)
    u = ev.panel.units.index(UNIT)
    login(client, "fenxi")
    page = client.get(_url(run_id)).text
    csrf = csrf_of(page)
    tree = lxml.html.fromstring(page)
    form = {i.get("name"): i.get("value") or "" for i in tree.xpath("//form[@class='whatif-form']//input")}
    i = ev.framework.indicator_codes.index("D02")
    now = ev.panel.values[-1, u, i]
    assert float(form["D02"]) == now               # the inputs hold the run's values exactly

    def counts():
        with factory() as s:
            return (s.query(Run).count(), s.query(AuditEvent).count(),
                    sorted((v.id, v.value) for v in s.query(Value).all()))

    before = counts()
    url = _url(run_id) + "/whatif"
    form.update({"D02": f"{now * 1.5:,}", "E02": "８０"})                # thousands separator, full width
    answer = client.post(url, data=form, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert answer.status_code == 200
    expected = ev.whatif([{"unit": UNIT, "indicator": "D02", "value": float(f"{now * 1.5}")},
                          {"unit": UNIT, "indicator": "E02", "value": 80.0}])
    row = expected.table.set_index("unit").loc[UNIT]
    box = lxml.html.fromstring(answer.text).xpath("//div[contains(@class,'whatif-answer')]")[0]
    assert box.get("data-score") == display.score(row["index_after"])
    assert box.get("data-rank") == str(int(row["rank_after"]))
    assert box.get("data-rank-change") == str(int(row["rank_change"]))
    assert int(row["rank_after"]) < int(row["rank_before"])              # the change climbs
    assert counts() == before                                           # nothing saved
    with factory() as s:
        np.testing.assert_array_equal(runs.evaluation_of(s.get(Run, run_id)).scores, ev.scores)
    # Nothing changed: the score and rank now; a value that is not a number is named.
    e02 = ev.panel.values[-1, u, ev.framework.indicator_codes.index("E02")]
    form.update({"D02": repr(float(now)), "E02": repr(float(e02))})
    same = client.post(url, data=form, headers={"X-CSRF-Token": csrf})
    box = lxml.html.fromstring(same.text).xpath("//div[contains(@class,'whatif-answer')]")[0]
    assert box.get("data-score") == display.score(ev.scores[-1, u, -1])
    assert box.get("data-rank") == str(int(ev.ranks[-1, u, -1]))
    bad = client.post(url, data={**form, "Q01": "很多"}, headers={"X-CSRF-Token": csrf})
    assert "Q01" in bad.text and "很多" in bad.text and "不是数值" in bad.text
    # Without the CSRF token (neither the header nor the form's field): refused.
    assert client.post(url, data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 403
    assert counts() == before


def test_an_unknown_unit_is_a_404_and_the_run_page_links_each_unit(client, factory, run_id):
    login(client, "fenxi")
    assert client.get(_url(run_id, "不存在县")).status_code == 404
    assert client.get(_url(999_999)).status_code == 404
    assert client.post(_url(run_id, "不存在县") + "/whatif",
                       headers={"X-CSRF-Token": csrf_of(client.get("/runs").text)}).status_code == 404
    tree = lxml.html.fromstring(client.get(f"/runs/{run_id}").text)
    links = tree.xpath("//table[contains(@class,'ranking')]//a/@href")
    assert len(links) == 90 and _url(run_id) in links
    assert client.get(_url(run_id, "上城区")).status_code == 200   # a peer from the release opens too


def test_a_run_on_unapproved_data_says_so_on_the_unit_page(client, world, factory):
    run = tiny_run(factory, ["A", "B"], approved=False)
    login(client, "analyst")
    with factory() as s:
        unit = runs.results_of(s.get(Run, run)).units[0]
    page = client.get(_url(run, unit))
    assert page.status_code == 200 and "未审核" in page.text
    assert math.isfinite(float(lxml.html.fromstring(page.text).xpath(
        "//p[@class='unit-summary']")[0].get("data-score")))
    english = client.get(_url(run, unit) + "?lang=en").text
    assert "NOT APPROVED" in english and "Progress on its own past" in english


def test_the_first_unit_has_no_unit_ahead_and_says_so(client, world, factory):
    run = tiny_run(factory, ["A", "B"])
    with factory() as s:
        found = runs.results_of(s.get(Run, run))
    first = found.units[int(np.nanargmin(found.ranks[-1, :, -1]))]   # 2024: the last region leads (run_world)
    login(client, "analyst")
    tree = lxml.html.fromstring(client.get(_url(run, first)).text)
    assert tree.xpath("//p[@class='unit-summary']")[0].get("data-rank") == "1"
    block = tree.xpath("//div[@class='gap' and @data-kind='next']")[0]
    assert "已排第一" in block.text_content()                      # the library's gap_no_next
    leader = tree.xpath("//div[@class='gap' and @data-kind='leader']//p[@class='gap-total']")[0]
    assert leader.get("data-gap").startswith("-")                   # the leader's lead over the runner-up
    assert tree.xpath("//div[@class='path-result']")[0].get("data-target") == "1"
