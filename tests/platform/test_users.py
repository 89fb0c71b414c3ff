"""Passwords, users, lock-out, settings."""

from __future__ import annotations

import stat

import pytest
from argon2 import PasswordHasher, extract_parameters

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, LoginSession, Role
from zongheng.platform.services import passwords, sessions, users
from zongheng.platform.settings import load_settings

from .conftest import PASSWORD


def test_hashes_are_argon2id_and_the_default_cost_is_rfc9106(factory):
    with transaction(factory) as s:
        user = users.create(s, "zhang", PASSWORD)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert not passwords.verify_password(user.password_hash, PASSWORD + "x")
    assert not passwords.verify_password("not a hash", PASSWORD)
    # Production parameters (the tests use the cheapest ones): argon2id, 64 MiB, 3 passes.
    production = extract_parameters(PasswordHasher().hash("x"))
    assert (production.type.name, production.memory_cost, production.time_cost) == ("ID", 65536, 3)


def test_generated_passwords_are_long_and_unambiguous():
    many = {passwords.generate_password() for _ in range(50)}
    assert len(many) == 50
    assert all(len(p) == 14 and not set(p) & set("0O1lI") for p in many)


def test_short_passwords_and_duplicate_names_are_refused(factory):
    with transaction(factory) as s:
        with pytest.raises(ValueError, match="至少 10 个字符"):
            users.create(s, "li", "short")
        users.create(s, "li", PASSWORD)
        with pytest.raises(ValueError, match="已存在"):
            users.create(s, "li", PASSWORD)


def test_five_failures_lock_the_account_and_a_reset_unlocks_it(factory):
    with transaction(factory) as s:
        users.create(s, "wang", PASSWORD)
    for _ in range(users.MAX_FAILED):
        with transaction(factory) as s:
            assert users.authenticate(s, "wang", "wrong password") is None
    with transaction(factory) as s:
        # Locked: even the right password fails now.
        assert users.authenticate(s, "wang", PASSWORD) is None
        user = users.by_name(s, "wang")
        assert user.failed_logins == users.MAX_FAILED and user.locked_until is not None
        users.reset_password(s, user, "a new password 42")
    with transaction(factory) as s:
        assert users.authenticate(s, "wang", "a new password 42").username == "wang"
        assert users.by_name(s, "wang").failed_logins == 0


def test_disabling_ends_sessions_and_refuses_login(factory, settings):
    with transaction(factory) as s:
        user = users.create(s, "zhao", PASSWORD)
        users.assign(s, user, Role.REPORTER, region="A")
        token, _ = sessions.start(s, user, settings.secret_key, hours=1)
    with transaction(factory) as s:
        assert sessions.find(s, settings.secret_key, token) is not None
        users.disable(s, users.by_name(s, "zhao"))
    with transaction(factory) as s:
        assert sessions.find(s, settings.secret_key, token) is None
        assert s.query(LoginSession).count() == 0
        assert users.authenticate(s, "zhao", PASSWORD) is None
        actions = [e.action for e in s.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["user.create", "user.assign", "user.disable", "login.failed"]


def test_sessions_store_a_keyed_digest_not_the_token(factory, settings):
    with transaction(factory) as s:
        user = users.create(s, "qian", PASSWORD)
        token, row = sessions.start(s, user, settings.secret_key, hours=1)
    assert token not in row.token_digest
    assert row.token_digest == sessions.digest(settings.secret_key, token)
    assert sessions.digest("another key", token) != row.token_digest


def test_the_secret_key_is_made_once_and_private(tmp_path):
    first = load_settings(tmp_path / "d")
    second = load_settings(tmp_path / "d")
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 60
    assert stat.S_IMODE((tmp_path / "d" / "secret.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o700
    assert first.database_url == f"sqlite:///{(tmp_path / 'd' / 'zongheng.db').resolve()}"
    assert load_settings(tmp_path / "e", "postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"
