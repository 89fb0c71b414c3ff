"""Rendering (页面渲染): the Jinja2 environment (autoescaped) and the common page context."""

from __future__ import annotations

import math
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader

from zongheng.platform.pages.deps import CSRF_FIELD, CSRF_HEADER, Caller, lang_of
from zongheng.platform.pages.messages import ROLE_KEYS, STATE_KEYS, translator

__all__ = ["environment", "number", "render"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def number(value: float | None) -> str:
    """Format a value for a table: up to 4 decimals, no trailing zeros, ``—`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def environment(timezone: str = "Asia/Shanghai") -> Environment:
    """Return the template environment: every ``{{ … }}`` is HTML-escaped."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    zone = ZoneInfo(timezone)
    env.filters["number"] = number
    # The database keeps naive UTC; people read their own clock.
    env.filters["localtime"] = lambda at, fmt="%Y-%m-%d %H:%M": (
        at.replace(tzinfo=UTC).astimezone(zone).strftime(fmt))
    return env


def render(request: Request, template: str, *, caller: Caller | None = None, status: int = 200,
           **context: Any) -> HTMLResponse:
    """Render a page with what every page needs (language, user, CSRF token, demo banner)."""
    lang = caller.lang if caller is not None else lang_of(request)
    env: Environment = request.app.state.templates
    html = env.get_template(template).render(
        request=request, t=translator(lang), lang=lang, caller=caller,
        csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER,
        demo=request.app.state.settings.demo, role_keys=ROLE_KEYS, state_keys=STATE_KEYS, **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("lang", request.query_params["lang"], httponly=True, samesite="lax")
    return response
