"""The award (评选): whether the unit won, by which selection, its wins in a row and streaks."""

from __future__ import annotations

import re

from zongheng import display
from zongheng.analysis.ranking import AwardSelection
from zongheng.report.html.blocks import Section, cell, table
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.text import award_name, register, sep, t

__all__ = ["award"]

register({
    "h.award": ("{award}评选", "The {award} award"),
    "award_won": ("{p}年{unit}入选{award}（{rule}，{place}），已连续入选 {run} 年。",
                  "In {p} {unit} won the {award} award ({rule}; {place}): {run} wins in a row."),
    "place_in": ("{group}内第 {rank} 名", "{rank} in {group}"),
    "award_lost": ("{p}年{unit}未入选{award}。", "In {p} {unit} did not win the {award} award."),
    "award_streak": ("{unit}于 {periods} 年获{streak}（连续 {k} 年入选）。",
                     "{unit} earned the {streak} in {periods} ({k} wins in a row)."),
    "award_rules": ("评选规则：{rules}；连续 {k} 年入选授予{streak}。",
                    "Rule: {rules}; {k} wins in a row earn the {streak}."),
    "period": ("年份", "Period"),
    "selected": ("入选", "Selected"),
    "rule": ("入选规则", "Rule"),
    "not_selected": ("未入选", "not selected"),
    "run": ("连续入选（年）", "Wins in a row"),
    "selection_rank": ("评选名次", "Rank in the selection"),
    "winners": ("{p}年获奖名单", "Winners in {p}"),
    "top_of": ("{group}={value} 前 {top} 名", "top {top} of {group}={value}"),
})

_TOP = re.compile(r"前\s*\d+\s*(名)?$")


def selection_group(rule: AwardSelection) -> str:
    """Return the group a selection ranks within, in words: 非山区县 (from 非山区县前20)."""
    name = _TOP.sub("", rule.name or "").strip()
    if name:
        return name
    return f"{rule.group}={rule.value}" if rule.group else t("all")


def award(f: UnitFacts) -> Section:
    """Return the award section: the rule, this period's result, the years, the winners."""
    b = f.brief
    a = b.award
    rule = a.rule
    name = award_name(rule.name)
    sec = Section("award", t("h.award", award=name))
    won = a.winners[a.winners["unit"] == b.unit].set_index("period")
    streaks = a.streaks[a.streaks["unit"] == b.unit].set_index("period")
    k = rule.streak.consecutive if rule.streak else None
    streak_name = award_name(rule.streak.name) if rule.streak else ""
    scopes = {s.name: selection_group(s) for s in rule.rules}
    rules = ("；" if f.lang == "zh" else "; ").join(
        s.name or t("top_of", group=s.group, value=s.value, top=s.top) for s in rule.rules)
    if rule.streak:
        sec.paragraph(t("award_rules", rules=rules, k=k, streak=streak_name))
    if b.period in won.index:
        w = won.loc[[b.period]].iloc[0]
        sec.paragraph(t("award_won", p=b.period, unit=b.name, award=name, rule=w["rule"],
                        place=t("place_in", group=scopes.get(w["rule"], w["rule"]), rank=int(w["rank"])),
                        run=int(w["run"])), cls="key")
    else:
        sec.paragraph(t("award_lost", p=b.period, unit=b.name, award=name), cls="key")
    earned = a.streak_awards[a.streak_awards["unit"] == b.unit]
    if rule.streak and len(earned):
        sec.paragraph(t("award_streak", unit=b.name, streak=streak_name, k=k,
                        periods=sep().join(str(p) for p in earned["period"])))
    columns = [t("period"), t("selected"), t("selection_rank"), t("run")]
    if rule.streak:
        columns.append(streak_name)
    rows = []
    for period in f.ev.panel.periods:
        w = won.loc[[period]].iloc[0] if period in won.index else None
        s = streaks.loc[period] if period in streaks.index else None
        # the group named in every cell: 非山区县内第 15 名, never a bare 组内名次
        rank = display.MISSING if w is None else \
            t("place_in", group=scopes.get(w["rule"], w["rule"]), rank=int(w["rank"]))
        row = [cell(period), cell(f"✓ {w['rule']}" if w is not None else t("not_selected"),
                                  "up" if w is not None else ""),
               cell(rank, "num"), cell(int(s["run"]) if s is not None else display.MISSING, "num")]
        if rule.streak:
            row.append(cell("✓" if s is not None and bool(s["awarded"]) else "", "up"))
        rows.append(row)
    sec.table(table(columns, rows, table_id="award-table"))
    now = a.winners[a.winners["period"] == b.period]
    if len(now):
        rows = [[cell(rule_name), cell(len(part), "num"),
                 cell(sep().join(f.names.get(u, u) for u in part["unit"]))]
                for rule_name, part in now.groupby("rule", sort=False)]
        sec.table(table([t("rule"), t("units_count"), t("unit")], rows, caption=t("winners", p=b.period)))
    return sec
