"""Words the command line shows that the data do not carry (命令行用语), in Chinese and English.

The frameworks carry the names of their indicators and dimensions in both languages
(``name``/``name_en``), but not the names of award rules (an award YAML has one ``name``),
units of measure (``unit: 天``) or a bundled dataset's caption (the first line of its
README, which mixes both languages). These are translated here, through the one message
catalogue (:mod:`zongheng.i18n`), under the keys ``dataset.<name>``, ``award.<name>`` and
``measure.<unit>``. A word without an entry is shown as it is.

Imports only the light i18n module: ``zongheng --help`` loads this.
"""

from __future__ import annotations

from zongheng.i18n import MESSAGES, get_lang, register_messages, text

__all__ = ["DATASETS", "award_name", "dataset_caption", "measure"]

DATASETS = ("asem", "eco_yongkang", "tiangong_demo")
"""The bundled datasets by name, for ``--help`` (which must not load them); a test keeps it
equal to :func:`zongheng.datasets.available`."""

register_messages({
    "dataset.asem": ("ASEM 可持续互联互通指数（真实数据，COINr 示例）",
                     "ASEM Sustainable Connectivity Index (real data, COINr's example)"),
    "dataset.tiangong_demo": ("天工鼎演示：浙江省 90 个县（市、区），2020–2024 年（合成数据）",
                              "Tiangong Ding demo: Zhejiang's 90 county-level units, 2020–2024 "
                              "(synthetic data)"),
    "dataset.eco_yongkang": ("金华市 9 个县（市、区）生态文明建设监督指标（合成数据）",
                             "Eco-civilisation supervision indicators of the 9 county-level units "
                             "of Jinhua (synthetic data)"),
})

register_messages({
    "award.天工鼎": ("天工鼎", "Tiangong Ding award"),
    "award.金鼎": ("金鼎", "Gold Ding"),
    "award.非山区县前20": ("非山区县前20", "top 20 of the non-mountain counties"),
    "award.山区26县前6": ("山区26县前6", "top 6 of the 26 mountain counties"),
})

register_messages({f"measure.{zh}": (zh, en) for zh, en in {
    "%": "%", "分": "points", "天": "days", "家": "firms", "个": "projects", "件": "items",
    "起": "cases", "亩": "mu", "元": "yuan", "亿元": "100 m yuan", "万元/人": "10k yuan per person",
    "万元/亩": "10k yuan per mu", "万元/吨": "10k yuan per tonne",
    "万元/吨标准煤": "10k yuan per tce", "吨标准煤/万元": "tce per 10k yuan",
    "立方米/万元": "m³ per 10k yuan", "m³/万元": "m³ per 10k yuan", "件/百亿元": "per 10 bn yuan",
    "是/否": "yes/no", "µg/m³": "µg/m³",
}.items()})


def dataset_caption(name: str, fallback: str = "", lang: str | None = None) -> str:
    """Return a bundled dataset's caption in ``lang`` (its README title when it has no entry)."""
    key = f"dataset.{name}"
    return text(key, lang) if key in MESSAGES else (fallback or name)


def award_name(name: str, lang: str | None = None) -> str:
    """Return an award's (or an award rule's) name in ``lang``; an unknown name as it is."""
    key = f"award.{name}"
    return text(key, lang) if key in MESSAGES else name


def measure(unit: str | None, lang: str | None = None) -> str:
    """Return a unit of measure (计量单位) in ``lang``: ``天`` → ``days``; empty stays empty."""
    if not unit:
        return ""
    key = f"measure.{unit}"
    return text(key, lang) if key in MESSAGES and (lang or get_lang()) == "en" else unit
