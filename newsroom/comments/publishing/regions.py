"""The regions of a page that show an article's comments, and how a publish finds them.

A build writes each such part of a page (a count, the list, the structured data) between
two HTML comments naming what it is and whose it is:

    <!--comments:teaser some-slug-->…<!--/comments-->

A publish replaces what is between them with the same function's output for the
thread's new comments, and leaves every other byte of the page as the build wrote it.
Regions never nest, so the next end marker closes a region.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

OPENING = "<!--comments:"
END = "<!--/comments-->"
OPENING_BYTES, END_BYTES = OPENING.encode(), END.encode()
MARKER = re.compile(rb"<!--comments:([a-z]+) ([A-Za-z0-9_.~%-]+) -->")
FEW = 8  # slugs a page is searched for one by one
LONGEST_KIND = 20
PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")  # what quote() leaves as it is


class RegionError(Exception):
    """A page lacks a region the build's record says it has: it needs a full build."""


def start(kind: str, slug: str) -> str:
    assert 0 < len(kind) <= LONGEST_KIND and " " not in kind
    return f"{OPENING}{kind} {_quoted(slug)} -->"


def _quoted(slug: str) -> str:
    """Quoted, so that no slug can close the HTML comment or open another (no <, >, !);
    a slug as Pelican makes them is its own quotation (a build draws 400,000 markers)."""
    return slug if PLAIN.fullmatch(slug) else quote(slug, safe="")


def wrap(kind: str, slug: str, html: str) -> str:
    return f"{start(kind, slug)}{unmarked(html)}{END}"


def unmarked(html: str) -> str:
    """``html``, which must hold no marker: one would end a region early (or open one)."""
    if OPENING in html or END in html:
        raise RegionError("a region's content holds a region marker")
    return html


Drawers = dict[str, Callable[[str], str]]  # a region's kind -> its new content from its old


def replace(page: bytes, drawers: dict[str, Drawers]) -> tuple[bytes, dict[str, int]]:
    """``page`` (as written: UTF-8) with every region of the slugs in ``drawers`` redrawn
    by ``drawers[slug][kind](old content)``, and how many regions each slug had. Bytes
    and one copy of the page, whatever the slugs: an archive page is tens of megabytes."""
    found = dict.fromkeys(drawers, 0)
    parts: list[bytes] = []
    at = 0
    for _, content_at, slug, kind in _regions(page, drawers):
        end = page.find(END_BYTES, content_at)
        if end < 0:
            raise RegionError(f"a {kind} region of {slug!r} has no end")
        old = page[content_at:end].decode()
        parts += [page[at:content_at], unmarked(drawers[slug][kind](old)).encode()]
        at = end
        found[slug] += 1
    parts.append(page[at:])
    return b"".join(parts), found


def _regions(page: bytes, drawers: dict[str, Drawers]) -> list[tuple[int, int, str, str]]:
    """Where each wanted region is (its marker, its content), in the page's order. A few
    slugs are each found with one scan for their markers' end; many, with one pass over
    every marker."""
    if len(drawers) > FEW:
        by_quoted = {_quoted(slug).encode(): slug for slug in drawers}
        every = []
        for match in MARKER.finditer(page):
            slug = by_quoted.get(match[2])
            kind = match[1].decode()
            if slug is not None and kind in drawers[slug]:
                every.append((match.start(), match.end(), slug, kind))
        return every
    return sorted(found for slug in drawers for found in _of_slug(page, slug, drawers[slug]))


def _of_slug(page: bytes, slug: str, kinds: Drawers) -> list[tuple[int, int, str, str]]:
    tail = f" {_quoted(slug)} -->".encode()
    found = []
    at = 0
    while (end := page.find(tail, at)) >= 0:
        at = end + len(tail)
        opening = page.rfind(OPENING_BYTES, max(0, end - LONGEST_KIND - len(OPENING)), end)
        kind = page[opening + len(OPENING) : end].decode() if opening >= 0 else ""
        if kind in kinds:
            found.append((opening, at, slug, kind))
    return found
