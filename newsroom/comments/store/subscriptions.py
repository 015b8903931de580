"""The store's readers' mail (migration 8): subscribers (an address), the browsers each
trusts (author keys whose confirmation link was followed), subscriptions (an article),
and the outbox of mails to send.

Typing an address proves nothing, so trust is per browser, not per address: a ticked box
under an author key the address has not confirmed asks for a confirmation, and only
comments under confirmed keys bring mail (their "published" notice, and replies to them).
A stranger who types someone's address can cost them at most the confirmation mails
``handle_opt_in``'s limits allow.

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


def email_key(email: str) -> str:
    """An address as subscribers are known by: case does not count (as for erasure)."""
    return email.strip().casefold()


SUBSCRIBER_COLUMNS = "id, email, created, confirmed, asked, stopped"
MAIL_COLUMNS = "id, kind, subscriber, comment, thread, attempts, created"


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    created: datetime
    confirmed: datetime | None  # its first confirmation
    asked: datetime | None  # when its last confirmation mail was queued
    stopped: datetime | None  # when it asked for no more mail


@dataclass(frozen=True)
class Mail:
    id: int
    kind: MailKind
    subscriber: int
    comment: int  # the one published, the reply, or the one whose box asked to confirm
    thread: str
    attempts: int
    created: datetime


@dataclass(frozen=True)
class OptInRules:
    """When a ticked box sends a confirmation (reader_mail.py sets them)."""

    oldest: datetime  # a box older than this asks for nothing (mail was off meanwhile)
    ask_again_after: timedelta  # an address is asked at most this often
    group_since: datetime  # confirmations queued since then for one address group...
    group_limit: int  # ...at most this many
    hour_limit: int  # confirmations queued in the last hour, for everyone


class SubscriptionStore(Backend):
    def opt_ins_waiting(self, limit: int = 200) -> list[int]:
        """Comments whose box is ticked and not yet handled, oldest first; not those
        waiting for Akismet (or a moderator, without a key), which would hold up the rest."""
        rows = self._read(
            self._sql(
                # Booleans as both databases read them (SQLite: 1 and 0), as the index has it.
                "SELECT id FROM comments WHERE notify AND NOT opt_in_done "
                "AND NOT (akismet = 'unchecked' AND status = 'pending') ORDER BY id LIMIT ?"
            ),
            (limit,),
        )
        return [int(row["id"]) for row in rows]

    def handle_opt_in(self, comment: int, now: datetime, rules: OptInRules) -> str:
        """In one transaction: the address a subscriber and the article a subscription,
        and a confirmation queued when the comment's browser is not trusted yet and the
        rules allow one. What was done, in a few words; "later" leaves it for a later
        turn (Akismet has not answered, or the hourly limit is reached)."""
        at = self._to_db(now)
        with self._write() as cursor:
            cursor.execute(
                self._sql(
                    "SELECT thread, email, status, akismet, author_key, created, updated, "
                    f"ip_group FROM comments WHERE id = ?{self.row_lock}"
                ),
                (comment,),
            )
            row = cursor.fetchone()
            if row is None:
                return "gone"
            said = self._opt_in(cursor, comment, row, now, at, rules)
            if said != "later":
                cursor.execute(
                    self._sql("UPDATE comments SET opt_in_done = TRUE WHERE id = ?"),
                    (comment,),
                )
            return said

    def _opt_in(
        self, cursor: Any, comment: int, row: Row, now: datetime, at: Any, rules: OptInRules
    ) -> str:
        if row["status"] not in ("pending", "approved") or not row["email"]:
            return "refused"
        if row["akismet"] == "unchecked" and row["status"] != "approved":
            return "later"  # a spam check first: confirmations are what spammers would send
        created = self._from_db(row["created"])
        if self._from_db(row["updated"] or row["created"]) < rules.oldest:
            return "too old"  # neither made nor moderated lately: mail was off meanwhile
        key = email_key(row["email"])
        cursor.execute(
            self._sql(
                "INSERT INTO subscribers (email, email_key, created) VALUES (?, ?, ?) "
                "ON CONFLICT (email_key) DO NOTHING"
            ),
            (row["email"], key, at),
        )
        cursor.execute(
            self._sql(
                f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = ?{self.row_lock}"
            ),
            (key,),
        )
        subscriber = self._subscriber(cursor.fetchone())
        trusted = self._trusts(cursor, subscriber.id, row["author_key"])
        if subscriber.stopped is not None and not trusted:
            return "stopped"  # only the reader's own browser starts it again
        if subscriber.stopped is not None:
            cursor.execute(
                self._sql("UPDATE subscribers SET stopped = NULL WHERE id = ?"), (subscriber.id,)
            )
        cursor.execute(
            self._sql(
                "INSERT INTO subscriptions (subscriber, thread, created) VALUES (?, ?, ?) "
                "ON CONFLICT (subscriber, thread) DO NOTHING"
            ),
            (subscriber.id, row["thread"], self._to_db(created)),
        )
        cursor.execute(
            self._sql(
                "INSERT INTO opt_ins (comment, subscriber) VALUES (?, ?) "
                "ON CONFLICT (comment) DO NOTHING"
            ),
            (comment, subscriber.id),
        )
        if trusted:
            return "subscribed"
        return self._ask(cursor, subscriber, comment, row, now, at, rules)

    def _ask(
        self,
        cursor: Any,
        subscriber: Subscriber,
        comment: int,
        row: Row,
        now: datetime,
        at: Any,
        rules: OptInRules,
    ) -> str:
        """A confirmation for this browser, within the limits."""
        if subscriber.asked is not None and subscriber.asked > now - rules.ask_again_after:
            return "asked recently"
        hour = self._count(cursor, "m.created >= ?", [self._to_db(now - timedelta(hours=1))])
        if hour >= rules.hour_limit:
            return "later"
        group = row["ip_group"]
        if (
            group
            and self._count(
                cursor, "m.created >= ? AND c.ip_group = ?", [self._to_db(rules.group_since), group]
            )
            >= rules.group_limit
        ):
            return "over the address group's limit"
        self._queue(cursor, "confirm", subscriber.id, comment, row["thread"], at)
        cursor.execute(
            self._sql("UPDATE subscribers SET asked = ? WHERE id = ?"), (at, subscriber.id)
        )
        return "asked to confirm"

    def _count(self, cursor: Any, where: str, params: list[Any]) -> int:
        cursor.execute(
            self._sql(
                "SELECT COUNT(*) AS n FROM mails m JOIN comments c ON c.id = m.comment "
                f"WHERE m.kind = 'confirm' AND {where}"
            ),
            params,
        )
        return int(cursor.fetchone()["n"])

    def _trusts(self, cursor: Any, subscriber: int, author_key: str | None) -> bool:
        if not author_key:
            return False
        cursor.execute(
            self._sql("SELECT 1 FROM subscriber_keys WHERE subscriber = ? AND author_key = ?"),
            (subscriber, author_key),
        )
        return cursor.fetchone() is not None

    def trust(self, subscriber: int, comment: int, now: datetime) -> bool:
        """The confirmation link of ``comment``'s box was followed: its browser (author
        key) is trusted by the subscriber from now on. False when there is nothing to
        trust (the subscriber or the comment is gone, or the comment has no key)."""
        at = self._to_db(now)
        with self._write() as cursor:
            if not self._lock_subscriber(cursor, subscriber):
                return False
            cursor.execute(
                self._sql(
                    "SELECT c.author_key, c.email, s.email_key FROM comments c "
                    "JOIN subscribers s ON s.id = ? WHERE c.id = ?"
                ),
                (subscriber, comment),
            )
            row = cursor.fetchone()
            if row is None or not row["author_key"] or email_key(row["email"]) != row["email_key"]:
                return False
            cursor.execute(
                self._sql(
                    "INSERT INTO subscriber_keys (subscriber, author_key, confirmed) "
                    "VALUES (?, ?, ?) ON CONFLICT (subscriber, author_key) DO NOTHING"
                ),
                (subscriber, row["author_key"], at),
            )
            cursor.execute(
                self._sql(
                    "UPDATE subscribers SET confirmed = COALESCE(confirmed, ?), stopped = NULL "
                    "WHERE id = ?"
                ),
                (at, subscriber),
            )
            return True

    def _lock_subscriber(self, cursor: Any, subscriber: int) -> bool:
        """The subscriber's row, locked first (as ``handle_opt_in`` does: no deadlock)."""
        cursor.execute(
            self._sql(f"SELECT id FROM subscribers WHERE id = ?{self.row_lock}"), (subscriber,)
        )
        return cursor.fetchone() is not None

    def trusted(self, subscriber: int, comment: int) -> bool:
        """Whether the comment's browser is one the subscriber confirmed."""
        rows = self._read(
            self._sql(
                "SELECT 1 FROM comments c JOIN subscriber_keys k ON k.author_key = c.author_key "
                "WHERE c.id = ? AND k.subscriber = ?"
            ),
            (comment, subscriber),
        )
        return bool(rows)

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

    def queue_notices(self, now: datetime, since: datetime) -> int:
        """Queue the notices due, about comments made since ``since``: "published" for
        each approved comment whose box a subscriber ticked from a browser they trust,
        "replied" for each approved direct reply by someone else to a comment they wrote
        from such a browser, on an article they follow (replies since they follow it).
        How many were queued."""
        window = self._to_db(since)
        published = self._read(
            self._sql(
                "SELECT c.id AS comment, c.thread, o.subscriber FROM comments c "
                "JOIN opt_ins o ON o.comment = c.id "
                "JOIN subscriber_keys k ON k.subscriber = o.subscriber "
                "AND k.author_key = c.author_key "
                "JOIN subscriptions u ON u.subscriber = o.subscriber AND u.thread = c.thread "
                "WHERE c.status = 'approved' AND c.created >= ? AND NOT EXISTS "
                "(SELECT 1 FROM mails m WHERE m.comment = c.id AND m.kind = 'published')"
            ),
            (window,),
        )
        replies = self._read(
            self._sql(
                "SELECT r.id AS comment, r.thread, r.email, s.email_key, u.subscriber "
                "FROM comments r "
                "JOIN comments p ON p.id = r.parent "
                "JOIN subscriptions u ON u.thread = p.thread "
                "JOIN subscriber_keys k ON k.subscriber = u.subscriber "
                "AND k.author_key = p.author_key "
                "JOIN subscribers s ON s.id = u.subscriber "
                "WHERE r.status = 'approved' AND r.created >= ? AND r.created >= u.created "
                "AND (r.author_key IS NULL OR r.author_key <> p.author_key) "
                "AND NOT EXISTS (SELECT 1 FROM mails m "
                "WHERE m.comment = r.id AND m.kind = 'replied' AND m.subscriber = u.subscriber)"
            ),
            (window,),
        )
        replies = [r for r in replies if email_key(r["email"]) != r["email_key"]]  # not theirs
        at = self._to_db(now)
        queued = 0
        with self._write() as cursor:
            notices: tuple[tuple[MailKind, list[Row]], ...] = (
                ("published", published),
                ("replied", replies),
            )
            for kind, rows in notices:
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

    def outbox_due(self, now: datetime, limit: int = 50) -> list[Mail]:
        rows = self._read(
            self._sql(
                f"SELECT {MAIL_COLUMNS} FROM mails WHERE sent IS NULL AND due <= ? "
                "ORDER BY due, id LIMIT ?"
            ),
            (self._to_db(now), limit),
        )
        return [
            Mail(
                int(r["id"]), r["kind"], int(r["subscriber"]), int(r["comment"]), r["thread"],
                int(r["attempts"]), self._from_db(r["created"]),
            )
            for r in rows
        ]  # fmt: skip

    def outbox_claim(self, id: int, now: datetime, until: datetime) -> bool:
        """Take a due mail for sending: no other runner sends it before ``until``."""
        with self._write() as cursor:
            cursor.execute(
                self._sql("UPDATE mails SET due = ? WHERE id = ? AND sent IS NULL AND due <= ?"),
                (self._to_db(until), id, self._to_db(now)),
            )
            return int(cursor.rowcount) == 1

    def outbox_sent(self, id: int, now: datetime, note: str | None = None) -> None:
        """Sent (or, with a ``note``, dropped: nothing to tell, or given up on)."""
        with self._write() as cursor:
            cursor.execute(
                self._sql("UPDATE mails SET sent = ?, error = ? WHERE id = ?"),
                (self._to_db(now), note, id),
            )

    def outbox_put_off(self, id: int, due: datetime, error: str, tried: bool = True) -> None:
        """Not sent now: tried again at ``due`` (``tried``: a failure, counted)."""
        with self._write() as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE mails SET due = ?, error = ?, attempts = attempts + ? WHERE id = ?"
                ),
                (self._to_db(due), error, 1 if tried else 0, id),
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

    def unsubscribe(self, subscriber: int, thread: str | None, now: datetime) -> int:
        """One article's subscription, or (``thread`` None) all of them and no more
        confirmations (``stopped``); mails not sent yet go too. How many ended."""
        with self._write() as cursor:
            if not self._lock_subscriber(cursor, subscriber):
                return 0
            if thread is None:
                cursor.execute(
                    self._sql("DELETE FROM subscriptions WHERE subscriber = ?"), (subscriber,)
                )
                ended = int(cursor.rowcount)
                cursor.execute(
                    self._sql("DELETE FROM mails WHERE subscriber = ? AND sent IS NULL"),
                    (subscriber,),
                )
                cursor.execute(
                    self._sql("UPDATE subscribers SET stopped = ? WHERE id = ?"),
                    (self._to_db(now), subscriber),
                )
                return ended
            cursor.execute(
                self._sql("DELETE FROM subscriptions WHERE subscriber = ? AND thread = ?"),
                (subscriber, thread),
            )
            ended = int(cursor.rowcount)
            cursor.execute(
                self._sql(
                    "DELETE FROM mails WHERE subscriber = ? AND thread = ? AND sent IS NULL "
                    "AND kind <> 'confirm'"
                ),
                (subscriber, thread),
            )
            return ended

    def subscriptions_of(self, email: str) -> dict[str, Any] | None:
        """What is kept about an address's mail (for an export), or None."""
        rows = self._read(
            self._sql(f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = ?"),
            (email_key(email),),
        )
        if not rows:
            return None
        row = rows[0]
        subscriber = self._subscriber(row)
        threads = self._read(
            self._sql(
                "SELECT thread, created FROM subscriptions WHERE subscriber = ? ORDER BY thread"
            ),
            (subscriber.id,),
        )
        keys = self._read(
            self._sql("SELECT confirmed FROM subscriber_keys WHERE subscriber = ? ORDER BY 1"),
            (subscriber.id,),
        )
        mails = self._read(
            self._sql(
                "SELECT kind, comment, thread, created, sent, error FROM mails "
                "WHERE subscriber = ? ORDER BY id"
            ),
            (subscriber.id,),
        )

        def iso(value: Any) -> str | None:
            moment = self._time(value)
            return None if moment is None else moment.isoformat()

        return {
            "email": subscriber.email,
            "created": iso(row["created"]),
            "confirmed": iso(row["confirmed"]),
            "stopped": iso(row["stopped"]),
            "browsers_confirmed": [iso(k["confirmed"]) for k in keys],
            "subscriptions": [{"thread": t["thread"], "since": iso(t["created"])} for t in threads],
            "mails": [
                {
                    "kind": m["kind"], "comment": m["comment"], "thread": m["thread"],
                    "queued": iso(m["created"]), "sent": iso(m["sent"]), "note": m["error"],
                }
                for m in mails
            ],
        }  # fmt: skip

    def forget_subscriber(self, email: str) -> bool:
        """An address's subscriber, trusted browsers, subscriptions and mails, gone."""
        rows = self._read(
            self._sql("SELECT id FROM subscribers WHERE email_key = ?"), (email_key(email),)
        )
        if not rows:
            return False
        with self._write() as cursor:
            self._delete_subscribers(cursor, "id = ?", [rows[0]["id"]])
        return True

    def purge_mail(self, before: datetime) -> int:
        """What readers' mail keeps past ``before``: mails queued before it (the notices'
        window is shorter, so none is queued again), opt-ins of comments made before it or
        gone, addresses never confirmed and not asked since, and confirmed ones that
        follow nothing; addresses that stopped every mail stay (so that no confirmation
        goes to them again). How many rows went."""
        at = self._to_db(before)
        with self._write() as cursor:
            gone = 0
            for sql in (
                "DELETE FROM mails WHERE created < ?",
                "DELETE FROM opt_ins WHERE comment NOT IN (SELECT id FROM comments "
                "WHERE created >= ?)",
            ):
                cursor.execute(self._sql(sql), (at,))
                gone += int(cursor.rowcount)
            stale = (
                "stopped IS NULL AND COALESCE(asked, created) < ? AND (NOT EXISTS (SELECT 1 "
                "FROM subscriber_keys k WHERE k.subscriber = subscribers.id) OR NOT EXISTS "
                "(SELECT 1 FROM subscriptions u WHERE u.subscriber = subscribers.id))"
            )
            gone += self._delete_subscribers(cursor, stale, [at])
        return gone

    def _delete_subscribers(self, cursor: Any, where: str, params: list[Any]) -> int:
        chosen = f"SELECT id FROM subscribers WHERE {where}"
        gone = 0
        for table in ("subscriptions", "subscriber_keys", "mails", "opt_ins"):
            cursor.execute(self._sql(f"DELETE FROM {table} WHERE subscriber IN ({chosen})"), params)
            gone += int(cursor.rowcount)
        cursor.execute(self._sql(f"DELETE FROM subscribers WHERE {where}"), params)
        return gone + int(cursor.rowcount)

    def _time(self, value: Any) -> datetime | None:
        """A time as the store keeps it, read; None (never) as None."""
        return None if value is None else self._from_db(value)

    def _subscriber(self, row: Row) -> Subscriber:
        time = self._time
        return Subscriber(
            int(row["id"]), row["email"], self._from_db(row["created"]),
            time(row["confirmed"]), time(row["asked"]), time(row["stopped"]),
        )  # fmt: skip
