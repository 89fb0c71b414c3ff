from pathlib import Path

import pytest

import zongheng as zh

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared reference data (../shared/data), next to the checkout."""
    if not SHARED.exists():
        pytest.fail(f"shared reference data not found at {SHARED}")
    return SHARED


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
