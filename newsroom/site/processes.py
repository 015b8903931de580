"""Work shared among forked processes: each inherits the whole build, so only the items'
results cross between them (no article is pickled to a worker).

The parent freezes its heap for the collector first (for good: a build keeps what it
made to its end), so that no collection, the workers' or its own, walks every object
again: at 50,000 articles each walk took a second, and in a worker it writes to (and so
copies) every page of memory it shares. Results come
back in order. ``NEWSROOM_BUILD_PROCESSES`` says how many processes; one per CPU by
default.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

logger = logging.getLogger(__name__)
SETTING = "NEWSROOM_BUILD_PROCESSES"
CHUNK = 64  # items a worker takes at a time: small enough to share the load evenly
_work: tuple[Sequence, Callable] | None = None  # what the forked workers inherit


def available() -> int:
    """The processes this machine gives us (its CPUs, or those we may run on)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def count(settings) -> int:
    """``NEWSROOM_BUILD_PROCESSES``: how many processes a build uses (0: one per CPU)."""
    value = settings.get(SETTING)
    if value in (None, 0):
        return available()
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        logger.error("%s must be a whole number from 1 (0: one per CPU); using 1", SETTING)
        return 1
    return value


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def map_in_processes(function: Callable[[Any], Any], items: Sequence, processes: int) -> list:
    """``[function(item) for item in items]``, in ``processes`` forked workers (here when
    one, or when forking is not possible)."""
    if processes <= 1 or len(items) <= CHUNK or not can_fork():
        return [function(item) for item in items]
    global _work
    _work = (items, function)
    gc.freeze()  # for good: what a build holds, it holds to its end
    try:
        context = multiprocessing.get_context("fork")
        starts = range(0, len(items), CHUNK)
        pool = ProcessPoolExecutor(processes, mp_context=context)
        try:
            chunks = list(pool.map(_run_chunk, starts))
        finally:  # on an error, the chunks not started are dropped
            pool.shutdown(cancel_futures=True)
    finally:
        _work = None
    return [result for chunk in chunks for result in chunk]


def _run_chunk(start: int) -> list:
    assert _work is not None, "a worker forked without its work"
    items, function = _work
    return [function(item) for item in items[start : start + CHUNK]]
