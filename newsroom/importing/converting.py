"""A WordPress export's HTML made Markdown in worker processes, while the importing
process reads the export and writes what they made.

Converting is most of an import's work (markdownify walks each post and comment in
Python), so it goes to one process per core (up to four), started once the export's
first pass is done. Items come back in their order, and only a window of them is ahead of the
importing process: memory stays flat. A small export is converted in the importing
process (forking costs more than it saves).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from newsroom.importing.comment_import import comment_texts
from newsroom.importing.html_markdown import post_markdown
from newsroom.importing.wxr import WpItem

WORKERS_FROM = 200  # items in the export: fewer, and the importing process converts them
CHUNK = 8  # items a worker takes at a time
AHEAD = 4  # chunks a worker may have waiting
_attachments: dict[int, str] = {}  # in a worker: set once, when it starts


@dataclass(frozen=True)
class Needs:
    post: bool  # its text and excerpt (a post or page to import)
    comments: bool  # its comments' texts (they are imported)


@dataclass(frozen=True)
class Converted:
    text: str = ""  # the post's Markdown
    excerpt: str = ""
    comments: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> Markdown, HTML


def convert(item: WpItem, needs: Needs, attachments: dict[int, str] | None = None) -> Converted:
    """What the import needs of one item's HTML."""
    attachments = _attachments if attachments is None else attachments
    return Converted(
        text=post_markdown(item.content, attachments) if needs.post else "",
        excerpt=post_markdown(item.excerpt) if needs.post and item.excerpt else "",
        comments={c.id: comment_texts(c.content) for c in item.comments} if needs.comments else {},
    )


class Converters:
    """Items converted in order (``each``), by worker processes for a large export."""

    def __init__(self, attachments: dict[int, str], items: int):
        self.attachments = attachments
        workers = min(os.cpu_count() or 1, 4)
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1 and items >= WORKERS_FROM:
            # forkserver: the importing process may hold threads (a PostgreSQL pool's)
            self.pool = ProcessPoolExecutor(
                workers, get_context("forkserver"), initializer=_start, initargs=(attachments,)
            )
        self.ahead = workers * AHEAD

    def __enter__(self) -> Converters:
        return self

    def __exit__(self, *_: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def each(
        self, items: Iterable[WpItem], needs: Callable[[WpItem], Needs]
    ) -> Iterator[tuple[WpItem, Converted]]:
        if self.pool is None:
            for item in items:
                yield item, convert(item, needs(item), self.attachments)
            return
        window: deque[tuple[list[WpItem], Future[list[Converted]]]] = deque()
        for chunk in _chunks(items, needs):
            window.append(([item for item, _ in chunk], self.pool.submit(_convert_chunk, chunk)))
            if len(window) >= self.ahead:
                yield from _done(*window.popleft())
        while window:
            yield from _done(*window.popleft())


def _done(
    items: list[WpItem], converted: Future[list[Converted]]
) -> Iterator[tuple[WpItem, Converted]]:
    yield from zip(items, converted.result(), strict=True)


def _chunks(
    items: Iterable[WpItem], needs: Callable[[WpItem], Needs]
) -> Iterator[list[tuple[WpItem, Needs]]]:
    chunk: list[tuple[WpItem, Needs]] = []
    for item in items:
        chunk.append((item, needs(item)))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _start(attachments: dict[int, str]) -> None:
    _attachments.update(attachments)


def _convert_chunk(chunk: list[tuple[WpItem, Needs]]) -> list[Converted]:
    return [convert(item, needs) for item, needs in chunk]
