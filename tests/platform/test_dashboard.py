"""The dashboard (领导驾驶舱) shows the library's numbers for the same run (both databases).

The run: the three 金华 counties entered here ranked among the province's 90-county release
(fixtures ``entered`` and ``released``), made by the job as the analyst would start it, with the
rank-uncertainty summary. Every number on the page is recomputed here from the library's
evaluation of the run's record (``runs.evaluation_of``) and, for P(rank ≤ k), the library's
uncertainty analysis run again with the same samples and seed.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from html import unescape

import numpy as np
import pytest

import zongheng as zh
from zongheng import display
from zongheng.analysis.uncertainty import analyse, default_spec, evaluate, sample
from zongheng.platform.db import transaction
from zongheng.platform.models import FrameworkVersion, Region, Role, Run, Scope
from zongheng.platform.services import jobs, org, rank_uncertainty, runs, users
from zongheng.platform.services.dashboard import peer_colour
from zongheng.platform.services.run_inputs import gather

from .conftest import PASSWORD, login
from .run_world import tiny_run
from .test_reference import released  # noqa: F401  (fixture)
from .test_run_inputs import demo, entered  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")


@pytest.fixture
def made(factory, entered, released):  # noqa: F811
    """People (analyst over 金华, 永康's leader, a Hangzhou reader) and a run over the release; its id."""
    with transaction(factory) as s:
        org.add(s, Region, "3301", "杭州市", parent="33", level="city", valid_from=date(2000, 1, 1))
        for name, role, scope in (
                ("fenxi", Role.ANALYST, {"scope": Scope.BELOW, "region": "3307", "view_unapproved": True}),
                ("lingdao", Role.LEADER, {"region": "330784"}),
                ("hangzhou", Role.LEADER, {"scope": Scope.BELOW, "region": "3301"})):
            users.assign(s, users.create(s, name, PASSWORD), role, **scope)
        runs.start(s, s.get(FrameworkVersion, entered), "2024", method="tiangong_method", user_id=None,
                   reference_id=released)
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "w")
    assert done.state == "done", done.message
    return done.result_id


def _attr(html: str, css_class: str, attr: str) -> str:
    return re.search(rf'class="{css_class}"[^>]*? {attr}="([^"]*)"', html).group(1)


def _ranking(html: str) -> dict[str, tuple[str, str]]:
    part = html[html.index('<table class="list ranking">'):]
    rows = re.findall(r'<tr data-unit="([^"]+)"[^>]*>\s*<td class="num rank">([^<]+)</td>.*?'
                      r'<td class="num score">([^<]+)</td>', part, re.S)
    return {u: (rank, score) for u, rank, score in rows}


