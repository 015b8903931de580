"""The audit trail: every moderation action, who took it, when, the status before and
after, and for an edit the text before. Written in the same transaction as the change it
records; nothing here updates or deletes an entry (only ``erase`` forgets an erased
reader's previous texts). It holds no e-mail or IP address of a reader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsroom.comments.store.backend import Backend, Row
from newsroom.comments.store.clock import now

AUDIT_COLUMNS = "id, comment_id, actor, action, status_before, status_after, at, previous, detail"
EDITED = ("author", "url", "body")  # what a quick edit may change; the previous values kept


@dataclass(frozen=True)
class AuditEntry:
    id: int
    comment_id: int
    actor: str  # a moderator's address, "shell:USER", or "job:NAME"
    action: str
    status_before: str | None
    status_after: str | None
    at: datetime
    previous: dict[str, str] | None  # an edit: the fields as they were
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "at": self.at.isoformat()}


class AuditStore(Backend):
    def log(
        self,
        comment_id: int | None = None,
        actor: str | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first."""
        clauses: list[str] = []
        params: list[Any] = []
        if comment_id is not None:
            clauses.append("comment_id = ?")
            params.append(comment_id)
        if actor is not None:
            clauses.append("actor = ?")
            params.append(actor)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        rows = self._read(
            self._sql(f"SELECT {AUDIT_COLUMNS} FROM audit {where}ORDER BY id DESC LIMIT ?"),
            [*params, limit],
        )
        return [self._entry(row) for row in rows]

    def logs(self, comment_ids: list[int]) -> dict[int, list[AuditEntry]]:
        """The trail of several comments (a page of the queue), oldest entry first."""
        found: dict[int, list[AuditEntry]] = {id: [] for id in comment_ids}
        if not comment_ids:
            return found
        marks = ", ".join("?" * len(comment_ids))
        rows = self._read(
            self._sql(
                f"SELECT {AUDIT_COLUMNS} FROM audit WHERE comment_id IN ({marks}) ORDER BY id"
            ),
            comment_ids,
        )
        for row in rows:
            found[int(row["comment_id"])].append(self._entry(row))
        return found

    def record(self, comment_id: int, actor: str, action: str, detail: str = "") -> None:
        """An entry that changes no status: a report to Akismet, a recheck's verdict."""
        with self._write() as cursor:
            self._audit(cursor, comment_id, actor, action, None, None, detail=detail)

    def _audit(
        self,
        cursor: Any,
        comment_id: int,
        actor: str,
        action: str,
        before: str | None,
        after: str | None,
        previous: dict[str, str] | None = None,
        detail: str = "",
    ) -> None:
        cursor.execute(
            self._sql(
                "INSERT INTO audit (comment_id, actor, action, status_before, status_after, "
                "at, previous, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                comment_id,
                actor[:300],
                action,
                before,
                after,
                self._to_db(now()),
                json.dumps(previous) if previous is not None else None,
                detail[:500] or None,
            ),
        )

    def _forget_previous(self, cursor: Any, comment_id: int) -> None:
        """Erasure: the texts a reader's comment had before an edit go too."""
        cursor.execute(
            self._sql("UPDATE audit SET previous = NULL WHERE comment_id = ?"), (comment_id,)
        )

    def _entry(self, row: Row) -> AuditEntry:
        return AuditEntry(
            id=int(row["id"]),
            comment_id=int(row["comment_id"]),
            actor=row["actor"],
            action=row["action"],
            status_before=row["status_before"],
            status_after=row["status_after"],
            at=self._from_db(row["at"]),
            previous=json.loads(row["previous"]) if row["previous"] else None,
            detail=row["detail"],
        )
