"""Publishing without a build (issue 12), on real Pelican builds and a real store.

After any sequence of moderation actions the whole output is, byte for byte, what a full
build with the same store writes; two publishes at once keep both changes; a publish that
cannot finish leaves the old page, says why, and keeps its mark for the next turn; a site
in an S3 bucket (SeaweedFS on loopback) is published the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from newsroom.comments import moderation
from newsroom.comments.config import Settings
from newsroom.comments.publishing.record import Record
from newsroom.comments.publishing.target import Folder
from newsroom.comments.store import Store, open_store
from newsroom.comments.store.clock import now
from tests.support.command import newsroom
from tests.support.comments import new
from tests.support.seaweed import download, upload
from tests.support.site import build, make_project

ACTOR = "editor@news.example"
# 25 articles over two years (two pages of the front page and of the category, two
# yearly archives), and one in Markdown with tags and an author of its own.
SEEDS = {
    f"{n:02d}.txt": f"Date: {2024 + n // 20}-{n % 12 + 1:02d}-{n % 27 + 1:02d}\n"
    f"Story {n}\n\nText {n}.\n"
    for n in range(25)
}
CONTENT = {
    "tagged.md": "Title: A tagged story\nDate: 2024-02-03\nTags: alpha, beta\n"
    "Author: Jo Reporter\nCategory: World\n\nBody text.\n"
}


@dataclass
class Site:
    root: Path
    url: str
    store: Store

    @property
    def output(self) -> Path:
        return self.root / "output"

    def settings(self, **changes) -> Settings:
        base = Settings(database_url=self.url, threads_path=str(self.output / "threads.json"))
        return replace(base, **changes)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "NEWSROOM_DATABASE_URL": self.url,
            "NEWSROOM_THREADS": str(self.output / "threads.json"),
        }

    def act(self, ids: list[int], action: str) -> moderation.Done:
        done = moderation.moderate(self.settings(), self.store, ids, action, ACTOR)
        assert done.published is not None and not done.published.failed, done.published
        return done

    def full_build(self) -> dict[str, bytes]:
        """What a full build with the same store and settings writes (a fresh folder).
        It marks again what changed lately (for publishes it may have written over): the
        marks of this comparison's build are cleared."""
        fresh = self.root / "fresh"
        marks = self.store.publish_wanted()
        subprocess.run(
            [sys.executable, "-m", "pelican", "-s", "pelicanconf.py", "-o", str(fresh), "-q",
             "--delete-output-directory"],
            cwd=self.root, env=self.env(), check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        self.store.published_done(
            {t: n for t, n in self.store.publish_wanted().items() if t not in marks}
        )
        return tree(fresh)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def differences(published: dict[str, bytes], built: dict[str, bytes]) -> list[str]:
    names = published.keys() | built.keys()
    return sorted(name for name in names if published.get(name) != built.get(name))


@pytest.fixture
def site(tmp_path) -> Site:
    root = make_project(tmp_path / "site", SEEDS, CONTENT)
    url = f"sqlite:///{root}/comments.sqlite3"
    store = open_store(url)
    store.migrate()
    built = Site(root, url, store)
    build(root, env=built.env())
    store.published_done(store.publish_wanted())  # the build is up to date
    yield built
    store.close()


def comment(site: Site, thread: str, minutes: int, **changes) -> int:
    created = now() - timedelta(hours=1) + timedelta(minutes=minutes)
    return site.store.add(new(thread=thread, created=created, **changes))


def test_every_sequence_of_actions_publishes_what_a_full_build_writes(site):
    # An article on the front page's second page and its category's, with none yet.
    first = comment(site, "story-1", 1, author="Ann")
    second = comment(site, "story-1", 2, author="Bo", body="Me *too*", body_html="<p>Me *too*</p>")
    tagged = comment(site, "a-tagged-story", 3, author="Cy", url="https://cy.example/")
    sequences = {
        "a thread goes from 0 to 1 comment": lambda: site.act([first], "approve"),
        "a reply, and the newsroom's reply to it": lambda: (
            site.act([second], "approve"),
            site.store.set_status([second], "pending"),  # back, then published by hand below
            moderation.reply(site.settings(), site.store, site.store.get(first), "Ta!", "", ACTOR),
        ),
        "an edit of a published comment": lambda: moderation.edit(
            site.settings(), site.store, site.store.get(first), "Ann B.", "", "**Edited**", ACTOR
        ),
        "a tagged article's first comment, then its parent deleted": lambda: (
            site.act([tagged], "approve"),
            site.act([first], "delete"),
        ),
        "rejected and marked spam: threads back to 0": lambda: (
            site.act([tagged], "reject"),
            site.act([x.id for x in site.store.published("story-1")], "spam"),
        ),
    }  # fmt: skip
    for name, steps in sequences.items():
        steps()
        if name == "a reply, and the newsroom's reply to it":
            site.act([second], "approve")
        assert differences(tree(site.output), site.full_build()) == [], name
    assert site.store.publish_wanted() == {}


def test_a_post_approved_at_once_and_an_erasure_are_published_by_the_command(site):
    """Writes that are not a moderator's action in this process (a post under moderation
    "none", an erasure from the shell) are marked by the store; `newsroom publish` and the
    erase command publish them."""
    comment(site, "story-7", 1, status="approved", email="gone@example.org", author="Gone")
    comment(site, "story-8", 2, status="approved")
    assert set(site.store.publish_wanted()) == {"story-7", "story-8"}
    ran = newsroom("publish", env=site.env())
    assert ran.returncode == 0 and "2 threads published" in ran.stdout, ran.stdout + ran.stderr
    erased = newsroom("comments", "erase", "--email", "gone@example.org", env=site.env())
    assert erased.returncode == 0, erased.stderr
    assert b"Gone" not in (site.output / "articles/story-7/index.html").read_bytes()
    assert differences(tree(site.output), site.full_build()) == []


def test_the_approve_command_publishes_before_it_returns(site):
    id = comment(site, "story-24", 1, author="Dee")
    ran = newsroom("comments", "approve", str(id), env=site.env())
    assert ran.returncode == 0 and "1 threads published" in ran.stderr, ran.stderr  # the log
    page = (site.output / "articles/story-24/index.html").read_text()
    assert f'id="comment-{id}"' in page and "1 comment on" in page
    assert "1 comment" in (site.output / "index.html").read_text()
    assert b'"count":1' in (site.output / "articles/story-24/comments.json").read_bytes()
    assert (site.output / "articles/story-24/comments.atom.xml").exists()
    assert differences(tree(site.output), site.full_build()) == []


def test_two_publishes_at_once_keep_both_changes(site):
    """Two moderators approve comments on two articles of the same listing pages at
    once, from two processes: each publish waits for the other's lease, and reads the
    store once it has it."""
    ids = [comment(site, f"story-{n}", n) for n in (20, 21)]
    site.store.take_job("publish", "a long publish", now(), now() + timedelta(minutes=1), True)
    both = [
        subprocess.Popen(
            [sys.executable, "-m", "newsroom.cli", "comments", "approve", str(id)],
            env=site.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for id in ids
    ]  # fmt: skip
    # Both wait (the lease is held); then both run, one after the other.
    site.store.finish_job("publish", "a long publish", now(), now(), "done")
    for process in both:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0 and "not published" not in err, err
    front = (site.output / "index.html").read_text()
    assert front.count('<p class="comment-count">') == 2
    assert differences(tree(site.output), site.full_build()) == []


def test_an_upload_of_an_older_build_is_mended_by_publishing_what_changed_since(site):
    """A build is made, then uploaded later: publishes made in between are written over.
    `newsroom publish --since` (the time the build and its upload took) mends them."""
    old_build = tree(site.output)
    id = comment(site, "story-9", 1)
    site.act([id], "approve")
    for name, data in old_build.items():  # the upload (`aws s3 sync`, say)
        (site.output / name).write_bytes(data)
    assert f'id="comment-{id}"' not in (site.output / "articles/story-9/index.html").read_text()
    ran = newsroom("publish", "--since", "30m", env=site.env())
    assert ran.returncode == 0 and "threads published" in ran.stdout, ran.stdout + ran.stderr
    assert differences(tree(site.output), site.full_build()) == []
    refused = newsroom("publish", "--since", "soon", env=site.env())
    assert refused.returncode == 2 and "a duration such as 30m" in refused.stderr


def test_a_publish_that_cannot_finish_says_why_and_keeps_its_mark(site):
    id = comment(site, "story-3", 1)
    record = Record(Folder(str(site.output)))
    (entry,) = record.entries(["story-3"]).values()
    listing = next(page for page in entry.pages if page.startswith("category/"))
    others = record.entries([f"story-{n}" for n in range(25)])
    apart = next(slug for slug, other in others.items() if listing not in other.pages)
    elsewhere = comment(site, apart, 2)
    category = site.output / listing
    kept = category.read_bytes()
    category.unlink()
    done = moderation.moderate(site.settings(), site.store, [id, elsewhere], "approve", ACTOR)
    assert site.store.get(id).status == "approved"  # the approval stands
    assert done.published is not None and done.published.failed
    assert f"{listing} is not there" in done.published.said
    assert "1 threads published" in done.published.said  # the other thread's pages
    assert set(site.store.publish_wanted()) == {"story-3"}
    assert f'id="comment-{elsewhere}"' in (site.output / f"articles/{apart}/index.html").read_text()
    category.write_bytes(kept)  # back (say, the disk was mended): the next turn catches up
    ran = newsroom("jobs", "run", "publish", "--force", env=site.env())
    assert ran.returncode == 0 and "1 threads published" in ran.stdout, ran.stdout + ran.stderr
    assert site.store.publish_wanted() == {}
    assert differences(tree(site.output), site.full_build()) == []


def test_a_site_in_an_s3_bucket_is_published_there_and_cloudfront_told(
    site, bucket, fake_cloudfront
):
    upload(site.output, bucket)
    ids = [comment(site, "story-5", 1), comment(site, "a-tagged-story", 2)]
    settings = site.settings(publish_to=bucket, cloudfront_distribution="E2TESTDIST")
    done = moderation.moderate(settings, site.store, ids, "approve", ACTOR)
    assert done.published is not None and not done.published.failed, done.published
    assert "2 threads published" in done.published.said
    assert differences(download(bucket), site.full_build()) == []
    ((distribution, paths),) = fake_cloudfront.invalidations
    assert distribution == "E2TESTDIST"
    assert "/articles/story-5/index.html" in paths and "/index.html" in paths
    assert "/articles/a-tagged-story/comments.json" in paths
    assert not [p for p in paths if p.startswith("/.newsroom/")]  # the record is not served
    assert f"{len(paths)} paths invalidated" in done.published.said


def test_a_cloudfront_that_refuses_leaves_the_pages_published(site, fake_cloudfront):
    id = comment(site, "story-6", 1)
    fake_cloudfront.refused.add("E2NOTOURS")
    settings = site.settings(cloudfront_distribution="E2NOTOURS")
    done = moderation.moderate(settings, site.store, [id], "approve", ACTOR)
    assert done.published is not None and not done.published.failed
    assert "CloudFront not told (AccessDenied)" in done.published.said
    assert fake_cloudfront.invalidations == []
    assert f'id="comment-{id}"' in (site.output / "articles/story-6/index.html").read_text()