def _lights(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-code="([^"]+)" data-colour="([^"]+)"', html))


def test_every_number_is_the_library_s(client, factory, made):
    with factory() as s:
        run = s.get(Run, made)
        ev = runs.evaluation_of(run)
    login(client, "lingdao")
    page = client.get(f"/runs/{made}/dashboard")
    assert page.status_code == 200
    html = page.text
    units, root = ev.panel.units, ev.node_codes.index(ev.framework.root.code)
    u = units.index("永康市")                       # the leader's own region is the focus by default
    assert 'data-unit="永康市"' in html and "未审核" not in html
    rank, before = int(ev.ranks[-1, u, root]), int(ev.ranks[-2, u, root])
    assert _attr(html, "rank-all", "data-rank") == str(rank)
    assert _attr(html, "change", "data-change") == str(before - rank)
    assert _attr(html, "score", "data-score") == display.score(ev.scores[-1, u, root])
    assert f"全部 90 个地区中第 {rank} 名" in html

    # The group is 永康's 设区市, 金华市 (9 counties), the first group column it has a label in.
    city = np.array([str(x) for x in ev.panel.group("设区市")])
    peers = np.flatnonzero(city == "金华市")
    assert len(peers) == 9
    in_group = ev.group_ranks("设区市")
    group_rank = int(in_group[-1, u, root])
    assert _attr(html, "rank-group", "data-rank") == str(group_rank)
    assert f"设区市：金华市（9 个）中第 {group_rank} 名" in html
    shown = _ranking(html)
    assert shown == {units[p]: (str(int(in_group[-1, p, root])), display.score(ev.scores[-1, p, root]))
                     for p in peers}

    # 保三争二: the 3rd and 2nd best scores in 金华 and the points 永康 needs for each.
    best = np.sort(ev.scores[-1, peers, root])[::-1]
    for k in (3, 2):
        row = re.search(rf'<tr data-k="{k}" data-held="(\d)">.*?<td class="num kth">([^<]+)</td>\s*'
                        rf'<td class="num needed">(.*?)</td>', html, re.S)
        held = group_rank <= k
        assert row.group(1) == str(int(held)) and row.group(2) == display.score(best[k - 1])
        needed = re.sub(r"<[^>]+>", "", row.group(3))
        assert needed == ("已达成" if held else display.score(best[k - 1] - ev.scores[-1, u, root]))

    # Rank per period, overall and in the group.
    traj = html[html.index('<table class="list trajectory">'):]
    overall_row = re.search(r'<tr data-scope="all">(.*?)</tr>', traj, re.S).group(1)
    group_row = re.search(r'<tr data-scope="group">(.*?)</tr>', traj, re.S).group(1)
    cell = r'<td class="num">(\d+)</td>'
    assert re.findall(cell, overall_row) == [str(int(x)) for x in ev.ranks[:, u, root]]
    assert re.findall(cell, group_row) == [str(int(x)) for x in in_group[:, u, root]]

    # The scorecard: every dimension and indicator, coloured by the rank among the 9 peers.
    fw = ev.framework
    nodes = [c for d in fw.children[fw.root.code] for c in [d, *fw.children.get(d, ())]]
    expected = {}
    for code in nodes:
        col = ev.node_codes.index(code)
        n = int(np.isfinite(in_group[-1, peers, col]).sum())
        expected[code] = peer_colour(float(in_group[-1, u, col]), n)
    assert _lights(html) == expected
    assert len(expected) == len(fw.children[fw.root.code]) + len(fw.indicators)
    assert "绿 = 前三分之一（位次 ≤ n/3）" in html
    # The rule by hand: among 9 peers, ranks 1–3 are green, 4–6 yellow, 7–9 red.
    assert [peer_colour(r, 9) for r in (3, 4, 6, 7)] == ["green", "yellow", "yellow", "red"]

    # P(rank ≤ k): the library's Monte Carlo with the run's samples and seed.
    spec = default_spec(ev)
    result = evaluate(ev, spec, sample(ev, spec, rank_uncertainty.SAMPLES, seed=rank_uncertainty.SEED),
                      groups=["设区市"])
    prob = html[html.index('<table class="list prob">'):]
    for scope, column in (("all", "p_top"), ("group", "p_top_in_group")):
        cells = re.findall(r'<td class="num p">([^<]+)</td>',
                           re.search(rf'<tr data-scope="{scope}">(.*?)</tr>', prob, re.S).group(1))
        want = []
        for k in (1, 2, 3):
            table = analyse(result, top=k, group="设区市").table.set_index("unit")
            want.append(f"{table.loc['永康市', column] * 100:.0f}%")
        assert cells == want, scope
    assert "500 次抽样" in html

    # The map: the county choropleth's option in the data island, 永康 outlined, the note on it.
    assert '<script type="application/json" id="dash-charts">' in html and "不是标准地图" in html
    assert "/static/report/echarts.min.js" in html and "<script>" not in html


def test_the_group_filter_and_the_focus_unit(client, factory, made):
    with factory() as s:
        ev = runs.evaluation_of(s.get(Run, made))
    root = ev.node_codes.index(ev.framework.root.code)
    login(client, "fenxi")
    mountain = [str(x) for x in ev.panel.group("山区26县")]
    html = client.get(f"/runs/{made}/dashboard?unit=义乌市&group=山区26县&label=1").text
    assert 'data-unit="义乌市"' in html and "山区26县：山区26县" in html
    in_group = ev.group_ranks("山区26县")
    expected = {unit: str(int(in_group[-1, p, root])) for p, unit in enumerate(ev.panel.units)
                if mountain[p] == "1"}
    assert {u: r for u, (r, _) in _ranking(html).items()} == expected and len(expected) == 26
    everyone = client.get(f"/runs/{made}/dashboard?unit=义乌市&group=").text
    assert len(_ranking(everyone)) == 90 and 'class="rank-group"' not in everyone
    assert {u: r for u, (r, _) in _ranking(everyone).items()} == {
        unit: str(int(ev.ranks[-1, p, root])) for p, unit in enumerate(ev.panel.units)}
    part = everyone[everyone.index('<table class="list ranking">'):]
    changes = dict(re.findall(r'<tr data-unit="([^"]+)"[^>]*>.*?<td class="num change">(.*?)</td>',
                              part, re.S))
    expected = {}
    for p, unit in enumerate(ev.panel.units):           # ▲ up so many places on 2023, ▼ down, – same
        now, before = int(ev.ranks[-1, p, root]), int(ev.ranks[-2, p, root])
        expected[unit] = f"▲{before - now}" if before > now else f"▼{now - before}" if now > before else "–"
    assert {u: re.sub(r"<[^>]+>", "", c) for u, c in changes.items()} == expected
    assert {c[0] for c in expected.values()} >= {"▲", "▼"}
    # The analyst's default focus is the first of its regions in the run (by code: 婺城区 330702).
    assert 'data-unit="婺城区"' in client.get(f"/runs/{made}/dashboard").text
    missing = client.get(f"/runs/{made}/dashboard?unit=火星市")
    assert missing.status_code == 404 and "该地区不在本次评价中" in unescape(missing.text)
    english = client.get(f"/runs/{made}/dashboard?unit=永康市&lang=en").text
    assert "Rank target: hold 3rd, reach 2nd" in english and "Points needed" in english
    assert "not a 标准地图" in english and "驾驶舱" not in english


def test_who_reads_the_dashboard_and_old_runs(client, factory, made):
    login(client, "hangzhou")                    # no region of the run in Hangzhou's scope
    assert client.get(f"/runs/{made}/dashboard").status_code == 404
    login(client, "fenxi")
    assert f'href="/runs/{made}/dashboard"' in client.get(f"/runs/{made}").text
    assert f'href="/runs/{made}/dashboard"' in client.get("/runs").text
    # A run stored without the uncertainty summary (as before issue 13), on data not all approved.
    with factory() as s:
        inputs = gather(s, s.get(FrameworkVersion, s.get(Run, made).version_id), "2024")
    with transaction(factory) as s:
        ev = zh.build(inputs.framework, inputs.panel, zh.datasets.load("tiangong_demo").method)
        old = runs.store(s, dataclasses.replace(inputs, approved=False, unapproved_values=5), ev,
                         "tiangong_method", user_id=None).id
    html = client.get(f"/runs/{old}/dashboard").text
    assert "未审核：本结果使用了 5 个尚未审核的数值" in html and "未计算" in html
    login(client, "lingdao")                     # unapproved: not the leader's to read
    assert client.get(f"/runs/{old}/dashboard").status_code == 404


def test_units_without_a_boundary_are_listed(client, factory, world):
    run = tiny_run(factory, ["A", "B"])          # 甲县, 乙县: no county of that name on the map
    login(client, "analyst")
    html = client.get(f"/runs/{run}/dashboard").text
    assert re.findall(r'<span class="unmatched-unit">([^<]+)</span>', html) == ["甲县", "乙县"]
    assert 'data-unit="甲县"' in html and "未计算" in html


def test_indicators_with_targets_take_the_attainment_light():
    """A framework with targets (生态文明, 9 金华 counties): indicators by target, dimensions by peers."""
    import warnings

    from zongheng.analysis.attainment import attainment
    from zongheng.platform.services.dashboard import scorecard
    from zongheng.platform.services.runs import Results

    eco = zh.datasets.load("eco_yongkang")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = zh.build(eco.framework, eco.panel, eco.method)
    found = Results(tuple(ev.node_codes), ev.panel.units, ev.panel.periods, ev.scores, ev.ranks)
    lights = {x.code: x for x in scorecard(found, eco.framework, eco.panel, "永康市", None, "zh")}
    table = attainment(eco.framework, eco.panel, unit="永康市", period=2024).set_index("indicator")
    judged = [i.code for i in eco.framework.indicators if i.target is not None or i.rule == "yes"]
    assert judged and all(lights[c].rule == "target" and lights[c].colour == table.loc[c, "light"]
                          for c in judged)
    u = ev.panel.units.index("永康市")
    for dim in eco.framework.children[eco.framework.root.code]:       # 9 peers: ≤ 3 green, > 6 red
        rank = ev.ranks[-1, u, ev.node_codes.index(dim)]
        assert lights[dim].rule == "peers" and lights[dim].colour == (
            "green" if rank <= 3 else "red" if rank > 6 else "yellow")
