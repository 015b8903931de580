"""What the plugins add to Pelican's articles: corrections, source, and unique slugs."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from functools import partial
from itertools import chain

from pelican.utils import slugify

from newsroom.articles import corrections, sources
from newsroom.site import fingerprints

logger = logging.getLogger(__name__)


def prepare(content) -> None:
    """Give an article or page ``corrections``, ``source`` and a ``modified`` that counts them.

    Runs when an article is read (Pelican's ``content_object_init``); the article cache
    keeps what it set.
    """
    metadata = content.metadata
    try:
        found = metadata.get("corrections") or corrections.from_metadata(metadata.get("correction"))
    except ValueError as exc:
        logger.error("%s: %s", content.source_path, exc)
        found = []
    content.corrections = corrections.with_timezone(found, content.timezone)
    content.source = sources.parse(metadata.get("source"))
    latest = corrections.latest_date(content.corrections)
    if latest is not None and hasattr(content, "date"):
        current = getattr(content, "modified", content.date)
        if latest > current:
            content.modified = latest
            content.locale_modified = latest.strftime(content.date_format)


def keep_urls(generator) -> None:
    """Work each article's URL out once, now that its slug is final.

    Pelican formats ``url`` and ``save_as`` from its settings on every access (the page,
    every listing, feed and sitemap entry showing it: a fifth of a build's time at 5,000
    articles), and works the file's path out anew each time, most of that cost. An
    ``override_url`` is what ``url`` returns instead, as for a ``URL:`` metadata; the path
    is the one Pelican worked out when it made the article (``relative_source_path``).
    The upstream fix: ``url_format`` taking ``self.relative_source_path``. An article
    from the article cache brings the URL worked out when it was read
    (``remember_as_read``), taken while its slug, status and language are the same.
    """
    for article in chain(
        generator.articles,
        generator.translations,
        generator.drafts,
        generator.drafts_translations,
        generator.hidden_articles,
        generator.hidden_translations,
    ):
        keep_relative_path(article)
        read: tuple = getattr(article, "newsroom_read_url", ())
        same = read[:-2] == _url_depends_on(article)
        if not hasattr(article, "override_url"):
            article.override_url = read[-2] if same else article.url
        # Ours only (Pelican's writer takes an override_save_as as leave to overwrite).
        article.newsroom_save_as = read[-1] if same else article.save_as


def keep_page_urls(generator) -> None:
    """The pages' URLs, worked out once too: every page's menu shows them."""
    for page in chain(
        generator.pages,
        generator.translations,
        generator.hidden_pages,
        generator.hidden_translations,
        generator.draft_pages,
        generator.draft_translations,
    ):
        keep_relative_path(page)
        if not hasattr(page, "override_url"):
            page.override_url = page.url


def save_as(content) -> str:
    """Where an article is written, as worked out once (``keep_urls``)."""
    kept = getattr(content, "newsroom_save_as", None)
    return content.save_as if kept is None else kept


def remember_as_read(article) -> None:
    """When an article is read (and cached): its URL and file, kept while what they depend on do
    not change (its slug may, in ``make_slugs_unique``), its links to static files
    (``add_static_links``: a regex over its text), whether it has ``{attach}`` links
    (``attach_now``) and whether it may have intrasite links (its fingerprint)."""
    keep_relative_path(article)
    article.newsroom_read_url = (*_url_depends_on(article), article.url, article.save_as)
    article.newsroom_static_links = frozenset(article.get_static_links())
    article.newsroom_attaches = "{attach}" in (article._content or "")
    article.newsroom_links_marked = fingerprints.links_marked(article)


def _url_depends_on(article) -> tuple:
    """What an article's URL is made of besides its file and the settings (the metadata,
    ARTICLE_URL; the article cache is dropped when they change)."""
    return (article.slug, article.status, getattr(article, "lang", ""), article.in_default_lang)


def attach_now(generators) -> None:
    """``all_generators_finalized``: ``{attach}`` links resolved in the build's own
    process. Resolving one moves the static file beside the article; done while a page is
    drawn, in a worker or not at all (a page kept as it was), the move would be lost."""
    for generator in generators:
        for content in chain(getattr(generator, "articles", ()), getattr(generator, "pages", ())):
            if _attaches(content) or "{attach}" in str(content.metadata.get("summary") or ""):
                content.content  # noqa: B018 (resolving is what reading it does)
                content.summary  # noqa: B018


def _attaches(content) -> bool:
    found = getattr(content, "newsroom_attaches", None)  # as read: 6 µs an article less
    return "{attach}" in (content._content or "") if found is None else found


def keep_relative_path(article) -> None:
    """The article's file's path from the content folder, as worked out when it was made
    (once: the article cache did it for the articles it holds)."""
    if "get_relative_source_path" in vars(article):
        return
    if getattr(article, "relative_source_path", None) is not None:
        article.get_relative_source_path = partial(_relative_path, article)


def _relative_path(article, source_path: str | None = None) -> str | None:
    if source_path is None or source_path == article.source_path:
        return article.relative_source_path
    return type(article).get_relative_source_path(article, source_path)


def newest_first(article) -> tuple:
    """ARTICLE_ORDER_BY: newest first, every tie broken the same way in every build.

    Pelican finds its files as a set, whose order changes from run to run; with a date
    alone, articles of the same second (seeds copied together) would swap places between
    two builds of the same seeds, and every listing, feed and sitemap with them.
    """
    return (-article.date.timestamp(), article.slug, article.source_path or "")


def make_slugs_unique(articles, settings) -> None:
    """Two articles with one slug would overwrite each other's page.

    The earliest (then the first by file name) keeps the slug; the others add their file
    name, which stays the same from build to build.
    """
    by_slug = defaultdict(list)
    for article in articles:
        by_slug[article.slug].append(article)
    for slug, group in by_slug.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda a: (a.date, a.source_path))
        for article in group[1:]:
            stem = os.path.splitext(os.path.basename(article.source_path))[0]
            suffix = slugify(stem, regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"])
            article.slug = f"{slug}-{suffix}"
            logger.warning(
                "%s: slug %r is taken by %s; using %r",
                article.source_path,
                slug,
                group[0].source_path,
                article.slug,
            )


def corrections_log(articles) -> list[tuple]:
    """Every correction on the site as (correction, article), newest first."""
    entries = [(c, a) for a in articles for c in a.corrections]
    entries.sort(key=_correction_time, reverse=True)
    return entries


def _correction_time(entry: tuple):
    correction, article = entry
    return correction.date or article.date  # undated: known only to follow publication
