"""A run's inputs from entered values: the panel is the data as entered, and the library reproduces it.

The bundled 天工鼎 demo data (three 金华 counties, 2020–2024) are entered as approved submissions;
the panel :func:`gather` assembles must equal the dataset's own panel for those counties, and the
library's ``build`` must give the same scores on the gathered panel, on the dataset's panel and on
the exported files read back (both databases).
"""

from __future__ import annotations

import numpy as np
import pytest

import zongheng as zh
from zongheng.platform.db import transaction
from zongheng.platform.models import FrameworkVersion, State, Submission
from zongheng.platform.services.run_inputs import export_inputs, gather

from .county_world import COUNTIES, enter_counties


@pytest.fixture(scope="module")
def demo():
    return zh.datasets.load("tiangong_demo")


@pytest.fixture
def entered(factory, demo):
    """Every value of the three counties entered and approved, 2020–2024; return the version id."""
    return enter_counties(factory, demo.panel, "tiangong", 2024)


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
