"""Where a browser's form post came from: a page of the public site (or of an allowed
origin), or another site that makes its visitors post for it.

Browsers send ``Origin`` on every POST (``Referer`` as well, unless a page forbids it),
and a page cannot forge either. A post with neither (curl, a privacy setting) is judged
like any other; ``Origin: null`` (a sandboxed frame, an opaque redirect) is foreign.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """``scheme://host[:port]``, lower-cased, default ports left out; "" when not a URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def foreign_origin(headers: Mapping[str, str], ours: Iterable[str], own_host: str) -> str | None:
    """The other site a post came from, or None when it came from one of ``ours`` (or
    says nothing). With no public URL known (a development build), the host the request
    was sent to stands for the site."""
    claimed = headers.get("origin") or headers.get("referer")
    if not claimed:
        return None
    origin = origin_of(claimed)
    known = {origin_of(url) for url in ours if url} - {""}
    if origin and origin in known:
        return None
    if origin and not known and urlsplit(origin).netloc == own_host.lower():
        return None
    return origin or claimed.strip()[:100] or "null"
