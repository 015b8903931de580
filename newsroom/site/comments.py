"""What the comments plugin does to a build: approved comments onto articles, and the
thread manifest that tells the service which articles take comments."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

import jinja2

from newsroom.comments import FORM_TEMPLATES, manifest, tree
from newsroom.comments.manifest import Thread
from newsroom.comments.model import POSTED, PublishedComment
from newsroom.site.jsonld import absolute, plain_text

logger = logging.getLogger(__name__)


def load_approved(database_url: str) -> list[PublishedComment]:
    """Every approved comment in one query; none when no store is there to read."""
    if not database_url:
        return []
    if database_url.startswith("sqlite:///") and not _sqlite_exists(database_url):
        logger.info("No comment store at %s: building without comments", database_url)
        return []
    from newsroom.comments.store import open_store  # no store is opened unless one is set

    store = open_store(database_url)
    try:
        store.migrate()  # an empty database is an empty store: give it its tables
        return store.published()
    finally:
        store.close()


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


def write_manifest(output_path: str, articles: Iterable, siteurl: str, sitename: str) -> str:
    threads = (thread(a, siteurl) for a in articles)
    return manifest.write(output_path, threads, siteurl, plain_text(sitename))


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


def add_form_template(env: jinja2.Environment) -> None:
    """The comment form the service also renders, as ``newsroom/comment_form.html``,
    with the field declaration it is drawn from."""
    form = jinja2.PrefixLoader({"newsroom": jinja2.FileSystemLoader(FORM_TEMPLATES)})
    env.loader = jinja2.ChoiceLoader([env.loader, form]) if env.loader else form
    env.globals["comment_fields"] = POSTED
