"""The store's clock: aware UTC times, one place to read and check them."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive time is refused, since its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the store keeps aware times only, not the naive {moment.isoformat()}")
    return moment.astimezone(UTC)
