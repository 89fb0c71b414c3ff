"""Strengths, weaknesses and declines (找问题) on hand-made panels."""

import numpy as np
import pytest

import zongheng as zh
from zongheng.analysis.strengths import dimension_of, strengths
from zongheng.errors import MethodError
from zongheng.method import Method
from zongheng.testing import make_framework, make_panel


@pytest.fixture
def ev():
    # I → D1 {a, b (lower is better)}, D2 {c, d}; five units, two periods.
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c", "d"]},
                        directions={"b": "-"})
    now = np.array([  # a, b, c, d in 2021
        [10, 1, 5, 1],
        [20, 2, 4, 5],
        [50, 9, 3, 4],  # U2: best on a, worst on b (highest of a lower-is-better), 2nd on d
        [40, 4, 2, 3],
        [30, 5, 1, 2],
    ], dtype=float)
    before = now.copy()
    before[2] = [40, 5, 2, 6]  # U2 in 2020: a rose (good), b rose (bad), c rose, d fell (bad)
    panel = make_panel(fw, [before, now], groups={"city": list("xxxyy")})
    return zh.build(fw, panel)


def test_top_and_bottom_k_and_declines_with_directions(ev):
    table = strengths(ev, "U2", k=2)
    assert table["kind"].tolist() == ["strength", "strength", "weakness", "declined", "declined"]
    assert table["indicator"].tolist() == ["a", "d", "b", "b", "d"]
    assert table["rank"].tolist() == [1, 2, 5, 5, 2]
    assert table["group_size"].tolist() == [5] * 5
    assert table["dimension"].tolist() == ["D1", "D2", "D1", "D1", "D2"]
    # Min-max pooled over both periods: a spans 10…50, b 1…9 (reversed), d 1…6.
    strong = table.iloc[:2]
    np.testing.assert_allclose(strong["normalised"], [100.0, (4 - 1) / 5 * 100])
    declined = table[table.kind == "declined"]
    np.testing.assert_allclose(declined["change"], [9 - 5, 4 - 6])  # raw changes
    # b fell from (9-5)/8 = 50 to 0, d from 100 to 60: the larger fall comes first.
    np.testing.assert_allclose(declined["change_normalised"], [-50.0, -40.0])
    np.testing.assert_allclose(declined["value"], [9, 4])
    np.testing.assert_allclose(declined["previous"], [5, 6])
    assert table.attrs["previous_period"] == 2020 and table.attrs["period"] == 2021


def test_middle_of_a_small_group_is_neither_strength_nor_weakness(ev):
    # Within city x (U0, U1, U2): a 1/3, b 3/3, c 3/3 (5, 4, 3), d 2/3 (one above, one below).
    two = strengths(ev, "U2", group="city", k=2)
    assert two.loc[two.kind == "strength", "indicator"].tolist() == ["a"]
    assert two.loc[two.kind == "weakness", "indicator"].tolist() == ["b", "c"]
    assert two.loc[two.kind != "declined", "group_size"].tolist() == [3, 3, 3]
    assert two.attrs["label"] == "x"
    one = strengths(ev, "U2", group="city", k=1)
    assert one.loc[one.kind == "weakness", "indicator"].tolist() == ["b", "c"]


def test_first_period_has_no_declines_and_ties_are_neither():
    fw = make_framework({"I": ["a", "b"]})
    with pytest.warns(zh.errors.ConstantIndicatorWarning):
        ev = zh.build(fw, make_panel(fw, [[1, 7], [2, 7], [3, 7]]))
    table = strengths(ev, "U0", k=1)
    # b is the same for everyone: no peer above or below, so it is in neither list.
    assert table[["kind", "indicator", "rank"]].values.tolist() == [["weakness", "a", 3]]
    assert table.attrs["previous_period"] is None
    assert dimension_of(fw) == {"a": "a", "b": "b"}


def test_unit_by_name_and_errors(ev):
    fw = make_framework({"I": ["a"]})
    named = zh.build(fw, make_panel(fw, [[1], [2]], units=["330784", "330782"],
                                    groups={"name": ["永康市", "东阳市"]}))
    assert strengths(named, "东阳市", k=1).attrs["unit"] == "330782"
    assert strengths(named, "330782", k=1)["kind"].tolist() == ["strength"]
    with pytest.raises(zh.MethodError) as info:
        strengths(ev, "永康")
    assert "永康" in str(info.value) and "U0, U1" in str(info.value)
    with pytest.raises(zh.MethodError, match="nope"):
        strengths(ev, "U2", group="nope")
    with pytest.raises(zh.MethodError, match="1999"):
        strengths(ev, "U2", period=1999)
    with pytest.raises(zh.MethodError):
        strengths(ev, "U2", k=0)


def test_a_screened_or_ungrouped_unit_is_said_not_shown_as_empty():
    # Known #14 of the reliability review: an empty table said nothing about why.
    fw = make_framework({"I": ["a", "b"]})
    panel = make_panel(fw, [[1, 2], [3, 4], [5, 6], [7, 8]], groups={"g": ["x", "x", " ", "y"]})
    ev = zh.build(fw, panel, Method(screen={"method": "units", "exclude": ["U1"]}))
    with pytest.raises(MethodError, match=r"U1.*筛选"):
        strengths(ev, "U1")
    with pytest.raises(MethodError, match=r"U2.*g"):  # a blank label is no group
        strengths(ev, "U2", group="g")


def test_an_imputed_value_is_shown_as_imputed_and_is_no_strength():
    # Review (reports) #6: D10 had no 2024 value for 永康, was carried forward from 2023 and then
    # listed as a strength, "ahead of" a peer's real value. The filled value is shown, flagged,
    # and kept out of the strengths, weaknesses and declines.
    fw = make_framework({"I": ["a", "b"]})
    values = [[[9, 1], [5, 2], [1, 3], [2, 4]],       # 2020: U0 best on a
              [[np.nan, 1], [5, 2], [1, 3], [2, 4]]]  # 2021: U0 reports nothing on a
    ev = zh.build(fw, make_panel(fw, values), Method(impute="carry_forward"))
    table = strengths(ev, "U0", k=1)
    assert "a" not in set(table["indicator"])          # 9 carried forward would be the best
    full = strengths(ev, "U0", k=4)
    assert "a" not in set(full["indicator"])
    from zongheng.analysis.strengths import _indicator_table, select_unit

    row = _indicator_table(ev, select_unit(ev, "U0", None, None)).set_index("indicator").loc["a"]
    assert np.isnan(row["value"]) and row["imputed"] == 9 and row["rank"] == 1
