"""Group commit: comments that arrive while the store is writing wait, and go together.

Each commit syncs to disk (SQLite) or makes a round trip (PostgreSQL), and each write is
a hop to a worker thread. Under load, posts arrive faster than commits finish, so the
ones that come meanwhile are stored in the next transaction, all at once. A lone post is
written at once, as before. A post is acknowledged only when its transaction committed;
if a batch fails, its comments are tried one by one, so one bad comment cannot take the
others down with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from newsroom.comments.model import NewComment

MAX_BATCH = 100

# Stores comments in one statement, ids in order (CommentService._add_many).
AddMany = Callable[[list[NewComment]], Awaitable[list[int]]]


class WriteBatch:
    def __init__(self, add_many: AddMany, max_batch: int = MAX_BATCH):
        self._add_many = add_many
        self._max = max_batch
        self._waiting: list[tuple[NewComment, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def add(self, comment: NewComment) -> int:
        """The comment's id, once it is committed."""
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        self._waiting.append((comment, answer))
        writer = self._writer
        if writer is None or writer.done() or writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_while_waiting())
        return await answer

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
            try:
                ids = await self._add_many([comment for comment, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _answer(batch[0][1], error=exc)
                    continue
                await self._one_by_one(batch)
            else:
                for (_, answer), comment_id in zip(batch, ids, strict=True):
                    _answer(answer, comment_id)

    async def _one_by_one(self, batch) -> None:
        for comment, answer in batch:
            try:
                _answer(answer, (await self._add_many([comment]))[0])
            except Exception as exc:
                _answer(answer, error=exc)


def _answer(answer: asyncio.Future, comment_id: int | None = None, *, error=None) -> None:
    if answer.done():  # the poster went away (cancelled): nothing to tell
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(comment_id)
