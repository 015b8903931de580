"""What a store backend supplies (connections, transactions, how times are kept), and
what every part of the store shares: Query objects, rows, errors, id checks.

The store's behaviour is written once, over this, in SQL both backends speak: comments
(base.py), moderators and sessions (accounts.py), the audit trail (audit.py) and the
console's queue (queue.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from newsroom.comments.model import MAX_ID

T = TypeVar("T")

# Anything outside cannot exist, and passing it to a driver would overflow instead of
# finding nothing.
ID_RANGE = range(1, MAX_ID + 1)


class StoreError(Exception):
    """The store could not do what was asked; the message says why, without secrets."""


class Row(Protocol):
    """A result row that knows its columns' names (sqlite3.Row, psycopg's dict_row)."""

    def __getitem__(self, key: Any, /) -> Any: ...


@dataclass(frozen=True)
class Query(Generic[T]):
    """One statement, its parameters, and what its rows mean. The store runs it on its
    own connection (``Store.ask``, or a write transaction for an INSERT); the service may
    run the same statement on an async one (``Store.async_twin``). No SQL (``sql=None``):
    nothing to ask, the answer is ``shape([])``."""

    sql: str | None
    params: Sequence[Any]
    shape: Callable[[list[Row]], T]


class AsyncTwin(Protocol):
    """An async access to the same store: it runs the store's Query objects."""

    async def ask(self, query: Query[T]) -> T: ...

    async def close(self) -> None: ...


class Backend(ABC):
    """A store's connection to its database. Methods are synchronous: the service calls
    them in worker threads (short reads on its event loop when ``reads_inline``), or runs
    their Query objects on the backend's async twin when it has one."""

    dialect: ClassVar[str] = "sqlite"  # which statements of migrations.py it runs
    # Reads never wait for writers and are cheap enough to run on the event loop.
    reads_inline: ClassVar[bool] = False
    # Appended to a SELECT that reads a row about to be changed in the same transaction
    # (SQLite's writers are serialised already; PostgreSQL says FOR UPDATE).
    row_lock: ClassVar[str] = ""

    @abstractmethod
    def migrate(self) -> None:
        """Bring the schema up to date; safe when several processes start at once."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[Any]:
        """A write transaction (a cursor), committed on success, rolled back on error."""

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abstractmethod
    def _to_db(self, moment: datetime) -> Any: ...

    @abstractmethod
    def _from_db(self, value: Any) -> datetime: ...

    def _sql(self, sql: str) -> str:
        """Queries are written with ``?`` placeholders; a backend may rewrite them."""
        return sql

    def async_twin(self) -> AsyncTwin | None:
        """An async access to the same store for the service's reads and inserts, when
        the backend has one that beats a worker thread (PostgreSQL's network waits)."""
        return None

    def up_to_date(self) -> bool:
        """Whether every migration is applied: one read, so that a start that finds the
        schema as it should be writes nothing (every command, every cold start)."""
        from newsroom.comments.store import migrations

        try:
            rows = self._read("SELECT MAX(version) AS n FROM schema_migrations")
        except StoreError:  # no such table yet: a new store
            return False
        return bool(rows) and rows[0]["n"] == migrations.MIGRATIONS[-1][0]

    def ask(self, query: Query[T]) -> T:
        return query.shape(self._read(query.sql, query.params) if query.sql else [])

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


def existing(ids: Sequence[int]) -> list[int]:
    """The ids that may name a row, once each, in the order given."""
    return [id for id in dict.fromkeys(ids) if id in ID_RANGE]


def checked(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise StoreError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def count(rows: list[Row]) -> int:
    return int(rows[0]["n"])
