"""The console's queue: comments by status, article and search, a page at a time, with
the counts and the history a moderator judges by.

A search looks for the text in the author, e-mail, address, website and comment, any
case. It is answered from a trigram index where the store has one (``text_match``), and
its counts stop at ``COUNT_CAP``: a word in half the comments is counted "1,000 or
more", and its page is then read newest first, stopping at the page's end, which is
quicker than the index for so common a word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsroom.comments.model import COMMENT_COLUMNS, STATUSES, Comment, Status
from newsroom.comments.store.backend import Backend, checked

MAX_SEARCH_CHARS = 200
SEARCHED = ("author", "email", "ip", "url", "body")  # what a search looks in
COUNT_CAP = 1000  # a search's matches are counted up to this, then "or more"
MIN_INDEXED_CHARS = 3  # a trigram index finds nothing shorter


@dataclass(frozen=True)
class QueueFilter:
    """Which comments a view shows: one status (None: all), one article, a search."""

    status: Status | None = "pending"
    thread: str | None = None
    search: str = ""
    oldest_first: bool = False

    @property
    def searched(self) -> str:
        return self.search.strip()[:MAX_SEARCH_CHARS]


@dataclass(frozen=True)
class Counts:
    by_status: dict[Status, int]
    capped: bool  # a search matched more than COUNT_CAP: the counts are lower bounds


class QueueStore(Backend):
    # Set by SQLite's migrate when its FTS5 trigram index exists.
    search_indexed: bool = False

    def queue(
        self, view: QueueFilter, limit: int, offset: int, common: bool = False
    ) -> list[Comment]:
        """A page of the view; ``common``: the search matches so many that reading newest
        first (and stopping) beats the index."""
        from newsroom.comments.store.base import comment_reader

        where, params = self._filter(view, with_status=True, scan=common)
        order = "ASC" if view.oldest_first else "DESC"
        sql = self._sql(
            f"SELECT {', '.join(COMMENT_COLUMNS)} FROM comments {where}"
            f"ORDER BY created {order}, id {order} LIMIT ? OFFSET ?"
        )
        return comment_reader(self._read(sql, [*params, limit, offset]), self._from_db)

    def queue_counts(self, view: QueueFilter) -> Counts:
        """How many comments of each status the view's article and search hold."""
        where, params = self._filter(view, with_status=False)
        rows_of = "comments"
        if view.searched:  # counted up to the cap, one past it to know it was passed
            rows_of = f"(SELECT status FROM comments {where}LIMIT {COUNT_CAP + 1}) AS found"
            where = ""
        rows = self._read(
            self._sql(f"SELECT status, COUNT(*) AS n FROM {rows_of} {where}GROUP BY status"),
            params,
        )
        found = {row["status"]: int(row["n"]) for row in rows}
        by_status = {status: found.get(status, 0) for status in STATUSES}
        return Counts(by_status, capped=bool(view.searched) and sum(found.values()) > COUNT_CAP)

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

    def text_match(self, search: str) -> tuple[str, list[Any]]:
        """SQL that holds for comments containing ``search``, and its parameters: FTS5's
        trigram index when there is one (and the text is long enough for it), else a
        LIKE on each column (SQLite's LIKE ignores case, for ASCII)."""
        if self.search_indexed and len(search) >= MIN_INDEXED_CHARS:
            phrase = '"' + search.replace('"', '""') + '"'
            return "id IN (SELECT rowid FROM comments_search WHERE comments_search MATCH ?)", [
                phrase
            ]
        return scan_match(search)

    def scan_match(self, search: str) -> tuple[str, list[Any]]:
        """The same test, read comment by comment (newest first, stopping at a page's end)."""
        return scan_match(search)

    def _filter(
        self, view: QueueFilter, with_status: bool, scan: bool = False
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if with_status and view.status is not None:
            clauses.append("status = ?")
            params.append(checked(view.status, STATUSES, "status"))
        if view.thread:
            clauses.append("thread = ?")
            params.append(view.thread)
        if view.searched:
            search = view.searched
            sql, values = self.scan_match(search) if scan else self.text_match(search)
            clauses.append(sql)
            params.extend(values)
        return (f"WHERE {' AND '.join(clauses)} " if clauses else ""), params


def like_pattern(text: str) -> str:
    """``text`` anywhere, with LIKE's own characters taken literally (ESCAPE '\\')."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def scan_match(search: str) -> tuple[str, list[Any]]:
    pattern = like_pattern(search)
    columns = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in SEARCHED)
    return f"({columns})", [pattern] * len(SEARCHED)
