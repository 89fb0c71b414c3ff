"""Texts of the platform pages (页面文本), zh-CN first, English second."""

from __future__ import annotations

from zongheng.i18n import register_messages, text
from zongheng.platform.models import Role, Scope, State

__all__ = ["ROLE_KEYS", "SCOPE_KEYS", "STATE_KEYS", "translator"]

register_messages({
    "pf_title": ("纵横 指标填报平台", "zongheng indicator platform"),
    "pf_demo_banner": ("演示数据为合成数据：地区名称真实，数值由程序生成，不代表任何地区的真实情况。",
                       "Demo data are synthetic: real region names, generated values that describe "
                       "no real place."),
    "pf_login": ("登录", "Log in"),
    "pf_logout": ("退出", "Log out"),
    "pf_username": ("用户名", "User name"),
    "pf_password": ("密码", "Password"),
    "pf_login_failed": ("用户名或密码不正确，或账号已停用、已锁定。",
                        "Wrong user name or password, or the account is disabled or locked."),
    "pf_login_throttled": ("此地址登录失败次数过多，请稍后再试。",
                           "Too many failed logins from this address; try again later."),
    "pf_form_expired": ("表单已过期或来源不明，请刷新页面后重试。",
                        "The form has expired or did not come from this site; reload the page and try "
                        "again."),
    "pf_forbidden": ("无权访问此页面。", "You may not open this page."),
    "pf_not_found": ("找不到此页面，或不在您的权限范围内。", "Not found, or outside what you may see."),
    "pf_bad_request": ("请求无效，请检查地址或表单。", "Bad request: check the address or the form."),
    "pf_home": ("首页", "Home"),
    "pf_my_roles": ("我的报送任务", "My submissions"),
    "pf_role_scope": ("{role} · {scope}", "{role} · {scope}"),
    "pf_none_in_scope": ("权限范围内暂无报送任务。", "No submissions in your scope."),
    "pf_framework": ("指标体系", "Framework"),
    "pf_version": ("{year} 年版", "{year} version"),
    "pf_period": ("期别", "Period"),
    "pf_region": ("地区", "Region"),
    "pf_department": ("部门", "Department"),
    "pf_due": ("截止日期", "Due"),
    "pf_state": ("状态", "State"),
    "pf_open": ("查看", "Open"),
    "pf_code": ("代码", "Code"),
    "pf_indicator": ("指标", "Indicator"),
    "pf_value": ("本期值", "Value"),
    "pf_unit": ("计量单位", "Unit"),
    "pf_previous": ("上期值", "Last period"),
    "pf_history": ("修改记录", "History"),
    "pf_history_count": ("{n} 条", "{n} change(s)"),
    "pf_history_line": ("{at} {user}：{old} → {new}", "{at} {user}: {old} → {new}"),
    "pf_reason": ("原因：{reason}", "reason: {reason}"),
    "pf_returned_reason": ("退回原因：{reason}", "Returned because: {reason}"),
    "pf_read_only": ("只读视图：填报请打开“填报”，校验标记见“跟进清单”，审核见“审核看板”。",
                     "Read-only view: enter values in the entry grid; check flags are in Follow-up, "
                     "approval on the board."),
    "pf_missing": ("—", "—"),
    "pf_language": ("English", "中文"),
    "pf_scope_own": ("{unit}（本单位）", "{unit} (own unit)"),
    "pf_scope_below": ("{unit}（本级及下级）", "{unit} and below"),
    "pf_scope_set": ("指定范围：{units}", "chosen set: {units}"),
    "pf_unapproved": ("可查看未审核数据", "may view unapproved data"),
    "pf_approved_only": ("仅已审核数据", "approved data only"),
    "pf_role_reporter": ("填报员", "Reporter"),
    "pf_role_approver": ("审核员", "Approver"),
    "pf_role_analyst": ("汇总分析员", "Analyst"),
    "pf_role_leader": ("领导", "Leader"),
    "pf_role_congress": ("人大", "People's Congress"),
    "pf_role_admin": ("管理员", "Administrator"),
    "pf_state_draft": ("草稿", "Draft"),
    "pf_state_submitted": ("已报送", "Submitted"),
    "pf_state_returned": ("已退回", "Returned"),
    "pf_state_approved": ("已审核", "Approved"),
    "pf_state_locked": ("已锁定", "Locked"),
})

