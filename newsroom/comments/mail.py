"""A mail to the moderator for each comment that waits, when an SMTP server is set.

NEWSROOM_SMTP_URL is ``smtp://[user:password@]host[:port]`` (``smtps://`` for TLS from
the start; ``smtp://`` upgrades with STARTTLS, required but on loopback); certificates are
verified (NEWSROOM_SMTP_CA_FILE may name other authorities). NEWSROOM_MODERATOR_EMAIL is
who gets the mail. A failure is logged, never raised: the
comment is stored already, and `newsroom comments list` shows it either way. The mail and
the log carry neither the commenter's address nor the SMTP password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from newsroom.comments.config import Settings, is_loopback
from newsroom.comments.manifest import Thread


class Written(Protocol):
    """What the mail shows of a comment (a Submission or a stored Comment)."""

    @property
    def author(self) -> str: ...

    @property
    def body(self) -> str: ...


logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
SUBJECT_LIMIT = 200


def notify_pending(
    settings: Settings, comment_id: int, submission: Written, thread: Thread
) -> bool:
    """Mail the moderator about comment ``comment_id``; True when the server took it."""
    if not (settings.smtp_url and settings.moderator_email):
        return False
    try:
        links = action_links_for(settings, comment_id, thread)
        mail = message(settings.moderator_email, comment_id, submission, thread, links)
        send(settings.smtp_url, mail, ca_file=settings.smtp_ca_file)
    except Exception as exc:  # a background task: whatever went wrong, log it and go on
        logger.error("Moderator mail for comment %s not sent: %s", comment_id, _reason(exc))
        return False
    return True


def action_links_for(settings: Settings, comment_id: int, thread: Thread) -> dict[str, str]:
    """The console's page of the comment and the one-click links, when the console's
    address is known (NEWSROOM_CONSOLE_URL, else the site's /moderate)."""
    from newsroom.comments import action_links

    console = settings.console_url or origin(settings.site_url or thread.permalink)
    if not console or not settings.secret_key:
        return {}
    if not settings.console_url:
        console += "/moderate"
    signer = settings.signer()
    return {
        "open": f"{console}/comments/{comment_id}",
        **{
            action: f"{console}/mail/{action_links.make(signer, comment_id, action)}"
            for action in action_links.ACTIONS
        },
    }


def origin(address: str) -> str:
    """``scheme://host[:port]`` of an absolute address ("" for any other)."""
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def message(
    moderator: str,
    comment_id: int,
    submission: Written,
    thread: Thread,
    links: dict[str, str] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = moderator
    mail["To"] = moderator
    # One line: a title or name with a line break would otherwise break the header.
    subject = f"Comment #{comment_id} awaits moderation: {one_line(thread.title)}"
    mail["Subject"] = subject[:SUBJECT_LIMIT]
    clicks = ""
    if links:
        clicks = (
            f"Open it in the console: {links['open']}\n"
            f"Approve it:             {links['approve']}\n"
            f"Mark it as spam:        {links['spam']}\n"
            "(each link asks you to confirm, works once, and expires in 7 days)\n\n"
        )
    mail.set_content(
        f"{one_line(submission.author)} commented on “{one_line(thread.title)}”"
        f" ({thread.permalink}):\n\n"
        f"{submission.body}\n\n"
        f"{clicks}"
        f"Approve:  newsroom comments approve {comment_id}\n"
        f"Reject:   newsroom comments reject {comment_id}\n"
        f"Spam:     newsroom comments spam {comment_id}\n"
    )
    return mail


def send(smtp_url: str, mail: EmailMessage, ca_file: str = "", to: str = "") -> None:
    """Over TLS whose certificate and host name are verified (the system's authorities,
    or ``ca_file``); in clear only to this machine. ``to``: the one recipient, whatever
    the To header says."""
    parts = urlsplit(smtp_url)
    host = parts.hostname or "localhost"
    context = ssl.create_default_context(cafile=ca_file or None)
    if parts.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        smtp = smtplib.SMTP(host, parts.port or 25, timeout=TIMEOUT_SECONDS)
    with smtp:
        smtp.ehlo()
        # On this machine, mail may go in clear (a local MTA's STARTTLS certificate is
        # usually self-signed): TLS there only with the authorities named for it.
        local = is_loopback(host) and not ca_file
        if parts.scheme == "smtp" and smtp.has_extn("starttls") and not local:
            smtp.starttls(context=context)
            smtp.ehlo()
        elif parts.scheme == "smtp" and not is_loopback(host):
            # Neither a password nor a reader's words cross the network in the clear.
            raise smtplib.SMTPNotSupportedError(
                "no STARTTLS offered: no login without TLS, and no mail in clear to another "
                "machine (use smtps://)"
            )
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(mail, to_addrs=[to] if to else None)


def one_line(text: str) -> str:
    """A name or title fit for a header or a sentence: its white space one space."""
    return " ".join(str(text).split())


def _reason(exc: Exception) -> str:
    """What failed, in one line. smtplib's errors hold the server's answer, not ours."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
