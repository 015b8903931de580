"""SQLite: one file, WAL, a connection per thread, BEGIN IMMEDIATE for every write.

Plain BEGIN lets two writers both start reading and then fail to upgrade their locks;
BEGIN IMMEDIATE takes the write lock first and waits (busy timeout) for it instead.
SQLite's busy handler waits by sleeping in growing steps (up to 100 ms), so under load a
writer can lose several rounds (seconds of tail latency). Writers therefore queue first:
on a lock in the process, then on an flock of a file beside the store, tried in steps of
at most 2 ms (the kernel frees it if its holder dies); both give up after the busy
timeout, as SQLite does.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from newsroom.comments.store import migrations
from newsroom.comments.store.base import Row, Store, StoreError
from newsroom.comments.store.clock import now, utc

BUSY_TIMEOUT_SECONDS = 10.0
BUSY = "SQLite: another writer held the store too long"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, so text order is time order


def _enable_wal(connection: sqlite3.Connection) -> None:
    """Switch a new file to WAL. The switch needs the file alone and, unlike other
    statements, does not wait for it: when several processes open a new store at
    once, try again for a while (WAL then stays on for good)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _create_private(path: str) -> None:
    """Create the file (and its folder) readable by the owner only: it holds e-mail and
    IP addresses. SQLite gives its -wal and -shm files the same permissions."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class SQLiteStore(Store):
    reads_inline = True  # WAL readers never wait for writers

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._writer = threading.Lock()  # one writing thread per process at a time
        self._writer_file: int | None = None  # and one process at a time (flock)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                _create_private(self.path)
                connection = sqlite3.connect(
                    self.path,
                    timeout=BUSY_TIMEOUT_SECONDS,
                    isolation_level=None,  # we say BEGIN ourselves
                    check_same_thread=False,
                )
                connection.row_factory = sqlite3.Row  # rows read by column name
                _enable_wal(connection)
                # FULL: a commit is on disk before the comment is acknowledged, even if
                # the machine loses power (NORMAL only survives a crash of the process).
                connection.execute("PRAGMA synchronous=FULL")
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"cannot open the SQLite store {self.path}: {exc}") from exc
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        connection = self._connection()
        with self._writing_turn():
            cursor = connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                cursor.execute("COMMIT")
            except BaseException as exc:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"SQLite: {exc}") from exc
                raise
            finally:
                cursor.close()

    @contextmanager
    def _writing_turn(self) -> Iterator[None]:
        """This process's one writing thread (``self._writer``), then the flock that
        orders writing processes; neither is waited for past the busy timeout."""
        if not self._writer.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            raise StoreError(BUSY)
        try:
            if self._writer_file is None:
                try:
                    path = f"{self.path}-writer"
                    self._writer_file = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
                except OSError as exc:
                    raise StoreError(f"cannot open the SQLite writer lock: {exc}") from exc
            self._take_writer_lock()
            try:
                yield
            finally:
                fcntl.flock(self._writer_file, fcntl.LOCK_UN)
        finally:
            self._writer.release()

    def _take_writer_lock(self) -> None:
        assert self._writer_file is not None  # opened by _writing_turn
        """Tries in short steps (0.1 ms, doubling up to 2 ms): a writer stuck elsewhere
        gives a StoreError (503), not a hang."""
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._writer_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(BUSY) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite: {exc}") from exc

    def _to_db(self, moment: datetime) -> str:
        return utc(moment).strftime(TIME_FORMAT)

    def _from_db(self, value: str) -> datetime:
        return datetime.fromisoformat(value)  # reads the trailing Z as UTC, and fast

    def migrate(self) -> None:
        if self.up_to_date():
            return self.make_search_index()
        with self._write() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied TEXT NOT NULL)"
            )
            rows = cursor.execute("SELECT version FROM schema_migrations")
            done = {row["version"] for row in rows}
            for version, entry in migrations.MIGRATIONS:
                if version in done:
                    continue
                for statement in migrations.statements(entry, "sqlite"):
                    cursor.execute(statement)
                cursor.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", (version, self._to_db(now()))
                )
        self.make_search_index()

    # The id sequence (store/imports.py): AUTOINCREMENT keeps the last id in sqlite_sequence.

    def _lock_ids(self, cursor: Any) -> None:
        """SQLite's writers are one at a time already."""

    _LAST_ID = "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'comments'"

    def _move_ids_past(self, cursor: Any, highest: int) -> None:
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = 'comments'")
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('comments', ?)", (highest,))

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        with self._writer:
            if self._writer_file is not None:
                os.close(self._writer_file)
                self._writer_file = None
        self._local = threading.local()
