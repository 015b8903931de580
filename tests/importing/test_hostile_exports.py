"""Exports written to do harm, or merely odd: nothing of them runs on a page, reaches a
host's configuration as anything but a path, or wears out the store's ids."""

import json

import pytest

from newsroom.articles.redirects import Moved, Table, old_path
from newsroom.service.server import MovedLinks
from newsroom.site.redirects import _file_for
from tests.importing.test_wordpress import import_articles, item
from tests.importing.test_wordpress_comments import comment, with_comments, write_export
from tests.importing.test_wxr import HEAD, TAIL


@pytest.mark.parametrize(
    "link",
    [
        "http:~^/",  # a path nginx would read as a pattern for every address
        "default",
        "include",
        "https://x.example/a/../../etc/",
        "https://x.example/.git/config",
        "https://x.example//evil.example/",
        "https://x.example/a\\b/",
        "https://x.example/",
        "https://x.example/?p=3",
        "https://x.example/a/\nSlug: b",
        "https://x.example/a b/",
    ],
)
def test_an_old_link_is_a_site_path_or_nothing(link):
    assert old_path(link) == ""


def test_the_table_holds_only_site_paths_and_hosts_read_them_as_paths():
    table = Table.of(
        [
            Moved("/2024/old/", 1, "/articles/new/", "New"),
            Moved("/2024/away/", 2, "//evil.example/", "Away"),  # another host
            Moved("/2024/same/", 3, "/2024/same/", "Same"),  # already there
        ]
    )
    assert table.paths == {"/2024/old/": "/articles/new/"}
    assert table.ids == {"1": "/articles/new/", "3": "/2024/same/"}
    assert (
        table.find("/2024/old") == "/articles/new/"
        and table.find("/", "p=1&x=2") == "/articles/new/"
    )
    assert table.find("/elsewhere/", "p=1") is None
    lines = [line.strip() for line in table.nginx_map().splitlines() if line.startswith("    ")]
    assert all(line.startswith('"/') or (line.startswith('"') and line[1].isdigit()) or
               line.startswith("default") for line in lines), lines  # fmt: skip
    assert table.redirects_file() == "/2024/old/ /articles/new/ 301\n"


@pytest.mark.parametrize("text", [b"[]", b'{"paths": []}', b'{"paths": {}, "ids": 3}', b"{"])
def test_serve_ignores_a_table_that_is_not_one(tmp_path, text):
    table = tmp_path / "redirects.json"
    table.write_bytes(text)
    assert MovedLinks(str(table)).find("/2024/old/", "") is None


def test_a_redirect_page_is_only_where_a_page_would_be():
    assert _file_for("/2024/03/a/") == "2024/03/a/index.html"
    assert _file_for("/2024/03/a.html") == "2024/03/a.html"
    assert _file_for("/sitemap.xml") == "" and _file_for("/feed.rss") == ""


HOSTILE_POST = (
    "<p>To show a tag, write &lt;script&gt;alert(1)&lt;/script&gt; &amp; escape it.</p>"
    "<p>Corrections &amp; Amplifications<br>\nAn earlier version said &lt;b&gt;.</p>"
)


def test_hostile_titles_texts_and_links_stay_text(tmp_path):
    hostile = item(1, "shown", content=HOSTILE_POST,
                   title="<em>Rates</em> <script>alert(2)</script>rise")  # fmt: skip
    hostile = hostile.replace(
        "<link>https://ledger.example/?p=1</link>",
        "<link>https://ledger.example/a/\nSlug: taken\n\n<script>alert(3)</script></link>",
    )
    content = tmp_path / "content"
    import_articles(write_export(tmp_path, HEAD.format(v="1.2") + hostile + TAIL), content)
    head, body = (content / "shown.md").read_text("utf-8").split("\n\n", 1)
    assert "Title: <em>Rates</em> rise" in head.splitlines()  # nh3 took the script
    lines = head.splitlines()
    assert "Slug: shown" in lines and "Slug: taken" not in lines and "alert(2)" not in head
    assert not (tmp_path / "content" / "taken.md").exists()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; escape it." in body
    assert "Correction: An earlier version said <b>." in head.splitlines()  # plain text


