"""A publish: the pages of the threads whose comments changed, brought up to date
without a build.

For each thread named (a moderation action's) or else marked in the store's publish
queue, every page the build's record lists for it gets its comment regions redrawn from
the store; its comment feed, its JSON and the site's feed of latest comments are written
again. A file is written only when its bytes change. The result is what a full build
with the same store and settings writes. Threads go in batches whose marks are cleared
as each is done, but a page that fails keeps the marks of the threads it shows. One
publish runs at a time (the caller holds the publish lease, leases.py), so that two
moderators' changes to one page both stay on it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from newsroom.comments import tree
from newsroom.comments.model import PublishedComment, thread_json
from newsroom.comments.publishing import feeds, regions
from newsroom.comments.publishing.fragments import (
    DRAWN,
    FEED,
    JSON,
    Article,
    Site,
    Thread,
    json_ld,
)
from newsroom.comments.publishing.record import LATEST, Entry, Record, latest_file
from newsroom.comments.publishing.target import Target, TargetError
from newsroom.comments.store import Store

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
CHUNK = 500  # threads per query
BATCH = 500  # threads whose marks are cleared together


class PublishError(Exception):
    """A page could not be brought up to date; the old one stays, and so do the marks of
    the threads it shows."""


class Published:
    """What a publish did. (A plain class: making a dataclass costs a moderation command
    2 ms.)"""

    def __init__(self) -> None:
        self.threads: list[str] = []  # brought up to date
        self.changed: list[str] = []  # files written or removed
        self.unknown: list[str] = []  # marked, but no article of the build
        self.failed: dict[str, str] = {}  # page -> why; its threads wait
        self.left = 0  # marked threads left for the next turn (the run's time was up)

    def summary(self) -> str:
        if not self.threads and not self.unknown and not self.failed:
            return "nothing to publish"
        said = f"{len(self.threads)} threads published, {len(self.changed)} files changed"
        if self.unknown:
            said += f"; {len(self.unknown)} threads not in the build, skipped"
        if self.left:
            said += f"; {self.left} threads left for the next turn"
        if self.failed:
            why = next(iter(self.failed.values()))
            said = f"failed: {len(self.failed)} pages not published ({why}); {said}"
        return said


def publish(
    store: Store,
    target: Target,
    threads: Iterable[str] | None = None,
    *,
    keep_lease: Callable[[], None] = lambda: None,
    seconds: float | None = None,
) -> Published:
    """Publish ``threads`` (a moderation action's), or else every marked thread, in
    batches whose marks are cleared as each is done; ``keep_lease`` is called as it goes
    (a long publish renews its lease), and no batch starts after ``seconds``."""
    marks = store.publish_wanted(None if threads is None else list(threads))
    wanted = sorted(set(marks) | set(threads or ()))
    if not wanted:
        return Published()
    record = Record(target)
    done = Published()
    deadline = None if seconds is None else time.monotonic() + seconds
    for at in range(0, len(wanted), BATCH):
        if deadline is not None and time.monotonic() > deadline:
            done.left = len(wanted) - at
            break
        batch = wanted[at : at + BATCH]
        entries = record.entries(batch)
        done.unknown += [slug for slug in batch if slug not in entries]
        comments = _comments(store, list(entries))
        waiting = _publish_threads(target, record.site, entries, comments, done, keep_lease)
        _site_feed(target, store, record, entries, done)
        keep_lease()  # still ours: the marks are this run's to clear
        store.published_done({s: marks[s] for s in batch if s in marks and s not in waiting})
        done.threads += [slug for slug in entries if slug not in waiting]
    return done


def _comments(store: Store, slugs: Sequence[str]) -> dict[str, list[PublishedComment]]:
    by_thread: dict[str, list[PublishedComment]] = {slug: [] for slug in slugs}
    for at in range(0, len(slugs), CHUNK):
        for comment in store.published_in(slugs[at : at + CHUNK]):
            by_thread[comment.thread].append(comment)
    return by_thread


def _publish_threads(
    target: Target,
    site: Site,
    entries: dict[str, Entry],
    comments: dict[str, list[PublishedComment]],
    done: Published,
    keep_lease: Callable[[], None],
) -> set[str]:
    """Their pages, feeds and JSON; the threads with a page that failed (they wait)."""
    drawn = {}
    pages: dict[str, list[str]] = defaultdict(list)
    for slug, entry in entries.items():
        nodes = tree.by_thread(comments[slug], site.depth).get(slug, [])
        thread = Thread(nodes, tree.count(nodes))
        drawn[slug] = _drawers(site, entry, thread)
        for page in entry.pages:
            pages[page].append(slug)
    waiting: set[str] = set()
    for page in sorted(pages):
        try:
            _redraw(target, page, pages[page], drawn, done)
        except (PublishError, TargetError) as exc:
            logger.error("Not published: %s", exc)
            done.failed[page] = str(exc)
            waiting.update(pages[page])
        keep_lease()
    for slug, entry in entries.items():
        article = entry.article
        feed = feeds.article_feed(site, article, comments[slug])
        _write(target, article.beside(FEED), feed, done, "application/atom+xml")
        if site.json:
            body = thread_json(slug, comments[slug]).decode()
            _write(target, article.beside(JSON), body, done, "application/json")
        keep_lease()
    return waiting


def _drawers(site: Site, entry: Entry, thread: Thread) -> dict[str, Callable[[str], str]]:
    article = entry.article
    kinds: dict[str, Callable[[str], str]] = {
        kind: _ignoring_old(draw(site, article, thread)) for kind, draw in DRAWN.items()
    }
    kinds["jsonld"] = lambda old: json_ld(site, article, thread, old)
    return kinds


def _ignoring_old(html: str) -> Callable[[str], str]:
    return lambda old: html


def _redraw(
    target: Target,
    page: str,
    slugs: list[str],
    drawn: dict[str, dict[str, Callable[[str], str]]],
    done: Published,
) -> None:
    before = target.read(page)
    if before is None:
        raise PublishError(f"{page} is not there, though the build's record lists it: build again")
    try:
        after, found = regions.replace(before, {slug: drawn[slug] for slug in slugs})
    except (regions.RegionError, ValueError, KeyError) as exc:
        raise PublishError(f"{page}: {exc}; build again") from exc
    missing = [slug for slug, n in found.items() if not n]
    if missing:
        raise PublishError(
            f"{page} has no region of {missing[0]!r}, as the record says: build again"
        )
    if after != before:
        target.write(page, after, HTML)
        done.changed.append(page)


def _site_feed(
    target: Target, store: Store, record: Record, entries: dict[str, Entry], done: Published
) -> None:
    """The site's feed of latest comments, of the build's articles only (a comment of an
    article no longer built is left out, as a build leaves it out), and its record of
    their articles. Those are known from that record and this publish's threads; a
    thread that is neither (its comment came back among the latest) is looked up."""
    known: dict[str, Article | None] = dict(record.latest())
    known |= {slug: entry.article for slug, entry in entries.items()}
    shown: list[PublishedComment] = []
    limit = feeds.LATEST * 2
    while len(shown) < feeds.LATEST:
        newest = store.latest_published(limit)
        shown = []
        for comment in newest:
            if comment.thread not in known:  # rare: one record file, once
                entry = record.entries([comment.thread]).get(comment.thread)
                known[comment.thread] = entry.article if entry is not None else None
            if known[comment.thread] is not None:
                shown.append(comment)
                if len(shown) == feeds.LATEST:
                    break
        if len(newest) < limit:
            break
        limit *= 4
    articles = {c.thread: article for c in shown if (article := known[c.thread]) is not None}
    feed = feeds.site_feed(record.site, feeds.latest(shown), articles)
    _write(target, feeds.SITE_FEED, feed, done, "application/atom+xml")
    listed = latest_file(articles.values()).decode()
    _write(target, LATEST, listed, done, "application/json")


def _write(target: Target, path: str, text: str | None, done: Published, kind: str) -> None:
    """Write the file when its bytes change; None: there is no such file."""
    old = target.read(path)
    if text is None:
        if old is not None:
            target.delete(path)
            done.changed.append(path)
        return
    data = text.encode()
    if data != old:
        target.write(path, data, kind)
        done.changed.append(path)
