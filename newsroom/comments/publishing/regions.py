"""The regions of a page that show an article's comments, and how a publish finds them.

A build writes each such part of a page (a count, the list, the structured data) between
two HTML comments naming what it is and whose it is:

    <!--comments:teaser some-slug-->…<!--/comments-->

A publish replaces what is between them with the same function's output for the
thread's new comments, and leaves every other byte of the page as the build wrote it.
Regions never nest, so the next end marker closes a region.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

OPENING = "<!--comments:"
END = "<!--/comments-->"
LONGEST_KIND = 20


class RegionError(Exception):
    """A page lacks a region the build's record says it has: it needs a full build."""


def start(kind: str, slug: str) -> str:
    # Quoted, so that no slug can close the HTML comment or open another (no <, >, !).
    assert 0 < len(kind) <= LONGEST_KIND and " " not in kind
    return f"{OPENING}{kind} {quote(slug, safe='')} -->"


def wrap(kind: str, slug: str, html: str) -> str:
    return f"{start(kind, slug)}{html}{END}"


def replace(page: str, slug: str, kinds: dict[str, Callable[[str], str]]) -> tuple[str, int]:
    """``page`` with each region of ``slug`` redrawn by ``kinds[kind](old content)``, and
    how many regions there were."""
    parts: list[str] = []
    found = 0
    at = 0
    while True:
        next_at, kind, opening = _next_region(page, slug, kinds, at)
        if next_at < 0:
            break
        content_at = next_at + len(opening)
        end = page.find(END, content_at)
        if end < 0:
            raise RegionError(f"a {kind} region of {slug!r} has no end")
        parts += [page[at:content_at], kinds[kind](page[content_at:end])]
        at = end
        found += 1
    parts.append(page[at:])
    return "".join(parts), found


def _next_region(
    page: str, slug: str, kinds: dict[str, Callable[[str], str]], at: int
) -> tuple[int, str, str]:
    """The first region of ``slug`` from ``at``: where it starts, its kind, its marker.
    One scan for the slug's end of a marker, whatever the kinds (an archive page holds
    every article of the site)."""
    tail = f" {quote(slug, safe='')} -->"
    while (found := page.find(tail, at)) >= 0:
        opening = page.rfind(OPENING, max(0, found - LONGEST_KIND - len(OPENING)), found)
        kind = page[opening + len(OPENING) : found] if opening >= 0 else ""
        if kind in kinds:
            return opening, kind, page[opening : found + len(tail)]
        at = found + len(tail)
    return -1, "", ""
