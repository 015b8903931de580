"""The build's process pool: the build's own process and forked workers share the items."""

import gc
import os
import time

import pytest

from newsroom.site import page_writer, processes

PARENT = os.getpid()


@pytest.fixture(autouse=True)
def _collector_back():
    yield
    processes.release_heap()  # a build stops it until it ends


def _pid_of(item: int) -> tuple[int, int]:
    time.sleep(0.0005)  # long enough for every process to take a share
    return item, os.getpid()


def test_results_come_back_in_order_from_every_process():
    results = processes.map_in_processes(_pid_of, range(2000), 3)
    assert [item for item, _ in results] == list(range(2000))
    pids = {pid for _, pid in results}
    assert PARENT in pids and len(pids) == 3


def _fails_in_a_worker(item: int) -> int:
    if os.getpid() == PARENT:
        time.sleep(0.005)
        return item
    raise ValueError(f"item {item} is wrong")


def test_a_worker_error_is_raised_here():
    with pytest.raises(ValueError, match=r"item \d+ is wrong"):
        processes.map_in_processes(_fails_in_a_worker, range(2000), 2)


def _dies_in_a_worker(item: int) -> int:
    if os.getpid() == PARENT:
        time.sleep(0.005)
        return item
    os._exit(3)


def test_a_worker_that_dies_is_reported():
    with pytest.raises(RuntimeError, match="ended without its results \\(exit code 3\\)"):
        processes.map_in_processes(_dies_in_a_worker, range(2000), 2)


def test_one_process_works_alone():
    assert processes.map_in_processes(_pid_of, range(200), 1) == [(i, PARENT) for i in range(200)]


def test_workers_end_after_their_share_and_fresh_ones_take_over(monkeypatch):
    monkeypatch.setattr(processes, "WORKER_SECONDS", 0.05)
    results = processes.map_in_processes(_pid_of, range(3000), 2)
    assert [item for item, _ in results] == list(range(3000))
    workers = {pid for _, pid in results} - {PARENT}
    assert len(workers) >= 3  # 47 chunks of 35 ms: a worker takes two at most


def test_the_collector_stops_for_the_build_and_runs_again_at_its_end():
    processes.hold_heap()
    assert not gc.isenabled()
    page_writer.finish_all()  # Pelican's ``finalized``
    assert gc.isenabled()


class _Unreadable(Exception):
    def __init__(self, what: str, why: str):  # pickle rebuilds it from args: one, not two
        super().__init__(f"{what}: {why}")


def _unreadable_in_a_worker(item: int) -> int:
    if os.getpid() == PARENT:
        time.sleep(0.005)
        return item
    raise _Unreadable("item", "wrong")


def test_a_worker_error_that_cannot_cross_is_raised_as_its_message():
    with pytest.raises(RuntimeError, match="_Unreadable: item: wrong"):
        processes.map_in_processes(_unreadable_in_a_worker, range(2000), 2)


def test_the_next_build_in_the_same_process_collects_what_the_last_one_froze():
    processes.hold_heap()
    assert gc.get_freeze_count() > 0
    processes.forget_last_build()  # Pelican's ``initialized`` (pelican -r)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
