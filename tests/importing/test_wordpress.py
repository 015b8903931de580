"""A WordPress export's posts and pages as articles: what is skipped, corrections and
sources as metadata, a second run that adds nothing, and a real build of the result."""

import json
import os
from datetime import UTC, datetime

from newsroom.importing.wordpress import import_wordpress
from tests.importing.test_wxr import HEAD, TAIL
from tests.support.command import newsroom
from tests.support.site import build, make_project

CORRECTED = """<!-- wp:paragraph --><p>Iranian companies bought real estate in Syria.</p><!-- /wp:paragraph -->

<p><strong>Corrections &amp; Amplifications</strong><br>
A previous version of this article said Syrian companies had done so.</p>

<p>Source : <a href="https://wire.example/story">Wire</a></p>"""  # noqa: E501


def import_articles(export, content, store=None, dry_run=False):
    """The import, with `purge`'s personal-data date at the start of 2025."""
    return import_wordpress(str(export), str(content), store, PURGED_BEFORE, dry_run)


PURGED_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)


def item(id: int, slug: str, status: str = "publish", kind: str = "post", content: str = "",
         title: str = "") -> str:  # fmt: skip
    return f"""
  <item>
    <title><![CDATA[{title or slug.title()}]]></title>
    <link>https://ledger.example/?p={id}</link>
    <dc:creator><![CDATA[ed]]></dc:creator>
    <content:encoded><![CDATA[{content or "<p>Text of " + slug + ".</p>"}]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>{id}</wp:post_id>
    <wp:post_date_gmt><![CDATA[2024-03-0{id % 9 + 1} 10:00:00]]></wp:post_date_gmt>
    <wp:post_name><![CDATA[{slug}]]></wp:post_name>
    <wp:status><![CDATA[{status}]]></wp:status>
    <wp:post_type><![CDATA[{kind}]]></wp:post_type>
    <wp:attachment_url>{"https://ledger.example/up/" + slug + ".png" if kind == "attachment" else ""}</wp:attachment_url>
    <category domain="category" nicename="world"><![CDATA[World]]></category>
    <category domain="category" nicename="mideast"><![CDATA[Middle East]]></category>
    <category domain="post_tag" nicename="iran"><![CDATA[Iran]]></category>
  </item>"""  # noqa: E501


ITEMS = "".join(
    [
        item(1, "iran-syria", content=CORRECTED, title="Iran & Syria — a deal"),
        item(2, "a-draft", status="draft"),
        item(3, "secret", status="private"),
        item(4, "tomorrow", status="future"),
        item(5, "binned", status="trash"),
        item(6, "about", kind="page"),
        item(7, "photos", kind="attachment", status="inherit"),
        item(8, "gallery-post", content='<p>Pictures:</p>\n\n[gallery ids="7"]'),
        item(9, "iran-syria", title="Another with the slug"),
    ]
)


def test_posts_and_pages_become_articles_and_a_second_run_adds_nothing(tmp_path):
    export = tmp_path / "export.xml"
    export.write_text(HEAD.format(v="1.2") + ITEMS + TAIL, "utf-8")
    content = tmp_path / "content"

    dry = import_articles(export, content, dry_run=True)
    assert (dry.articles, dry.pages) == (3, 1) and not content.exists()

    report = import_articles(export, content)
    assert (report.articles, report.pages, report.kept) == (3, 1, 0)
    assert dict(report.skipped) == {
        "draft posts": 1, "private posts": 1, "scheduled posts": 1, "trashed posts": 1,
    }  # fmt: skip
    assert report.renamed == ["iran-syria"]
    files = sorted(p.relative_to(content).as_posix() for p in content.rglob("*.md"))
    assert files == ["gallery-post.md", "iran-syria-2.md", "iran-syria.md", "pages/about.md"]
    assert not (content / ".newsroom-import").exists()

    text = (content / "iran-syria.md").read_text("utf-8")
    head, body = text.split("\n\n", 1)
    assert "Title: Iran &amp; Syria — a deal" in head and "Author: Édith Editor" in head
    assert "Date: 2024-03-02T10:00:00+00:00" in head
    assert "Category: World" in head and "Tags: Middle East, Iran" in head
    assert "Correction: A previous version of this article said Syrian companies" in head
    assert "Source: Wire" in head or "Source: https://wire.example/story" in head
    assert "WordPress-Id: 1" in head and "WordPress-Link: https://ledger.example/?p=1" in head
    assert body.strip() == "Iranian companies bought real estate in Syria."
    assert "![](https://ledger.example/up/photos.png)" in (content / "gallery-post.md").read_text()

    again = import_articles(export, content)
    assert (again.articles, again.pages, again.kept) == (0, 0, 4)
    assert sorted(p.relative_to(content).as_posix() for p in content.rglob("*.md")) == files


def test_an_interrupted_run_is_completed_by_the_next(tmp_path):
    export = tmp_path / "export.xml"
    export.write_text(HEAD.format(v="1.2") + item(1, "one") + TAIL, "utf-8")
    staged = tmp_path / "content" / ".newsroom-import" / "left.md"
    staged.parent.mkdir(parents=True)
    staged.write_text("Title: Left\nWordPress-Id: 99\n\nLeft behind.\n")
    import_articles(export, tmp_path / "content")
    assert (tmp_path / "content" / "left.md").exists() and (
        tmp_path / "content" / "one.md"
    ).exists()


def test_the_command_reports_and_refuses_a_bad_file(tmp_path):
    export = tmp_path / "export.xml"
    export.write_text(HEAD.format(v="1.1") + ITEMS + TAIL, "utf-8")
    env = {**os.environ, "NEWSROOM_DATABASE_URL": f"sqlite:///{tmp_path}/comments.sqlite3"}
    command = ["import", "wordpress", str(export), "--content", str(tmp_path / "c")]
    dry = newsroom(*command, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "Articles: 3 imported" in dry.stdout and "Dry run: nothing was written." in dry.stdout
    assert not (tmp_path / "comments.sqlite3").exists() and not (tmp_path / "c").exists()
    done = newsroom(*command, "--json", env=env)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert (said["articles"], said["pages"], said["dry_run"]) == (3, 1, False)
    assert said["purge"] == {"spam_deleted": 0, "addresses_erased": 0}
    (tmp_path / "bad.xml").write_text("<rss><channel><item>", "utf-8")
    bad = newsroom("import", "wordpress", str(tmp_path / "bad.xml"), env=env)
    assert bad.returncode == 2 and "bad.xml, line 1" in bad.stderr and "Traceback" not in bad.stderr


def test_the_imported_site_builds_with_its_notices(tmp_path):
    export = tmp_path / "export.xml"
    export.write_text(HEAD.format(v="1.2") + ITEMS + TAIL, "utf-8")
    content = tmp_path / "imported"
    import_articles(export, content)
    files = {p.relative_to(content).as_posix(): p.read_text("utf-8") for p in content.rglob("*.md")}
    root = make_project(tmp_path / "site", {}, files)
    build(root)
    page = (root / "output" / "articles" / "iran-syria" / "index.html").read_text("utf-8")
    assert "A previous version of this article said Syrian companies" in page
    assert "Iranian companies bought real estate in Syria." in page
