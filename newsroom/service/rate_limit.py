"""The per-address rate limit: comments stored from an address in the last minute, read
from the store (so it holds across instances), plus the ones this process dropped
(honeypot, Akismet's discard), which the store never sees.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from newsroom.service.intake import IntakeError

WINDOW = timedelta(minutes=1)
MAX_ADDRESSES = 10_000  # memory bound for the dropped-comment log


class DroppedLog:
    """When this process last dropped a comment from each address, for one window."""

    def __init__(self, window: timedelta = WINDOW, max_addresses: int = MAX_ADDRESSES):
        self.window = window
        self.max_addresses = max_addresses
        self._times: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def add(self, address: str, moment: datetime) -> None:
        with self._lock:
            if address not in self._times and len(self._times) >= self.max_addresses:
                self._forget_before(moment - self.window)
                if len(self._times) >= self.max_addresses:
                    self._times.clear()  # a flood of addresses: forget rather than grow
            self._times.setdefault(address, deque()).append(moment)

    def count(self, address: str, since: datetime) -> int:
        with self._lock:
            times = self._times.get(address)
            if not times:
                return 0
            while times and times[0] < since:
                times.popleft()
            if not times:
                del self._times[address]
            return len(times)

    def _forget_before(self, since: datetime) -> None:
        for address in [a for a, times in self._times.items() if times[-1] < since]:
            del self._times[address]


def too_many(limit: int) -> IntakeError:
    return IntakeError(
        429,
        {"request": f"Too many comments: at most {limit} a minute. Please wait a moment."},
        {"Retry-After": str(int(WINDOW.total_seconds()))},
    )
