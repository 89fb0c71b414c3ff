"""run_checks on SQLite and PostgreSQL: rules and outliers become flags; 说明; blocking_unexplained."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import select

from zongheng import frameworks
from zongheng.platform.db import transaction
from zongheng.platform.models import (
    AuditEvent,
    CheckFlag,
    Department,
    FrameworkIndicator,
    FrameworkVersion,
    Region,
    Submission,
    Value,
)
from zongheng.platform.services import org, submissions
from zongheng.platform.services.checks import blocking_unexplained, explain, run_checks
from zongheng.platform.services.checks.rules import parse_rules
from zongheng.platform.services.checks.run import flag_text
from zongheng.platform.services.frameworks import import_framework

COUNTIES = {"K1": "甲县", "K2": "乙县", "K3": "丙县", "K4": "丁县", "K5": "戊县", "K6": "己县"}
# 2024 values of X1 (亿元): 甲县 1000, the others around 100. A town's value is no county's peer.
X1_2024 = {"K1": 1000.0, "K2": 100.0, "K3": 120.0, "K4": 90.0, "K5": 110.0, "K6": 105.0}
K1_PAST = {"2020": 100.0, "2021": 110.0, "2022": 90.0, "2023": 105.0}
RULES = {"checks": [
    {"kind": "required", "indicators": "all", "severity": "blocking"},
    {"kind": "range", "indicators": ["X2"], "min": 0, "max": 100, "severity": "blocking"},
    {"kind": "yoy", "indicators": ["X1"], "band": 50},
    {"kind": "relation", "left": "X3", "op": "<=", "right": "X1", "severity": "warning"},
]}


def _world(factory) -> dict[str, int]:
    """Six counties and a town; 统计局 leads X1 and X2 in each county, 经信局 leads X3 in 甲县."""
    start = date(2000, 1, 1)
    ids = {}
    with transaction(factory) as s:
        org.add(s, Region, "P", "省", level="province", valid_from=start)
        org.add(s, Region, "C", "市", parent="P", level="city", valid_from=start)
        for code, name in COUNTIES.items():
            org.add(s, Region, code, name, parent="C", level="county", valid_from=start)
            org.add(s, Department, f"S{code}", f"{name}统计局", region_code=code, short_name="统计局",
                    valid_from=start)
        org.add(s, Region, "T1", "甲县一镇", parent="K1", level="town", valid_from=start)
        org.add(s, Department, "ST1", "一镇统计站", region_code="T1", short_name="统计局", valid_from=start)
        org.add(s, Department, "EK1", "甲县经信局", region_code="K1", short_name="经信局", valid_from=start)
        version = FrameworkVersion(key="mini", year=2024, name="小指标体系", content_sha256="0" * 64,
                                   source_text="code: M", indicators=[
                                       FrameworkIndicator(code="X1", name="工业产值", unit="亿元",
                                                          lead_department="统计局", position=0),
                                       FrameworkIndicator(code="X2", name="制造业占比", unit="%",
                                                          lead_department="统计局", position=1),
                                       FrameworkIndicator(code="X3", name="技改投资", unit="亿元",
                                                          lead_department="经信局", position=2)])
        s.add(version)
        s.flush()
        by_code = {i.code: i for i in version.indicators}

        def submission(dept: str, region: str, period: str, values: dict[str, float | None]) -> int:
            sub = Submission(version_id=version.id, department_code=dept, region_code=region, period=period,
                             due_date=date(2025, 3, 31),
                             values=[Value(indicator_id=by_code[c].id, value=v) for c, v in values.items()])
            s.add(sub)
            s.flush()
            return sub.id

        for period, x1 in K1_PAST.items():
            submission("SK1", "K1", period, {"X1": x1, "X2": 30.0})
        for code, x1 in X1_2024.items():
            ids[code] = submission(f"S{code}", code, "2024", {"X1": x1, "X2": None if code == "K1" else 30.0})
        ids["T1"] = submission("ST1", "T1", "2024", {"X1": 5.0, "X2": 30.0})
        ids["EK1"] = submission("EK1", "K1", "2024", {"X3": 2000.0})
    return ids


def _rules(*, relation: bool = True):
    checks = RULES["checks"] if relation else [c for c in RULES["checks"] if c["kind"] != "relation"]
    return parse_rules({"checks": checks}, {"X1", "X2", "X3"})


def _by_kind(flags):
    return {f.kind: f for f in flags}


def test_outliers_and_rules_become_flags_with_chinese_messages(factory):
    ids = _world(factory)
    with transaction(factory) as s:
        sub = s.get(Submission, ids["K1"])
        flags = _by_kind(run_checks(s, sub, on="save", rules=_rules()))
        # On save: no "required" (a draft may be incomplete); yoy, both outliers, and the relation
        # X3 ≤ X1 with 经信局's X3 (2000): either department may be wrong, so both see it.
        assert set(flags) == {"yoy", "peer", "history", "relation"}
        # Peers: the six counties, not the town (its 5 would move the median to 105).
        # Plain median of 90 100 105 110 120 1000 = 107.5; 1000/107.5 = 9.30 → 高 8.3 倍.
        # z on ln: median (ln105 + ln110)/2; MAD from the six |deviations| (computed below).
        logs = sorted(math.log(v) for v in X1_2024.values())
        med = (logs[2] + logs[3]) / 2
        devs = sorted(abs(x - med) for x in logs)
        z_peer = 0.6745 * (math.log(1000) - med) / ((devs[2] + devs[3]) / 2)
        assert flag_text(flags["peer"]) == (
            f"甲县「工业产值」本期为 1,000亿元，比同期其他县（市、区）中位数（107.5亿元）高 8.3 倍"
            f"（稳健 z = {z_peer:.1f}）。")
        # History: 100 110 90 105 → median 102.5; 1000/102.5 = 9.76 → 高 8.8 倍; z as in
        # test_checks_outliers (ln-median ln 102.4695, MAD 0.047655).
        centre = (math.log(100) + math.log(105)) / 2
        z_hist = 0.6745 * (math.log(1000) - centre) / ((abs(math.log(100) - centre)
                                                         + abs(math.log(110) - centre)) / 2)
        assert flag_text(flags["history"]) == (
            f"甲县「工业产值」本期为 1,000亿元，较本地区过去4年中位数（102.5亿元）高 8.8 倍"
            f"（稳健 z = {z_hist:.1f}）。")
        assert flag_text(flags["yoy"]) == (
            "甲县「工业产值」为 1,000亿元，较上期（2023：105亿元）增长 852.4%，超出 ±50% 的正常变动范围。")
        assert flag_text(flags["peer"], "en").startswith(
            "甲县 · 工业产值 is 1,000亿元: compared with the median of other counties")
        assert {f.severity for f in flags.values()} == {"warning", "blocking"}
        assert [f.kind for f in blocking_unexplained(s, sub)] == ["peer", "history"]
        # The 经信局 submission of the same county: X3 = 2000 > X1 = 1000 (another department's value).
        other = run_checks(s, s.get(Submission, ids["EK1"]), on="submit", rules=_rules())
        assert [(f.kind, flag_text(f)) for f in other] == [
            ("relation", "甲县「技改投资」（2,000）应 ≤「工业产值」（1,000），容差 0。")]
        assert flag_text(flags["relation"]) == flag_text(other[0])


def test_a_low_value_is_explained_in_per_cent(factory):
    ids = _world(factory)
    with transaction(factory) as s:
        sub = s.get(Submission, ids["K1"])
        value = next(v for v in sub.values if v.indicator.code == "X1")
        submissions.set_value(s, value, 37.0, user_id=None)
        flags = _by_kind(run_checks(s, sub, rules=_rules()))
        # 37 against 102.5: 1 − 37/102.5 = 0.639 → 低 64%.
        assert "较本地区过去4年中位数（102.5亿元）低 64%" in flag_text(flags["history"])
        # Against the peers 90 100 105 110 120 37 → median 102.5 as well: 低 64%.
        assert "比同期其他县（市、区）中位数（102.5亿元）低 64%" in flag_text(flags["peer"])


def test_flags_are_kept_explained_cleared_and_resolved_as_values_change(factory):
    ids = _world(factory)
    with transaction(factory) as s:
        sub = s.get(Submission, ids["K1"])
        first = _by_kind(run_checks(s, sub, rules=_rules(relation=False)))
        explain(s, first["peer"], "  新投产两家龙头企业，产值翻番属实。 ", user_id=None)
        assert first["peer"].explanation == "新投产两家龙头企业，产值翻番属实。"
        assert [f.kind for f in blocking_unexplained(s, sub)] == ["history"]
        with pytest.raises(ValueError):
            explain(s, first["history"], "   ", user_id=None)
        # Checked again with the same value: the same flags, the 说明 kept.
        again = _by_kind(run_checks(s, sub, rules=_rules(relation=False)))
        assert {k: f.id for k, f in again.items()} == {k: f.id for k, f in first.items()}
        assert again["peer"].explanation == "新投产两家龙头企业，产值翻番属实。"
        # A new value: the same flag, but its 说明 was for the old value.
        value = next(v for v in sub.values if v.indicator.code == "X1")
        submissions.set_value(s, value, 1001.0, user_id=None)
        changed = _by_kind(run_checks(s, sub, rules=_rules(relation=False)))
        assert changed["peer"].id == first["peer"].id and changed["peer"].explanation == ""
        # A value in line with the peers and the history: every flag resolved, kept for the record.
        submissions.set_value(s, value, 108.0, user_id=None)
        assert run_checks(s, sub, rules=_rules(relation=False)) == []
        stored = s.scalars(select(CheckFlag).where(CheckFlag.submission_id == sub.id)).all()
        assert len(stored) == 3 and all(f.resolved and f.resolved_at for f in stored)
        assert blocking_unexplained(s, sub) == []
        events = s.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(["checks.run", "check.explain"]))).all()
        assert [e.action for e in events].count("check.explain") == 1
        assert [e.action for e in events].count("checks.run") == 4


def test_submit_adds_the_required_check_and_the_range(factory):
    ids = _world(factory)
    with transaction(factory) as s:
        sub = s.get(Submission, ids["K1"])
        value = next(v for v in sub.values if v.indicator.code == "X1")
        submissions.set_value(s, value, 108.0, user_id=None)
        assert run_checks(s, sub, on="save", rules=_rules(relation=False)) == []
        flags = run_checks(s, sub, on="submit", rules=_rules(relation=False))
        assert [(f.kind, f.severity, flag_text(f)) for f in flags] == [
            ("required", "blocking", "甲县「制造业占比」未填报。")]
        assert blocking_unexplained(s, sub) == flags
        x2 = next(v for v in sub.values if v.indicator.code == "X2")
        submissions.set_value(s, x2, 100.5, user_id=None)
        flags = run_checks(s, sub, on="submit", rules=_rules(relation=False))
        assert [flag_text(f) for f in flags] == ["甲县「制造业占比」为 100.5%，高于上限 100%。"]
        # A save leaves a submit-only flag alone, and keeps judging the others.
        assert [f.kind for f in run_checks(s, sub, on="save", rules=_rules(relation=False))] == ["range"]
        submissions.set_value(s, x2, 100.0, user_id=None)          # the boundary passes
        assert run_checks(s, sub, on="submit", rules=_rules(relation=False)) == []


def test_the_bundled_tiangong_rules_run_on_an_imported_framework(factory):
    with transaction(factory) as s:
        org.add(s, Region, "330784", "永康市", level="county", valid_from=date(2000, 1, 1))
        version = import_framework(s, "tiangong", 2024, frameworks.path("tiangong"))
        leads = sorted({i.lead_department for i in version.indicators})
        owed = submissions.expected_submissions(s, version, "330784", "2024", date(2025, 3, 31),
                                                {lead: f"D{n}" for n, lead in enumerate(leads)})
        q01 = next(v for sub in owed for v in sub.values if v.indicator.code == "Q01")
        submissions.set_value(s, q01, 120.0, user_id=None)
        sub = next(sub for sub in owed if q01 in sub.values)
        flags = run_checks(s, sub, on="submit")         # the rules file rules/tiangong.yaml
        texts = [flag_text(f) for f in flags]
        assert "永康市「制造业增加值占GDP比重」为 120%，高于上限 100%。" in texts
        # Everything else of this department is missing: one required flag each.
        assert sum(f.kind == "required" for f in flags) == len(sub.values) - 1
        assert all(f.severity == "blocking" for f in flags)
