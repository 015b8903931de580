"""Leases: which runner does a job now, kept in the store so that several instances never
run one at once.

A lease is taken in one statement (the store's ``take_job``), for a length; a long run
renews it (``keep``); it is given back with the run's result and the job's next turn. A
runner that dies holding one frees it when it expires. Synchronous and light on imports:
the job runner calls these in worker threads, and a moderation command calls them
directly, then publishes without an event loop.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

from newsroom.comments.store import Store
from newsroom.comments.store.clock import now as clock_now

WAIT_STEP = 0.05  # seconds between tries for a lease another runner holds


class LeaseLost(Exception):
    """The lease expired during the run and another runner took it: stop."""


class Lease:
    def __init__(self, store: Store, name: str, holder: str, length: timedelta, at: datetime):
        self.store = store
        self.name = name
        self.holder = holder
        self.length = length
        self.at = at  # when it was taken: the run's time
        self.renewed = time.monotonic()

    def keep(self) -> None:
        """Renew the lease once half of it has passed (called as a long run goes)."""
        if time.monotonic() - self.renewed < self.length.total_seconds() / 2:
            return
        if not self.store.renew_job(self.name, self.holder, clock_now() + self.length):
            raise LeaseLost(f"job {self.name}: the lease expired and was taken over")
        self.renewed = time.monotonic()

    def give_back(self, next_in: timedelta, result: str) -> None:
        self.store.finish_job(self.name, self.holder, self.at, self.at + next_in, result)


def take(
    store: Store,
    name: str,
    holder: str,
    length: timedelta,
    *,
    now: datetime | None = None,
    force: bool = False,
    wait: float = 0,
) -> Lease | None:
    """The job's lease when it is due (or ``force``) and free, trying for ``wait``
    seconds while another runner holds it; None when it could not be had."""
    deadline = time.monotonic() + wait
    while True:
        at = now or clock_now()
        if store.take_job(name, holder, at, at + length, force):
            return Lease(store, name, holder, length, at)
        if time.monotonic() >= deadline:
            return None
        time.sleep(WAIT_STEP)


def runner_name() -> str:
    """Who holds a lease: this host and process, and a random part for its restarts."""
    return f"{os.uname().nodename}:{os.getpid()}:{os.urandom(4).hex()}"  # not secrets: 15 ms
