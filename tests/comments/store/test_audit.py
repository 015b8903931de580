"""The audit trail: every action with its actor and statuses, written with the change;
an edit keeps what it replaced; erasure forgets that; no reader's address in it."""

import json

import pytest

from newsroom.comments import moderation
from newsroom.comments.config import Settings
from newsroom.comments.store.audit import AuditEntry
from tests.support.comments import new

UNPUBLISHED = Settings(publish_to="off")  # no site to publish to here

ACTOR = "editor@news.example"


@pytest.fixture
def settings(tmp_path):
    return Settings(threads_path=str(tmp_path / "none.json"))  # no Akismet key


def test_status_changes_are_recorded_with_before_and_after(store, settings):
    ids = [store.add(new(body=f"c{n}")) for n in range(3)]
    done = moderation.moderate(settings, store, [*ids, 999], "approve", ACTOR)
    assert done.changed == ids and done.missing == [999] and not done.ok
    moderation.moderate(settings, store, ids[:1], "spam", "shell:alice")
    moderation.moderate(settings, store, ids[:1], "ham", ACTOR)
    moderation.moderate(settings, store, ids[1:2], "delete", ACTOR)
    trail = list(reversed(store.log(comment_id=ids[0])))
    assert [(e.action, e.status_before, e.status_after, e.actor) for e in trail] == [
        ("approve", "pending", "approved", ACTOR),
        ("spam", "approved", "spam", "shell:alice"),
        ("ham", "spam", "pending", ACTOR),  # spam goes back to the queue
    ]
    (deleted,) = store.log(comment_id=ids[1], limit=1)
    assert (deleted.action, deleted.status_before, deleted.status_after) == (
        "delete",
        "approved",
        None,
    )
    assert [e.comment_id for e in store.log(actor="shell:alice")] == [ids[0]]
    assert store.get(ids[0]).feedback == "ham not sent: no Akismet key"


def test_an_edit_keeps_the_text_it_replaced_until_the_reader_is_erased(store):
    id = store.add(new(body="Teh original", author="Ann", email="ann@example.org"))
    comment = store.get(id)
    assert moderation.edit(
        UNPUBLISHED, store, comment, "Ann B.", "", "The *original* <script>x</script>", ACTOR
    )
    edited = store.get(id)
    assert edited.body == "The *original* <script>x</script>"
    assert "<script>" not in edited.body_html and "<em>original</em>" in edited.body_html
    (entry,) = store.log(comment_id=id)
    assert entry.action == "edit" and entry.previous == {"author": "Ann", "body": "Teh original"}
    assert not moderation.edit(
        UNPUBLISHED, store, edited, "Ann B.", "", edited.body, ACTOR
    )  # no change
    with pytest.raises(ValueError, match="url"):
        moderation.edit(UNPUBLISHED, store, edited, "Ann B.", "javascript:alert(1)", "x", ACTOR)
    store.erase_person("ann@example.org", None)
    (entry,) = store.log(comment_id=id)
    assert entry.previous is None


def test_a_staff_reply_is_published_at_once_and_recorded(store):
    parent = store.get(store.add(new(status="approved")))
    id = moderation.reply(UNPUBLISHED, store, parent, "Thanks, **fixed**.", "The Daily", ACTOR)
    reply = store.get(id)
    assert (reply.status, reply.staff, reply.parent, reply.author) == (
        "approved",
        True,
        parent.id,
        "The Daily",
    )
    assert reply.email == "" and reply.ip is None and reply.akismet == "unchecked"
    assert "<strong>fixed</strong>" in reply.body_html
    (published,) = [c for c in store.published(parent.thread) if c.id == id]
    assert published.staff is True and published.public()["staff"] is True
    (entry,) = store.log(comment_id=id)
    assert (entry.action, entry.status_after, entry.actor) == ("reply", "approved", ACTOR)
    with pytest.raises(ValueError):
        moderation.reply(UNPUBLISHED, store, parent, "   ", "The Daily", ACTOR)


def test_empty_spam_deletes_every_spam_and_records_each(store, settings):
    spam = [store.add(new(status="spam", body=f"s{n}")) for n in range(3)]
    kept = store.add(new(status="pending"))
    done = moderation.empty_spam(settings, store, ACTOR)
    assert sorted(done.changed) == spam
    assert store.get(kept) is not None and store.select(status="spam") == []
    assert {e.comment_id for e in store.log(actor=ACTOR)} == set(spam)


def test_the_trail_holds_no_address_of_a_reader(store, settings):
    id = store.add(new(email="reader@example.org", ip="192.0.2.44"))
    comment = store.get(id)
    moderation.moderate(settings, store, [id], "spam", ACTOR)
    moderation.edit(UNPUBLISHED, store, comment, "R", "", "changed text", ACTOR)
    written = json.dumps([e.to_dict() for e in store.log()])
    assert "reader@example.org" not in written and "192.0.2.44" not in written


def test_entries_are_read_back_alike_on_both_stores(store):
    id = store.add(new())
    store.record(id, "job:recheck", "recheck", "ham")
    (entry,) = store.log()
    assert isinstance(entry, AuditEntry) and entry.detail == "ham" and entry.previous is None
    assert store.logs([id, 12345]) == {id: [entry], 12345: []}


def test_an_erasure_is_recorded_without_the_address(store):
    kept = store.add(new(email="gone@example.org", body="one"))
    deleted = store.add(new(email="gone2@example.org", body="two"))
    store.erase_person("gone@example.org", None, actor="shell:dpo")
    store.erase_person("gone2@example.org", None, delete=True, actor="shell:dpo")
    actions = {(e.comment_id, e.action) for e in store.log(actor="shell:dpo")}
    assert actions == {(kept, "erase"), (deleted, "delete")}
    assert "gone" not in json.dumps([e.to_dict() for e in store.log()])


def test_a_deleted_comment_leaves_no_earlier_text_behind(store):
    id = store.add(new(body="first words", email="ann@example.org"))
    moderation.edit(UNPUBLISHED, store, store.get(id), "Ann", "", "second words", ACTOR)
    store.erase_person("ann@example.org", None, delete=True, actor=ACTOR)
    assert all(e.previous is None for e in store.log(comment_id=id))
