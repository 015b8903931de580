"""The Store's imported comments (importing/): which comment each export's comment
became, and whether an export's own ids were kept as ours (migration 9).

An export's comment ids can be ours only in a store that has never given an id: its
sequence is then moved past the export's highest id in the same transaction, so that no
comment posted later can take one of them. Each batch of imported comments is one
transaction with the record of what they were, so that an interrupted import resumes
where it stopped and a second one adds nothing twice.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from newsroom.comments.model import NewComment
from newsroom.comments.store.backend import Backend, Query, StoreError, count

# An export's ids above this are not kept: the sequence would be moved too near its end.
MAX_KEPT_ID = 2**40
CHUNK = 500  # rows an INSERT (SQLite takes 32,766 parameters, a comment has 20)


@dataclass(frozen=True)
class Imported:
    """One comment to import: the export's id for it and for its parent (if any)."""

    foreign_id: str
    parent: str | None
    comment: NewComment  # its ``parent`` is ignored: found from ``parent``
    own_id: int | None = None  # the id to give it, when the export's ids are kept


class ImportStore(Backend):
    def imported(self, source: str) -> dict[str, int]:
        """The export's comment ids already imported, to the comments they became (which
        may since have been deleted: they are not imported again)."""
        rows = self._imports_read(
            "SELECT foreign_id, comment FROM imported_comments WHERE source = ?", source
        )
        return {row["foreign_id"]: int(row["comment"]) for row in rows}

    def _imports_read(self, sql: str, source: str) -> list[Any]:
        """Rows of migration 9's tables; none in a store a dry run finds before it."""
        if not self.up_to_date():
            return []
        return self._read(self._sql(sql), (source,))

    def keep_ids_to(self, source: str, highest: int, dry_run: bool = False) -> int:
        """Up to which id this source's comments keep their own ids (0: none do). Decided
        on the first import with comments: kept when the store has never given an id, and
        then the sequence moves past ``highest`` at once. Later imports keep the first
        decision. ``dry_run``: what would be decided, nothing written (a store not yet
        migrated to 9 has decided nothing)."""
        highest = keepable(highest)
        if dry_run:
            rows = self._imports_read(self._KEPT_TO, source)
            if rows:
                return int(rows[0]["ids_kept_to"])
            try:
                return highest if count(self._read(self._no_ids_given())) else 0
            except StoreError:  # no comments table yet: a new store would keep them
                return highest
        with self._write() as cursor:
            self._lock_ids(cursor)
            cursor.execute(self._sql(self._KEPT_TO), (source,))
            row = cursor.fetchone()
            if row is not None:
                return int(row["ids_kept_to"])
            if not highest:  # nothing to keep: the choice waits for an export with comments
                return 0
            cursor.execute(self._no_ids_given())
            kept_to = highest if int(cursor.fetchone()["n"]) else 0
            if kept_to:
                self._move_ids_past(cursor, kept_to)
            cursor.execute(
                self._sql("INSERT INTO import_sources (source, ids_kept_to) VALUES (?, ?)"),
                (source, kept_to),
            )
            return kept_to

    _KEPT_TO = "SELECT ids_kept_to FROM import_sources WHERE source = ?"

    def _no_ids_given(self) -> str:
        """A query answering 1 when no comment is stored and the sequence has never given an id."""
        return (
            f"SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM comments) "
            f"AND ({self._LAST_ID}) = 0 THEN 1 ELSE 0 END AS n"
        )

    def add_imported(
        self, source: str, batch: Sequence[Imported], known: dict[str, int]
    ) -> list[Imported]:
        """Store ``batch`` in one transaction, parents before their replies, with its
        record. ``known`` (the export's ids already stored, to ours) gains the new ones
        once the transaction commits. A comment whose parent is neither known nor in the
        batch is not stored: it is returned, for a later batch or to be made a top comment."""
        placed: dict[str, int] = {}
        waiting = list(batch)
        with self._write() as cursor:
            while waiting:
                level = [
                    item for item in waiting
                    if item.parent is None or item.parent in known or item.parent in placed
                ]  # fmt: skip
                if not level:
                    break
                placed.update(self._insert_level(cursor, level, known, placed))
                waiting = [item for item in waiting if item.foreign_id not in placed]
            self._record(cursor, source, placed)
            self._reindex(cursor, list(placed.values()))
        known.update(placed)
        return waiting

    def _insert_level(
        self, cursor: Any, level: list[Imported], known: dict[str, int], placed: dict[str, int]
    ) -> dict[str, int]:
        """Comments whose parents are stored: those keeping their ids, then the others."""
        ids: dict[str, int] = {}
        for keeping in (True, False):
            group = [item for item in level if (item.own_id is not None) == keeping]
            for start in range(0, len(group), CHUNK):
                chunk = group[start : start + CHUNK]
                comments = [replace(c.comment, parent=_parent(c, known, placed)) for c in chunk]
                given = [c.own_id for c in chunk if c.own_id is not None] if keeping else None
                insert = self.insertion(comments, given)
                cursor.execute(insert.sql, insert.params)
                stored = insert.shape(cursor.fetchall())
                # given ids come back sorted, not in the comments' order
                ids.update(zip((c.foreign_id for c in chunk), given or stored, strict=True))
        return ids

    def _record(self, cursor: Any, source: str, placed: dict[str, int]) -> None:
        rows = list(placed.items())
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            marks = ", ".join(["(?, ?, ?)"] * len(chunk))
            params = [value for foreign, id in chunk for value in (source, foreign, id)]
            cursor.execute(
                self._sql(
                    f"INSERT INTO imported_comments (source, foreign_id, comment) VALUES {marks}"
                ),
                params,
            )

    # --- the Store's own (base.py, queue.py) ------------------------------------------------

    def insertion(
        self, comments: list[NewComment], ids: Sequence[int] | None = None
    ) -> Query[list[int]]:
        raise NotImplementedError

    def _reindex(self, cursor: Any, ids: Sequence[int], keep: bool = True) -> None:
        raise NotImplementedError

    # --- the id sequence (each backend's) --------------------------------------------------

    # The last id the comments' sequence gave, 0 if none yet (each backend's).
    _LAST_ID: str = ""

    @abstractmethod
    def _lock_ids(self, cursor: Any) -> None:
        """No comment takes an id until this transaction ends."""

    @abstractmethod
    def _move_ids_past(self, cursor: Any, highest: int) -> None:
        """The next id the sequence gives is above ``highest``."""


def keepable(highest: int) -> int:
    """Up to which id an export's ids would be kept in a new store: all, unless they run
    so high (or there are none) that ours would not stay small."""
    return highest if 0 < highest <= MAX_KEPT_ID else 0


def _parent(item: Imported, known: dict[str, int], placed: dict[str, int]) -> int | None:
    if item.parent is None:
        return None
    return placed.get(item.parent, known.get(item.parent))
