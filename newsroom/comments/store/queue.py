"""The console's queue: comments by status, article and search, a page at a time, with
the counts and the history a moderator judges by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsroom.comments.model import COMMENT_COLUMNS, STATUSES, Comment, Status
from newsroom.comments.store.backend import Backend, checked

MAX_SEARCH_CHARS = 200
SEARCHED = ("author", "email", "ip", "url", "body")  # what a search looks in


@dataclass(frozen=True)
class QueueFilter:
    """Which comments a view shows: one status (None: all), one article, a search."""

    status: Status | None = "pending"
    thread: str | None = None
    search: str = ""
    oldest_first: bool = False


class QueueStore(Backend):
    # Case-insensitive matching: SQLite's LIKE is (for ASCII); PostgreSQL says ILIKE.
    like = "LIKE"

    def queue(self, view: QueueFilter, limit: int, offset: int) -> list[Comment]:
        from newsroom.comments.store.base import comment_reader

        where, params = self._filter(view, with_status=True)
        order = "ASC" if view.oldest_first else "DESC"
        sql = self._sql(
            f"SELECT {', '.join(COMMENT_COLUMNS)} FROM comments {where}"
            f"ORDER BY created {order}, id {order} LIMIT ? OFFSET ?"
        )
        rows = self._read(sql, [*params, limit, offset])
        return comment_reader(rows, self._from_db)

    def queue_counts(self, view: QueueFilter) -> dict[Status, int]:
        """How many comments of each status the view's article and search hold."""
        where, params = self._filter(view, with_status=False)
        rows = self._read(
            self._sql(f"SELECT status, COUNT(*) AS n FROM comments {where}GROUP BY status"),
            params,
        )
        found = {row["status"]: int(row["n"]) for row in rows}
        return {status: found.get(status, 0) for status in STATUSES}

    def address_history(self, ips: list[str]) -> dict[str, dict[str, int]]:
        """For each address, how many of its comments were approved, rejected or spam."""
        wanted = sorted({ip for ip in ips if ip})
        history: dict[str, dict[str, int]] = {ip: {} for ip in wanted}
        if not wanted:
            return history
        marks = ", ".join("?" * len(wanted))
        rows = self._read(
            self._sql(
                f"SELECT ip, status, COUNT(*) AS n FROM comments WHERE ip IN ({marks}) "
                "GROUP BY ip, status"
            ),
            wanted,
        )
        for row in rows:
            history[row["ip"]][row["status"]] = int(row["n"])
        return history

    def excerpts(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """(author, text) of the comments others reply to."""
        wanted = sorted({id for id in ids if id})
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        rows = self._read(
            self._sql(f"SELECT id, author, body FROM comments WHERE id IN ({marks})"), wanted
        )
        return {int(row["id"]): (row["author"], row["body"]) for row in rows}

    def _filter(self, view: QueueFilter, with_status: bool) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if with_status and view.status is not None:
            clauses.append("status = ?")
            params.append(checked(view.status, STATUSES, "status"))
        if view.thread:
            clauses.append("thread = ?")
            params.append(view.thread)
        search = view.search.strip()[:MAX_SEARCH_CHARS]
        if search:
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern += "%"
            matches = [f"{column} {self.like} ? ESCAPE '\\'" for column in SEARCHED]
            clauses.append(f"({' OR '.join(matches)})")
            params.extend([pattern] * len(SEARCHED))
        return (f"WHERE {' AND '.join(clauses)} " if clauses else ""), params
