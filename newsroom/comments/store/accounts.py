"""The store's moderators, their sessions and their failed sign-ins."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from newsroom.comments.accounts import AccountError, Moderator, account_role
from newsroom.comments.store.backend import Backend, Row
from newsroom.comments.store.clock import now

if TYPE_CHECKING:
    from newsroom.comments.sessions import Session

MODERATOR_COLUMNS = "id, email, name, role, password_hash, created"


class AccountStore(Backend):
    def add_moderator(self, email: str, name: str, role: str, password_hash: str) -> Moderator:
        if self.moderator(email) is not None:
            raise AccountError(f"{email} has an account already")
        sql = self._sql(
            "INSERT INTO moderators (email, name, role, password_hash, created) "
            f"VALUES (?, ?, ?, ?, ?) RETURNING {MODERATOR_COLUMNS}"
        )
        with self._write() as cursor:
            cursor.execute(sql, (email, name, role, password_hash, self._to_db(now())))
            return self._moderator(cursor.fetchone())

    def moderator(self, email: str) -> Moderator | None:
        sql = self._sql(f"SELECT {MODERATOR_COLUMNS} FROM moderators WHERE email = ?")
        rows = self._read(sql, (email,))
        return self._moderator(rows[0]) if rows else None

    def moderators(self) -> list[Moderator]:
        rows = self._read(f"SELECT {MODERATOR_COLUMNS} FROM moderators ORDER BY email")
        return [self._moderator(row) for row in rows]

    def remove_moderator(self, email: str) -> bool:
        """The account and every session of it, in one transaction."""
        with self._write() as cursor:
            cursor.execute(self._sql("SELECT id FROM moderators WHERE email = ?"), (email,))
            row = cursor.fetchone()
            if row is None:
                return False
            cursor.execute(self._sql("DELETE FROM sessions WHERE moderator_id = ?"), (row["id"],))
            cursor.execute(self._sql("DELETE FROM moderators WHERE id = ?"), (row["id"],))
            return True

    def set_password_hash(self, email: str, password_hash: str) -> bool:
        """A new password ends every session of the account."""
        with self._write() as cursor:
            cursor.execute(
                self._sql("UPDATE moderators SET password_hash = ? WHERE email = ? RETURNING id"),
                (password_hash, email),
            )
            row = cursor.fetchone()
            if row is None:
                return False
            cursor.execute(self._sql("DELETE FROM sessions WHERE moderator_id = ?"), (row["id"],))
            return True

    # --- sessions ------------------------------------------------------------------------

    def open_session(self, session: Session) -> None:
        sql = self._sql("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)")
        times = (session.created, session.last_seen, session.expires)
        with self._write() as cursor:
            cursor.execute(
                sql,
                (session.id, session.moderator_id, session.csrf, *map(self._to_db, times)),
            )

    def session(self, id: str) -> tuple[Session, Moderator] | None:
        """The session and its moderator (none when the account is gone)."""
        from newsroom.comments.sessions import Session

        sql = self._sql(
            "SELECT s.id AS sid, s.csrf, s.created AS s_created, s.last_seen, s.expires, "
            "m.id, m.email, m.name, m.role, m.password_hash, m.created "
            "FROM sessions s JOIN moderators m ON m.id = s.moderator_id WHERE s.id = ?"
        )
        rows = self._read(sql, (id,))
        if not rows:
            return None
        row = rows[0]
        session = Session(
            id=row["sid"],
            moderator_id=row["id"],
            csrf=row["csrf"],
            created=self._from_db(row["s_created"]),
            last_seen=self._from_db(row["last_seen"]),
            expires=self._from_db(row["expires"]),
        )
        return session, self._moderator(row)

    def touch_session(self, id: str, moment: datetime) -> None:
        with self._write() as cursor:
            cursor.execute(
                self._sql("UPDATE sessions SET last_seen = ? WHERE id = ?"),
                (self._to_db(moment), id),
            )

    def close_session(self, id: str) -> None:
        with self._write() as cursor:
            cursor.execute(self._sql("DELETE FROM sessions WHERE id = ?"), (id,))

    def purge_accounts(self, moment: datetime, idle: timedelta, backoff: timedelta) -> int:
        """Ended sessions and failures older than the back-off: gone. How many rows."""
        with self._write() as cursor:
            cursor.execute(
                self._sql("DELETE FROM sessions WHERE expires <= ? OR last_seen <= ?"),
                (self._to_db(moment), self._to_db(moment - idle)),
            )
            ended = cursor.rowcount
            cursor.execute(
                self._sql("DELETE FROM sign_in_failures WHERE last_failure <= ?"),
                (self._to_db(moment - backoff),),
            )
            return int(ended + cursor.rowcount)

    # --- failed sign-ins -----------------------------------------------------------------

    def failures(self, account: str, address: str) -> tuple[int, datetime] | None:
        """How many failures in a row, and the last one's time."""
        rows = self._read(
            self._sql(
                "SELECT failures, last_failure FROM sign_in_failures "
                "WHERE account = ? AND address = ?"
            ),
            (account, address),
        )
        if not rows:
            return None
        return int(rows[0]["failures"]), self._from_db(rows[0]["last_failure"])

    def record_failure(
        self, account: str, address: str, moment: datetime, window: timedelta
    ) -> int:
        """One more failure; the count starts again after ``window`` without one."""
        sql = self._sql(
            "INSERT INTO sign_in_failures VALUES (?, ?, 1, ?) "
            "ON CONFLICT (account, address) DO UPDATE SET "
            "failures = CASE WHEN sign_in_failures.last_failure <= ? THEN 1 "
            "ELSE sign_in_failures.failures + 1 END, last_failure = excluded.last_failure "
            "RETURNING failures"
        )
        at, stale = self._to_db(moment), self._to_db(moment - window)
        with self._write() as cursor:
            cursor.execute(sql, (account, address, at, stale))
            return int(cursor.fetchone()["failures"])

    def clear_failures(self, account: str, address: str) -> None:
        with self._write() as cursor:
            cursor.execute(
                self._sql("DELETE FROM sign_in_failures WHERE account = ? AND address = ?"),
                (account, address),
            )

    def _moderator(self, row: Row) -> Moderator:
        created: Any = row["created"]
        return Moderator(
            id=int(row["id"]),
            email=row["email"],
            name=row["name"],
            role=account_role(row["role"]),
            password_hash=row["password_hash"],
            created=self._from_db(created) if created is not None else None,
        )
