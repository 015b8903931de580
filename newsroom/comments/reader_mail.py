"""Mail to readers who asked for it: a confirmation, then "your comment is published" and
"NAME replied to your comment", each with one-click unsubscribe (RFC 8058).

A reader ticks the box on the form; the comment keeps it (``notify``). The ``mail`` job
(jobs.py) then, off the request path: makes the address a subscriber of that article
and, when the comment's browser is not one the address confirmed, queues a confirmation
(store/subscriptions.py says why trust is per browser); queues the notices due; and
sends what is due from the store's outbox, claiming each mail first so that no two
runners send it. A failing SMTP server puts the mail off with a growing wait; no address
gets more than MAX_AN_HOUR mails an hour. No mail carries another reader's address.

Settings: NEWSROOM_MAIL_FROM (the sender; unset, no mail), NEWSROOM_SMTP_URL as for the
moderator's mail, NEWSROOM_SECRET_KEY (signs the links), and the service's public address
for the links (NEWSROOM_SERVICE_URL, else the site's: NEWSROOM_SITE_URL or the build's).
"""

from __future__ import annotations

import html
import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlencode, urlsplit

from newsroom.comments.config import Settings
from newsroom.comments.mail import SUBJECT_LIMIT, one_line, origin, send
from newsroom.comments.manifest import Thread, ThreadIndex, index_at
from newsroom.comments.signing import BadToken, Signer
from newsroom.comments.store import Store
from newsroom.comments.store.subscriptions import Mail, OptInRules, Subscriber, email_key

logger = logging.getLogger(__name__)

CONFIRM_LIFETIME = timedelta(days=7)
ASK_AGAIN_AFTER = timedelta(days=1)  # one address is sent a confirmation at most daily
GROUP_LIMIT = 3  # confirmations a day for boxes ticked from one address group (IP, /64)
HOUR_LIMIT = 100  # confirmations an hour, for everyone: the rest wait
OPT_IN_MAX_AGE = timedelta(days=7)  # older boxes (mail was off) ask for nothing
NOTICE_WINDOW = timedelta(days=25)  # notices for comments this recent (purge: 30 days)
MAX_AN_HOUR = 10  # mails to one address
CLAIM = timedelta(minutes=10)  # a claimed mail is free again after this (its sender died)
FIRST_WAIT = timedelta(minutes=1)  # after a failure; doubled each time, up to LONGEST_WAIT
LONGEST_WAIT = timedelta(hours=6)
GIVE_UP_AFTER = 40  # attempts (about 9 days of a failing server)
BATCH = 50  # mails a run looks at
RUN_SECONDS = 60  # a run stops taking mails after this (well under a claim and Lambda's limit)
# Unsubscribe links never expire: signed for longer than any mail is kept.
FOREVER = timedelta(days=365 * 100)
CONFIRM, UNSUBSCRIBE = "subscription-confirm", "subscription-unsubscribe"
PATH = "/api/subscriptions"


@dataclass(frozen=True)
class Ran:
    handled: int = 0  # boxes ticked, handled
    queued: int = 0  # mails queued (confirmations and notices)
    sent: int = 0
    put_off: int = 0  # failed, or over the hourly limit: tried again later
    dropped: int = 0  # nothing left to tell (comment gone, unsubscribed), or refused for good
    off: str = ""  # why nothing was done (off_because)

    def summary(self) -> str:
        if self.off:
            return self.off
        return (
            f"{self.handled} opt-ins, {self.queued} queued, {self.sent} sent, "
            f"{self.put_off} put off, {self.dropped} dropped"
        )


def off_because(settings: Settings, threads: ThreadIndex) -> str:
    """Why readers' mail is off ("" when it is on)."""
    if not (settings.mail_from and settings.smtp_url and settings.secret_key):
        return "off (needs NEWSROOM_MAIL_FROM, NEWSROOM_SMTP_URL and NEWSROOM_SECRET_KEY)"
    if not Site.of(settings, threads).api("confirm", ""):
        return "off (no public address for its links: NEWSROOM_SERVICE_URL or SITE_URL)"
    return ""


