"""What the comments plugin does to a build: approved comments onto articles, the parts
of pages that show them, and the files a publish works from.

The parts (``comment_region``) are drawn by comments/publishing/fragments.py between
markers, and every page holding one is noted; after the articles are written, the build
writes each article's comment feed and JSON, the site's feed, the thread manifest for the
service, and the record that lets a publish redraw those parts without a build.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial

import jinja2
from markupsafe import Markup

from newsroom.comments import FORM_TEMPLATES, manifest, tree
from newsroom.comments.manifest import Thread
from newsroom.comments.model import POSTED, PublishedComment, thread_json
from newsroom.comments.publishing import feeds, record, regions
from newsroom.comments.publishing.fragments import (
    DRAWN,
    FEED,
    JSON,
    KINDS,
    Article,
    Site,
    absolute,
    json_ld_script,
    plain_text,
)
from newsroom.comments.publishing.fragments import Thread as Shown
from newsroom.comments.store.clock import now
from newsroom.site import jsonld
from newsroom.site.articles import save_as as kept_save_as
from newsroom.site.fingerprints import Fingerprints, hash_bytes
from newsroom.site.page_writer import Made, PageWriter

logger = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REGIONS = "newsroom_regions"  # the build's Regions, in Pelican's context
# PostgreSQL stamps a change with its transaction's start: a change that committed after
# the build read the store may carry an earlier time, by as long as its transaction took.
CLOCK_SLACK = timedelta(seconds=30)


def load_approved(database_url: str) -> list[PublishedComment]:
    """Every approved comment in one query; none when no store is there to read."""
    if not _has_store(database_url):
        logger.info("No comment store at %s: building without comments", database_url)
        return []
    from newsroom.comments.store import open_store  # no store is opened unless one is set

    store = open_store(database_url)
    try:
        store.migrate()  # an empty database is an empty store: give it its tables
        return store.published()
    finally:
        store.close()


def publish_what_changed_since(database_url: str, moment: datetime) -> None:
    """Mark again the threads changed since the build read the store: a publish made
    meanwhile wrote pages this build then wrote over (the publish job redoes them)."""
    if not _has_store(database_url):
        return
    from newsroom.comments.store import open_store

    store = open_store(database_url)
    try:
        marked = store.want_changed_since(moment - CLOCK_SLACK)
    except Exception as exc:  # a read-only store, say: the build itself is done
        logger.warning("Not marked what changed while building (%s): newsroom publish --since", exc)
        return
    finally:
        store.close()
    if marked:
        logger.info("%d threads changed while building: the publish job publishes them", marked)


def _has_store(database_url: str) -> bool:
    if not database_url:
        return False
    return not database_url.startswith("sqlite:///") or _sqlite_exists(database_url)


def _sqlite_exists(database_url: str) -> bool:
    return os.path.exists(database_url.removeprefix("sqlite:///"))


def depth(settings: dict) -> int:
    """``NEWSROOM_COMMENTS_DEPTH``: how deep replies nest."""
    value = settings.get("NEWSROOM_COMMENTS_DEPTH", tree.DEFAULT_DEPTH)
    if not isinstance(value, int) or value < 1:
        logger.error("NEWSROOM_COMMENTS_DEPTH must be a whole number from 1; using 3")
        return tree.DEFAULT_DEPTH
    return value


def attach(articles: Iterable, approved: list[PublishedComment], max_depth: int) -> None:
    """Give every article ``comments`` (trees of CommentNode) and ``comment_count``."""
    threads = tree.by_thread(approved, max_depth)
    for article in articles:
        article.comments = threads.get(article.slug, [])
        article.comment_count = tree.count(article.comments)


class Regions:
    """One build's comment regions: drawn for the templates, and noted page by page."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.site = site(settings, EPOCH)
        self.pages: defaultdict[str, set[str]] = defaultdict(set)  # slug -> pages
        self.articles: dict[str, Article] = {}
        self._drawn: set[str] = set()  # slugs drawn into the page being rendered
        self.read_at = EPOCH  # when the build read the store

    def reading(self) -> None:
        """The build reads the store now: what changes after is published again."""
        self.read_at = now()

    # A page observer (site/page_writer.py): the regions drawn since the last page are in
    # the page just written. (A macro imported without context cannot tell a region which
    # page it is in.)
    note_key = "comment_regions"

    def page_written(self, page: str) -> tuple[str, ...]:
        """In the process that drew the page: the threads whose regions it holds."""
        drawn = tuple(sorted(self._drawn))
        self._drawn.clear()
        return drawn

    def page_kept(self, page: str, slugs: tuple[str, ...] | None) -> None:
        """In the build's process, for every page, drawn now or kept from the last build."""
        for slug in slugs or ():
            self.pages[slug].add(page)

    def article(self, article) -> Article:
        """What the regions show of a Pelican article (worked out once: its url is not)."""
        found = self.articles.get(article.slug)
        if found is None:
            found = self.articles[article.slug] = shown_of(article)
        return found

    def published_json(self, article) -> str:
        """Where the article's comments.json is, from the site's root ("" without one)."""
        return self.article(article).beside(JSON) if self.site.json else ""

    def region(self, kind: str, article) -> Markup:
        """``comment_region(kind, article)`` in a template (kinds: fragments.KINDS)."""
        if kind not in KINDS:
            raise ValueError(f"comment_region: no kind {kind!r} (kinds: {', '.join(KINDS)})")
        shown = self.article(article)
        self._drawn.add(shown.slug)
        if kind == "jsonld":
            html = json_ld_script(jsonld.news_article(article, self.settings))
        else:
            thread = Shown(article.comments, article.comment_count)
            html = DRAWN[kind](self.site, shown, thread)
        return Markup(regions.wrap(kind, shown.slug, html))


