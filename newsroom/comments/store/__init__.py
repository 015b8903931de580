"""The comment store: SQLite on a laptop, PostgreSQL when many handlers share one."""

from __future__ import annotations

from newsroom.comments.model import Comment, NewComment
from newsroom.comments.store.base import Store, StoreError

__all__ = ["Comment", "NewComment", "Store", "StoreError", "open_store"]


def open_store(url: str) -> Store:
    """``sqlite:///relative/path``, ``sqlite:////absolute/path`` or ``postgresql://…``."""
    if url.startswith("sqlite:///"):
        from newsroom.comments.store.sqlite import SQLiteStore

        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from newsroom.comments.store.postgres import (
            PostgresStore,  # imports psycopg: only when used
        )

        return PostgresStore(url)
    raise StoreError("NEWSROOM_DATABASE_URL must start with sqlite:/// or postgresql://")
