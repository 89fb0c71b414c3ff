"""Build and Evaluation: aggregation, weights, ranks, tables, rebuild."""

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

import zongheng as zh
from zongheng.io.results import write_evaluation
from zongheng.method import Method
from zongheng.testing import make_panel

NAN = np.nan


# The fixtures fw (Index → D1 (w 3) {a, b (w 2, lower is better)}, D2 (w 1) {c}) and panel
# (units 甲 乙 丙 丁, values [[0, 10, 0], [5, 5, 10], [10, 0, 5], [10, 0, 5]]) are in tests/conftest.py.


def test_scores_levels_and_effective_weights_by_hand(fw, panel):
    ev = zh.build(fw, panel)
    # normalised: a = [0, 50, 100, 100], b reversed = [0, 50, 100, 100], c = [0, 100, 50, 50]
    d1 = np.array([0, 50, 100, 100.0])  # (a + 2b) / 3
    d2 = np.array([0, 100, 50, 50.0])
    col = {c: i for i, c in enumerate(ev.node_codes)}
    np.testing.assert_allclose(ev.scores[0, :, col["D1"]], d1)
    np.testing.assert_allclose(ev.scores[0, :, col["I"]], (3 * d1 + d2) / 4)
    assert ev.effective_weights.to_dict() == pytest.approx({"a": 0.25, "b": 0.5, "c": 0.25})
    assert ev.node_codes == ("a", "b", "c", "D1", "D2", "I")
    assert [fw.levels[c] for c in ev.node_codes] == [1, 1, 1, 2, 2, 3]


def test_competition_ranks_overall_and_within_groups(fw, panel):
    ev = zh.build(fw, panel)
    index = ev.node_codes.index("I")
    assert ev.ranks[0, :, index].tolist() == [4, 3, 1, 1]  # 丙 and 丁 tie for first
    assert ev.group_ranks("city")[0, :, index].tolist() == [2, 1, 1, 1]
    table = ev.ranking(group="city")
    assert table.columns.tolist()[:5] == ["rank", "rank_in_city", "unit", "city", "name"]
    assert table["unit"].tolist() == ["丁", "丙", "乙", "甲"]
    assert table["rank"].tolist() == [1, 1, 3, 4]


def test_missing_child_is_left_out_and_weights_rescaled(fw):
    panel = make_panel(fw, [[0, 10, 0], [10, NAN, 10]])
    # impute "none" refuses missing values, so build with a NaN through the default method
    with pytest.raises(zh.MethodError):
        zh.build(fw, panel)


def test_aggregation_skips_missing_children():
    from zongheng.steps.aggregate import Arithmetic

    values = np.array([[[1.0, NAN, 3.0]]])
    weights = np.array([[1.0], [1.0], [2.0]])
    np.testing.assert_allclose(Arithmetic().combine(values, weights), [[[7 / 3]]])
    assert np.isnan(Arithmetic().combine(np.full((1, 1, 3), NAN), weights)).all()


def test_to_frame_is_tidy_with_group_ranks(fw, panel):
    frame = zh.build(fw, panel).to_frame()
    assert frame.columns.tolist() == ["unit", "period", "node", "level", "score", "rank",
                                      "rank_in_city"]
    assert len(frame) == 4 * 6
    row = frame[(frame.unit == "乙") & (frame.node == "c")].iloc[0]
    assert (row.level, row.score, row["rank"]) == (1, 100.0, 1)


def test_rebuild_reuses_the_stages_before_the_change(fw, panel):
    ev = zh.build(fw, panel, Method(impute="mean", treat="winsorise"))
    ev2 = ev.rebuild(normalise={"method": "minmax", "high": 1})
    for before, after in zip(ev.trace[:4], ev2.trace[:4], strict=True):
        assert before is after  # denominate, impute, screen, treat reused
    fresh = zh.build(fw, panel, ev2.method)
    np.testing.assert_array_equal(ev2.scores, fresh.scores)
    np.testing.assert_allclose(ev2.scores, ev.scores / 100)
    same = ev.rebuild()
    assert all(a is b for a, b in zip(ev.trace, same.trace, strict=True))


def test_stage_arrays_are_read_only(fw, panel):
    ev = zh.build(fw, panel)
    for name in ("raw", "imputed", "normalised", "aggregated"):
        with pytest.raises(ValueError):
            ev.stage(name)[0, 0, 0] = 1.0


def test_writers_csv_xlsx_json(tmp_path, fw, panel):
    ev = zh.build(fw, panel)
    # Headers in the language asked for (review 2026-12 reports finding 14); English available.
    csv = pd.read_csv(write_evaluation(ev, tmp_path / "r.csv", lang="en"))
    assert csv.columns.tolist()[:2] == ["unit", "name"] or csv.columns[0] == "name"
    assert {"period", "node", "node name", "level", "score", "rank"} <= set(csv.columns)
    assert len(csv) == 24
    zh_csv = pd.read_csv(write_evaluation(ev, tmp_path / "r.csv"))
    assert {"年份", "指标代码", "指标名称", "层级", "得分", "排名"} <= set(zh_csv.columns)
    book = openpyxl.load_workbook(write_evaluation(ev, tmp_path / "r.xlsx"))
    assert {"说明", "排名", "指标值", "标准化值", "历年指标值", "历年汇总得分", "权重"} <= set(
        book.sheetnames)
    doc = json.loads(write_evaluation(ev, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["units"] == ["甲", "乙", "丙", "丁"]
    first = next(s for s in doc["scores"] if s["unit"] == "丙" and s["node"] == "I")
    assert first["rank"] == 1 and first["score"] == pytest.approx(87.5)
    with pytest.raises(ValueError, match=r"\.txt"):
        write_evaluation(ev, tmp_path / "r.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.json", "r.xlsx"]


def test_method_yaml_round_trip(tmp_path):
    method = Method(impute={"method": "group_mean", "group": "g"},
                    screen={"method": "availability", "min_share": 0.8},
                    treat={"method": "winsorise", "max_points": 3},
                    normalise={"method": "minmax", "low": 1, "high": 10},
                    aggregate={2: "arithmetic", 3: "arithmetic"}, scope="per_period")
    zh.write_method(method, tmp_path / "m.yaml")
    again = zh.read_method(tmp_path / "m.yaml")
    assert again == method
    assert again.to_dict() == method.to_dict()
    assert method.to_dict()["treat"] == {"method": "winsorise", "max_points": 3}


def test_method_errors_name_the_key(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("impute: nearest\nnormalise: {method: minmax, hgh: 1}\nfoo: 1\n",
                    encoding="utf-8")
    with pytest.raises(zh.MethodError) as err:
        zh.read_method(path)
    text = str(err.value)
    assert "nearest" in text and "hgh" in text and "foo" in text
    assert len(err.value.problems) == 3


def test_replay_holds_learned_parameters_fixed(fw, panel):
    ev = zh.build(fw, panel, Method(treat="winsorise"))
    np.testing.assert_array_equal(ev.replay(panel.values), ev.scores)
    changed = panel.values.copy()
    changed[0, 0, 0] = 20.0  # beyond the learned maximum of a (10): replay keeps the goalposts
    replayed = ev.replay(changed)
    col = ev.node_codes.index("a")
    assert replayed[0, 0, col] == pytest.approx(200.0)
    assert replayed[0, 1, col] == ev.scores[0, 1, col]  # others untouched
    refit = ev.with_values(changed)
    assert refit.scores[0, 0, col] == pytest.approx(100.0)  # a rebuild learns new goalposts
    assert refit.scores[0, 2, col] == pytest.approx(100 / 3)  # a is now 20, 5, 10, 10
