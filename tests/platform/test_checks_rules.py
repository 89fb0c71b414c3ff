"""Declarative check rules (校验规则): each kind passes and fails at its boundary and tolerance."""

from __future__ import annotations

import pytest

from zongheng import frameworks
from zongheng.errors import FrameworkError
from zongheng.i18n import text
from zongheng.io import read_framework
from zongheng.platform.models import CheckKind, Severity
from zongheng.platform.services.checks.rules import Context, evaluate, load_rules, parse_rules

CODES = {"A", "B", "C", "T", "P"}
YOY = {"kind": "yoy", "indicators": ["A"], "band": 50}
LAST = {"A": ("2023", 100.0)}
NAMES = {"A": "指标甲", "B": "指标乙", "C": "指标丙", "T": "合计", "P": "占比"}


def run(rule: dict, values: dict, *, own=CODES, previous=None):
    rules = parse_rules({"checks": [rule]}, CODES)
    ctx = Context("甲县", values, frozenset(own), previous or {}, NAMES, {"P": "%", "A": "亿元"})
    return evaluate(rules, ctx)


def texts(findings):
    return [text(f.message_key, "zh", **f.params) for f in findings]


def test_required_names_the_missing_indicator_and_region():
    found = run({"kind": "required", "indicators": "all", "severity": "blocking"},
                {"A": 1.0, "B": None, "C": 0.0, "T": 2.0, "P": 3.0})
    assert [(f.indicator, f.kind, f.severity) for f in found] == [
        ("B", CheckKind.REQUIRED, Severity.BLOCKING)]
    assert texts(found) == ["甲县「指标乙」未填报。"]
    assert run({"kind": "required", "indicators": ["A"]}, {"A": 0.0}) == []          # zero is a value
    # Only this submission's indicators: B belongs to another department's submission.
    assert run({"kind": "required"}, {"A": 1.0, "B": None}, own={"A"}) == []


@pytest.mark.parametrize(("value", "flagged"), [(0.0, False), (100.0, False), (-0.01, True), (100.01, True),
                                                (55.5, False)])
def test_range_boundaries_pass(value, flagged):
    found = run({"kind": "range", "indicators": ["P"], "min": 0, "max": 100, "severity": "blocking"},
                {"P": value})
    assert bool(found) is flagged


def test_range_messages_and_tolerance():
    high = run({"kind": "range", "indicators": ["P"], "min": 0, "max": 100}, {"P": 120.0})
    assert texts(high) == ["甲县「占比」为 120%，高于上限 100%。"]
    assert high[0].severity is Severity.WARNING                     # the default severity
    low = run({"kind": "range", "indicators": ["A"], "min": 0}, {"A": -3.5})
    assert texts(low) == ["甲县「指标甲」为 -3.5亿元，低于下限 0亿元。"]
    assert run({"kind": "range", "indicators": ["P"], "max": 100, "tolerance": 0.5}, {"P": 100.5}) == []
    assert run({"kind": "range", "indicators": ["P"], "max": 100, "tolerance": 0.5}, {"P": 100.51}) != []
    assert run({"kind": "range", "indicators": ["P"], "max": 100}, {"P": None}) == []  # missing: not judged


@pytest.mark.parametrize(("value", "flagged"), [(150.0, False), (50.0, False), (150.1, True), (49.9, True)])
def test_yoy_band_boundaries(value, flagged):
    # Last period 100; band ±50 %: 50 and 150 pass, just outside fails.
    found = run(YOY, {"A": value}, previous=LAST)
    assert bool(found) is flagged


def test_yoy_message_tolerance_and_no_base():
    found = run(YOY, {"A": 37.0}, previous=LAST)
    assert texts(found) == ["甲县「指标甲」为 37亿元，较上期（2023：100亿元）下降 63.0%，"
                            "超出 ±50% 的正常变动范围。"]
    up = run(YOY, {"A": 250.0}, previous=LAST)
    assert up[0].message_key == "pf_ck_yoy_up" and up[0].params["pct"] == "150.0"
    assert run({"kind": "yoy", "indicators": ["A"], "band": 50, "tolerance": 1}, {"A": 151.0},
               previous=LAST) == []
    # No last value, or a last value of 0: a change in per cent means nothing.
    assert run(YOY, {"A": 5.0}) == []
    assert run(YOY, {"A": 5.0}, previous={"A": ("2023", 0.0)}) == []
    # A negative base: the change is measured against its size (−10 → 10 is +200 %).
    neg = run(YOY, {"A": 10.0}, previous={"A": ("2023", -10.0)})
    assert neg[0].params["pct"] == "200.0"


@pytest.mark.parametrize(("op", "a", "b", "flagged"), [
    ("<=", 5.0, 5.0, False), ("<=", 5.01, 5.0, True), ("<", 5.0, 5.0, True), ("<", 4.99, 5.0, False),
    (">=", 5.0, 5.0, False), (">=", 4.99, 5.0, True), (">", 5.0, 5.0, True), ("==", 5.0, 5.0, False),
    ("==", 5.01, 5.0, True), ("≤", 6.0, 5.0, True),
])
def test_relation_operators_at_the_boundary(op, a, b, flagged):
    assert bool(run({"kind": "relation", "left": "A", "op": op, "right": "B"}, {"A": a, "B": b})) is flagged


