"""The progress and rank commands on files written here: tables, --json, awards, plain errors."""

import json

import pytest
from typer.testing import CliRunner

import zongheng.cli.commands_analyses_a  # noqa: F401  (registers progress and rank)
from zongheng.cli import app

runner = CliRunner()

FRAMEWORK = """\
code: I
name: 综合指数
name_en: Index
groups: [{code: mountain, name: 山区}]
children:
  - {code: a, name: 产值, name_en: Output, direction: +}
  - {code: b, name: 能耗, name_en: Energy, direction: -}
"""

AWARD = """\
award:
  name: 天工鼎
  rules:
    - {group: mountain, value: 0, top: 1, name: 非山区第一}
    - {group: mountain, value: 1, top: 1, name: 山区第一}
  streak: {consecutive: 2, name: 连冠}
"""


@pytest.fixture
def files(tmp_path):
    # b = 10 − a and both span 0..10, so the index is 10·a:
    #   2021: 甲 20, 乙 40, 丙 60, 丁 80
    #   2022: 甲 60, 乙 40, 丙 60, 丁 80   (甲 and 丙 tie at rank 2)
    #   2023: 甲 100, 乙 0, 丙 60, 丁 80
    a = {2021: [2, 4, 6, 8], 2022: [6, 4, 6, 8], 2023: [10, 0, 6, 8]}
    rows = ["unit,year,mountain,a,b"]
    for year, values in a.items():
        for unit, m, v in zip("甲乙丙丁", [0, 0, 1, 1], values, strict=True):
            rows.append(f"{unit},{year},{m},{v},{10 - v}")
    data = tmp_path / "data.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fw = tmp_path / "fw.yaml"
    fw.write_text(FRAMEWORK, encoding="utf-8")
    award = tmp_path / "award.yaml"
    award.write_text(AWARD, encoding="utf-8")
    return fw, data, award


