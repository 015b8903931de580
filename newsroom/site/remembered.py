"""Values a build works out of each article, remembered from one build to the next by
the article's fingerprint (fingerprints.py): an article that did not change is not
worked out again (its thread manifest entry, what its comment parts show of it).

A folder for each kind of value, in CACHE_PATH beside the page record, for the site
digest it was made with (settings, theme, our code): made otherwise, it is forgotten.
Only what this build asked for is kept, so an article taken down is forgotten too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from newsroom.site import shards

VERSION = 2  # 2: in shards
SHARDS = 16  # by the keys' first byte: a changed article rewrites one or two


class Remembered:
    def __init__(self, folder: str, site: bytes, load: bool):
        self.folder, self.site = folder, site
        self._last: dict[bytes, Any] = _load(folder, site) if load else {}
        self._now: dict[bytes, Any] = {}

    def get(self, key: bytes, make: Callable[[], Any]) -> Any:
        """The value remembered for ``key``, or ``make()``'s."""
        found = self._now.get(key, self._last.get(key, _MISSING))
        if found is _MISSING:
            found = make()
        self._now[key] = found
        return found

    def save(self) -> None:
        """The shards whose keys changed (a key's value never does); all of them when
        none was loaded (a missing one is a lost one)."""
        parts: list[dict[bytes, Any]] = [{} for _ in range(SHARDS)]
        for key, value in self._now.items():
            parts[key[0] % SHARDS][key] = value
        changed = {key[0] % SHARDS for key in self._now.keys() ^ self._last.keys()}
        if not self._last:
            changed = set(range(SHARDS))
        shards.save(self.folder, {n: parts[n] for n in changed}, (VERSION, self.site))


_MISSING = object()


def _load(folder: str, site: bytes) -> dict[bytes, Any]:
    found = shards.load(folder, SHARDS, (VERSION, site), "Working every value out again")
    if found is None or len(found) < SHARDS:
        return {}
    return {key: value for part in found.values() for key, value in part.items()}
