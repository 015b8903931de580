"""The comment API under /api, as a Starlette application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from newsroom.comments import authors, model
from newsroom.comments.config import Settings
from newsroom.comments.manifest import Thread
from newsroom.comments.model import Submission
from newsroom.comments.store import Store, StoreError
from newsroom.service import form_page, intake
from newsroom.service.client_address import client_address
from newsroom.service.cloudfront import OnlyThroughCloudFront, Secrets
from newsroom.service.intake import IntakeError
from newsroom.service.origins import foreign_origin
from newsroom.service.posting import CommentService, Outcome, Visitor
from newsroom.service.settings import ServiceSettings

if TYPE_CHECKING:
    from newsroom.comments.akismet_gateway import Gateway

logger = logging.getLogger("newsroom.service")

MAX_THREADS_PER_COUNT = 100
# The author's proof (comments/authors.py): the page's script sends the header, a form
# post without JavaScript the cookie.
PROOF_HEADER = "Newsroom-Author"
PROOF_COOKIE = "newsroom_author"
MAX_PROOF_CHARS = 500
JOBS_EVERY = 60  # seconds between looks at which jobs are due, under `newsroom serve`
SUBSCRIPTIONS = "/api/subscriptions"  # readers' mail links (reader_mail.PATH)


def create_app(
    settings: ServiceSettings | None = None,
    store: Store | None = None,
    gateway: Gateway | None = None,
    run_jobs: bool = False,
) -> Starlette:
    """The API; with ``run_jobs`` (`newsroom serve`), the jobs run in the background too
    (on Lambda, EventBridge schedules call them instead)."""
    settings = settings or ServiceSettings.from_env()
    service = CommentService(settings, store=store, gateway=gateway)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await service.store.ping()  # opens and migrates the store before the first request
        service.gateway()  # and says now, not at the first post, when there is no key
        background = asyncio.create_task(_run_jobs(service)) if run_jobs else None
        yield
        if background is not None:
            background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await background
        await service.close()

    routes = [
        Route("/api/comments", post_comment, methods=["POST"]),
        Route("/api/comments", list_comments, methods=["GET"]),
        Route("/api/comments/counts", count_comments, methods=["GET"]),
        Route("/api/comments/form", comment_form, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
        Route(f"{SUBSCRIPTIONS}/confirm", _lazy("confirm_page"), methods=["GET"]),
        Route(f"{SUBSCRIPTIONS}/confirm", _lazy("confirm"), methods=["POST"]),
        Route(f"{SUBSCRIPTIONS}/unsubscribe", _lazy("unsubscribe_page"), methods=["GET"]),
        Route(f"{SUBSCRIPTIONS}/unsubscribe", _lazy("unsubscribe"), methods=["POST"]),
        Mount("/moderate", app=LazyConsole(service)),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={StoreError: store_unavailable}
    )
    app.state.service = service
    if settings.allowed_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", PROOF_HEADER],
        )
    if settings.cloudfront_secrets:  # outermost: nothing answers a request that went round
        app.add_middleware(OnlyThroughCloudFront, secrets=Secrets(settings.cloudfront_secrets))
    return app


class LazyConsole:
    """The console, built at its first request: a reader's cold GET does not import it."""

    def __init__(self, service: CommentService) -> None:
        self.service = service
        self.app: Starlette | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.app is None:
            from newsroom.service.console import console

            self.app = console(self.service)
        await self.app(scope, receive, send)


def _lazy(name: str):
    """A page of subscription_pages.py, imported at its first request (a cold start that
    answers a reader's GET does not pay for mail)."""

    async def endpoint(request: Request) -> Response:
        from newsroom.service import subscription_pages

        page: Callable[[Request], Awaitable[Response]] = getattr(subscription_pages, name)
        return await page(request)

    endpoint.__name__ = name
    return endpoint


def _service(request: Request) -> CommentService:
    return request.app.state.service


