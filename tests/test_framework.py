"""Framework (指标体系): directions, the tree, and validation of flat records."""

import numpy as np
import pytest

import zongheng as zh
from zongheng.errors import FrameworkError
from zongheng.framework import Aggregate, Direction, Indicator, framework_from_records

# A four-level tree given child-before-parent, to check that order is rebuilt:
# Index ─ D1 (w 2) ─ S1 (w 1) ─ A1 (w 1), A2 (w 3)
#       │          └ A3 (w 1)
#       └ D2 (w 1) ─ B1
RECORDS = [
    {"code": "A1", "parent": "S1", "name": "亩均税收", "name_en": "Tax per mu", "unit": "万元/亩",
     "direction": "+", "weight": 1, "target": 30, "goalposts": (0, 50), "department": "经信局",
     "source": "税务局", "note": "规上工业"},
    {"code": "A2", "parent": "S1", "name": "单位GDP能耗", "direction": "逆向", "weight": 3,
     "denominator": "GDP"},
    {"code": "S1", "parent": "D1", "name": "产业", "type": "aggregate", "weight": 1},
    {"code": "Index", "parent": None, "name": "综合指数", "type": "aggregate"},
    {"code": "D1", "parent": "Index", "name": "经济发展", "type": "aggregate", "weight": 2},
    {"code": "A3", "parent": "D1", "name": "研发投入", "direction": "max", "weight": "1"},
    {"code": "D2", "parent": "Index", "name": "社会民生", "weight": 1.0},
    {"code": "B1", "parent": "D2", "name": "城镇登记失业率", "direction": -1, "weight": 1},
]


def build(records, **kwargs):
    return framework_from_records(records, [{"row": i + 2} for i in range(len(records))], **kwargs)


@pytest.fixture
def framework():
    return build(RECORDS)


# -- directions ------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["+", "1", 1, 1.0, "max", "MAX", " 正向 ", "正", "higher", "+1",
                                      "正向指标"])
def test_direction_higher_spellings(spelling):
    assert Direction.parse(spelling) is Direction.HIGHER


@pytest.mark.parametrize("spelling", ["-", "-1", -1, -1.0, "min", "Min", "逆向", "负向", "反向",
                                      "lower", "逆向指标"])
def test_direction_lower_spellings(spelling):
    assert Direction.parse(spelling) is Direction.LOWER


@pytest.mark.parametrize("spelling", ["", None, 0, 2, 0.5, True, "up", "中性", float("nan")])
def test_direction_unknown_spellings_are_none(spelling):
    assert Direction.parse(spelling) is None


def test_direction_symbol():
    assert Direction.HIGHER.symbol == "+" and Direction.LOWER.symbol == "-"
    assert int(Direction.LOWER) == -1


# -- the tree --------------------------------------------------------------

def test_tree_is_ordered_depth_first_from_the_root(framework):
    assert [n.code for n in framework.nodes] == ["Index", "D1", "S1", "A1", "A2", "A3", "D2", "B1"]
    assert framework.root.code == "Index"
    assert framework.indicator_codes == ("A1", "A2", "A3", "B1")
    assert framework.children == {"Index": ("D1", "D2"), "D1": ("S1", "A3"), "S1": ("A1", "A2"),
                                  "D2": ("B1",)}
    assert framework.dimensions == ("D1", "D2")


def test_levels_count_from_the_indicators_up(framework):
    assert framework.levels == {"Index": 4, "D1": 3, "S1": 2, "A1": 1, "A2": 1, "A3": 1, "D2": 2,
                                "B1": 1}
    assert framework.depth == 4
    assert [a.code for a in framework.aggregates] == ["S1", "D2", "D1", "Index"]
    assert framework.node_codes == ("A1", "A2", "A3", "B1", "S1", "D2", "D1", "Index")


def test_indicator_fields_are_read(framework):
    a1 = framework.node("A1")
    assert a1 == Indicator(code="A1", name="亩均税收", direction=Direction.HIGHER, parent="S1",
                           weight=1.0, name_en="Tax per mu", unit="万元/亩", target=30.0,
                           goalposts=(0.0, 50.0), denominator=None, department="经信局",
                           source="税务局", note="规上工业")
    a2 = framework.node("A2")
    assert a2.direction is Direction.LOWER and a2.weight == 3.0 and a2.denominator == "GDP"
    assert framework.node("A3").weight == 1.0  # "1" as text
    assert isinstance(framework.node("D2"), Aggregate)  # aggregate because it has children
    assert framework.node("Index").parent is None


def test_directions_array_is_read_only(framework):
    np.testing.assert_array_equal(framework.directions, [1, -1, 1, -1])
    with pytest.raises(ValueError):
        framework.directions[0] = 5


