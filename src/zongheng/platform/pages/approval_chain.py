"""The approval chain page (审核链设置), for the 管理员: the global chain and per-framework overrides.

One form sets the chain of one framework key (or of every framework): up to :data:`ROWS` levels,
each a name, the approving role and which of its grants counts; a level with a blank name is left
out, and a form with none removes the chain (a framework then follows the global one, the global
one the default single level). Submissions already submitted keep the chain they were submitted
under (:mod:`~zongheng.platform.services.approval_chain`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from zongheng.i18n import text
from zongheng.platform.models import Covers, Role
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import approval_chain
from zongheng.platform.services.approval_chain import ChainError, Step

__all__ = ["ROWS", "routes"]

routes = Routes()
ROWS = 5
CallerDep = Annotated[Caller, Depends(require(Role.ADMIN))]


def _page(request: Request, caller: Caller, *, key: str = "", problems: list[str] | None = None,
          status: int = 200) -> Response:
    db = caller.db
    keys = approval_chain.framework_keys(db)
    key = key if key in keys else ""
    chains = approval_chain.overrides(db)
    shown = list(chains.get(key) or (approval_chain.configured(db, "") if not key else ()))
    rows = shown + [None] * (ROWS - len(shown))
    return render(request, "approval_chain.html", caller=caller, status=status, keys=keys, key=key,
                  chains=chains, rows=rows[:ROWS], roles=sorted(approval_chain.APPROVING_ROLES),
                  covers=[c.value for c in Covers],
                  covers_keys={c.value: f"pf_ac_covers_{c.value}" for c in Covers},
                  problems=problems or [],
                  saved=request.query_params.get("saved") == "1")


@routes.add("GET", "/settings/approval-chain")
def chain_page(request: Request, caller: CallerDep, key: str = "") -> Response:
    """Show the configured chains and the form to set one."""
    return _page(request, caller, key=key[:64])


@routes.add("POST", "/settings/approval-chain")
async def set_chain(request: Request, caller: CallerDep) -> Response:
    """Set (or remove) the chain of one framework key, audited."""
    form = await request.form()
    field = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    key = field.get("framework_key", "")[:64]
    if key and key not in approval_chain.framework_keys(caller.db):
        # Never fall back to the global chain: a stale or forged key must not overwrite it.
        return _page(request, caller, problems=[text("pf_ac_unknown_key", caller.lang, key=key)], status=400)
    items = [{"name": field.get(f"name_{n}", ""), "name_en": field.get(f"name_en_{n}", ""),
              "role": field.get(f"role_{n}", ""), "covers": field.get(f"covers_{n}", ""),
              "same_approver": field.get(f"same_{n}") == "1"}
             for n in range(1, ROWS + 1) if field.get(f"name_{n}", "")]
    try:
        steps: tuple[Step, ...] = approval_chain.steps_from_mapping(items)
    except ChainError as refused:
        return _page(request, caller, key=key, problems=[p.message(caller.lang) for p in refused.problems],
                     status=400)
    approval_chain.set_chain(caller.db, steps, framework_key=key, user_id=caller.user.id)
    caller.db.commit()
    suffix = f"&key={key}" if key else ""
    return RedirectResponse(f"/settings/approval-chain?saved=1{suffix}", status_code=303)
