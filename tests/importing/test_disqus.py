"""A Disqus export's comments onto the articles: threads matched by link, WordPress id
and slug, one matching nothing, threading, spam and deleted flags, a second run."""

import json
import os
from datetime import UTC, datetime

import pytest

from newsroom.importing import comment_import
from newsroom.importing.disqus import import_disqus
from newsroom.importing.exports import ExportError
from tests.importing.test_wordpress import PURGED_BEFORE
from tests.support.command import newsroom

ARTICLES = {
    "rates-rise.md": "Title: Rates rise\nDate: 2024-03-05\nSlug: rates-rise\n"
    "WordPress-Id: 10\nWordPress-Link: https://ledger.example/2024/03/05/rates-rise/\n\nText.\n",
    "twelve.md": "Title: Twelve\nDate: 2024-03-05\nSlug: twelve\nWordPress-Id: 12\n\nText.\n",
    "budget.md": "Title: Budget\nDate: 2024-03-05\n\nText.\n",
}


def thread(dsq: int, link: str, identifier: str = "", deleted: bool = False) -> str:
    return f"""
  <thread dsq:id="{dsq}">
    <id>{identifier}</id><forum>ledger</forum><link>{link}</link>
    <title>Thread {dsq}</title><createdAt>2011-03-07T20:46:25Z</createdAt>
    <isClosed>false</isClosed><isDeleted>{str(deleted).lower()}</isDeleted>
  </thread>"""


def post(
    dsq: int, on: int, parent: int | None = None, message: str = "", spam: bool = False,
    deleted: bool = False, email: str | None = "reader@example.org", name: str = "",
) -> str:  # fmt: skip
    mail = f"<email>{email}</email>" if email is not None else ""
    return f"""
  <post dsq:id="{dsq}">
    <id />
    <message><![CDATA[{message or f"<p>Post {dsq}.</p>"}]]></message>
    <createdAt>2012-01-0{dsq % 9 + 1}T10:00:00{"" if dsq % 2 else "Z"}</createdAt>
    <isDeleted>{str(deleted).lower()}</isDeleted><isSpam>{str(spam).lower()}</isSpam>
    <author>{mail}<name>{name or f"Reader {dsq}"}</name><isAnonymous>false</isAnonymous></author>
    <ipAddress>198.51.100.{dsq % 250}</ipAddress>
    <thread dsq:id="{on}" />
    {f'<parent dsq:id="{parent}" />' if parent else ""}
  </post>"""


EXPORT = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
    '<category dsq:id="1"><forum>ledger</forum><title>General</title></category>'
    + thread(1, "https://ledger.example/2024/03/05/rates-rise/")
    + thread(2, "http://www.ledger.example/2024/03/05/rates-rise")  # a duplicate thread
    + thread(3, "https://old.example/?p=12", identifier="12 https://ledger.example/?p=12")
    + thread(4, "https://newsite.example/articles/budget.html")
    + thread(5, "https://ledger.example/nothing-here/")
    + thread(6, "https://ledger.example/gone/", deleted=True)
    + post(11, 1, message="<p>Zoë: <b>bold</b> and <a href='https://x.example/'>a link</a></p>")
    + post(12, 1, parent=11, spam=True)
    + post(13, 1, parent=12, deleted=True, email=None, name=" ")
    + post(14, 2, parent=15)  # a reply before its parent
    + post(15, 2, parent=11)
    + post(16, 3)
    + post(17, 4, parent=999)  # its parent is not in the export
    + post(18, 5)
    + post(19, 5)
    + post(20, 6)
    + "</disqus>\n"
)


def project(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    for name, text in ARTICLES.items():
        (content / name).write_text(text, "utf-8")
    export = tmp_path / "disqus.xml"
    export.write_text(EXPORT, "utf-8")
    return str(export), str(content)


def test_threads_are_matched_and_posts_threaded(tmp_path, store):
    export, content = project(tmp_path)
    report = import_disqus(export, content, store, PURGED_BEFORE)
    assert report.threads == 6
    assert dict(report.matched) == {"link": 2, "WordPress id": 1, "slug": 1}
    assert dict(report.unmatched) == {"https://ledger.example/nothing-here/": 2}
    assert dict(report.comments.added) == {"approved": 5, "rejected": 1, "spam": 1}
    assert report.comments.skipped == {
        "comments on threads matching no article": 2, "comments on deleted threads": 1,
    }  # fmt: skip
    assert not report.comments.ids_kept and report.comments.renumbered == 7

    by_author = {c.author: c for c in store.select()}
    first = by_author["Reader 11"]
    assert first.thread == "rates-rise" and first.email == "reader@example.org"
    assert (
        "<strong>bold</strong>" in first.body_html
        and 'href="https://x.example/"' in first.body_html
    )
    assert first.created == datetime(2012, 1, 3, 10, tzinfo=UTC) and first.ip == "198.51.100.11"
    assert (by_author["Reader 12"].parent, by_author["Reader 12"].status) == (first.id, "spam")
    anonymous = by_author["Anonymous"]  # post 13: deleted, no e-mail, no name
    assert (anonymous.parent, anonymous.status, anonymous.email) == (
        by_author["Reader 12"].id, "rejected", "",
    )  # fmt: skip
    assert by_author["Reader 14"].parent == by_author["Reader 15"].id
    assert by_author["Reader 15"].thread == "rates-rise"  # the duplicate thread's
    assert by_author["Reader 16"].thread == "twelve" and by_author["Reader 17"].thread == "budget"
    assert by_author["Reader 17"].parent is None

    again = import_disqus(export, content, store, PURGED_BEFORE)
    assert sum(again.comments.added.values()) == 0 and again.comments.before == 7
    assert len(store.select()) == 7


def test_the_command_reports_as_json_and_refuses_a_wordpress_export(tmp_path):
    export, content = project(tmp_path)
    env = {**os.environ, "NEWSROOM_DATABASE_URL": f"sqlite:///{tmp_path}/comments.sqlite3"}
    done = newsroom("import", "disqus", export, "--content", content, "--json", env=env)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert said["unmatched"] == [{"link": "https://ledger.example/nothing-here/", "comments": 2}]
    assert said["comments"] == {"approved": 5, "rejected": 1, "spam": 1}
    text = newsroom("import", "disqus", export, "--content", content, env=env).stdout
    assert "Unmatched thread: https://ledger.example/nothing-here/ (2 comments" in text
    assert "Comments: 0 imported, 7 imported before" in text

    wordpress = tmp_path / "wp.xml"
    wordpress.write_text('<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "utf-8")
    refused = newsroom("import", "disqus", str(wordpress), env=env)
    assert refused.returncode == 2 and "not a Disqus export (its root is <rss>)" in refused.stderr


@pytest.mark.parametrize(
    "text, said",
    [
        (
            EXPORT[: EXPORT.index('<post dsq:id="20">') + 30],
            r"bad.xml, line \d+, column \d+: not well-formed XML",
        ),
        ('<!DOCTYPE d [<!ENTITY e "x">]><disqus xmlns="http://disqus.com"/>', "refused"),
    ],
)
def test_a_broken_export_is_named_and_nothing_is_written(tmp_path, store, monkeypatch, text, said):
    monkeypatch.setattr(comment_import, "BATCH", 1)  # a write a post, were any written
    path = tmp_path / "bad.xml"
    path.write_text(text, "utf-8")
    with pytest.raises(ExportError, match=said):
        import_disqus(str(path), project(tmp_path)[1], store, PURGED_BEFORE)
    assert store.select() == []
