"""The store's readers' mail: subscribers (an address, confirmed or not), subscriptions
(an article's replies), and the outbox of mails to send (migration 8).

Every mail is a row of ``mails`` before it is sent, unique by what it is about, so that a
job that queues twice still sends once; a sender claims a row (moves its ``due`` on)
before it sends, so that two runners never send one mail, and a runner that dies after
the claim leaves the mail to be sent again once the claim runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from newsroom.comments.store.backend import Backend, Row

MailKind = Literal["confirm", "published", "replied"]
SUBSCRIBER_COLUMNS = "id, email, created, confirmed, asked"


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    created: datetime
    confirmed: datetime | None
    asked: datetime | None  # when its last confirmation mail was queued


@dataclass(frozen=True)
class OptIn:
    """A comment whose author ticked the box, not yet handled."""

    comment: int
    thread: str
    email: str
    status: str


@dataclass(frozen=True)
class Mail:
    id: int
    kind: MailKind
    subscriber: int
    comment: int  # the one published, the reply, or the one whose box asked to confirm
    thread: str
    attempts: int
    created: datetime


class SubscriptionStore(Backend):
    def opt_ins_waiting(self, limit: int = 200) -> list[OptIn]:
        rows = self._read(
            self._sql(
                "SELECT id, thread, email, status FROM comments "
                f"WHERE notify = {self._true} AND opt_in_done = {self._false} "
                "ORDER BY id LIMIT ?"
            ),
            (limit,),
        )
        return [OptIn(r["id"], r["thread"], r["email"], r["status"]) for r in rows]

    def handle_opt_in(self, opt_in: OptIn, now: datetime, ask_again_after: timedelta) -> str:
        """In one transaction: the address a subscriber, the article a subscription, and
        a confirmation mail queued when the address is not confirmed and was not asked
        within ``ask_again_after``. A comment found spam or rejected asks for nothing.
        What was done, in a word."""
        at = self._to_db(now)
        with self._write() as cursor:
            done = self._sql(f"UPDATE comments SET opt_in_done = {self._true} WHERE id = ?")
            if opt_in.status not in ("pending", "approved") or not opt_in.email:
                cursor.execute(done, (opt_in.comment,))
                return "refused"
            cursor.execute(
                self._sql(
                    "INSERT INTO subscribers (email, email_key, created) "
                    "VALUES (?, lower(?), ?) ON CONFLICT (email_key) DO NOTHING"
                ),
                (opt_in.email, opt_in.email, at),
            )
            cursor.execute(
                self._sql(
                    f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = lower(?)"
                    f"{self.row_lock}"
                ),
                (opt_in.email,),
            )
            subscriber = self._subscriber(cursor.fetchone())
            cursor.execute(
                self._sql(
                    "INSERT INTO subscriptions (subscriber, thread, created) VALUES (?, ?, ?) "
                    "ON CONFLICT (subscriber, thread) DO NOTHING"
                ),
                (subscriber.id, opt_in.thread, at),
            )
            cursor.execute(
                self._sql(
                    "INSERT INTO opt_ins (comment, subscriber) VALUES (?, ?) "
                    "ON CONFLICT (comment) DO NOTHING"
                ),
                (opt_in.comment, subscriber.id),
            )
            said = "subscribed"
            asked = subscriber.asked
            if subscriber.confirmed is None and (asked is None or asked <= now - ask_again_after):
                self._queue(cursor, "confirm", subscriber.id, opt_in.comment, opt_in.thread, at)
                cursor.execute(
                    self._sql("UPDATE subscribers SET asked = ? WHERE id = ?"), (at, subscriber.id)
                )
                said = "asked to confirm"
            elif subscriber.confirmed is None:
                said = "waiting for confirmation"
            cursor.execute(done, (opt_in.comment,))
            return said

    def confirm_subscriber(self, id: int, now: datetime) -> Subscriber | None:
        """The subscriber confirmed (once: a second click changes nothing); None when
        there is no such subscriber (erased, or unsubscribed from everything)."""
        with self._write() as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE subscribers SET confirmed = ? WHERE id = ? AND confirmed IS NULL"
                ),
                (self._to_db(now), id),
            )
            cursor.execute(
                self._sql(f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = ?"), (id,)
            )
            row = cursor.fetchone()
        return self._subscriber(row) if row else None

    def subscriber(self, id: int) -> Subscriber | None:
        rows = self._read(
            self._sql(f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = ?"), (id,)
        )
        return self._subscriber(rows[0]) if rows else None

    def subscribed(self, subscriber: int, thread: str) -> bool:
        rows = self._read(
            self._sql("SELECT 1 FROM subscriptions WHERE subscriber = ? AND thread = ?"),
            (subscriber, thread),
        )
        return bool(rows)

    def queue_notices(self, now: datetime) -> int:
        """Queue what is due to confirmed subscribers: "published" for each approved
        comment whose box they ticked, "replied" for each approved direct reply (by
        someone else, since they subscribed) to their comments on a subscribed article.
        How many were queued."""
        published = self._read(
            "SELECT c.id AS comment, c.thread, o.subscriber FROM opt_ins o "
            "JOIN comments c ON c.id = o.comment "
            "JOIN subscribers s ON s.id = o.subscriber "
            "JOIN subscriptions u ON u.subscriber = o.subscriber AND u.thread = c.thread "
            "WHERE c.status = 'approved' AND s.confirmed IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM mails m WHERE m.kind = 'published' AND m.comment = c.id)"
        )
        replies = self._read(
            "SELECT r.id AS comment, r.thread, s.id AS subscriber FROM subscriptions u "
            "JOIN subscribers s ON s.id = u.subscriber AND s.confirmed IS NOT NULL "
            "JOIN comments p ON p.thread = u.thread AND lower(p.email) = s.email_key "
            "JOIN comments r ON r.parent = p.id AND r.thread = p.thread "
            "WHERE r.status = 'approved' AND r.created >= u.created "
            "AND lower(r.email) <> s.email_key AND NOT EXISTS (SELECT 1 FROM mails m "
            "WHERE m.kind = 'replied' AND m.comment = r.id AND m.subscriber = s.id)"
        )
        at = self._to_db(now)
        queued = 0
        with self._write() as cursor:
            for kind, rows in (("published", published), ("replied", replies)):
                for row in rows:
                    queued += self._queue(
                        cursor, kind, row["subscriber"], row["comment"], row["thread"], at
                    )
        return queued

    def _queue(
        self, cursor: Any, kind: MailKind, subscriber: int, comment: int, thread: str, at: Any
    ) -> int:
        cursor.execute(
            self._sql(
                "INSERT INTO mails (kind, subscriber, comment, thread, created, due) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, subscriber, comment) DO NOTHING"
            ),
            (kind, subscriber, comment, thread, at, at),
        )
        return max(int(cursor.rowcount), 0)

    def mails_due(self, now: datetime, limit: int = 50) -> list[Mail]:
        rows = self._read(
            self._sql(
                "SELECT id, kind, subscriber, comment, thread, attempts, created FROM mails "
                "WHERE sent IS NULL AND due <= ? ORDER BY due, id LIMIT ?"
            ),
            (self._to_db(now), limit),
        )
        return [
            Mail(
                r["id"], r["kind"], r["subscriber"], r["comment"], r["thread"],
                int(r["attempts"]), self._from_db(r["created"]),
            )
            for r in rows
        ]  # fmt: skip

    def claim_mail(self, id: int, now: datetime, until: datetime) -> bool:
        """Take a due mail for sending: no other runner sends it before ``until``."""
        with self._write() as cursor:
            cursor.execute(
                self._sql("UPDATE mails SET due = ? WHERE id = ? AND sent IS NULL AND due <= ?"),
                (self._to_db(until), id, self._to_db(now)),
            )
            return int(cursor.rowcount) == 1

    def mail_sent(self, id: int, now: datetime, note: str | None = None) -> None:
        """Sent (or, with a ``note``, dropped: nothing left to tell)."""
        with self._write() as cursor:
            cursor.execute(
                self._sql("UPDATE mails SET sent = ?, error = ? WHERE id = ?"),
                (self._to_db(now), note, id),
            )

    def mail_put_off(self, id: int, due: datetime, error: str, tried: bool = True) -> None:
        """Not sent now: tried again at ``due`` (``tried``: a failure, counted)."""
        more = 1 if tried else 0
        with self._write() as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE mails SET due = ?, error = ?, attempts = attempts + ? WHERE id = ?"
                ),
                (self._to_db(due), error, more, id),
            )

    def sent_to_since(self, subscriber: int, since: datetime) -> list[datetime]:
        """When mails were sent to a subscriber since then, oldest first."""
        rows = self._read(
            self._sql(
                "SELECT sent FROM mails WHERE subscriber = ? AND sent >= ? AND error IS NULL "
                "ORDER BY sent"
            ),
            (subscriber, self._to_db(since)),
        )
        return [self._from_db(row["sent"]) for row in rows]

    def unsubscribe(self, subscriber: int, thread: str | None) -> int:
        """One article's subscription, or (``thread`` None) the subscriber and all of
        theirs; their mails not sent yet go too. How many subscriptions ended."""
        with self._write() as cursor:
            if thread is None:
                cursor.execute(
                    self._sql("DELETE FROM subscriptions WHERE subscriber = ?"), (subscriber,)
                )
                ended = int(cursor.rowcount)
                for sql in (
                    "DELETE FROM mails WHERE subscriber = ? AND sent IS NULL",
                    "DELETE FROM opt_ins WHERE subscriber = ?",
                    "DELETE FROM subscribers WHERE id = ?",
                ):
                    cursor.execute(self._sql(sql), (subscriber,))
                return ended
            cursor.execute(
                self._sql("DELETE FROM subscriptions WHERE subscriber = ? AND thread = ?"),
                (subscriber, thread),
            )
            ended = int(cursor.rowcount)
            cursor.execute(
                self._sql("DELETE FROM mails WHERE subscriber = ? AND thread = ? AND sent IS NULL"),
                (subscriber, thread),
            )
            return ended

    def subscriptions_of(self, email: str) -> dict[str, Any] | None:
        """What is kept about an address's mail (for an export), or None."""
        rows = self._read(
            self._sql(f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = lower(?)"),
            (email.strip(),),
        )
        if not rows:
            return None
        subscriber = self._subscriber(rows[0])
        threads = self._read(
            self._sql(
                "SELECT thread, created FROM subscriptions WHERE subscriber = ? ORDER BY thread"
            ),
            (subscriber.id,),
        )
        mails = self._read(
            self._sql(
                "SELECT kind, comment, thread, created, sent FROM mails WHERE subscriber = ? "
                "ORDER BY id"
            ),
            (subscriber.id,),
        )
        iso = self._iso
        return {
            "email": subscriber.email,
            "created": subscriber.created.isoformat(),
            "confirmed": iso(subscriber.confirmed),
            "subscriptions": [
                {"thread": t["thread"], "since": self._from_db(t["created"]).isoformat()}
                for t in threads
            ],
            "mails": [
                {
                    "kind": m["kind"], "comment": m["comment"], "thread": m["thread"],
                    "queued": self._from_db(m["created"]).isoformat(),
                    "sent": None if m["sent"] is None else self._from_db(m["sent"]).isoformat(),
                }
                for m in mails
            ],
        }  # fmt: skip

    def forget_subscriber(self, email: str) -> bool:
        """An address's subscriber, subscriptions and mails, gone (``erase``)."""
        rows = self._read(
            self._sql("SELECT id FROM subscribers WHERE email_key = lower(?)"), (email.strip(),)
        )
        if not rows:
            return False
        subscriber = int(rows[0]["id"])
        with self._write() as cursor:
            for sql in (
                "DELETE FROM subscriptions WHERE subscriber = ?",
                "DELETE FROM mails WHERE subscriber = ?",
                "DELETE FROM opt_ins WHERE subscriber = ?",
                "DELETE FROM subscribers WHERE id = ?",
            ):
                cursor.execute(self._sql(sql), (subscriber,))
        return True

    def purge_mail(self, sent_before: datetime, unconfirmed_before: datetime) -> int:
        """Sent mails' rows older than ``sent_before``, and addresses never confirmed
        since ``unconfirmed_before``, with theirs; how many rows went."""
        gone = 0
        with self._write() as cursor:
            cursor.execute(
                self._sql("DELETE FROM mails WHERE sent IS NOT NULL AND sent < ?"),
                (self._to_db(sent_before),),
            )
            gone += int(cursor.rowcount)
            stale = "SELECT id FROM subscribers WHERE confirmed IS NULL AND created < ?"
            for table, column in (
                ("subscriptions", "subscriber"),
                ("mails", "subscriber"),
                ("opt_ins", "subscriber"),
                ("subscribers", "id"),
            ):
                cursor.execute(
                    self._sql(f"DELETE FROM {table} WHERE {column} IN ({stale})"),
                    (self._to_db(unconfirmed_before),),
                )
                gone += int(cursor.rowcount)
        return gone

    @property
    def _true(self) -> str:
        return "1" if self.dialect == "sqlite" else "TRUE"

    @property
    def _false(self) -> str:
        return "0" if self.dialect == "sqlite" else "FALSE"

    def _iso(self, value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    def _subscriber(self, row: Row) -> Subscriber:
        def time(value: Any) -> datetime | None:
            return None if value is None else self._from_db(value)

        return Subscriber(
            int(row["id"]), row["email"], self._from_db(row["created"]),
            time(row["confirmed"]), time(row["asked"]),
        )  # fmt: skip
