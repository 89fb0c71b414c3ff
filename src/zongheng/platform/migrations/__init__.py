"""Alembic migrations shipped in the package (数据库迁移); run through zongheng.platform.migrate."""
