"""The shared web platform (共享填报平台), ``zongheng serve``: departments enter, check and approve.

Layers, each testable alone (docs/platform.md): :mod:`~zongheng.platform.models` (tables) and
``migrations/`` (Alembic) → :mod:`~zongheng.platform.services` (plain functions over a database
session, no HTTP) → :mod:`~zongheng.platform.pages` (server-rendered HTML) →
:func:`zongheng.platform.app.create_app`. Nothing here is imported by ``import zongheng`` or by
``zongheng --help``: FastAPI and SQLAlchemy load only when a platform command runs.
"""
