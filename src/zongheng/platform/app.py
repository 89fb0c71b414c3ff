"""The web application (网页应用): ``create_app(settings)`` builds it; nothing is built at import.

Security choices (docs/platform.md §Security): server-side sessions in an HttpOnly, SameSite=Lax
cookie; a CSRF token per session on every state-changing request; a strict Content Security Policy
(scripts and styles only from this site, no inline script, no framing); no OpenAPI or docs pages
until the API exists and is gated like the pages.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from zongheng.platform.api import create_api
from zongheng.platform.db import make_engine, make_sessionmaker
from zongheng.platform.pages import (
    auth,
    board,
    change_requests,
    entry,
    followup,
    frameworks,
    home,
    submission,
    tokens,
)
from zongheng.platform.pages.deps import NotLoggedIn
from zongheng.platform.pages.registry import check_routes, install
from zongheng.platform.pages.render import environment, render
from zongheng.platform.settings import Settings

__all__ = ["IN_FLIGHT", "SECURITY_HEADERS", "create_app"]

IN_FLIGHT = 12
"""Requests handled at once: below the connection pool (SQLAlchemy's default 5 + 10 overflow)."""

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _not_logged_in(request: Request, _exc: Exception) -> Response:
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={target}" if request.method == "GET" else "/login",
                            status_code=303)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) and exc.detail.startswith("pf_") else (
        "pf_not_found" if exc.status_code == 404 else "pf_forbidden")
    return render(request, "error.html", status=exc.status_code, message=message)


def _bad_request(request: Request, _exc: Exception) -> Response:
    # A malformed path or form (/submissions/abc): an HTML page, not FastAPI's JSON detail.
    return render(request, "error.html", status=400, message="pf_bad_request")


def create_app(settings: Settings, *, worker: bool = False) -> FastAPI:
    """Build the platform application for ``settings`` (a database that is already migrated).

    ``worker=True`` also does queued jobs (evaluation runs) in a thread while the app runs.
    """
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from zongheng.platform.worker import Worker

        running = Worker(app.state.sessionmaker) if worker else None
        if running is not None:
            running.start()
        try:
            yield
        finally:
            if running is not None:
                await asyncio.to_thread(running.stop)

    app = FastAPI(title="zongheng", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.templates = environment(settings.timezone)

    # At most IN_FLIGHT requests reach the handlers at once; the rest wait here, holding neither a
    # worker thread nor a database connection. Without it, a deadline-day crowd (300 reporters
    # saving at once, bench/bench_platform_save.py) deadlocked: requests between two dependency
    # steps held every pooled connection while the threads that would release them waited for one.
    gate = asyncio.Semaphore(IN_FLIGHT)

    @app.middleware("http")
    async def one_at_a_time_per_connection(request: Request, call_next):
        if request.url.path.startswith("/static/"):
            return await call_next(request)
        async with gate:
            return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # issue 12: deadlines (periods, completeness, inbox, late entry)
    from zongheng.platform.pages import completeness, inbox, late_entry, periods
    install(app, periods.routes, completeness.routes, inbox.routes, late_entry.routes)
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    from zongheng.platform.pages.unavailable import install_unavailable  # issue 15: database down
    install_unavailable(app)
    install(app, auth.routes, home.routes, submission.routes, tokens.routes, frameworks.routes,
            followup.routes)
    install(app, entry.routes, board.routes, change_requests.routes)
    # issue 12: the Excel template round trip
    from zongheng.platform.pages import entry_xlsx
    install(app, entry_xlsx.routes)
    from zongheng.platform.pages import reference, runs  # issue 13: evaluation runs
    install(app, runs.routes, reference.routes)
    from zongheng.platform.pages import run_documents  # issue 13: documents archived with a run
    install(app, run_documents.routes)
    from zongheng.platform.pages import approval_chain  # issue 12: approval chain (审核链)
    install(app, approval_chain.routes)
    from zongheng.platform.pages import dashboard  # issue 13: the dashboard, its ECharts and county map
    install(app, dashboard.routes)
    app.mount("/static/report", StaticFiles(directory=dashboard.REPORT_STATIC), name="report-static")
    app.mount("/static/maps", StaticFiles(directory=dashboard.MAP_DATA), name="maps")
    from zongheng.platform.pages import eco  # issue 13: the 生态文明 page and its 人大 report draft
    install(app, eco.routes)
    from zongheng.platform.pages import unit  # issue 13: the unit page
    install(app, unit.routes)
    from zongheng.platform.pages import department  # issue 13: the department page
    install(app, department.routes)
    from zongheng.platform.pages import grading  # issue 13: the 亩均 page (grading runs)
    install(app, grading.routes)
    from zongheng.platform.pages import congress, tasks  # issue 14: problems, tasks, 销号, 人大 follow-up
    install(app, tasks.routes, congress.routes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The REST API: its own OpenAPI description, token authentication, the same access rule.
    app.mount("/api/v1", create_api(settings, app.state.sessionmaker), name="api")
    # issue 12: evidence files (佐证材料)
    from zongheng.platform.pages import evidence
    install(app, evidence.routes)
    app.state.templates.globals.update(evidence.TEMPLATE_GLOBALS)
    check_routes(app)
    return app