async def post_comment(request: Request) -> Response:
    service = _service(request)
    content_type = request.headers.get("content-type", "")
    is_form = intake.media_type(content_type) in intake.FORMS
    data: dict = {}
    try:
        if is_form:
            _check_origin(request, service)
        intake.check_content_type(content_type)
        intake.check_media_type(intake.media_type(content_type))
        intake.check_length(request.headers.get("content-length"))
        raw = await _body(request)
        if intake.media_type(content_type) == intake.MULTIPART:  # the MIME parser is slow
            data = await asyncio.to_thread(intake.parse, raw, content_type)
        else:
            data = intake.parse(raw, content_type)
        submission = intake.validate(data)
        outcome = await service.post(submission, _visitor(request, service))
    except IntakeError as refusal:
        return _refusal(request, refusal, data if is_form else None)
    except StoreError as exc:
        logger.error("Comment not stored: %s", exc)
        return _refusal(
            request,
            IntakeError(
                503,
                {"request": "Comments cannot be saved right now; try again soon."},
                {"Retry-After": "30"},
            ),
            data if is_form else None,
        )
    task = _notify_task(service, outcome, submission)
    if is_form:
        fragment = "comment-published" if outcome.status == "approved" else "comment-pending"
        # A root-relative permalink stays relative: the browser resolves it against the
        # address it posted to, right behind any proxy (the request may say http).
        target = outcome.thread.permalink
        answer = RedirectResponse(f"{target}#{fragment}", status_code=303, background=task)
        _keep_proof(request, answer, outcome.author_token)
        return answer
    data = {"id": outcome.id, "status": outcome.status, "author_token": outcome.author_token}
    return JSONResponse(data, 202, background=task)


def _keep_proof(request: Request, answer: Response, token: str) -> None:
    """Without JavaScript, the author's proof is a cookie: first-party when the site and
    the API share an origin, sent only to the comment API, never readable by scripts."""
    answer.set_cookie(
        PROOF_COOKIE,
        token,
        max_age=int(authors.LIFETIME.total_seconds()),
        path=_post_path(request),
        secure=request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https",
        httponly=True,
        samesite="lax",
    )


def _check_origin(request: Request, service: CommentService) -> None:
    """A form post from another site's page is refused: it would spread a spammer's
    posts over innocent readers' addresses."""
    public = service.settings.comments.site_url or service.threads.current().site_url
    if not public:
        service.say_once(
            "No public site URL (NEWSROOM_SITE_URL, or SITEURL in the build): form posts "
            "are checked against the Host they were sent to, which suits development only."
        )
    ours = (public, *service.settings.allowed_origins)
    foreign = foreign_origin(request.headers, ours, request.headers.get("host", ""))
    if foreign is not None:
        logger.info("Form post from another site refused: %s", foreign)
        message = (
            "This comment was sent from a page of another site, so it was not accepted. "
            "To comment, use the form on the article's own page."
        )
        raise IntakeError(403, {"request": message})


async def _run_jobs(service: CommentService) -> None:
    """Run the jobs that are due, now and every JOBS_EVERY, until the app stops."""
    from newsroom.comments import jobs

    holder = jobs.runner_name()
    while True:
        try:
            await jobs.run_due(service.settings.comments, service.store.opened(), holder=holder)
        except Exception:  # a store outage, say: tried again on the next turn
            logger.exception("Running the jobs failed")
        await asyncio.sleep(JOBS_EVERY)


