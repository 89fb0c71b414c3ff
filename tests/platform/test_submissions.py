"""Framework versions and expected submissions: import, 牵头单位, last period across versions."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

import pytest

from zongheng import frameworks
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, FrameworkVersion, State, Submission, ValueHistory
from zongheng.platform.services import submissions
from zongheng.platform.services.frameworks import import_framework

# 天工鼎's 42 indicators by 牵头单位, counted in tiangong.yaml: 经信局 18, 统计局 9, 发改局 4, 科技局 3,
# 商务局 3, 市场监管局 2, 自然资源和规划局 1, 税务局 1, 水利局 1.
TIANGONG_LEADS = {"经信局": 18, "统计局": 9, "发改局": 4, "科技局": 3, "商务局": 3, "市场监管局": 2,
                  "自然资源和规划局": 1, "税务局": 1, "水利局": 1}


def test_a_framework_file_becomes_a_version_with_its_lead_departments(factory):
    file = frameworks.path("tiangong")
    with transaction(factory) as s:
        version = import_framework(s, "tiangong", 2024, file)
        assert version.content_sha256 == hashlib.sha256(file.read_bytes()).hexdigest()
        assert version.source_text == file.read_text(encoding="utf-8")
        assert (version.name, version.frozen) == ("天工鼎综合指数", False)
        assert Counter(i.lead_department for i in version.indicators) == TIANGONG_LEADS
        assert [i.code for i in version.indicators[:3]] == ["Q01", "Q02", "Q03"]
        assert (version.indicators[0].unit, version.indicators[0].direction) == ("%", 1)
        with pytest.raises(ValueError, match="exists already"):
            import_framework(s, "tiangong", 2024, file)
        import_framework(s, "tiangong", 2025, file)         # next year's revision: a new version
        assert s.query(AuditEvent).filter_by(action="framework.import").count() == 2


def test_one_submission_per_lead_department(factory):
    with transaction(factory) as s:
        version = import_framework(s, "tiangong", 2024, frameworks.path("tiangong"))
        codes = {lead: f"D-{n}" for n, lead in enumerate(TIANGONG_LEADS)}
        owed = submissions.expected_submissions(s, version, "330784", "2024", date(2025, 3, 31), codes)
        assert sorted((sub.department_code, len(sub.values)) for sub in owed) == sorted(
            (codes[lead], n) for lead, n in TIANGONG_LEADS.items())
        assert {sub.state for sub in owed} == {State.DRAFT.value}
        with pytest.raises(ValueError, match="no department for 牵头单位 '水利局'"):
            submissions.expected_submissions(s, version, "330783", "2024", date(2025, 3, 31),
                                             {k: v for k, v in codes.items() if k != "水利局"})


def test_last_period_comes_from_the_earlier_period_whatever_its_version(factory):
    file = frameworks.path("tiangong")
    with transaction(factory) as s:
        v2023 = import_framework(s, "tiangong", 2023, file)
        v2024 = import_framework(s, "tiangong", 2024, file)
        codes = {lead: f"D-{n}" for n, lead in enumerate(TIANGONG_LEADS)}
        made = {}
        for version, period in ((v2023, "2022"), (v2023, "2023"), (v2024, "2024")):
            owed = submissions.expected_submissions(s, version, "330784", period, date(2025, 1, 1), codes)
            made |= {(period, sub.department_code): sub for sub in owed}
        water = codes["水利局"]
        for period, number in (("2022", 1.0), ("2023", 2.0)):
            submissions.set_value(s, made[(period, water)].values[0], number, user_id=None)
        # Another region's value for the same indicator and period is not "last period" here.
        other = submissions.expected_submissions(s, v2023, "330783", "2023", date(2024, 1, 1), codes)
        submissions.set_value(s, next(o for o in other if o.department_code == water).values[0], 99.0,
                              user_id=None)
        target = made[("2024", water)].id
    with factory() as s:
        sub, rows = submissions.value_rows(s, target)
        assert [(r.indicator.code, r.previous_period, r.previous) for r in rows] == [("E09", "2023", 2.0)]
        assert s.get(FrameworkVersion, sub.version_id).year == 2024


def test_set_value_keeps_history_and_skips_no_change(factory):
    with transaction(factory) as s:
        version = import_framework(s, "tiangong", 2024, frameworks.path("tiangong"))
        codes = {lead: f"D-{n}" for n, lead in enumerate(TIANGONG_LEADS)}
        sub = submissions.expected_submissions(s, version, "330784", "2024", date(2025, 3, 31), codes)[0]
        value = sub.values[0]
        submissions.set_value(s, value, 1.5, user_id=None)
        submissions.set_value(s, value, 1.5, user_id=None, reason="same number")
        submissions.set_value(s, value, None, user_id=None, reason="cleared")
        history = s.query(ValueHistory).order_by(ValueHistory.id).all()
        assert [(h.old, h.new, h.reason) for h in history] == [(None, 1.5, ""), (1.5, None, "cleared")]
        submissions.set_state(s, sub, State.RETURNED, user_id=None, reason="核对", due=date(2025, 4, 10))
        assert (s.get(Submission, sub.id).state, sub.return_reason, sub.return_due) == (
            "returned", "核对", date(2025, 4, 10))
        # Approval keeps the approved numbers, so a later change shows as "changed since approval".
        submissions.set_value(s, value, 2.0, user_id=None)
        submissions.set_state(s, sub, State.APPROVED, user_id=None)
        submissions.set_value(s, value, 2.5, user_id=None, reason="after approval")
        assert (value.value, value.approved_value) == (2.5, 2.0)
        assert all(v.approved_value is None for v in sub.values[1:])
