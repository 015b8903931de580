"""Moderators' accounts: who they are, their role, and their passwords, hashed with Argon2id.

The parameters are OWASP's Password Storage Cheat Sheet's first choice for Argon2id
(19 MiB, two passes, one lane): about 30 ms of one core per sign-in, and 19 MiB, which is
why the console lets only a few hashes run at once. argon2-cffi writes the parameters
into each hash, so raising them later still verifies the old ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from argon2 import PasswordHasher

Role = Literal["moderator", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
# NIST SP 800-63B: at least 15 characters for a password that is the only factor; any
# characters; a generous maximum, which also bounds the hashing work.
MIN_PASSWORD_CHARS = 15
MAX_PASSWORD_CHARS = 256
MAX_EMAIL_CHARS = 254
MAX_NAME_CHARS = 100


class AccountError(ValueError):
    """An account that cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class Moderator:
    id: int
    email: str  # casefolded: one account per address, however it is typed
    name: str
    role: Role
    password_hash: str = field(repr=False)
    created: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """How the audit trail names them."""
        return self.email


def account_email(email: str) -> str:
    """An account's address as kept: trimmed, casefolded, and shaped like an address."""
    email = email.strip().casefold()
    local, at, domain = email.rpartition("@")
    if not (at and local and "." in domain) or len(email) > MAX_EMAIL_CHARS or " " in email:
        raise AccountError(f"not an e-mail address: {email[:60]!r}")
    return email


def account_name(name: str, email: str) -> str:
    name = " ".join(name.split()) or email.partition("@")[0]
    if len(name) > MAX_NAME_CHARS:
        raise AccountError(f"a name has at most {MAX_NAME_CHARS} characters")
    return name


def account_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise AccountError(f"a role is one of {', '.join(ROLES)}, not {role[:20]!r}")


def password_problem(password: str) -> str | None:
    """Why a new password cannot be used, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"a password has at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"a password has at most {MAX_PASSWORD_CHARS} characters"
    if not password.strip():
        return "a password cannot be only spaces"
    return None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def verify_nobody(password: str) -> bool:
    """The same work as a real check, for an address with no account: the answer's time
    does not tell a stranger which addresses have accounts. Always False."""
    verify_password(_unknown_account_hash(), password)
    return False


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


@cache
def _unknown_account_hash() -> str:
    import secrets

    return _hasher().hash(secrets.token_urlsafe(24))
