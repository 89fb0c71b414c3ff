"""Frameworks thousands of levels deep load (no recursion); cycles are found in linear time.

The reliability audit (review 2026-12-reliability.md, finding 6, cases FW_deep*)
saw RecursionError from about 990 levels and a cycle check that took 77 s at 3,000 levels.
"""

import pandas as pd
import pytest
import yaml

import zongheng as zh
from zongheng.errors import FrameworkError

DEPTH = 5000


def chain_records(depth: int) -> list[dict]:
    """Index L0 → L1 → … → L{depth-1} → the one indicator X (depth + 1 levels)."""
    rows = [{"code": "L0", "parent": ""}]
    rows += [{"code": f"L{i}", "parent": f"L{i - 1}"} for i in range(1, depth)]
    rows.append({"code": "X", "parent": f"L{depth - 1}", "direction": "+"})
    return rows


def check_chain(fw, depth: int = DEPTH) -> None:
    assert fw.depth == depth + 1
    assert [n.code for n in fw.nodes[:3]] == ["L0", "L1", "L2"]  # parents before children
    assert fw.nodes[-1].code == "X" and fw.indicator_codes == ("X",)
    assert fw.root.code == "L0"


def test_chain_as_a_table(tmp_path):
    frame = pd.DataFrame(chain_records(DEPTH))
    check_chain(zh.read_framework(frame))
    path = tmp_path / "deep.csv"
    frame.to_csv(path, index=False)
    check_chain(zh.read_framework(path))


def test_chain_as_a_flat_yaml_list(tmp_path):
    path = tmp_path / "deep.yaml"
    records = [{k: v for k, v in r.items() if v} for r in chain_records(DEPTH)]
    path.write_text(yaml.safe_dump({"elements": records}), encoding="utf-8")
    check_chain(zh.read_framework(path))


def nested(depth: int) -> str:
    lines, indent = ["code: L0", "children:"], "  "
    for i in range(1, depth):
        lines += [f"{indent}- code: L{i}", f"{indent}  children:"]
        indent += "    "
    lines.append(f"{indent}- {{code: X, direction: '+'}}")
    return "\n".join(lines) + "\n"


def test_nested_yaml_400_levels(tmp_path):
    # two YAML levels (mapping, children list) per framework level: 800 of libyaml's 1000
    path = tmp_path / "nested.yaml"
    path.write_text(nested(400), encoding="utf-8")
    fw = zh.read_framework(path)
    check_chain(fw, 400)
    # the key paths of problems are still built (lazily) for deep nodes
    path.write_text(nested(400).replace("direction: '+'", "direction: sideways"), encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    ((p),) = info.value.problems
    assert p.kind == "fw_bad_direction"
    assert p.key == ".".join(["children[0]"] * 400) + ".direction"


def test_nested_yaml_past_the_nesting_limit_is_a_clear_error(tmp_path):
    path = tmp_path / "nested.yaml"
    path.write_text(nested(600), encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    assert [p.kind for p in info.value.problems] == ["yaml_too_deep"]


def test_cycle_in_a_long_chain_is_reported_once():
    # L0 is the index; L1 … L2999 hang below it, but L1's parent is L2999: a 2,999-long cycle
    rows = chain_records(3000)
    rows[1]["parent"] = "L2999"
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(pd.DataFrame(rows))
    kinds = [p.kind for p in info.value.problems]
    assert kinds.count("fw_cycle") == 1
    cycle = next(p for p in info.value.problems if p.kind == "fw_cycle").params["cycle"].split(" → ")
    # walked up from L1, the first row in it: L1 → L2999 → L2998 → … → L2 → L1
    assert cycle[:3] == ["L1", "L2999", "L2998"] and cycle[-2:] == ["L2", "L1"]
    assert len(cycle) == 3000 and set(cycle) == {f"L{i}" for i in range(1, 3000)}


def test_several_cycles_and_an_orphan():
    rows = [{"code": "I", "parent": ""}, {"code": "A", "parent": "I"},
            {"code": "a", "parent": "A", "direction": "+"},
            {"code": "B", "parent": "C"}, {"code": "C", "parent": "B"},
            {"code": "D", "parent": "D"}, {"code": "x", "parent": "NOPE", "direction": "+"},
            {"code": "E", "parent": "B"}]
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(pd.DataFrame(rows))
    cycles = [p.params["cycle"] for p in info.value.problems if p.kind == "fw_cycle"]
    assert cycles == ["B → C → B", "D → D"]
    assert [p.params for p in info.value.problems if p.kind == "fw_unknown_parent"] == [
        {"code": "x", "parent": "NOPE"}]
