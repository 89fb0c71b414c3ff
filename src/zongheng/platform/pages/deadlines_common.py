"""Shared by the deadline pages (报送期、完整性、催报、补报): texts, today's date, forms, notices."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from zongheng.i18n import MESSAGES
from zongheng.platform.models import Region, Role
from zongheng.platform.pages import deadline_texts  # noqa: F401  (registers the texts)
from zongheng.platform.pages.deps import Caller, get_settings
from zongheng.platform.services.access import Grant

__all__ = ["NOTICES", "form_of", "notice_of", "parse_day", "redirect", "region_names", "safe_text",
           "state_grants", "today"]

NOTICES = frozenset({
    "pf_done_opened", "pf_done_due", "pf_done_locked", "pf_done_unlocked", "pf_done_reminded",
    "pf_done_requested", "pf_done_decided", "pf_err_form", "pf_err_date", "pf_err_no_departments",
    "pf_err_no_regions", "pf_err_lock_scope", "pf_err_reason", "pf_err_decided", "pf_err_until",
})
"""Notices a redirect may name in ``?notice=``; any other key is ignored (no text from the URL)."""


def today(request: Request) -> date:
    """Today in the platform's time zone (due dates are local days)."""
    return datetime.now(ZoneInfo(get_settings(request).timezone)).date()


async def form_of(request: Request) -> dict[str, str]:
    """Return a POST's text fields (a missing field is absent, not an error page)."""
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def parse_day(text: str) -> date | None:
    """Read an ISO date (``2025-03-31``) from a form; ``None`` if it is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def redirect(path: str, notice: str | None = None, **params: object) -> RedirectResponse:
    """Go back to ``path`` after a POST, naming a notice and its parameters in the query."""
    query = {k: v for k, v in params.items() if v is not None}
    if notice:
        query["notice"] = notice
    return RedirectResponse(f"{path}?{urlencode(query)}" if query else path, status_code=303)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def safe_text(key: str, lang: str, params: dict[str, object]) -> str:
    """Message ``key`` with ``params``; a missing parameter shows as ``—``, an unknown key as itself."""
    if key not in MESSAGES:
        return key
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format_map(_Blank(params))


def notice_of(request: Request, lang: str) -> tuple[str, str] | None:
    """Return (key, text) of the notice a redirect named, if it is one of ours."""
    key = request.query_params.get("notice")
    if key not in NOTICES:
        return None
    params = {k: v[:200] for k, v in request.query_params.items() if k not in ("notice", "lang")}
    return key, safe_text(key, lang, params)


def state_grants(caller: Caller, *roles: Role) -> list[Grant]:
    """Return the caller's grants of ``roles``, reading states (not values) of unapproved submissions."""
    return [dataclasses.replace(g, view_unapproved=True) for g in caller.grants if g.role in roles]


def region_names(caller: Caller) -> dict[str, str]:
    """Open name of every region code."""
    return dict(caller.db.execute(select(Region.code, Region.name).where(Region.valid_to.is_(None))).all())
