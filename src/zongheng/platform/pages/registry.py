"""The route registry (路由登记): every route, who may call it, and what object it opens.

Each page module lists its handlers in a :class:`Routes` table; :func:`install` adds them to the
app directly (not through an included router, so ``app.routes`` lists them all).
:func:`check_routes` (run by ``create_app``) refuses an app with a route that is neither declared
public nor gated by :func:`~zongheng.platform.pages.deps.require`, and :func:`routes` lists them
so a test can try every route with every role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from zongheng.platform.models import Role

__all__ = ["RouteSpec", "Routes", "check_routes", "install", "routes"]


@dataclass(frozen=True)
class RouteSpec:
    """One route as the authorisation test sees it."""

    method: str
    path: str
    public: bool
    roles: frozenset[Role]
    """Roles admitted (empty for a public route)."""
    object: tuple[str, str] | None
    """``("submission", action)`` when the route opens a submission from its path (or another
    object kind, e.g. ``("token", "revoke")``, that belongs to its owner)."""


class Routes:
    """A page module's handlers, to be installed on the app by :func:`install`."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, Callable[..., Any]]] = []

    def add(self, method: str, path: str, *, public: bool = False
            ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a handler; ``public=True`` declares it open to anonymous callers."""
        def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
            handler.zongheng_public = public  # type: ignore[attr-defined]
            self.entries.append((method, path, handler))
            return handler
        return decorate


def install(app: FastAPI, *tables: Routes) -> None:
    """Add every handler of ``tables`` to the app as an HTML route."""
    for table in tables:
        for method, path, handler in table.entries:
            app.add_api_route(path, handler, methods=[method], response_class=HTMLResponse,
                              include_in_schema=False)


def _walk(dependant: Dependant) -> list[Any]:
    calls = [dependant.call]
    for sub in dependant.dependencies:
        calls.extend(_walk(sub))
    return calls


def _spec(api_route: APIRoute) -> RouteSpec:
    public = getattr(api_route.endpoint, "zongheng_public", None)
    if public is None:
        raise RuntimeError(f"route {api_route.path} was not added through registry.Routes")
    calls = _walk(api_route.dependant)
    roles = [c.zongheng_roles for c in calls if hasattr(c, "zongheng_roles")]
    objects = [c.zongheng_object for c in calls if hasattr(c, "zongheng_object")]
    if public and roles:
        raise RuntimeError(f"public route {api_route.path} also requires roles")
    if not public and not roles:
        raise RuntimeError(f"route {api_route.path} is neither public nor gated by require()")
    admitted = frozenset.intersection(*roles) if roles else frozenset()
    (method,) = api_route.methods
    return RouteSpec(method, api_route.path, public, admitted, objects[0] if objects else None)


def routes(app: FastAPI) -> list[RouteSpec]:
    """Return every route of the app (static files aside) with its access declaration."""
    return [_spec(r) for r in app.routes if isinstance(r, APIRoute)]


def check_routes(app: FastAPI) -> None:
    """Raise RuntimeError if any route escapes the registry or the gate."""
    routes(app)
