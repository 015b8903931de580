"""The comment feeds a real build writes: one beside each article with comments, one of
the site's latest; linked from the pages; no reader's e-mail or address in them."""

import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta

from newsroom.comments.store import open_store
from newsroom.comments.store.clock import now
from tests.support.comments import new
from tests.support.site import build, make_project

ATOM = "{http://www.w3.org/2005/Atom}"
SEEDS = {
    "story.txt": "Date: 2024-01-01\nA story\n\nBody.\n",
    "quiet.txt": "Date: 2024-01-02\nA quiet one\n\nBody.\n",
}


def entries(path) -> list[dict]:
    feed = ET.parse(path).getroot()
    return [
        {
            "title": e.findtext(f"{ATOM}title"),
            "author": e.findtext(f"{ATOM}author/{ATOM}name"),
            "link": e.find(f"{ATOM}link").get("href"),
            "content": e.findtext(f"{ATOM}summary") or e.findtext(f"{ATOM}content"),
        }
        for e in feed.findall(f"{ATOM}entry")
    ]


def test_feeds_of_comments(tmp_path):
    root = make_project(tmp_path / "site", SEEDS, {})
    url = f"sqlite:///{root}/var/comments.sqlite3"
    store = open_store(url)
    store.migrate()
    start = now() - timedelta(hours=2)
    first = store.add(new(thread="a-story", author="Ann", body="First", body_html="<p>First</p>",
                          email="ann@example.org", ip="192.0.2.7", created=start,
                          status="approved"))  # fmt: skip
    later = start + timedelta(minutes=5)
    reply = new(thread="a-story", author="The Daily", body="Thanks", body_html="<p>Thanks</p>",
                email="", ip=None, status="approved", created=later)  # fmt: skip
    store.add(replace(reply, parent=first, staff=True))
    store.add(new(thread="a-story", author="Eve", body="Not yet", status="pending"))
    store.close()
    site = build(root, env={**os.environ, "NEWSROOM_DATABASE_URL": url})
    output = root / "output"

    story = entries(output / "articles" / "a-story" / "comments.atom.xml")
    assert [e["author"] for e in story] == ["Newsroom", "Ann"]  # newest first; the site's
    assert story[1]["link"].endswith(f"/articles/a-story/#comment-{first}")
    assert "<p>First</p>" in story[1]["content"]
    latest = entries(output / "feeds" / "comments.atom.xml")
    assert [e["author"] for e in latest] == ["Newsroom", "Ann"]
    assert not (output / "articles" / "a-quiet-one" / "comments.atom.xml").exists()
    for feed in (
        output / "feeds" / "comments.atom.xml",
        output / "articles" / "a-story" / "comments.atom.xml",
    ):
        text = feed.read_text()
        assert "ann@example.org" not in text and "192.0.2.7" not in text and "Not yet" not in text

    page = site.article("a-story")
    feed_link = page.select_one(
        'link[rel="alternate"][href$="/articles/a-story/comments.atom.xml"]'
    )
    assert feed_link is not None and page.select_one(".comment-feed a") is not None
    assert page.select_one('link[rel="alternate"][href$="/feeds/comments.atom.xml"]')
    quiet = site.article("a-quiet-one")
    assert quiet.select_one(".comment-feed") is None


def test_the_site_feed_is_written_without_any_comment(build_site):
    site = build_site(seeds=SEEDS)
    assert entries(site.root / "output" / "feeds" / "comments.atom.xml") == []
