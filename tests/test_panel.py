"""Panel: read-only values shaped (period, unit, indicator), unit attributes, denominators."""

import numpy as np
import pandas as pd
import pytest

from zongheng.panel import Panel

NAN = np.nan
VALUES = np.array([
    [[1.0, 2.0], [3.0, NAN], [5.0, 6.0]],       # 2023
    [[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]],    # 2024
])


@pytest.fixture
def panel():
    attrs = pd.DataFrame({"name": ["上城区", None, "海宁市"], "city": ["杭州", "杭州", "嘉兴"]},
                         index=["C", "A", "B"])  # another order than the units: reindexed
    attrs = attrs.loc[["B", "A", "C"]]
    dens = np.arange(6, dtype=float).reshape(2, 3, 1)
    return Panel(VALUES, ("C", "A", "B"), (2023, 2024), ("x", "y"), attrs, dens, ("GDP",),
                 source="数据.xlsx")


def test_shape_and_axes(panel):
    assert panel.shape == (2, 3, 2)
    assert panel.units == ("C", "A", "B") and panel.periods == (2023, 2024)
    assert panel.indicators == ("x", "y") and panel.denominator_codes == ("GDP",)
    assert panel.source == "数据.xlsx"


def test_values_and_denominators_are_read_only():
    p = Panel(VALUES.astype(np.float32), ["a", "b", "c"], [1, 2], ["x", "y"])
    with pytest.raises(ValueError):
        p.values[0, 0, 0] = 5.0
    with pytest.raises(ValueError):
        p.denominators[...] = 1.0
    assert p.values.dtype == np.float64 and p.denominators.shape == (2, 3, 0)


def test_the_callers_array_stays_writable_and_apart():
    values = VALUES.copy()
    p = Panel(values, ["a", "b", "c"], [1, 2], ["x", "y"])
    values[0, 0, 0] = 99.0
    assert p.values[0, 0, 0] == 1.0


def test_attributes_follow_the_units_and_names_fall_back_to_codes(panel):
    assert panel.attributes.index.tolist() == ["C", "A", "B"]
    assert panel.attributes.index.name == "unit"
    assert panel.names() == ["上城区", "A", "海宁市"]
    assert panel.groups == ("city",)
    assert panel.group("city").tolist() == ["杭州", "杭州", "嘉兴"]


def test_default_attributes_are_the_unit_codes():
    p = Panel(VALUES, [101, 102, 103], [2023, 2024], ["x", "y"])
    assert p.units == ("101", "102", "103")
    assert p.names() == ["101", "102", "103"] and p.groups == ()


def test_wrong_shapes_are_refused():
    with pytest.raises(ValueError, match=r"\(period, unit, indicator\) = \(2, 2, 2\)"):
        Panel(VALUES, ["a", "b"], [1, 2], ["x", "y"])
    with pytest.raises(ValueError, match="denominators"):
        Panel(VALUES, ["a", "b", "c"], [1, 2], ["x", "y"], denominators=np.zeros((2, 3, 2)),
              denominator_codes=("GDP",))


def test_period_index_accepts_text(panel):
    assert panel.period_index(2024) == 1 and panel.period_index("2023") == 0
    with pytest.raises(KeyError):
        panel.period_index(2025)


def test_to_frame_is_long_and_complete(panel):
    frame = panel.to_frame()
    assert frame.columns.tolist() == ["unit", "period", "indicator", "value"]
    assert len(frame) == 12
    assert frame.iloc[:4].to_dict("list") == {
        "unit": ["C", "C", "A", "A"], "period": [2023] * 4, "indicator": ["x", "y", "x", "y"],
        "value": [1.0, 2.0, 3.0, pytest.approx(NAN, nan_ok=True)]}
    row = frame[(frame.unit == "B") & (frame.period == 2024) & (frame.indicator == "y")]
    assert row.value.tolist() == [12.0]


def test_select_units_keeps_everything_in_the_new_order(panel):
    sub = panel.select_units(["B", "C"])
    assert sub.units == ("B", "C") and sub.periods == panel.periods
    np.testing.assert_array_equal(sub.values, VALUES[:, [2, 0], :])
    np.testing.assert_array_equal(sub.denominators[..., 0], [[2.0, 0.0], [5.0, 3.0]])
    assert sub.names() == ["海宁市", "上城区"] and sub.group("city").tolist() == ["嘉兴", "杭州"]
    assert sub.source == "数据.xlsx"


def test_infinite_values_are_named_plainly():
    from zongheng.errors import DataError

    values = np.array([[[1.0, -np.inf], [1e300, 2.0]]])
    with pytest.raises(DataError) as caught:
        Panel(values, ["u", "v"], [2023], ["a", "b"])
    message = str(caught.value)
    assert "u/2023/b=-inf" in message and "v/2023/a=1e+300" in message
    assert "np.float64" not in message
