"""The service's state and the posting pipeline, cheapest checks first.

Field rules, thread and parent, rate limit, honeypot, duplicates (the store), then
Akismet (the network, outside any transaction; the text is rendered meanwhile), then one
write, shared with the posts that arrived during the previous one (write_batch). A
comment is acknowledged only once it is committed; an Akismet fault leaves it pending,
unchecked.

A dropped comment (honeypot, Akismet's discard) is answered like a pending one, with an
id reserved from the store's sequence and never used: the ids a poster sees go up and
never repeat, whether their comment was kept or not.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from newsroom.comments import authors
from newsroom.comments.manifest import Thread, index_at
from newsroom.comments.model import NewComment, Status, Submission
from newsroom.comments.store import Store
from newsroom.comments.store.clock import now
from newsroom.service import rate_limit
from newsroom.service.client_address import UNKNOWN, address_group
from newsroom.service.in_flight import InFlight, Ticket
from newsroom.service.intake import IntakeError
from newsroom.service.settings import ServiceSettings
from newsroom.service.store_access import StoreAccess
from newsroom.service.write_batch import WriteBatch

if TYPE_CHECKING:  # imported when first needed: a cold GET must not import Akismet
    from newsroom.comments.akismet_gateway import Gateway

logger = logging.getLogger("newsroom.service")

DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_HEADER_CHARS = 500
# A shorter text renders on the event loop in about a millisecond at most (markup that
# would take longer is shown as typed); a longer one in a worker thread.
RENDER_INLINE_CHARS = 1000
RENDER_THREADS = 2
# Seconds. A text not rendered by then (or whose rendering fails) is stored as typed,
# escaped, and waits for a moderator: never a stall, never a lost comment.
RENDER_DEADLINE = 2.0
MAIL_WAITS = timedelta(hours=24)  # for an unchecked comment's recheck, at the most


@dataclass(frozen=True)
class Visitor:
    """What the request says about who posts: kept for moderation, never published."""

    ip: str  # empty when unknown
    user_agent: str
    referrer: str
    base_url: str  # for absolute permalinks when the manifest has relative ones
    author_proof: str = ""  # the token an earlier answer gave this poster, if any

    @functools.cached_property
    def group(self) -> str:
        """Whom the rate limit counts this visitor with (client_address.address_group)."""
        return address_group(self.ip)


@dataclass(frozen=True)
class Outcome:
    id: int
    status: Status  # what the poster is told: TOLD, pending or approved
    thread: Thread
    stored: Status | None = None  # the status it was stored with; None when dropped
    author_token: str = ""  # the poster's proof for their next post (authors.py)
    mail_waits: bool = False  # the moderator's mail waits for Akismet's recheck


class CommentService:
    def __init__(
        self,
        settings: ServiceSettings,
        store: Store | None = None,
        gateway: Gateway | None = None,
    ):
        self.settings = settings
        self.threads = index_at(settings.comments.threads_path)
        self.store = StoreAccess(settings.comments.database_url, store)
        self.signer = settings.comments.signer()
        self._gateway = gateway
        self._gateway_built = gateway is not None
        self._dropped = rate_limit.DroppedLog()
        self._in_flight = InFlight()
        self._writes = WriteBatch(self.store.add_many)
        self._said: set[str] = set()
        self._renderers: ThreadPoolExecutor | None = None

    def gateway(self) -> Gateway | None:
        """Akismet, made when first needed (a cold GET must not import it)."""
        if not self._gateway_built:
            from newsroom.comments.akismet_gateway import gateway_from_settings

            self._gateway = gateway_from_settings(self.settings.comments)
            self._gateway_built = True
            if self._gateway is None:  # said once a process, on any host (Lambda too)
                logger.warning("No Akismet key configured: comments are held unchecked")
        return self._gateway

    async def close(self) -> None:
        if self._gateway is not None:
            await self._gateway.aclose()
        await self.store.close()
        if self._renderers is not None:
            self._renderers.shutdown(wait=False, cancel_futures=True)

    # --- posting -----------------------------------------------------------------------

    async def post(self, submission: Submission, visitor: Visitor) -> Outcome:
        thread = self.threads.get(submission.thread)
        if thread is None:
            raise IntakeError(422, {"thread": "There is no article with this thread."})
        await self._check_parent(submission)
        if visitor.group == UNKNOWN:
            self.say_once(
                "A comment came with no client address (a UNIX socket, or a proxy that "
                "sends no X-Forwarded-For): all such posts share one rate limit. Have the "
                "proxy send X-Forwarded-For and list it in NEWSROOM_TRUSTED_PROXIES "
                "(its address, or 'unix' for a proxy on a UNIX socket)."
            )
        text = (submission.thread, submission.email, submission.body)
        with self._in_flight.holding(visitor.group, text) as ticket:
            return await self._post_checked(submission, visitor, thread, ticket)

    async def _post_checked(
        self, submission: Submission, visitor: Visitor, thread: Thread, ticket: Ticket
    ) -> Outcome:
        await self._check_rate(visitor, ticket)
        if submission.nickname:
            logger.info("Honeypot filled on thread %s: comment dropped", thread.slug)
            return await self._dropped_outcome(visitor, thread, submission)
        await self._check_duplicate(submission, ticket)
        proven = authors.proven_key(self.signer, visitor.author_proof, submission.email)
        comment = replace(
            self._new_comment(submission, visitor), author_key=proven or authors.new_key()
        )
        checking = asyncio.ensure_future(self._ask_akismet(comment, thread, visitor))
        await asyncio.sleep(0)  # the check goes out; the text is rendered while Akismet thinks
        try:
            body_html, rendered = await self._render(comment.body, thread)
        finally:
            verdict, recheck_after = await checking
        if verdict == "discard":
            logger.info("Akismet discarded a comment on thread %s", thread.slug)
            return await self._dropped_outcome(visitor, thread, submission)
        comment = await self._file(replace(comment, body_html=body_html), verdict, proven)
        if recheck_after is not None:  # Akismet is not sure yet: its recheck job asks again
            comment = replace(comment, recheck_at=now() + recheck_after)
        if comment.akismet == "unchecked" and comment.status == "pending" and self._mails():
            # As WordPress does: the moderator hears of it once Akismet has had its say
            # (the recheck job), or after MAIL_WAITS at the latest.
            comment = replace(comment, mail_after=comment.created + MAIL_WAITS)
        if not rendered and comment.status == "approved":
            comment = replace(comment, status="pending")  # a moderator sees it first
        comment_id = await self._writes.add(comment)
        told: Status = "approved" if comment.status == "approved" else "pending"
        proof = authors.token(self.signer, comment.author_key or "", comment.email)
        return Outcome(
            comment_id,
            told,
            thread,
            stored=comment.status,
            author_token=proof,
            mail_waits=comment.mail_after is not None,
        )

    def _mails(self) -> bool:
        settings = self.settings.comments
        return bool(settings.smtp_url and settings.moderator_email)

    def say_once(self, warning: str) -> None:
        """A warning about the setup (not about a visitor): once a process."""
        if warning not in self._said:
            self._said.add(warning)
            logger.warning(warning)

    async def _check_parent(self, submission: Submission) -> None:
        if submission.parent is None:
            return
        parent = await self.store.get(submission.parent)
        if parent is None or parent.status != "approved" or parent.thread != submission.thread:
            raise IntakeError(
                422, {"parent": "The comment replied to is not a published comment here."}
            )

    async def _check_rate(self, visitor: Visitor, ticket: Ticket) -> None:
        """Stored in the last minute, dropped by this process, and still on their way."""
        limit = self.settings.rate_limit
        if not limit:
            return
        since = now() - rate_limit.WINDOW

        def used() -> int:
            ahead = self._in_flight.ahead_from_address(ticket)
            return ahead + self._dropped.count(visitor.group, since)

        if used() >= limit:
            raise rate_limit.too_many(limit)
        stored = await self.store.recent_from_group(visitor.group, since)
        if stored + used() >= limit:
            raise rate_limit.too_many(limit)

    async def _check_duplicate(self, submission: Submission, ticket: Ticket) -> None:
        since = now() - DUPLICATE_WINDOW
        if self._in_flight.same_text_ahead(ticket) or await self.store.is_duplicate(
            submission.thread, submission.email, submission.body, since
        ):
            raise IntakeError(409, {"body": "You have already posted this comment."})

    def _new_comment(self, submission: Submission, visitor: Visitor) -> NewComment:
        """The comment as stored, its HTML still to be rendered."""
        return NewComment(
            **submission.stored_fields(),
            body_html="",
            status="pending",
            akismet="unchecked",
            ip=visitor.ip or None,
            ip_group=visitor.group,
            user_agent=visitor.user_agent[:MAX_HEADER_CHARS] or None,
            referrer=visitor.referrer[:MAX_HEADER_CHARS] or None,
            created=now(),
        )

    async def _ask_akismet(
        self, comment: NewComment, thread: Thread, visitor: Visitor
    ) -> tuple[str, timedelta | None]:
        """Akismet's verdict, or "unchecked" (no key, a fault, or Akismet's advice to ask
        again later, with the delay it gave)."""
        gateway = self.gateway()
        if gateway is None:
            return "unchecked", None
        from newsroom.comments.akismet_gateway import GatewayError

        try:
            checked = await gateway.checked(comment, thread, base_url=visitor.base_url)
        except GatewayError as exc:
            logger.warning("Comment on %s held unchecked: %s", thread.slug, exc)
            return "unchecked", None
        if checked.recheck_after is not None:
            return "unchecked", checked.recheck_after
        return checked.verdict, None

    async def _file(self, comment: NewComment, verdict: str, proven: str | None) -> NewComment:
        """Where the comment goes: spam, or pending, or published per NEWSROOM_MODERATION
        (``known``: only with a proven author key that has an approved comment)."""
        if verdict == "spam":
            return replace(comment, status="spam", akismet="spam")
        if verdict == "unchecked":
            return comment  # never published without a moderator
        mode = self.settings.comments.moderation
        publish = mode == "none" or (
            mode == "known" and proven is not None and await self.store.has_approved_with(proven)
        )
        return replace(comment, status="approved" if publish else "pending", akismet="ham")

    async def _dropped_outcome(
        self, visitor: Visitor, thread: Thread, submission: Submission
    ) -> Outcome:
        """The answer to a dropped comment: as a pending one's, with an id nobody will get
        and a proof that will never count."""
        self._dropped.add(visitor.group, now())
        proof = authors.token(self.signer, authors.new_key(), submission.email)
        return Outcome(await self.store.reserve_id(), "pending", thread, author_token=proof)

    async def _render(self, text: str, thread: Thread) -> tuple[str, bool]:
        """The text's safe HTML, and whether it was rendered (else: escaped as typed)."""
        from newsroom.comments import text as comment_text  # only posts need Markdown

        try:
            if len(text) <= RENDER_INLINE_CHARS:
                return comment_text.render(text), True
            if self._renderers is None:
                self._renderers = ThreadPoolExecutor(RENDER_THREADS, "newsroom-render")
            loop = asyncio.get_running_loop()
            rendering = loop.run_in_executor(self._renderers, comment_text.render, text)
            return await asyncio.wait_for(rendering, RENDER_DEADLINE), True
        except Exception as exc:  # too slow, or a fault in the renderer: keep the comment
            reason = "took too long" if isinstance(exc, TimeoutError) else repr(exc)
            logger.warning("Comment on %s kept as typed: rendering %s", thread.slug, reason)
            return comment_text.plain_html(text), False
