"""One loader for every YAML file (zongheng.io.yaml_file): GBK, duplicate keys, alias bombs, locations.

Cases from the reliability audit (review 2026-12-reliability.md, findings 4, 6
and 7; inputs fw/bomb.yaml, fw/dupkeys.yaml, known/*_gbk.yaml) are rebuilt here as text.
"""

import pytest

import zongheng as zh
from zongheng.analysis.attainment import read_warning_rule
from zongheng.analysis.ranking import read_award_rule
from zongheng.analysis.uncertainty.spec import read_spec
from zongheng.analysis.whatif import read_scenario
from zongheng.enterprise.rule import read_rule
from zongheng.errors import DataError, FrameworkError, MethodError
from zongheng.io import yaml_file
from zongheng.io.yaml_file import parse_yaml, read_yaml
from zongheng.method import read_method

FRAMEWORK = """\
code: IDX
name: 综合指数
groups: [{code: city, name: 城市}]
children:
  - code: A
    name: 经济
    weight: 0.5
    children:
      - {code: A1, name: 产值, unit: 亿元, direction: +, weight: 1}
      - {code: A2, name: 能耗, unit: 吨, direction: -, weight: 1}
  - code: B
    name: 创新
    weight: 0.5
    children:
      - {code: B1, name: 研发, unit: "%", direction: +, weight: 1}
"""


def write_gbk(path, text):
    path.write_bytes(text.encode("gbk"))
    assert path.read_bytes() != text.encode("utf-8")  # really not UTF-8: the Chinese differs
    return path


# -- every kind of file reads GBK ----------------------------------------------------------------


def test_gbk_framework(tmp_path):
    fw = zh.read_framework(write_gbk(tmp_path / "指标体系.yaml", FRAMEWORK))
    assert fw.label("A") == "经济" and fw.node("A2").unit == "吨"


def test_gbk_method(tmp_path):
    method = read_method(write_gbk(tmp_path / "方法.yaml", "impute: mean  # 均值插补\n"))
    assert method.to_dict()["impute"] == "mean"


def test_gbk_award_rule(tmp_path):
    path = write_gbk(tmp_path / "奖励.yaml",
                     "name: 奖\nrules:\n  - {group: city, value: X, top: 1, name: 第一}\n")
    rule = read_award_rule(path)
    assert rule.name == "奖" and rule.rules[0].name == "第一"


def test_gbk_warning_rule(tmp_path):
    rule = read_warning_rule(write_gbk(tmp_path / "预警.yaml", "near: 0.1  # 预警规则\n"))
    assert rule.near == 0.1


def test_gbk_scenario(tmp_path):
    path = write_gbk(tmp_path / "情景.yaml", "changes:\n  - {单位: u1, 指标: A1, 新值: 30}\n")
    ((row, where),) = read_scenario(path)
    assert row == {"unit": "u1", "indicator": "A1", "value": 30}
    assert where == {"file": "情景.yaml", "key": "changes[0]"}


def test_gbk_uncertainty_spec(tmp_path):
    spec = read_spec(write_gbk(tmp_path / "不确定性.yaml", "# 不确定性\nweights: {spread: 0.2}\n"))
    assert [w.spread for w in spec.weights] == [0.2]


def test_gbk_grading_rule(tmp_path):
    path = write_gbk(tmp_path / "评价办法.yaml", "scoring: efficacy\nbranches:\n"
                     "  - {name: 规上, scale: 规上}\n  - {name: 规下, scale: 规下}\n")
    rule = read_rule(path)
    assert [b.name for b in rule.branches] == ["规上", "规下"]


def test_undecodable_file_raises_the_callers_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"name: \x81\x20\n")  # neither UTF-8 nor GB18030
    with pytest.raises(MethodError) as info:
        read_method(path)
    assert [(p.kind, p.file) for p in info.value.problems] == [("file_encoding", "bad.yaml")]
    with pytest.raises(FrameworkError):
        zh.read_framework(path)


def test_missing_file_raises_the_callers_error(tmp_path):
    with pytest.raises(DataError) as info:
        read_yaml(tmp_path / "nope.yaml", error=DataError)
    assert info.value.problems[0].kind == "file_not_found"


# -- duplicate keys ----------------------------------------------------------------------------


