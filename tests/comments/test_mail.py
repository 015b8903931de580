"""Moderator mail through a real SMTP server on loopback (aiosmtpd)."""

import logging
import time
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from newsroom.comments.config import Settings
from newsroom.comments.mail import notify_pending
from newsroom.comments.manifest import Thread
from newsroom.comments.model import Submission
from tests.support.service import free_port
from tests.support.smtp import Inbox

THREAD = Thread("slug", "A headline", "articles/slug/", "https://news.example/articles/slug/",
                None, None, "en")  # fmt: skip
SUBMISSION = Submission("slug", "Ann", "ann@example.org", "", "Nice piece.", None, "")


@pytest.fixture
def smtp_server(inbox):
    return inbox, inbox.url


def only_desk(server, session, envelope, mechanism, auth_data) -> AuthResult:
    good = isinstance(auth_data, LoginPassword) and auth_data.login == b"desk"
    # handled=False: aiosmtpd answers the refusal itself (535) instead of saying nothing
    return AuthResult(success=good and auth_data.password == b"right p@ss", handled=False)


@pytest.fixture
def smtp_server_with_login():
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=only_desk,
        auth_require_tls=False,  # loopback only; real servers offer STARTTLS, which we use
        auth_required=True,
    )
    controller.start()
    yield inbox, controller.port
    controller.stop()


def test_a_pending_comment_mails_the_moderator(smtp_server):
    inbox, url = smtp_server
    settings = Settings(smtp_url=url, moderator_email="desk@news.example")
    assert notify_pending(settings, 42, SUBMISSION, THREAD) is True
    ((recipients, message),) = inbox.messages
    assert recipients == ["desk@news.example"]
    assert message["Subject"] == "Comment #42 awaits moderation: A headline"
    text = message.get_payload(decode=True).decode()
    assert "Nice piece." in text
    assert "newsroom comments approve 42" in text
    assert "ann@example.org" not in text


NO_TLS_ON_LOOPBACK = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@NO_TLS_ON_LOOPBACK
def test_a_server_that_wants_a_login_gets_it(smtp_server_with_login):
    inbox, port = smtp_server_with_login
    url = f"smtp://desk:right%20p%40ss@127.0.0.1:{port}"
    settings = Settings(smtp_url=url, moderator_email="desk@news.example")
    assert notify_pending(settings, 5, SUBMISSION, THREAD) is True
    assert len(inbox.messages) == 1


@NO_TLS_ON_LOOPBACK
def test_a_refused_login_is_logged_without_the_password(smtp_server_with_login, caplog):
    inbox, port = smtp_server_with_login
    url = f"smtp://desk:wrong-sekrit@127.0.0.1:{port}"
    settings = Settings(smtp_url=url, moderator_email="desk@news.example")
    with caplog.at_level(logging.ERROR):
        assert notify_pending(settings, 6, SUBMISSION, THREAD) is False
    assert "Moderator mail for comment 6 not sent: SMTPAuthenticationError" in caplog.text
    assert "sekrit" not in caplog.text
    assert inbox.messages == []


def test_nothing_is_sent_without_a_server_or_a_moderator(smtp_server):
    inbox, url = smtp_server
    assert notify_pending(Settings(smtp_url=url), 1, SUBMISSION, THREAD) is False
    assert notify_pending(Settings(moderator_email="d@x.org"), 1, SUBMISSION, THREAD) is False
    assert inbox.messages == []


def test_line_breaks_in_a_title_or_name_cannot_add_headers(smtp_server):
    inbox, url = smtp_server
    settings = Settings(smtp_url=url, moderator_email="desk@news.example")
    title = replace(THREAD, title="Headline\r\nBcc: victim@example.org")
    author = replace(SUBMISSION, author="Eve\nBcc: other@example.org")
    assert notify_pending(settings, 9, author, title) is True
    ((recipients, message),) = inbox.messages
    assert recipients == ["desk@news.example"]
    assert message["Bcc"] is None
    assert message["Subject"] == "Comment #9 awaits moderation: Headline Bcc: victim@example.org"


def test_a_mail_failure_is_logged_not_raised(caplog):
    settings = Settings(smtp_url=f"smtp://127.0.0.1:{free_port()}", moderator_email="d@x.org")
    with caplog.at_level(logging.ERROR):
        assert notify_pending(settings, 7, SUBMISSION, THREAD) is False
    assert "Moderator mail for comment 7 not sent" in caplog.text


def test_the_service_mails_after_storing(service_runner, smtp_server, fake_akismet):
    inbox, url = smtp_server
    service = service_runner.start(
        {
            **fake_akismet.env(),  # checked: mailed at once (unchecked ones wait, test_jobs)
            "NEWSROOM_SMTP_URL": url,
            "NEWSROOM_MODERATOR_EMAIL": "desk@news.example",
        }
    )
    from tests.support.service import THREAD as SLUG

    with service.client() as client:
        answer = client.post(
            "/api/comments",
            json={"thread": SLUG, "author": "Ann", "email": "a@example.org", "body": "Mail me"},
        )
    assert answer.status_code == 202
    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    ((_, message),) = inbox.messages
    assert f"Comment #{answer.json()['id']} awaits moderation" in message["Subject"]


