"""A publish: the pages of the threads whose comments changed, brought up to date
without a build.

For each thread marked in the store's publish queue (or named), every page the build's
record lists for it gets its comment regions redrawn from the store; its comment feed,
its JSON and the site's feed of latest comments are written again. A file is written
only when its bytes change. The result is what a full build with the same store and
settings writes. One publish runs at a time (the caller holds the job lease, jobs.py),
so that two moderators' changes to one page both stay on it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

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
from newsroom.comments.publishing.target import Target
from newsroom.comments.store import Store

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
CHUNK = 500  # threads per query


class PublishError(Exception):
    """A page could not be brought up to date; the old one stays, the marks stay."""


@dataclass
class Published:
    threads: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # files written or removed
    unknown: list[str] = field(default_factory=list)  # marked, but no article of the build

    def summary(self) -> str:
        if not self.threads and not self.unknown:
            return "nothing to publish"
        said = f"{len(self.threads)} threads published, {len(self.changed)} files changed"
        if self.unknown:
            said += f"; {len(self.unknown)} threads not in the build, skipped"
        return said


def publish(
    store: Store,
    target: Target,
    threads: Iterable[str] = (),
    *,
    keep_lease: Callable[[], None] = lambda: None,
) -> Published:
    """Publish the marked threads and ``threads``; ``keep_lease`` is called between
    pages (a long publish renews its lease)."""
    marks = store.publish_wanted()
    wanted = sorted(set(marks) | set(threads))
    if not wanted:
        return Published()
    record = Record(target)
    entries = record.entries(wanted)
    done = Published(threads=list(entries), unknown=[s for s in wanted if s not in entries])
    if entries:
        comments = _comments(store, list(entries))
        _publish_threads(target, record.site, entries, comments, done, keep_lease)
        _site_feed(target, store, record, entries, done)
    store.published_done(marks)
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
) -> None:
    drawn = {}
    pages: dict[str, list[str]] = defaultdict(list)
    for slug, entry in entries.items():
        nodes = tree.by_thread(comments[slug], site.depth).get(slug, [])
        thread = Thread(nodes, tree.count(nodes))
        drawn[slug] = _drawers(site, entry, thread)
        for page in entry.pages:
            pages[page].append(slug)
    for page in sorted(pages):
        _redraw(target, page, pages[page], drawn, done)
        keep_lease()
    for slug, entry in entries.items():
        article = entry.article
        feed = feeds.article_feed(site, article, comments[slug])
        _write(target, article.beside(FEED), feed, done, "application/atom+xml")
        body = thread_json(slug, comments[slug]).decode()
        _write(target, article.beside(JSON), body, done, "application/json")


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
