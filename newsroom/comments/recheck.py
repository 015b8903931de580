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
from newsroom.comments.store.clock import now

MAX_AGE = timedelta(days=15)


@dataclass
class Rechecked:
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)  # id -> why, without the key
    put_off: dict[int, datetime] = field(default_factory=dict)  # Akismet: ask again then

    @property
    def key_invalid(self) -> bool:
        return any(reason == INVALID_KEY for reason in self.failed.values())


async def recheck(
    comments: list[Comment],
    store: Store,
    gateway: Gateway,
    threads: ThreadIndex,
    at: datetime | None = None,
) -> Rechecked:
    """Ask Akismet about each comment in turn and file its answer."""
    done = Rechecked()
    for comment in comments:
        # "recheck": Akismet asked to be asked again; "retry": it could not answer.
        reason = "recheck" if comment.recheck_at is not None else "retry"
        try:
            checked = await gateway.checked(
                comment, threads.get(comment.thread), recheck_reason=reason
            )
        except GatewayError as exc:
            done.failed[comment.id] = str(exc)
            if str(exc) == INVALID_KEY:
                break  # every other comment would be refused the same way
            continue
        if checked.recheck_after is not None:  # still not sure: later again
            later = (at or now()) + checked.recheck_after
            await asyncio.to_thread(store.put_off_recheck, comment.id, later)
            done.put_off[comment.id] = later
            continue
        akismet: Verdict = "ham" if checked.verdict == "ham" else "spam"  # discard: spam
        moves = akismet == "spam" and comment.status == "pending"
        await asyncio.to_thread(
            store.set_verdict,
            comment.id,
            akismet,
            "spam" if moves else None,
            actor="job:recheck",
            action="recheck",
        )
        done.verdicts[comment.id] = akismet
    return done
