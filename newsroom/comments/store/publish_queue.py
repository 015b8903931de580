"""The publish queue: the threads whose static pages are behind the store.

The store's triggers (migration 7) mark a thread in the transaction of any change to what
its pages show; ``want_published`` marks threads by hand (`newsroom publish --thread`).
A publisher reads the marks, brings the pages up to date, then clears only the marks it
read (``published_done``): a change made meanwhile keeps its mark for the next turn. A
row stays once its thread has changed (one per thread), with the time of its last change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from newsroom.comments.store.backend import Backend
from newsroom.comments.store.clock import now


class PublishQueueStore(Backend):
    def publish_wanted(self, threads: Sequence[str] | None = None) -> dict[str, int]:
        """Each marked thread (of ``threads``, or all), with its count of marks (a
        version, for published_done)."""
        if threads is None:
            rows = self._read(
                "SELECT thread, wanted FROM publish_queue WHERE wanted > 0 ORDER BY thread"
            )
        elif not threads:
            return {}
        else:
            marks = ", ".join("?" * len(threads))
            sql = (
                f"SELECT thread, wanted FROM publish_queue WHERE wanted > 0 AND thread IN ({marks})"
            )
            rows = self._read(self._sql(sql), threads)
        return {row["thread"]: int(row["wanted"]) for row in rows}

    def want_published(self, threads: Iterable[str]) -> None:
        sql = self._sql(
            "INSERT INTO publish_queue (thread, wanted, changed) VALUES (?, 1, ?) "
            "ON CONFLICT (thread) DO UPDATE SET wanted = publish_queue.wanted + 1"
        )
        at = self._to_db(now())
        with self._write() as cursor:
            for thread in dict.fromkeys(threads):
                cursor.execute(sql, (thread, at))

    def want_changed_since(self, moment: datetime) -> int:
        """Mark again every thread changed since then (what a build that read the store
        then may have overwritten); how many."""
        sql = self._sql("UPDATE publish_queue SET wanted = wanted + 1 WHERE changed >= ?")
        # SQLite's triggers stamp milliseconds: a change within the moment's is since.
        since = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        with self._write() as cursor:
            cursor.execute(sql, (self._to_db(since),))
            return int(cursor.rowcount)

    def published_done(self, marks: Mapping[str, int]) -> None:
        """Clear the marks a publish saw; a thread marked again since keeps its mark."""
        sql = self._sql("UPDATE publish_queue SET wanted = 0 WHERE thread = ? AND wanted = ?")
        with self._write() as cursor:
            for thread, wanted in marks.items():
                cursor.execute(sql, (thread, wanted))
