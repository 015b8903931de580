"""Work shared among forked processes: each inherits the whole build, so only the items'
results cross between them (no article is pickled to a worker).

The build's own process works too, beside the workers it forks (one fewer than
``processes``): each worker copies the memory it touches (reference counts are writes),
so a worker fewer is a copy fewer. Each takes the next chunk of items from a shared
count until none is left, and results come back in order. The heap is frozen first,
so that no collection walks the memory the workers share; once the articles are read,
the collector stops until the build ends (``hold_heap``).
``NEWSROOM_BUILD_PROCESSES`` says how many processes; by default one per CPU for a site of
WORKERS_FROM articles or more, and one below (``count``).
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing
import os
import pickle
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

logger = logging.getLogger(__name__)
SETTING = "NEWSROOM_BUILD_PROCESSES"
CHUNK = 64  # items a process takes at a time: small enough to share the load evenly
WORKER_SECONDS = 3.0  # a worker takes no chunk after this (and a fresh one is forked)
LOCK_SECONDS = 60.0  # the longest a process waits for the next chunk's number
# A worker copies each page of the build's memory it touches; drawing half a small site's
# pages, it copies half its articles: 205 MiB against 155 at 5,000 articles (42 KiB an
# article against 31), to save under two seconds. From here on the copies are a smaller
# share (661 against 530 MiB at 20,000; 1,451 against 1,290 at 50,000) and the time
# saved is what matters.
WORKERS_FROM = 20_000  # articles


def available() -> int:
    """The processes this machine gives us (its CPUs, or those we may run on)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def count(settings, articles: int | None = None) -> int:
    """``NEWSROOM_BUILD_PROCESSES``: how many processes a build of ``articles`` uses (0:
    one per CPU, or one below WORKERS_FROM articles)."""
    value = settings.get(SETTING)
    if value in (None, 0):
        return available() if articles is None or articles >= WORKERS_FROM else 1
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        logger.error("%s must be a whole number from 1 (0: as the site suits); using 1", SETTING)
        return 1
    return value


def hold_heap() -> None:
    """The articles are read: the build keeps what it has made to its end, and makes next
    to no cyclic garbage from here (full collections of a 50,000-article build found
    none), so the objects made so far are frozen, out of every collection's way, and the
    collector stops until the build ends (``release_heap``). A collection walks every
    object it tracks (0.8 s of a 12 s rebuild at 50,000), and in a worker it writes to,
    and so copies, every page it walks."""
    gc.freeze()
    gc.disable()


def release_heap() -> None:
    """``finalized``: the collector runs again. What the build froze stays frozen: a
    collection at the process's exit would walk it all (6 s at 50,000 articles)."""
    gc.enable()


def forget_last_build() -> None:
    """``initialized``: what a build before this one in the same process (``pelican
    -r``) froze is collected now, and the collector runs (a build that failed stopped it)."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.enable()


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class _Work(NamedTuple):
    items: Sequence
    function: Callable[[Any], Any]
    next: Any  # a shared count: where the next chunk starts
    chunk: int


_work: _Work | None = None  # what the forked workers inherit


def map_in_processes(
    function: Callable[[Any], Any], items: Sequence, processes: int, chunk: int = CHUNK
) -> list:
    """``[function(item) for item in items]``, in this process and ``processes - 1``
    forked workers (here alone when one, or when forking is not possible), ``chunk``
    items at a time. The first error raised, here or in a worker, is raised here; the
    workers are then stopped."""
    if processes <= 1 or len(items) <= chunk or not can_fork():
        return [function(item) for item in items]
    global _work
    gc.freeze()  # no collection walks what the workers share (they copy what it touches)
    context = multiprocessing.get_context("fork")
    _work = _Work(items, function, context.Value("q", 0), chunk)
    pool = _Pool(context)
    try:
        pool.start(processes - 1)
        done = _take_chunks(_work, pool.tend)
        done.update(pool.results())
    finally:
        _work = None
        pool.stop()
    return [result for start in sorted(done) for result in done[start]]


class _Pool:
    """The workers: each takes chunks for WORKER_SECONDS, then sends its results and
    ends, and a fresh one is forked while items are left. A worker copies each page of
    memory it touches, so the copies a worker has made go when it ends (at 50,000 articles
    one worker drawing to the end copied 600 MB, 17 MB a second)."""

    def __init__(self, context):
        self.context = context
        self.running: dict[Connection, Any] = {}  # where its results come -> the process
        self.done: dict[int, list] = {}

    def start(self, count: int) -> None:
        for _ in range(count):
            reader, writer = self.context.Pipe(duplex=False)
            process = self.context.Process(target=_work_and_send, args=(writer,), daemon=True)
            process.start()
            writer.close()
            self.running[reader] = process

    def tend(self) -> None:
        """Between the build's own chunks: take the results of the workers that ended,
        fork others while chunks are left; a worker that died stops the build."""
        for reader, process in list(self.running.items()):
            if reader.poll():
                self.done.update(_received(self.running.pop(reader), reader))
                if _work is not None and _work.next.value < len(_work.items):
                    self.start(1)
            elif process.exitcode not in (None, 0):
                raise _died(process)

    def results(self) -> dict[int, list]:
        while self.running:
            reader, process = self.running.popitem()
            self.done.update(_received(process, reader))
        return self.done

    def stop(self) -> None:
        for reader, process in self.running.items():
            process.terminate()  # when the build's process failed first
            process.join()
            reader.close()


def _take_chunks(
    work: _Work, between: Callable[[], None] = lambda: None, until: float = math.inf
) -> dict[int, list]:
    """Chunks of the items, taken one after the other until none is left (or the
    monotonic clock reads ``until``): {start: results}. ``between`` is called before each."""
    done: dict[int, list] = {}
    while time.monotonic() < until:
        between()
        start = _next_chunk(work)
        if start >= len(work.items):
            break
        done[start] = [work.function(item) for item in work.items[start : start + work.chunk]]
    return done


def _next_chunk(work: _Work) -> int:
    """Where the next chunk starts (past the end: none left). A process killed while it
    holds the count's lock would leave the others waiting for good: they wait a while."""
    lock = work.next.get_lock()
    if not lock.acquire(timeout=LOCK_SECONDS):
        raise RuntimeError("a build process died while it held the work's lock")
    try:
        start = work.next.value
        work.next.value = start + work.chunk
    finally:
        lock.release()
    return start


def _work_and_send(connection: Connection) -> None:
    """In a worker: its chunks' results, or the error that stopped it (and the others)."""
    assert _work is not None, "a worker forked without its work"
    try:
        until = time.monotonic() + WORKER_SECONDS
        answer: tuple[str, Any] = ("done", _take_chunks(_work, until=until))
    except BaseException as exc:
        _work.next.value = len(_work.items)  # no one takes another chunk
        answer = ("error", _portable(exc))
    try:
        connection.send(answer)
    except Exception as exc:  # results that cannot be pickled
        connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    connection.close()


def _portable(error: BaseException) -> BaseException:
    """The error as the build's process can read it back: itself, or its message."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _died(process: Any) -> RuntimeError:
    return RuntimeError(f"a build process ended without its results (exit code {process.exitcode})")


def _received(process: Any, reader: Connection) -> dict[int, list]:
    try:
        kind, answer = reader.recv()
    except EOFError:
        process.join()
        raise _died(process) from None
    finally:
        reader.close()
        process.join()
    if kind == "error":
        raise answer
    return answer
