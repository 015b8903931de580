"""The thread manifest: which articles take comments, for the comment service.

Written to ``output/threads.json`` on every build; the service re-reads it when it
changes. The format is in docs/comments.md.
"""

from __future__ import annotations

import json
import os

from markupsafe import Markup

from newsroom.site.jsonld import absolute

FILENAME = "threads.json"
VERSION = 1


def manifest(articles, siteurl: str) -> dict:
    return {
        "version": VERSION,
        "site_url": siteurl,
        "threads": {a.slug: _thread(a, siteurl) for a in articles},
    }


def _thread(article, siteurl: str) -> dict:
    url = article.url  # Pelican computes it anew on every access
    return {
        "title": Markup(article.title).striptags(),
        "url": url,
        "permalink": absolute(siteurl, url),
        "published": article.date.isoformat(),
        "modified": getattr(article, "modified", article.date).isoformat(),
        "lang": article.lang,
    }


def write(output_path: str, articles, siteurl: str) -> str:
    path = os.path.join(output_path, FILENAME)
    os.makedirs(output_path, exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(manifest(articles, siteurl), handle, ensure_ascii=False, indent=1)
    os.replace(temporary, path)  # the service never reads a half-written file
    return path
