"""The thread tree: approved comments arranged as shown under each article."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from newsroom.comments.model import PublishedComment

DEFAULT_DEPTH = 3
SAFE_SCHEMES = ("http://", "https://")


@dataclass(slots=True)
class CommentNode:
    """One published comment and its replies; ``depth`` 1 is a top-level comment."""

    comment: PublishedComment
    depth: int
    replies: list[CommentNode] = field(default_factory=list)
    in_reply_to: str = ""  # the parent's author, when shown beside it (too deep to nest)

    @property
    def website(self) -> str:
        """The author's website, only when it is a plain web address."""
        url = self.comment.url or ""
        return url if url.lower().startswith(SAFE_SCHEMES) else ""


def by_thread(
    comments: Iterable[PublishedComment], max_depth: int = DEFAULT_DEPTH
) -> dict[str, list[CommentNode]]:
    """Group comments per thread as trees, oldest first.

    A reply deeper than ``max_depth`` joins its nearest ancestor at that depth, and a reply
    whose parent is not published is shown at the top level: nothing approved is hidden.
    """
    grouped: defaultdict[str, list[PublishedComment]] = defaultdict(list)
    for comment in sorted(comments, key=_age):
        grouped[comment.thread].append(comment)
    return {thread: _tree(items, max(1, max_depth)) for thread, items in grouped.items()}


def _age(comment: PublishedComment) -> tuple[datetime, int]:
    return comment.created, comment.id


def _tree(comments: list[PublishedComment], max_depth: int) -> list[CommentNode]:
    roots: list[CommentNode] = []
    placed: dict[int, tuple[CommentNode, list[CommentNode]]] = {}  # id -> (node, its list)
    for comment in comments:  # oldest first, so a parent comes before its replies
        parent, siblings = placed.get(comment.parent or 0, (None, roots))
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
