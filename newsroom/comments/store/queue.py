"""The console's queue: comments by status, article and search, a page at a time, with
the counts and the history a moderator judges by.

A search looks for the text in the author, e-mail, address, website and comment, any
case. It is answered from a trigram index of a copy of that text (migrations.SEARCH),
kept up to date off the posting path: a search first adds what was posted since the
last one, and the writes that change searched text index their comments again. Its
counts stop at ``COUNT_CAP``: a word in half the comments is counted "1,000 or more",
and its page is then read newest first, stopping at the page's end, which is quicker
than the index for so common a word.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from newsroom.comments.model import COMMENT_COLUMNS, STATUSES, Comment, Status
from newsroom.comments.store.backend import Backend, StoreError, checked
from newsroom.comments.store.migrations import SEARCH

logger = logging.getLogger(__name__)

MAX_SEARCH_CHARS = 200
SEARCHED = ("author", "email", "ip", "url", "body")  # what a search looks in
COUNT_CAP = 1000  # a search's matches are counted up to this, then "or more"
CATCH_UP = 2000  # comments indexed per transaction (tens of milliseconds)
LATE_COMMITS = 1000  # a catch-up looks this far below the newest id indexed (ids are
# taken before their transactions commit, so a lower one can arrive after a higher one)


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
    # Set by make_search_index: the copy of the searched text exists.
    search_indexed: bool = False
    # Below this many characters, the trigram index cannot answer (SQLite's FTS5).
    min_indexed_chars: ClassVar[int] = 3

    # --- the search index ------------------------------------------------------------------

    def make_search_index(self) -> None:
        """After migrating: the copy and its index, where the database can have them.
        Once they exist this is one read (it runs at every start, Lambda's cold ones too)."""
        spec = SEARCH[self.dialect]
        if self._read(spec.made):
            self.search_indexed = True
            return
        for statement in spec.create:
            try:
                with self._write() as cursor:
                    cursor.execute(self._search_statement(statement, cursor))
            except StoreError as exc:
                logger.warning("Search index: %s; a console search reads every comment", exc)
        # Whether the copy exists, not whether this process made it: erasures must reach
        # a copy another process made (or one this SQLite cannot create itself).
        try:
            self._read("SELECT 1 FROM comments_search LIMIT 1")
        except StoreError:
            return
        self.search_indexed = True

    def catch_up_search(self) -> int:
        """Index the comments posted since the last search (cheap when there are none), a
        batch per transaction so that posts go on meanwhile. How many were indexed."""
        if not self.search_indexed:
            return 0
        spec = SEARCH[self.dialect]
        key = spec.key
        batch = (
            f"id IN (SELECT id FROM comments WHERE id > ? AND id NOT IN "
            f"(SELECT {key} FROM comments_search WHERE {key} > ?) ORDER BY id LIMIT {CATCH_UP})"
        )
        done = 0
        while True:
            with self._write() as cursor:
                self._lock_search(cursor)
                cursor.execute(f"SELECT COALESCE(MAX({key}), 0) AS n FROM comments_search")
                since = max(0, int(cursor.fetchone()["n"]) - LATE_COMMITS)
                cursor.execute(self._sql(spec.add + batch + spec.after), (since, since))
                added = max(int(cursor.rowcount), 0)
            done += added
            if added < CATCH_UP:
                return done

    def _reindex(self, cursor: Any, ids: Sequence[int], keep: bool = True) -> None:
        """These comments' searched text changed (``keep``) or they are gone: their copies
        follow, in the same transaction (an erased address must not stay findable)."""
        if not self.search_indexed or not ids:
            return
        spec = SEARCH[self.dialect]
        self._lock_search(cursor)
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            cursor.execute(
                self._sql(f"DELETE FROM comments_search WHERE {spec.key} IN ({marks})"), chunk
            )
            if keep:
                cursor.execute(self._sql(spec.add + f"id IN ({marks})" + spec.after), chunk)

    def _search_statement(self, statement: str, cursor: Any) -> str:
        return statement

    def _lock_search(self, cursor: Any) -> None:
        """One writer of the copy at a time (SQLite's writers are one at a time anyway)."""

    # --- the queue -------------------------------------------------------------------------

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
        """SQL that holds for comments containing ``search``, and its parameters: from the
        index when there is one (and the text is long enough for it), else a scan."""
        if self.search_indexed and len(search) >= self.min_indexed_chars:
            spec = SEARCH[self.dialect]
            indexed = f"SELECT {spec.key} FROM comments_search WHERE {spec.match}"
            return f"id IN ({indexed})", [self._search_term(search)]
        return self.scan_match(search)

    def _search_term(self, search: str) -> str:
        """FTS5's trigram MATCH with a quoted phrase finds it anywhere, in any case."""
        return '"' + search.replace('"', '""') + '"'

    def scan_match(self, search: str) -> tuple[str, list[Any]]:
        """The same test, read comment by comment (SQLite's LIKE ignores case, for ASCII)."""
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
