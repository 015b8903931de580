"""Arranging approved comments into the threads shown under articles."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from newsroom.comments.tree import by_thread, count, flatten

START = datetime(2024, 1, 1, tzinfo=UTC)


def comment(id, parent=None, thread="t", author=None, url=""):
    return SimpleNamespace(
        id=id,
        parent=parent,
        thread=thread,
        author=author or f"author {id}",
        url=url,
        created=START + timedelta(minutes=id),
    )


def shape(nodes):
    return [(n.comment.id, n.depth, shape(n.replies)) for n in nodes]


def test_replies_nest_under_their_parents_oldest_first():
    threads = by_thread([comment(3, parent=1), comment(1), comment(2), comment(4, parent=3)])
    assert shape(threads["t"]) == [(1, 1, [(3, 2, [(4, 3, [])])]), (2, 1, [])]
    assert count(threads["t"]) == 4


def test_replies_deeper_than_the_setting_stand_beside_their_parent():
    chain = [comment(1), comment(2, 1), comment(3, 2), comment(4, 3), comment(5, 4)]
    nodes = by_thread(chain, max_depth=3)["t"]
    assert shape(nodes) == [(1, 1, [(2, 2, [(3, 3, []), (4, 3, []), (5, 3, [])])])]
    flat = flatten(nodes)
    assert [n.in_reply_to for n in flat] == ["", "", "", "author 3", "author 4"]
    assert shape(by_thread(chain, max_depth=1)["t"]) == [(i, 1, []) for i in range(1, 6)]


def test_a_reply_whose_parent_is_not_published_is_shown_at_the_top():
    assert shape(by_thread([comment(2, parent=1)])["t"]) == [(2, 1, [])]


def test_threads_are_kept_apart():
    threads = by_thread([comment(1, thread="a"), comment(2, thread="b", parent=1)])
    assert shape(threads["a"]) == [(1, 1, [])]
    assert shape(threads["b"]) == [(2, 1, [])]


def test_only_web_addresses_become_links():
    nodes = by_thread([comment(1, url="https://a.example"), comment(2, url="javascript:alert(1)")])[
        "t"
    ]
    assert [n.website for n in nodes] == ["https://a.example", ""]
