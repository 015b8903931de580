"""The store's behaviour, in SQL that SQLite and PostgreSQL (and its kin) both speak.

Backends supply connections, transactions and how times are kept (backend.py);
everything else is here and in the parts the Store is made of, so both stores behave
the same. Every write is one short transaction; none is held open across a network call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from newsroom.comments.model import (
    COMMENT_COLUMNS,
    NEW_COLUMNS,
    PUBLISHED_COLUMNS,
    STATUSES,
    VERDICTS,
    Comment,
    NewComment,
    PublishedComment,
    Status,
    Verdict,
)
from newsroom.comments.store.accounts import AccountStore
from newsroom.comments.store.audit import EDITED, AuditStore
from newsroom.comments.store.backend import (
    ID_RANGE,
    AsyncTwin,
    Backend,
    Query,
    Row,
    StoreError,
    checked,
    count,
    existing,
)
from newsroom.comments.store.clock import now
from newsroom.comments.store.imports import ImportStore
from newsroom.comments.store.publish_queue import PublishQueueStore
from newsroom.comments.store.queue import QueueStore
from newsroom.comments.store.subscriptions import SubscriptionStore

__all__ = ["ID_RANGE", "AsyncTwin", "Query", "Row", "Store", "StoreError"]
COLUMNS = ", ".join(COMMENT_COLUMNS)
INSERTED = (*NEW_COLUMNS, "updated")  # updated = created
TIMES = frozenset({"created", "updated", "recheck_at", "mail_after"})
NULLABLE_TIMES = frozenset({"recheck_at", "mail_after"})  # kept as the backend keeps times
BOOLS = frozenset({"staff", "notify"})  # SQLite keeps 0 and 1

ERASED_AUTHOR = "(name erased)"
DUPLICATE_CANDIDATES = 50


def _row_reader(record: type[R], columns: tuple[str, ...]) -> Callable[[Row, FromDb, At], R]:
    """A function that makes a record of a row: column ``columns[k]`` is ``row[at[k]]``
    (``at``: from ``_where``), times through the backend's ``_from_db``. Written out from
    the column names as one call, as namedtuple writes its methods: a build reads 100,000
    rows, a GET twenty. The names are the records' own identifiers, never input."""
    arguments = ", ".join(_argument(name, k) for k, name in enumerate(columns))
    reader: Callable[[Row, FromDb, At], R] = eval(
        f"lambda row, from_db, at: record({arguments})", {"record": record}
    )
    return reader


def _argument(name: str, k: int) -> str:
    value = f"row[at[{k}]]"
    if name in NULLABLE_TIMES:
        return f"{name}=None if {value} is None else from_db({value})"
    if name in BOOLS:
        return f"{name}=bool({value})"
    return f"{name}=from_db({value})" if name in TIMES else f"{name}={value}"


def _where(rows: Sequence[Row], columns: tuple[str, ...]) -> At:
    """Where each column is in these rows, found by name once a result: its position in
    a sqlite3.Row (whose own lookups by name are slow), its name in a dict row."""
    first = rows[0] if rows else None
    keys = getattr(first, "keys", None)
    if first is None or isinstance(first, dict) or keys is None:
        return columns
    names = list(keys())
    return tuple(names.index(column) for column in columns)


FromDb = Callable[[Any], datetime]
At = tuple[str | int, ...]
R = TypeVar("R")
_comment = _row_reader(Comment, COMMENT_COLUMNS)
_published = _row_reader(PublishedComment, PUBLISHED_COLUMNS)


def comment_reader(rows: Sequence[Row], from_db: FromDb) -> list[Comment]:
    at = _where(rows, COMMENT_COLUMNS)
    return [_comment(row, from_db, at) for row in rows]


