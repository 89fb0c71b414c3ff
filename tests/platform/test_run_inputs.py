"""A run's inputs from entered values: the panel is the data as entered, and the library reproduces it.

The bundled 天工鼎 demo data (three 金华 counties, 2020–2024) are entered as approved submissions;
the panel :func:`gather` assembles must equal the dataset's own panel for those counties, and the
library's ``build`` must give the same scores on the gathered panel, on the dataset's panel and on
the exported files read back (both databases).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import zongheng as zh
from zongheng import frameworks
from zongheng.platform.db import transaction
from zongheng.platform.models import Department, FrameworkVersion, Region, State, Submission
from zongheng.platform.services import org
from zongheng.platform.services.frameworks import import_framework
from zongheng.platform.services.run_inputs import export_inputs, gather
from zongheng.platform.services.submissions import expected_submissions

COUNTIES = {"330702": "婺城区", "330782": "义乌市", "330784": "永康市"}
START = date(2000, 1, 1)


@pytest.fixture(scope="module")
def demo():
    return zh.datasets.load("tiangong_demo")


@pytest.fixture
def entered(factory, demo):
    """Every value of the three counties entered and approved, 2020–2024; return the version id."""
    panel = demo.panel
    column = {c: n for n, c in enumerate(panel.indicators)}
    with transaction(factory) as s:
        org.add(s, Region, "33", "浙江省", level="province", valid_from=START)
        org.add(s, Region, "3307", "金华市", parent="33", level="city", valid_from=START)
        version = import_framework(s, "tiangong", 2024, frameworks.path("tiangong"))
        leads = sorted({i.lead_department for i in version.indicators})
        for code, name in COUNTIES.items():
            org.add(s, Region, code, name, parent="3307", level="county", valid_from=START)
            depts = {}
            for n, lead in enumerate(leads):
                depts[lead] = f"{code}-{n}"
                org.add(s, Department, depts[lead], f"{name}{lead}", region_code=code, short_name=lead,
                        valid_from=START)
            unit = panel.units.index(name)
            for period in panel.periods:
                row = panel.values[panel.periods.index(period), unit]
                due = date(period + 1, 3, 31)
                for sub in expected_submissions(s, version, code, str(period), due, depts):
                    sub.state = State.APPROVED.value
                    for value in sub.values:
                        x = float(row[column[value.indicator.code]])
                        value.value = value.approved_value = None if np.isnan(x) else x
        return version.id


def _subset(demo):
    panel = demo.panel
    keep = [panel.units.index(n) for n in COUNTIES.values()]
    return panel.values[:, keep, :]


def test_the_gathered_panel_is_the_data_entered(factory, entered, demo):
    with factory() as s:
        inputs = gather(s, s.get(FrameworkVersion, entered), "2024")
    assert inputs.approved and inputs.unapproved_values == 0
    assert inputs.panel.periods == (2020, 2021, 2022, 2023, 2024)
    assert inputs.panel.units == tuple(COUNTIES.values())      # by region code
    assert inputs.panel.indicators == demo.panel.indicators
    np.testing.assert_array_equal(inputs.panel.values, _subset(demo))    # NaN where the data has none


def test_the_library_gives_the_same_scores_from_the_panel_and_from_the_export(factory, entered, demo,
                                                                            tmp_path):
    with factory() as s:
        inputs = gather(s, s.get(FrameworkVersion, entered), "2024")
    ours = zh.build(inputs.framework, inputs.panel, demo.method)
    theirs = zh.build(demo.framework, demo.panel.select_units(list(COUNTIES.values())), demo.method)
    framework_file, data_file = export_inputs(inputs.framework, inputs.panel, tmp_path / "run")
    framework = zh.read_framework(framework_file)
    again = zh.build(framework, zh.read_panel(data_file, framework), demo.method)
    np.testing.assert_array_equal(ours.scores, again.scores)
    assert ours.panel.units == again.panel.units and ours.panel.periods == again.panel.periods
    np.testing.assert_array_equal(ours.scores, theirs.scores)


def test_unapproved_values_are_left_out_or_marked(factory, entered, demo):
    with transaction(factory) as s:
        sub = s.query(Submission).filter_by(region_code="330784", period="2024").first()
        sub.state = State.SUBMITTED.value
        entered_values = [v for v in sub.values if v.value is not None]
        for v in sub.values:
            v.approved_value = None
        codes = {v.indicator.code for v in entered_values}
    with factory() as s:
        version = s.get(FrameworkVersion, entered)
        marked = gather(s, version, "2024")
        strict = gather(s, version, "2024", approved_only=True)
    assert not marked.approved and marked.unapproved_values == len(entered_values) > 0
    assert strict.approved and strict.unapproved_values == 0
    at = [strict.panel.indicators.index(c) for c in sorted(codes)]
    assert np.isnan(strict.panel.values[-1, 2, at]).all()
    np.testing.assert_array_equal(marked.panel.values, _subset(demo))
    assert marked.sha256 != strict.sha256


def test_the_hash_is_of_the_numbers(factory, entered):
    with factory() as s:
        first = gather(s, s.get(FrameworkVersion, entered), "2024").sha256
        assert gather(s, s.get(FrameworkVersion, entered), "2024").sha256 == first
        earlier = gather(s, s.get(FrameworkVersion, entered), "2023")
    assert earlier.panel.periods[-1] == 2023 and earlier.sha256 != first
    with transaction(factory) as s:
        value = s.query(Submission).filter_by(region_code="330702", period="2022").first().values[0]
        value.approved_value = (value.approved_value or 0) + 1
    with factory() as s:
        assert gather(s, s.get(FrameworkVersion, entered), "2024").sha256 != first
