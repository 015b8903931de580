"""The pages readers' mail links to (comments/reader_mail.py): confirming an address, and
unsubscribing from one article or from everything.

Opening a link only shows a page (mail scanners open links); its button's POST acts. The
signed token in the link is the reader's authority, so these POSTs need no session, CSRF
token or ``Origin``: mail providers send RFC 8058's one-click POST
(``List-Unsubscribe=One-Click``) from their own servers, to the link itself.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from newsroom.comments import reader_mail
from newsroom.comments.signing import BadToken
from newsroom.comments.store.clock import now

if TYPE_CHECKING:
    import jinja2

    from newsroom.comments.store.subscriptions import Subscriber
    from newsroom.service.posting import CommentService

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
MAX_FORM_BYTES = 2048  # a token and a word
EXPIRED = (
    "This link has expired, or is not one of ours. Tick the box again on your next "
    "comment to be sent a new one."
)
UNKNOWN = "This address gets no mail from us any more: there is nothing to do."


async def confirm_page(request: Request) -> Response:
    return await _question(
        request,
        reader_mail.CONFIRM,
        "Confirm your address",
        "Mail this address when my comments are published and when someone replies to them?",
        [{"label": "Yes, e-mail me", "scope": ""}],
    )


async def confirm(request: Request) -> Response:
    token = (await _form(request)).get("token", "")
    found = await _subscriber(request, reader_mail.CONFIRM, token)
    if isinstance(found, Response):
        return found
    subscriber, data = found
    store = _service(request).store.opened()
    if not await run_in_threadpool(store.trust, subscriber.id, data["c"], now()):
        gone = "The comment this link was for is gone: there is nothing to confirm."
        return _page(request, "Nothing to do", gone)
    message = (
        "Thank you: you will get a mail when your comment is published and when someone "
        "replies. Every mail has a link to stop them."
    )
    return _page(request, "Address confirmed", message, status=True)


async def unsubscribe_page(request: Request) -> Response:
    return await _question(
        request,
        reader_mail.UNSUBSCRIBE,
        "Stop these mails",
        "Stop mail about your comments on this article, or every mail from us?",
        [
            {"label": "Stop mail about this article", "scope": "thread"},
            {"label": "Stop every mail", "scope": "all"},
        ],
    )


async def _question(
    request: Request, purpose: str, title: str, question: str, buttons: list[dict[str, str]]
) -> Response:
    """What a link opens: a page asking, whose buttons post its token (nothing changes)."""
    token = request.query_params.get("token", "")
    found = await _subscriber(request, purpose, token)
    if isinstance(found, Response):
        return found
    return _page(request, title, question, token=token, buttons=buttons)


async def unsubscribe(request: Request) -> Response:
    """The page's buttons post the token and a scope; a one-click POST (RFC 8058) posts
    ``List-Unsubscribe=One-Click`` to the link, its token in the address."""
    form = await _form(request)
    token = form.get("token") or request.query_params.get("token", "")
    found = await _subscriber(request, reader_mail.UNSUBSCRIBE, token)
    if isinstance(found, Response):
        return found
    subscriber, data = found
    everything = form.get("scope") == "all"
    store = _service(request).store.opened()
    thread = None if everything else data["t"]
    await run_in_threadpool(store.unsubscribe, subscriber.id, thread, now())
    message = (
        "You will get no more mail from us."
        if everything
        else "You will get no more mail about your comments on this article."
    )
    return _page(request, "Unsubscribed", message, status=True)


async def _subscriber(
    request: Request, purpose: str, token: str
) -> tuple[Subscriber, dict[str, Any]] | Response:
    """The subscriber a valid token names and the token's data, or the page saying why
    not."""
    service = _service(request)
    try:
        data = reader_mail.read_token(service.signer, purpose, token)
    except BadToken:
        return _page(request, "Link expired", EXPIRED, code=410)
    store = service.store.opened()
    subscriber = await run_in_threadpool(store.subscriber, data["s"])
    if subscriber is None or not reader_mail.matches(service.signer, subscriber, data):
        return _page(request, "Nothing to do", UNKNOWN)
    return subscriber, data


async def _form(request: Request) -> dict[str, str]:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            return {}
    try:
        pairs = parse_qsl(raw.decode("utf-8", "replace"), max_num_fields=5)
    except ValueError:
        return {}
    return dict(pairs)


def _page(
    request: Request,
    heading: str,
    message: str,
    code: int = 200,
    token: str = "",
    buttons: list[dict[str, str]] | None = None,
    status: bool = False,
) -> Response:
    service = _service(request)
    built = service.threads.current()
    site = built.site_name or "Comments"
    back = service.settings.comments.site_url or built.site_url or "/"
    html = (
        _environment()
        .get_template("subscription_page.html")
        .render(
            heading=heading,
            message=message,
            site=site,
            back=back,
            token=token,
            buttons=buttons or [],
            action=request.url.path,
            status=status,
        )
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, code, headers=headers)


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def _service(request: Request) -> CommentService:
    return request.app.state.service