def shown_of(article) -> Article:
    """What the comment parts show of a Pelican article."""
    return Article(
        slug=article.slug,
        title=article.title,
        url=article.url,
        save_as=kept_save_as(article),
        lang=article.lang,
        date_format=article.date_format,
    )


def site(settings: dict, newest: datetime) -> Site:
    siteurl = settings.get("SITEURL", "")
    return Site(
        siteurl=siteurl,
        feed_domain=settings.get("FEED_DOMAIN") or siteurl,
        name=settings.get("SITENAME", ""),
        lang=settings.get("DEFAULT_LANG", "en"),
        api=settings.get("NEWSROOM_COMMENTS_API", "/api/comments"),
        depth=depth(settings),
        newest=newest,
        json=bool(settings.get("NEWSROOM_PUBLISHED_JSON", True)),
    )


def add_to_templates(env: jinja2.Environment, drawn: Regions) -> None:
    """``comment_region``, ``published_json``, ``COMMENTS_FEED``, and the comment form the
    service also renders (``newsroom/comment_form.html``, with the field declaration it is
    drawn from)."""
    env.globals["comment_region"] = drawn.region
    env.globals["published_json"] = drawn.published_json
    env.globals["COMMENTS_FEED"] = feeds.SITE_FEED
    form = jinja2.PrefixLoader({"newsroom": jinja2.FileSystemLoader(FORM_TEMPLATES)})
    env.loader = jinja2.ChoiceLoader([env.loader, form]) if env.loader else form
    env.globals["comment_fields"] = POSTED


