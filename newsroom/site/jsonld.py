"""schema.org NewsArticle data for an article page, as a <script> body."""

from __future__ import annotations

import json
from urllib.parse import urljoin

from markupsafe import Markup

from newsroom.comments.tree import flatten


def absolute(siteurl: str, path: str) -> str:
    return urljoin(siteurl.rstrip("/") + "/", path) if siteurl else "/" + path.lstrip("/")


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
    if threads is not None:
        nodes = flatten(threads)
        data["commentCount"] = len(nodes)
        if nodes:
            data["comment"] = comments(nodes, url, data["publisher"])
    return data


def plain_text(html: str) -> str:
    """HTML as the text it shows: tags dropped, entities decoded."""
    return Markup(html).striptags()


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


def script_json(data: dict) -> str:
    """JSON that is safe to put between <script type="application/ld+json"> tags.

    Compact, so that json uses its C encoder; <, > and & are escaped so that no text can
    end the script element or open a comment inside it.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def comments(nodes, article_url: str, organisation: dict | None = None) -> list[dict]:
    """schema.org Comment entries for the published comments, replies pointing at parents;
    the newsroom's own replies are the organisation's."""
    entries = []
    for node in nodes:
        comment = node.comment
        entry = {
            "@type": "Comment",
            "@id": f"{article_url}#comment-{comment.id}",
            "url": f"{article_url}#comment-{comment.id}",
            "author": (
                organisation
                if comment.staff and organisation
                else {"@type": "Person", "name": comment.author}
            ),
            "dateCreated": comment.created.isoformat(),
            "text": comment.body,  # as written: plain text with light Markdown
        }
        if comment.parent:
            entry["parentItem"] = {"@id": f"{article_url}#comment-{comment.parent}"}
        entries.append(entry)
    return entries