def test_relation_tolerance_message_and_cross_department_values():
    rule = {"kind": "relation", "left": "A", "op": "<=", "right": "B", "tolerance": 0.5,
            "severity": "blocking"}
    assert run(rule, {"A": 10.5, "B": 10.0}) == []
    found = run(rule, {"A": 10.6, "B": 10.0})
    assert texts(found) == ["甲县「指标甲」（10.6）应 ≤「指标乙」（10），容差 0.5。"]
    # B is another department's: the flag goes on this submission's A, judged with B's value.
    assert [f.indicator for f in run(rule, {"A": 10.6, "B": 10.0}, own={"A"})] == ["A"]
    assert [f.indicator for f in run(rule, {"A": 10.6, "B": 10.0}, own={"B"})] == ["B"]
    assert run(rule, {"A": 10.6, "B": 10.0}, own={"C"}) == []
    assert run(rule, {"A": 10.6, "B": None}) == []


def test_sum_of_children_against_a_total_within_tolerance():
    rule = {"kind": "sum", "parts": ["A", "B", "C"], "total": "T", "tolerance": 0.1}
    assert run(rule, {"A": 1.0, "B": 2.0, "C": 3.0, "T": 6.1}) == []           # off by 0.1: within
    found = run(rule, {"A": 1.0, "B": 2.0, "C": 3.0, "T": 6.2})
    assert [f.indicator for f in found] == ["T"]
    assert texts(found) == ["甲县「指标甲」+「指标乙」+「指标丙」之和为 6，应 = 合计（6.2），"
                            "相差 0.2，容差 0.1。"]
    assert run(rule, {"A": 1.0, "B": None, "C": 3.0, "T": 6.2}) == []          # a part missing


def test_sum_against_a_constant_with_an_operator():
    rule = {"kind": "sum", "parts": ["A", "B"], "total": 100, "op": "<="}
    assert run(rule, {"A": 60.0, "B": 40.0}) == []
    found = run(rule, {"A": 60.0, "B": 40.5}, own={"B"})
    assert [f.indicator for f in found] == ["B"]
    assert found[0].params["total"] == "100" and found[0].params["diff"] == "0.5"


def test_every_problem_of_a_rules_file_is_named_with_its_key():
    doc = {"checks": [
        {"kind": "ratio"},
        {"kind": "range", "indicators": ["A", "Z9"], "min": 5, "max": 1},
        {"kind": "yoy", "indicators": ["A"], "band": -5, "severity": "fatal"},
        {"kind": "relation", "left": "A", "op": "=<", "right": "B"},
        {"kind": "sum", "parts": [], "total": "T", "tolerance": -1},
    ], "outliers": {"threshold": "high", "min_history": 2.5}}
    with pytest.raises(FrameworkError) as caught:
        parse_rules(doc, CODES, file="mini.yaml")
    keys = sorted(p.key for p in caught.value.problems)
    assert keys == sorted(["checks[0].kind", "checks[1].indicators", "checks[1].max", "checks[2].severity",
                           "checks[3].op", "checks[4].tolerance", "checks[4].parts", "outliers.threshold",
                           "outliers.min_history"])
    assert all(p.file == "mini.yaml" for p in caught.value.problems)


def test_outlier_settings_default_and_switch_off():
    assert parse_rules({}).outliers.threshold == 3.5
    assert parse_rules({"outliers": False}).outliers.enabled is False
    warn = parse_rules({"outliers": {"threshold": 5, "severity": "warning"}})
    assert warn.outliers.severity is Severity.WARNING


@pytest.mark.parametrize("key", ["tiangong", "eco"])
def test_the_bundled_rules_files_name_only_codes_of_their_framework(key):
    codes = {i.code for i in read_framework(frameworks.path(key)).indicators}
    rules = load_rules(key, codes)
    assert rules.rules[0].kind is CheckKind.REQUIRED and rules.rules[0].all_indicators
    assert rules.outliers.threshold == 3.5 and rules.outliers.severity is Severity.BLOCKING


def test_the_framework_reader_refuses_a_checks_key_so_rules_live_beside_the_platform(tmp_path):
    # Why the rules are a platform-side file: the library's reader refuses unknown top-level keys.
    file = tmp_path / "f.yaml"
    file.write_text("code: I\nname: 指数\nchecks: []\nchildren:\n  - {code: A, name: 甲}\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match="checks"):
        read_framework(file)


def test_a_rules_file_is_read_again_when_it_changes_and_a_bad_one_is_named(tmp_path):
    import os

    file = tmp_path / "mini.yaml"
    file.write_text("checks:\n  - {kind: range, indicators: [A], max: 100}\n", encoding="utf-8")
    assert load_rules("mini", CODES, folder=tmp_path).rules[0].max == 100
    file.write_text("checks:\n  - {kind: range, indicators: [A], max: 50}\n", encoding="utf-8")
    os.utime(file, ns=(1, 10**18))              # a new modification time, whatever the clock
    assert load_rules("mini", CODES, folder=tmp_path).rules[0].max == 50
    file.write_text("checks:\n  - {kind: range, indicators: [Z], max: 50}\n", encoding="utf-8")
    os.utime(file, ns=(1, 2 * 10**18 // 2 + 1))
    with pytest.raises(FrameworkError) as caught:
        load_rules("mini", CODES, folder=tmp_path)
    (problem,) = caught.value.problems
    assert (problem.kind, problem.file, problem.key, problem.params) == (
        "ck_rule_code", "mini.yaml", "checks[0].indicators", {"code": "Z"})
    assert load_rules("other", CODES, folder=tmp_path).rules == ()
