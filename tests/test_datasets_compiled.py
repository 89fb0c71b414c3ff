"""Compiled bundled datasets: the same framework and panel as a fresh parse, never stale."""

import shutil

import numpy as np
import pytest

import zongheng as zh
from zongheng.datasets.compiled import load_compiled


@pytest.mark.parametrize("name", zh.datasets.available())
def test_the_compiled_form_is_current_and_equals_a_fresh_parse(name):
    folder = zh.datasets.path(name)
    assert load_compiled(folder, zh.datasets.manifest(name)) is not None, (
        f"{name}: compiled.json is stale; run `python -m zongheng.datasets.compiled`")
    fast, parsed = zh.datasets.load(name), zh.datasets.load(name, compiled=False)
    assert fast.framework == parsed.framework
    a, b = fast.panel, parsed.panel
    assert (a.units, a.periods, a.indicators, a.names_) == (b.units, b.periods, b.indicators, b.names_)
    assert [type(p) for p in a.periods] == [type(p) for p in b.periods]
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.denominators, b.denominators)
    assert a.denominator_codes == b.denominator_codes and a.source == b.source
    assert list(a.groups_) == list(b.groups_)
    for column in a.groups_:
        assert a.group(column).tolist() == b.group(column).tolist()
    assert dict(a.meta) == dict(b.meta)
    np.testing.assert_array_equal(zh.build(fast.framework, a, fast.method).scores,
                                  zh.build(parsed.framework, b, parsed.method).scores)


def test_a_changed_source_is_read_again(tmp_path):
    folder = tmp_path / "asem"
    shutil.copytree(zh.datasets.path("asem"), folder)
    spec = zh.datasets.manifest("asem")
    assert load_compiled(folder, spec) is not None
    data = folder / spec["data"]
    data.write_text(data.read_text(encoding="utf-8").replace("CHE", "CH1", 1), encoding="utf-8")
    assert load_compiled(folder, spec) is None
