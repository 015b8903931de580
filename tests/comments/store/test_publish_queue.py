"""The publish queue on both stores: every write that changes what pages show marks its
thread in the same transaction, whoever made it; others leave the queue alone; a publish
clears only the marks it saw."""

import time
from datetime import timedelta

from newsroom.comments.store.clock import now
from tests.support.comments import new


def marked(store) -> set[str]:
    return set(store.publish_wanted())


def cleared(store) -> None:
    store.published_done(store.publish_wanted())
    assert marked(store) == set()


def test_writes_that_change_pages_mark_their_thread(store):
    pending = store.add(new(thread="held"))
    assert marked(store) == set()  # a comment waiting for moderation shows nowhere
    store.add(new(thread="open", status="approved"))  # moderation "none"
    assert marked(store) == {"open"}
    cleared(store)
    store.set_status([pending], "approved", "editor@news.example", "approve")
    assert marked(store) == {"held"}
    cleared(store)
    store.edit(pending, {"body": "Changed"}, "<p>Changed</p>", "editor@news.example")
    assert marked(store) == {"held"}
    cleared(store)
    store.set_status([pending], "rejected", "editor@news.example", "reject")
    assert marked(store) == {"held"}
    cleared(store)
    shown = store.add(new(thread="gone", status="approved", email="gone@example.org"))
    cleared(store)
    store.erase_person("gone@example.org", None)  # the author's name leaves the page
    assert marked(store) == {"gone"}
    cleared(store)
    store.delete([shown])
    assert marked(store) == {"gone"}


def test_writes_pages_do_not_show_leave_the_queue_alone(store):
    shown = store.add(new(thread="t", status="approved", created=now() - timedelta(days=90)))
    hidden = store.add(new(thread="t"))
    cleared(store)
    store.set_feedback(shown, "spam sent")
    store.put_off_recheck(shown, now())
    store.edit(hidden, {"body": "Changed"}, "<p>Changed</p>", "editor@news.example")
    store.set_status([hidden], "spam", "editor@news.example", "spam")
    store.delete([hidden])
    store.purge(now() - timedelta(days=30), now() - timedelta(days=30))  # addresses only
    assert marked(store) == set()


def test_a_publish_clears_only_the_marks_it_saw(store):
    store.want_published(["a", "b"])
    seen = store.publish_wanted()
    store.add(new(thread="b", status="approved"))  # changed while that publish ran
    store.published_done(seen)
    assert marked(store) == {"b"}
    assert store.publish_wanted()["b"] == seen["b"] + 1


def test_what_changed_since_a_moment_is_marked_again(store):
    """A build that read the store at some moment wrote over what was published since:
    those threads are marked again; the others are not."""
    store.add(new(thread="before", status="approved"))
    cleared(store)
    time.sleep(0.002)  # SQLite stamps milliseconds: a change in the moment's one is since
    moment = now()
    store.add(new(thread="after", status="approved"))
    cleared(store)
    assert store.want_changed_since(moment) == 1
    assert marked(store) == {"after"}
    assert store.want_changed_since(now() + timedelta(seconds=1)) == 0
