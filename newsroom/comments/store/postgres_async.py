"""PostgreSQL for the service's event loop: the store's Query objects, on psycopg's
async pool.

The service's hot reads and inserts are network waits, cheaper awaited on the loop than
sent through a worker thread (docs/benchmarks.md); everything else (moderation,
migrations, the build) stays on the synchronous store. The pool belongs to the event
loop that opened it: a new loop (a test's, say) gets a new pool.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from newsroom.comments.store.base import Query, Row, StoreError

if TYPE_CHECKING:
    from newsroom.comments.store.postgres import PostgresStore

T = TypeVar("T")


class AsyncPostgres:
    def __init__(self, store: PostgresStore):
        self._store = store  # the synchronous PostgresStore: SQL, settings, error messages
        self._pool: AsyncConnectionPool[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def ask(self, query: Query[T]) -> T:
        """A query's answer; an INSERT (``Store.insertion``) is atomic by itself here, the
        connection being in autocommit: one round trip."""
        if not query.sql:
            return query.shape([])
        try:
            async with (await self._open()).connection() as connection:
                cursor = await connection.execute(query.sql, query.params)
                rows: list[Row] = await cursor.fetchall()  # dict rows (pool_arguments)
                return query.shape(rows)
        except psycopg.Error as exc:
            raise await self._failure(exc) from exc

    async def _open(self) -> AsyncConnectionPool[Any]:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            self._loop = loop
            self._pool = AsyncConnectionPool(**self._store.pool_arguments())
            await self._pool.open(wait=False)
        return self._pool

    async def _failure(self, exc: psycopg.Error) -> StoreError:
        # The store's explanation may connect to ask the server why: not on the loop.
        return await asyncio.to_thread(self._store.failure, exc)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None and self._loop is asyncio.get_running_loop():
            await pool.close()
