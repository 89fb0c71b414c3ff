"""HTML pages (页面): server-rendered Jinja2 with HTMX, one module per page family.

Every route is declared with :func:`zongheng.platform.pages.registry.route` and every non-public
route depends on :func:`zongheng.platform.pages.deps.require`; ``create_app`` refuses to start
otherwise, and tests/platform enumerate the registry to test every route × role × scope.
"""
