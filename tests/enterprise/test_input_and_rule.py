"""Reading enterprise tables and grading rules: headers, files, and every error named."""

import numpy as np
import pandas as pd
import pytest

from zongheng.enterprise import GradingRule, grade_enterprises, read_enterprises, read_rule, write_rule
from zongheng.errors import DataError, MethodError

HEADER = "统一社会信用代码,企业名称,规模,用地面积(亩),税收(万元),是否豁免,是否保护,安全环保违法\n"
TAX_ONLY = {"branches": [{"name": "全部", "scale": "all", "weights": {"tax_per_mu": 100}}]}


def write_csv(path, body: str, encoding: str = "utf-8") -> str:
    path.write_bytes((HEADER + body).encode(encoding))
    return str(path)


def test_gbk_csv_with_chinese_headers_and_flags(tmp_path):
    path = write_csv(tmp_path / "企业.csv",
                     "A1,甲,规上,2,20,否,否,否\nA2,乙,规模以下,4,\"1,000\",是,,√\n", encoding="gbk")
    data = read_enterprises(path, ["land_area", "tax"])
    assert data["id"].tolist() == ["A1", "A2"]
    assert data["scale"].astype(str).tolist() == ["规上", "规下"]
    assert data["tax"].tolist() == [20.0, 1000.0]
    assert data["exempt"].tolist() == [False, True]
    assert data["protected"].tolist() == [False, False]
    assert data["veto"].tolist() == [False, True]


def test_xlsx_and_english_headers(tmp_path):
    frame = pd.DataFrame({"Credit code": [330784001, 330784002], "Scale": ["above", "below"],
                          "Land area (mu)": [1, 2], "Tax": [5, 6], "unrelated": ["x", "y"]})
    path = tmp_path / "firms.xlsx"
    frame.to_excel(path, index=False)
    data = read_enterprises(path, ["land_area", "tax"])
    assert data["id"].tolist() == ["330784001", "330784002"]
    assert data["name"].tolist() == data["id"].tolist()  # no name column: the id stands in
    assert data["scale"].astype(str).tolist() == ["规上", "规下"]
    result = grade_enterprises(path, TAX_ONLY)
    # 亩均税收 5 and 3: the first firm ranks first.
    assert result.grades["id"].tolist() == ["330784001", "330784002"]
    assert result.grades["tax_per_mu"].tolist() == [5.0, 3.0]


def test_every_bad_cell_is_named_at_once(tmp_path):
    path = write_csv(tmp_path / "bad.csv",
                     "A1,甲,规上,abc,20,否,否,否\n"
                     "A2,乙,中型,2,,也许,否,否\n"
                     "A3,丙,规下,-1,5,否,否,否\n"
                     "A1,丁,规下,1,5,否,否,否\n")
    with pytest.raises(DataError) as info:
        grade_enterprises(path, TAX_ONLY)
    text = str(info.value)
    assert "bad.csv" in text
    assert "第 2 行" in text and "'abc' 不是数字" in text          # non-numeric land, row 2
    assert "第 3 行" in text and "规模 '中型' 无法识别" in text    # unknown scale
    assert "'税收(万元)' 为空" in text                            # empty tax in row 3
    assert "'也许' 不是是/否" in text                              # bad flag
    assert "第 4 行" in text and "不能为负数，实际为 -1" in text    # negative land
    assert "企业 'A1' 重复（首次出现在第 2 行）" in text             # duplicate id
    assert len(info.value.problems) == 6


def test_missing_columns_are_named(tmp_path):
    path = write_csv(tmp_path / "few.csv", "A1,甲,规上,2,20,否,否,否\n")
    with pytest.raises(DataError) as info:
        grade_enterprises(path)  # the default 规上 branch needs VA, energy, emissions …
    text = str(info.value)
    for header in ("工业增加值(万元)", "综合能耗(吨标准煤)", "排放当量(吨)", "年平均职工人数(人)",
                   "研发经费(万元)", "营业收入(万元)"):
        assert header in text
    assert "用地面积" not in text


def test_no_identifier_and_duplicate_headers():
    with pytest.raises(DataError, match="找不到企业标识列"):
        read_enterprises(pd.DataFrame({"规模": ["规上"], "税收": [1]}), ["tax"])
    with pytest.raises(DataError, match="都对应 '税收'"):
        read_enterprises(pd.DataFrame({"id": ["a"], "规模": ["规上"], "税收": [1], "tax": [2]}), ["tax"])


def test_many_bad_cells_are_summarised():
    frame = pd.DataFrame({"id": [f"e{i}" for i in range(30)], "scale": ["规上"] * 30,
                          "tax": ["x"] * 30})
    with pytest.raises(DataError) as info:
        read_enterprises(frame, ["tax"])
    assert len(info.value.problems) == 21
    assert "还有 10 处同类问题未列出" in str(info.value)


def test_english_messages():
    import zongheng

    zongheng.set_lang("en")
    with pytest.raises(DataError, match="'x' is not a number"):
        read_enterprises(pd.DataFrame({"id": ["a"], "scale": ["above"], "tax": ["x"]}), ["tax"])


# -- rules -----------------------------------------------------------------------------------


