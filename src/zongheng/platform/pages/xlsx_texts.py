"""Texts of the Excel template pages (Excel 模板页面文本), zh-CN first, English second."""

from __future__ import annotations

from zongheng.i18n import register_messages
from zongheng.platform.services.entry import Problem

__all__ = ["EXPIRED"]

register_messages({
    "pf_xlsx_download": ("下载 Excel 填报模板（已预填）", "Download the Excel template (pre-filled)"),
    "pf_xlsx_upload_title": ("上传 Excel 填报模板", "Upload the Excel template"),
    "pf_xlsx_upload_note": ("上传后先预览：列出每个有问题的单元格和将要修改的数值，确认后才保存。",
                            "An upload is previewed first: every problem cell and every change is "
                            "listed; nothing is saved until you confirm."),
    "pf_xlsx_file": ("Excel 文件（.xlsx，不超过 5 MB）", "Excel file (.xlsx, at most 5 MB)"),
    "pf_xlsx_preview": ("上传并预览", "Upload and preview"),
    "pf_xlsx_preview_title": ("Excel 导入预览", "Excel upload preview"),
    "pf_xlsx_nothing_saved": ("试导入：本次未保存任何数值。", "Dry run: nothing has been saved."),
    "pf_xlsx_problems": ("有 {n} 个问题单元格，改正后请重新上传；有问题的文件不能确认保存。",
                         "{n} problem cell(s): fix them and upload again; a file with problems cannot be "
                         "saved."),
    "pf_xlsx_changes": ("将要保存的修改（{n} 项）", "Changes to save ({n})"),
    "pf_xlsx_no_changes": ("文件与当前数据一致，没有需要保存的修改。",
                           "The file matches the current data: nothing to save."),
    "pf_xlsx_cell": ("单元格", "Cell"),
    "pf_xlsx_old": ("原值", "Old"),
    "pf_xlsx_new": ("新值", "New"),
    "pf_xlsx_comment_change": ("说明", "Comment"),
    "pf_xlsx_confirm": ("确认保存", "Confirm and save"),
    "pf_xlsx_file_digest": ("文件 SHA-256：{sha}", "File SHA-256: {sha}"),
    "pf_xlsx_saved": ("已从 Excel 保存 {n} 项修改。", "{n} change(s) saved from Excel."),
    "pf_xlsx_back": ("返回填报表格", "Back to the entry grid"),
    "pf_xlsx_body_too_large": ("上传的文件超过 5 MB，未读取。",
                               "The upload is larger than 5 MB; it was not read."),
    "pf_xlsx_confirm_expired": ("确认已失效或不属于本次上传（超过 1 小时、已退出登录或内容不符），"
                                "未保存；请重新上传文件。",
                                "The confirmation has expired or does not belong to this upload (over an "
                                "hour, logged out, or altered); nothing was saved, upload the file again."),
})

EXPIRED = Problem("pf_xlsx_confirm_expired", {})
