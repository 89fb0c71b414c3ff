"""Frameworks as tables: an Excel/CSV sheet with a parent column, and COINr's iMeta as it is."""

import openpyxl
import pandas as pd
import pytest

import zongheng as zh
from zongheng.errors import FrameworkError
from zongheng.framework import Aggregate, Attribute, Direction, Indicator

HEADER = ["代码", "上级", "类型", "名称", "英文名称", "单位", "方向", "权重", "目标值", "下限", "上限",
          "分母", "牵头单位", "来源", "备注", "层级"]
ROWS = [
    ["Index", None, "指数", "县域高质量发展指数", "County index", None, None, None, None, None, None,
     None, None, None, None, 3],
    ["Q", "Index", "维度", "质量变革", None, None, None, 0.6, None, None, None, None, None, None, None, 2],
    ["Q1", "Q", None, "规上工业亩均税收", "Tax per mu", "万元/亩", "正向", 1, 30, 0, 50, None, "经信局",
     "亩均论英雄系统", "规上工业企业", 1],
    ["Q2", "Q", "指标", "单位GDP能耗", None, "吨标煤/万元", "逆向", 1.5, None, None, None, "GDP",
     "发改局", None, None, 1],
    ["S", "Index", "维度", "共同富裕", None, None, None, 0.4, None, None, None, None, None, None, None, 2],
    ["S1", "S", None, "城乡居民收入比", None, None, "-", 1, None, None, None, None, None, None, None, 1],
    ["S2", "S", None, "人均可支配收入", None, "元", "max", 1, None, None, None, "常住人口", "统计局",
     None, None, 1],
    ["city", None, "分组", "设区市", None, None, None, None, None, None, None, None, None, None, None,
     None],
    ["GDP", None, "分母", "地区生产总值", None, "亿元", None, None, None, None, None, None, None, None,
     None, None],
]


def write_xlsx(path, rows, header=HEADER, sheet="指标体系", before=()):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in before:
        book.create_sheet(name).append(["other"])
    ws = book.create_sheet(sheet)
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def check_county(fw):
    assert [n.code for n in fw.nodes] == ["Index", "Q", "Q1", "Q2", "S", "S1", "S2"]
    assert fw.root == Aggregate(code="Index", name="县域高质量发展指数", parent=None,
                                name_en="County index")
    assert fw.node("Q1") == Indicator(
        code="Q1", name="规上工业亩均税收", name_en="Tax per mu", unit="万元/亩",
        direction=Direction.HIGHER, parent="Q", weight=1.0, target=30.0, goalposts=(0.0, 50.0),
        denominator=None, department="经信局", source="亩均论英雄系统", note="规上工业企业")
    q2 = fw.node("Q2")
    assert (q2.direction, q2.weight, q2.denominator, q2.department) == (
        Direction.LOWER, 1.5, "GDP", "发改局")
    assert fw.node("S1").direction is Direction.LOWER
    assert fw.node("S2").direction is Direction.HIGHER and fw.node("S2").denominator == "常住人口"
    assert fw.node("Q").weight == 0.6 and fw.node("S").weight == 0.4
    assert fw.groups == (Attribute("city", "设区市"),)
    # Declared denominators first, then those only named by an indicator.
    assert fw.denominators == (Attribute("GDP", "地区生产总值", "", "亿元"), Attribute("常住人口"))
    assert fw.effective_weights() == pytest.approx(
        {"Q1": 0.6 / 2.5, "Q2": 0.6 * 1.5 / 2.5, "S1": 0.2, "S2": 0.2})


def test_excel_sheet_with_a_parent_column(tmp_path):
    path = write_xlsx(tmp_path / "指标体系.xlsx", ROWS)
    fw = zh.read_framework(path)
    check_county(fw)
    assert fw.meta == {"source_file": "指标体系.xlsx"}


def test_excel_framework_round_trips_through_yaml(tmp_path):
    fw = zh.read_framework(write_xlsx(tmp_path / "指标体系.xlsx", ROWS))
    zh.write_framework(fw, tmp_path / "指标体系.yml")
    assert zh.read_framework(tmp_path / "指标体系.yml") == fw
    with pytest.raises(ValueError, match="yaml"):
        zh.write_framework(fw, tmp_path / "指标体系.xlsx")


