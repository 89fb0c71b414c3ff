"""The ``gap`` command's edges: ``--vs`` that is not understood, targets out of reach (known #12, #15)."""

import json

import pytest
from typer.testing import CliRunner

import zongheng.cli.commands_analyses_b  # noqa: F401  (registers gap)
from zongheng.cli import app

runner = CliRunner(env={"COLUMNS": "200"})  # wide enough that no message wraps
DEMO = ("gap", "--dataset", "tiangong_demo", "--unit", "松阳县")


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(*args):
    result = run(*DEMO, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())  # undo the console's wrapping


def test_an_unknown_vs_names_the_option_and_what_it_may_be():
    # Known #15: reported as "方法有 1 处问题 … 键 unit".
    message = refused("--vs", "bogus")
    assert message.startswith("--vs: ") and "'bogus'" in message
    assert all(word in message for word in ("next", "leader", "单位代码或名称", "目标分", "上城区"))
    assert "方法" not in message and "键" not in message
    assert "是否为 上城区" in refused("--vs", "上城")  # a near miss is named
    english = refused("--vs", "bogus", "--lang", "en")
    assert english.startswith("--vs: expected next (the unit above), leader (the first)")
    assert "--vs: " in refused("--vs", "nan")


@pytest.mark.parametrize("target", ["150", "-5", "100.5", "59"])
def test_a_target_out_of_reach_names_the_option_and_the_range(target):
    # Known #12: on the demo's 60–100 scale (功效系数法) 150 and −5 were accepted and the gap
    # spread over indicators already at 100.
    message = refused("--vs", target)
    assert message.startswith(f"--vs: 目标分 {float(target):g} 超出 '松阳县' 的总分可达范围 60–100")


def test_a_reachable_target_still_works_and_spares_indicators_at_the_top():
    result = run(*DEMO, "--vs", "100", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["hypothetical"] and out["gap"] == pytest.approx(100 - out["unit_score"])
    assert sum(r["contribution"] for r in out["indicators"]) == pytest.approx(out["gap"], abs=1e-9)
    # Every indicator goes all the way to 100: its part is its effective weight times its room.
    for r in out["indicators"]:
        assert r["contribution"] == pytest.approx(r["effective_weight"] * (100 - r["unit_normalised"]),
                                                  abs=1e-9)


def test_unknown_unit_and_period_name_their_options():
    message = " ".join(run("gap", "--dataset", "tiangong_demo", "--unit", "无此县").output.split())
    assert message.startswith("命令行选项有 1 处问题: - --unit: 单位 '无此县' 不在数据中")
    message = refused("--period", "1999")
    assert message.startswith("--period: ")
