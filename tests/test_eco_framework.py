"""The bundled eco framework (生态文明监督指标) and its synthetic demo dataset."""

from collections import Counter

import pandas as pd
import pytest

import zongheng as zh
from zongheng import frameworks
from zongheng.analysis.attainment import attainment, summary
from zongheng.datasets import eco_generator

ASPECTS = ["生态环境优质普惠", "生态安全持续稳固", "生态经济绿色低碳", "生态生活和美简约",
           "生态制度完备高效", "生态文化和谐共生"]


@pytest.fixture(scope="module")
def eco():
    return frameworks.load("eco")


@pytest.fixture(scope="module")
def dataset():
    return zh.datasets.load("eco_yongkang")


def test_six_aspects_and_thirty_indicators(eco):
    assert "eco" in frameworks.available()
    assert [eco.node(c).name for c in eco.dimensions] == ASPECTS
    assert all(eco.node(c).name_en for c in eco.dimensions)
    assert len(eco.indicators) == 30
    assert eco.depth == 3      # index → aspect → indicator
    assert min(len(eco.children[c]) for c in eco.dimensions) >= 3


def test_every_indicator_is_complete(eco):
    for ind in eco.indicators:
        assert ind.target is not None, ind.code
        assert ind.rule in (">=", "<=", "yes"), ind.code
        assert ind.category in ("binding", "expected"), ind.code
        assert ind.department and ind.source and ind.name_en and ind.unit, ind.code
        # the rule agrees with the direction: at least for +, at most for −
        assert (ind.rule == "<=") == (ind.direction < 0), ind.code
        assert ind.weight == 1.0


def test_named_indicators_and_departments(eco):
    by_name = {i.name: i for i in eco.indicators}
    pm = by_name["PM2.5年均浓度"]
    assert (pm.unit, pm.direction.symbol, pm.rule, pm.category, pm.department) == (
        "µg/m³", "-", "<=", "binding", "生态环境局")
    assert by_name["森林覆盖率"].department == "自然资源和规划局"
    assert by_name["单位GDP能耗降低"].department == "发改局"
    assert by_name["生态保护红线面积不减少、性质不改变"].rule == "yes"
    assert {"生态环境局", "发改局", "自然资源和规划局", "住建局", "农业农村局", "水利局"} <= {
        i.department for i in eco.indicators}
    assert Counter(i.category for i in eco.indicators) == {"binding": 15, "expected": 15}


def test_assumptions_are_marked(eco):
    # every target not taken from a cited source says it is assumed
    assumed = [i.code for i in eco.indicators if "目标值为假设" in i.note]
    assert len(assumed) >= 15
    assert "目标值为假设" in eco.meta["assumed"]


def test_round_trips_through_yaml(tmp_path, eco):
    zh.write_framework(eco, tmp_path / "eco.yaml")
    assert zh.read_framework(tmp_path / "eco.yaml") == eco


def test_dataset_loads_synthetic_for_the_jinhua_counties(dataset, test_data):
    assert "eco_yongkang" in zh.datasets.available()
    assert dataset.synthetic is True
    assert "合成" in dataset.title and "SYNTHETIC" in dataset.title
    counties = pd.read_csv(test_data / "zhejiang_counties.csv")
    jinhua = counties[counties.prefecture == "金华市"]
    assert list(dataset.panel.units) == jinhua.county.tolist()
    assert dataset.panel.periods == (2020, 2021, 2022, 2023, 2024)
    assert dataset.panel.shape == (5, 9, 30)
    assert not pd.isna(dataset.panel.values).any()
    mountain = dataset.panel.attributes["mountain26"].astype(int)
    assert mountain.to_dict() == dict(zip(jinhua.county, jinhua.mountain26, strict=True))


def test_files_are_what_the_generator_writes(tmp_path, dataset):
    eco_generator.write(tmp_path)
    for name in ("data.csv", "units.csv"):
        assert (tmp_path / name).read_bytes() == (dataset.directory / name).read_bytes()
    assert (dataset.directory / "data.csv").stat().st_size < 2_000_000


def test_yes_items_are_zero_or_one(dataset, eco):
    codes = [i.code for i in eco.indicators if i.rule == "yes"]
    frame = dataset.panel.to_frame()
    assert set(frame[frame.indicator.isin(codes)].value) == {0.0, 1.0}


def test_yongkang_2024_shows_every_light(dataset):
    table = attainment(dataset.framework, dataset.panel, unit="永康市", period=2024)
    light = dict(zip(table.indicator, table.light, strict=True))
    # set by hand in eco_generator.YONGKANG
    assert light["ENV01"] == "yellow"     # 28.9 vs ≤ 28: 3.2 % short, improving
    assert light["ENV02"] == "yellow"     # 92.6 vs ≥ 92: attained, fell from 94.8
    assert light["ENV03"] == "red"        # 1 day vs 0
    assert light["GRN01"] == "red"        # 1.2 vs ≥ 3, worse than 2.5
    assert light["LIV03"] == "red"        # 88.1 vs ≥ 95: 7.3 % short though improving
    assert light["CUL01"] == "yellow"     # 84.1 vs ≥ 85: 1.1 % short, improving
    assert light["GRN02"] == "green" and light["SAF02"] == "green"
    totals = summary(table).iloc[0]
    assert totals[["green", "yellow", "red"]].sum() == 30
    assert min(totals[["green", "yellow", "red"]]) > 0


def test_a_yes_item_not_done_is_red(dataset):
    table = attainment(dataset.framework, dataset.panel, unit="浦江县", period=2024)
    red_line = table[table.indicator == "SAF02"].iloc[0]
    assert (red_line.value, bool(red_line.attained), red_line.light) == (0.0, False, "red")