def test_effective_weights_multiply_along_the_path(framework):
    # D1 2/3, D2 1/3; S1 and A3 half of D1; A1 1/4 and A2 3/4 of S1.
    w = framework.effective_weights()
    assert w == pytest.approx({"A1": 1 / 12, "A2": 1 / 4, "A3": 1 / 3, "B1": 1 / 3})
    assert sum(w.values()) == pytest.approx(1.0)


def test_effective_weights_with_other_weights(framework):
    weights = {n.code: 1.0 for n in framework.nodes}
    assert framework.effective_weights(weights) == pytest.approx(
        {"A1": 1 / 8, "A2": 1 / 8, "A3": 1 / 4, "B1": 1 / 2})


def test_labels_fall_back_across_languages(framework):
    assert framework.label("A1") == "亩均税收"
    assert framework.label("A1", "en") == "Tax per mu"
    assert framework.label("A2", "en") == "单位GDP能耗"


def test_undeclared_denominator_is_declared(framework):
    assert [d.code for d in framework.denominators] == ["GDP"]


def test_indicator_direct_under_the_root_and_deep_chain():
    # Any depth: a chain of five aggregates, plus an indicator right under the index.
    records = [{"code": "L0", "parent": None}]
    for k in range(1, 6):
        records.append({"code": f"L{k}", "parent": f"L{k - 1}", "type": "维度"})
    records += [{"code": "X", "parent": "L5", "direction": "+"},
                {"code": "Y", "parent": "L0", "direction": "-"}]
    fw = build(records)
    assert fw.depth == 7
    assert fw.levels["L5"] == 2 and fw.levels["L1"] == 6
    assert fw.effective_weights() == pytest.approx({"X": 0.5, "Y": 0.5})


def test_with_nodes_keeps_groups_and_meta(framework):
    fw = build(RECORDS, groups=[zh.framework.Attribute("city", "设区市")], meta={"title": "t"})
    copy = fw.with_nodes(fw.nodes)
    assert copy == fw and copy.groups[0].name == "设区市" and copy.meta == {"title": "t"}


# -- validation ------------------------------------------------------------

def problems_of(records):
    with pytest.raises(FrameworkError) as info:
        build(records)
    return info.value.problems


def test_duplicate_code_names_both_rows():
    records = [*RECORDS, {"code": "A1", "parent": "S1", "direction": "+"}]
    (p,) = problems_of(records)
    assert p.kind == "fw_duplicate_code" and p.row == 10
    assert p.message() == "第 10 行: 代码 'A1' 重复（首次出现在 第 2 行）"
    assert p.message("en") == "row 10: code 'A1' is duplicated (first seen at row 2)"


def test_unknown_parent():
    (p,) = problems_of([*RECORDS, {"code": "C1", "parent": "D9", "direction": "+"}])
    assert (p.kind, p.row, p.params) == ("fw_unknown_parent", 10, {"code": "C1", "parent": "D9"})


def test_cycle_is_reported_once():
    records = [*RECORDS, {"code": "X", "parent": "Y"}, {"code": "Y", "parent": "X"},
               {"code": "Z", "parent": "Z"}]
    problems = problems_of(records)
    assert [p.kind for p in problems] == ["fw_cycle", "fw_cycle"]
    assert problems[0].params["cycle"] == "X → Y → X" and problems[0].row == 10
    assert problems[1].params["cycle"] == "Z → Z" and problems[1].row == 12


@pytest.mark.parametrize("weight", [0, -1, "", None, "abc", float("nan"), float("inf")])
def test_non_positive_or_missing_weight(weight):
    records = [dict(r) for r in RECORDS]
    records[1]["weight"] = weight
    (p,) = problems_of(records)
    assert p.kind == "fw_bad_weight" and p.row == 3 and p.params["code"] == "A2"


def test_absent_weight_defaults_to_one_and_root_weight_is_ignored():
    records = [{"code": "I", "parent": None, "weight": ""}, {"code": "a", "parent": "I", "direction": 1}]
    fw = build(records)
    assert fw.node("a").weight == 1.0 and fw.node("I").weight == 1.0


@pytest.mark.parametrize("direction", ["up", "", 0, None])
def test_unknown_or_missing_direction(direction):
    records = [dict(r) for r in RECORDS]
    records[0]["direction"] = direction
    (p,) = problems_of(records)
    assert p.kind == "fw_bad_direction" and p.row == 2 and p.params["direction"] == direction


def test_indicator_without_a_direction_key_is_a_problem():
    (p,) = problems_of([{"code": "I", "parent": None}, {"code": "a", "parent": "I"}])
    assert p.kind == "fw_bad_direction" and p.row == 3


def test_empty_branch():
    (p,) = problems_of([*RECORDS, {"code": "D3", "parent": "Index", "type": "dimension"}])
    assert (p.kind, p.row, p.params) == ("fw_empty_branch", 10, {"code": "D3"})


def test_root_alone_is_an_empty_branch():
    (p,) = problems_of([{"code": "Index", "parent": None}])
    assert p.kind == "fw_empty_branch"


