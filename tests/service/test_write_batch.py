"""Group commit on a real SQLite store: batches form under load, and a bad comment fails
alone."""

import asyncio
import threading

import pytest

from newsroom.comments.store import StoreError, open_store
from newsroom.service.write_batch import WriteBatch
from tests.support.comments import new


class Recorder:
    """Runs store functions in a thread, as the service does, noting each batch's size;
    the first write waits until released, so that posts pile up behind it."""

    def __init__(self, store):
        self.store = store
        self.sizes: list[int] = []
        self.release = threading.Event()

    async def add_many(self, comments):
        self.sizes.append(len(comments))
        first = len(self.sizes) == 1

        def run():
            if first:
                self.release.wait(5)
            return self.store.add_many(comments)

        return await asyncio.to_thread(run)


@pytest.fixture
def store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def recorder(store):
    return Recorder(store)


@pytest.fixture
def batch(recorder):
    return WriteBatch(recorder.add_many)


def test_posts_arriving_during_a_write_share_the_next_transaction(store, recorder, batch):
    async def post_thirty():
        first = asyncio.create_task(batch.add(new(body="#0")))
        await asyncio.sleep(0.05)
        rest = [asyncio.create_task(batch.add(new(body=f"#{n}"))) for n in range(1, 30)]
        await asyncio.sleep(0.05)
        recorder.release.set()
        return await asyncio.gather(first, *rest)

    ids = asyncio.run(post_thirty())
    assert recorder.sizes == [1, 29]
    assert [store.get(i).body for i in ids] == [f"#{n}" for n in range(30)]


def test_a_bad_comment_in_a_batch_fails_alone(store, recorder, batch):
    async def post_with_one_bad():
        first = asyncio.create_task(batch.add(new(body="first")))
        await asyncio.sleep(0.05)
        comments = [new(body=f"#{n}") for n in range(5)]
        comments[2] = new(body="#2", status="published")  # refused by the store
        rest = [asyncio.create_task(batch.add(c)) for c in comments]
        await asyncio.sleep(0.05)
        recorder.release.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    answers = asyncio.run(post_with_one_bad())
    assert isinstance(answers[3], StoreError)
    kept = [a for n, a in enumerate(answers) if n != 3]
    assert all(isinstance(a, int) for a in kept)
    assert sorted(c["body"] for c in store.export()) == ["#0", "#1", "#3", "#4", "first"]
    assert recorder.sizes == [1, 5, 1, 1, 1, 1, 1]  # the batch, then one by one


def test_a_poster_who_leaves_does_not_stop_the_others(store, recorder, batch):
    async def one_leaves():
        first = asyncio.create_task(batch.add(new(body="first")))
        await asyncio.sleep(0.05)
        leaving = asyncio.create_task(batch.add(new(body="leaving")))
        staying = asyncio.create_task(batch.add(new(body="staying")))
        await asyncio.sleep(0.01)
        leaving.cancel()
        recorder.release.set()
        return await asyncio.gather(first, staying)

    _, staying_id = asyncio.run(one_leaves())
    assert store.get(staying_id).body == "staying"
    # the one who left was already queued: stored, just never acknowledged
    assert len(store.export()) == 3
