"""Akismet through the ``akismet`` library: one client per process, every fault named.

Requests go through a lean httpx client (newsroom/akismet_http.py), which also sends
them to NEWSROOM_AKISMET_URL when set: the library's API address is fixed, and the
tests point it at a local fake. A custom httpx client drops the library's
User-Agent and timeout, so both are set here (PYTHON_AKISMET_TIMEOUT, 3 s by default).
The key is verified once, by the first call that needs Akismet, never at import or start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Literal, TypeVar

import akismet
import httpx

from newsroom.comments.akismet_http import AkismetHTTPClient, last_answer
from newsroom.comments.config import DEFAULT_AKISMET_URL, Settings
from newsroom.comments.manifest import Thread
from newsroom.comments.model import NewComment

logger = logging.getLogger(__name__)

CheckVerdict = Literal["ham", "spam", "discard"]
Arguments = dict[str, str | bool]  # the library's keyword arguments
T = TypeVar("T")
HONEYPOT_FIELD = "nickname"
INVALID_KEY = "Akismet says the API key or blog URL is invalid"
MIN_RECHECK_SECONDS, MAX_RECHECK_SECONDS = 60, 86_400  # Akismet's advice, kept sane
REVERIFY_SECONDS = 300  # a refused key is asked about again after this long


@dataclass(frozen=True)
class Checked:
    verdict: CheckVerdict
    # Akismet's X-akismet-recheck-after on a ham answer: not sure yet, ask again then.
    recheck_after: timedelta | None = None


def _recheck_after(answer: httpx.Response | None) -> timedelta | None:
    raw = answer.headers.get("x-akismet-recheck-after", "") if answer is not None else ""
    if not raw.strip().isdigit():
        return None
    seconds = min(max(int(raw), MIN_RECHECK_SECONDS), MAX_RECHECK_SECONDS)
    return timedelta(seconds=seconds)


class GatewayError(Exception):
    """Akismet could not be asked, or answered something unusable. Never holds the key."""


class Gateway:
    def __init__(self, settings: Settings):
        self.settings = settings
        elsewhere = settings.akismet_url.rstrip("/") != DEFAULT_AKISMET_URL
        self._http = AkismetHTTPClient(
            redirect_to=settings.akismet_url if elsewhere else None,
            headers={"User-Agent": akismet.USER_AGENT},
            timeout=settings.akismet_timeout,
        )
        config = akismet.Config(key=settings.akismet_key, url=settings.akismet_blog_url)
        self._client = akismet.AsyncClient(config=config, http_client=self._http)
        self._key_valid = False
        self._key_refused_at: float | None = None
        self._verifying: asyncio.Task[bool] | None = None  # shared by the first posts of a burst

    async def check(
        self,
        comment: NewComment,
        thread: Thread | None,
        *,
        base_url: str = "",
        recheck_reason: str | None = None,
    ) -> CheckVerdict:
        """Akismet's verdict alone (``checked`` gives its advice too)."""
        checked = await self.checked(
            comment, thread, base_url=base_url, recheck_reason=recheck_reason
        )
        return checked.verdict

    async def checked(
        self,
        comment: NewComment,
        thread: Thread | None,
        *,
        base_url: str = "",
        recheck_reason: str | None = None,
    ) -> Checked:
        arguments = self._arguments(comment, thread, base_url)
        if recheck_reason:
            arguments["recheck_reason"] = recheck_reason
        last_answer.set(None)
        answer = await self._call(self._client.comment_check, comment, arguments)
        if answer == akismet.CheckResponse.DISCARD:
            return Checked("discard")
        if answer == akismet.CheckResponse.SPAM:
            return Checked("spam")
        return Checked("ham", _recheck_after(last_answer.get()))

    async def submit_spam(
        self, comment: NewComment, thread: Thread | None, base_url: str = ""
    ) -> None:
        await self._call(
            self._client.submit_spam, comment, self._arguments(comment, thread, base_url)
        )

    async def submit_ham(
        self, comment: NewComment, thread: Thread | None, base_url: str = ""
    ) -> None:
        await self._call(
            self._client.submit_ham, comment, self._arguments(comment, thread, base_url)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _verify_key(self) -> None:
        """Once per process: a refused key is said once in the log, and comments are then
        held unchecked without asking Akismet for a while."""
        if self._key_valid:
            return
        refused = self._key_refused_at
        if refused is not None and time.monotonic() - refused < REVERIFY_SECONDS:
            raise GatewayError(INVALID_KEY)
        if not await self._verification():
            if refused is None:
                logger.error("%s: comments are held unchecked", INVALID_KEY)
            self._key_refused_at = time.monotonic()
            raise GatewayError(INVALID_KEY)
        self._key_valid, self._key_refused_at = True, None

    async def _verification(self) -> bool:
        """One verify-key request, however many posts arrive before it is answered."""
        loop = asyncio.get_running_loop()
        task = self._verifying
        if task is None or task.get_loop() is not loop:
            task = self._verifying = loop.create_task(self._client.verify_key())
        try:
            return await asyncio.shield(task)
        finally:
            if task.done() and self._verifying is task:
                self._verifying = None

    async def _call(
        self, method: Callable[..., Awaitable[T]], comment: NewComment, arguments: Arguments
    ) -> T:
        try:
            await self._verify_key()
            return await method(comment.ip or "", **arguments)
        except GatewayError:
            raise
        except akismet.APIKeyError:
            raise GatewayError(INVALID_KEY) from None
        except akismet.ProtocolError:
            raise GatewayError("Akismet gave an unexpected answer") from None
        except akismet.RequestError as exc:
            raise GatewayError(self._scrub(f"Akismet request failed: {_cause(exc)}")) from None
        except (akismet.AkismetError, httpx.HTTPError) as exc:
            raise GatewayError(self._scrub(f"Akismet failed: {_cause(exc)}")) from None
        except Exception as exc:  # a comment must never be lost to a surprise here
            logger.exception("Unexpected fault talking to Akismet")
            raise GatewayError(f"Akismet failed unexpectedly: {type(exc).__name__}") from None

    def _scrub(self, message: str) -> str:
        """Messages reach logs and the moderation table: never with the key in them."""
        key = self.settings.akismet_key
        return message.replace(key, "[key]") if key else message

    def _arguments(self, comment: NewComment, thread: Thread | None, base_url: str) -> Arguments:
        arguments: Arguments = {
            "comment_type": "reply" if comment.parent else "comment",
            "comment_author": comment.author,
            "comment_author_email": comment.email,
            "comment_content": comment.body,
            "comment_date_gmt": comment.created.astimezone(UTC).isoformat(),
            "blog_charset": "UTF-8",
            "honeypot_field_name": HONEYPOT_FIELD,
        }
        optional = {
            "comment_author_url": comment.url,
            "user_agent": comment.user_agent,
            "referrer": comment.referrer,
        }
        arguments.update({key: value for key, value in optional.items() if value})
        if thread is not None:
            # Relative permalinks (a build without SITEURL) resolve against the request's
            # address, or else the blog URL Akismet knows the site by.
            arguments["permalink"] = thread.absolute_permalink(
                base_url or self.settings.akismet_blog_url
            )
            if thread.lang:
                arguments["blog_lang"] = thread.lang
            if thread.modified is not None:
                modified = thread.modified.astimezone(UTC).isoformat()
                arguments["comment_post_modified_gmt"] = modified
        if self.settings.akismet_is_test:
            arguments["is_test"] = True
        return arguments


def _cause(exc: Exception) -> str:
    """What went wrong, in words: the library's message and the network's reason."""
    cause = exc.__cause__
    if isinstance(cause, httpx.TimeoutException):
        return "timed out"
    if isinstance(cause, httpx.HTTPStatusError):
        return f"HTTP {cause.response.status_code}"
    if cause is not None:
        return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
    return str(exc) or type(exc).__name__


def gateway_from_settings(settings: Settings) -> Gateway | None:
    """None when no key is configured: comments are then held unchecked."""
    return Gateway(settings) if settings.akismet_configured else None
