"""Atom feeds of readers' comments: one beside each article that has comments, and one
of the latest comments across the site, as Isso and Remark42 offer.

An entry is a published comment as its page shows it: the author's name (the site's
for the newsroom's own replies), the sanitised text, a link to it on the page. No e-mail
or address is ever in a feed. Entries are ordered and identified the same way in every
build, so that the same comments make the same bytes.
"""

from __future__ import annotations

import heapq
import os
import posixpath
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from operator import attrgetter

from newsroom.comments.tree import flatten
from newsroom.site.jsonld import absolute, plain_text

SITE_FEED = "feeds/comments.atom.xml"
ARTICLE_FEED = "comments.atom.xml"  # beside the article's page
LATEST = 50  # entries of the site's feed, the newest
ARTICLE_LATEST = 20  # of an article's: a reader follows a conversation, not its archive
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEWEST = attrgetter("created", "id")  # with nlargest: newest first, ties by the later id


def article_feed(article) -> str:
    """Where an article's comment feed is, from the site's root (beside its page)."""
    return posixpath.join(posixpath.dirname(article.save_as), ARTICLE_FEED)


def write(output_path: str, articles: Iterable, settings: dict) -> list[str]:
    """Every article's feed (those with comments) and the site's; the paths written."""
    domain = settings.get("FEED_DOMAIN") or settings.get("SITEURL", "")
    site_name = plain_text(settings.get("SITENAME", ""))
    written = []
    by_slug = {}
    every = []
    newest = EPOCH  # the newest article's date: the <updated> of a site with no comment
    for article in articles:
        newest = max(newest, article.date)
        shown = [node.comment for node in flatten(getattr(article, "comments", []))]
        if not shown:
            continue
        by_slug[article.slug] = article
        every.extend(shown)
        shown.sort(key=NEWEST, reverse=True)
        del shown[ARTICLE_LATEST:]
        path = article_feed(article)
        title = f"Comments on “{plain_text(article.title)}”"
        link, feed_url = absolute(domain, article.url), absolute(domain, path)
        feed = _feed(title, link, feed_url, article.lang, shown[0].created)
        page = _page(article, domain)
        for comment in shown:
            _add(feed, comment, page, site_name)
        written.append(_write(feed, output_path, path))
    latest = heapq.nlargest(LATEST, every, key=NEWEST)
    feed = _feed(
        f"{site_name}: latest comments",
        absolute(domain, ""),
        absolute(domain, SITE_FEED),
        settings.get("DEFAULT_LANG", "en"),
        latest[0].created if latest else newest,  # quiet: the content's date, not now
    )
    for comment in latest:
        _add(feed, comment, _page(by_slug[comment.thread], domain), site_name)
    written.append(_write(feed, output_path, SITE_FEED))
    return written


def _feed(title: str, link: str, feed_url: str, language: str, updated: datetime) -> list[str]:
    """The feed's head, as a list the entries are added to (strings: a build writes
    tens of thousands of entries, and feedgenerator took 60 µs for each)."""
    return [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{escape(language)}">'
        f"<title>{escape(title)}</title>"
        f'<link href="{escape(link)}" rel="alternate"/>'
        f'<link href="{escape(feed_url)}" rel="self"/>'
        f"<id>{escape(feed_url)}</id><updated>{_time(updated)}</updated>"
    ]


def _add(feed: list[str], comment, page: tuple[str, str], site_name: str) -> None:
    """``page``: the article's escaped title and address (worked out once an article)."""
    title, url = page
    author = escape((site_name or "Newsroom") if comment.staff else comment.author)
    when = _time(comment.created)
    link = f"{url}#comment-{comment.id}"
    feed.append(
        f'<entry><title>{author} on “{title}”</title><link href="{link}" rel="alternate"/>'
        f"<published>{when}</published><updated>{when}</updated>"
        f"<author><name>{author}</name></author><id>{link}</id>"
        f'<summary type="html">{escape(comment.body_html)}</summary></entry>'
    )


def _page(article, domain: str) -> tuple[str, str]:
    return escape(plain_text(article.title)), escape(absolute(domain, article.url))


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _write(feed: list[str], output_path: str, path: str) -> str:
    target = os.path.join(output_path, *path.split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as file:
        file.write("".join(feed) + "</feed>\n")
    return target