def this_machines_address() -> str | None:
    """An address of this machine that is not loopback (no packet is sent)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@NO_TLS_ON_LOOPBACK
def test_no_password_in_the_clear_to_another_machine(caplog):
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    inbox = Inbox()
    controller = Controller(
        inbox, hostname=address, port=free_port(), authenticator=only_desk,
        auth_require_tls=False, auth_required=True,
    )  # fmt: skip
    controller.start()
    try:
        url = f"smtp://desk:right%20p%40ss@{address}:{controller.port}"
        settings = Settings(smtp_url=url, moderator_email="desk@news.example")
        with caplog.at_level(logging.ERROR):
            assert notify_pending(settings, 7, SUBMISSION, THREAD) is False
    finally:
        controller.stop()
    assert "no login without TLS" in caplog.text
    assert "p@ss" not in caplog.text and inbox.messages == []


@pytest.fixture
def tls_smtp(self_signed):
    """start(implicit) -> (inbox, port): SMTPS (implicit TLS) or STARTTLS required, with a
    certificate no system trusts, and a login."""
    started = []

    def start(implicit: bool, host: str = "127.0.0.1"):
        inbox = Inbox()
        context = self_signed.server_context()
        # aiosmtpd counts only STARTTLS as TLS: over SMTPS, let it offer AUTH anyway.
        tls = (
            {"ssl_context": context, "auth_require_tls": False}
            if implicit
            else {"tls_context": context}
        )
        controller = Controller(
            inbox, hostname=host, port=free_port(), authenticator=only_desk,
            auth_required=True, require_starttls=not implicit, **tls,
        )  # fmt: skip
        controller.start()
        started.append(controller)
        return inbox, controller.port

    yield start
    for controller in started:
        controller.stop()


@NO_TLS_ON_LOOPBACK
@pytest.mark.parametrize("implicit", [True, False], ids=["smtps", "starttls"])
def test_a_certificate_that_cannot_be_verified_gets_nothing(tls_smtp, implicit, caplog):
    """Neither the password nor the comment goes to a server whose certificate the
    system's authorities do not vouch for (off loopback for STARTTLS: on this machine
    smtp:// may go in clear)."""
    host = "127.0.0.1" if implicit else this_machines_address()
    if host is None:
        pytest.skip("this machine has no address besides loopback")
    inbox, port = tls_smtp(implicit, host)
    scheme = "smtps" if implicit else "smtp"
    settings = Settings(
        smtp_url=f"{scheme}://desk:right%20p%40ss@{host}:{port}",
        moderator_email="desk@news.example",
    )
    with caplog.at_level(logging.ERROR):
        assert notify_pending(settings, 7, SUBMISSION, THREAD) is False
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
    assert "p@ss" not in caplog.text and inbox.messages == []


@NO_TLS_ON_LOOPBACK
@pytest.mark.parametrize("implicit", [True, False], ids=["smtps", "starttls"])
def test_a_custom_authority_is_trusted_when_named(tls_smtp, self_signed, implicit):
    inbox, port = tls_smtp(implicit)
    scheme = "smtps" if implicit else "smtp"
    settings = Settings(
        smtp_url=f"{scheme}://desk:right%20p%40ss@127.0.0.1:{port}",
        moderator_email="desk@news.example",
        smtp_ca_file=str(self_signed.cert),
    )
    assert notify_pending(settings, 7, SUBMISSION, THREAD) is True
    ((_, message),) = inbox.messages
    assert "Comment #7" in message["Subject"]


def test_without_starttls_nothing_goes_to_another_machine_in_clear(caplog):
    """No password, and no reader's words either: smtp:// off loopback needs STARTTLS."""
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    inbox = Inbox()
    controller = Controller(inbox, hostname=address, port=free_port())
    controller.start()
    try:
        settings = Settings(
            smtp_url=f"smtp://{address}:{controller.port}", moderator_email="desk@news.example"
        )
        with caplog.at_level(logging.ERROR):
            assert notify_pending(settings, 7, SUBMISSION, THREAD) is False
    finally:
        controller.stop()
    assert "STARTTLS" in caplog.text
    assert inbox.messages == []


def test_a_local_mail_server_with_a_self_signed_starttls_still_gets_the_mail(self_signed):
    """A local MTA (Debian's postfix) offers STARTTLS with a self-signed certificate:
    on loopback, without NEWSROOM_SMTP_CA_FILE, the mail goes in clear on this machine."""
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), tls_context=self_signed.server_context()
    )
    controller.start()
    try:
        settings = Settings(
            smtp_url=f"smtp://127.0.0.1:{controller.port}", moderator_email="desk@news.example"
        )
        assert notify_pending(settings, 7, SUBMISSION, THREAD) is True
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
