"""``report`` and target-attainment frameworks (review findings 1, 2, 18, 28).

An attainment framework (生态文明建设情况监督指标) is judged indicator by indicator against its
targets: ``report --template eco`` writes the attainment documents in every format, never a
normalised composite with a rank, a gap or a path; a framework without targets cannot make
an eco report; composite analyses refuse an attainment framework. Reports go to ``out/`` under
the demo's Chinese names.
"""

import warnings
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from zongheng.cli import app

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args))


def _sheets(path: Path) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # xlsxwriter's data bars, unknown to openpyxl
        return openpyxl.load_workbook(path).sheetnames


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_eco_template_xlsx_is_the_attainment_workbook_in_out(in_tmp):
    result = _invoke("report", "--dataset", "eco_yongkang", "--unit", "永康市", "--format", "xlsx",
                     "--template", "eco")
    assert result.exit_code == 0, result.output
    written = in_tmp / "out" / "永康市_2024_生态文明建设指标完成情况.xlsx"  # the demo's naming (#28)
    assert written.exists() and "已写入: out/永康市_2024_生态文明建设指标完成情况.xlsx" in result.output
    # The attainment workbook, not the evaluation's (排名/差距/路径: an invented ranking, #1).
    assert _sheets(written) == ["说明", "达标情况", "达标汇总"]
    # Nothing is normalised: no warning about an indicator with equal values (#18).
    assert "标准化" not in result.output and "warning" not in result.output


def test_an_attainment_framework_gets_the_eco_documents_without_template(in_tmp):
    result = _invoke("report", "--dataset", "eco_yongkang", "--unit", "永康市", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert _sheets(in_tmp / "out" / "永康市_2024_生态文明建设指标完成情况.xlsx")[1] == "达标情况"


def test_eco_template_docx_is_the_congress_report(in_tmp):
    result = _invoke("report", "--dataset", "eco_yongkang", "--unit", "永康市", "--format", "docx",
                     "--template", "eco", "--period", "2023")
    assert result.exit_code == 0, result.output
    written = in_tmp / "out" / "永康市_2023_生态文明建设情况报告.docx"
    body = "\n".join(p.text for p in docx.Document(str(written)).paragraphs)
    assert "生态文明建设情况" in body and "2023" in body
    assert "取值全部相同" not in result.output  # the normalisation warning of #18


def test_eco_template_html_goes_to_the_attainment_page(in_tmp):
    result = _invoke("report", "--dataset", "eco_yongkang", "--unit", "永康市", "--template", "eco")
    assert result.exit_code == 0, result.output
    page = (in_tmp / "out" / "永康市_2024_生态文明建设情况.html").read_text(encoding="utf-8")
    assert "主要指标完成情况" in page and "合成数据" in page
    assert "综合得分" not in page and "提升路径" not in page  # never a composite ranking
    assert "取值全部相同" not in result.output  # no normalised evaluation built (#18)


def test_eco_template_on_a_framework_without_targets_exits_2(in_tmp):
    for fmt in ("docx", "html", "xlsx"):
        result = _invoke("report", "--dataset", "tiangong_demo", "--unit", "永康市", "--format", fmt,
                         "--template", "eco")
        assert result.exit_code == 2, (fmt, result.output)
        assert "指标体系没有目标值，不能生成生态文明报告" in result.output
        assert "Traceback" not in result.output
    assert not (in_tmp / "out").exists() or not any((in_tmp / "out").iterdir())  # nothing written


def test_composite_options_and_analyses_are_refused_for_an_attainment_framework(in_tmp):
    for option in (["--target-rank", "2"], ["--group", "设区市"], ["--uncertainty", "100"]):
        result = _invoke("report", "--dataset", "eco_yongkang", "--unit", "永康市", *option)
        assert result.exit_code == 2, (option, result.output)
        assert f"{option[0]} 不适用于目标达成类报告" in result.output.replace("\n", "")
    result = _invoke("report", "--dataset", "eco_yongkang", "--unit", "永康市", "--template", "tiangong")
    assert result.exit_code == 2 and "不能用 --template tiangong" in result.output.replace("\n", "")
    for command in (["gap", "--unit", "永康市"], ["path", "--unit", "永康市", "--target-rank", "2"],
                    ["rank"], ["strengths", "--unit", "永康市"], ["build"], ["progress"],
                    ["uncertainty", "--samples", "10"]):
        result = _invoke(*command, "--dataset", "eco_yongkang")
        assert result.exit_code == 2, (command, result.output)
        assert "是目标达成类指标体系" in result.output and "zongheng attainment" in result.output, command


def test_a_composite_report_goes_to_out_with_the_demo_name(in_tmp):
    result = _invoke("report", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
                     "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert (in_tmp / "out" / "永康市_2024_评价结果.xlsx").exists()
    assert not list(in_tmp.glob("*.xlsx"))  # nothing in the working folder itself


def test_word_draft_with_uncertainty_gives_p_keep_and_p_reach(in_tmp):
    # 保三争二 has two halves: one set of samples, P(keep 3rd) and P(reach 2nd) in the draft.
    result = _invoke("report", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
                     "--format", "docx", "--uncertainty", "200")
    assert result.exit_code == 0, result.output
    written = in_tmp / "out" / "永康市_2024_天工鼎评价分析.docx"
    body = "\n".join(p.text for p in docx.Document(str(written)).paragraphs)
    assert "随机变动的200次测算中，永康市保住金华市第3位（第3位或更前）的概率为" in body
    assert "升至第2位或更前的概率为" in body
    refused = _invoke("report", "--dataset", "tiangong_demo", "--unit", "永康市", "--format", "xlsx",
                      "--uncertainty", "200")
    assert refused.exit_code == 2 and "--uncertainty" in refused.output
