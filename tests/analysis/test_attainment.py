"""Target attainment and early warning: rules, change, trend, lights, rule files."""

import math

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.analysis.attainment import (
    COLUMNS,
    WarningRule,
    attainment,
    display,
    labels,
    read_warning_rule,
    summary,
    trend_slopes,
)
from zongheng.errors import DataError, MethodError
from zongheng.framework import framework_from_records
from zongheng.testing import make_panel

NAN = float("nan")


def framework(*indicators):
    """A framework ``I → D → indicators`` from ``(code, direction, target, rule, category)``."""
    records = [{"code": "I", "parent": None, "name": "指数"},
               {"code": "D", "parent": "I", "name": "方面", "name_en": "Aspect"}]
    for code, direction, target, rule, category in indicators:
        records.append({"code": code, "parent": "D", "name": f"指标{code}", "name_en": code.upper(),
                        "direction": direction, "target": target, "rule": rule,
                        "category": category, "unit": "%", "department": "生态环境局"})
    return framework_from_records(records, [{"row": i} for i in range(len(records))])


@pytest.fixture
def three():
    # a: at least 90 (binding); b: at most 30 (binding); c: a yes/no item (expected).
    return framework(("a", "+", 90, ">=", "约束性"), ("b", "-", 30, "<=", "约束性"),
                     ("c", "+", None, "yes", "预期性"))


def row(table, unit, indicator, period=None):
    t = table[(table.unit == unit) & (table.indicator == indicator)]
    if period is not None:
        t = t[t.period == period]
    assert len(t) == 1
    return t.iloc[0]


# -- attainment by rule ---------------------------------------------------------------------------

def test_at_least_at_most_and_yes_rules(three):
    # units: U0 on target exactly, U1 just missing, U2 missing values
    values = [[[90.0, 30.0, 1.0], [89.9, 30.2, 0.0], [NAN, 25.0, NAN]]]
    table = attainment(three, make_panel(three, values))
    assert list(table.columns) == list(COLUMNS)
    assert table["attained"].tolist()[:6] == [True, True, True, False, False, False]
    assert table["attained"].isna().tolist()[6:] == [True, False, True]
    assert bool(row(table, "U2", "b").attained) is True
    b = row(table, "U1", "b")
    assert b.gap == pytest.approx(0.2) and b.gap_pct == pytest.approx(0.2 / 30 * 100)
    c = row(table, "U1", "c")
    assert (c.target, c.gap, c.rule, c.category) == (1.0, -1.0, "yes", "expected")
    a = row(table, "U1", "a")
    assert a.gap == pytest.approx(-0.1) and a.gap_pct == pytest.approx(-0.1 / 90 * 100)


def test_missing_rule_follows_the_direction_and_missing_target_gives_no_light():
    fw = framework(("up", "+", 10, None, None), ("down", "-", 10, None, None),
                   ("free", "+", None, None, None))
    table = attainment(fw, make_panel(fw, [[[11, 11, 5]]]))
    assert table["rule"].tolist() == [">=", "<=", ">="]
    assert table["attained"].tolist()[:2] == [True, False]
    assert pd.isna(table["attained"].iloc[2]) and pd.isna(table["light"].iloc[2])
    assert table["category"].isna().all()


def test_target_zero_any_excess_is_far():
    fw = framework(("days", "-", 0, "<=", None))
    table = attainment(fw, make_panel(fw, [[[0], [1]], [[0], [0.5]]]))
    lights = table[table.period == 2021]["light"].tolist()
    # U0 at 0: attained, same → green; U1 at 0.5 (was 1): better but no "near" for target 0 → red
    assert lights == ["green", "red"]
    assert math.isnan(row(table, "U1", "days", 2021).gap_pct)


# -- change on the previous period and trend ----------------------------------------------------

