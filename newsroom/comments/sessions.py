"""Moderators' sign-in and sessions, kept in the store so that they hold across instances
and end when revoked (sign-out, a removed account, a changed password).

OWASP's Session Management Cheat Sheet: a random id of 256 bits made at each sign-in
(never one the browser brought), kept only as its SHA-256 (a copy of the store holds no
live session), an idle and an absolute lifetime checked on the server, and a CSRF token
of its own. Failed sign-ins back off per account *and* address: a stranger who knows a
moderator's address slows only their own tries, never the moderator's from elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from newsroom.comments.accounts import Moderator, verify_nobody, verify_password

if TYPE_CHECKING:
    from newsroom.comments.store import Store

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=8)  # a working day, then sign in again
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often
FAILURES_ALLOWED = 5  # per account and address; then
BACKOFF = timedelta(minutes=15)  # no sign-in from that address to that account for this
FAILURES_PER_ADDRESS = 50  # any accounts: one address spraying guesses
EVERY_ACCOUNT = "*"  # the failures row counting an address's tries at every account


@dataclass(frozen=True)
class Session:
    id: str  # the SHA-256 of the cookie's value, hex
    moderator_id: int
    csrf: str = field(repr=False)
    created: datetime
    last_seen: datetime
    expires: datetime  # the absolute end


@dataclass(frozen=True)
class Opened:
    cookie: str = field(repr=False)  # the value the browser keeps; never stored
    session: Session
    moderator: Moderator


class SignInRefused(Exception):
    """A sign-in that failed; the message is the same whether or not the account exists."""


WRONG = "That e-mail address and password do not match an account."
WAIT = "Too many failed sign-ins from here: try again in 15 minutes."


def session_id(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "surrogatepass")).hexdigest()


def sign_in(store: Store, email: str, password: str, address: str, now: datetime) -> Opened:
    """A new session for the account, or SignInRefused. ``address``: the client's
    rate-limit group. Argon2 runs for an unknown address too (the same time)."""
    account = email.strip().casefold()
    if backing_off(store, account, address, now):
        # No hashing: a refusal must cost nothing, or refusals could fill the slots that
        # sign-ins wait for. It says nothing about the account either way.
        raise SignInRefused(WAIT)
    moderator = store.moderator(account)
    if moderator is None:
        matched = verify_nobody(password)
    else:
        matched = verify_password(moderator.password_hash, password)
    if not matched or moderator is None:
        store.record_failure(account, address, now, BACKOFF)
        store.record_failure(EVERY_ACCOUNT, address, now, BACKOFF)
        raise SignInRefused(WRONG)
    store.clear_failures(account, address)
    return open_session(store, moderator, now)


def backing_off(store: Store, account: str, address: str, now: datetime) -> bool:
    """Whether sign-ins to this account from this address wait (the back-off above)."""
    for who, allowed in ((account, FAILURES_ALLOWED), (EVERY_ACCOUNT, FAILURES_PER_ADDRESS)):
        failures = store.failures(who, address)
        if failures is not None and failures[0] >= allowed and failures[1] + BACKOFF > now:
            return True
    return False


def open_session(store: Store, moderator: Moderator, now: datetime) -> Opened:
    cookie = secrets.token_urlsafe(32)
    session = Session(
        id=session_id(cookie),
        moderator_id=moderator.id,
        csrf=secrets.token_urlsafe(32),
        created=now,
        last_seen=now,
        expires=now + LIFETIME,
    )
    store.open_session(session)
    return Opened(cookie, session, moderator)


def current(store: Store, cookie: str, now: datetime) -> tuple[Session, Moderator] | None:
    """The live session this cookie names, and its moderator; None when it is unknown,
    idle too long, past its lifetime, or its account is gone. Ended ones are deleted."""
    if not cookie or len(cookie) > 100:
        return None
    found = store.session(session_id(cookie))
    if found is None:
        return None
    session, moderator = found
    if now >= session.expires or now >= session.last_seen + IDLE:
        store.close_session(session.id)
        return None
    if now >= session.last_seen + TOUCH_EVERY:
        store.touch_session(session.id, now)
    return session, moderator


def csrf_matches(session: Session, token: str) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf.encode(), token.encode("utf-8"))
