"""What-if scenarios (情景模拟): validated changes, rebuilt or frozen, before and after."""

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.analysis.whatif import whatif
from zongheng.framework import framework_from_records
from zongheng.testing import make_framework, make_panel

UNITS = ["U0", "U1", "U2", "U3"]


@pytest.fixture
def ev():
    # Index = (a + b) / 2 after min-max 0–100 set by U0 (0, 0) and U1 (100, 100).
    fw = make_framework({"I": ["a", "b"]})
    panel = make_panel(fw, [[0, 0], [100, 100], [60, 40], [50, 70]], units=UNITS,
                       groups={"city": list("xxyy")})
    return zh.build(fw, panel)


def by_unit(result):
    return result.table.set_index("unit")


def test_new_value_and_relative_change_by_hand(ev):
    result = whatif(ev, [{"unit": "U2", "indicator": "a", "value": 80},
                         {"unit": "U3", "indicator": "b", "change": 0.1}])
    t = by_unit(result)
    # U2: (80 + 40) / 2 = 60; U3: (50 + 77) / 2 = 63.5; min and max unchanged.
    assert t.loc["U2", "index_after"] == pytest.approx(60.0)
    assert t.loc["U3", "index_after"] == pytest.approx(63.5)
    assert t.loc["U3", "index_change"] == pytest.approx(3.5)
    assert t["rank_after"].tolist() == [1, 2, 3, 4] and t.index.tolist() == ["U1", "U3", "U2", "U0"]
    assert t.loc["U2", "rank_change"] == 0 and t.loc["U2", "changed"]
    assert result.changes["after"].tolist() == pytest.approx([80.0, 77.0])
    assert result.changes["change_pct"].tolist() == pytest.approx([100 / 3, 10.0])
    assert result.refit and result.evaluation is not None and result.period == 2020


def test_rank_change_counts_places_climbed(ev):
    result = whatif(ev, [{"unit": "U2", "indicator": "b", "change": "+60%"}])  # b 40 → 64
    t = by_unit(result)
    assert t.loc["U2", "index_after"] == pytest.approx(62.0)
    assert (t.loc["U2", "rank_before"], t.loc["U2", "rank_after"], t.loc["U2", "rank_change"]) \
        == (3, 2, 1)
    assert t.loc["U3", "rank_change"] == -1


def test_refit_learns_the_goalposts_again_frozen_does_not(ev):
    changes = [{"unit": "U1", "indicator": "a", "value": 200}]  # a new maximum of a
    frozen = by_unit(whatif(ev, changes, refit=False))
    refit = by_unit(whatif(ev, changes))
    # Frozen: min-max still 0–100, so U1's a scores 200: (200 + 100) / 2 = 150.
    assert frozen.loc["U1", "index_after"] == pytest.approx(150.0)
    assert frozen.loc["U3", "index_after"] == pytest.approx(60.0)
    # Rebuilt: a's maximum is 200, so every a score halves: U3 (25 + 70) / 2 = 47.5.
    assert refit.loc["U1", "index_after"] == pytest.approx(100.0)
    assert refit.loc["U3", "index_after"] == pytest.approx(47.5)
    assert refit.loc["U2", "index_after"] == pytest.approx(35.0)


def test_group_ranks_before_and_after(ev):
    result = whatif(ev, [{"unit": "U2", "indicator": "a", "value": 100}], group="city")
    t = by_unit(result)  # U2: (100 + 40) / 2 = 70 > U3's 60 within group y
    assert (t.loc["U2", "rank_in_group_before"], t.loc["U2", "rank_in_group_after"]) == (2, 1)
    assert t.loc["U2", "city"] == "y"


def test_every_problem_is_named_with_its_row(ev):
    rows = [
        {"unit": "Nowhere", "indicator": "a", "value": 1},
        {"unit": "U2", "indicator": "zz", "value": 1},
        {"unit": "U2", "indicator": "a", "value": 1, "change": 0.1},
        {"unit": "U2", "indicator": "b"},
        {"unit": "U2", "indicator": "a", "value": "abc"},
        {"unit": "U2", "indicator": "a", "value": 1, "period": 1999},
        {"unit": "U3", "indicator": "a", "value": 1},
        {"unit": "U3", "indicator": "a", "value": 2},
    ]
    with pytest.raises(zh.DataError) as info:
        whatif(ev, rows)
    text = str(info.value)
    assert "changes[0]" in text and "'Nowhere'" in text
    assert "changes[1]" in text and "'zz'" in text
    assert "changes[2]" in text and "两者都给" in text
    assert "changes[3]" in text and "两者都没有" in text
    assert "changes[4]" in text and "'abc'" in text
    assert "changes[5]" in text and "1999" in text
    assert "changes[7]" in text and "重复" in text and "changes[6]" in text
    assert info.value.problems[0].key == "changes[0]" and len(info.value.problems) == 7