def test_year_on_year_change_and_its_direction(three):
    values = [[[88.0, 32.0, 0.0]], [[91.0, 31.0, 1.0]], [[91.0, 31.5, 1.0]]]
    table = attainment(three, make_panel(three, values))
    a21, b21, b22 = row(table, "U0", "a", 2021), row(table, "U0", "b", 2021), row(table, "U0", "b",
                                                                                 2022)
    assert (a21.previous, a21.change) == (88.0, 3.0)
    assert a21.change_pct == pytest.approx(3 / 88 * 100) and a21.change_dir == "better"
    assert b21.change == -1.0 and b21.change_dir == "better"      # lower is better
    assert b22.change == 0.5 and b22.change_dir == "worse"
    assert row(table, "U0", "a", 2022).change_dir == "same"
    first = table[table.period == 2020]
    assert first["previous"].isna().all() and first["change_dir"].isna().all()


def test_trend_slope_by_hand():
    # y = 10, 12, 11, 15, 17 over 2020–2024: x̄ = 2022, ȳ = 13, Σdx·dy = 17, Σdx² = 10 → 1.7
    years = np.arange(2020, 2025)
    slopes = trend_slopes(np.array([10, 12, 11, 15, 17.0]), years)
    assert slopes[-1] == pytest.approx(1.7)
    # the first two windows have fewer than 3 values
    assert np.isnan(slopes[:2]).all()
    # 2022: 10, 12, 11 → slope 0.5
    assert slopes[2] == pytest.approx(0.5)
    # a gap: 10, –, 11, 15, 17 at 2020, 2022, 2023, 2024: x̄ = 2022.25, ȳ = 13.25,
    # Σdx·dy = 15.75, Σdx² = 8.75 → 1.8
    gap = trend_slopes(np.array([10, NAN, 11, 15, 17.0]), years)
    assert gap[-1] == pytest.approx(1.8)


def test_trend_uses_only_the_last_five_periods_and_broadcasts():
    years = np.arange(2019, 2025)
    values = np.array([100, 10, 12, 11, 15, 17.0])
    stacked = np.stack([values, -values], axis=1)[:, :, None]      # (period, unit, indicator)
    slopes = trend_slopes(stacked, years)
    assert slopes.shape == (6, 2, 1)
    assert slopes[-1, 0, 0] == pytest.approx(1.7) and slopes[-1, 1, 0] == pytest.approx(-1.7)


def test_trend_columns_in_the_table():
    fw = framework(("pm", "-", 28, "<=", "binding"))
    panel = make_panel(fw, np.array([33, 31.2, 30.4, 29.6, 28.9])[:, None, None])
    last = row(attainment(fw, panel), "U0", "pm", 2024)
    # x̄ = 2022, ȳ = 30.62; Σdx·dy = −2·2.38 − 1·0.58 + 0 + 1·(−1.02) + 2·(−1.72) = −9.8 → −0.98
    assert last.slope == pytest.approx(-0.98)
    assert last.trend == "improving"                          # falling PM2.5 is better


# -- the default warning lights --------------------------------------------------------------------

def test_every_light_of_the_default_rule():
    fw = framework(("a", "+", 90, ">=", "binding"))
    cases = {                             # (2020, 2021) → light in 2021
        "attained, better": ((89, 91), "green"),
        "attained, same": ((91, 91), "green"),
        "attained, worse": ((95, 92), "yellow"),
        "near, better": ((86, 87), "yellow"),       # 3.3 % short
        "near, same": ((87, 87), "yellow"),         # not worsening is enough by default
        "near, worse": ((88, 87), "red"),
        "far, better": ((80, 84), "red"),           # 6.7 % short
        "first period near": ((NAN, 87), "yellow"),  # no previous: not worsening
        "no value": ((90, NAN), None),
    }
    values = np.array([v for v, _ in cases.values()], dtype=float).T[:, :, None]
    table = attainment(fw, make_panel(fw, values, units=list(cases)), period=2021)
    found = dict(zip(table.unit, table.light.astype(object).where(table.light.notna(), None),
                     strict=True))
    assert found == {k: light for k, (_, light) in cases.items()}


