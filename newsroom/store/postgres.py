"""PostgreSQL, for many handler instances sharing one store.

The SQL stays portable to engines that speak PostgreSQL's protocol (CockroachDB,
YugabyteDB): no advisory locks, no LISTEN/NOTIFY, identity ids, TIMESTAMPTZ.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from psycopg_pool import ConnectionPool

from newsroom.store import migrations
from newsroom.store.base import Store, StoreError
from newsroom.store.clock import now

POOL_MAX = 10
CONNECT_TIMEOUT_SECONDS = 5


class PostgresStore(Store):
    def __init__(self, url: str):
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_MAX,
            open=False,
            timeout=CONNECT_TIMEOUT_SECONDS,
            kwargs={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        )
        self._opened = False

    def _pool_open(self) -> ConnectionPool:
        if not self._opened:
            self._pool.open(wait=False)
            self._opened = True
        return self._pool

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def _write(self):
        try:
            with (
                self._pool_open().connection() as connection,
                connection.transaction(),
                connection.cursor() as cursor,
            ):
                yield cursor
        except (psycopg.Error, TimeoutError) as exc:
            raise StoreError(f"PostgreSQL: {_reason(exc)}") from exc

    def _read(self, sql, params=()):
        try:
            with self._pool_open().connection() as connection:
                return connection.execute(sql, params).fetchall()
        except (psycopg.Error, TimeoutError) as exc:
            raise StoreError(f"PostgreSQL: {_reason(exc)}") from exc

    def _to_db(self, moment: datetime) -> datetime:
        return moment.astimezone(UTC)

    def _from_db(self, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def migrate(self) -> None:
        for attempt in range(3):  # two starters racing on CREATE … IF NOT EXISTS: try again
            try:
                return self._migrate()
            except StoreError:
                if attempt == 2:
                    raise

    def _migrate(self) -> None:
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

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False


def _reason(exc: Exception) -> str:
    """psycopg's message without the connection string (which may hold a password)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split("connection to server at")[0].strip() or type(exc).__name__
