"""PostgreSQL for the service's event loop: the same queries, on psycopg's async pool.

A read through a worker thread costs about twice the CPU of the same read awaited on the
loop (the hop, the wake-ups, the GIL changing hands), and the service's hot reads and
inserts are network waits. So the service runs their Query objects here; everything
else (moderation, migrations, the build) stays on the synchronous store. The pool
belongs to the event loop that opened it: a new loop (a test's, say) gets a new pool.
"""

from __future__ import annotations

import asyncio

import psycopg
from psycopg_pool import AsyncConnectionPool

from newsroom.store.base import Query, StoreError


class AsyncPostgres:
    def __init__(self, store):
        self._store = store  # the synchronous PostgresStore: SQL, settings, error messages
        self._pool: AsyncConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def ask(self, query: Query):
        """A query's answer; an INSERT (``Store.insertion``) is atomic by itself here, the
        connection being in autocommit: one round trip."""
        if not query.sql:
            return query.shape([])
        try:
            async with (await self._open()).connection() as connection:
                cursor = await connection.execute(query.sql, query.params)
                return query.shape(await cursor.fetchall())
        except psycopg.Error as exc:
            raise await self._failure(exc) from exc

    async def _open(self) -> AsyncConnectionPool:
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