def test_strict_rule_needs_improvement_near_the_target():
    fw = framework(("a", "+", 90, ">=", None))
    values = np.array([[87, 87], [86, 87]], dtype=float).T[:, :, None]
    table = attainment(fw, make_panel(fw, values), period=2021, rule=WarningRule(strict=True))
    assert table.light.tolist() == ["red", "yellow"]


def test_tolerance_makes_small_changes_stable():
    fw = framework(("a", "+", 90, ">=", None))
    values = np.array([[95, 94.9]], dtype=float).T[:, :, None]
    default = attainment(fw, make_panel(fw, values), period=2021)
    tolerant = attainment(fw, make_panel(fw, values), period=2021,
                          rule=WarningRule(tolerance=0.01))    # 0.1 ≤ 1 % of 95
    assert (default.change_dir[0], default.light[0]) == ("worse", "yellow")
    assert (tolerant.change_dir[0], tolerant.light[0]) == ("same", "green")


def test_custom_rule_from_yaml(tmp_path):
    path = tmp_path / "rule.yaml"
    path.write_text("warning:\n  near: 10%\n  basis: 趋势\n  window: 3\n", encoding="utf-8")
    rule = read_warning_rule(path)
    assert rule == WarningRule(near=0.1, basis="trend", window=3)
    fw = framework(("a", "+", 90, ">=", None))
    # U0: 80, 82, 84 → 6.7 % short, trend up: yellow with near 10 % (red by default)
    # U1: 99, 93, 96 → attained, yoy better but trend down (slope −1.5): yellow on the trend basis
    values = np.array([[80, 82, 84], [99, 93, 96]], dtype=float).T[:, :, None]
    panel = make_panel(fw, values)
    custom = attainment(fw, panel, period=2022, rule=rule)
    default = attainment(fw, panel, period=2022)
    assert custom.light.tolist() == ["yellow", "yellow"]
    assert default.light.tolist() == ["red", "green"]
    assert custom.slope.tolist() == pytest.approx([2.0, -1.5])


def test_rule_at_the_top_level_and_to_dict_round_trip():
    rule = WarningRule.from_dict({"near": 0.08, "basis": "同比", "tolerance": "0.5%",
                                  "strict": True})
    assert rule == WarningRule(near=0.08, basis="yoy", tolerance=0.005, strict=True)
    assert WarningRule.from_dict(WarningRule(near=0.2).to_dict()) == WarningRule(near=0.2)
    assert WarningRule.from_dict(None) == WarningRule()


@pytest.mark.parametrize(("doc", "key"), [
    ({"near": -0.1}, "near"), ({"near": "close"}, "near"), ({"basis": "mom"}, "basis"),
    ({"tolerance": -1}, "tolerance"), ({"window": 1}, "window"), ({"window": 2.5}, "window"),
    ({"min_points": 6}, "min_points"), ({"strict": "yes"}, "strict"),
])
def test_bad_rule_values_name_the_key(doc, key):
    with pytest.raises(MethodError) as info:
        WarningRule.from_dict(doc, file="rule.yaml")
    (p,) = info.value.problems
    assert (p.kind, p.key, p.file) == (f"att_rule_bad_{key}", key, "rule.yaml")
    assert p.params == {"value": doc[key]}


def test_bad_rule_file_reports_every_problem(tmp_path):
    path = tmp_path / "rule.yaml"
    path.write_text("warning:\n  near: 1.5x\n  colour: red\n  window: 0\n", encoding="utf-8")
    with pytest.raises(MethodError) as info:
        read_warning_rule(path)
    found = [(p.kind, p.key) for p in info.value.problems]
    assert found == [("att_rule_unknown_key", "warning.colour"),
                     ("att_rule_bad_near", "warning.near"),
                     ("att_rule_bad_window", "warning.window")]
    lines = str(info.value).splitlines()
    assert lines[0] == "方法有 3 处问题:"
    assert lines[1].startswith("  - rule.yaml, 键 warning.colour: 未知的预警规则参数 'colour'")
    assert lines[2] == ("  - rule.yaml, 键 warning.near: 预警规则参数 near 应为 不小于 0 的比例，"
                        "如 0.05 或 '5%'，实际为 '1.5x'")
    assert info.value.problems[2].message("en") == (
        "rule.yaml, key warning.window: the warning-rule key window must be a whole number ≥ 2, "
        "got 0")
    with pytest.raises(MethodError) as info:
        read_warning_rule(tmp_path / "missing.yaml")
    assert info.value.problems[0].kind == "file_not_found"
    (tmp_path / "list.yaml").write_text("- near\n", encoding="utf-8")
    with pytest.raises(MethodError) as info:
        read_warning_rule(tmp_path / "list.yaml")
    assert info.value.problems[0].kind == "att_rule_bad_shape"


