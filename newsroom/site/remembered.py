"""Values a build works out of each article, remembered from one build to the next by
the article's fingerprint (fingerprints.py): an article that did not change is not
worked out again (its thread manifest entry, what its comment parts show of it).

One file for each kind of value, in CACHE_PATH beside the page record, for the site
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
VERSION = 1


class Remembered:
    def __init__(self, path: str, site: bytes, load: bool):
        self.path, self.site = path, site
        self._last: dict[bytes, Any] = _load(path, site) if load else {}
        self._now: dict[bytes, Any] = {}

    def get(self, key: bytes, make: Callable[[], Any]) -> Any:
        """The value remembered for ``key``, or ``make()``'s."""
        found = self._now.get(key, self._last.get(key, _MISSING))
        if found is _MISSING:
            found = make()
        self._now[key] = found
        return found

    def save(self) -> None:
        temporary = f"{self.path}.{os.getpid()}"
        try:
            os.makedirs(os.path.dirname(self.path) or ".", mode=0o700, exist_ok=True)
            with open(temporary, "wb") as file:
                pickle.dump((VERSION, self.site, self._now), file, pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except OSError as exc:  # the next build works every value out again
            logger.warning("Could not save %s: %s", self.path, exc)


_MISSING = object()


def _load(path: str, site: bytes) -> dict[bytes, Any]:
    try:
        with open(path, "rb") as file:
            version, its_site, values = pickle.load(file)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # unreadable: work everything out, never a wrong value
        logger.warning("Forgetting %s: it could not be read (%s)", path, exc)
        return {}
    return values if (version, its_site) == (VERSION, site) else {}
