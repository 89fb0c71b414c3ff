"""Frameworks in YAML: a nested tree in, the same tree out, every problem with its key path."""

import textwrap

import pytest
import yaml

import zongheng as zh
from zongheng.errors import FrameworkError
from zongheng.framework import Aggregate, Attribute, Direction, Indicator
from zongheng.io.framework_yaml import framework_from_dict, framework_to_dict

COUNTY_YAML = """\
code: Index
name: 县域高质量发展指数
name_en: County development index
meta: {title: 浙江县域, version: 2024}
groups:
  - {code: city, name: 设区市}
  - mountain26
denominators:
  - {code: GDP, name: 地区生产总值, unit: 亿元}
children:
  - code: Q
    name: 质量变革
    weight: 0.6
    children:
      - code: Q_ind
        name: 工业
        weight: 2
        children:
          - code: Q1
            name: 规上工业亩均税收
            name_en: Tax per mu
            unit: 万元/亩
            direction: +
            weight: 1
            target: 30
            goalposts: [0, 50]
            department: 经信局
            source: 亩均论英雄系统
            note: 规上工业企业
          - code: Q2
            name: 单位GDP能耗
            unit: 吨标煤/万元
            direction: -
            weight: 1.5
            denominator: GDP
      - {code: Q3, name: 研发经费投入强度, unit: "%", direction: 正向, weight: 1}
  - code: S
    name: 共同富裕
    weight: 0.4
    children:
      - {code: S1, name: 城乡居民收入比, direction: 逆向, weight: 1}
      - {code: S2, name: 人均可支配收入, direction: max, weight: 1}
      - {code: S3, name: 城镇登记失业率, direction: -1, weight: 1}
"""