def test_rule_constructor_validates_too():
    with pytest.raises(MethodError):
        WarningRule(near=-1)


# -- selection, summary, labels ---------------------------------------------------------------

def test_units_by_code_or_name_and_periods(three):
    panel = make_panel(three, np.ones((3, 2, 3)), units=["330784", "330782"],
                       groups={"name": ["永康市", "义乌市"]})
    table = attainment(three, panel, unit="永康市", period="2021")
    assert set(table.unit) == {"330784"} and set(table.period) == {2021} and len(table) == 3
    assert table.unit_name.iloc[0] == "永康市"
    both = attainment(three, panel, unit=["330782", "永康市"], period=[2020, 2022])
    assert both.unit.unique().tolist() == ["330782", "330784"] and len(both) == 12
    with pytest.raises(DataError) as info:
        attainment(three, panel, unit=["金东区", "永康市"], period=1999)
    assert [p.kind for p in info.value.problems] == ["att_unknown_unit"]
    with pytest.raises(DataError) as info:
        attainment(three, panel, period=1999)
    assert info.value.problems[0].params["period"] == 1999


def test_summary_counts(three):
    # 2021: U0 a 91 (green), b 31 (near 3.3 %, better → yellow), c 1 (green)
    #       U1 a 80 (red), b 29 (worse than 28 but attained → yellow), c 0 (red)
    values = [[[89, 32, 1], [85, 28, 0]], [[91, 31, 1], [80, 29, 0]]]
    table = attainment(three, make_panel(three, values), period=2021)
    assert table.light.tolist() == ["green", "yellow", "green", "red", "yellow", "red"]
    out = summary(table)
    assert out.loc[("U0", 2021)].to_dict() == {
        "indicators": 3, "assessed": 3, "attained": 2, "attained_pct": pytest.approx(200 / 3),
        "binding": 2, "binding_attained": 1, "green": 2, "yellow": 1, "red": 0}
    assert out.loc[("U1", 2021), ["attained", "binding_attained", "red"]].tolist() == [1, 1, 2]


def test_labels_and_display(three):
    table = attainment(three, make_panel(three, [[[91, 31, 1]]]))
    assert labels("zh")["light"] == "预警" and labels("en")["light"] == "Warning"
    assert set(COLUMNS) <= set(labels("zh"))
    zh_view = display(table, "zh")
    # b: 31 is 3.3 % above 30 with no previous year, so not worsening: yellow
    assert zh_view["预警"].tolist() == ["绿", "黄", "绿"]
    assert zh_view["是否达标"].tolist() == ["达标", "未达标", "达标"]
    assert zh_view["属性"].tolist() == ["约束性", "约束性", "预期性"]
    assert zh_view["指标"].tolist() == ["指标a", "指标b", "指标c"]
    en_view = display(table, "en")
    assert en_view["Indicator"].tolist() == ["A", "B", "C"]
    assert en_view["Aspect"].tolist() == ["Aspect"] * 3
    assert en_view["Attained"].tolist() == ["attained", "not attained", "attained"]
    assert en_view["Change direction"].tolist() == ["—"] * 3
    zh.set_lang("en")
    assert labels()["value"] == "Value"


def test_missing_indicator_in_the_panel(three):
    panel = zh.Panel(np.ones((1, 1, 2)), ["U0"], [2024], ["a", "b"])
    with pytest.raises(DataError) as info:
        attainment(three, panel)
    assert info.value.problems[0].params == {"codes": "c"}