def _json(args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_progress_json_most_improved_and_per_unit_progress(files):
    fw, data, _ = files
    doc = _json(["progress", str(fw), str(data), "--top", "2"])
    assert (doc["node"], doc["period"], doc["previous"], doc["base"]) == ("I", 2023, 2022, 2021)
    # 2023 vs 2022: 甲 +40, 丁 0, 丙 0, 乙 −40; 丁 and 丙 tie at place 2, so both are listed
    improved = [(r["place"], r["unit"], r["score_change"], r["rank_change"])
                for r in doc["most_improved"]]
    assert improved == [(1, "甲", pytest.approx(40), 1), (2, "丁", 0, -1), (2, "丙", 0, -1)]
    jia = [r for r in doc["progress"] if r["unit"] == "甲"]
    assert [r["period"] for r in jia] == [2021, 2022, 2023]
    assert [r["score"] for r in jia] == pytest.approx([20, 60, 100])
    assert jia[0]["score_change"] is None and jia[0]["rank_change"] is None
    assert [r["score_change_base"] for r in jia] == pytest.approx([0, 40, 80])
    assert [r["rank"] for r in jia] == [4, 2, 1]
    assert [r["rank_change_base"] for r in jia] == [0, 2, 3]


def test_progress_options_base_node_by_rank(files):
    fw, data, _ = files
    doc = _json(["progress", str(fw), str(data), "--base", "2022", "--node", "a", "--by", "rank",
                 "--period", "2022", "--top", "1"])
    assert (doc["node"], doc["period"], doc["base"], doc["by"]) == ("a", 2022, 2022, "rank")
    # 2022 vs 2021 on a: 甲 climbed from 4th to 2nd
    assert [(r["unit"], r["rank_change"]) for r in doc["most_improved"]] == [("甲", 2)]
    assert {r["node"] for r in doc["progress"]} == {"a"}
    yi = [r for r in doc["progress"] if r["unit"] == "乙"]
    assert [r["value"] for r in yi] == [4, 4, 0]  # raw values of the indicator
    assert [r["value_change_base"] for r in yi] == [0, 0, -4]


def test_progress_tables_in_chinese_and_english(files):
    fw, data, _ = files
    result = runner.invoke(app, ["progress", str(fw), str(data)])
    assert result.exit_code == 0, result.output
    assert "进步最大" in result.output and "综合指数" in result.output and "+40.00" in result.output
    assert "基期 2021" in result.output
    result = runner.invoke(app, ["progress", str(fw), str(data), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Most improved · Index · 2023 vs 2022" in result.output
    assert "Rank   ±" in result.output  # the short header fits 80 columns


def test_progress_warns_on_per_period_scope(files, tmp_path):
    fw, data, _ = files
    method = tmp_path / "m.yaml"
    method.write_text("scope: per_period\n", encoding="utf-8")
    result = runner.invoke(app, ["progress", str(fw), str(data), "-m", str(method), "--json",
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "per_period" in result.stderr
    assert result.stderr.count("warning:") == 1  # said once, though two analyses ran
    assert json.loads(result.stdout)["node"] == "I"  # the warning stays off stdout


def test_rank_json_with_group_and_award(files):
    fw, data, award = files
    doc = _json(["rank", str(fw), str(data), "--group", "mountain", "--award", str(award)])
    assert doc["period"] == 2023 and doc["groups"] == ["mountain"]
    ranking = [(r["rank"], r["unit"], r["rank_change"], r["mountain"], r["rank_in_mountain"],
                r["rank_change_in_mountain"]) for r in doc["ranking"]]
    assert ranking == [(1, "甲", 1, "0", 1, 0), (2, "丁", -1, "1", 1, 0), (3, "丙", -1, "1", 2, 0),
                       (4, "乙", 0, "0", 2, 0)]
    award_doc = doc["award"]
    assert (award_doc["name"], award_doc["streak"]) == ("天工鼎", "连冠")
    winners = [(r["period"], r["rule"], r["unit"], r["rank"]) for r in award_doc["winners"]]
    assert winners == [(2021, "非山区第一", "乙", 1), (2021, "山区第一", "丁", 1),
                       (2022, "非山区第一", "甲", 1), (2022, "山区第一", "丁", 1),
                       (2023, "非山区第一", "甲", 1), (2023, "山区第一", "丁", 1)]
    assert [(r["period"], r["unit"]) for r in award_doc["streak_awards"]] == [(2022, "丁"), (2023, "甲")]
    current = {r["unit"]: (r["run"], r["toward"], r["streak_awards"]) for r in award_doc["current"]}
    assert current == {"丁": (3, 1, 1), "甲": (2, 0, 1), "乙": (0, 0, 0), "丙": (0, 0, 0)}


def test_rank_period_option_and_award_from_framework_meta(files, tmp_path):
    fw, data, _ = files
    with_meta = tmp_path / "fw_award.yaml"
    with_meta.write_text(FRAMEWORK + "meta:\n" + "".join(f"  {line}\n" for line in
                                                         AWARD.splitlines()), encoding="utf-8")
    doc = _json(["rank", str(with_meta), str(data), "--period", "2022"])
    assert [(r["rank"], r["unit"]) for r in doc["ranking"]] == [(1, "丁"), (2, "丙"), (2, "甲"),
                                                                (4, "乙")]
    assert [r["rank_change"] for r in doc["ranking"]] == [0, 0, 2, -1]
    assert doc["award"]["name"] == "天工鼎"
    result = runner.invoke(app, ["rank", str(with_meta), str(data), "--period", "2022"])
    assert result.exit_code == 0, result.output
    assert "天工鼎 · 2022 获奖名单" in result.output
    assert "连冠（连续 2 次获天工鼎）· 2022: 丁" in result.output
    result = runner.invoke(app, ["rank", str(fw), str(data), "--group", "mountain", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Ranking · Index · 2023" in result.output and "winners" not in result.output


def test_user_mistakes_exit_2_without_traceback(files, tmp_path):
    fw, data, _award = files
    bad_award = tmp_path / "bad.yaml"
    bad_award.write_text("award:\n  rules:\n    - {group: mountain, top: 0}\n", encoding="utf-8")
    cases = [
        (["progress", str(fw), str(data), "--base", "1999"], "1999"),
        (["progress", str(fw), str(data), "--node", "zz"], "zz"),
        (["progress", str(fw), str(data), "--period", "2021"], "2021"),
        (["progress", str(fw), str(data), "--by", "growth"], "growth"),
        (["progress", "--dataset", "asem"], "2018"),  # one period: nothing to compare with
        (["rank", str(fw), str(data), "--group", "city"], "city"),
        (["rank", str(fw), str(data), "--award", str(bad_award)], "award.rules[0].top"),
        (["rank", str(fw), str(data), "--award", str(tmp_path / "none.yaml")], "none.yaml"),
        (["rank", str(fw), str(data), "--period", "1999"], "1999"),
    ]
    for args, needle in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert needle in result.output, (args, result.output)


def test_rank_dataset_asem_with_group():
    doc = _json(["rank", "--dataset", "asem", "--group", "EurAsia_group"])
    assert doc["period"] == 2018 and doc["ranking"][0]["unit"] == "CHE"
    assert doc["ranking"][0]["rank_change"] is None  # one period: no change
    assert "award" not in doc
