"""The store as the event loop uses it: typed calls, each made the cheapest way.

A store's methods are synchronous. Short reads run on the loop when the store says its
reads never wait (SQLite in WAL mode), on its async twin when it has one (PostgreSQL),
and else in a worker thread, like every write. Any failure is a StoreError: the caller
answers 503 and promises nothing.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from newsroom.comments.model import Comment, NewComment, PublishedComment
from newsroom.comments.store import Store, StoreError, open_store
from newsroom.comments.store.base import AsyncTwin, Query

T = TypeVar("T")
STORE_THREADS = 16  # store calls in flight at once, per process


class StoreAccess:
    def __init__(self, database_url: str, store: Store | None = None):
        self._url = database_url
        self._store = store
        self._ready = False
        self._lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None

    def opened(self) -> Store:
        """The store, opened and migrated on first use (a cold GET opens nothing else)."""
        if not self._ready:
            with self._lock:
                if not self._ready:
                    if self._store is None:
                        self._store = open_store(self._url)
                    self._store.migrate()
                    self._ready = True
        assert self._store is not None
        return self._store

    # --- the service's calls -----------------------------------------------------------

    async def ping(self) -> None:
        await self.run(Store.ping)

    async def reserve_id(self) -> int:
        return await self.run(Store.reserve_id)

    async def get(self, id: int) -> Comment | None:
        return await self.read(lambda store: store.get_query(id))

    async def published(self, thread: str | None) -> list[PublishedComment]:
        return await self.read(lambda store: store.published_query(thread))

    async def counts(self, threads: Sequence[str]) -> dict[str, int]:
        return await self.read(lambda store: store.counts_query(threads))

    async def recent_from_group(self, ip_group: str, since: datetime) -> int:
        return await self.read(lambda store: store.recent_from_group_query(ip_group, since))

    async def is_duplicate(self, thread: str, email: str, body: str, since: datetime) -> bool:
        return await self.read(lambda store: store.is_duplicate_query(thread, email, body, since))

    async def has_approved_with(self, author_key: str) -> bool:
        return await self.read(lambda store: store.has_approved_with_query(author_key))

    async def add_many(self, comments: list[NewComment]) -> list[int]:
        """Stored in one statement (write_batch), on the async twin when there is one."""
        twin = self._twin()
        if twin is None:
            return await self.run(lambda store: store.add_many(comments))
        with _store_failures():
            return await twin.ask(self.opened().insertion(comments))

    # --- how -----------------------------------------------------------------------------

    async def run(self, action: Callable[[Store], T]) -> T:
        """In a worker thread, so the event loop never waits on disk or network."""
        if self._threads is None:  # asyncio's executor: a lighter hop than anyio's threads
            self._threads = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="newsroom-store")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, functools.partial(self._now, action))

    async def read(self, query: Callable[[Store], Query[T]]) -> T:
        """A short read: on the loop, on the twin, or (until the store is open) in a thread."""
        if self._ready and self.opened().reads_inline:
            return self._now(lambda store: store.ask(query(store)))
        twin = self._twin()
        if twin is None:
            return await self.run(lambda store: store.ask(query(store)))
        with _store_failures():
            return await twin.ask(query(self.opened()))

    def _now(self, action: Callable[[Store], T]) -> T:
        with _store_failures():
            return action(self.opened())

    def _twin(self) -> AsyncTwin | None:
        return self.opened().async_twin() if self._ready else None

    async def close(self) -> None:
        twin = self._twin()
        if twin is not None:
            await twin.close()
        threads, self._threads = self._threads, None
        if self._store is not None:
            await asyncio.get_running_loop().run_in_executor(threads, self._store.close)
        if threads is not None:
            threads.shutdown(wait=False)


@contextmanager
def _store_failures() -> Iterator[None]:
    """Any failure of the store is a StoreError."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:  # e.g. OSError opening the file: still "the store failed"
        raise StoreError(f"{type(exc).__name__}: {exc}") from exc
