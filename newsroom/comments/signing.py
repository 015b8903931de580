"""Signed tokens and keyed hashes, all from NEWSROOM_SECRET_KEY.

A token carries a purpose, data and an expiry, and is signed with a key derived for that
purpose: a token made for one purpose (say, an author's proof) is worthless for another
(a moderator's link). A single-use token also carries a random id that the caller spends
in the store (``Store.spend_token``). Keyed hashes (an e-mail address kept only as a
hash) use a key of their own, so they cannot be computed without the secret.

Tokens are ``base64url(JSON payload) "." base64url(HMAC-SHA256)``: short and URL-safe.
They are signed, not encrypted: whoever holds one can read its data, so no token carries
anything secret (an address goes in only as a keyed hash of a purpose of its own).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


class BadToken(Exception):
    """A token that is forged, altered, expired, or made for another purpose."""


@dataclass(frozen=True)
class Verified:
    data: dict[str, Any]
    expires: datetime
    token_id: str | None  # set for a single-use token: spend it before acting


class Signer:
    def __init__(self, secret_key: str):
        if not secret_key:
            raise ValueError("no secret key")
        self._secret = secret_key.encode("utf-8")
        self._keys: dict[str, bytes] = {}

    def _key(self, purpose: str) -> bytes:
        """The key of one purpose, derived once (every post signs with two)."""
        key = self._keys.get(purpose)
        if key is None:
            key = hmac.new(self._secret, b"newsroom/" + purpose.encode(), hashlib.sha256).digest()
            self._keys[purpose] = key
        return key

    def sign(
        self,
        purpose: str,
        data: dict[str, Any],
        lifetime: timedelta,
        single_use: bool = False,
    ) -> str:
        payload: dict[str, Any] = {"d": data, "e": int((_now() + lifetime).timestamp())}
        if single_use:
            payload["i"] = secrets.token_urlsafe(16)
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(purpose, body)}"

    def verify(self, purpose: str, token: str) -> Verified:
        body, dot, mac = token.partition(".")
        if not (dot and body.isascii() and mac.isascii()):
            raise BadToken("the token is not ours")
        if not hmac.compare_digest(mac.encode(), self._mac(purpose, body).encode()):
            raise BadToken("the token is not ours, or not for this")
        try:
            payload = json.loads(_unb64(body))
            expires = datetime.fromtimestamp(int(payload["e"]), _now().tzinfo)
            data = payload["d"]
        except (ValueError, KeyError, TypeError) as exc:  # signed by us: cannot happen
            raise BadToken("the token cannot be read") from exc
        if expires < _now():
            raise BadToken("the token has expired")
        return Verified(data=data, expires=expires, token_id=payload.get("i"))

    def verify_once(
        self, purpose: str, token: str, spend: Callable[[str, datetime], bool]
    ) -> Verified:
        """A single-use token, spent now (``spend``: the store's ``spend_token``)."""
        verified = self.verify(purpose, token)
        if verified.token_id is None or not spend(verified.token_id, verified.expires):
            raise BadToken("the token was used already, or is not for one use")
        return verified

    def keyed_hash(self, purpose: str, value: str) -> str:
        """A stable hash of ``value`` that only the holder of the key can compute."""
        return hmac.new(self._key(f"hash/{purpose}"), value.encode(), hashlib.sha256).hexdigest()

    def _mac(self, purpose: str, body: str) -> str:
        return _b64(hmac.new(self._key(f"token/{purpose}"), body.encode(), hashlib.sha256).digest())


def email_hash(signer: Signer, email: str) -> str:
    """The keyed hash an e-mail address is kept as once erased (case does not count)."""
    return signer.keyed_hash("email", email.strip().casefold())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _now() -> datetime:
    # Not the store's clock: importing it would import the whole store on a cold start.
    return datetime.now(UTC)
