"""A comment's text as safe HTML: a small Markdown subset, then an allowlist sanitiser.

The text is kept as written; this runs once, when the comment is stored. Markdown's raw
HTML is escaped rather than passed through, and nh3 (ammonia) removes anything outside
the allowlist that Markdown might still produce.

Python-Markdown takes time quadratic in runs of unmatched markup (5,000 ``[`` took 2.5 s)
and recurses once per level of nesting. So a text with more markup than a comment
plausibly uses is shown as typed, escaped, without Markdown (``_pathological``, a linear
look): a comment costs time in proportion to its length. One Markdown instance per
thread: they are not thread-safe.
"""

from __future__ import annotations

import html
import re
import threading

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


_local = threading.local()
_HREFLESS_LINK = re.compile(rf'<a rel="{LINK_REL}">(.*?)</a>', re.S)

# More marks of one kind than this, or quotes and lists nested deeper, and the text is
# shown as typed: Markdown would take too long over it, and no comment needs that much.
MAX_MARKS = 64
MARKS = "[`*_<~"
MAX_DEPTH = 8
_NESTING_MARK = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))")


def _only_allowed(tag: str, attribute: str, value: str) -> str | None:
    """nh3 keeps ``title`` and ``lang`` on every tag unless told otherwise; ``rel`` is the
    one nh3 sets itself (LINK_REL)."""
    if attribute in ALLOWED_ATTRIBUTES.get(tag, ()) or (tag, attribute) == ("a", "rel"):
        return value
    return None


def _markdown() -> markdown.Markdown:
    renderer: markdown.Markdown | None = getattr(_local, "markdown", None)
    if renderer is None:
        renderer = _local.markdown = _renderer()
    return renderer.reset()


def _pathological(text: str) -> bool:
    """Whether Markdown would take more than linear time over the text (a linear look)."""
    if any(text.count(mark) > MAX_MARKS for mark in MARKS):
        return True
    return any(_depth(line) > MAX_DEPTH for line in text.split("\n"))


def _depth(line: str) -> int:
    """How many quote and list markers open the line, up to one past MAX_DEPTH."""
    depth, position = 0, 0
    while depth <= MAX_DEPTH and (found := _NESTING_MARK.match(line, position)):
        depth, position = depth + 1, found.end()
    return depth


# What could make Markdown's output more than paragraphs and line breaks: a character it
# reads as markup or escapes, a control character (a tab: Markdown expands them) or a line
# separator, a
# line that opens a list, or a line that starts or ends with white space (indents, hard
# breaks, blank lines that are not empty). A text with none of these (most comments) is
# drawn without Markdown, exactly as Markdown and nh3 would draw it (test_text.py
# compares the two on many texts); having no < > or &, it cannot hold markup.
_MARKUP = re.compile(
    r"[\\`*_\[\]<>&~\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029]"  # markup, controls, line separators
    r"|^[^\S\n]|[^\S\n]$|^(?:[-+]|\d+[.)])(?: |$)",
    re.M,
)


def _paragraphs(text: str) -> str:
    """A text without markup as Markdown (with nl2br) and nh3 draw it: paragraphs at
    blank lines, a line break at every other, no-break spaces as entities."""
    parts = re.split(r"\n\n+", text.strip("\n").replace("\u00a0", "&nbsp;"))  # as nh3 writes it
    return "\n".join("<p>" + part.replace("\n", "<br>\n") + "</p>" for part in parts if part)


def plain_html(text: str) -> str:
    """The text as typed, escaped: paragraphs at blank lines, line breaks kept."""
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip("\n"))
    return "\n".join(
        "<p>" + html.escape(part.strip("\n")).replace("\n", "<br>\n") + "</p>"
        for part in paragraphs
        if part.strip()
    )


def render(text: str) -> str:
    """Safe HTML for a comment body: only the allowlist survives, links get rel=nofollow."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as Markdown reads them
    if not _MARKUP.search(text):
        return _paragraphs(text)
    if _pathological(text):
        return plain_html(text)
    return markdown_html(text)


def markdown_html(text: str) -> str:
    """The text through Markdown, then nh3's allowlist."""
    clean = nh3.clean(
        _markdown().convert(text),
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
