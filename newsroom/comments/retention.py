"""How long what is kept about comments is kept: the rules `purge` applies.

Spam is deleted after 15 days. IP addresses, user agents and referrers are erased after
``personal_data_days``. The e-mail address of spam and rejected comments is kept only
as a keyed hash after ``refused_email_days``. Pending comments are never touched by age:
nobody has read them yet. Ended console sessions and old failed sign-ins go too, and so
do readers' mail records after MAIL_KEPT (store/subscriptions.py, ``purge_mail``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsroom.comments import sessions
from newsroom.comments.config import Settings
from newsroom.comments.signing import email_hash
from newsroom.comments.store import Store

SPAM_KEPT = timedelta(days=15)
MAIL_KEPT = timedelta(days=30)  # readers' mail: longer than its notices' window (25 days)


@dataclass(frozen=True)
class Purged:
    spam_deleted: int
    addresses_erased: int
    emails_hashed: int
    hashed: bool  # False: no secret key, so refused addresses were erased outright
    mail_rows: int = 0  # readers' mail records gone (sent mails, unconfirmed addresses)

    def summary(self) -> str:
        return (
            f"Deleted {self.spam_deleted} spam comments; erased addresses from "
            f"{self.addresses_erased} comments.\nKept {self.emails_hashed} refused comments' "
            "e-mail addresses only as a keyed hash."
            + (f"\nDeleted {self.mail_rows} old readers' mail records." if self.mail_rows else "")
        )


def purge(
    settings: Settings, store: Store, now: datetime, personal_days: int | None = None
) -> Purged:
    days = settings.personal_data_days if personal_days is None else personal_days
    deleted, erased = store.purge(now - SPAM_KEPT, now - timedelta(days=days))
    hashed = email_hasher(settings)
    refused_before = now - timedelta(days=settings.refused_email_days)
    hidden = store.erase_refused_emails(refused_before, hashed or (lambda email: None))
    store.purge_accounts(now, sessions.IDLE, sessions.BACKOFF)
    store.catch_up_search()  # the day's comments, so that a first search is quick
    mail_rows = store.purge_mail(now - MAIL_KEPT)
    return Purged(deleted, erased, hidden, hashed is not None, mail_rows)


def email_hasher(settings: Settings) -> Callable[[str], str] | None:
    """The keyed hash of an address; None without a secret key."""
    if not settings.secret_key:
        return None
    signer = settings.signer()
    return lambda email: email_hash(signer, email)
