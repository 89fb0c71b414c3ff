"""The one catalogue of terms and the one formatter."""

import pytest

from zongheng import display
from zongheng.i18n import MESSAGES
from zongheng.steps import STAGES, registry
from zongheng.terms import method_line, method_name, stage_name


@pytest.mark.parametrize("stage", STAGES)
def test_every_registered_step_has_a_chinese_and_an_english_name(stage):
    for key in registry(stage):
        zh, en = MESSAGES[f"method.{stage}.{key}"]
        assert (zh and en and zh != en) or key in ("none",), (stage, key)
        assert method_name(stage, key, "zh") == zh
    assert stage_name(stage, "zh") != stage_name(stage, "en")


def test_a_method_line_has_no_yaml_keys_in_chinese():
    import zongheng as zh

    line = method_line(zh.datasets.load("tiangong_demo").method, "zh")
    for key in ("interpolate", "percentile", "efficacy", "arithmetic", "lower="):
        assert key not in line
    assert "功效系数法" in line and "线性插值" in line and "百分位缩尾" in line


def test_a_requirement_is_never_rounded_the_wrong_way():
    # E02 of the review: lower is better, 81.98875 needed; 81.99 would not be enough.
    assert display.value(81.98875, direction=-1) == "81.98"
    assert display.value(81.98875, direction=1) == "81.99"
    assert float(display.value(81.98875, direction=-1)) <= 81.98875
    assert display.value(12345678, direction=1) == "12,350,000"  # no scientific notation


def test_differences_are_computed_from_the_shown_numbers():
    # "87.2 − 85.9 ≠ 1.25" must not appear: both shown with 2 decimals, the difference checks.
    a, b = 87.18518, 85.93752
    assert display.score(a) == "87.19" and display.score(b) == "85.94"
    assert display.difference(a, b) == pytest.approx(87.19 - 85.94)
    assert display.signed(display.difference(a, b)) == "+1.25"


def test_raw_value_differences_are_those_of_the_values_as_shown():
    # 12,345,678 is shown whole: the change on 12,000,000 is 345,678, not 4-digit-rounded 350,000.
    assert display.value(12345678) == "12,345,678"
    assert display.value_difference(12345678, 12000000) == 345678
    # a requirement is shown rounded toward improvement, and so is the change it implies
    assert display.value(81.98125, direction=1) == "81.99"
    assert display.value_difference(81.98125, 80, direction=1) == pytest.approx(1.99)
    assert display.value_difference(81.98125, 80) == pytest.approx(1.98)
    assert display.signed_value(display.value_difference(82.17, 81.98875)) == "+0.18"
    assert display.signed_value(-0.0) == "0"


def test_ranks_show_ties():
    assert display.rank(5, last=7) == "并列第5–7位"
    assert display.rank(5, last=5) == "第5位"
    assert display.rank(1, last=2, lang="en") == "tied 1st–2nd"
