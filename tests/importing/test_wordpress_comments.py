"""A WordPress export's comments into the store, on SQLite and PostgreSQL: statuses,
threads ten levels deep, what is skipped, kept ids, a second run, an interrupted one."""

from datetime import UTC, datetime

import pytest

from newsroom.comments.model import NewComment
from newsroom.comments.store import StoreError
from newsroom.importing import comment_import
from newsroom.importing.exports import ExportError
from tests.importing.test_wordpress import import_articles, item
from tests.importing.test_wxr import HEAD, TAIL


def comment(
    id: int, parent: int = 0, approved: str = "1", content: str = "", author: str = "",
    email: str = "", url: str = "", kind: str = "comment",
) -> str:  # fmt: skip
    return f"""
    <wp:comment>
      <wp:comment_id>{id}</wp:comment_id>
      <wp:comment_author><![CDATA[{author or f"Reader {id}"}]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[{email}]]></wp:comment_author_email>
      <wp:comment_author_url>{url}</wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[203.0.113.{id % 250}]]></wp:comment_author_IP>
      <wp:comment_date_gmt><![CDATA[2024-03-05 15:{id % 60:02d}:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[{content or f"Comment {id}."}]]></wp:comment_content>
      <wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
      <wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
      <wp:comment_parent>{parent}</wp:comment_parent>
    </wp:comment>"""


def with_comments(item_xml: str, *comments: str) -> str:
    return item_xml.replace("  </item>", "".join(comments) + "\n  </item>")


CHAIN = [comment(100, author="Zoë Ünal", email="zoe@example.org")] + [
    comment(100 + depth, parent=99 + depth) for depth in range(1, 10)
]  # ten levels: 100 <- 101 <- ... <- 109
RATES = with_comments(
    item(10, "rates-rise"),
    *CHAIN,
    comment(
        110,
        content='<a href="https://x.example/">A link</a> and <em>emphasis</em>'
        '<script>alert(1)</script><img src="https://x.example/p.png">',
    ),
    comment(111, approved="0"),
    comment(112, approved="spam", url="javascript:alert(1)"),
    comment(113, approved="trash"),
    comment(114, kind="pingback", author="Other blog"),
    comment(115, kind="trackback"),
    comment(116, content="Before ]]]]><![CDATA[> after"),
    comment(117, approved="post-trashed"),
    comment(118, parent=114, author=" "),  # a reply to the pingback, by nobody named
    comment(119, kind="order_note"),  # a shop plugin's private note
)
ABOUT = with_comments(item(20, "about", kind="page"), comment(200))
DRAFT = with_comments(item(30, "unfinished", status="draft"), comment(300))
EXPORT = HEAD.format(v="1.2") + RATES + ABOUT + DRAFT + TAIL
IMPORTED = {"approved": 14, "pending": 1, "rejected": 2, "spam": 1}  # 12 approved + 116, 118


def write_export(tmp_path, text: str = EXPORT):
    path = tmp_path / "export.xml"
    path.write_text(text, "utf-8")
    return path


def test_comments_keep_their_ids_threads_and_statuses(tmp_path, store):
    report = import_articles(write_export(tmp_path), tmp_path / "content", store)
    assert dict(report.comments.added) == IMPORTED
    assert report.comments.skipped == {
        "pingbacks": 1, "trackbacks": 1, "order_notes": 1, "comments on posts not imported": 1,
    }  # fmt: skip
    assert (
        report.page_comments == 1 and report.comments.ids_kept and report.comments.renumbered == 0
    )

    chain = [store.get(id) for id in range(100, 110)]
    assert [c.parent for c in chain] == [None, *range(100, 109)]  # ten levels
    assert {c.thread for c in chain} == {"rates-rise"} and chain[0].author == "Zoë Ünal"
    assert chain[0].email == "zoe@example.org" and chain[1].email == ""
    assert chain[0].ip == "203.0.113.100" and chain[0].user_agent is None
    assert chain[0].created == datetime(2024, 3, 5, 15, 40, tzinfo=UTC)
    assert {c.status for c in chain} == {"approved"} and chain[0].akismet == "ham"
    statuses = {id: store.get(id).status for id in (111, 112, 113, 117)}
    assert statuses == {111: "pending", 112: "spam", 113: "rejected", 117: "rejected"}
    assert store.get(112).url == ""  # not a web address a page may link to
    assert [store.get(id) for id in (114, 115, 119, 300)] == [None] * 4

    linked = store.get(110)
    assert '<a href="https://x.example/" rel="nofollow ugc noopener">A link</a>' in linked.body_html
    assert "<em>emphasis</em>" in linked.body_html and "script" not in linked.body_html
    assert "<img" not in linked.body_html
    assert "]]>" in store.get(116).body
    orphan = store.get(118)
    assert (orphan.parent, orphan.author, orphan.status) == (None, "Anonymous", "approved")
    assert store.get(200).thread == "pages/about"

    posted = store.add(new_comment())  # the sequence moved past WordPress's ids
    assert posted > 300


def test_a_second_run_adds_nothing_and_a_store_in_use_renumbers(tmp_path, store_url):
    from newsroom.comments.store import open_store

    store = open_store(store_url)
    store.migrate()
    try:
        existing = store.add(new_comment())
        export = write_export(tmp_path)
        report = import_articles(export, tmp_path / "content", store)
        assert not report.comments.ids_kept and report.comments.renumbered == sum(IMPORTED.values())
        ids = [c.id for c in store.select(thread="rates-rise")]
        assert len(ids) == sum(IMPORTED.values()) - 1 and existing not in ids
        by_author = {c.author: c for c in store.select(thread="rates-rise")}
        assert by_author["Reader 105"].parent == by_author["Reader 104"].id  # found, not kept

        again = import_articles(export, tmp_path / "content", store)
        assert sum(again.comments.added.values()) == 0 and again.comments.before == sum(
            IMPORTED.values()
        )
        assert [c.id for c in store.select(thread="rates-rise")] == ids
    finally:
        store.close()