def test_excel_sheet_chosen_by_name_and_position(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", ROWS, before=["说明"])
    check_county(zh.read_framework(path, sheet="指标体系"))
    check_county(zh.read_framework(path, sheet=1))


def test_missing_sheet(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", ROWS)
    for sheet in ("权重", 3):
        with pytest.raises(FrameworkError) as info:
            zh.read_framework(path, sheet=sheet)
        (p,) = info.value.problems
        assert p.kind == "sheet_missing" and p.params["found"] == "指标体系"


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_csv_in_chinese_encodings(tmp_path, encoding):
    path = tmp_path / "fw.csv"
    pd.DataFrame(ROWS, columns=HEADER).to_csv(path, index=False, encoding=encoding)
    check_county(zh.read_framework(path))


def test_dataframe_with_english_headers(tmp_path):
    english = ["code", "parent", "type", "name", "name_en", "unit", "direction", "weight", "target",
               "goalpost_lo", "goalpost_hi", "denominator", "department", "source", "note", "level"]
    check_county(zh.read_framework(pd.DataFrame(ROWS, columns=english)))


def test_numeric_codes_from_excel(tmp_path):
    rows = [[1, None, "指数"], [11, 1, None, "+"], [12, 1.0, None, "-"]]
    fw = zh.read_framework(write_xlsx(tmp_path / "n.xlsx", rows, header=["编码", "上级", "类型", "方向"]))
    assert fw.indicator_codes == ("11", "12") and fw.node("12").parent == "1"


def test_only_one_goalpost_is_a_problem(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][10] = None  # Q1: lower bound 0, no upper bound
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(write_xlsx(tmp_path / "g.xlsx", rows))
    (p,) = info.value.problems
    assert (p.kind, p.row, p.sheet) == ("fw_bad_goalposts", 4, "指标体系")


def test_every_problem_of_a_sheet_with_its_row(tmp_path):
    header = ["代码", "上级", "类型", "名称", "方向", "权重"]
    rows = [
        ["I", None, "指数", "指数", None, None],      # row 2
        ["D1", "I", "维度", "维度一", None, 0],       # row 3: weight 0
        ["a", "D1", None, "指标a", "+", 1],           # row 4
        ["a", "D1", None, "重复", "+", 1],            # row 5: duplicate code
        ["b", "DX", None, "指标b", "+", 1],           # row 6: unknown parent
        ["c", "D1", None, "指标c", "上升", 1],        # row 7: unknown direction
        ["D2", "I", "维度", "空维度", None, 1],       # row 8: empty branch
        [],                                           # row 9: blank, still counted
        ["x", "y", None, None, "+", 1],               # row 10: cycle x → y → x
        ["y", "x", None, None, "+", 1],               # row 11
        ["d", "D1", None, "指标d", "-", None],        # row 12: missing weight
    ]
    path = write_xlsx(tmp_path / "fw.xlsx", rows, header=header)
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    problems = info.value.problems
    assert sorted((p.kind, p.row) for p in problems) == [
        ("fw_bad_direction", 7), ("fw_bad_weight", 3), ("fw_bad_weight", 12), ("fw_cycle", 10),
        ("fw_duplicate_code", 5), ("fw_empty_branch", 8), ("fw_unknown_parent", 6)]
    assert all((p.file, p.sheet) == ("fw.xlsx", "指标体系") for p in problems)
    lines = str(info.value).splitlines()
    assert lines[0] == "指标体系有 7 处问题:"
    assert ("  - fw.xlsx, 工作表 指标体系, 第 5 行: 代码 'a' 重复"
            "（首次出现在 fw.xlsx, 工作表 指标体系, 第 4 行）") in lines
    assert "  - fw.xlsx, 工作表 指标体系, 第 3 行: 'D1' 的权重必须是正数，实际为 0" in lines
    assert "  - fw.xlsx, 工作表 指标体系, 第 10 行: 上下级关系成环: x → y → x" in lines
    zh.set_lang("en")
    try:
        lines = str(info.value).splitlines()
    finally:
        zh.set_lang("zh")
    assert lines[0] == "The framework has 7 problem(s):"
    assert ("  - fw.xlsx, sheet 指标体系, row 5: code 'a' is duplicated "
            "(first seen at fw.xlsx, sheet 指标体系, row 4)") in lines
    assert "  - fw.xlsx, sheet 指标体系, row 8: the aggregate 'D2' has no indicators under it" in lines


def test_csv_problems_count_rows_after_blank_lines(tmp_path):
    path = tmp_path / "fw.csv"
    path.write_text("代码,上级,方向\nI,,\n\na,I,+\nb,I,?\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    (p,) = info.value.problems
    assert (p.kind, p.file, p.sheet, p.row) == ("fw_bad_direction", "fw.csv", None, 5)


def test_group_row_without_a_code(tmp_path):
    rows = [*ROWS, [None, None, "分组", "山区26县"]]
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(write_xlsx(tmp_path / "fw.xlsx", rows))
    (p,) = info.value.problems
    assert (p.kind, p.row) == ("fw_missing_code", 11)


def test_missing_required_columns(tmp_path):
    path = write_xlsx(tmp_path / "fw.xlsx", [["a", 1]], header=["名称", "权重"])
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    assert [(p.kind, p.params["column"]) for p in info.value.problems] == [
        ("fw_missing_column", "code"), ("fw_missing_column", "parent")]
    assert info.value.problems[0].params["found"] == "名称, 权重"


def test_empty_table_is_a_framework_error(tmp_path):
    path = tmp_path / "fw.csv"
    path.write_text("代码,上级\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    assert info.value.problems[0].kind == "file_empty"


# -- COINr's iMeta -----------------------------------------------------------------

@pytest.fixture(scope="module")
def imeta(asem_files):
    return zh.read_framework(asem_files / "iMeta.csv")


def test_imeta_tree(imeta):
    assert len(imeta.indicators) == 49 and len(imeta.nodes) == 49 + 8 + 2 + 1
    assert imeta.root.code == "Index" and imeta.root.name == "Sustainable Connectivity"
    assert imeta.dimensions == ("Conn", "Sust")
    assert imeta.children["Conn"] == ("Physical", "ConEcFin", "Political", "Instit", "P2P")
    assert len(imeta.children["Physical"]) == 8
    assert imeta.levels["Index"] == 4 and imeta.levels["Physical"] == 2
    assert imeta.indicator_codes[:3] == ("LPI", "Flights", "Ship")


def test_imeta_fields(imeta):
    assert imeta.node("Flights") == Indicator(
        code="Flights", name="International flights passenger capacity",
        direction=Direction.HIGHER, parent="Physical", weight=1.0, unit="Thousand seats",
        target=200.3326555, denominator="Population")
    assert imeta.node("Forest").direction is Direction.LOWER
    assert sum(i.direction is Direction.LOWER for i in imeta.indicators) == 14
    assert sum(i.denominator is not None for i in imeta.indicators) == 17


def test_imeta_groups_and_denominators(imeta):
    assert [g.code for g in imeta.groups] == ["GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"]
    assert imeta.groups[3] == Attribute("EurAsia_group", "Europe or Asia")
    assert imeta.denominators == (
        Attribute("Area", "Land area", "", "Thousand square km"),
        Attribute("Energy", "Energy consumption", "", "Unit"),
        Attribute("GDP", "GDP", "", "USD Bn"),
        Attribute("Population", "Population", "", "Thousands"))


def test_imeta_as_excel_reads_the_same(tmp_path, asem_files, imeta):
    path = tmp_path / "iMeta.xlsx"
    pd.read_csv(asem_files / "iMeta.csv").to_excel(path, index=False)
    again = zh.read_framework(path)
    assert again.nodes == imeta.nodes
    assert again.groups == imeta.groups and again.denominators == imeta.denominators


def test_category_and_rule_columns(tmp_path):
    frame = pd.DataFrame({
        "代码": ["I", "a", "b", "c"], "上级": [None, "I", "I", "I"],
        "方向": [None, "逆向", "正向", "正向"],
        "约束性/预期性": [None, "约束性", "预期性", None],
        "达标规则": [None, "≤", ">=", "是否"],
    })
    fw = zh.read_framework(frame)
    assert [(i.category, i.rule) for i in fw.indicators] == [
        ("binding", "<="), ("expected", ">="), ("", "yes")]
    english = pd.DataFrame({"code": ["I", "a"], "parent": [None, "I"], "direction": [None, "+"],
                            "category": [None, "binding"], "rule": [None, "at most"]})
    assert zh.read_framework(english).node("a").rule == "<="


def test_bad_category_and_rule_name_the_row(tmp_path):
    path = tmp_path / "fw.csv"
    path.write_text("代码,上级,方向,指标性质,达标规则\nI,,,,\na,I,+,重点,\nb,I,+,,约等于\n",
                    encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        zh.read_framework(path)
    assert [(p.kind, p.row, p.file) for p in info.value.problems] == [
        ("fw_bad_category", 3, "fw.csv"), ("fw_bad_rule", 4, "fw.csv")]
