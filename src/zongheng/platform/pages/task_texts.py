"""Texts of the 闭环 pages (问题清单, 整改任务, 销号), zh-CN first, English second."""

from __future__ import annotations

from zongheng.i18n import register_messages
from zongheng.platform.services import task_rows  # noqa: F401  (registers the state, source and action names)

register_messages({
    "pf_nav_group_data": ("数据报送", "Data"),
    "pf_nav_group_eval": ("评价分析", "Evaluation"),
    "pf_nav_group_loop": ("闭环整改", "Follow-up"),
    "pf_nav_tasks": ("整改台账", "Tasks"),
    "pf_tasks_title": ("问题清单与整改台账", "Problems and rectification tasks"),
    "pf_tasks_intro": ("问题来自评价结果的规则（短板、退步、未达标、红灯、D 类企业、路径抓手）或人工记录"
                       "（人大审议意见、领导批示）；每个问题下达给责任单位成为整改任务，"
                       "须有佐证并经分析员核实方可销号。",
                       "Problems come from a run's rules (weakest, decline, below target, red light, D-grade "
                       "firm, path lever) or are recorded by hand (People's Congress review items, leaders' "
                       "instructions); each becomes a task of a responsible department, closed only on "
                       "evidence verified by an analyst."),
    "pf_tasks_none": ("没有符合条件的整改任务。", "No task matches."),
    "pf_tasks_filter": ("筛选", "Filter"),
    "pf_tasks_all_states": ("全部状态", "Every state"),
    "pf_tasks_all_departments": ("全部责任单位", "Every department"),
    "pf_tasks_problem": ("问题", "Problem"),
    "pf_tasks_region": ("地区", "Region"),
    "pf_tasks_indicator": ("指标", "Indicator"),
    "pf_tasks_department": ("责任单位", "Responsible department"),
    "pf_tasks_owner": ("责任人", "Owner"),
    "pf_tasks_due": ("时限", "Deadline"),
    "pf_tasks_state": ("状态", "State"),
    "pf_tasks_overdue": ("已逾期", "overdue"),
    "pf_tasks_open_problems": ("待下达的问题", "Problems without a task"),
    "pf_tasks_no_open_problems": ("没有待下达的问题。", "Every problem has a task."),
    "pf_tasks_assign": ("下达任务", "Assign"),
    "pf_tasks_default_department": ("默认：牵头单位 {name}", "default: lead department {name}"),
    "pf_tasks_record": ("记录问题", "Record a problem"),
    "pf_tasks_source": ("来源", "Source"),
    "pf_tasks_title_field": ("问题描述", "Problem"),
    "pf_tasks_indicator_optional": ("指标代码（可选）", "Indicator code (optional)"),
    "pf_nav_congress": ("人大审议意见", "Congress review"),
    "pf_congress_title": ("人大审议意见跟踪", "Following the People's Congress review"),
    "pf_congress_intro": ("人大常委会审议生态文明建设情况报告后提出的审议意见，逐条记录于此；"
                          "分析员将每条意见下达给责任单位形成整改任务，"
                          "此页跟踪各任务的状态与佐证，并据此生成整改情况报告草稿。",
                          "Each item of the People's Congress review of the ecological-civilisation report "
                          "is recorded here; the analyst gives each to responsible departments as tasks; "
                          "this page follows their states and evidence, from which the rectification "
                          "report draft is written."),
    "pf_congress_item": ("审议意见", "Review item"),
    "pf_congress_tasks": ("整改任务", "Tasks"),
    "pf_congress_no_task": ("尚未下达任务", "no task yet"),
    "pf_congress_none": ("尚无审议意见。", "No review item yet."),
    "pf_congress_record": ("记录审议意见", "Record a review item"),
    "pf_congress_run": ("所依据的评价结果（可选）", "On run (optional)"),
    "pf_tasks_by_department": ("各责任单位督办情况", "By department"),
    "pf_tasks_open": ("未销号", "Open"),
    "pf_tasks_due_soon": ("7 天内到期", "Due within 7 days"),
    "pf_tasks_overdue_count": ("已逾期", "Overdue"),
    "pf_tasks_most_late": ("最长逾期", "Most late"),
    "pf_tasks_days": ("{days} 天", "{days} day(s)"),
    "pf_task_urge": ("催办", "Chase"),
    "pf_task_urge_note": ("催办说明（可选）", "Note (optional)"),
    "pf_task_urge_hint": ("再次催办或逾期较久时，逐级抄送部门负责人和分析办。",
                          "Repeated or long-overdue chases also reach the department head, then the analyst "
                          "office."),
    "pf_task_effect": ("整改成效", "Effect"),
    "pf_task_effect_when": ("来源", "From"),
    "pf_task_effect_value": ("指标值", "Value"),
    "pf_task_effect_rank": ("排名", "Rank"),
    "pf_task_effect_against_first": ("较问题发现时", "Against when found"),
    "pf_task_unapproved": ("未审核", "unapproved"),
    "pf_rules_button": ("按规则生成问题清单", "Find problems by the rules"),
    "pf_rules_hint": ("短板（最弱的 {k} 项）、退步、未达标、红灯、路径抓手；已有的未销号问题只更新不重复。",
                      "Weakest ({k}), declines, targets missed, red lights, path levers; an open problem "
                      "found again is updated, not repeated."),
    "pf_fact_period": ("评价期", "Period"),
    "pf_fact_unit": ("评价对象", "Unit"),
    "pf_fact_value": ("指标值", "Value"),
    "pf_fact_previous": ("上期值", "Previous value"),
    "pf_fact_previous_period": ("上期", "Previous period"),
    "pf_fact_rank": ("排名", "Rank"),
    "pf_fact_previous_rank": ("上期排名", "Previous rank"),
    "pf_fact_of": ("参评数", "Units ranked"),
    "pf_fact_score": ("得分", "Score"),
    "pf_fact_target": ("目标值", "Target"),
    "pf_fact_gap": ("差距", "Gap"),
    "pf_fact_light": ("预警灯", "Light"),
    "pf_fact_target_rank": ("目标名次", "Target rank"),
    "pf_fact_current_rank": ("当前名次", "Current rank"),
    "pf_fact_needed": ("需达到的值", "Value needed"),
    "pf_fact_change": ("所需变化（按指标方向）", "Change needed (by the indicator's direction)"),
    "pf_fact_change_pct": ("所需变化（%）", "Change needed (%)"),
    "pf_fact_open_unit": ("查看来源（评价结果或企业卡片）",
                          "Open where it was found (the run or the firm card)"),
    "pf_fact_name": ("企业", "Firm"),
    "pf_fact_township": ("乡镇街道", "Township"),
    "pf_fact_percentile": ("百分位", "Percentile"),
    "pf_fact_weakest": ("最弱指标", "Weakest indicators"),
    "pf_grading_to_problems": ("D 类企业生成问题清单", "Make the D firms problems"),
    "pf_grading_to_problems_hint": ("每家 D 类企业一个问题，已有的未销号问题只更新不重复。",
                                    "One problem per D firm; an open one found again is updated, "
                                    "not repeated."),
    "pf_eco_congress_link": ("人大审议意见及整改跟踪", "People's Congress review items and their follow-up"),
    "pf_tasks_any_due": ("全部", "Any"),
    "pf_tasks_dept_record": ("各责任单位整改记录", "Each department's record"),
    "pf_tasks_ledger_xlsx": ("导出台账（Excel）", "Download the ledger (Excel)"),
    "pf_tasks_ledger_csv": ("导出台账（CSV）", "Download the ledger (CSV)"),
    "pf_congress_report": ("生成整改情况报告（Word 草稿）", "Rectification report draft (Word)"),
    "pf_congress_report_all": ("含领导批示", "with leaders' instructions"),
    "pf_task_heading": ("整改任务 #{id}", "Task #{id}"),
    "pf_task_from_run": ("评价结果 #{run}", "run #{run}"),
    "pf_task_numbers": ("问题依据", "What shows the problem"),
    "pf_task_measures": ("整改措施", "Measures"),
    "pf_task_no_measures": ("尚未填写整改措施。", "No measures written yet."),
    "pf_task_save_measures": ("保存措施", "Save the measures"),
    "pf_task_milestones": ("工作节点", "Steps"),
    "pf_task_milestone_title": ("节点内容", "Step"),
    "pf_task_milestone_due": ("节点日期", "Date"),
    "pf_task_milestone_add": ("添加节点", "Add a step"),
    "pf_task_milestone_done": ("完成", "Done"),
    "pf_task_milestone_done_at": ("完成于 {at}", "done {at}"),
    "pf_task_no_milestones": ("尚无节点。", "No steps yet."),
    "pf_task_evidence": ("销号佐证", "Evidence"),
    "pf_task_no_evidence_yet": ("尚未申请销号。", "No request to close yet."),
    "pf_task_statement": ("整改情况说明", "What was done"),
    "pf_task_new_value": ("指标新数值", "The indicator's new value"),
    "pf_task_files": ("佐证文件", "Files"),
    "pf_task_request": ("申请销号", "Ask to close"),
    "pf_task_request_hint": ("须写明整改情况，并附文件或填写指标的新数值。",
                             "Write what was done, and attach files or give the indicator's new value."),
    "pf_task_claim": ("认领任务", "Claim the task"),
    "pf_task_verify": ("核实销号", "Verify and close"),
    "pf_task_verify_note": ("核实意见", "Verification note"),
    "pf_task_send_back": ("退回", "Send back"),
    "pf_task_reason": ("理由", "Reason"),
    "pf_task_reopen": ("重新打开", "Reopen"),
    "pf_task_returned_because": ("退回理由：{reason}", "Sent back: {reason}"),
    "pf_task_closed_by": ("{at} 由 {name} 核实销号", "Closed {at} by {name}"),
    "pf_task_wait_other": ("您提出了销号申请，须由另一位分析员核实。",
                           "You asked to close this task: another analyst verifies it."),
    "pf_task_record": ("任务记录", "Record"),
    "pf_task_when": ("时间", "When"),
    "pf_task_who": ("人员", "Who"),
    "pf_task_action": ("操作", "Action"),
    "pf_task_note": ("说明", "Note"),
    # The notes services.tasks writes on a "work" event (措施, 节点), shown in the reader's language.
    "pf_task_note_measures": ("修改整改措施", "Measures edited"),
    "pf_task_note_milestone": ("新增节点：{title}", "Step added: {title}"),
    "pf_task_note_milestone_done": ("节点完成：{title}", "Step done: {title}"),
    "pf_task_back": ("返回整改台账", "Back to the tasks"),
    "pf_task_bad_source": ("人工记录的问题来源须为人大审议意见或领导批示。",
                           "A problem recorded by hand comes from a People's Congress review or a "
                           "leader's instruction."),
    "pf_task_no_run": ("评价结果 #{run} 不存在或您无权查看。", "There is no run #{run} you may read."),
    "pf_task_no_due": ("请填写日期。", "Give a date."),
    "pf_task_no_milestone": ("此任务没有该节点。", "This task has no such step."),
    "pf_task_bad_value": ("“{value}”不是数值。", "“{value}” is not a number."),
})

STATE_KEYS = {s: f"pf_task_state_{s}" for s in ("pending", "in_progress", "requested", "closed", "returned")}
SOURCE_KEYS = {s: f"pf_task_source_{s}" for s in (
    "weakest", "decline", "below_target", "red_light", "d_grade", "path_lever", "congress", "instruction")}
ACTION_KEYS = {a: f"pf_task_action_{a}" for a in (
    "assign", "claim", "work", "request", "verify", "send_back", "reopen", "urge")}
EFFECT_KEYS = {v: f"pf_effect_{v}" for v in ("improved", "unchanged", "worse", "unknown")}
TASK_KEYS = {"state": STATE_KEYS, "source": SOURCE_KEYS, "action": ACTION_KEYS, "effect": EFFECT_KEYS}
"""The message key of each task state, problem source, task action and effect verdict, for templates."""
