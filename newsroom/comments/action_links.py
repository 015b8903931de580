"""One-click moderation from the moderator's mail: signed, single-use, expiring links.

A link names one comment and one action (approve or spam) and is signed for that
purpose alone. Opening it only shows a confirmation page (mail scanners open every
link); the page's POST acts, once: the token's id is spent in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from newsroom.comments.signing import BadToken, Signer

PURPOSE = "mail-action"
LIFETIME = timedelta(days=7)
ACTIONS = ("approve", "spam")


def make(signer: Signer, comment_id: int, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"a mail link approves or marks spam, not {action!r}")
    return signer.sign(PURPOSE, {"c": comment_id, "a": action}, LIFETIME, single_use=True)


def read(signer: Signer, token: str) -> tuple[int, str]:
    """The comment and action a link names, without spending it (the confirmation page)."""
    data = signer.verify(PURPOSE, token).data
    return _parsed(data)


def spend(
    signer: Signer, token: str, spend_token: Callable[[str, datetime], bool]
) -> tuple[int, str]:
    """The comment and action, the token spent: a second use raises BadToken."""
    return _parsed(signer.verify_once(PURPOSE, token, spend_token).data)


def _parsed(data: dict[str, Any]) -> tuple[int, str]:
    comment, action = data.get("c"), data.get("a")
    if not isinstance(comment, int) or action not in ACTIONS:
        raise BadToken("the link names no comment or action")
    return comment, action