def test_an_interrupted_import_is_completed_by_the_next(tmp_path, store, monkeypatch):
    monkeypatch.setattr(comment_import, "BATCH", 5)
    calls = {"n": 0}
    real = type(store).add_imported

    def failing_second(self, *args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise StoreError("the database went away")
        return real(self, *args)

    monkeypatch.setattr(type(store), "add_imported", failing_second)
    export = write_export(tmp_path)
    with pytest.raises(StoreError):
        import_articles(export, tmp_path / "content", store)
    assert not (tmp_path / "content" / "rates-rise.md").exists()  # staged, not moved
    assert len(store.select()) == 5  # the first batch committed

    report = import_articles(export, tmp_path / "content", store)
    assert (tmp_path / "content" / "rates-rise.md").exists()
    assert (
        report.comments.before == 5
        and sum(report.comments.added.values()) == sum(IMPORTED.values()) - 5
    )
    assert sorted(c.id for c in store.select()) == sorted([*range(100, 114), 116, 117, 118, 200])


def test_a_dry_run_writes_nothing(tmp_path, store):
    report = import_articles(write_export(tmp_path), tmp_path / "content", store, dry_run=True)
    assert dict(report.comments.added) == IMPORTED and report.comments.ids_kept
    assert store.select() == [] and not (tmp_path / "content").exists()
    assert store.imported("wordpress") == {}
    assert store._read("SELECT COUNT(*) AS n FROM import_sources")[0]["n"] == 0
    # Without a store (none made yet): the real run's new store would keep the ids too.
    alone = import_articles(write_export(tmp_path), tmp_path / "content", dry_run=True)
    assert alone.comments.ids_kept and alone.comments.renumbered == 0


def test_a_truncated_export_writes_nothing(tmp_path, store, monkeypatch):
    monkeypatch.setattr(comment_import, "BATCH", 1)  # a write a comment, were any written
    cut = EXPORT[: EXPORT.index("<wp:comment_id>300")]
    with pytest.raises(ExportError, match=r"export.xml, line \d+, column \d+: not well-formed"):
        import_articles(write_export(tmp_path, cut), tmp_path / "content", store)
    assert store.select() == [] and not (tmp_path / "content").exists()


def new_comment() -> NewComment:
    return NewComment(
        thread="elsewhere", parent=None, author="Live", email="live@example.org", url="",
        body="Posted meanwhile.", body_html="<p>Posted meanwhile.</p>", status="pending",
        akismet="ham", ip=None, user_agent=None, referrer=None, created=datetime.now(UTC),
    )  # fmt: skip


def test_worker_processes_convert_as_the_importing_process_does(tmp_path, monkeypatch):
    """A large export is converted by worker processes: the same articles and comments."""
    from newsroom.comments.store import open_store
    from newsroom.importing import converting

    made = {}
    monkeypatch.setattr(converting.os, "cpu_count", lambda: 2)  # workers on any machine
    for workers_from in (10_000, 0):  # inline, then in workers
        monkeypatch.setattr(converting, "WORKERS_FROM", workers_from)
        root = tmp_path / f"from-{workers_from}"
        store = open_store(f"sqlite:///{root}/comments.sqlite3")
        store.migrate()
        try:
            import_articles(write_export(root), root / "content", store)
            comments = [(c.id, c.parent, c.body, c.body_html) for c in store.select()]
        finally:
            store.close()
        files = {p.name: p.read_text("utf-8") for p in (root / "content").rglob("*.md")}
        made[workers_from] = (comments, files)
    assert made[0] == made[10_000] and len(made[0][0]) == sum(IMPORTED.values())


def test_a_file_that_is_not_an_export_decides_nothing(tmp_path, store):
    """Refused before the store records whether ids are kept: a right export after it
    still keeps them."""
    wrong = tmp_path / "disqus.xml"
    wrong.write_text('<?xml version="1.0"?><disqus xmlns="http://disqus.com"/>', "utf-8")
    with pytest.raises(ExportError, match="not a WordPress export"):
        import_articles(wrong, tmp_path / "content", store)
    assert store._read("SELECT COUNT(*) AS n FROM import_sources")[0]["n"] == 0
    report = import_articles(write_export(tmp_path), tmp_path / "content", store)
    assert report.comments.ids_kept and store.get(105).parent == 104


def test_replies_whose_parents_came_in_an_earlier_batch(tmp_path, store, monkeypatch):
    monkeypatch.setattr(comment_import, "BATCH", 1)  # every comment a transaction
    import_articles(write_export(tmp_path), tmp_path / "content", store)
    assert [store.get(id).parent for id in range(100, 110)] == [None, *range(100, 109)]
    assert store.get(118).parent is None and len(store.select()) == sum(IMPORTED.values())


def test_control_characters_a_new_comment_may_not_hold_become_spaces(tmp_path, store):
    post = with_comments(item(1, "controls"), comment(7, content="Bell&#7;and&#1;nul"))
    import_articles(write_export(tmp_path, HEAD.format(v="1.2") + post + TAIL),
                    tmp_path / "content", store)  # fmt: skip
    stored = store.get(7)
    assert stored.body == "Bell and nul\n" and stored.body_html == "<p>Bell and nul</p>"
