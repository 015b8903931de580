"""What moderators see on a terminal: tables that fit, and readers' text that cannot
take the terminal over."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable

from newsroom.comments.model import Comment


def table(comments: Iterable[Comment]) -> str:
    rows = [("ID", "STATUS", "AKISMET", "CREATED (UTC)", "THREAD", "AUTHOR", "COMMENT")]
    for c in comments:
        rows.append(
            (
                str(c.id),
                c.status,
                c.akismet,
                c.created.strftime("%Y-%m-%d %H:%M"),
                _clip(safe(c.thread), 30),
                _clip(safe(" ".join(c.author.split())), 20),
                _clip(safe(" ".join(c.body.split())), 50),
            )
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


# Readers write these fields. Control characters (colours, cursor moves, a clear screen)
# and bidi overrides (which reorder what is shown) are printed as escapes, not obeyed.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    return CONTROLS.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


def json_text(data: object) -> str:
    """JSON for a terminal or a file someone will print: readable text as it is, and
    what could drive a terminal (json leaves C1 controls, DEL and bidi marks raw) as
    \\u escapes, which decode to the same data."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _width(text: str) -> int:
    """Columns on a terminal: wide (East Asian) characters take two, combining marks none."""
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += _char_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"
