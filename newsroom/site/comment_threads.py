"""Approved comments, arranged as the threads shown under each article."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

DEFAULT_DEPTH = 3
SAFE_SCHEMES = ("http://", "https://")


@dataclass(slots=True)
class CommentNode:
    """One published comment and its replies; ``depth`` 1 is a top-level comment."""

    comment: object
    depth: int
    replies: list[CommentNode] = field(default_factory=list)
    in_reply_to: str = ""  # the parent's author, when shown beside it (too deep to nest)

    @property
    def website(self) -> str:
        """The author's website, only when it is a plain web address."""
        url = getattr(self.comment, "url", "") or ""
        return url if url.lower().startswith(SAFE_SCHEMES) else ""


def load_approved(database_url: str) -> list:
    """Every approved comment in one query; none when no store is there to read."""
    if not database_url:
        return []
    if database_url.startswith("sqlite:///") and not _sqlite_exists(database_url):
        logger.info("No comment store at %s: building without comments", database_url)
        return []
    from newsroom.store import open_store  # the build needs no store unless one is set

    store = open_store(database_url)
    try:
        store.migrate()  # an empty database is an empty store: give it its tables
        return store.published()
    finally:
        store.close()


def _sqlite_exists(database_url: str) -> bool:
    return os.path.exists(database_url.removeprefix("sqlite:///"))


def by_thread(comments, max_depth: int = DEFAULT_DEPTH) -> dict[str, list[CommentNode]]:
    """Group comments per thread as trees, oldest first.

    A reply deeper than ``max_depth`` joins its nearest ancestor at that depth, and a reply
    whose parent is not published is shown at the top level: nothing approved is hidden.
    """
    grouped = defaultdict(list)
    for comment in sorted(comments, key=_age):
        grouped[comment.thread].append(comment)
    return {thread: _tree(items, max(1, max_depth)) for thread, items in grouped.items()}


def _age(comment) -> tuple:
    return comment.created, comment.id


def _tree(comments, max_depth: int) -> list[CommentNode]:
    roots: list[CommentNode] = []
    placed: dict[int, tuple[CommentNode, list[CommentNode]]] = {}  # id -> (node, its list)
    for comment in comments:  # oldest first, so a parent comes before its replies
        parent, siblings = placed.get(comment.parent, (None, roots))
        if parent is not None and parent.depth < max_depth:
            node, into = CommentNode(comment, parent.depth + 1), parent.replies
        elif parent is not None:  # as deep as replies go: beside its parent
            node, into = (
                CommentNode(comment, parent.depth, in_reply_to=parent.comment.author),
                siblings,
            )
        else:
            node, into = CommentNode(comment, 1), roots
        into.append(node)
        placed[comment.id] = (node, into)
    return roots


def count(nodes: list[CommentNode]) -> int:
    return sum(1 + count(node.replies) for node in nodes)


def flatten(nodes: list[CommentNode]) -> list[CommentNode]:
    """Every node of the trees, in reading order."""
    return [each for node in nodes for each in (node, *flatten(node.replies))]
