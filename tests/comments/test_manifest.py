"""The thread manifest: loaded, re-read when it changes, and its absence said once."""

import json
import logging
import os
from datetime import UTC, datetime

from newsroom.comments.manifest import ThreadIndex, load

ENTRY = {
    "title": "Iran signs a deal",
    "url": "articles/iran/",
    "permalink": "/articles/iran/",
    "published": "2018-08-27T09:00:00+02:00",
    "modified": "2018-08-28T10:30:00",
    "lang": "en",
}


def write(path, threads, version=1):
    path.write_text(json.dumps({"version": version, "site_url": "", "threads": threads}))
    return path


def test_a_thread_and_its_dates(tmp_path):
    (thread,) = load(str(write(tmp_path / "t.json", {"iran": ENTRY}))).values()
    assert (thread.slug, thread.title, thread.lang) == ("iran", "Iran signs a deal", "en")
    assert thread.published.astimezone(UTC) == datetime(2018, 8, 27, 7, 0, tzinfo=UTC)
    assert thread.modified == datetime(2018, 8, 28, 10, 30, tzinfo=UTC)  # no zone: UTC
    assert thread.absolute_permalink("https://comments.example/") == (
        "https://comments.example/articles/iran/"
    )
    (thread,) = load(str(write(tmp_path / "t.json", {"iran": ENTRY | {"permalink": ""}}))).values()
    assert thread.permalink == "/articles/iran/"  # from the url, rooted at the site
    absolute = {**ENTRY, "permalink": "https://news.example/articles/iran/"}
    (thread,) = load(str(write(tmp_path / "t.json", {"iran": absolute}))).values()
    assert thread.absolute_permalink("https://other.example/") == absolute["permalink"]


def test_re_read_when_the_file_changes(tmp_path):
    path = write(tmp_path / "t.json", {"iran": ENTRY})
    index = ThreadIndex(str(path))
    assert index.get("iran") is not None and index.get("budget") is None
    write(path, {"iran": ENTRY, "budget": ENTRY | {"title": "Budget"}})
    stamp = os.stat(path).st_mtime_ns
    os.utime(path, ns=(stamp + 1_000_000, stamp + 1_000_000))
    assert index.get("budget").title == "Budget"


def test_a_missing_manifest_refuses_every_thread_and_says_so_once(tmp_path, caplog):
    index = ThreadIndex(str(tmp_path / "none.json"))
    with caplog.at_level(logging.ERROR, logger="newsroom.comments.manifest"):
        assert [index.get("iran") for _ in range(3)] == [None, None, None]
    assert len([r for r in caplog.records if "No thread manifest" in r.getMessage()]) == 1
    write(tmp_path / "none.json", {"iran": ENTRY})  # the build ran: threads open
    assert index.get("iran") is not None


def test_an_unreadable_manifest_is_no_threads(tmp_path, caplog):
    for text in ("{not json", '{"version": 2, "threads": {}}', '{"version": 1, "threads": []}'):
        (tmp_path / "bad.json").write_text(text)
        with caplog.at_level(logging.ERROR, logger="newsroom.comments.manifest"):
            assert load(str(tmp_path / "bad.json")) == {}
    assert len([r for r in caplog.records if "Cannot read" in r.getMessage()]) == 3


def test_a_post_on_a_site_without_manifest_is_refused(service_runner, tmp_path):
    service = service_runner.start({"NEWSROOM_THREADS": str(tmp_path / "absent.json")})
    comment = {"thread": "iran", "author": "Ann", "email": "a@example.org", "body": "Hi"}
    with service.client() as client:
        answer = client.post("/api/comments", json=comment)
    assert answer.status_code == 422
    assert "no article" in answer.json()["errors"]["thread"]
