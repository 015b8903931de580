"""The moderators' console at /moderate: sign-in, the queue, a comment's page, accounts,
and the mail's one-click links. Plain forms and links work without JavaScript; the
console's own script (static/console.js) adds shortcuts and actions without a reload."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from newsroom.comments.store import StoreError
from newsroom.service.console import accounts_pages, auth, mail_links, queue_pages
from newsroom.service.console.pages import STATIC, ConsoleHeaders, store_unavailable


def console(service) -> Starlette:
    routes = [
        Route("/", queue_pages.queue, methods=["GET"]),
        Route("/login", auth.sign_in_page, methods=["GET"]),
        Route("/login", auth.sign_in, methods=["POST"]),
        Route("/logout", auth.sign_out, methods=["POST"]),
        Route("/act", queue_pages.act, methods=["POST"]),
        Route("/empty-spam", queue_pages.empty_spam, methods=["POST"]),
        Route("/comments/{id}", queue_pages.comment_page, methods=["GET"]),
        Route("/comments/{id}/reply", queue_pages.reply, methods=["POST"]),
        Route("/comments/{id}/edit", queue_pages.edit, methods=["POST"]),
        Route("/moderators", accounts_pages.moderators_page, methods=["GET"]),
        Route("/moderators", accounts_pages.manage, methods=["POST"]),
        Route("/password", accounts_pages.own_password, methods=["GET", "POST"]),
        Route("/mail/{token}", mail_links.confirm, methods=["GET"]),
        Route("/mail/{token}", mail_links.carry_out, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(ConsoleHeaders)],
        exception_handlers={StoreError: store_unavailable},
    )
    app.state.service = service
    app.state.hashing = asyncio.Semaphore(auth.HASHING_AT_ONCE)
    app.state.waiting = 0
    app.state.signing_in = set()  # address groups with a sign-in in flight
    return app
