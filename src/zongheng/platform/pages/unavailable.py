"""When the database cannot answer (数据库暂不可用): a 503 page, never a traceback or a cut connection.

PostgreSQL restarting, the network to it down, or the disk under SQLite full raise SQLAlchemy's
``OperationalError`` (or ``InterfaceError``) inside a handler. Unhandled, it reached Starlette's
last-resort handler: a bare ``Internal Server Error`` without the security headers, after which
uvicorn closed the connection, so a browser that had already sent its next request on it saw
the connection drop. Here it becomes a page in the platform's layout with status 503 and
``Retry-After``: the request's transaction was rolled back (the session closes with the request),
and the pool checks each connection before lending it (``pool_pre_ping``), so the next request
after the database is back succeeds without restarting the server.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import InterfaceError, OperationalError

from zongheng.i18n import register_messages
from zongheng.platform.pages.render import render

__all__ = ["DATABASE_ERRORS", "RETRY_AFTER_SECONDS", "install_unavailable", "unavailable_key"]

log = logging.getLogger("zongheng.platform")

RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)
"""What SQLAlchemy raises when the database cannot answer (the pages and the API both catch them)."""

register_messages({
    "pf_db_unavailable": ("数据库暂时无法访问（可能正在重启），本次操作未保存。请稍后重试。",
                          "The database cannot be reached just now (it may be restarting); nothing "
                          "was saved. Try again in a moment."),
    "pf_db_full": ("服务器磁盘已满，本次操作未保存。请联系管理员清理数据目录所在磁盘。",
                   "The server's disk is full; nothing was saved. Ask the administrator to free space "
                   "on the disk of the data folder."),
})


def _full(exc: Exception) -> bool:
    # SQLite: "database or disk is full" (SQLITE_FULL); PostgreSQL: "No space left on device".
    text = str(getattr(exc, "orig", exc)).lower()
    return "disk is full" in text or "no space left" in text


def unavailable_key(request: Request, exc: Exception) -> str:
    """Log why the database failed a request; return the message key to answer with."""
    reason = (str(getattr(exc, "orig", exc)).strip() or type(exc).__name__).splitlines()[0]
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, reason)
    return "pf_db_full" if _full(exc) else "pf_db_unavailable"


def _unavailable(request: Request, exc: Exception) -> Response:
    response = render(request, "error.html", status=503, message=unavailable_key(request, exc))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install_unavailable(app: FastAPI) -> None:
    """Answer a page request whose database call failed with the 503 page."""
    for kind in DATABASE_ERRORS:
        app.add_exception_handler(kind, _unavailable)
