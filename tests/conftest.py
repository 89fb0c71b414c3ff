import os
from pathlib import Path

import pytest
from hypothesis import settings

import zongheng as zh
from zongheng.testing import make_framework, make_panel

# Every file a test reads lives in the repository: tests/data/ (see its PROVENANCE.md) or the
# bundled datasets. tests/reference/test_self_contained.py keeps it that way.
DATA = Path(__file__).resolve().parent / "data"

# In CI (the CI environment variable set, as `.ci/run` does) Hypothesis draws the same examples
# on every run, so a rare counter-example cannot fail a run that changed nothing; locally it keeps
# exploring. Tests that set their own `settings(...)` inherit what they leave out from the profile.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def test_data() -> Path:
    """The test data folder, ``tests/data`` (reference outputs, published cases, county list)."""
    return DATA


@pytest.fixture(scope="session")
def asem_files() -> Path:
    """The bundled ASEM folder (COINr's ``iMeta.csv`` and ``iData.csv``, read as files)."""
    return zh.datasets.path("asem")


@pytest.fixture(autouse=True)
def _chinese_messages():
    """Every test starts and ends with zh messages (the CLI's --lang en sets it globally)."""
    zh.set_lang("zh")
    yield
    zh.set_lang("zh")


@pytest.fixture(scope="session")
def asem():
    return zh.datasets.load("asem")


@pytest.fixture(scope="session")
def asem_evaluation(asem):
    return zh.build(asem.framework, asem.panel, asem.method)


# -- the small worked example of tests/test_evaluation.py and tests/analysis/test_gap.py ----------


@pytest.fixture
def fw():
    """Index → D1 (w 3) {a, b (w 2, lower is better)}, D2 (w 1) {c}: effective weights .25 .5 .25.

    A test module that defines its own ``fw`` (or ``panel``) uses that one instead.
    """
    return make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]},
                          directions={"b": "-"}, weights={"D1": 3, "D2": 1, "b": 2})


@pytest.fixture
def panel(fw):
    """Four units 甲 乙 丙 丁 on ``fw`` (丙 and 丁 tie), in groups city = x x y y; one period."""
    values = [[0, 10, 0], [5, 5, 10], [10, 0, 5], [10, 0, 5]]
    return make_panel(fw, values, units=["甲", "乙", "丙", "丁"], groups={"city": list("xxyy")})
