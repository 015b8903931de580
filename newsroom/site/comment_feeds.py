"""Atom feeds of readers' comments: one beside each article that has comments, and one
of the latest comments across the site, as Isso and Remark42 offer.

An entry is a published comment as its page shows it: the author's name (the site's
for the newsroom's own replies), the sanitised text, a link to it on the page. No e-mail
or address is ever in a feed. Entries are ordered and identified the same way in every
build, so that the same comments make the same bytes.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from datetime import UTC, datetime

from feedgenerator import Atom1Feed, get_tag_uri

from newsroom.comments.tree import flatten
from newsroom.site.jsonld import absolute, plain_text

SITE_FEED = "feeds/comments.atom.xml"
ARTICLE_FEED = "comments.atom.xml"  # beside the article's page
LATEST = 50  # entries of the site-wide feed
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def article_feed(article) -> str:
    """Where an article's comment feed is, from the site's root (beside its page)."""
    return posixpath.join(posixpath.dirname(article.save_as), ARTICLE_FEED)


def write(output_path: str, articles: Iterable, settings: dict) -> list[str]:
    """Every article's feed (those with comments) and the site's; the paths written."""
    domain = settings.get("FEED_DOMAIN") or settings.get("SITEURL", "")
    site_name = plain_text(settings.get("SITENAME", ""))
    written = []
    latest = []
    newest = EPOCH  # the newest article's date: an empty site feed's <updated>
    for article in articles:
        newest = max(newest, article.date)
        entries = [(node.comment, article) for node in flatten(getattr(article, "comments", []))]
        latest.extend(entries)
        if entries:
            title = f"Comments on “{plain_text(article.title)}”"
            path = article_feed(article)
            feed = _feed(
                title, absolute(domain, article.url), absolute(domain, path), article.lang, newest
            )
            for comment, _ in sorted(entries, key=_newest_first):
                _add(feed, comment, article, domain, site_name)
            written.append(_write(feed, output_path, path))
    latest.sort(key=_newest_first)
    feed = _feed(
        f"{site_name}: latest comments",
        absolute(domain, ""),
        absolute(domain, SITE_FEED),
        settings.get("DEFAULT_LANG", "en"),
        newest,
    )
    for comment, article in latest[:LATEST]:
        _add(feed, comment, article, domain, site_name)
    written.append(_write(feed, output_path, SITE_FEED))
    return written


def _newest_first(entry) -> tuple:
    comment, _ = entry
    return (-comment.created.timestamp(), -comment.id)


class _Feed(Atom1Feed):
    """An Atom feed whose <updated>, with no entry, is a date of the content (the
    library would write the build's time, and two builds would differ)."""

    def __init__(self, *args, quiet_since: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.quiet_since = quiet_since

    def latest_post_date(self) -> datetime:
        return super().latest_post_date() if self.items else self.quiet_since


def _feed(title: str, link: str, feed_url: str, language: str, since: datetime) -> _Feed:
    return _Feed(
        title=title,
        link=link,
        feed_url=feed_url,
        description="",
        language=language,
        quiet_since=since,
    )


def _add(feed: Atom1Feed, comment, article, domain: str, site_name: str) -> None:
    author = (site_name or "Newsroom") if comment.staff else comment.author
    link = absolute(domain, f"{article.url}#comment-{comment.id}")
    feed.add_item(
        title=f"{author} on “{plain_text(article.title)}”",
        link=link,
        unique_id=get_tag_uri(link, comment.created),
        description=comment.body_html,
        author_name=author,
        pubdate=comment.created,
        updateddate=comment.created,
    )


def _write(feed: Atom1Feed, output_path: str, path: str) -> str:
    target = os.path.join(output_path, *path.split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as file:
        feed.write(file, "utf-8")
    return target
