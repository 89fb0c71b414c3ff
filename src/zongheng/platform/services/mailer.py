"""Email adapter (邮件通知): mirror in-app messages to email over SMTP.

The inbox (services/inbox.py) is the record; email is a copy for people who do not log in every
day. :func:`notify` writes the in-app message first and then tries the mail, so a mail server that
is down, refuses the login or the address never loses the message: the failure is logged and
returned. The SMTP settings come from the environment (:func:`config_from_env`); with no host set
there is no email at all.

``User`` has no email column (models/users.py), so the address is the caller's to give
(``address=``), e.g. from the organisation's directory.

The mail is sent at once, inside the caller's transaction; a transaction that rolls back after it
leaves a mail without its in-app message, so callers notify just before they commit.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.i18n import MESSAGES, register_messages
from zongheng.platform.models import Message, User
from zongheng.platform.services import inbox

__all__ = ["Delivery", "MailConfig", "MailError", "addresses_of", "config_from_env", "mail_of", "notify",
           "render", "send_mail"]

log = logging.getLogger("zongheng.platform.mailer")

register_messages({
    "pf_mail_subject": ("【纵横】{text}", "[Zongheng] {text}"),
    "pf_mail_link": ("查看：{url}", "Open: {url}"),
    "pf_mail_footer": ("此邮件由纵横平台自动发送，内容与站内消息相同，请登录平台办理。",
                       "Sent by the Zongheng platform, a copy of your in-app message: log in to act on it."),
})

ENV_PREFIX = "ZONGHENG_SMTP_"
TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off", ""})


class MailError(Exception):
    """A mail that could not be sent, or SMTP settings that cannot be used; the text says which."""


@dataclass(frozen=True)
class MailConfig:
    """SMTP settings (邮件服务器设置).

    Parameters
    ----------
    host : str
        The SMTP server.
    port : int, default=25
        Its port (587 with STARTTLS, as a rule).
    user, password : str, default=""
        The login; no login when ``user`` is empty.
    sender : str
        The From address.
    starttls : bool, default=False
        Upgrade the connection with STARTTLS before the login; a server that does not offer it
        is a failure, never a fallback to clear text.
    timeout : float, default=10.0
        Seconds to wait for the server.
    """

    host: str
    port: int = 25
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    starttls: bool = False
    timeout: float = 10.0


def _env_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise MailError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def _env_number(name: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        value = kind(raw.strip())
    except ValueError:
        raise MailError(f"{name}={raw!r}: expected {'a whole' if kind is int else 'a'} number") from None
    if value <= 0:
        raise MailError(f"{name}={raw!r}: expected a number above 0")
    return value


def config_from_env(environ: Mapping[str, str] | None = None) -> MailConfig | None:
    """Build the SMTP settings from ``ZONGHENG_SMTP_*`` variables; ``None`` when no host is set.

    Parameters
    ----------
    environ : Mapping[str, str], optional
        The variables (default ``os.environ``). Variables: ``ZONGHENG_SMTP_HOST``, ``_PORT`` (25),
        ``_USER``, ``_PASSWORD``, ``_SENDER`` (required with a host), ``_STARTTLS`` (false),
        ``_TIMEOUT`` (10 seconds).

    Raises
    ------
    MailError
        A variable that cannot be read, naming it and what was expected.

    Examples
    --------
    >>> config_from_env({"ZONGHENG_SMTP_HOST": "mail.example.cn", "ZONGHENG_SMTP_SENDER": "zh@example.cn",
    ...                  "ZONGHENG_SMTP_PORT": "587", "ZONGHENG_SMTP_STARTTLS": "yes"}).port
    587
    >>> config_from_env({}) is None
    True
    """
    environ = os.environ if environ is None else environ

    def get(name: str) -> tuple[str, str | None]:
        return ENV_PREFIX + name, environ.get(ENV_PREFIX + name)

    host = (environ.get(ENV_PREFIX + "HOST") or "").strip()
    if not host:
        return None
    sender_name, sender = get("SENDER")
    if not sender or "@" not in sender:
        raise MailError(f"{sender_name}={sender!r}: expected the From address (name@domain) when "
                        f"{ENV_PREFIX}HOST is set")
    options: dict[str, object] = {}
    for key, kind in (("PORT", int), ("TIMEOUT", float)):
        name, raw = get(key)
        if raw is not None and raw.strip():
            options[key.lower()] = _env_number(name, raw, kind)
    name, raw = get("STARTTLS")
    if raw is not None:
        options["starttls"] = _env_bool(name, raw)
    return MailConfig(host=host, user=environ.get(ENV_PREFIX + "USER", "").strip(),
                      password=environ.get(ENV_PREFIX + "PASSWORD", ""), sender=sender.strip(), **options)


def send_mail(config: MailConfig, to: str | Sequence[str], subject: str, body: str) -> None:
    """Send one plain-text mail (UTF-8, so Chinese subjects and bodies travel as they are).

    Raises
    ------
    MailError
        The server could not be reached, refused STARTTLS, the login or a recipient, or the login
        is not ASCII; the text names the server and the recipients.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError("send_mail: expected at least one recipient, got none")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    message.set_content(body)
    where = f"SMTP {config.host}:{config.port} to {', '.join(recipients)}"
    if not (config.user + config.password).isascii():
        # smtplib encodes AUTH as ASCII and would fail half-way through the conversation.
        raise MailError(f"{where}: the SMTP user and password must be ASCII characters")
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.user:
                smtp.login(config.user, config.password)
            smtp.send_message(message, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{where}: {type(exc).__name__}: {exc}") from exc


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def render(key: str, lang: str, params: Mapping[str, object]) -> str:
    """Return message ``key`` in ``lang`` (``"zh"`` or ``"en"``); a missing parameter shows as ``—``.

    A key no module has registered shows as itself rather than failing a mail.
    """
    if key not in MESSAGES:
        return key
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format_map(_Blank(params))


def mail_of(message: Message, *, base_url: str = "") -> tuple[str, str]:
    """Return the subject and body of the mail that mirrors an in-app message (zh-CN, then English).

    ``base_url`` (``https://zongheng.example.cn``) makes the message's link absolute.
    """
    params = inbox.params_of(message)
    zh, en = (render(message.subject_key, lang, params) for lang in ("zh", "en"))
    lines = [zh]
    if message.link:
        lines += ["", render("pf_mail_link", "zh", {"url": base_url.rstrip("/") + message.link})]
    lines += ["", en, "", render("pf_mail_footer", "zh", {}), render("pf_mail_footer", "en", {})]
    return render("pf_mail_subject", "zh", {"text": zh}), "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Delivery:
    """What :func:`notify` did: the in-app message, and whether its mail went out."""

    message: Message
    mailed: bool
    error: str = ""
    """Why the mail failed ("" when it went out or none was due)."""


def addresses_of(session: Session, user_ids) -> dict[int, str]:
    """Return the mail address of each of ``user_ids`` that has one (``User.email``)."""
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids), User.email != "")).all())


def notify(session: Session, recipient_id: int, subject_key: str, *, config: MailConfig | None = None,
           address: str | None = None, link: str = "", sender_id: int | None = None, base_url: str = "",
           **params: object) -> Delivery:
    """Put a message in a user's inbox (:func:`inbox.send`) and mirror it to ``address`` by mail.

    No mail is tried without a ``config`` or an ``address``. A failed mail is logged and returned
    in :attr:`Delivery.error`; the in-app message stays.
    """
    message = inbox.send(session, recipient_id, subject_key, link=link, sender_id=sender_id, **params)
    if config is None or not address:
        return Delivery(message, mailed=False)
    subject, body = mail_of(message, base_url=base_url)
    try:
        send_mail(config, address, subject, body)
    except MailError as exc:
        log.warning("message %s to user %s kept in the inbox; its mail failed: %s", message.id,
                    recipient_id, exc)
        return Delivery(message, mailed=False, error=str(exc))
    return Delivery(message, mailed=True)
