"""A mail to the moderator for each comment that waits, when an SMTP server is set.

NEWSROOM_SMTP_URL is ``smtp://[user:password@]host[:port]`` (``smtps://`` for TLS);
NEWSROOM_MODERATOR_EMAIL is who gets the mail. A failure is logged, never raised: the
comment is stored already, and `newsroom comments list` shows it either way.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5


def notify_pending(settings, comment_id: int, submission, thread) -> bool:
    message = EmailMessage()
    message["From"] = settings.moderator_email
    message["To"] = settings.moderator_email
    message["Subject"] = f"Comment #{comment_id} awaits moderation: {thread.title}"[:200]
    message.set_content(
        f"{submission.author} commented on “{thread.title}” ({thread.permalink}):\n\n"
        f"{submission.body}\n\n"
        f"Approve:  newsroom comments approve {comment_id}\n"
        f"Reject:   newsroom comments reject {comment_id}\n"
        f"Spam:     newsroom comments spam {comment_id}\n"
    )
    try:
        send(settings.smtp_url, message)
    except (OSError, smtplib.SMTPException) as exc:
        logger.error("Moderator mail for comment %s not sent: %s", comment_id, exc)
        return False
    return True


def send(smtp_url: str, message: EmailMessage) -> None:
    parts = urlsplit(smtp_url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(parts.hostname or "localhost", port, timeout=TIMEOUT_SECONDS) as smtp:
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