ROLE_KEYS = {r: f"pf_role_{r.value}" for r in Role}
STATE_KEYS = {s: f"pf_state_{s.value}" for s in State}
SCOPE_KEYS = {s: f"pf_scope_{s.value}" for s in Scope}


def translator(lang: str):
    """Return ``t(key, **params)`` for templates, in ``lang``."""
    def t(key: str, **params: object) -> str:
        return text(key, lang, **params)
    return t


# Issue 12, checks: the follow-up queue and the 说明 form (pages/followup.py).
register_messages({
    "pf_followup": ("跟进清单", "Follow-up"),
    "pf_followup_intro": ("权限范围内报送任务的未解决校验标记，以及填报员的说明。",
                          "Open check flags of the submissions in your scope, with the reporters' "
                          "explanations."),
    "pf_followup_none": ("没有符合条件的未解决校验标记。", "No open check flags match."),
    "pf_ck_flags": ("校验标记", "Check flags"),
    "pf_ck_flags_none": ("本报送任务没有未解决的校验标记。", "This submission has no open check flags."),
    "pf_ck_severity": ("严重程度", "Severity"),
    "pf_ck_severity_warning": ("提示", "Warning"),
    "pf_ck_severity_blocking": ("须说明", "Needs explanation"),
    "pf_ck_any": ("全部", "All"),
    "pf_ck_filter": ("筛选", "Filter"),
    "pf_ck_message": ("校验结果", "Finding"),
    "pf_ck_explanation": ("说明", "Explanation"),
    "pf_ck_explained": ("{user} 于 {at} 说明", "explained by {user} at {at}"),
    "pf_ck_unexplained": ("尚未说明", "not explained yet"),
    "pf_ck_save_explanation": ("保存说明", "Save explanation"),
    "pf_ck_explanation_empty": ("说明不能为空，且不超过 {max} 个字。",
                                "The explanation must not be empty nor longer than {max} characters."),
    "pf_ck_explanation_saved": ("说明已保存。", "Explanation saved."),
    "pf_ck_not_editable": ("该报送任务当前状态下不能修改说明。",
                           "Explanations cannot be changed in this submission's state."),
    "pf_ck_kind_required": ("必填", "Required"), "pf_ck_kind_range": ("取值范围", "Range"),
    "pf_ck_kind_yoy": ("同比变动", "Year-on-year"), "pf_ck_kind_relation": ("指标关系", "Relation"),
    "pf_ck_kind_sum": ("合计", "Sum"), "pf_ck_kind_peer": ("同期离群", "Outlier among peers"),
    "pf_ck_kind_history": ("历史离群", "Outlier in own history"),
})
# Entry, workflow board and change requests (issue 12, part 2).
register_messages({
    "pf_flow_nav_entry": ("我的填报", "My entry"),
    "pf_flow_nav_board": ("审核看板", "Approval board"),
    "pf_flow_nav_requests": ("变更申请", "Change requests"),
    "pf_flow_entry_title": ("填报", "Entry"),
    "pf_flow_open_entry": ("填报", "Enter"),
    "pf_flow_comment": ("说明", "Comment"),
    "pf_flow_save": ("保存", "Save"),
    "pf_flow_saved": ("已保存：{n} 项有变动。", "Saved: {n} change(s)."),
    "pf_flow_nothing_saved": ("有 {n} 处错误，本次未保存任何数值，请改正后再保存。",
                              "{n} problem(s): nothing was saved; correct them and save again."),
    "pf_flow_help": ("Enter 或方向键在单元格间移动；从 Excel 复制一列或一块数据，"
                     "粘贴到起始单元格即可依次填入。"
                     "可填“1,234”“12%”“１２３”；“—”或留空表示无数据。",
                     "Enter and the arrow keys move between cells; paste a column or block copied from "
                     "Excel into its first cell. \"1,234\", \"12%\" and \"１２３\" are read; \"—\" or blank "
                     "means no value."),
    "pf_flow_closed": ("此任务状态为“{state}”，不能直接修改；已审核的数据请提交变更申请。",
                       "This submission is {state} and cannot be edited; approved data change through a "
                       "change request."),
    "pf_flow_submit": ("报送审核", "Submit for approval"),
    "pf_flow_submit_note": ("请先保存。报送后不能修改，除非被退回。",
                            "Save first. After submitting, values cannot change unless returned."),
    "pf_flow_return_due": ("补正期限：{due}", "back by {due}"),
    "pf_flow_cr_title": ("申请修改已审核数据", "Ask to change approved data"),
    "pf_flow_cr_new": ("新值", "New value"),
    "pf_flow_cr_reason": ("原因", "Reason"),
    "pf_flow_cr_send": ("提交申请", "Send request"),
    "pf_flow_cr_list": ("变更申请", "Change requests"),
    "pf_flow_cr_pending": ("待审批", "Pending"),
    "pf_flow_cr_approved": ("已批准", "Approved"),
    "pf_flow_cr_rejected": ("已驳回", "Rejected"),
    "pf_board_title": ("审核看板", "Approval board"),
    "pf_board_all": ("全部", "All"),
    "pf_board_filter": ("筛选", "Filter"),
    "pf_board_select": ("选择", "Select"),
    "pf_board_changes": ("审核后变动", "Changed since approval"),
    "pf_board_actions": ("操作", "Actions"),
    "pf_board_first": ("首次报送", "First submission"),
    "pf_board_no_change": ("上次审核后无变动", "No change since approval"),
    "pf_board_changed": ("{n} 项变动", "{n} changed"),
    "pf_board_approved_value": ("审核值", "Approved"),
    "pf_board_current_value": ("当前值", "Current"),
    "pf_board_approve": ("审核通过", "Approve"),
    "pf_board_return": ("退回", "Return"),
    "pf_board_lock": ("锁定", "Lock"),
    "pf_board_return_reason": ("退回原因", "Reason"),
    "pf_board_return_due": ("补正期限", "Back by"),
    "pf_board_approve_selected": ("批量审核通过所选", "Approve the selected"),
    "pf_board_done_approve": ("已审核通过。", "Approved."),
    "pf_board_done_return": ("已退回。", "Returned."),
    "pf_board_done_lock": ("已锁定。", "Locked."),
    "pf_board_empty": ("没有符合条件的报送任务。", "No submission matches."),
    "pf_board_submission": ("报送任务", "Submission"),
    "pf_board_requested_by": ("申请人", "Asked by"),
    "pf_board_note": ("审批意见", "Note"),
    "pf_board_cr_approve": ("批准", "Approve"),
    "pf_board_cr_reject": ("驳回", "Reject"),
    "pf_board_no_requests": ("权限范围内暂无变更申请。", "No change requests in your scope."),
})