def write_files(
    articles: list, drawn: Regions, writer: PageWriter, fingerprints: Fingerprints
) -> int:
    """Each article's comment feed (when it has comments) and JSON, the site's feed, and
    the build's record, through the writer: a file made from articles that did not
    change (their fingerprints, comments included) is not made again, and a file is
    written only when its bytes changed. How many were written."""
    settings = drawn.settings
    newest = max((a.date for a in articles), default=EPOCH)
    the_site = site(settings, newest)
    remembered = writer.remembered("comment-articles")
    made: list[Made] = []
    every: list[PublishedComment] = []
    shown_articles: dict[str, Article] = {}
    keys: dict[str, bytes] = {}
    for article in articles:
        fingerprint = fingerprints.value(article)
        # Made from the article itself, not found by its slug: a draft may share it.
        shown = remembered.get(fingerprint, partial(shown_of, article))
        shown_articles[shown.slug] = shown
        keys[shown.slug] = key = hash_bytes(fingerprints.site, fingerprint)
        comments = _comments(article)
        every += comments
        if comments:  # no comment, no feed
            feed = partial(_article_feed, the_site, shown, comments)
            made.append(Made(shown.beside(FEED), key, feed))
        if the_site.json:
            made.append(Made(shown.beside(JSON), key, partial(thread_json, shown.slug, comments)))
    latest = feeds.latest(every)
    files = {feeds.SITE_FEED: feeds.site_feed(the_site, latest, shown_articles).encode()}
    if settings.get("RELATIVE_URLS"):
        logger.error(
            "RELATIVE_URLS is on: comments are published by full builds only (a publish "
            "draws pages with the one SITEURL)"
        )
    else:
        files[record.SITE] = record.head_file(the_site, settings.get("NEWSROOM_SETTINGS_FILE", ""))
        files[record.LATEST] = record.latest_file(shown_articles[c.thread] for c in latest)
        made += _record_shards(shown_articles.values(), keys, drawn)
    return writer.write_made(made) + writer.write_all(files)


def _comments(article) -> list[PublishedComment]:
    """An article's published comments, oldest first."""
    if not article.comments:
        return []
    return sorted((node.comment for node in tree.flatten(article.comments)), key=_age)


def _record_shards(shown: Iterable[Article], keys: dict[str, bytes], drawn: Regions) -> list[Made]:
    """The record's shards, each keyed by its articles and the pages that show them."""
    shards: defaultdict[str, list[record.Entry]] = defaultdict(list)
    for article in shown:
        shards[record.shard(article.slug)].append(
            record.Entry(article, tuple(sorted(drawn.pages[article.slug])))
        )
    made = []
    for path, entries in sorted(shards.items()):
        parts = []
        for entry in entries:
            parts += [keys[entry.article.slug], "\1".join(entry.pages).encode()]
        made.append(Made(path, hash_bytes(*parts), partial(record.shard_file, entries)))
    return made


def _article_feed(the_site: Site, shown: Article, comments: list[PublishedComment]) -> bytes:
    return (feeds.article_feed(the_site, shown, comments) or "").encode()


def _age(comment: PublishedComment) -> tuple[datetime, int]:
    return comment.created, comment.id


def write_manifest(
    articles: list, settings: dict, writer: PageWriter, fingerprints: Fingerprints
) -> str:
    """``threads.json``, made again only when an article changed (or the settings, or
    the file since the last build), from the entries of the articles that did not
    change as the last build made them."""
    output_path, siteurl = settings["OUTPUT_PATH"], settings.get("SITEURL", "")
    sitename = settings.get("SITENAME", "")
    keys = [fingerprints.value(a) for a in articles]
    key = hash_bytes(fingerprints.site, *keys)  # the settings are in the site's digest
    if writer.unchanged(manifest.FILENAME, key):
        return os.path.join(output_path, manifest.FILENAME)
    remembered = writer.remembered("threads")
    entries = (
        remembered.get(article_key, partial(_manifest_entry, article, siteurl))
        for article_key, article in zip(keys, articles, strict=True)
    )
    path = manifest.write_entries(output_path, entries, siteurl, plain_text(sitename))
    writer.made(manifest.FILENAME, key)
    return path


def _manifest_entry(article, siteurl: str) -> str:
    return manifest.entry_json(thread(article, siteurl))


def thread(article, siteurl: str) -> Thread:
    url = article.url  # Pelican computes it anew on every access
    return Thread(
        slug=article.slug,
        title=plain_text(article.title),
        url=url,
        permalink=absolute(siteurl, url),
        published=article.date,
        modified=getattr(article, "modified", article.date),
        lang=article.lang,
    )
