"""Corrections and the source footer at the end of each article's feed entry."""

from __future__ import annotations

from newsroom.site.jsonld import absolute
from newsroom.site.notices import notes_html

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
