"""Passwords (密码): argon2id hashes, generated passwords.

argon2-cffi's defaults are RFC 9106's second recommended profile (argon2id, 64 MiB, 3 passes),
stored in PHC format (``$argon2id$v=19$m=65536,t=3,p=4$…``) so the parameters travel with the hash
and an older hash is upgraded at the next login (:func:`needs_rehash`).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST

__all__ = ["MIN_LENGTH", "generate_password", "hash_password", "needs_rehash", "use_cheapest_for_tests",
           "verify_password"]

MIN_LENGTH = 10
# No 0/O, 1/l/I: a printed demo password is read off a screen and typed.
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


_HASHER = [PasswordHasher()]


def _hasher() -> PasswordHasher:
    return _HASHER[0]


def use_cheapest_for_tests() -> None:
    """Switch to argon2-cffi's cheapest argon2id parameters: for test suites only.

    A real hash costs 64 MiB and about a second on a busy machine; tests that log in hundreds of
    times use the same algorithm (``$argon2id$``) with the smallest memory and time.
    """
    assert CHEAPEST.type is Type.ID
    _HASHER[0] = PasswordHasher.from_parameters(CHEAPEST)


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password (密码散列)."""
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Tell whether ``password`` matches ``stored_hash``; a malformed hash is no match."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Tell whether a hash was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)


def generate_password(length: int = 14) -> str:
    """Return a random password (随机密码) from an unambiguous alphabet."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
