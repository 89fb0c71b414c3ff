"""A run over the province's release rebuilds from its export: ``zongheng build`` gives the page's numbers.

The run ranks 金华's counties among the 90 peers of the synthetic release; every unit's index score
in the CLI's output equals the library's evaluation of the run record (both databases).
"""

from __future__ import annotations

import pytest

from zongheng import display
from zongheng.platform.models import Run
from zongheng.platform.services import runs

from .run_world import rebuilt_scores
from .test_reference import released  # noqa: F401  (fixture)
from .test_run_inputs import demo, entered  # noqa: F401  (fixtures)
from .test_unit_page import run_id  # noqa: F401  (fixture)

pytestmark = [pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")]


def test_the_export_of_a_run_with_peers_rebuilds_its_scores(factory, run_id, tmp_path):  # noqa: F811
    with factory() as s:
        run = s.get(Run, run_id)
        ev = runs.evaluation_of(run)
        runs.export(run, tmp_path)
    last = str(ev.panel.periods[-1])
    cli = {unit: float(score) for (unit, year), score in rebuilt_scores(tmp_path).items() if year == last}
    library = {u: float(display.score(ev.scores[-1, i, -1])) for i, u in enumerate(ev.panel.units)}
    assert len(library) == 90
    assert cli == library
