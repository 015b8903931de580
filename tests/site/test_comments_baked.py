"""Approved comments baked into the pages by a real build, with Pelican's cache on."""

import json
import os
from dataclasses import replace
from datetime import timedelta

from newsroom.comments.store import open_store
from newsroom.comments.store.clock import now
from tests.support.comments import new
from tests.support.site import build, make_project

SLUG = "a-story"
SEED = "Date: 2024-01-01\nA story\n\nBody.\n"


def json_ld(page) -> dict:
    return json.loads(page.select_one('script[type="application/ld+json"]').string)


def test_comments_threads_counts_and_json_ld(tmp_path):
    root = make_project(tmp_path / "site", {"story.txt": SEED}, {})
    url = f"sqlite:///{root}/var/comments.sqlite3"
    env = {**os.environ, "NEWSROOM_DATABASE_URL": url}
    empty = build(root, env=env)  # no store file yet: builds, no comments
    page = empty.article(SLUG)
    assert page.select_one("#comments h2").get_text() == "Be the first to comment on “A story”"
    assert json_ld(page)["commentCount"] == 0

    store = open_store(url)
    store.migrate()
    start = now() - timedelta(hours=1)
    first = store.add(new(thread=SLUG, author="Ann", created=start, status="approved"))
    store.add(new(thread=SLUG, author="Eve", body="hidden", created=start, status="pending"))
    reply = store.add(
        replace(new(thread=SLUG, author="Bob", url="https://bob.example", body="Reply"),
                parent=first, status="approved", created=start + timedelta(minutes=1))
    )  # fmt: skip
    store.close()

    site = build(root, env=env)  # second build: the content cache is in use
    page = site.article(SLUG)
    assert page.select_one("#comments h2").get_text() == "2 comments on “A story”"
    top = page.select_one(f".comment-list > #comment-{first}")
    nested = top.select_one(f".comment-replies > #comment-{reply}")
    assert nested.select_one(".comment-author").get_text() == "Bob"
    link = nested.select_one("a.comment-author")
    assert (link["href"], link["rel"]) == ("https://bob.example", ["nofollow", "ugc"])
    assert "hidden" not in page.get_text()
    assert "ann@example.org" not in site.text(f"articles/{SLUG}/index.html")
    assert "203.0.113.9" not in site.text(f"articles/{SLUG}/index.html")

    data = json_ld(page)
    assert data["commentCount"] == 2
    assert [c["author"]["name"] for c in data["comment"]] == ["Ann", "Bob"]
    assert data["comment"][1]["parentItem"]["@id"].endswith(f"#comment-{first}")

    front = site.page("index.html")
    assert front.select_one(".comment-count a").get_text() == "2 comments"
    year = site.page("archives/2024/index.html")
    assert "(2 comments)" in year.get_text()
    # The all-time archive lists titles and dates only: every approval would rewrite it.
    assert "comment" not in site.page("archives/index.html").select_one("main").get_text()


def test_an_empty_postgresql_database_builds_with_no_comments(tmp_path, postgres_url):
    root = make_project(tmp_path / "site", {"story.txt": SEED}, {})
    site = build(root, env={**os.environ, "NEWSROOM_DATABASE_URL": postgres_url})
    assert json_ld(site.article(SLUG))["commentCount"] == 0
