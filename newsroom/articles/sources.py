"""The source footer: who or what an article is based on."""

from __future__ import annotations

import re
from dataclasses import dataclass

_URL = re.compile(r"https?://[^\s<>\"]+", re.I)


@dataclass(frozen=True)
class Source:
    name: str
    url: str = ""


def parse(value: str | None) -> Source | None:
    """Read "Reuters", "https://example.com/x" or "Reuters https://…"; None when empty."""
    value = " ".join((value or "").split())
    if not value:
        return None
    match = _URL.search(value)
    if not match:
        return Source(name=value)
    url = match.group(0).rstrip(".,;)")
    name = (value[: match.start()] + value[match.start() + len(url) :]).strip(" -–—:|()[]")
    return Source(name=name or url, url=url)
