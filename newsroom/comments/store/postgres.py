"""PostgreSQL, for many handler instances sharing one store.

The SQL stays portable to engines that speak PostgreSQL's protocol (CockroachDB,
YugabyteDB): no advisory locks, no LISTEN/NOTIFY, identity ids, TIMESTAMPTZ.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from newsroom.comments.store import migrations
from newsroom.comments.store.base import Row, Store, StoreError
from newsroom.comments.store.queue import like_pattern

if TYPE_CHECKING:
    from newsroom.comments.store.postgres_async import AsyncPostgres
from newsroom.comments.store.clock import now, utc

POOL_MAX = 10
RACES = (
    psycopg.errors.UniqueViolation,
    psycopg.errors.DuplicateTable,
    psycopg.errors.DuplicateObject,
    psycopg.errors.SerializationFailure,
)
CONNECT_TIMEOUT_SECONDS = 5


class PostgresStore(Store):
    dialect = "postgresql"
    row_lock = " FOR UPDATE"
    min_indexed_chars = 0  # pg_trgm's LIKE takes any pattern (a short one reads every row)

    def __init__(self, url: str, timeout: float = CONNECT_TIMEOUT_SECONDS):
        self.url = url
        self.timeout = timeout  # for a connection, and for a free one from the pool
        self._pool: ConnectionPool[Any] | None = None
        self._pool_lock = threading.Lock()  # the thread pool's first calls may race here
        self._twin: AsyncPostgres | None = None

    def pool_arguments(self) -> dict[str, Any]:
        """For this pool and the async twin's: the same server, limits and options."""
        return {
            "conninfo": self.url,
            "min_size": 1,
            "max_size": POOL_MAX,
            "open": False,
            "timeout": self.timeout,
            # autocommit: a read is one round trip, with no implicit BEGIN and nothing for
            # the pool to roll back when the connection comes back. Writes say BEGIN
            # (connection.transaction()).
            "kwargs": {
                "connect_timeout": max(1, round(self.timeout)),
                "autocommit": True,
                "row_factory": dict_row,  # rows read by column name
            },
        }

    def async_twin(self) -> AsyncPostgres:
        """The service's reads and inserts, awaited on its event loop (postgres_async)."""
        if self._twin is None:
            from newsroom.comments.store.postgres_async import AsyncPostgres

            self._twin = AsyncPostgres(self)
        return self._twin

    def _pool_open(self) -> ConnectionPool[Any]:
        """The pool, opened on first use: a Lambda GET that never queries never connects."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ConnectionPool(**self.pool_arguments())
                self._pool.open(wait=False)
            return self._pool

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def _write(self) -> Iterator[psycopg.Cursor[Any]]:
        try:
            with (
                self._pool_open().connection() as connection,
                connection.transaction(),
                connection.cursor() as cursor,
            ):
                yield cursor
        except psycopg.Error as exc:
            raise self.failure(exc) from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            with self._pool_open().connection() as connection:
                rows: list[Row] = connection.execute(sql, params).fetchall()  # dict rows
                return rows
        except psycopg.Error as exc:
            raise self.failure(exc) from exc

    def failure(self, exc: psycopg.Error) -> StoreError:
        """A StoreError that says why. The pool only says it waited in vain (the cause goes
        to its log), so ask the server once more, directly, for the reason."""
        if isinstance(exc, PoolTimeout):
            try:
                psycopg.connect(self.url, connect_timeout=max(1, round(self.timeout))).close()
            except psycopg.Error as direct:
                return StoreError(f"PostgreSQL: {_reason(direct)}")
        return StoreError(f"PostgreSQL: {_reason(exc)}")

    def _to_db(self, moment: datetime) -> datetime:
        return utc(moment)

    def _from_db(self, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def migrate(self) -> None:
        for attempt in range(3):
            try:
                return self._migrate()
            except StoreError as exc:
                # Two starters racing on CREATE … IF NOT EXISTS can collide in the catalog
                # (or, on CockroachDB, be asked to retry): the second try finds it done.
                if attempt == 2 or not isinstance(exc.__cause__, RACES):
                    raise

    def _migrate(self) -> None:
        if self.up_to_date():
            return self.make_search_index()
        with self._write() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied TIMESTAMPTZ NOT NULL)"
            )
        for version, entry in migrations.MIGRATIONS:
            with self._write() as cursor:
                cursor.execute(
                    "INSERT INTO schema_migrations VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (version, now()),
                )
                if cursor.rowcount == 0:
                    continue  # applied already, or being applied by another process
                for statement in migrations.statements(entry, "postgresql"):
                    cursor.execute(statement)
        self.make_search_index()

    def _search_statement(self, statement: str, cursor: Any) -> str:
        """pg_trgm's operator class is in whichever schema the extension went to."""
        if "gin_trgm_ops" not in statement:
            return statement
        cursor.execute(
            "SELECT extnamespace::regnamespace::text AS schema FROM pg_extension "
            "WHERE extname = 'pg_trgm'"
        )
        found = cursor.fetchone()
        if found is None:
            raise StoreError("PostgreSQL: the pg_trgm extension is not there")
        return statement.replace("gin_trgm_ops", f"{found['schema']}.gin_trgm_ops")

    def _lock_search(self, cursor: Any) -> None:
        # Two catch-ups (a search and the purge job) once deadlocked in the index's
        # insertions: the copy is written by one transaction at a time, till it ends.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('newsroom.comments_search'))")

    def _search_term(self, search: str) -> str:
        return like_pattern(search.lower())  # the copy is kept lowercased

    def scan_match(self, search: str) -> tuple[str, list[Any]]:
        return f"{migrations.SEARCHED_TEXT} LIKE ? ESCAPE '\\'", [like_pattern(search.lower())]

    # The id sequence (store/imports.py): the identity column's own sequence.

    def _lock_ids(self, cursor: Any) -> None:
        """Inserts wait (a nextval is not rolled back, so the check must come first)."""
        cursor.execute("LOCK TABLE comments IN SHARE ROW EXCLUSIVE MODE")

    _LAST_ID = (
        "SELECT COALESCE(pg_sequence_last_value("
        "pg_get_serial_sequence('comments', 'id')::regclass), 0)"
    )

    def _move_ids_past(self, cursor: Any, highest: int) -> None:
        cursor.execute("SELECT setval(pg_get_serial_sequence('comments', 'id'), %s)", (highest,))

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


def _reason(exc: Exception) -> str:
    """The first line of the driver's message: libpq names host, port and user there,
    never the password."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
