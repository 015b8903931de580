"""Who may count as a known author: proof a stranger cannot copy.

Typing a regular's e-mail address proves nothing. Each post is answered with a signed
token naming an author key and the address (as a keyed hash); the reader's browser keeps
it (the page's script in local storage, or a first-party cookie without JavaScript) and
sends it with the next post. Under moderation "known", a post whose token is ours, for
the same address, and whose key a moderator has approved a comment under, is published.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from newsroom.comments.signing import BadToken, Signer

PURPOSE = "author"
LIFETIME = timedelta(days=365)


def new_key() -> str:
    return secrets.token_urlsafe(12)


def token(signer: Signer, key: str, email: str) -> str:
    return signer.sign(PURPOSE, {"k": key, "e": _address(signer, email)}, LIFETIME)


def _address(signer: Signer, email: str) -> str:
    """The address as the token names it: a keyed hash of its own purpose, so a token
    (readable by whoever holds it) never shows the hash kept for erased addresses."""
    return signer.keyed_hash("author-email", email.strip().casefold())


def proven_key(signer: Signer, presented: str, email: str) -> str | None:
    """The author key a presented token proves for this address, or None."""
    if not presented:
        return None
    try:
        data = signer.verify(PURPOSE, presented).data
    except BadToken:
        return None
    key = data.get("k")
    if not isinstance(key, str) or data.get("e") != _address(signer, email):
        return None
    return key
