"""The console's queries on both stores: views, counts, search (from the index, kept up
to date off the posting path), an address's history."""

from datetime import timedelta

import pytest

from newsroom.comments.config import Settings
from newsroom.comments.store.clock import now
from newsroom.comments.store.queue import COUNT_CAP, QueueFilter
from tests.support.comments import new

UNPUBLISHED = Settings(publish_to="off")  # no site to publish to here


def found(store, text: str, status=None) -> list[int]:
    store.catch_up_search()
    view = QueueFilter(status=status, search=text)
    counted = store.queue_counts(view)
    page = store.queue(view, 50, 0, common=counted.capped)
    return sorted(c.id for c in page)


def test_the_search_index_is_made_where_the_database_allows(store):
    assert store.search_indexed  # FTS5's trigram tokenizer here; pg_trgm on the server


def test_search_looks_in_every_field_in_any_case(store):
    ids = {
        "author": store.add(new(author="Zoë Quux")),
        "email": store.add(new(email="Needle@Example.net")),
        "ip": store.add(new(ip="192.0.2.77")),
        "url": store.add(new(url="https://hay.example/stack")),
        "body": store.add(new(body="A *very* particular phrase here")),
    }
    assert found(store, "zoë quux") == [ids["author"]]
    assert found(store, "needle@example") == [ids["email"]]
    assert found(store, "192.0.2.77") == [ids["ip"]]
    assert found(store, "hay.example") == [ids["url"]]
    assert found(store, "PARTICULAR phr") == [ids["body"]]
    assert found(store, "100%_\\") == [] and found(store, '"') == []
    assert found(store, "zo") == [ids["author"]]  # shorter than a trigram: read row by row


def test_what_is_posted_after_a_search_is_found_by_the_next(store):
    first = store.add(new(body="alpha beta"))
    assert found(store, "alpha") == [first]
    second = store.add(new(body="alpha gamma"))
    assert found(store, "alpha") == [first, second]


def test_edits_erasures_purges_and_deletes_reach_the_index_at_once(store):
    from newsroom.comments import moderation

    edited = store.add(new(body="old words", email="keep@example.org"))
    erased = store.add(new(email="gone@example.org", ip="198.51.100.66"))
    old = store.add(new(ip="203.0.113.201", created=now() - timedelta(days=40)))
    deleted = store.add(new(body="to be deleted"))
    store.catch_up_search()
    moderation.edit(
        UNPUBLISHED, store, store.get(edited), "Ann", "", "new words", "editor@news.example"
    )
    assert found(store, "old words") == [] and found(store, "new words") == [edited]
    store.erase_person("gone@example.org", None)
    assert found(store, "gone@example") == [] and found(store, "198.51.100.66") == []
    assert store.get(erased).ip is None
    store.purge(spam_before=now() - timedelta(days=15), personal_before=now() - timedelta(days=30))
    assert found(store, "203.0.113.201") == []  # the address left the comment and the index
    assert store.get(old).ip is None
    store.delete([deleted])
    assert found(store, "to be deleted") == []


def test_counts_stop_at_the_cap_and_the_page_is_still_right(store):
    store.add_many(
        [new(body=f"common word {n}", created=now() - timedelta(seconds=n)) for n in range(1200)]
    )
    rare = store.add(new(body="rare word"))
    store.catch_up_search()
    view = QueueFilter(status=None, search="common")
    counted = store.queue_counts(view)
    assert counted.capped and sum(counted.by_status.values()) == COUNT_CAP + 1
    page = store.queue(view, 20, 0, common=True)
    assert [c.body for c in page[:2]] == ["common word 0", "common word 1"]  # newest first
    exact = store.queue_counts(QueueFilter(status=None, search="rare"))
    assert not exact.capped and exact.by_status["pending"] == 1
    assert store.queue(QueueFilter(status=None, search="rare"), 20, 0) == [store.get(rare)]
    unsearched = store.queue_counts(QueueFilter(status=None))
    assert not unsearched.capped and unsearched.by_status["pending"] == 1201


@pytest.mark.parametrize("oldest_first", [False, True])
def test_views_filter_by_status_and_article_in_order(store, oldest_first):
    a = store.add(new(thread="one", created=now() - timedelta(minutes=2)))
    b = store.add(new(thread="one", status="spam", created=now() - timedelta(minutes=1)))
    c = store.add(new(thread="two"))
    view = QueueFilter(status=None, thread="one", oldest_first=oldest_first)
    assert [x.id for x in store.queue(view, 10, 0)] == ([a, b] if oldest_first else [b, a])
    assert [x.id for x in store.queue(QueueFilter(status="pending"), 10, 0)] == [c, a]
    assert store.queue_counts(QueueFilter(thread="one")).by_status == {
        "pending": 1, "approved": 0, "spam": 1, "rejected": 0
    }  # fmt: skip


def test_an_addresss_history_and_the_parents_excerpts(store):
    parent = store.add(new(author="Bo", body="the parent", ip="192.0.2.1", status="approved"))
    store.add(new(ip="192.0.2.1", status="spam"))
    store.add(new(ip="192.0.2.1", status="spam"))
    assert store.address_history(["192.0.2.1", "192.0.2.9", ""]) == {
        "192.0.2.1": {"approved": 1, "spam": 2},
        "192.0.2.9": {},
    }
    assert store.excerpts([parent, 0, 999]) == {parent: ("Bo", "the parent")}


def test_a_long_backlog_is_indexed_a_batch_at_a_time(store, monkeypatch):
    from newsroom.comments.store import queue

    monkeypatch.setattr(queue, "CATCH_UP", 7)
    ids = store.add_many([new(body=f"backlog {n}") for n in range(30)])
    assert store.catch_up_search() == 30
    assert store.catch_up_search() == 0
    assert found(store, "backlog") == sorted(ids)
