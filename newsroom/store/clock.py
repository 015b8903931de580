"""The store's clock: aware UTC times, one place to read them."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