def test_relative_change_of_a_missing_value_is_refused():
    fw = make_framework({"I": ["a", "b"]})
    panel = make_panel(fw, [[0, 0], [100, np.nan], [60, 40]])
    ev = zh.build(fw, panel, zh.Method(impute="mean"))
    with pytest.raises(zh.DataError, match="不能按比例变化"):
        whatif(ev, [{"unit": "U1", "indicator": "b", "change": 0.1}])
    # A new value fills it: b = 50 is then known, so U1 scores (100 + 50) / 2.
    result = whatif(ev, [{"unit": "U1", "indicator": "b", "value": 20}], refit=False)
    assert by_unit(result).loc["U1", "index_after"] == pytest.approx(75.0)


def test_csv_with_chinese_headers_and_names(tmp_path):
    fw = framework_from_records(
        [{"code": "I", "type": "aggregate"},
         {"code": "a", "parent": "I", "name": "亩均税收", "direction": "+"},
         {"code": "b", "parent": "I", "name": "研发投入", "direction": "+"}],
        [{"key": c} for c in "Iab"])
    panel = make_panel(fw, [[0, 0], [100, 100], [60, 40], [50, 70]],
                       units=["永康", "义乌", "东阳", "兰溪"])
    ev = zh.build(fw, panel)
    csv = tmp_path / "情景.csv"
    csv.write_text("单位,指标,新值,变化率\n东阳,亩均税收,80,\n兰溪,研发投入,,10%\n",
                   encoding="utf-8")
    t = by_unit(whatif(ev, csv))
    assert t.loc["东阳", "index_after"] == pytest.approx(60.0)
    assert t.loc["兰溪", "index_after"] == pytest.approx(63.5)
    bad = tmp_path / "bad.csv"
    bad.write_text("单位,指标,新值\n东阳,亩均税收,80\n金华,亩均税收,1\n", encoding="gb18030")
    with pytest.raises(zh.DataError) as info:
        whatif(ev, bad)
    assert "bad.csv" in str(info.value) and "第 3 行" in str(info.value) and "'金华'" in str(info.value)


def test_yaml_and_dataframe_scenarios(ev, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("changes:\n  - {unit: U2, indicator: a, value: 80}\n"
                        "  - {unit: U9, indicator: a, value: 1}\n", encoding="utf-8")
    with pytest.raises(zh.DataError) as info:
        whatif(ev, scenario)
    assert "s.yaml" in str(info.value) and "changes[1]" in str(info.value)
    frame = pd.DataFrame({"unit": ["U2"], "indicator": ["a"], "value": [80]})
    assert by_unit(whatif(ev, frame)).loc["U2", "index_after"] == pytest.approx(60.0)


def test_the_table_shows_the_period_changed():
    fw = make_framework({"I": ["a"]})
    values = [[[0], [100], [50]], [[0], [100], [40]]]
    ev = zh.build(fw, make_panel(fw, values, periods=[2022, 2023]))
    # Pooled min-max 0–100: U2's 2022 value 50 → 90 scores 90; the table shows 2022.
    result = whatif(ev, [{"unit": "U2", "indicator": "a", "value": 90, "period": 2022}])
    assert result.period == 2022
    assert by_unit(result).loc["U2", "index_after"] == pytest.approx(90.0)
    assert by_unit(whatif(ev, [{"unit": "U2", "indicator": "a", "value": 90, "period": "2022"}],
                          period=2023)).loc["U2", "index_after"] == pytest.approx(40.0)


def test_asem_by_name(asem_evaluation):
    result = whatif(asem_evaluation, [
        {"unit": "Malta", "indicator": "Participation in international intergovernmental "
                                       "organisations", "change": 0.2}])
    t = by_unit(result)
    assert (t.loc["MLT", "rank_before"], t.loc["MLT", "rank_after"]) == (10, 9)  # past DEU
    assert t.loc["MLT", "index_change"] > 0.3
    assert result.changes["before"].iloc[0] == 169 and result.changes["after"].iloc[0] == \
        pytest.approx(202.8)


def test_group_ranks_with_a_blank_group_cell():
    # U3 has no city: it gets no group rank and no change of it; the others are ranked in theirs.
    fw = make_framework({"I": ["a", "b"]})
    panel = make_panel(fw, [[0, 0], [100, 100], [60, 40], [50, 70]], units=UNITS,
                       groups={"city": ["x", "x", "y", None]})
    result = whatif(zh.build(fw, panel), [{"unit": "U2", "indicator": "a", "value": 100}],
                    group="city")
    t = by_unit(result)
    # U2: (100 + 40) / 2 = 70 overtakes U3 (60) overall; alone in y it stays 1st there.
    assert (t.loc["U2", "rank_after"], t.loc["U2", "rank_change"]) == (2, 1)
    assert (t.loc["U2", "rank_in_group_after"], t.loc["U2", "rank_in_group_change"]) == (1, 0)
    assert pd.isna(t.loc["U3", "rank_in_group_after"]) and pd.isna(t.loc["U3", "rank_in_group_change"])
    assert t.loc["U0", "rank_in_group_after"] == 2 and t.loc["U0", "rank_in_group_change"] == 0
