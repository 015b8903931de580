"""Posts between their checks and their commit, in this process.

The rate limit and the duplicate check read the store, and a post is only in the store
once committed, after Akismet answered. Without this register, fifty posts sent at once
from one address would all pass a limit of five, and the same text sent twice at once
would be stored twice. Each post counts the ones that entered before it. (Across
instances the store's view still applies; this closes the window within one.)
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Ticket:
    number: int
    address: str
    text: Hashable  # what makes two posts the same comment


class InFlight:
    """Only touched from the event loop's thread: no lock needed."""

    def __init__(self) -> None:
        self._numbers = itertools.count()
        self._by_address: dict[str, list[int]] = {}
        self._by_text: dict[Hashable, list[int]] = {}

    @contextmanager
    def holding(self, address: str, text: Hashable) -> Iterator[Ticket]:
        ticket = Ticket(next(self._numbers), address, text)
        self._by_address.setdefault(address, []).append(ticket.number)
        self._by_text.setdefault(text, []).append(ticket.number)
        try:
            yield ticket
        finally:
            _remove(self._by_address, address, ticket.number)
            _remove(self._by_text, text, ticket.number)

    def ahead_from_address(self, ticket: Ticket) -> int:
        """Posts from the same address that entered before this one and are not done."""
        return sum(n < ticket.number for n in self._by_address.get(ticket.address, ()))

    def same_text_ahead(self, ticket: Ticket) -> bool:
        return any(n < ticket.number for n in self._by_text.get(ticket.text, ()))


def _remove(index: dict, key: Hashable, number: int) -> None:
    numbers = index[key]
    numbers.remove(number)
    if not numbers:
        del index[key]
