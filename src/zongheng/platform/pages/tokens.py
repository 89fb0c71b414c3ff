"""My API tokens (我的访问令牌): list, make (the token is shown once), revoke.

Every logged-in user may make tokens for themselves; a token acts with the user's own roles and
scopes (:mod:`zongheng.platform.api`), so it grants nothing the user does not already have.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from zongheng.i18n import register_messages
from zongheng.platform.models import ApiToken
from zongheng.platform.pages.deps import MAX_ID, Caller, get_settings, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import tokens

__all__ = ["routes"]

routes = Routes()

register_messages({
    "pf_tokens": ("我的访问令牌", "My API tokens"),
    "pf_tokens_note": ("访问令牌供其他系统调用本平台接口（/api/v1），代表您本人，权限范围与您的账号相同。"
                       "令牌只在生成时显示一次，请妥善保存；不用时请撤销。",
                       "A token lets another system call the platform's API (/api/v1) as you, with your "
                       "account's scope. It is shown once, when made: keep it safe, and revoke it when "
                       "no longer needed."),
    "pf_token_once": ("新令牌如下，只显示这一次：", "Your new token, shown this once:"),
    "pf_token_name": ("名称", "Name"),
    "pf_token_days_label": ("有效天数", "Valid for (days)"),
    "pf_token_create": ("生成令牌", "Make a token"),
    "pf_token_created": ("生成时间", "Made"),
    "pf_token_expires": ("到期时间", "Expires"),
    "pf_token_used": ("最近使用", "Last used"),
    "pf_token_live": ("有效", "Live"),
    "pf_token_revoked": ("已撤销", "Revoked"),
    "pf_token_revoke": ("撤销", "Revoke"),
    "pf_tokens_none": ("还没有访问令牌。", "No tokens yet."),
    "pf_token_bad_name": ("令牌名称不能为空，且不超过100个字符。",
                          "A token needs a name of 1–100 characters."),
    "pf_token_bad_days": ("有效天数应为 1 至 {max} 天。", "Valid for 1 to {max} days."),
    "pf_nav_tokens": ("访问令牌", "API tokens"),
    "pf_token_can_write": ("允许写入（填报数值、报送与审核、填写说明）；不勾选则只能读取",
                           "May write (enter values, workflow actions, explanations); else it only reads"),
    "pf_token_access": ("权限", "Access"),
    "pf_token_read_write": ("读写", "Read and write"),
    "pf_token_read_only": ("只读", "Read only"),
})


def _page(request: Request, caller: Caller, *, new_token: str | None = None, error: str | None = None,
          status: int = 200) -> Response:
    return render(request, "tokens.html", status=status, caller=caller,
                  tokens=tokens.mine(caller.db, caller.user), new_token=new_token, error=error,
                  max_days=tokens.MAX_DAYS)


@routes.add("GET", "/tokens")
def token_list(request: Request, caller: Annotated[Caller, Depends(require())]) -> Response:
    """List the caller's tokens."""
    return _page(request, caller)


@routes.add("POST", "/tokens")
def token_create(request: Request, caller: Annotated[Caller, Depends(require())],
                 name: Annotated[str, Form(max_length=100)],
                 days: Annotated[int, Form(ge=1, le=tokens.MAX_DAYS)] = 90,
                 can_write: Annotated[bool, Form()] = False) -> Response:
    """Make a token and show it once (read-only unless ``can_write`` was ticked)."""
    try:
        token, _row = tokens.create(caller.db, caller.user, get_settings(request).secret_key, name, days=days,
                                    can_write=can_write)
    except ValueError as exc:
        return _page(request, caller, error=str(exc), status=400)
    caller.db.commit()
    return _page(request, caller, new_token=token)


def own_token(token_id: Annotated[int, Path(ge=1, le=MAX_ID)],
              caller: Annotated[Caller, Depends(require())]) -> ApiToken:
    """Load one of the caller's own tokens; another user's token is 404, as if it did not exist."""
    row = caller.db.get(ApiToken, token_id)
    if row is None or row.user_id != caller.user.id:
        raise HTTPException(status_code=404, detail="pf_not_found")
    return row


own_token.zongheng_object = ("token", "revoke")  # type: ignore[attr-defined]  # read by the registry


@routes.add("POST", "/tokens/{token_id}/revoke")
def token_revoke(caller: Annotated[Caller, Depends(require())],
                 token: Annotated[ApiToken, Depends(own_token)]) -> Response:
    """Revoke one of the caller's tokens (revoking a revoked token changes nothing)."""
    if tokens.revoke(caller.db, caller.user, token.id):
        caller.db.commit()
    return RedirectResponse("/tokens", status_code=303)
