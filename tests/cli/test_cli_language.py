"""Chinese everywhere in Chinese mode, English in English mode; help and errors (findings 17,
26, 27, 32).

Method keys (``minmax``, ``zscore``, ``arithmetic``) are YAML, not words: the console says
极差标准化 / 加权算术平均. Errors come from the message catalogue in the chosen language. A unit
that is not in the data is a problem of ``--unit`` (单位), with the closest names suggested.
"""

import re

from typer.testing import CliRunner

from zongheng.cli import app

runner = CliRunner()


def _out(*args: str, code: int = 0, env=None) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_uncertainty_method_line_is_chinese():
    out = _out("uncertainty", "--dataset", "tiangong_demo", "--samples", "200", "--vary",
               "weights,normalise,aggregate", "--unit", "永康市", "--group", "设区市")
    line = next(line for line in out.splitlines() if line.startswith("不确定输入"))
    assert "极差标准化（下限 1）" in line and "Z 分数标准化（均值 10，标准差 2）" in line
    assert "加权算术平均 / 加权几何平均" in line
    # No YAML key, and 1 is a number, not 是 (1 == True in Python).
    assert not re.search(r"minmax|zscore|arithmetic|geometric|normalise|aggregate|low=", line)
    assert "下限 是" not in line


def test_dataset_captions_are_in_the_chosen_language():
    out = _out("build", "--dataset", "tiangong_demo", "--top", "2")
    assert "浙江制造天工鼎评价演示数据：全省90个县（市、区），2020—2024年（合成数据）" in out  # terms.py
    assert "demo:" not in out and "Zhejiang" not in out
    out = _out("build", "--dataset", "tiangong_demo", "--top", "2", "--lang", "en")
    assert "Tiangong Ding demo: Zhejiang's 90 county-level units, 2020–2024 (synthetic data)" in out


def test_errors_come_in_chinese_and_in_english():
    cases = {
        ("build", "--dataset", "tiangong"): (
            "未知数据集 'tiangong'（可用: asem, eco_yongkang, tiangong_demo）",
            "unknown dataset 'tiangong'; available: asem"),
        ("build",): ("需要 FRAMEWORK 和 DATA 两个文件", "FRAMEWORK and DATA are required"),
        ("grade",): ("需要企业基础数据表 TABLE", "TABLE is required"),
    }
    for args, (zh, en) in cases.items():
        assert zh in _out(*args, code=2).replace("\n", "")
        assert en in _out(*args, "--lang", "en", code=2).replace("\n", "")
    out = _out("build", "--dataset", "asem", "--lang", "fr", code=2)
    assert "--lang 必须是 zh 或 en" in out
    # An output type that cannot be written is refused before the table is printed, in words.
    out = _out("build", "--dataset", "asem", "-o", "r.pdf", code=2)
    assert out.strip() == "--output r.pdf: 不支持的文件类型（可用 .csv、.xlsx、.json、.parquet）"
    out = _out("grade", "--demo", "-o", "r.pdf", "--lang", "en", code=2)
    assert out.strip() == "--output r.pdf: unsupported type of file (use .parquet, .csv, .xlsx, .json)"


def test_an_unknown_unit_is_a_unit_problem_with_a_suggestion():
    out = _out("strengths", "--dataset", "tiangong_demo", "--unit", "永康", code=2).replace("\n", "")
    assert "--unit: 单位 '永康' 不在数据中" in out and "是否为 永康市？" in out
    assert "方法有" not in out  # it used to be reported as a problem of the method
    out = _out("gap", "--dataset", "asem", "--unit", "Swizerland", "--lang", "en", code=2)
    assert "did you mean Switzerland" in out.replace("\n", " ")  # the closest first
    out = _out("attainment", "--dataset", "eco_yongkang", "--unit", "杭州", code=2)
    assert "单位 '杭州' 不在数据中" in out and "已有如: 婺城区" in out  # no close name: some examples


def test_help_has_no_bool_metavar_and_lists_the_datasets():
    for command in ([], ["build"], ["uncertainty"], ["grade"], ["template"], ["progress"]):
        out = _out(*command, "--help", env={"COLUMNS": "120"})
        assert "<bool>" not in out and "BOOLEAN" not in out, command
    out = _out("build", "--help", env={"COLUMNS": "120"})
    assert "asem, eco_yongkang, tiangong_demo" in out.replace("│", " ").replace("\n", " ") or \
        all(name in out for name in ("asem", "eco_yongkang", "tiangong_demo"))


def test_methods_are_named_in_words_and_markup_is_not_swallowed():
    out = _out("methods", "normalise")
    assert "极差标准化" in out and "功效系数法" in out and "normalise: minmax" in out
    assert "````" not in out and "`" not in out
    out = _out("methods", "normalise", "--lang", "en", env={"COLUMNS": "200"})
    # "[low, high]" is text, not rich markup, and the RST literals lose their backticks.
    assert "Min-max normalisation (极差标准化) to [low, high]." in out
    assert "`" not in out and "n_dist2ref" in out


def test_english_mode_translates_awards_dimensions_and_units():
    out = _out("rank", "--dataset", "tiangong_demo", "--lang", "en", "--top", "3",
               env={"COLUMNS": "160"})
    assert "Tiangong Ding award · 2024 winners" in out
    assert "top 20 of the non-mountain counties" in out and "Golden Ding (3 Tiangong Ding award" in out
    assert "金鼎" not in out and "非山区县前20" not in out
    out = _out("gap", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
               "--lang", "en", env={"COLUMNS": "200"})
    assert "Quality transformation" in out and "Driver transformation" in out
    assert "Quality change" not in out and "质量变革" not in out
    assert "(points)" in out and "(分)" not in out  # units of measure in English too


def test_the_help_lists_every_bundled_dataset():
    # --help names the datasets without loading them: the list is kept by hand, and checked here.
    from zongheng import datasets
    from zongheng.cli.labels import DATASETS

    assert list(DATASETS) == sorted(datasets.available())
