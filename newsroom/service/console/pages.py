"""The console's pages: its templates, and the headers every answer of it carries.

OWASP's headers for a signed-in area: a Content-Security-Policy that allows our own
script and style only (no inline script, nothing from elsewhere, no framing), no
Referer to the sites a comment links to, and nothing kept in any cache (a shared
computer's back button shows no queue after sign-out).
"""

from __future__ import annotations

import functools
import logging
import os
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse

if TYPE_CHECKING:
    import jinja2

logger = logging.getLogger("newsroom.service")
TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
STATIC = os.path.join(os.path.dirname(__file__), "static")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True
    )
    environment.filters["excerpt"] = excerpt
    return environment


def page(template: str, code: int = 200, **context: Any) -> HTMLResponse:
    html = _environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=code)


def see_other(location: str) -> RedirectResponse:
    """POST, then 303: a reload never posts again."""
    return RedirectResponse(location, status_code=303)


def json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def wants_json(request) -> bool:
    """The console's script asks for JSON; a plain form or link gets HTML."""
    return "application/json" in request.headers.get("accept", "")


async def store_unavailable(request, exc: Exception) -> HTMLResponse:
    """The store failed (its error is logged by the store's caller, never shown)."""
    logger.error("Console: the comment store failed: %s", exc)
    answer = page("message.html", 503, title="Try again", who=None,
                  message="The comment store is not answering. Try again in a moment.")  # fmt: skip
    answer.headers["Retry-After"] = "30"
    return answer


def excerpt(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ConsoleHeaders:
    """ASGI middleware: the headers above on every answer of the console, errors too."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]

        async def send_secured(message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_secured)
