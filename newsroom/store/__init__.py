"""The comment store: SQLite on a laptop, PostgreSQL when many handlers share one."""

from __future__ import annotations

from newsroom.store.base import Store, StoreError
from newsroom.store.models import Comment, NewComment

__all__ = ["Comment", "NewComment", "Store", "StoreError", "open_store"]


def open_store(url: str) -> Store:
    """``sqlite:///relative/path``, ``sqlite:////absolute/path`` or ``postgresql://…``."""
    if url.startswith("sqlite:///"):
        from newsroom.store.sqlite import SQLiteStore

        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from newsroom.store.postgres import PostgresStore  # imports psycopg: only when used

        return PostgresStore(url)
    raise StoreError("NEWSROOM_DATABASE_URL must start with sqlite:/// or postgresql://")
