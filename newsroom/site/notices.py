"""An article's correction notices and source footer as HTML: the article page, the
corrections page and the feed entry all show them from here, so they read the same."""

from __future__ import annotations

import html

from newsroom.articles.corrections import Correction
from newsroom.articles.sources import Source


def correction_html(correction: Correction, date_format: str) -> str:
    """``<time>date</time>: text`` (the date where known), escaped."""
    text = html.escape(correction.text, quote=False)
    if correction.date is None:
        return text
    when = correction.date
    return f'<time datetime="{when.isoformat()}">{when.strftime(date_format)}</time>: {text}'


def source_html(source: Source) -> str:
    name = html.escape(source.name, quote=False)
    if not source.url:
        return name
    return f'<a href="{html.escape(source.url)}">{name}</a>'


def notes_html(article, heading: str) -> str:
    """The corrections and source of an article, for the end of its feed entry."""
    parts = []
    if article.corrections:
        items = "".join(
            f"<li>{correction_html(c, article.date_format)}</li>" for c in article.corrections
        )
        parts.append(f"<h2>{html.escape(heading)}</h2><ul>{items}</ul>")
    if article.source is not None:
        parts.append(f"<p>Source: {source_html(article.source)}</p>")
    return "".join(parts)
