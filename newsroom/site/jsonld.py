"""schema.org NewsArticle data for an article page, as a <script> body."""

from __future__ import annotations

from newsroom.comments.publishing.fragments import (
    absolute,
    plain_text,
    script_json,
    with_comments,
)

__all__ = ["absolute", "news_article", "plain_text", "publisher", "script_json"]


def news_article(article, settings: dict) -> dict:
    siteurl = settings.get("SITEURL", "")
    url = absolute(siteurl, article.url)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        # Pelican's titles are HTML (a seed's headline is escaped into one): the data
        # carries the plain text, or search engines show "&lt;b&gt;" literally.
        "headline": plain_text(article.title),
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": article.date.isoformat(),
        "dateModified": getattr(article, "modified", article.date).isoformat(),
        "inLanguage": article.lang,
        "author": [{"@type": "Person", "name": a.name} for a in getattr(article, "authors", [])],
        "publisher": publisher(settings),
    }
    if getattr(article, "category", None):
        data["articleSection"] = article.category.name
    if getattr(article, "tags", None):
        data["keywords"] = [tag.name for tag in article.tags]
    if article.corrections:
        data["correction"] = [correction_comment(c) for c in article.corrections]
    source = article.source
    if source is not None and source.url:
        data["isBasedOn"] = source.url
    if source is not None:
        data["citation"] = {"@type": "CreativeWork", "name": source.name}
        if source.url:
            data["citation"]["url"] = source.url
    threads = getattr(article, "comments", None)  # set by the comments plugin
    if threads is not None:  # last: a publish redraws them (fragments.json_ld)
        with_comments(data, threads)
    return data


def publisher(settings: dict) -> dict:
    siteurl = settings.get("SITEURL", "")
    data = {
        "@type": "NewsMediaOrganization",
        "name": settings.get("SITENAME", ""),
        "url": absolute(siteurl, ""),
    }
    policy = settings.get("NEWSROOM_CORRECTIONS_POLICY_URL")
    if policy:
        data["correctionsPolicy"] = absolute(siteurl, policy)
    return data


def correction_comment(correction) -> dict:
    data = {"@type": "CorrectionComment", "text": correction.text}
    if correction.date is not None:
        data["datePublished"] = correction.date.isoformat()
    return data
