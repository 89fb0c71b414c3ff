"""Inbox page (消息): a user's messages, newest first, and the unread count in the navigation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from zongheng.platform.models import Message
from zongheng.platform.pages.deadlines_common import form_of, redirect, safe_text
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import inbox

__all__ = ["routes"]

routes = Routes()
CallerDep = Annotated[Caller, Depends(require())]


@routes.add("GET", "/inbox")
def inbox_page(request: Request, caller: CallerDep) -> Response:
    """List the caller's messages."""
    messages = inbox.messages_of(caller.db, caller.user.id)
    subjects = {m.id: safe_text(m.subject_key, caller.lang, inbox.params_of(m)) for m in messages}
    return render(request, "inbox.html", caller=caller, messages=messages, subjects=subjects,
                  unread=inbox.unread_count(caller.db, caller.user.id))


@routes.add("GET", "/inbox/count")
def unread_badge(caller: CallerDep) -> Response:
    """Return the navigation's unread badge (loaded by htmx), empty when nothing is unread."""
    n = inbox.unread_count(caller.db, caller.user.id)
    html = f'<span class="unread" data-unread="{n}">{escape(n)}</span>' if n else ""
    return HTMLResponse(html)


@routes.add("POST", "/inbox/read")
async def mark_read(request: Request, caller: CallerDep) -> Response:
    """Mark one message (then open its link) or all messages read."""
    form = await form_of(request)
    text = form.get("message_id", "")
    message_id = int(text) if text.isdigit() and len(text) < 10 else None
    message = caller.db.get(Message, message_id) if message_id is not None else None
    if message is not None and message.recipient_id != caller.user.id:
        message = None      # someone else's message: behave as if it did not exist
    if message_id is not None and message is None:
        return redirect("/inbox")
    inbox.mark_read(caller.db, caller.user.id, message_id)
    caller.db.commit()
    link = message.link if message is not None else ""
    # Links are written by the platform, but only ever follow a path on this site.
    return redirect(link if link.startswith("/") and not link.startswith("//") else "/inbox")
