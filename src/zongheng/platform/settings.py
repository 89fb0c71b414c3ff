"""Platform settings (平台设置): the data folder, the database URL and the secret key.

Built by :func:`load_settings` and passed to :func:`zongheng.platform.app.create_app`; nothing is
read from the environment at import time, so a test makes its own settings for a temporary folder.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_DATA", "DEMO_MARKER", "Settings", "load_settings", "secret_key"]

DEFAULT_DATA = Path("zongheng-data")
SECRET_FILE = "secret.key"
DEMO_MARKER = "DEMO"
"""A file in the data folder saying the database holds the synthetic demo (pages then say so)."""


@dataclass(frozen=True)
class Settings:
    """What the platform needs to run (运行设置).

    Attributes
    ----------
    data_dir : Path
        The data folder: the SQLite database, the secret key, uploaded files.
    database_url : str
        SQLAlchemy URL; ``sqlite:///<data_dir>/zongheng.db`` unless ``--database`` says otherwise.
    secret_key : str
        Random key generated once into the data folder (mode 0600); keys the session-token digests.
    session_hours : float
        How long a login lasts (from the login, not renewed by activity).
    secure_cookies : bool
        Mark cookies ``Secure`` (only sent over HTTPS); off for the loopback default.
    timezone : str
        Zone the pages show times in; the database keeps UTC.
    demo : bool
        The database holds the synthetic demo data: pages say so.
    evidence_max_bytes : int
        Largest evidence file (佐证材料) accepted, in bytes (default 20 MB;
        ``ZONGHENG_EVIDENCE_MAX_MB`` sets it in MB).
    evidence_max_files : int
        Most evidence files one value may have (default 10; ``ZONGHENG_EVIDENCE_MAX_FILES``).
    mail : MailConfig or None
        SMTP settings from ``ZONGHENG_SMTP_*`` (services/mailer.py); None: notices stay in the inbox.
    site_url : str
        The site's address as users reach it (``ZONGHENG_SITE_URL``), making links in mails absolute.
    """

    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    session_hours: float = 8.0
    secure_cookies: bool = False
    demo: bool = False
    timezone: str = "Asia/Shanghai"
    evidence_max_bytes: int = 20 * 1024 * 1024
    evidence_max_files: int = 10
    mail: object | None = field(default=None, repr=False)
    site_url: str = ""


def _normalise_url(url: str) -> str:
    # "postgresql://" alone makes SQLAlchemy look for psycopg2; the platform ships psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def secret_key(data_dir: Path) -> str:
    """Return the data folder's secret key, generating it (mode 0600) on first use."""
    file = data_dir / SECRET_FILE
    if file.exists():
        return file.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once cannot both write a key; the loser reads the winner's.
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key


def load_settings(data_dir: Path | str | None = None, database_url: str | None = None, *,
                  demo: bool = False, secure_cookies: bool = False) -> Settings:
    """Make the settings for a data folder, creating the folder and its secret key if missing.

    Parameters
    ----------
    data_dir : path, optional
        The data folder (default ``./zongheng-data``).
    database_url : str, optional
        ``postgresql://user@host:port/db`` to run on PostgreSQL; default SQLite in the data folder.
    """
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA
    # Private: the database holds password hashes and the folder the secret key.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = _normalise_url(database_url) if database_url else f"sqlite:///{(folder / 'zongheng.db').resolve()}"
    demo = demo or (folder / DEMO_MARKER).exists()
    return Settings(folder, url, secret_key(folder), demo=demo, secure_cookies=secure_cookies,
                    **_evidence_limits(), **_mail())


def _mail() -> dict[str, object]:
    # issue 14: 催办 by mail; read when the settings are made (the mailer is imported only then).
    from zongheng.platform.services.mailer import MailError, config_from_env

    try:
        config = config_from_env()
    except MailError as exc:
        raise ValueError(str(exc)) from None
    return {"mail": config, "site_url": os.environ.get("ZONGHENG_SITE_URL", "").strip().rstrip("/")}


def _evidence_limits() -> dict[str, int]:
    # issue 12: evidence files; read when the settings are made, never at import.
    out = {}
    for variable, field_name, scale in (("ZONGHENG_EVIDENCE_MAX_MB", "evidence_max_bytes", 1024 * 1024),
                                        ("ZONGHENG_EVIDENCE_MAX_FILES", "evidence_max_files", 1)):
        raw = os.environ.get(variable, "").strip()
        if raw:
            if not raw.isdigit() or int(raw) < 1:
                raise ValueError(f"{variable} 应为正整数 (must be a positive whole number): {raw!r}")
            out[field_name] = int(raw) * scale
    return out
