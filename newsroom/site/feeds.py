"""Corrections and the source footer in each article's feed entry."""

from __future__ import annotations

import html

from newsroom.site.jsonld import absolute


def notes_html(article, heading: str) -> str:
    """The corrections and source of an article, as HTML for a feed entry's content."""
    parts = []
    if article.corrections:
        items = "".join(
            f"<li>{_date_prefix(c)}{html.escape(c.text, quote=False)}</li>"
            for c in article.corrections
        )
        parts.append(f"<h2>{html.escape(heading)}</h2><ul>{items}</ul>")
    if article.source is not None:
        parts.append(f"<p>Source: {source_html(article.source)}</p>")
    return "".join(parts)


def source_html(source) -> str:
    name = html.escape(source.name, quote=False)
    if not source.url:
        return name
    return f'<a href="{html.escape(source.url)}">{name}</a>'


CACHE_KEY = "newsroom_feed_links"  # in the build's context: one build, one map


def add_notes(feed, articles, context: dict, heading: str) -> None:
    """Append each article's notes to its entry (Pelican's ``feed_generated``, once per
    feed). Articles are found by their link, mapped once a build: Pelican computes an
    article's URL anew on every access, and a site has a feed per category, tag, author."""
    siteurl = context.get("SITEURL", "")
    cached = context.get(CACHE_KEY)
    if cached is None or cached[0] is not articles:
        cached = context[CACHE_KEY] = (articles, {absolute(siteurl, a.url): a for a in articles})
    by_link = cached[1]
    for item in feed.items:
        article = by_link.get(item["link"].removesuffix("?ref=feed"))
        notes = notes_html(article, heading) if article is not None else ""
        if not notes:
            continue
        key = "content" if item.get("content") is not None else "description"
        item[key] = (item[key] or "") + notes


def _date_prefix(correction) -> str:
    if correction.date is None:
        return ""
    return f'<time datetime="{correction.date.isoformat()}">{correction.date:%Y-%m-%d}</time>: '