def write(tmp_path, text, name="fw.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def county(tmp_path):
    return zh.read_framework(write(tmp_path, COUNTY_YAML))


def test_nested_tree_of_three_levels(county):
    assert [n.code for n in county.nodes] == ["Index", "Q", "Q_ind", "Q1", "Q2", "Q3", "S", "S1", "S2",
                                              "S3"]
    assert county.children["Q"] == ("Q_ind", "Q3")
    assert county.levels["Index"] == 4 and county.levels["S"] == 2
    assert county.indicator_codes == ("Q1", "Q2", "Q3", "S1", "S2", "S3")
    assert isinstance(county.node("Q_ind"), Aggregate)
    assert county.root == Aggregate(code="Index", name="县域高质量发展指数", parent=None,
                                    name_en="County development index")


def test_every_indicator_field(county):
    assert county.node("Q1") == Indicator(
        code="Q1", name="规上工业亩均税收", name_en="Tax per mu", unit="万元/亩",
        direction=Direction.HIGHER, parent="Q_ind", weight=1.0, target=30.0, goalposts=(0.0, 50.0),
        denominator=None, department="经信局", source="亩均论英雄系统", note="规上工业企业")
    q2 = county.node("Q2")
    assert (q2.direction, q2.weight, q2.denominator, q2.unit) == (Direction.LOWER, 1.5, "GDP",
                                                                  "吨标煤/万元")
    assert [county.node(c).direction for c in ("Q3", "S1", "S2", "S3")] == [
        Direction.HIGHER, Direction.LOWER, Direction.HIGHER, Direction.LOWER]


def test_groups_denominators_and_meta(county):
    assert county.groups == (Attribute("city", "设区市"), Attribute("mountain26"))
    assert county.denominators == (Attribute("GDP", "地区生产总值", "", "亿元"),)
    assert county.meta == {"title": "浙江县域", "version": 2024}


def test_effective_weights(county):
    # Q 0.6: Q_ind 2/3 (Q1 1/2.5, Q2 1.5/2.5), Q3 1/3; S 0.4 split in three.
    assert county.effective_weights() == pytest.approx({
        "Q1": 0.6 * 2 / 3 * 0.4, "Q2": 0.6 * 2 / 3 * 0.6, "Q3": 0.2,
        "S1": 0.4 / 3, "S2": 0.4 / 3, "S3": 0.4 / 3})


def test_round_trip_gives_an_equal_framework(tmp_path, county):
    out = tmp_path / "out.yaml"
    zh.write_framework(county, out)
    again = zh.read_framework(out)
    assert again == county
    assert again.groups == county.groups and again.denominators == county.denominators
    # Chinese stays readable, and "-" is quoted so that the file is valid YAML.
    text = out.read_text(encoding="utf-8")
    assert "规上工业亩均税收" in text and "direction: '-'" in text
    zh.write_framework(again, tmp_path / "again.yaml")
    assert (tmp_path / "again.yaml").read_text(encoding="utf-8") == text


def test_round_trip_of_the_coinr_imeta(tmp_path, asem_files):
    imeta = zh.read_framework(asem_files / "iMeta.csv")
    zh.write_framework(imeta, tmp_path / "asem.yaml")
    assert zh.read_framework(tmp_path / "asem.yaml") == imeta


def test_written_dict_leaves_defaults_out(county):
    doc = framework_to_dict(county)
    assert list(doc)[:3] == ["code", "name", "name_en"]
    assert doc["children"][1]["children"][0] == {"code": "S1", "name": "城乡居民收入比",
                                                 "direction": "-", "weight": 1}
    assert "weight" not in doc  # the index has no parent


def test_flat_elements_list(tmp_path):
    fw = zh.read_framework(write(tmp_path, """\
        elements:
          - {code: I, name: 指数}
          - {code: a, parent: I, direction: +, weight: 2}
          - {code: b, parent: I, direction: "-", weight: 1}
        """, "flat.yml"))
    assert fw.indicator_codes == ("a", "b")
    assert fw.effective_weights() == pytest.approx({"a": 2 / 3, "b": 1 / 3})


def test_numeric_codes_link_children_to_parents(tmp_path):
    fw = framework_from_dict({"code": 1, "children": [
        {"code": 1.0 + 1, "children": [{"code": 3, "direction": 1}]}]})
    assert [n.code for n in fw.nodes] == ["1", "2", "3"]
    assert fw.node("3").parent == "2"


def test_bare_dash_inside_a_block_scalar_is_kept(tmp_path):
    fw = zh.read_framework(write(tmp_path, """\
        code: I
        note: |
          方向: -
        children:
          - {code: a, direction: "-"}
        """))
    assert fw.root.note == "方向: -" and fw.node("a").direction is Direction.LOWER


# -- problems, with key paths ------------------------------------------------

def problems_in(tmp_path, text):
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(write(tmp_path, text))
    return info.value.problems


def test_every_problem_with_its_key_path(tmp_path):
    problems = problems_in(tmp_path, """\
        code: Index
        children:
          - code: D1
            weight: 0
            children:
              - {code: a, direction: +, weight: -1}
              - {code: b, direction: up}
              - {code: a, direction: +}
          - code: D2
            weight: 1
            children: []
          - code: D3
            children:
              - {code: c, direction: +, weight: abc, colour: red}
        """)
    found = {(p.kind, p.key) for p in problems}
    assert found == {
        ("fw_unknown_field", "children[2].children[0].colour"),
        ("fw_duplicate_code", "children[0].children[2]"),
        ("fw_bad_weight", "children[0].weight"),
        ("fw_bad_weight", "children[0].children[0].weight"),
        ("fw_bad_direction", "children[0].children[1].direction"),
        ("fw_empty_branch", "children[1]"),
        ("fw_bad_weight", "children[2].children[0].weight"),
    }
    assert all(p.file == "fw.yaml" for p in problems)
    dup = next(p for p in problems if p.kind == "fw_duplicate_code")
    assert dup.message() == ("fw.yaml, 键 children[0].children[2]: 代码 'a' 重复"
                             "（首次出现在 fw.yaml, 键 children[0].children[0]）")


def test_unknown_parent_and_cycle_in_a_flat_list(tmp_path):
    problems = problems_in(tmp_path, """\
        elements:
          - {code: I}
          - {code: a, parent: I, direction: +}
          - {code: b, parent: J, direction: +}
          - {code: x, parent: y}
          - {code: y, parent: x}
        """)
    assert [(p.kind, p.key) for p in problems] == [
        ("fw_unknown_parent", "elements[2]"), ("fw_cycle", "elements[3]")]
    assert problems[1].params["cycle"] == "x → y → x"


def test_bad_shapes(tmp_path):
    problems = problems_in(tmp_path, """\
        code: I
        groups: [{name: no code}]
        children:
          - just text
          - {code: a, direction: +, children: oops}
        """)
    assert [(p.kind, p.key) for p in problems] == [
        ("fw_bad_shape", "children[0]"), ("fw_bad_shape", "children[1].children"),
        ("fw_bad_shape", "groups[0]"), ("fw_empty_branch", "children[1]")]


def test_not_a_mapping_and_bad_yaml(tmp_path):
    (p,) = problems_in(tmp_path, "- a\n- b\n")
    assert (p.kind, p.params["found"]) == ("fw_bad_shape", "list")
    (p,) = problems_in(tmp_path, "code: [unclosed\n")
    assert p.kind == "fw_bad_yaml" and p.file == "fw.yaml"


def test_missing_file(tmp_path):
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(tmp_path / "nope.yaml")
    assert info.value.problems[0].kind == "file_not_found"


def test_unsupported_suffix(tmp_path):
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(tmp_path / "fw.json")
    assert info.value.problems[0].params == {"suffix": ".json"}


def test_messages_in_english(tmp_path):
    zh.set_lang("en")
    try:
        problems = problems_in(tmp_path, """\
            code: I
            children:
              - {code: a, direction: sideways}
            """)
        assert problems[0].message() == (
            "fw.yaml, key children[0].direction: the direction of 'a' must be one of '+', '-', "
            "'正向', '逆向', 'max', 'min', 1, -1; got 'sideways'")
    finally:
        zh.set_lang("zh")


def test_yaml_written_by_hand_with_safe_dump_reads_back(tmp_path, county):
    path = tmp_path / "dumped.yaml"
    path.write_text(yaml.safe_dump(framework_to_dict(county), allow_unicode=True), encoding="utf-8")
    assert zh.read_framework(path) == county


# -- category (约束性/预期性) and attainment rule (达标规则) ---------------------

RULES_YAML = """\
code: ECO
children:
  - code: E
    children:
      - {code: pm25, direction: -, target: 30, category: 约束性, rule: <=}
      - {code: good_days, direction: +, target: 90, category: expected, rule: >=}
      - code: red_line
        direction: +
        category: binding
        rule: yes
      - code: forest
        direction: +
        rule: >=   # a bare >= is read as the rule, not a folded block
"""


def test_category_and_rule_are_read_and_written_back(tmp_path):
    fw = zh.read_framework(write(tmp_path, RULES_YAML))
    found = [(i.code, i.category, i.rule) for i in fw.indicators]
    assert found == [("pm25", "binding", "<="), ("good_days", "expected", ">="),
                     ("red_line", "binding", "yes"), ("forest", "", ">=")]
    doc = framework_to_dict(fw)
    assert doc["children"][0]["children"][0] == {
        "code": "pm25", "direction": "-", "weight": 1, "target": 30, "category": "binding",
        "rule": "<="}
    assert "category" not in doc["children"][0]["children"][3]
    out = tmp_path / "out.yaml"
    zh.write_framework(fw, out)
    assert zh.read_framework(out) == fw
    assert "rule: '>='" in out.read_text(encoding="utf-8")


def test_bad_category_and_rule_with_their_key_paths(tmp_path):
    problems = problems_in(tmp_path, """\
        code: I
        children:
          - {code: a, direction: +, category: 重要}
          - {code: b, direction: +, rule: ==}
        """)
    assert [(p.kind, p.key) for p in problems] == [
        ("fw_bad_category", "children[0].category"), ("fw_bad_rule", "children[1].rule")]
