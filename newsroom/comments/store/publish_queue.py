"""The publish queue: the threads whose static pages are behind the store.

The store's triggers (migration 7) mark a thread in the transaction of any change to what
its pages show; ``want_published`` marks threads by hand (`newsroom publish --thread`).
A publisher reads the marks, brings the pages up to date, then clears only the marks it
read (``published_done``): a change made meanwhile keeps its mark for the next turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from newsroom.comments.store.backend import Backend


class PublishQueueStore(Backend):
    def publish_wanted(self) -> dict[str, int]:
        """Each marked thread, with its count of marks (a version, for published_done)."""
        rows = self._read("SELECT thread, wanted FROM publish_queue ORDER BY thread")
        return {row["thread"]: int(row["wanted"]) for row in rows}

    def want_published(self, threads: Iterable[str]) -> None:
        sql = self._sql(
            "INSERT INTO publish_queue (thread, wanted) VALUES (?, 1) ON CONFLICT (thread) "
            "DO UPDATE SET wanted = publish_queue.wanted + 1"
        )
        with self._write() as cursor:
            for thread in dict.fromkeys(threads):
                cursor.execute(sql, (thread,))

    def published_done(self, marks: Mapping[str, int]) -> None:
        """Clear the marks a publish saw; a thread marked again since keeps its mark."""
        sql = self._sql("DELETE FROM publish_queue WHERE thread = ? AND wanted = ?")
        with self._write() as cursor:
            for thread, wanted in marks.items():
                cursor.execute(sql, (thread, wanted))