class Store(
    QueueStore, AccountStore, AuditStore, PublishQueueStore, SubscriptionStore, ImportStore, Backend
):
    """A comment store: its comments (here), its moderators and their sessions
    (accounts.py), the audit trail (audit.py), the console's queue (queue.py), the
    threads waiting to be published (publish_queue.py), readers' mail
    (subscriptions.py) and imported comments (imports.py)."""

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
            reserved = int(cursor.fetchone()["id"])
            cursor.execute(self._sql("DELETE FROM comments WHERE id = ?"), (reserved,))
        return reserved

    def insertion(
        self, comments: list[NewComment], ids: Sequence[int] | None = None
    ) -> Query[list[int]]:
        """One INSERT of all the comments (checked first), answered by their ids in the
        comments' order (``sorted_ids``). Atomic by itself, as one statement. ``ids``:
        the ids to give them (an import keeping an export's): then answered sorted."""
        if not comments:
            return Query(None, (), sorted_ids)
        columns = INSERTED if ids is None else ("id", *INSERTED)
        params: list[Any] = []
        for k, comment in enumerate(comments):
            checked(comment.status, STATUSES, "status")
            checked(comment.akismet, VERDICTS, "akismet verdict")
            if ids is not None:
                params.append(ids[k])
            for name in NEW_COLUMNS:
                value = getattr(comment, name)
                params.append(self._to_db(value) if name in TIMES and value is not None else value)
            params.append(self._to_db(comment.created))  # updated = created
        row = f"({', '.join('?' * len(columns))})"
        rows = ", ".join([row] * len(comments))
        sql = f"INSERT INTO comments ({', '.join(columns)}) VALUES {rows} RETURNING id"
        return Query(self._sql(sql), params, sorted_ids)

    # The reads the service makes on requests, each also as a Query (see ``async_twin``).

    def get(self, id: int) -> Comment | None:
        return self.ask(self.get_query(id))

    def get_query(self, id: int) -> Query[Comment | None]:
        def shape(rows: list[Row]) -> Comment | None:
            return self._comment(rows[0]) if rows else None

        if id not in ID_RANGE:
            return Query(None, (), shape)
        return Query(self._sql(f"SELECT {COLUMNS} FROM comments WHERE id = ?"), (id,), shape)

    def published(self, thread: str | None = None) -> list[PublishedComment]:
        """Approved comments, only what pages show, oldest first: of one thread (the API),
        or of all threads in one query (the build)."""
        return self.ask(self.published_query(thread))

    def published_query(self, thread: str | None = None) -> Query[list[PublishedComment]]:
        where, params = ("AND thread = ? ", (thread,)) if thread is not None else ("", ())
        return self._published_query(f"{where}ORDER BY created, id", params)

    def published_in(self, threads: Sequence[str]) -> list[PublishedComment]:
        """The approved comments of these threads, oldest first (a publish)."""
        if not threads:
            return []
        marks = ", ".join("?" * len(threads))
        return self.ask(
            self._published_query(f"AND thread IN ({marks}) ORDER BY created, id", threads)
        )

    def latest_published(self, limit: int) -> list[PublishedComment]:
        """The newest approved comments of the site, newest first (its comment feed)."""
        return self.ask(
            self._published_query(f"ORDER BY created DESC, id DESC LIMIT {limit:d}", ())
        )

    def _published_query(self, rest: str, params: Sequence[Any]) -> Query[list[PublishedComment]]:
        sql = self._sql(
            f"SELECT {', '.join(PUBLISHED_COLUMNS)} FROM comments WHERE status = 'approved' {rest}"
        )
        from_db = self._from_db

        def shape(rows: list[Row]) -> list[PublishedComment]:
            at = _where(rows, PUBLISHED_COLUMNS)
            return [_published(row, from_db, at) for row in rows]

        return Query(sql, params, shape)

    def counts(self, threads: Sequence[str]) -> dict[str, int]:
        return self.ask(self.counts_query(threads))

    def counts_query(self, threads: Sequence[str]) -> Query[dict[str, int]]:
        found = dict.fromkeys(threads, 0)

        def shape(rows: list[Row]) -> dict[str, int]:
            return found | {row["thread"]: int(row["n"]) for row in rows}

        if not found:
            return Query(None, (), shape)
        marks = ", ".join("?" * len(found))
        sql = self._sql(
            f"SELECT thread, COUNT(*) AS n FROM comments WHERE status = 'approved' "
            f"AND thread IN ({marks}) GROUP BY thread"
        )
        return Query(sql, list(found), shape)

    def recent_from_group(self, ip_group: str, since: datetime) -> int:
        return self.ask(self.recent_from_group_query(ip_group, since))

    def recent_from_group_query(self, ip_group: str, since: datetime) -> Query[int]:
        """Comments stored since then from an address group (the rate limit)."""
        sql = self._sql("SELECT COUNT(*) AS n FROM comments WHERE ip_group = ? AND created >= ?")
        return Query(sql, (ip_group, self._to_db(since)), count)

    def is_duplicate(self, thread: str, email: str, body: str, since: datetime) -> bool:
        return self.ask(self.is_duplicate_query(thread, email, body, since))

    def is_duplicate_query(
        self, thread: str, email: str, body: str, since: datetime
    ) -> Query[bool]:
        """Whether the address's latest comments on the thread since then hold this text.
        Only the latest DUPLICATE_CANDIDATES are compared: an address that posted
        thousands would otherwise make every check read them all (on the event loop)."""
        sql = self._sql(
            "SELECT 1 FROM (SELECT body FROM comments WHERE email = ? AND thread = ? "
            f"AND created >= ? ORDER BY created DESC LIMIT {DUPLICATE_CANDIDATES}) AS latest "
            "WHERE body = ? LIMIT 1"
        )
        return Query(sql, (email, thread, self._to_db(since), body), bool)

    def has_approved_with(self, author_key: str) -> bool:
        return self.ask(self.has_approved_with_query(author_key))

    def has_approved_with_query(self, author_key: str) -> Query[bool]:
        """Whether a comment posted with this author's proof was approved (``known``)."""
        sql = self._sql(
            "SELECT 1 FROM comments WHERE author_key = ? AND status = 'approved' LIMIT 1"
        )
        return Query(sql, (author_key,), bool)

    # --- moderation and upkeep -----------------------------------------------------------

    def select(self, status: Status | None = None, thread: str | None = None) -> list[Comment]:
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(checked(status, STATUSES, "status"))
        if thread is not None:
            clauses.append("thread = ?")
            params.append(thread)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        return self._select(f"{where}ORDER BY created DESC, id DESC", params)

    def set_status(
        self, ids: Sequence[int], status: Status, actor: str | None = None, action: str = ""
    ) -> list[int]:
        """With ``actor``, each change goes in the audit trail, in the same transaction."""
        checked(status, STATUSES, "status")
        audit = (actor, action or status, status) if actor else None
        return self._update_each(ids, "status = ?", [status], audit)

    def set_verdict(
        self,
        id: int,
        akismet: Verdict,
        status: Status | None = None,
        actor: str | None = None,
        action: str = "",
    ) -> bool:
        checked(akismet, VERDICTS, "akismet verdict")
        audit = (actor, action or akismet, status) if actor else None
        if status is None:
            changed = self._update_each([id], "akismet = ?, recheck_at = NULL", [akismet], audit)
        else:
            checked(status, STATUSES, "status")
            changed = self._update_each(
                [id], "akismet = ?, status = ?, recheck_at = NULL", [akismet, status], audit
            )
        return bool(changed)

    def edit(self, id: int, fields: dict[str, str], body_html: str, actor: str) -> bool:
        """A moderator's quick edit of the text and author fields; the trail keeps what
        they were. ``body_html`` is the new text, rendered and sanitised by the caller."""
        changes = {name: fields[name] for name in EDITED if name in fields}
        if id not in ID_RANGE or not changes:
            return False
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._write() as cursor:
            cursor.execute(
                self._sql(
                    f"SELECT status, author, url, body FROM comments WHERE id = ?{self.row_lock}"
                ),
                (id,),
            )
            row = cursor.fetchone()
            if row is None:
                return False
            previous = {name: row[name] for name in changes}
            cursor.execute(
                self._sql(
                    f"UPDATE comments SET {assignments}, body_html = ?, updated = ? WHERE id = ?"
                ),
                [*changes.values(), body_html, self._to_db(now()), id],
            )
            status = row["status"]
            self._audit(cursor, id, actor, "edit", status, status, previous=previous)
            self._reindex(cursor, [id])
        return True

    def add_reply(self, comment: NewComment, actor: str) -> int:
        """The newsroom's reply, stored and recorded in one transaction."""
        insert = self.insertion([comment])
        with self._write() as cursor:
            cursor.execute(insert.sql, insert.params)
            (id,) = insert.shape(cursor.fetchall())
            self._audit(cursor, id, actor, "reply", None, comment.status)
        return id

    def set_feedback(self, id: int, feedback: str) -> None:
        self._update_each([id], "feedback = ?", [feedback])

    def delete(self, ids: Sequence[int], actor: str | None = None) -> list[int]:
        deleted = []
        with self._write() as cursor:
            for id in existing(ids):
                cursor.execute(
                    self._sql("DELETE FROM comments WHERE id = ? RETURNING status"), (id,)
                )
                row = cursor.fetchone()
                if row is not None:
                    deleted.append(id)
                    self._forget_previous(cursor, id)  # its texts before an edit go too
                    if actor:
                        self._audit(cursor, id, actor, "delete", row["status"], None)
            self._reindex(cursor, deleted, keep=False)
        return deleted

    def delete_spam(self, actor: str) -> list[int]:
        """Every comment marked spam, in one statement (one moved meanwhile stays)."""
        with self._write() as cursor:
            cursor.execute("DELETE FROM comments WHERE status = 'spam' RETURNING id")
            deleted = sorted(int(row["id"]) for row in cursor.fetchall())
            for id in deleted:
                self._forget_previous(cursor, id)
                self._audit(cursor, id, actor, "delete", "spam", None)
            self._reindex(cursor, deleted, keep=False)
        return deleted

    def unchecked(
        self, due_at: datetime | None = None, since: datetime | None = None
    ) -> list[Comment]:
        """Comments Akismet has not judged; with ``due_at``, only those whose recheck
        Akismet did not ask to put off past it; with ``since``, only those posted since."""
        clauses, params = ["akismet = 'unchecked'"], []
        if due_at is not None:
            clauses.append("(recheck_at IS NULL OR recheck_at <= ?)")
            params.append(self._to_db(due_at))
        if since is not None:
            clauses.append("created >= ?")
            params.append(self._to_db(since))
        return self._select(f"WHERE {' AND '.join(clauses)} ORDER BY created, id", params)

    def mail_due(self, now: datetime) -> list[Comment]:
        """Pending comments whose moderator's mail waited for a recheck until ``now``."""
        return self._select(
            "WHERE mail_after IS NOT NULL AND mail_after <= ? AND status = 'pending' "
            "ORDER BY created, id",
            [self._to_db(now)],
        )

    def mail_sent(self, id: int) -> None:
        """The waiting mail went out, or is no longer wanted (the comment is spam)."""
        self._update_each([id], "mail_after = NULL", [])

    def put_off_recheck(self, id: int, until: datetime) -> None:
        self._update_each([id], "recheck_at = ?", [self._to_db(until)])

    def max_id(self) -> int:
        return count(self._read("SELECT COALESCE(MAX(id), 0) AS n FROM comments"))

    def purge(self, spam_before: datetime, personal_before: datetime) -> tuple[int, int]:
        with self._write() as cursor:
            cursor.execute(
                self._sql(
                    "DELETE FROM comments WHERE status = 'spam' AND created < ? RETURNING id"
                ),
                (self._to_db(spam_before),),
            )
            deleted = [int(row["id"]) for row in cursor.fetchall()]
            self._reindex(cursor, deleted, keep=False)
            cursor.execute(
                self._sql(
                    # the referrer too: the page a reader came from says who they are
                    "UPDATE comments SET ip = NULL, ip_group = NULL, user_agent = NULL, "
                    "referrer = NULL WHERE created < ? AND (ip IS NOT NULL "
                    "OR ip_group IS NOT NULL OR user_agent IS NOT NULL OR referrer IS NOT NULL) "
                    "RETURNING id"
                ),
                (self._to_db(personal_before),),
            )
            erased = [int(row["id"]) for row in cursor.fetchall()]
            self._reindex(cursor, erased)  # the index's copy of each address goes too
            cursor.execute(
                self._sql("DELETE FROM spent_tokens WHERE expires < ?"), (self._to_db(now()),)
            )
            return len(deleted), len(erased)

    def erase_refused_emails(self, before: datetime, hashed: Callable[[str], str | None]) -> int:
        """Spam and rejected comments older than ``before`` keep their address only as
        ``hashed(email)``: enough to count what an address had refused, nothing more."""
        rows = self._read(
            self._sql(
                "SELECT id, email FROM comments WHERE status IN ('spam', 'rejected') "
                "AND created < ? AND email <> ''"
            ),
            (self._to_db(before),),
        )
        sql = self._sql("UPDATE comments SET email = '', email_hash = ? WHERE id = ? AND email = ?")
        with self._write() as cursor:
            for row in rows:
                cursor.execute(sql, (hashed(row["email"]), row["id"], row["email"]))
            self._reindex(cursor, [int(row["id"]) for row in rows])
        return len(rows)

    def refused_count(self, email: str, email_hash: str | None) -> int:
        """Spam and rejected comments from an address, erased ones included."""
        return len(self._by_address(email, email_hash, refused_only=True))

    def erase_person(
        self, email: str, email_hash: str | None, delete: bool = False, actor: str = ""
    ) -> list[int]:
        """A reader's right to erasure: every comment written with this address (its
        hash too) loses its author's name and personal data, or is deleted. The ids.
        With ``actor``, each is recorded in the audit trail (which keeps no address)."""
        ids = self._by_address(email, email_hash)
        if delete:
            return self.delete(ids, actor=actor or None)
        sql = self._sql(
            "UPDATE comments SET author = ?, email = '', email_hash = NULL, url = '', ip = NULL, "
            "ip_group = NULL, user_agent = NULL, referrer = NULL, author_key = NULL, "
            "updated = ? WHERE id = ?"
        )
        with self._write() as cursor:
            for id in ids:
                cursor.execute(sql, (ERASED_AUTHOR, self._to_db(now()), id))
                self._forget_previous(cursor, id)
                if actor:
                    self._audit(cursor, id, actor, "erase", None, None)
            self._reindex(cursor, ids)
        return ids

    def _by_address(
        self, email: str, email_hash: str | None, refused_only: bool = False
    ) -> list[int]:
        """The ids of comments written with this address (any case, any script: compared
        casefolded here, since SQLite's LOWER() knows ASCII only) or kept as this hash.
        For a moderator's rare request, so a scan will do."""
        wanted = email.strip().casefold()
        if not wanted:
            raise StoreError("no e-mail address given")
        refused = "AND status IN ('spam', 'rejected') " if refused_only else ""
        rows = self._read(
            self._sql(
                "SELECT id, email, email_hash FROM comments "
                f"WHERE (email <> '' OR email_hash IS NOT NULL) {refused}ORDER BY id"
            )
        )
        return [
            row["id"]
            for row in rows
            if row["email"].strip().casefold() == wanted
            or (email_hash is not None and row["email_hash"] == email_hash)
        ]

    def take_job(
        self, name: str, holder: str, now: datetime, lease_until: datetime, force: bool = False
    ) -> bool:
        """Take a job's lease when it is due (or ``force``) and nobody holds it: one
        statement, so of several runners exactly one gets it."""
        due = "" if force else "AND (next_run IS NULL OR next_run <= ?) "
        sql = self._sql(
            "UPDATE jobs SET holder = ?, lease_until = ? WHERE name = ? "
            f"AND (lease_until IS NULL OR lease_until < ?) {due}"
        )
        moment = self._to_db(now)
        params = [holder, self._to_db(lease_until), name, moment] + ([] if force else [moment])
        with self._write() as cursor:
            cursor.execute(
                self._sql("INSERT INTO jobs (name) VALUES (?) ON CONFLICT DO NOTHING"), (name,)
            )
            cursor.execute(sql, params)
            return bool(cursor.rowcount)

    def renew_job(self, name: str, holder: str, lease_until: datetime) -> bool:
        """Extend a lease this holder has (a long run); False when it is not theirs now."""
        sql = self._sql("UPDATE jobs SET lease_until = ? WHERE name = ? AND holder = ?")
        with self._write() as cursor:
            cursor.execute(sql, (self._to_db(lease_until), name, holder))
            return bool(cursor.rowcount)

    def finish_job(
        self, name: str, holder: str, now: datetime, next_run: datetime, result: str
    ) -> None:
        """Give the lease back, saying when the job is next due and how this run went."""
        sql = self._sql(
            "UPDATE jobs SET holder = NULL, lease_until = NULL, last_run = ?, next_run = ?, "
            "last_result = ? WHERE name = ? AND holder = ?"
        )
        with self._write() as cursor:
            cursor.execute(
                sql, (self._to_db(now), self._to_db(next_run), result[:500], name, holder)
            )

    def jobs(self) -> dict[str, dict[str, Any]]:
        """Every job's schedule as the store has it, for `newsroom jobs list`."""
        rows = self._read(
            "SELECT name, holder, lease_until, last_run, next_run, last_result FROM jobs"
        )
        return {
            row["name"]: {
                "last_run": self._from_db(row["last_run"]) if row["last_run"] else None,
                "next_run": self._from_db(row["next_run"]) if row["next_run"] else None,
                "running": row["holder"] is not None,
                "last_result": row["last_result"],
            }
            for row in rows
        }

    def spend_token(self, token_id: str, expires: datetime) -> bool:
        """Mark a single-use token spent; False when it was spent already."""
        sql = self._sql("INSERT INTO spent_tokens VALUES (?, ?) ON CONFLICT DO NOTHING")
        with self._write() as cursor:
            cursor.execute(sql, (token_id, self._to_db(expires)))
            return bool(cursor.rowcount)

    def export(self) -> list[dict[str, Any]]:
        return [comment.to_dict() for comment in self._select("ORDER BY id")]

    # --- helpers -----------------------------------------------------------------------

    def _select(self, tail: str, params: Sequence[Any] = ()) -> list[Comment]:
        rows = self._read(self._sql(f"SELECT {COLUMNS} FROM comments {tail}"), params)
        at = _where(rows, COMMENT_COLUMNS)
        return [_comment(row, self._from_db, at) for row in rows]

    def _comment(self, row: Row) -> Comment:
        return _comment(row, self._from_db, _where([row], COMMENT_COLUMNS))

    def _update_each(
        self,
        ids: Sequence[int],
        assignments: str,
        values: list[Any],
        audit: tuple[str, str, Status | None] | None = None,
    ) -> list[int]:
        """``audit``: (actor, action, status after, None when unchanged), recorded for
        each comment changed, with the status it had, in the same transaction."""
        changed = []
        sql = self._sql(f"UPDATE comments SET {assignments}, updated = ? WHERE id = ?")
        before = self._sql(f"SELECT status FROM comments WHERE id = ?{self.row_lock}")
        with self._write() as cursor:
            for id in existing(ids):
                status = None
                if audit is not None:
                    cursor.execute(before, (id,))
                    row = cursor.fetchone()
                    if row is None:
                        continue
                    status = row["status"]
                cursor.execute(sql, [*values, self._to_db(now()), id])
                if cursor.rowcount:
                    changed.append(id)
                    if audit is not None:
                        actor, action, after = audit
                        self._audit(cursor, id, actor, action, status, after or status)
        return changed


def sorted_ids(rows: list[Row]) -> list[int]:
    """RETURNING gives no order (SQLite says so), but the ids come from a sequence that
    numbers the rows of one INSERT in the order of its VALUES: sorted, they are in the
    order of the comments given."""
    return sorted(int(row["id"]) for row in rows)
