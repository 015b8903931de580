"""Atom feeds of readers' comments: one beside each article that has comments, and one
of the latest comments across the site, as Isso and Remark42 offer.

An entry is a published comment as its page shows it: the author's name (the site's
for the newsroom's own replies), the sanitised text, a link to it on the page. No e-mail
or address is ever in a feed. Entries are ordered and identified the same way in every
build and publish, so that the same comments make the same bytes.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html import escape
from operator import attrgetter

from newsroom.comments.model import PublishedComment
from newsroom.comments.publishing.fragments import FEED, Article, Site, absolute, plain_text

SITE_FEED = "feeds/comments.atom.xml"
LATEST = 50  # entries of the site's feed, the newest
ARTICLE_LATEST = 20  # of an article's: a reader follows a conversation, not its archive
NEWEST = attrgetter("created", "id")  # newest first, ties by the later id


def article_feed(site: Site, article: Article, comments: Iterable[PublishedComment]) -> str | None:
    """The article's feed, or None while it has no comment (then there is no file)."""
    shown = heapq.nlargest(ARTICLE_LATEST, comments, key=NEWEST)
    if not shown:
        return None
    domain = _domain(site)
    title = f"Comments on “{plain_text(article.title)}”"
    link, feed_url = absolute(domain, article.url), absolute(domain, article.beside(FEED))
    feed = _feed(title, link, feed_url, article.lang, shown[0].created)
    page = _page(article, domain)
    site_name = plain_text(site.name)
    for comment in shown:
        _add(feed, comment, page, site_name)
    return "".join(feed) + "</feed>\n"


def latest(comments: Iterable[PublishedComment]) -> list[PublishedComment]:
    """The site feed's comments, of those given: the newest LATEST."""
    return heapq.nlargest(LATEST, comments, key=NEWEST)


def site_feed(site: Site, newest: list[PublishedComment], articles: Mapping[str, Article]) -> str:
    """The site's feed of its latest comments (``newest``: from ``latest``, each of an
    article in ``articles``)."""
    domain = _domain(site)
    site_name = plain_text(site.name)
    feed = _feed(
        f"{site_name}: latest comments",
        absolute(domain, ""),
        absolute(domain, SITE_FEED),
        site.lang,
        newest[0].created if newest else site.newest,  # quiet: the content's date, not now
    )
    for comment in newest:
        _add(feed, comment, _page(articles[comment.thread], domain), site_name)
    return "".join(feed) + "</feed>\n"


def _domain(site: Site) -> str:
    return site.feed_domain or site.siteurl


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


def _add(feed: list[str], comment: PublishedComment, page: tuple[str, str], site_name: str) -> None:
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


def _page(article: Article, domain: str) -> tuple[str, str]:
    return escape(plain_text(article.title)), escape(absolute(domain, article.url))


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
