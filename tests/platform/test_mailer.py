"""The email adapter (services/mailer.py) against a local SMTP sink, never a real server.

The sink is aiosmtpd on 127.0.0.1 and a free port, started per test; it keeps what it received
(envelope recipients, the raw message, the login) so the tests decode the mail as a reader would.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from zongheng.i18n import register_messages
from zongheng.platform.db import transaction
from zongheng.platform.models import Message, User
from zongheng.platform.services import inbox, mailer
from zongheng.platform.services.mailer import MailConfig, MailError

register_messages({"pf_test_mail": ("测试：{department}的任务已逾期 {days} 天",
                                    "Test: {department} is {days} day(s) late")})

SUBJECT = "【纵横】整改任务催办：统计局"
BODY = "您好：\n整改任务“规上工业增加值增速”已逾期 3 天，请尽快办理。\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Sink:
    """What the local SMTP server received."""

    mails: list[tuple[list[str], email.message.EmailMessage]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.mails.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def sink():
    """An SMTP sink on 127.0.0.1 that accepts the login zongheng / s3cret (over plain text: a test)."""
    received = Sink()

    def authenticate(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"zongheng", b"s3cret")
        if isinstance(data, LoginPassword):
            received.logins.append((data.login, data.password))
        return AuthResult(success=ok)

    controller = Controller(received, hostname="127.0.0.1", port=_free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    received.port = controller.port
    try:
        yield received
    finally:
        controller.stop()


def _config(sink: Sink, **changes) -> MailConfig:
    settings = {"host": "127.0.0.1", "port": sink.port, "sender": "zongheng@example.cn", "timeout": 5.0}
    return MailConfig(**(settings | changes))


def test_a_chinese_mail_reaches_every_recipient_decoded(sink):
    mailer.send_mail(_config(sink), ["a@example.cn", "b@example.cn"], SUBJECT, BODY)
    [(recipients, mail)] = sink.mails
    assert recipients == ["a@example.cn", "b@example.cn"]
    assert (mail["Subject"], mail["From"], mail["To"]) == (SUBJECT, "zongheng@example.cn",
                                                           "a@example.cn, b@example.cn")
    assert mail.get_content() == BODY
    assert mail.get_content_charset() == "utf-8"
    assert mail["Message-ID"].endswith("@example.cn>")
    assert sink.logins == []        # no user: no login


def test_the_login_is_used_and_a_refused_one_is_a_failure_naming_the_server(sink):
    mailer.send_mail(_config(sink, user="zongheng", password="s3cret"), "a@example.cn", SUBJECT, BODY)
    assert sink.logins == [(b"zongheng", b"s3cret")]
    assert len(sink.mails) == 1
    with pytest.raises(MailError) as refused:
        mailer.send_mail(_config(sink, user="zongheng", password="wrong"), "a@example.cn", SUBJECT, BODY)
    assert f"127.0.0.1:{sink.port}" in str(refused.value)
    assert "a@example.cn" in str(refused.value)
    assert len(sink.mails) == 1
    # smtplib cannot send a non-ASCII login: refused before the conversation, with the reason.
    with pytest.raises(MailError, match="must be ASCII"):
        mailer.send_mail(_config(sink, user="zongheng", password="口令"), "a@example.cn", SUBJECT, BODY)
    assert (len(sink.logins), len(sink.mails)) == (2, 1)


def test_starttls_asked_of_a_server_without_it_fails_rather_than_send_in_clear(sink):
    with pytest.raises(MailError) as caught:
        mailer.send_mail(_config(sink, starttls=True), "a@example.cn", SUBJECT, BODY)
    assert "SMTPNotSupportedError" in str(caught.value)
    assert sink.mails == []


def test_no_recipient_is_refused_before_connecting():
    with pytest.raises(MailError, match="at least one recipient"):
        mailer.send_mail(MailConfig(host="127.0.0.1", port=_free_port(), sender="z@example.cn"), [],
                         SUBJECT, BODY)


def _reporter(s) -> User:
    return s.scalars(select(User).where(User.username == "reporter")).one()


def test_an_inbox_message_is_mirrored_by_mail_in_chinese_then_english(factory, world, sink):
    with transaction(factory) as s:
        delivery = mailer.notify(s, _reporter(s).id, "pf_test_mail", config=_config(sink),
                                 address="reporter@example.cn", link="/tasks/7",
                                 base_url="https://zh.example.cn/", department="统计局", days=3)
        assert (delivery.mailed, delivery.error) == (True, "")
    [(recipients, mail)] = sink.mails
    assert recipients == ["reporter@example.cn"]
    assert mail["Subject"] == "【纵横】测试：统计局的任务已逾期 3 天"
    body = mail.get_content()
    zh, link, en = (body.index(t) for t in ("测试：统计局的任务已逾期 3 天", "https://zh.example.cn/tasks/7",
                                            "Test: 统计局 is 3 day(s) late"))
    assert zh < link < en
    with factory() as s:
        [message] = inbox.messages_of(s, _reporter(s).id)
        assert (message.subject_key, inbox.params_of(message)) == ("pf_test_mail",
                                                                   {"department": "统计局", "days": 3})


def test_a_failed_mail_keeps_the_inbox_message_and_says_why(factory, world):
    dead = MailConfig(host="127.0.0.1", port=_free_port(), sender="z@example.cn", timeout=5.0)
    with transaction(factory) as s:
        delivery = mailer.notify(s, _reporter(s).id, "pf_test_mail", config=dead,
                                 address="reporter@example.cn", department="统计局", days=3)
        assert not delivery.mailed
        assert f"127.0.0.1:{dead.port}" in delivery.error
    with factory() as s:
        assert s.scalar(select(Message.subject_key).where(Message.recipient_id == _reporter(s).id)) \
            == "pf_test_mail"


def test_no_address_or_no_settings_means_inbox_only(factory, world, sink):
    with transaction(factory) as s:
        reporter = _reporter(s).id
        assert not mailer.notify(s, reporter, "pf_test_mail", config=_config(sink), days=1).mailed
        assert not mailer.notify(s, reporter, "pf_test_mail", address="r@example.cn", days=1).mailed
    assert sink.mails == []
    with factory() as s:
        assert inbox.unread_count(s, _reporter(s).id) == 2


def test_settings_come_from_the_environment_and_bad_values_say_which():
    config = mailer.config_from_env({
        "ZONGHENG_SMTP_HOST": " smtp.example.cn ", "ZONGHENG_SMTP_PORT": "587",
        "ZONGHENG_SMTP_USER": "zongheng", "ZONGHENG_SMTP_PASSWORD": "口令 ",
        "ZONGHENG_SMTP_SENDER": "zongheng@example.cn", "ZONGHENG_SMTP_STARTTLS": "True",
        "ZONGHENG_SMTP_TIMEOUT": "2.5"})
    assert config == MailConfig(host="smtp.example.cn", port=587, user="zongheng", password="口令 ",
                                sender="zongheng@example.cn", starttls=True, timeout=2.5)
    assert "口令" not in repr(config)
    assert mailer.config_from_env({"ZONGHENG_SMTP_HOST": "  ", "ZONGHENG_SMTP_PORT": "x"}) is None
    base = {"ZONGHENG_SMTP_HOST": "smtp.example.cn", "ZONGHENG_SMTP_SENDER": "z@example.cn"}
    assert mailer.config_from_env(base) == MailConfig(host="smtp.example.cn", sender="z@example.cn")
    for name, value, expected in (("PORT", "twenty-five", "whole number"), ("PORT", "0", "above 0"),
                                  ("STARTTLS", "maybe", "true/false"), ("SENDER", "nobody", "From address")):
        with pytest.raises(MailError) as caught:
            mailer.config_from_env(base | {f"ZONGHENG_SMTP_{name}": value})
        assert f"ZONGHENG_SMTP_{name}={value!r}" in str(caught.value)
        assert expected in str(caught.value)