def run(settings: Settings, store: Store, now: datetime) -> Ran:
    """One turn of the mail job: opt-ins handled, notices queued, due mails sent."""
    threads = index_at(settings.threads_path)
    off = off_because(settings, threads)
    if off:
        return Ran(off=off)
    rules = OptInRules(
        oldest=now - OPT_IN_MAX_AGE,
        ask_again_after=ASK_AGAIN_AFTER,
        group_since=now - timedelta(days=1),
        group_limit=GROUP_LIMIT,
        hour_limit=HOUR_LIMIT,
    )
    handled = queued = 0
    for comment in store.opt_ins_waiting():
        said = store.handle_opt_in(comment, now, rules)
        handled += said != "later"
        queued += said == "asked to confirm"
    queued += store.queue_notices(now, now - NOTICE_WINDOW)
    sender = Sender(settings, store, threads, now)
    stop = time.monotonic() + RUN_SECONDS
    for mail in store.outbox_due(now, BATCH):
        if time.monotonic() > stop or not sender.send(mail):
            break  # out of time, or the server failed: the rest wait for the next turn
    return Ran(handled, queued, sender.sent, sender.put_off, sender.dropped)


class Sender:
    """Sends due mails one at a time, each claimed first and recorded after."""

    def __init__(self, settings: Settings, store: Store, threads: ThreadIndex, now: datetime):
        self.settings, self.store, self.threads = settings, store, threads
        self.started, self.began = now, time.monotonic()
        self.signer = settings.signer()
        self.site = Site.of(settings, threads)
        self.sent = self.put_off = self.dropped = 0

    @property
    def now(self) -> datetime:
        """The run's time as it goes on (a run given a time keeps to that clock)."""
        return self.started + timedelta(seconds=time.monotonic() - self.began)

    def send(self, mail: Mail) -> bool:
        """False when the SMTP server failed as a whole (the run stops there)."""
        if not self.store.outbox_claim(mail.id, self.now, self.now + CLAIM):
            return True  # another runner has it
        subscriber = self.store.subscriber(mail.subscriber)
        try:
            message, why_not = self._message(mail, subscriber)
        except ValueError as exc:  # an address the mail library will not write (IndexError too)
            message, why_not = None, f"cannot be written: {type(exc).__name__}: {exc}"
        if message is None or subscriber is None:
            return self._drop(mail, why_not)
        recent = self.store.sent_to_since(subscriber.id, self.now - timedelta(hours=1))
        if len(recent) >= MAX_AN_HOUR:
            later = recent[-MAX_AN_HOUR] + timedelta(hours=1)
            self.store.outbox_put_off(mail.id, later, "over the hourly limit", tried=False)
            self.put_off += 1
            return True
        try:
            send(self.settings.smtp_url, message, self.settings.smtp_ca_file, subscriber.email)
        except smtplib.SMTPRecipientsRefused as exc:  # this address only
            return self._failed(mail, exc, for_good=_permanent(exc), whole_server=False)
        except smtplib.SMTPDataError as exc:  # this mail: 5xx for good, 4xx put off
            code = exc.smtp_code
            return self._failed(mail, exc, for_good=code >= 500, whole_server=code < 500)
        except Exception as exc:  # the network, TLS, a login or a sender refused: the server
            return self._failed(mail, exc, for_good=False, whole_server=True)
        # A crash here sends this mail again once its claim runs out: at least once.
        self.store.outbox_sent(mail.id, self.now)
        self.sent += 1
        return True

    def _drop(self, mail: Mail, why: str) -> bool:
        self.store.outbox_sent(mail.id, self.now, f"dropped: {why}")
        self.dropped += 1
        return True

    def _failed(self, mail: Mail, exc: Exception, for_good: bool, whole_server: bool) -> bool:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        if for_good or mail.attempts + 1 >= GIVE_UP_AFTER:
            logger.warning("Reader mail %s given up: %s", mail.id, reason)
            self._drop(mail, f"refused: {reason}")
            return not whole_server or for_good
        wait = min(FIRST_WAIT * 2 ** min(mail.attempts, 10), LONGEST_WAIT)
        self.store.outbox_put_off(mail.id, self.now + wait, reason)
        logger.warning("Reader mail %s not sent (tried again in %s): %s", mail.id, wait, reason)
        self.put_off += 1
        return not whole_server

    def _message(
        self, mail: Mail, subscriber: Subscriber | None
    ) -> tuple[EmailMessage | None, str]:
        """The mail to send, or None and why there is nothing to tell any more."""
        if subscriber is None:
            return None, "no such subscriber (erased)"
        thread = self.threads.get(mail.thread)
        if thread is None:
            return None, "the article takes no comments now"
        comment = self.store.get(mail.comment)
        if mail.kind == "confirm":
            if comment is None or comment.status not in ("pending", "approved"):
                return None, "the comment that asked is refused or gone"
            if subscriber.stopped is not None or self.store.trusted(subscriber.id, comment.id):
                return None, "stopped, or confirmed already"
            return confirmation(self.site, self.signer, subscriber, thread, comment.id), ""
        if subscriber.stopped is not None or not self.store.subscribed(subscriber.id, mail.thread):
            return None, "not subscribed"
        if comment is None or comment.status != "approved":
            return None, "the comment is not published"
        if mail.kind == "published":
            return published(self.site, self.signer, subscriber, thread, comment.id), ""
        return replied(self.site, self.signer, subscriber, thread, comment.id, comment.author,
                       comment.body), ""  # fmt: skip


