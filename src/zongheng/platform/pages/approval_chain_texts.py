"""Texts of the approval chain page (审核链设置), zh-CN first, English second."""

from __future__ import annotations

from zongheng.i18n import register_messages

register_messages({
    "pf_ac_title": ("审核链设置", "Approval chain"),
    "pf_ac_intro": ("报送任务按审核链逐级审核，最后一级通过即为“已审核”；"
                    "任一级退回即回到填报员并从第一级重新开始。"
                    "已报送的任务沿用报送时的审核链，修改只影响此后的报送。",
                    "A submission is approved level by level; the last level makes it approved. A return "
                    "at any level sends it back to the reporter and starts again at the first level. "
                    "Submissions already submitted keep the chain they were submitted under; a change "
                    "applies to later submits."),
    "pf_ac_global": ("全部指标体系（默认）", "Every framework (default)"),
    "pf_ac_builtin": ("未设置：单级审核（审核员）", "Not set: one level (approver)"),
    "pf_ac_position": ("级", "Level"),
    "pf_ac_name": ("名称", "Name"),
    "pf_ac_name_en": ("英文名称", "English name"),
    "pf_ac_role": ("审核角色", "Role"),
    "pf_ac_covers": ("审核范围", "Who approves"),
    "pf_ac_covers_department": ("本科室负责人（授权范围含报送部门）",
                                "department head (grant covers the submitting department)"),
    "pf_ac_covers_parent": ("牵头单位（授权范围含上级部门）",
                            "lead unit (grant covers the department above)"),
    "pf_ac_covers_any": ("权限范围内任一人", "anyone of the role in scope"),
    "pf_ac_same": ("允许与上一级同一人", "same person as the level before allowed"),
    "pf_ac_set_for": ("设置对象", "Set the chain of"),
    "pf_ac_save": ("保存审核链", "Save the chain"),
    "pf_ac_blank_hint": ("名称留空的级不计；全部留空即删除该审核链。",
                         "Levels with a blank name are left out; all blank removes the chain."),
    "pf_ac_saved": ("审核链已保存。", "The chain was saved."),
    "pf_ac_yes": ("是", "yes"),
    "pf_ac_unknown_key": ("没有指标体系“{key}”，审核链未改变。",
                          "No framework \"{key}\": the chain was not changed."),
})