async def _body(request: Request) -> bytes:
    """The body, read no further than the limit."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > intake.MAX_REQUEST_BYTES:
            raise intake.too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _visitor(request: Request, service: CommentService) -> Visitor:
    peer = request.client.host if request.client else ""
    proxies = service.settings.believed_proxies
    ip = client_address(peer, request.headers.get("x-forwarded-for"), proxies)
    return Visitor(
        ip=ip,
        user_agent=request.headers.get("user-agent", ""),
        referrer=request.headers.get("referer", ""),
        base_url=str(request.base_url),
        author_proof=(request.headers.get(PROOF_HEADER) or request.cookies.get(PROOF_COOKIE) or "")[
            :MAX_PROOF_CHARS
        ],
    )


def _post_path(request: Request) -> str:
    """Where form pages post: root-relative, so that behind a TLS proxy the form posts
    over https too (the request's own URL says http there)."""
    return request.scope.get("root_path", "") + "/api/comments"


def _refusal(request: Request, refusal: IntakeError, form_values: dict | None) -> Response:
    if form_values is None:
        return JSONResponse({"errors": refusal.errors}, refusal.status, headers=refusal.headers)
    values = {k: v for k, v in form_values.items() if isinstance(v, str)}
    thread = _service(request).threads.get(values.get("thread", ""))
    html = form_page.page(
        action=_post_path(request),
        values=values,
        errors=refusal.errors,
        title=thread.title if thread else "",
        back=thread.permalink if thread else "",
        heading="Comment not accepted" if refusal.status == 403 else "",
    )
    return HTMLResponse(html, refusal.status, headers=refusal.headers)


def _notify_task(
    service: CommentService, outcome: Outcome, submission: Submission
) -> BackgroundTask | None:
    """The moderator's mail, sent after the answer: only for a comment stored as pending
    (not spam, not a dropped one, whose answer only looks pending)."""
    settings = service.settings.comments
    if outcome.stored != "pending" or not (settings.smtp_url and settings.moderator_email):
        return None
    if outcome.mail_waits:  # the recheck job sends it (comments/jobs.py)
        return None
    return BackgroundTask(_notify, settings, outcome.id, submission, outcome.thread)


def _notify(settings: Settings, comment_id: int, submission: Submission, thread: Thread) -> None:
    from newsroom.comments.mail import notify_pending

    try:
        notify_pending(settings, comment_id, submission, thread)
    except Exception:  # the comment is stored; a mail problem must only be logged
        logger.exception("Moderator mail for comment %s failed", comment_id)


async def list_comments(request: Request) -> Response:
    thread = _thread_parameter(request)
    if isinstance(thread, Response):
        return thread
    comments = await _service(request).store.published(thread)
    return Response(model.thread_json(thread, comments), media_type="application/json")


async def count_comments(request: Request) -> Response:
    threads = request.query_params.getlist("thread")
    if not threads:
        return _bad_query("Give at least one thread.")
    if len(threads) > MAX_THREADS_PER_COUNT or not all(
        0 < len(t) <= model.LIMITS["thread"] for t in threads
    ):
        return _bad_query(f"At most {MAX_THREADS_PER_COUNT} threads of 200 characters.")
    return JSONResponse(await _service(request).store.counts(threads))


async def comment_form(request: Request) -> Response:
    """The reply form for readers without JavaScript (the reply links point here)."""
    thread_slug = _thread_parameter(request)
    if isinstance(thread_slug, Response):
        return thread_slug
    parent = request.query_params.get("parent", "")
    thread = _service(request).threads.get(thread_slug)
    if thread is None or (parent and not parent.isdigit()):
        return _bad_query("No such thread or comment.")
    html = form_page.page(
        action=_post_path(request),
        values={"thread": thread_slug, "parent": parent},
        errors={},
        title=thread.title,
        back=thread.permalink,
    )
    return HTMLResponse(html)


def _thread_parameter(request: Request) -> str | Response:
    thread = request.query_params.get("thread", "")
    if not thread or len(thread) > model.LIMITS["thread"]:
        return _bad_query("Give the thread, at most 200 characters.")
    return thread


def _bad_query(message: str) -> Response:
    return JSONResponse({"errors": {"thread": message}}, 400)


async def store_unavailable(request: Request, exc: Exception) -> Response:
    """A read the store could not answer: 503, the reason in the log only."""
    logger.error("Store unavailable for %s %s: %s", request.method, request.url.path, exc)
    message = "Comments cannot be read right now; try again soon."
    return JSONResponse({"errors": {"request": message}}, 503, headers={"Retry-After": "30"})


async def health(request: Request) -> Response:
    try:
        await _service(request).store.ping()
    except Exception as exc:  # any failure means unhealthy; the reason goes to the log only
        logger.error("Health check failed: %s", exc)
        return JSONResponse({"status": "unavailable"}, 503)
    return JSONResponse({"status": "ok"})


async def openapi(request: Request) -> Response:
    from newsroom.service.openapi import document

    return JSONResponse(document())