def _permanent(exc: smtplib.SMTPRecipientsRefused) -> bool:
    codes = [code for code, _ in exc.recipients.values()]
    return bool(codes) and all(code >= 500 for code in codes)


@dataclass(frozen=True)
class Site:
    name: str
    url: str  # the public site, no trailing slash
    service: str  # the comment service's public origin (its links), "" when unknown
    sender: str

    @classmethod
    def of(cls, settings: Settings, threads: ThreadIndex) -> Site:
        built = threads.current()
        url = (settings.site_url or built.site_url or "").rstrip("/")
        # The site's pages post to /api/comments on their own origin (the build's
        # NEWSROOM_COMMENTS_API), whatever path the site itself is under.
        service = settings.service_url or origin(url)  # the former checked, no trailing /
        name = built.site_name or urlsplit(url).netloc or "the site"
        return cls(name, url, service, settings.mail_from)

    def api(self, action: str, token: str) -> str:
        """A link to the service's page (absolute, or "" when its address is unknown)."""
        if not self.service:
            return ""
        return f"{self.service}{PATH}/{action}?{urlencode({'token': token})}"


def confirm_token(signer: Signer, subscriber: Subscriber, comment: int) -> str:
    """Trusts the browser that posted ``comment`` once followed."""
    data = {"s": subscriber.id, "c": comment, "e": _address(signer, subscriber)}
    return signer.sign(CONFIRM, data, CONFIRM_LIFETIME)


def unsubscribe_token(signer: Signer, subscriber: Subscriber, thread: str) -> str:
    """One article's; the page it opens offers every article's too."""
    data = {"s": subscriber.id, "t": thread, "e": _address(signer, subscriber)}
    return signer.sign(UNSUBSCRIBE, data, FOREVER)


def read_token(signer: Signer, purpose: str, token: str) -> dict[str, Any]:
    """The token's data (a subscriber ``s``, and a comment ``c`` or a thread ``t``);
    BadToken else."""
    if len(token) > 2000:
        raise BadToken("the token is too long")
    data = signer.verify(purpose, token).data
    wanted = ("c", int) if purpose == CONFIRM else ("t", str)
    if not (
        isinstance(data.get("s"), int)
        and isinstance(data.get("e"), str)
        and isinstance(data.get(wanted[0]), wanted[1])
    ):
        raise BadToken("the token cannot be read")
    return data