def test_rule_errors_are_all_reported_with_their_keys(tmp_path):
    path = tmp_path / "rule.yaml"
    path.write_text(
        "scoring: ranks\n"
        "cap: -1\n"
        "cuts: {A: 0.5, B: 0.4, C: 0.95}\n"
        "veto_grade: E\n"
        "colour: red\n"
        "branches:\n"
        "  - {name: 规上, scale: 大型, weights: {亩均税收: -3, 亩均利润: 10}}\n"
        "  - {name: 规上, scale: 规下}\n", encoding="utf-8")
    with pytest.raises(MethodError) as info:
        read_rule(path)
    keys = {p.key for p in info.value.problems}
    assert keys == {"colour", "scoring", "cap", "cuts", "veto_grade", "branches[0].scale",
                    "branches[0].weights.亩均税收", "branches[0].weights.亩均利润", "branches[1].name"}
    text = str(info.value)
    assert "rule.yaml" in text and "0 < A < B < C ≤ 1" in text and "'亩均利润' 不是指标体系" in text


def test_rule_round_trip_and_framework_relative_to_the_rule(tmp_path):
    from zongheng import frameworks

    (tmp_path / "fw.yaml").write_text(frameworks.path("muyun").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    path = tmp_path / "rule.yaml"
    path.write_text("framework: fw.yaml\nscoring: efficacy\nefficacy: {base: 40, span: 60}\n"
                    "cap: 2\nprotected_floor: C\nbranches:\n"
                    "  - {name: 规上, scale: 规上, benchmarks: {亩均税收: 24.097}}\n"
                    "  - {name: 规下, scale: 规下, weights: {tax_per_mu: 100}, min_land: 3}\n",
                    encoding="utf-8")
    rule = read_rule(path)
    assert rule.efficacy_base == 40 and rule.efficacy_span == 60
    assert rule.branch_benchmarks(rule.branches[0]) == {"tax_per_mu": 24.097}
    assert rule.base_columns == ("tax", "land_area", "value_added", "energy", "emissions",
                                 "employees", "rd", "revenue")
    again = tmp_path / "again.yaml"
    write_rule(rule, again)
    back = read_rule(again)
    assert back.to_dict() == {**rule.to_dict(), "framework": "fw.yaml"}


def test_unknown_framework_and_missing_formula(tmp_path):
    with pytest.raises(MethodError, match="找不到指标体系 'nope'"):
        GradingRule(framework="nope")
    fw = tmp_path / "fw.yaml"
    fw.write_text("code: X\nname: 测试\nchildren:\n  - {code: tax_per_mu, name: 亩均税收, direction: +}\n",
                  encoding="utf-8")
    with pytest.raises(MethodError, match="没有计算公式"):
        GradingRule(framework=str(fw))


def test_a_benchmark_that_is_not_positive_is_an_error():
    frame = pd.DataFrame({"id": ["a", "b"], "scale": ["规下", "规下"], "land_area": [1, 1], "tax": [0, 0]})
    with pytest.raises(MethodError, match="基准值为 0"):
        grade_enterprises(frame, TAX_ONLY)


def test_indicator_undefined_for_every_firm_is_an_error():
    frame = pd.DataFrame({"id": ["a", "b"], "scale": ["规上", "规上"], "value_added": [1, 2],
                          "emissions": [0, 0]})
    rule = {"branches": [{"name": "x", "scale": "all", "weights": {"va_per_emission": 10}}]}
    with pytest.raises(MethodError, match="无法计算"):
        grade_enterprises(frame, rule)


def test_the_module_docstring_rule_is_valid():
    import yaml

    from zongheng.enterprise import rule as module

    text = module.__doc__.split("::", 1)[1].split("\nEvery mistake")[0]
    rule = GradingRule.from_dict(yaml.safe_load(text))
    assert rule == GradingRule()


def test_the_rule_in_the_docs_is_valid():
    from pathlib import Path

    import yaml

    docs = Path(__file__).resolve().parents[2] / "docs" / "frameworks.md"
    text = docs.read_text(encoding="utf-8").split("### The rule file", 1)[1]
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    rule = GradingRule.from_dict(yaml.safe_load(block))
    assert rule.branch_benchmarks(rule.branches[0]) == {"tax_per_mu": 24.097, "va_per_mu": 136.16}
    assert rule.branch_weights(rule.branches[1]) == {"tax_per_mu": 100.0}


def test_columns_only_some_branches_need_may_be_blank_or_absent(tmp_path):
    # 规下 firms are graded on 亩均税收 only: their 工业增加值 … may be blank.
    header = ("统一社会信用代码,规模,用地面积(亩),税收(万元),工业增加值(万元),营业收入(万元),"
              "综合能耗(吨标准煤),排放当量(吨),年平均职工人数(人),研发经费(万元)\n")
    path = tmp_path / "mixed.csv"
    path.write_text(header + "A,规上,10,100,1000,3000,250,0.5,50,30\nB,规下,2,10,,,,,,\n"
                    "C,规下,1,4,—,,,,,\n", encoding="utf-8")
    result = grade_enterprises(path)
    frame = result.grades.set_index("id")
    assert frame.loc["B", "tax_per_mu"] == 5 and frame.loc["C", "tax_per_mu"] == 4
    assert np.isnan(frame.loc["B", "va_per_mu"])
    # A table of 规下 firms alone needs no 规上 column at all.
    only = pd.DataFrame({"id": ["a", "b"], "规模": ["规下", "规下"], "用地面积": [1, 2], "税收": [3, 4]})
    assert grade_enterprises(only).grades["id"].tolist() == ["a", "b"]
    # But a 规上 firm with a blank is named, with the other bad cells, in one error.
    path.write_text(header + "A,规上,10,100,,3000,250,0.5,50,30\nB,规下,2,x,,,,,,\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        grade_enterprises(path)
    text = str(info.value)
    assert "第 2 行" in text and "'工业增加值(万元)' 为空" in text
    assert "第 3 行" in text and "'x' 不是数字" in text
    assert len(info.value.problems) == 2
