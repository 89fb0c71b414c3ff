"""The API application (接口应用), mounted by the platform at ``/api/v1``."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from zongheng.platform.api.routes import router
from zongheng.platform.settings import Settings

__all__ = ["create_api"]


def create_api(settings: Settings, factory: sessionmaker[Session]) -> FastAPI:
    """Build the API for the platform's settings and session factory.

    The OpenAPI description is served at ``/api/v1/openapi.json``; there is no interactive page
    (Swagger UI would load its scripts from a CDN, which an intranet does not reach).
    """
    from zongheng import __version__

    api = FastAPI(title="zongheng platform API", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="指标填报平台接口：令牌代表其用户，权限范围与网页相同。 "
                              "The platform's REST API: a token acts as its user, with the same scopes "
                              "as the pages.")
    api.state.settings = settings
    api.state.sessionmaker = factory
    # issue 12: the reads' error answers documented too (401; 422 in the writes' ProblemsOut shape)
    from zongheng.platform.api.problems import READ_ERRORS, UNAVAILABLE
    api.include_router(router, responses=READ_ERRORS)
    # issue 12: writes (values, workflow actions, 说明, bulk values) and their located refusals
    from zongheng.platform.api import limits, problems, writes
    api.include_router(writes.router, responses=UNAVAILABLE)
    problems.install_handlers(api)
    api.add_middleware(limits.BodyLimit)
    return api