def matches(signer: Signer, subscriber: Subscriber | None, data: dict[str, Any]) -> bool:
    """Whether the token was made for this subscriber's address (an id alone could
    outlive its address: erased, then asked for again)."""
    return subscriber is not None and data.get("e") == _address(signer, subscriber)


def _address(signer: Signer, subscriber: Subscriber) -> str:
    return signer.keyed_hash("subscriber", email_key(subscriber.email))[:22]


def confirmation(
    site: Site, signer: Signer, subscriber: Subscriber, thread: Thread, comment: int
) -> EmailMessage:
    link = site.api("confirm", confirm_token(signer, subscriber, comment))
    text = (
        f"Someone, we hope you, asked {site.name} to e-mail this address when their comment "
        f"on “{one_line(thread.title)}” is published and when someone replies.\n\n"
        f"To say yes, open this link (it asks you to confirm, and works for 7 days):\n{link}\n\n"
        "If it was not you, do nothing: you will get no other mail from us.\n"
    )
    return _mail(site, subscriber, f"Confirm mail about your comments on {site.name}", text)


def published(
    site: Site, signer: Signer, subscriber: Subscriber, thread: Thread, comment: int
) -> EmailMessage:
    link = _anchor(site, thread, comment)
    text = f"Your comment on “{one_line(thread.title)}” is published:\n{link}\n"
    subject = f"Your comment on “{one_line(thread.title)}” is published"
    return _notice(site, signer, subscriber, thread, subject, text)


def replied(
    site: Site,
    signer: Signer,
    subscriber: Subscriber,
    thread: Thread,
    comment: int,
    author: str,
    body: str,
) -> EmailMessage:
    name = one_line(author)
    text = (
        f"{name} replied to your comment on “{one_line(thread.title)}”:\n\n"
        f"{_quoted(body)}\n\n"
        f"Read it and answer: {_anchor(site, thread, comment)}\n"
    )
    subject = f"{name} replied to your comment on “{one_line(thread.title)}”"
    return _notice(site, signer, subscriber, thread, subject, text)


def _notice(
    site: Site, signer: Signer, subscriber: Subscriber, thread: Thread, subject: str, text: str
) -> EmailMessage:
    link = site.api("unsubscribe", unsubscribe_token(signer, subscriber, thread.slug))
    text += (
        f"\nYou get this because you asked for mail about your comments on this article.\n"
        f"Stop it (this article, or everything) with one click: {link}\n"
    )
    mail = _mail(site, subscriber, subject, text)
    mail["List-Unsubscribe"] = f"<{link}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail


def _mail(site: Site, subscriber: Subscriber, subject: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((one_line(site.name), site.sender))
    mail["To"] = Address(addr_spec=subscriber.email)  # one address, or an error
    mail["Subject"] = subject[:SUBJECT_LIMIT]
    mail["Message-ID"] = make_msgid(domain=site.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    mail.set_content(f"{text}\n-- \n{site.name}  {site.url}\n")
    mail.add_alternative(_html(site, text), subtype="html")
    return mail


def _html(site: Site, text: str) -> str:
    """The text part as HTML: escaped paragraphs, addresses made links."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines = [_linked(line) for line in block.split("\n")]
        paragraphs.append(f"<p>{'<br>'.join(lines)}</p>")
    footer = f'<p><a href="{html.escape(site.url)}">{html.escape(site.name)}</a></p>'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f"{''.join(paragraphs)}{footer}</body></html>\n"
    )


def _linked(line: str) -> str:
    words = []
    for word in line.split(" "):
        if word.startswith(("https://", "http://")):
            words.append(f'<a href="{html.escape(word)}">{html.escape(word)}</a>')
        else:
            words.append(html.escape(word))
    return " ".join(words)


def _anchor(site: Site, thread: Thread, comment: int) -> str:
    return f"{thread.absolute_permalink(site.url + '/')}#comment-{comment}"


def _quoted(body: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in body.strip().splitlines())