def test_duplicate_keys_name_the_key_path_and_both_lines(tmp_path):
    # fw/dupkeys.yaml of the audit: A's weight twice, A1's direction twice (+ then -), which
    # YAML alone reads as the last value: A1 would silently become lower-is-better.
    path = tmp_path / "dupkeys.yaml"
    path.write_text("code: IDX\nname: 综合指数\nchildren:\n  - code: A\n    name: 经济\n"
                    "    weight: 0.5\n    weight: 5\n    children:\n"
                    "      - {code: A1, name: 产值, direction: +, direction: -}\n"
                    "      - {code: A2, name: 能耗, direction: -}\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    problems = info.value.problems
    assert [(p.kind, p.row, p.key, p.params) for p in problems] == [
        ("yaml_duplicate_key", 7, "children[0].weight", {"name": "weight", "first": 6}),
        ("yaml_duplicate_key", 9, "children[0].children[0].direction", {"name": "direction", "first": 9}),
    ]
    assert problems[0].message("zh") == (
        "dupkeys.yaml, 第 7 行, 键 children[0].weight: 键 'weight' 在同一层写了两次（首次在第 6 行）；"
        "YAML 会用后写的值悄悄覆盖先写的，请只保留一个")
    assert problems[0].message("en") == (
        "dupkeys.yaml, row 7, key children[0].weight: the key 'weight' is written twice at the same "
        "level (first at line 6); YAML would silently keep the later value: keep only one")


def test_duplicate_keys_in_a_method_and_at_the_top(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("impute: mean\nnormalise: minmax\nimpute: none\n", encoding="utf-8")
    with pytest.raises(MethodError) as info:
        read_method(path)
    ((p),) = info.value.problems
    assert (p.kind, p.file, p.row, p.key) == ("yaml_duplicate_key", "m.yaml", 3, "impute")


def test_keys_equal_once_built_are_duplicates():
    # 1 and 0x1 are the same integer key; true and yes are not (YAML 1.1 reads yes as text here)
    with pytest.raises(MethodError) as info:
        parse_yaml("levels:\n  1: a\n  0x1: b\n")
    assert info.value.problems[0].key == "levels.0x1"


def test_merge_keys_may_be_overridden():
    doc = parse_yaml("base: &b {weight: 1, direction: +}\nitem:\n  <<: *b\n  weight: 2\n")
    assert doc["item"] == {"weight": 2, "direction": "+"}


# -- aliases -----------------------------------------------------------------------------------


def bomb(levels: int) -> str:
    """The audit's fw/bomb.yaml: each level's children are two aliases of the level below."""
    lines = ["code: IDX", "name: bomb", "meta:", '  l0: &l0 {code: L0, direction: "+"}']
    lines += [f"  l{i}: &l{i} {{code: N{i}, children: [*l{i - 1}, *l{i - 1}]}}" for i in range(1, levels + 1)]
    lines.append(f"children: [*l{levels}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_anything_expands_it(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(24), encoding="utf-8")  # 2^24 leaves if expanded; the file is 1.2 KB
    assert path.stat().st_size < 1300
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    ((p),) = info.value.problems
    assert p.kind == "yaml_alias_bomb"
    assert p.params == {"name": "l0", "line": 4, "uses": 49, "limit": "100,000"}
    assert "100,000" in p.message("zh") and "refused" in p.message("en")


def test_small_aliases_still_work():
    # 2^5 = 32 leaves: far below the limit
    doc = parse_yaml(bomb(5))
    assert doc["children"][0]["children"][1]["children"][0]["code"] == "N3"


def test_alias_limit_is_on_the_nodes_aliases_add(monkeypatch):
    # Level i of bomb(n) is a mapping (1 node), two keys, a code, a sequence and twice level
    # i-1: s_i = 5 + 2·s_(i-1), s_0 = 5 (mapping, 2 keys, 2 values). Copied out, the aliases add
    # s_0 + … + s_n (meta) + s_n (children) minus the anchored nodes written once (5 + 5n):
    # bomb(2): 5+15+35 + 35 − 15 = 75 nodes; bomb(3): 5+15+35+75 + 75 − 20 = 185 nodes.
    monkeypatch.setattr(yaml_file, "MAX_ALIAS_NODES", 100)
    parse_yaml(bomb(2))
    with pytest.raises(MethodError):
        parse_yaml(bomb(3))
    monkeypatch.setattr(yaml_file, "MAX_ALIAS_NODES", 185)
    parse_yaml(bomb(3))
    monkeypatch.setattr(yaml_file, "MAX_ALIAS_NODES", 184)
    with pytest.raises(MethodError):
        parse_yaml(bomb(3))


def test_recursive_alias_is_refused():
    with pytest.raises(MethodError) as info:
        parse_yaml("a: &x [1, *x]\n", file="r.yaml")
    ((p),) = info.value.problems
    assert (p.kind, p.file, p.params) == ("yaml_recursive_alias", "r.yaml", {"name": "x", "line": 1})


# -- syntax errors and depth ---------------------------------------------------------------------


def test_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("near: 0.1\nbasis: [trend\n", encoding="utf-8")
    with pytest.raises(MethodError) as info:
        read_warning_rule(path)
    ((p),) = info.value.problems
    assert (p.kind, p.file, p.row, p.column) == ("fw_bad_yaml", "bad.yaml", 3, "1")
    assert p.params["detail"] == "while parsing a flow sequence: did not find expected ',' or ']'"
    assert p.message("en").startswith("bad.yaml, row 3, column 1: cannot parse YAML: while parsing")


def test_grading_rule_keeps_its_own_message_key(tmp_path):
    path = tmp_path / "rule.yaml"
    path.write_text("scoring: [\n", encoding="utf-8")
    with pytest.raises(MethodError) as info:
        read_rule(path)
    assert info.value.problems[0].kind == "muyun_rule_bad_yaml"


def test_python_tags_are_refused_not_run():
    with pytest.raises(DataError) as info:
        parse_yaml("changes: !!python/object/apply:os.system ['echo hi']\n", error=DataError)
    assert info.value.problems[0].kind == "fw_bad_yaml"
    assert "python/object/apply" in info.value.problems[0].params["detail"]


def test_nesting_past_1000_levels_is_a_clear_error():
    # libyaml stops at 1000 levels; a framework that deep is written as a flat list (see
    # tests/io/test_deep_frameworks.py)
    text = "a:\n" + "".join("  " * (i + 1) + f"a{i}:\n" for i in range(1100)) + "  " * 1101 + "x: 1\n"
    with pytest.raises(FrameworkError) as info:
        parse_yaml(text, file="deep.yaml", error=FrameworkError)
    ((p),) = info.value.problems
    assert p.kind == "yaml_too_deep" and p.file == "deep.yaml"
    assert "elements:" in p.message("zh") and "elements:" in p.message("en")


def test_empty_file_is_none(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert read_yaml(path, error=MethodError) is None
