"""The unit brief gathers every analysis of one unit consistently."""

import pytest

import zongheng as zh
from zongheng.report.brief import unit_brief


@pytest.fixture(scope="module")
def ev():
    ds = zh.datasets.load("tiangong_demo")
    return zh.build(ds.framework, ds.panel, ds.method)


def test_brief_of_yongkang_in_jinhua(ev):
    brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)
    assert brief.unit == "永康市" and brief.period == 2024
    assert set(brief.peers["设区市"]) == {"金华市"} and len(brief.peers) == 9
    assert brief.rank == 3
    assert brief.gap is not None and brief.gap.peer == brief.peers["unit"].iloc[1]
    assert brief.gap.total == pytest.approx(brief.gap.gap, abs=1e-9)
    assert brief.path is not None and brief.path.achieved_rank <= 2
    # the duties list every path change under its lead department
    path_rows = brief.duties[brief.duties["issue"] == "path"]
    assert sorted(path_rows["indicator"]) == sorted(brief.path.changes["indicator"])
    assert brief.award is not None and len(brief.award.winners)
    assert list(brief.history["period"].unique()) == [2020, 2021, 2022, 2023, 2024]


def test_leader_has_no_gap_and_no_path(ev):
    leader = ev.ranking(group="设区市")
    top = leader[leader["设区市"] == "金华市"]["unit"].iloc[0]
    brief = unit_brief(ev, top, group="设区市")
    assert brief.rank == 1 and brief.gap is None and brief.path is None


def test_hold_third_reach_second_has_both_halves(ev):
    # Review (reports) #5: only the unit above was analysed; 保三 needs the unit below too.
    brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)
    assert brief.goal == "保三争二"
    behind = brief.peers.iloc[3]  # the unit one place down in 金华 (4th)
    assert brief.behind is not None and brief.behind.peer == behind["unit"]
    lead = brief.score - behind["TGD"]
    assert brief.behind.gap == pytest.approx(-lead, abs=1e-9)  # negative: a lead, not a gap
    assert brief.behind.total == pytest.approx(brief.behind.gap, abs=1e-9)
    assert unit_brief(ev, "永康市", group="设区市", target_rank=3).goal == "保三"
    assert unit_brief(ev, "永康市", group="设区市", target_rank=1).goal == "争一"
    zh.set_lang("en")
    assert brief.goal == "hold 3rd, reach 2nd"


def test_goal_beyond_tenth_place_is_said_with_digits(ev):
    # "保八十三争八十二" is not how an office writes it (html review): digits beyond 10th.
    table = ev.ranking()
    unit = table[table["rank"] == 83]["unit"].iloc[0]
    brief = unit_brief(ev, unit, target_rank=82)
    assert brief.rank == 83 and brief.goal == "保第83位、争第82位"
    assert unit_brief(ev, unit, target_rank=83).goal == "保第83位"


def test_the_last_unit_has_no_unit_behind(ev):
    table = ev.ranking(group="设区市")
    last = table[table["设区市"] == "金华市"]["unit"].iloc[-1]
    assert unit_brief(ev, last, group="设区市").behind is None


def test_missing_values_are_listed_with_what_filled_them(ev):
    brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)
    row = brief.missing.set_index("indicator").loc["D10"]
    assert row["imputed"] == pytest.approx(79.4) and row["department"] == "经信局"
    assert "D10" not in set(brief.strengths["indicator"])
