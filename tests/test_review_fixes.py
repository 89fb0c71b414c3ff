"""Regressions for defects found in review (each names what went wrong before)."""

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.framework import Attribute, framework_from_records
from zongheng.testing import make_framework, make_panel


@pytest.fixture
def fw():
    return make_framework({"I": ["a", "b"]})


@pytest.fixture
def fwg():
    records = [{"code": "I"}, {"code": "a", "parent": "I", "direction": "+"},
               {"code": "b", "parent": "I", "direction": "+"}]
    return framework_from_records(records, [{}] * 3, groups=[Attribute("city")])


def test_text_periods_sort_in_time_order(tmp_path, fw):
    path = tmp_path / "q.csv"
    path.write_text("代码,年份,a,b\n" + "".join(
        f"U{u},2024年{q}季度,{i + 1},{u}\n" for u in (1, 2) for i, q in enumerate("三一四二")),
        encoding="utf-8")
    panel = zh.read_panel(path, fw)
    assert panel.periods == ("2024年一季度", "2024年二季度", "2024年三季度", "2024年四季度")
    assert panel.values[:, 0, 0].tolist() == [2.0, 4.0, 1.0, 3.0]


def test_blank_group_cell_is_no_group(tmp_path, fwg):
    path = tmp_path / "g.csv"
    path.write_text("代码,city,a,b\nU1,金华,1,2\nU2,金华,3,4\nU3,,5,6\nU4,,9,1\n", encoding="utf-8")
    panel = zh.read_panel(path, fwg)
    assert pd.isna(panel.group("city")[2])
    ranking = zh.build(fwg, panel).ranking(group="city")
    assert ranking.set_index("unit").loc[["U3", "U4"], "rank_in_city"].isna().all()


def test_long_layout_reads_declared_groups(tmp_path, fwg):
    path = tmp_path / "l.csv"
    path.write_text("unit,year,city,indicator,value\nU1,2024,金华,a,1\nU1,2024,金华,b,2\n"
                    "U2,2024,杭州,a,3\nU2,2024,杭州,b,4\n", encoding="utf-8")
    panel = zh.read_panel(path, fwg)
    assert panel.groups == ("city",) and list(panel.group("city")) == ["金华", "杭州"]


def test_no_imputation_spares_screened_units(fw):
    panel = make_panel(fw, [[1.0, 2], [3, 4], [5, np.nan]])
    ev = zh.build(fw, panel, zh.Method(screen={"method": "units", "exclude": ["U2"]}))
    assert ev.screened["unit"].tolist() == ["U2"] and np.isnan(ev.ranks[0, 2, -1])


def test_infinite_cells_are_not_numbers(tmp_path, fw):
    path = tmp_path / "inf.csv"
    path.write_text("unit,a,b\nU1,1,2\nU2,inf,1\nU3,1e999,1\n", encoding="utf-8")
    with pytest.raises(zh.DataError) as err:
        zh.read_panel(path, fw)
    assert len(err.value.problems) == 2


def test_int_unit_codes_keep_their_attributes():
    attrs = pd.DataFrame({"name": ["甲", "乙"], "city": ["金华", "杭州"]}, index=[330701, 330702])
    panel = zh.Panel(np.ones((1, 2, 2)), [330701, 330702], [2024], ["a", "b"], attrs)
    assert panel.names() == ["甲", "乙"] and list(panel.group("city")) == ["金华", "杭州"]


def test_read_only_view_is_copied():
    base = np.arange(6.0).reshape(1, 3, 2)
    view = base.view()
    view.setflags(write=False)
    panel = zh.Panel(view, ["x", "y", "z"], [2024], ["a", "b"])
    base[0, 0] = 99
    assert panel.values[0, 0].tolist() == [0.0, 1.0]


def test_replay_does_not_bring_back_a_removed_value(fw):
    panel = make_panel(fw, np.arange(12.0).reshape(2, 3, 2) + 1)
    ev = zh.build(fw, panel, zh.Method(impute="carry_forward"))
    values = panel.values.copy()
    values[0, 1, 0] = np.nan
    assert np.isnan(ev.replay(values)[0, 1, 0])


def test_missing_group_label_of_any_kind(fwg):
    frame = pd.DataFrame({"unit": ["U1", "U2", "U3"],
                          "city": pd.array(["金华", None, "杭州"], dtype="string"),
                          "a": [1.0, 2, 3], "b": [3.0, 1, 2]})
    ev = zh.build(fwg, zh.read_panel(frame, fwg))
    assert ev.ranking(group="city").set_index("unit").loc["U2", "rank_in_city"] is pd.NA


def test_winsorise_log_with_base_scope_refuses_values_below_the_base(fw):
    base = np.array([1.0] * 14 + [1000, 1000])
    later = base.copy()
    later[0] = -50
    panel = make_panel(fw, np.stack([np.c_[base, np.arange(16.0)], np.c_[later, np.arange(16.0)]]))
    with pytest.raises(zh.MethodError, match="a"):
        zh.build(fw, panel, zh.Method(treat={"method": "winsorise", "max_points": 0},
                                      scope="base:2020"))


def test_screened_reference_unit_is_a_clear_error(fw):
    panel = make_panel(fw, [[1.0, 2], [2, 4], [2, 4]], units=["U1", "U2", "AVG"])
    with pytest.raises(zh.MethodError, match="AVG"):
        zh.build(fw, panel, zh.Method(normalise={"method": "reference_unit", "unit": "AVG"},
                                      screen={"method": "units", "exclude": ["AVG"]}))


def test_coinr_other_rows_are_skipped(tmp_path):
    path = tmp_path / "imeta.csv"
    path.write_text("Level,iCode,Parent,Direction,Weight,Type\n1,a,I,1,1,Indicator\n"
                    "1,b,I,-1,1,Indicator\n2,I,,1,1,Aggregate\n,Extra,,,,Other\n", encoding="utf-8")
    assert zh.read_framework(path).indicator_codes == ("a", "b")


def test_misspelled_aggregation_level_is_a_method_error():
    with pytest.raises(zh.MethodError, match="level2"):
        zh.Method.from_dict({"aggregate": {"level2": "geometric"}})


def test_yaml_saved_as_gbk_reads(tmp_path):
    path = tmp_path / "fw.yaml"
    path.write_bytes("code: I\nname: 综合指数\nchildren:\n  - {code: a, name: 人均GDP, direction: +}\n"
                     "  - {code: b, name: 能耗, direction: '-'}\n".encode("gbk"))
    assert zh.read_framework(path).label("a") == "人均GDP"
    method = tmp_path / "m.yaml"
    method.write_bytes("# 方法\nnormalise: zscore\n".encode("gbk"))
    assert zh.read_method(method).normalise.key == "zscore"


def test_json_output_has_no_infinity():
    import json

    from zongheng.cli.common import _plain

    assert json.dumps(_plain({"needed": float("-inf"), "x": [float("nan"), 1.0]})) == \
        '{"needed": null, "x": [null, 1.0]}'


def test_unwritable_output_is_a_plain_error(tmp_path):
    import subprocess
    import sys

    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "zongheng.cli", "build", "--dataset", "asem",
                           "--top", "1", "-o", str(blocker / "out.csv")], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_template_accepts_a_bundled_framework_name(tmp_path):
    from typer.testing import CliRunner

    from zongheng.cli import app

    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(app, ["template", "tiangong", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
