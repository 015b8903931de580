"""The store's behaviour, in SQL that SQLite and PostgreSQL (and its kin) both speak.

Backends supply connections, transactions and how times are kept; everything else is
here, so both stores behave the same. Every write is one short transaction; none is held
open across a network call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsroom.store.clock import now
from newsroom.store.models import STATUSES, VERDICTS, Comment, NewComment, PublishedComment

COLUMNS = (
    "id, thread, parent, author, email, url, body, body_html, status, akismet, "
    "ip, user_agent, referrer, created, updated, feedback"
)
INSERTED = (
    "thread", "parent", "author", "email", "url", "body", "body_html",
    "status", "akismet", "ip", "user_agent", "referrer", "created", "updated",
)  # fmt: skip


# Ids are BIGINT on PostgreSQL and 64-bit on SQLite: anything outside cannot exist, and
# passing it to a driver would overflow instead of finding nothing.
ID_RANGE = range(1, 2**63)


class StoreError(Exception):
    """The store could not do what was asked; the message says why, without secrets."""


@dataclass(frozen=True)
class Query:
    """One statement, its parameters, and what its rows mean. The store runs it on its
    own connection (``Store.ask``, or a write transaction for an INSERT); the service may
    run the same statement on an async one (``Store.async_twin``). No SQL (``sql=None``):
    nothing to ask, the answer is ``shape([])``."""

    sql: str | None
    params: Sequence
    shape: Callable[[list[tuple]], Any]


class Store(ABC):
    """A comment store. Methods are synchronous: the service calls them in worker threads
    (SQLite's short reads on its event loop), or runs their Query objects on the backend's
    async twin when it has one."""

    # --- what a backend supplies -------------------------------------------------------

    @abstractmethod
    def migrate(self) -> None:
        """Bring the schema up to date; safe when several processes start at once."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[Any]:
        """A write transaction (a cursor), committed on success, rolled back on error."""

    @abstractmethod
    def _read(self, sql: str, params: Sequence = ()) -> list[tuple]: ...

    @abstractmethod
    def _to_db(self, moment: datetime) -> Any: ...

    @abstractmethod
    def _from_db(self, value: Any) -> datetime: ...

    def _sql(self, sql: str) -> str:
        """Queries are written with ``?`` placeholders; a backend may rewrite them."""
        return sql

    def async_twin(self) -> Any:
        """An async access to the same store for the service's reads and inserts, when
        the backend has one that beats a worker thread (PostgreSQL's network waits)."""
        return None

    def ask(self, query: Query) -> Any:
        return query.shape(self._read(query.sql, query.params) if query.sql else [])

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    # --- the store's behaviour ---------------------------------------------------------

    def ping(self) -> None:
        self._read("SELECT 1")

    def add(self, comment: NewComment) -> int:
        return self.add_many([comment])[0]

    def add_many(self, comments: list[NewComment]) -> list[int]:
        """Several comments in one statement (one commit, one sync to disk): all stored,
        ids in the comments' order, or none."""
        insert = self.insertion(comments)
        if not insert.sql:
            return insert.shape([])
        with self._write() as cursor:
            cursor.execute(insert.sql, insert.params)
            return insert.shape(cursor.fetchall())

    def reserve_id(self) -> int:
        """An id from the store's sequence that no comment will ever get (ids are never
        reused: SQLite AUTOINCREMENT, PostgreSQL identity). A blank row is added and
        deleted in one transaction: nothing of it remains, even after a crash."""
        placeholder = NewComment(
            thread="", parent=None, author="", email="", url="", body="", body_html="",
            status="rejected", akismet="unchecked", ip=None, user_agent=None, referrer=None,
            created=now(),
        )  # fmt: skip
        insert = self.insertion([placeholder])
        with self._write() as cursor:
            cursor.execute(insert.sql, insert.params)
            reserved = int(cursor.fetchone()[0])
            cursor.execute(self._sql("DELETE FROM comments WHERE id = ?"), (reserved,))
        return reserved

    def insertion(self, comments: list[NewComment]) -> Query:
        """One INSERT of all the comments (checked first), answered by their ids in the
        comments' order (``sorted_ids``). Atomic by itself, as one statement."""
        if not comments:
            return Query(None, (), sorted_ids)
        params = []
        for comment in comments:
            _checked(comment.status, STATUSES, "status")
            _checked(comment.akismet, VERDICTS, "akismet verdict")
            values = [getattr(comment, name) for name in INSERTED[:-1]]
            values[-1] = self._to_db(comment.created)
            values.append(values[-1])  # updated = created
            params.extend(values)
        row = f"({', '.join('?' * len(INSERTED))})"
        rows = ", ".join([row] * len(comments))
        sql = f"INSERT INTO comments ({', '.join(INSERTED)}) VALUES {rows} RETURNING id"
        return Query(self._sql(sql), params, sorted_ids)

    # The reads the service makes on requests, each also as a Query (see ``async_twin``).

    def get(self, id: int) -> Comment | None:
        return self.ask(self.get_query(id))

    def get_query(self, id: int) -> Query:
        if id not in ID_RANGE:
            return Query(None, (), lambda rows: None)
        sql = self._sql(f"SELECT {COLUMNS} FROM comments WHERE id = ?")
        return Query(sql, (id,), lambda rows: self._comment(rows[0]) if rows else None)

    def published(self, thread: str | None = None) -> list[PublishedComment]:
        """Approved comments, only what pages show, oldest first: of one thread (the API),
        or of all threads in one query (the build)."""
        return self.ask(self.published_query(thread))

    def published_query(self, thread: str | None = None) -> Query:
        where, params = ("AND thread = ? ", (thread,)) if thread is not None else ("", ())
        sql = self._sql(
            "SELECT id, thread, parent, author, url, body, body_html, created FROM comments "
            f"WHERE status = 'approved' {where}ORDER BY created, id"
        )
        from_db = self._from_db

        def shape(rows):
            return [
                PublishedComment(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], from_db(r[7]))
                for r in rows
            ]

        return Query(sql, params, shape)

    def counts(self, threads: Sequence[str]) -> dict[str, int]:
        return self.ask(self.counts_query(threads))

    def counts_query(self, threads: Sequence[str]) -> Query:
        found = dict.fromkeys(threads, 0)

        def shape(rows):
            return found | {thread: int(n) for thread, n in rows}

        if not found:
            return Query(None, (), shape)
        marks = ", ".join("?" * len(found))
        sql = self._sql(
            f"SELECT thread, COUNT(*) FROM comments WHERE status = 'approved' "
            f"AND thread IN ({marks}) GROUP BY thread"
        )
        return Query(sql, list(found), shape)

    def recent_from_ip(self, ip: str, since: datetime) -> int:
        return self.ask(self.recent_from_ip_query(ip, since))

    def recent_from_ip_query(self, ip: str, since: datetime) -> Query:
        sql = self._sql("SELECT COUNT(*) FROM comments WHERE ip = ? AND created >= ?")
        return Query(sql, (ip, self._to_db(since)), lambda rows: int(rows[0][0]))

    def is_duplicate(self, thread: str, email: str, body: str, since: datetime) -> bool:
        return self.ask(self.is_duplicate_query(thread, email, body, since))

    def is_duplicate_query(self, thread: str, email: str, body: str, since: datetime) -> Query:
        sql = self._sql(
            "SELECT 1 FROM comments WHERE thread = ? AND email = ? AND body = ? "
            "AND created >= ? LIMIT 1"
        )
        return Query(sql, (thread, email, body, self._to_db(since)), bool)

    def has_approved_by(self, email: str) -> bool:
        return self.ask(self.has_approved_by_query(email))

    def has_approved_by_query(self, email: str) -> Query:
        sql = self._sql("SELECT 1 FROM comments WHERE email = ? AND status = 'approved' LIMIT 1")
        return Query(sql, (email,), bool)

    # --- moderation and upkeep -----------------------------------------------------------

    def select(self, status: str | None = None, thread: str | None = None) -> list[Comment]:
        clauses, params = [], []
        if status is not None:
            clauses.append("status = ?")
            params.append(_checked(status, STATUSES, "status"))
        if thread is not None:
            clauses.append("thread = ?")
            params.append(thread)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        return self._select(f"{where}ORDER BY created DESC, id DESC", params)

    def set_status(self, ids: Sequence[int], status: str) -> list[int]:
        _checked(status, STATUSES, "status")
        return self._update_each(ids, "status = ?", [status])

    def set_verdict(self, id: int, akismet: str, status: str | None = None) -> None:
        _checked(akismet, VERDICTS, "akismet verdict")
        if status is None:
            self._update_each([id], "akismet = ?", [akismet])
        else:
            _checked(status, STATUSES, "status")
            self._update_each([id], "akismet = ?, status = ?", [akismet, status])

    def set_feedback(self, id: int, feedback: str) -> None:
        self._update_each([id], "feedback = ?", [feedback])

    def delete(self, ids: Sequence[int]) -> list[int]:
        deleted = []
        with self._write() as cursor:
            for id in _existing(ids):
                cursor.execute(self._sql("DELETE FROM comments WHERE id = ?"), (id,))
                if cursor.rowcount:
                    deleted.append(id)
        return deleted

    def unchecked(self) -> list[Comment]:
        return self._select("WHERE akismet = 'unchecked' ORDER BY created, id")

    def max_id(self) -> int:
        return int(self._read("SELECT COALESCE(MAX(id), 0) FROM comments")[0][0])

    def purge(self, spam_before: datetime, personal_before: datetime) -> tuple[int, int]:
        with self._write() as cursor:
            cursor.execute(
                self._sql("DELETE FROM comments WHERE status = 'spam' AND created < ?"),
                (self._to_db(spam_before),),
            )
            deleted = cursor.rowcount
            cursor.execute(
                self._sql(
                    # the referrer too: the page a reader came from says who they are
                    "UPDATE comments SET ip = NULL, user_agent = NULL, referrer = NULL "
                    "WHERE created < ? "
                    "AND (ip IS NOT NULL OR user_agent IS NOT NULL OR referrer IS NOT NULL)"
                ),
                (self._to_db(personal_before),),
            )
            return deleted, cursor.rowcount

    def export(self) -> list[dict]:
        return [comment.to_dict() for comment in self._select("ORDER BY id")]

    # --- helpers -----------------------------------------------------------------------

    def _select(self, tail: str, params: Sequence = ()) -> list[Comment]:
        rows = self._read(self._sql(f"SELECT {COLUMNS} FROM comments {tail}"), params)
        return [self._comment(row) for row in rows]

    def _comment(self, row: tuple) -> Comment:
        (id, thread, parent, author, email, url, body, body_html, status, akismet,
         ip, user_agent, referrer, created, updated, feedback) = row  # fmt: skip
        return Comment(
            thread=thread, parent=parent, author=author, email=email, url=url, body=body,
            body_html=body_html, status=status, akismet=akismet, ip=ip,
            user_agent=user_agent, referrer=referrer, created=self._from_db(created),
            id=int(id), updated=self._from_db(updated), feedback=feedback,
        )  # fmt: skip

    def _update_each(self, ids: Sequence[int], assignments: str, values: list) -> list[int]:
        changed = []
        sql = self._sql(f"UPDATE comments SET {assignments}, updated = ? WHERE id = ?")
        with self._write() as cursor:
            for id in _existing(ids):
                cursor.execute(sql, [*values, self._to_db(now()), id])
                if cursor.rowcount:
                    changed.append(id)
        return changed


def sorted_ids(rows: list[tuple]) -> list[int]:
    """RETURNING gives no order (SQLite says so), but the ids come from a sequence that
    numbers the rows of one INSERT in the order of its VALUES: sorted, they are in the
    order of the comments given."""
    return sorted(int(row[0]) for row in rows)


def _existing(ids: Sequence[int]) -> list[int]:
    """The ids that may name a row, once each, in the order given."""
    return [id for id in dict.fromkeys(ids) if id in ID_RANGE]


def _checked(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise StoreError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value
