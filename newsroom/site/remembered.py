"""Values a build works out of each article, remembered from one build to the next by
the article's fingerprint (fingerprints.py): an article that did not change is not
worked out again (its thread manifest entry, what its comment parts show of it).

A folder for each kind of value, in CACHE_PATH beside the page record, for the site
digest it was made with (settings, theme, our code): made otherwise, it is forgotten.
Only what this build asked for is kept, so an article taken down is forgotten too.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)
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
        """The shards whose keys changed (a key's value never does)."""
        shards: list[dict[bytes, Any]] = [{} for _ in range(SHARDS)]
        for key, value in self._now.items():
            shards[key[0] % SHARDS][key] = value
        changed = {key[0] % SHARDS for key in self._now.keys() ^ self._last.keys()}
        if not self._last:
            changed = set(range(SHARDS))  # every shard there: a missing one is a lost one
        try:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
            for shard in changed:
                path = os.path.join(self.folder, f"{shard:02d}.pickle")
                with open(f"{path}.{os.getpid()}", "wb") as file:
                    pickle.dump((VERSION, self.site, shards[shard]), file, pickle.HIGHEST_PROTOCOL)
                os.replace(f"{path}.{os.getpid()}", path)
        except OSError as exc:  # the next build works every value out again
            logger.warning("Could not save %s: %s", self.folder, exc)


_MISSING = object()


def _load(folder: str, site: bytes) -> dict[bytes, Any]:
    values: dict[bytes, Any] = {}
    for shard in range(SHARDS):
        path = os.path.join(folder, f"{shard:02d}.pickle")
        try:
            with open(path, "rb") as file:
                entry = pickle.load(file)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # unreadable: work everything out, never a wrong value
            logger.warning("Forgetting %s: it could not be read (%s)", folder, exc)
            return {}
        if tuple(entry[:2]) != (VERSION, site):  # another version's, or another site's
            return {}
        values.update(entry[2])
    return values
