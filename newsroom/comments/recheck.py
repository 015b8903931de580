"""Asking Akismet again about comments it could not check when they were posted.

Only a waiting comment moves: a pending one Akismet calls spam (or discard) becomes
spam; one a moderator approved or rejected meanwhile keeps that decision; ham stays
pending for a moderator. Comments older than ``MAX_AGE`` are left to the moderator, as
WordPress's Akismet plugin does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsroom.comments.akismet_gateway import INVALID_KEY, Gateway, GatewayError
from newsroom.comments.manifest import ThreadIndex
from newsroom.comments.model import Comment, Verdict
from newsroom.comments.store import Store

MAX_AGE = timedelta(days=15)


@dataclass
class Rechecked:
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)  # id -> why, without the key

    @property
    def key_invalid(self) -> bool:
        return any(reason == INVALID_KEY for reason in self.failed.values())


def due(comments: list[Comment], now: datetime) -> list[Comment]:
    """The unchecked comments still worth asking about."""
    return [c for c in comments if now - c.created <= MAX_AGE]


async def recheck(
    comments: list[Comment], store: Store, gateway: Gateway, threads: ThreadIndex
) -> Rechecked:
    """Ask Akismet about each comment in turn and file its answer."""
    done = Rechecked()
    for comment in comments:
        try:
            verdict = await gateway.check(
                comment, threads.get(comment.thread), recheck_reason="retry"
            )
        except GatewayError as exc:
            done.failed[comment.id] = str(exc)
            if str(exc) == INVALID_KEY:
                break  # every other comment would be refused the same way
            continue
        akismet: Verdict = "ham" if verdict == "ham" else "spam"  # discard: spam, kept
        moves = akismet == "spam" and comment.status == "pending"
        await asyncio.to_thread(store.set_verdict, comment.id, akismet, "spam" if moves else None)
        done.verdicts[comment.id] = akismet
    return done
