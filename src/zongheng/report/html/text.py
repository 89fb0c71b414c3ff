"""Words shared by the HTML pages (网页报告用语): labels in the message catalogue, and their helpers.

Every string a page shows is a keyed ``(zh, en)`` message of :mod:`zongheng.i18n`
(keys ``html.*``); the section modules register the sentences only they use.
The pages render under :func:`zongheng.i18n.using_lang`, so :func:`t` needs no
language argument.
"""

from __future__ import annotations

from zongheng.i18n import get_lang, register_messages, text
from zongheng.terms import award_name as terms_award_name
from zongheng.terms import measure_name

__all__ = ["award_name", "group_rank", "in_group", "measure", "ordinal", "register", "section_number",
           "sentences", "sep", "t", "zh_number"]

PREFIX = "html."


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Register a module's page words under the ``html.`` prefix."""
    register_messages({PREFIX + k: v for k, v in messages.items()})


def t(key: str, **params: object) -> str:
    """Return the page word ``key`` in the current language with ``params`` filled in."""
    return text(PREFIX + key, **params)


register({
    "report": ("评价报告", "evaluation report"),
    "year": ("{p}年", "{p}"),
    "index": ("综合指数", "Index"),
    "rank": ("总名次", "Rank"),
    "change": ("变化", "Change"),
    "unit": ("地区", "Unit"),
    "all": ("全部", "All"),
    "all_units": ("全部单位", "all units"),
    "indicator": ("指标", "Indicator"),
    "name": ("名称", "Name"),
    "dimension": ("维度", "Dimension"),
    "value": ("数值", "Value"),
    "previous": ("上期", "Previous"),
    "measure": ("计量单位", "Unit of measure"),
    "department": ("牵头部门", "Lead department"),
    "units_count": ("单位数", "Units"),
    "end": ("。", "."),
    "imputed": ("{value}（插补）", "{value} (imputed)"),
    "rank_in": ("{group}内名次", "Rank in {group}"),
    "rank_in_group_column": ("{group}内名次", "Rank within its {group}"),
    "in_group": ("{group}内", "in {group}"),
    "others": ("其他 {n} 项", "{n} others"),
    "more_names": ("等 {n} 个", "and {n} more"),
    "synthetic_banner": ("演示数据为合成数据，不是任何地区的统计数据",
                         "Synthetic demo data, no region's statistics"),
    "synthetic_note": ("本报告所用数据为合成的演示数据，不是任何县（市、区）的统计数据，不得引用。",
                       "The data of this report are synthetic demo data, no county's statistics: "
                       "do not quote them."),
    "source": ("数据来源：{s}", "Data: {s}"),
    "method": ("计算方法：{m}", "Method: {m}"),
    "made_by": ("由 zongheng {v} 生成。", "Made with zongheng {v}."),
    "echarts": ("图表由 Apache ECharts {v}（Apache-2.0 许可）绘制，脚本已内嵌于本文件，离线可用。",
                "Charts drawn with Apache ECharts {v} (Apache-2.0), inlined in this file: it works "
                "offline."),
})

_ZH_DIGITS = "〇一二三四五六七八九"


def zh_number(n: int) -> str:
    """Return 1–99 in Chinese numerals (一 … 十一 … 九十九); larger numbers as digits.

    Examples
    --------
    >>> zh_number(3), zh_number(10), zh_number(12), zh_number(40)
    ('三', '十', '十二', '四十')
    """
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _ZH_DIGITS[ones]
    head = "十" if tens == 1 else _ZH_DIGITS[tens] + "十"
    return head + (_ZH_DIGITS[ones] if ones else "")


def ordinal(n: int) -> str:
    """Return ``3rd`` in English and ``第3`` in Chinese."""
    if get_lang() == "en":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    return f"第{n}"


def section_number(i: int) -> str:
    """Return a section's number: ``一、`` in Chinese, ``1. `` in English."""
    return f"{i}. " if get_lang() == "en" else f"{zh_number(i)}、"


def sep() -> str:
    """Return the separator of a list in running text: ``、`` or ``, ``."""
    return ", " if get_lang() == "en" else "、"


def sentences(*parts: str) -> str:
    """Join sentences: with a space in English, without one in Chinese."""
    return (" " if get_lang() == "en" else "").join(p for p in parts if p)


def measure(unit: object) -> str:
    """Return a unit of measure in the current language (``天`` → ``days``); empty when none."""
    return measure_name(unit)


def award_name(name: str) -> str:
    """Return an award's name in the current language (the name itself when not catalogued)."""
    return terms_award_name(name)


def group_rank(label: str | None) -> str:
    """Return the heading of a rank within a named group: ``金华市内名次`` (``Rank in 金华市``).

    Without a group, the overall rank (``总名次``).
    """
    return t("rank_in", group=label) if label else t("rank")


def in_group(label: str | None) -> str:
    """Return ``金华市内`` / ``in 金华市``; ``全部单位`` / ``all units`` without a group."""
    return t("in_group", group=label) if label else t("all_units")
