"""A comment's text as safe HTML: a small Markdown subset, then an allowlist sanitiser.

The text is kept as written; this runs once, when the comment is stored. Markdown's raw
HTML is escaped rather than passed through, and nh3 (ammonia) removes anything outside
the allowlist that Markdown might still produce.
"""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "code", "pre", "blockquote", "ul", "ol", "li"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_REL = "nofollow ugc noopener"
URL_SCHEMES = {"http", "https", "mailto"}

# Markdown features a comment does not need: headings, images, rules, reference links,
# <address> mail links. Each inline pattern left is one more search of every text.
_BLOCK_PROCESSORS_OFF = ("hashheader", "setextheader", "hr", "reference")
_INLINE_PATTERNS_OFF = (
    "image_link",
    "image_reference",
    "short_image_ref",
    "html",
    "entity",
    "reference",
    "short_reference",
    "automail",
)


def _renderer() -> markdown.Markdown:
    renderer = markdown.Markdown(extensions=["nl2br", "fenced_code"], output_format="html")
    for name in _BLOCK_PROCESSORS_OFF:
        renderer.parser.blockprocessors.deregister(name, strict=False)
    for name in _INLINE_PATTERNS_OFF:
        renderer.inlinePatterns.deregister(name, strict=False)
    renderer.preprocessors.deregister("html_block", strict=False)
    return renderer


_MARKDOWN = _renderer()
_HREFLESS_LINK = re.compile(rf'<a rel="{LINK_REL}">(.*?)</a>', re.S)


def _only_allowed(tag: str, attribute: str, value: str) -> str | None:
    """nh3 keeps ``title`` and ``lang`` on every tag unless told otherwise; ``rel`` is the
    one nh3 sets itself (LINK_REL)."""
    if attribute in ALLOWED_ATTRIBUTES.get(tag, ()) or (tag, attribute) == ("a", "rel"):
        return value
    return None


def render(text: str) -> str:
    """Safe HTML for a comment body: only the allowlist survives, links get rel=nofollow."""
    html = _MARKDOWN.reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_allowed,
        url_schemes=URL_SCHEMES,
        url_relative="deny",  # only absolute http, https and mailto addresses
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # A link whose address was refused (javascript:, data:) keeps only its text.
    return _HREFLESS_LINK.sub(r"\1", clean)