def test_a_long_summary_still_names_the_article_on_a_second_run(tmp_path):
    long = item(1, "long").replace(
        "<excerpt:encoded><![CDATA[]]>", f"<excerpt:encoded><![CDATA[{'word ' * 2000}]]>"
    )
    export = write_export(tmp_path, HEAD.format(v="1.2") + long + TAIL)
    import_articles(export, tmp_path / "content")
    again = import_articles(export, tmp_path / "content")
    assert (again.articles, again.kept) == (0, 1)
    assert sorted(p.name for p in (tmp_path / "content").glob("*.md")) == ["long.md"]


def test_ids_that_would_wear_out_the_store_are_neither_kept_nor_trusted(tmp_path, store):
    foreign = '<x:comment_id xmlns:x="urn:x">9223372036854775807</x:comment_id>'
    post = with_comments(
        item(1, "odd"),
        comment(5),
        comment(99999999999999999999),  # more digits than any id: no id
    ).replace("<wp:post_type>", foreign + "<wp:post_type>")
    report = import_articles(write_export(tmp_path, HEAD.format(v="1.2") + post + TAIL),
                             tmp_path / "content", store)  # fmt: skip
    assert report.comments.ids_kept and store.get(5) is not None  # the foreign id is not ours
    assert report.comments.skipped == {"comments without an id": 1}
    assert store.add(new_comment()) < 1000

    high = with_comments(item(2, "high"), comment(2**41))
    second = tmp_path / "second"
    second.mkdir()
    from newsroom.comments.store import open_store

    other = open_store(f"sqlite:///{second}/c.sqlite3")
    other.migrate()
    try:
        report = import_articles(write_export(second, HEAD.format(v="1.2") + high + TAIL),
                                 second / "content", other)  # fmt: skip
        assert not report.comments.ids_kept and report.comments.renumbered == 1
        assert [c.id for c in other.select()] == [1]
    finally:
        other.close()


def test_replies_to_a_missing_comment_keep_their_own_thread(tmp_path, store):
    post = with_comments(
        item(1, "orphans"),
        comment(500, parent=499),  # 499 is not in the export
        comment(501, parent=500),
        comment(502, parent=501),
        comment(600, parent=601),  # a cycle: a broken export
        comment(601, parent=600),
    )
    import_articles(write_export(tmp_path, HEAD.format(v="1.2") + post + TAIL),
                    tmp_path / "content", store)  # fmt: skip
    assert [store.get(id).parent for id in (500, 501, 502)] == [None, 500, 501]
    assert {store.get(600).parent, store.get(601).parent} == {None}


def new_comment():
    from tests.importing.test_wordpress_comments import new_comment as made

    return made()


def test_the_json_report_says_the_same(tmp_path):
    export = write_export(tmp_path, HEAD.format(v="1.2") + item(1, "one") + TAIL)
    report = import_articles(export, tmp_path / "content")
    said = json.loads(json.dumps(report.as_json()))
    assert (said["articles"], said["comments"], said["old_links"]) == (1, {}, 1)


def test_redirect_pages_of_old_paths_no_article_has_are_removed(tmp_path):
    from newsroom.site.redirects import write

    output = str(tmp_path)
    site = {"SITEURL": "", "DEFAULT_LANG": "en"}
    first = Moved("/2024/a/", 1, "/articles/a/", "A")
    assert write(output, [first, Moved("/2024/b/", 2, "/articles/b/", "B")], site) == 2
    (tmp_path / "2024" / "mine").mkdir()
    (tmp_path / "2024" / "mine" / "index.html").write_text("<h1>the site's own</h1>")
    assert write(output, [first, Moved("/2024/mine/", 3, "/articles/c/", "C")], site) == 1
    assert not (tmp_path / "2024" / "b" / "index.html").exists()
    assert (tmp_path / "2024" / "mine" / "index.html").read_text() == "<h1>the site's own</h1>"
    table = json.loads((tmp_path / ".newsroom" / "redirects.json").read_text())
    assert table["paths"] == {"/2024/a/": "/articles/a/"}  # /2024/mine/ is the site's
    assert table["ids"] == {"1": "/articles/a/", "3": "/articles/c/"}
    assert write(output, [], site) == 0
    assert not (tmp_path / "_redirects").exists()
    assert not (tmp_path / "2024" / "a" / "index.html").exists()