def test_missing_code_and_two_roots():
    problems = problems_of([*RECORDS, {"code": " ", "parent": "D1"},
                            {"code": "Other", "parent": None, "type": "aggregate"},
                            {"code": "o1", "parent": "Other", "direction": "+"}])
    assert [(p.kind, p.row) for p in problems] == [("fw_missing_code", 10), ("fw_many_roots", 11)]
    assert problems[1].params == {"n": 2, "codes": "Index, Other"}


def test_bad_target_and_goalposts():
    records = [dict(r) for r in RECORDS]
    records[0].update(target="三十", goalposts=(50, 0))
    records[1].update(goalposts="1, 2, 3")
    problems = problems_of(records)
    assert [(p.kind, p.row) for p in problems] == [
        ("fw_bad_number", 2), ("fw_bad_goalposts", 2), ("fw_bad_goalposts", 3)]


def test_goalposts_as_text_with_full_width_comma():
    records = [dict(r) for r in RECORDS]
    records[0]["goalposts"] = "[10，90]"
    assert build(records).node("A1").goalposts == (10.0, 90.0)


def test_every_problem_is_reported_at_once():
    records = [dict(r) for r in RECORDS]
    records[1]["weight"] = -2                                           # row 3
    records[5]["direction"] = "sideways"                                # row 7
    records += [
        {"code": "A1", "parent": "S1", "direction": "+"},              # row 10: duplicate
        {"code": "C1", "parent": "nowhere", "direction": "+"},         # row 11: unknown parent
        {"code": "D3", "parent": "Index", "type": "aggregate"},        # row 12: empty branch
        {"code": "P", "parent": "Q"}, {"code": "Q", "parent": "P"},    # rows 13-14: cycle
    ]
    with pytest.raises(FrameworkError) as info:
        build(records)
    found = [(p.kind, p.row) for p in info.value.problems]
    assert sorted(found) == sorted([
        ("fw_bad_weight", 3), ("fw_bad_direction", 7), ("fw_duplicate_code", 10),
        ("fw_unknown_parent", 11), ("fw_empty_branch", 12), ("fw_cycle", 13)])
    text = str(info.value)
    assert text.splitlines()[0] == "指标体系有 6 处问题:"
    assert "  - 第 11 行: 'C1' 的上级 'nowhere' 不存在" in text.splitlines()


def test_error_renders_in_english_after_set_lang(english):
    with pytest.raises(FrameworkError) as info:
        build([*RECORDS, {"code": "C1", "parent": "nowhere", "direction": "+"}])
    assert str(info.value) == ("The framework has 1 problem(s):\n"
                               "  - row 10: the parent 'nowhere' of 'C1' does not exist")


@pytest.fixture
def english():
    zh.set_lang("en")
    try:
        yield
    finally:
        zh.set_lang("zh")


# -- category (约束性/预期性) and attainment rule (达标规则) ---------------------

@pytest.mark.parametrize(("spelling", "category"), [
    ("约束性", "binding"), ("binding", "binding"), (" Binding ", "binding"), ("约束", "binding"),
    ("预期性", "expected"), ("expected", "expected"), ("预期性指标", "expected"), ("", ""),
    (None, ""),
])
def test_category_spellings(spelling, category):
    fw = build([{"code": "I", "parent": None}, {"code": "a", "parent": "I", "direction": "+",
                                                "category": spelling}])
    assert fw.node("a").category == category


@pytest.mark.parametrize(("spelling", "rule"), [
    (">=", ">="), ("≥", ">="), ("at least", ">="), ("不低于", ">="), ("<=", "<="), ("≤", "<="),
    ("AT_MOST", "<="), ("不超过", "<="), ("yes", "yes"), ("是否", "yes"), ("", ""),
])
def test_rule_spellings(spelling, rule):
    fw = build([{"code": "I", "parent": None}, {"code": "a", "parent": "I", "direction": "+",
                                                "rule": spelling}])
    assert fw.node("a").rule == rule


def test_category_and_rule_default_to_blank(framework):
    assert framework.node("A1").category == "" and framework.node("A1").rule == ""


def test_unknown_category_and_rule_name_the_row():
    records = [dict(r) for r in RECORDS]
    records[0].update(category="必须", rule=">")
    records[5].update(rule="equal")
    problems = problems_of(records)
    assert [(p.kind, p.row, p.params["value"]) for p in problems] == [
        ("fw_bad_category", 2, "必须"), ("fw_bad_rule", 2, ">"), ("fw_bad_rule", 7, "equal")]
    assert problems[0].message() == (
        "第 2 行: 'A1' 的约束性/预期性 (category) 必须是 约束性/binding 或 预期性/expected，实际为 '必须'")
    assert problems[2].message("en").startswith(
        "row 7: the attainment rule of 'A3' must be '>=' (at least the target)")