from zongheng.platform.pages import deadline_texts  # noqa: E402, F401  (issue 12: registers its texts)

# Issue 12, evidence files (佐证材料): templates/evidence.html, evidence_refused.html (pages/evidence.py).
register_messages({
    "pf_ev_title": ("佐证材料", "Evidence files"),
    "pf_ev_help": ("每个文件不超过 {limit}，每项指标最多 {n} 个；文件类型按内容识别，扩展名须与内容一致。"
                   "可上传：{accepted}。上传会离开本页，请先保存已填写的数值。",
                   "Up to {limit} per file and {n} files per indicator; the type is read from the content "
                   "and the extension must agree with it. Accepted: {accepted}. Uploading leaves this page: "
                   "save typed values first."),
    "pf_ev_none": ("暂无佐证材料。", "No evidence files."),
    "pf_ev_line": ("{size} · {type} · {user} · {at}", "{size} · {type} · {user} · {at}"),
    "pf_ev_upload": ("上传", "Upload"),
    "pf_ev_choose": ("{code} 的佐证材料", "Evidence for {code}"),
    "pf_ev_remove": ("删除", "Remove"),
    "pf_ev_refused_title": ("佐证材料未保存", "Evidence file not saved"),
    "pf_ev_back": ("返回填报页", "Back to the entry page"),
    "pf_ev_body_too_large": ("上传内容超过佐证材料的大小上限，未保存任何文件；请压缩或拆分后重新上传。",
                             "The upload is larger than the evidence size limit; nothing was saved. "
                             "Compress or split the file and upload again."),
})

# issue 12: the approval chain's texts (审核链), named by the board, submission and settings pages.
for _module in ("zongheng.platform.pages.approval_chain_texts", "zongheng.platform.services.approval_chain"):
    __import__(_module)
