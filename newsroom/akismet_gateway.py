"""Akismet through the ``akismet`` library: one client per process, every fault named.

The library's API address is fixed, so a transport rewrites it to NEWSROOM_AKISMET_URL
(tests point that at a local fake). A custom httpx client drops the library's
User-Agent and timeout, so both are set here.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Literal
from urllib.parse import urlsplit

import akismet
import httpx

from newsroom.config import Settings
from newsroom.store.models import NewComment
from newsroom.threads import Thread

logger = logging.getLogger(__name__)

CheckVerdict = Literal["ham", "spam", "discard"]
HONEYPOT_FIELD = "nickname"


class GatewayError(Exception):
    """Akismet could not be asked, or answered something unusable. Never holds the key."""


class _RewriteTransport(httpx.AsyncBaseTransport):
    """Sends the library's requests to another base address (scheme, host, port)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._inner = httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self._scheme, host=self._host, port=self._port)
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class Gateway:
    def __init__(self, settings: Settings):
        self.settings = settings
        transport = None
        if settings.akismet_url.rstrip("/") != "https://rest.akismet.com":
            transport = _RewriteTransport(settings.akismet_url)
        self._http = httpx.AsyncClient(
            headers={"User-Agent": akismet.USER_AGENT},
            timeout=settings.akismet_timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
        config = akismet.Config(key=settings.akismet_key, url=settings.akismet_blog_url)
        self._client = akismet.AsyncClient(config=config, http_client=self._http)

    async def check(
        self,
        comment: NewComment,
        thread: Thread | None,
        *,
        base_url: str = "",
        recheck_reason: str | None = None,
    ) -> CheckVerdict:
        arguments = self._arguments(comment, thread, base_url)
        if recheck_reason:
            arguments["recheck_reason"] = recheck_reason
        answer = await self._call(self._client.comment_check, comment, arguments)
        if answer == akismet.CheckResponse.DISCARD:
            return "discard"
        return "spam" if answer == akismet.CheckResponse.SPAM else "ham"

    async def submit_spam(self, comment: NewComment, thread: Thread | None, base_url="") -> None:
        await self._call(
            self._client.submit_spam, comment, self._arguments(comment, thread, base_url)
        )

    async def submit_ham(self, comment: NewComment, thread: Thread | None, base_url="") -> None:
        await self._call(
            self._client.submit_ham, comment, self._arguments(comment, thread, base_url)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method, comment: NewComment, arguments: dict):
        try:
            return await method(comment.ip or "", **arguments)
        except akismet.APIKeyError:
            raise GatewayError("Akismet says the API key or blog URL is invalid") from None
        except akismet.ProtocolError:
            raise GatewayError("Akismet gave an unexpected answer") from None
        except akismet.RequestError as exc:
            cause = exc.__cause__
            reason = "timed out" if isinstance(cause, httpx.TimeoutException) else str(exc)
            raise GatewayError(f"Akismet request failed: {reason}") from None
        except (akismet.AkismetError, httpx.HTTPError) as exc:
            raise GatewayError(f"Akismet failed: {type(exc).__name__}") from None

    def _arguments(self, comment: NewComment, thread: Thread | None, base_url: str) -> dict:
        arguments = {
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


def gateway_from_settings(settings: Settings) -> Gateway | None:
    """None when no key is configured: comments are then held unchecked."""
    return Gateway(settings) if settings.akismet_configured else None
