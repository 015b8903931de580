"""schema.org NewsArticle data for an article page, as a <script> body."""

from __future__ import annotations

import json
from urllib.parse import urljoin

# Characters that could end a <script> element or start an HTML comment inside it.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def absolute(siteurl: str, path: str) -> str:
    return urljoin(siteurl.rstrip("/") + "/", path) if siteurl else "/" + path.lstrip("/")


def news_article(article, settings: dict, comments: list | None = None) -> dict:
    siteurl = settings.get("SITEURL", "")
    url = absolute(siteurl, article.url)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
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
    if comments is not None:
        data["commentCount"] = len(comments)
        data["comment"] = comments
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


def script_json(data: dict) -> str:
    """JSON that is safe to put between <script type="application/ld+json"> tags."""
    return json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_SAFE)
