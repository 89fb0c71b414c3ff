"""Write the example files of the README tour (示例文件): all numbers are synthetic.

Run from the repository root: ``.venv/bin/python examples/make_examples.py``. The files are
committed; this script says how they were made and makes them again, the same to the byte
for the CSV files (a fixed seed).

- ``指标体系.xlsx``: a small framework (2 dimensions, 6 indicators, a group column), in the
  layout ``zongheng build`` reads (one row per element, 代码/上级/名称/单位/方向/权重/牵头单位),
  and a 说明 sheet that says the example is synthetic;
- ``数据.csv``: 8 invented counties (甲县 … 辛区) × 2022–2024, one row per county and year;
- ``method.yaml``: a method (interpolation, min-max to 60–100 as county offices score);
- ``情景.csv``: a what-if scenario on the bundled ``tiangong_demo`` data (``whatif --scenario``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
NOTE = "示例数据为合成数据（synthetic example data）：县名与数值均为虚构，仅用于演示命令用法。"

FRAMEWORK = [
    # 代码, 上级, 类型, 名称, 单位, 方向, 权重, 牵头单位
    ("I", "", "", "示例县域制造业综合指数", "", "", "", ""),
    ("A", "I", "", "质量效益", "", "", 0.5, ""),
    ("B", "I", "", "创新动力", "", "", 0.5, ""),
    ("A1", "A", "", "规上工业亩均税收", "万元/亩", "正向", 0.4, "税务局"),
    ("A2", "A", "", "规上工业增加值增速", "%", "正向", 0.3, "统计局"),
    ("A3", "A", "", "单位工业增加值能耗", "吨标准煤/万元", "逆向", 0.3, "发改局"),
    ("B1", "B", "", "规上工业企业研发费用占营业收入比重", "%", "正向", 0.4, "科技局"),
    ("B2", "B", "", "高新技术企业数", "家", "正向", 0.3, "科技局"),
    ("B3", "B", "", "发明专利授权数", "件", "正向", 0.3, "市场监管局"),
    ("山区县", "", "分组", "山区县", "", "", "", ""),
]

UNITS = [("甲县", "是"), ("乙县", "否"), ("丙市", "否"), ("丁区", "否"), ("戊县", "是"),
         ("己县", "是"), ("庚市", "否"), ("辛区", "否")]
YEARS = (2022, 2023, 2024)


def framework() -> pd.DataFrame:
    """Return the framework table (one row per element)."""
    columns = ["代码", "上级", "类型", "名称", "单位", "方向", "权重", "牵头单位"]
    frame = pd.DataFrame(FRAMEWORK, columns=columns)
    frame["备注"] = ["示例（合成数据）", *[""] * (len(frame) - 1)]
    return frame


def data(seed: int = 2024) -> pd.DataFrame:
    """Return the synthetic data: a row per county and year, one value not reported."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (unit, mountain) in enumerate(UNITS):
        level = 0.7 + 0.08 * (len(UNITS) - i) / len(UNITS) + rng.normal(0, 0.05)
        for t, year in enumerate(YEARS):
            grow = 1 + 0.04 * t + rng.normal(0, 0.02)
            rows.append({
                "单位": unit, "年份": year, "山区县": mountain,
                "规上工业亩均税收（万元/亩）": round(32 * level * grow + rng.normal(0, 2), 1),
                "规上工业增加值增速（%）": round(6 + 4 * level + rng.normal(0, 1.5), 1),
                "单位工业增加值能耗（吨标准煤/万元）": round(0.45 / level / grow + rng.normal(0, 0.02), 3),
                "规上工业企业研发费用占营业收入比重（%）": round(2.2 * level * grow + rng.normal(0, 0.2), 2),
                "高新技术企业数（家）": int(max(5, round(90 * level * grow + rng.normal(0, 8)))),
                "发明专利授权数（件）": int(max(10, round(260 * level * grow + rng.normal(0, 25)))),
            })
    frame = pd.DataFrame(rows)
    frame.loc[(frame["单位"] == "己县") & (frame["年份"] == 2024), "发明专利授权数（件）"] = None  # 未报送
    return frame


METHOD = """\
# 示例方法（合成数据的演示）：缺失值线性插值，功效系数法（60–100 分），指标体系权重，加权算术平均
impute: interpolate
normalise: {method: efficacy, base: 60, span: 40}
"""

SCENARIO = [
    # 单位, 指标, 变化：在内置 tiangong_demo 数据（合成）上，永康市两项指标的设想变化
    {"单位": "永康市", "指标": "Q01", "变化": 0.10,
     "说明": "设想：制造业增加值占GDP比重提高10%（合成数据上的演示）"},
    {"单位": "永康市", "指标": "D01", "变化": 0.20,
     "说明": "设想：研发费用相当于营业收入的比例提高20%（合成数据上的演示）"},
]


def main() -> None:
    """Write the four example files next to this script."""
    with pd.ExcelWriter(HERE / "指标体系.xlsx") as book:
        framework().to_excel(book, sheet_name="指标体系", index=False)
        usage = "用法: zongheng build examples/指标体系.xlsx examples/数据.csv -m examples/method.yaml"
        pd.DataFrame({"说明": [NOTE, usage]}).to_excel(book, sheet_name="说明", index=False)
    data().to_csv(HERE / "数据.csv", index=False, encoding="utf-8-sig")
    (HERE / "method.yaml").write_text(METHOD, encoding="utf-8")
    pd.DataFrame(SCENARIO).to_csv(HERE / "情景.csv", index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main()
