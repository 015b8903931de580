"""The rebuild hook: ask the host to rebuild the site after what its pages show changed.

``NEWSROOM_REBUILD_HOOK_URL`` is a deploy hook as Netlify, Vercel and Cloudflare Pages
give them: an empty POST starts a build. A failure is logged as an error with what to do;
it never stops the approval itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


def hook_url(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get("NEWSROOM_REBUILD_HOOK_URL", "").strip()


def trigger(url: str, timeout: float = TIMEOUT_SECONDS) -> bool:
    """POST to the hook; True when it answered 2xx. The URL may hold a secret: never logged."""
    import urllib.error
    import urllib.request  # here: every moderation action imports this module

    where = urlsplit(url).netloc or "the hook"
    request = urllib.request.Request(url, data=b"{}", method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "newsroom-rebuild-hook")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        logger.error("Rebuild hook at %s failed (%s): rebuild the site by hand", where, reason)
        return False
    if 200 <= status < 300:
        logger.info("Rebuild hook at %s accepted (HTTP %s)", where, status)
        return True
    logger.error("Rebuild hook at %s answered HTTP %s: rebuild the site by hand", where, status)
    return False


def after_change(environ: Mapping[str, str] = os.environ) -> bool | None:
    """Called after a moderation action changed what pages show; None when no hook is
    configured."""
    url = hook_url(environ)
    if not url:
        return None
    return trigger(url)
