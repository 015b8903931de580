"""Who is signed in to the console: the session cookie, the scheme it may travel over,
the CSRF token, and the sign-in and sign-out pages.

The cookie is HttpOnly and SameSite=Strict. Over HTTPS (the scheme the browser used:
the connection's, or X-Forwarded-Proto from a trusted proxy) it is ``__Host-``-prefixed
and Secure; over plain HTTP only a browser on this machine may sign in (``make serve``),
with an unprefixed cookie. Every state change carries the session's CSRF token (a form
field, or the X-CSRF-Token header from the console's script); the sign-in form, which
comes before any session, carries a signed token of its own.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsroom.comments import sessions
from newsroom.comments.accounts import Moderator
from newsroom.comments.config import is_loopback
from newsroom.comments.signing import BadToken
from newsroom.comments.store.clock import now
from newsroom.service.client_address import address_group, client_address, is_trusted
from newsroom.service.console.pages import json, page, see_other, wants_json

if TYPE_CHECKING:
    from newsroom.comments.sessions import Session
    from newsroom.service.posting import CommentService

SECURE_COOKIE = "__Host-newsroom-console"
LOCAL_COOKIE = "newsroom-console"  # plain HTTP on this machine only
CSRF_HEADER = "x-csrf-token"
SIGN_IN_PURPOSE = "console-sign-in"
SIGN_IN_FORM_LIFETIME = timedelta(hours=2)
MAX_FIELD_CHARS = 1000  # a token, an address, a name
MAX_BODY_CHARS = 5000  # the longest field: a reply's or an edit's text
MAX_FORM_BYTES = 128 * 1024
MAX_FIELDS = 500
FORM_TYPES = ("application/x-www-form-urlencoded", "")
HASHING_AT_ONCE = 2  # Argon2 runs (19 MiB and ~30 ms of a core each) at a time, per process
HASHING_QUEUE = 16  # sign-ins waiting beyond that are told to try again


@dataclass(frozen=True)
class SignedIn:
    session: Session
    moderator: Moderator


def service(request: Request) -> CommentService:
    return request.app.state.service


def scheme(request: Request) -> str:
    """The scheme the browser used."""
    if request.url.scheme == "https":
        return "https"
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    proxies = service(request).settings.believed_proxies
    return "https" if forwarded == "https" and is_trusted(peer, proxies) else "http"


def client(request: Request) -> str:
    """The client's address, as the comment API takes it (app._visitor)."""
    peer = request.client.host if request.client else ""
    proxies = service(request).settings.believed_proxies
    return client_address(peer, request.headers.get("x-forwarded-for"), proxies)


PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-proto", "forwarded")


def cookie_name(request: Request) -> str | None:
    """The session cookie's name for this request; None: no sign-in over this scheme.
    Plain HTTP only from this machine, and not through a proxy nobody named (every
    client would then look local)."""
    if scheme(request) == "https":
        return SECURE_COOKIE
    peer = request.client.host if request.client else ""
    proxied = any(h in request.headers for h in PROXY_HEADERS)
    if proxied and not is_trusted(peer, service(request).settings.believed_proxies):
        return None
    return LOCAL_COOKIE if is_loopback(client(request)) else None


async def signed_in(request: Request) -> SignedIn | None:
    name = cookie_name(request)
    cookie = request.cookies.get(name, "") if name else ""
    if not cookie:
        return None
    store = service(request).store
    found = await store.run(lambda s: sessions.current(s, cookie, now()))
    return SignedIn(*found) if found else None


def sign_in_required(request: Request) -> Response:
    """No session: the script gets 401, a browser the sign-in page."""
    if wants_json(request):
        return json({"error": "Sign in first."}, 401)
    return see_other("/moderate/login")


def csrf_ok(request: Request, who: SignedIn, form: dict[str, str]) -> bool:
    token = request.headers.get(CSRF_HEADER) or form.get("csrf", "")
    return sessions.csrf_matches(who.session, token[:MAX_FIELD_CHARS])


def csrf_refused(request: Request) -> Response:
    message = "This form has expired or did not come from the console. Reload and try again."
    if wants_json(request):
        return json({"error": message}, 403)
    return page("message.html", 403, title="Not done", message=message, who=None)


class Posted(dict[str, str]):
    """A posted form: each field's last value, cut to a bounded length; ``all`` for a
    field sent several times (the ticked comments)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__((k, v[:MAX_BODY_CHARS]) for k, v in pairs)
        self._pairs = pairs

    def all(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]


async def checked_post(request: Request) -> tuple[SignedIn, Posted] | Response:
    """The moderator and the form of a POST that carries their CSRF token, or the answer
    to give instead (sign in first; 403)."""
    who = await signed_in(request)
    if who is None:
        return sign_in_required(request)
    form = await form_fields(request)
    if not csrf_ok(request, who, form):
        return csrf_refused(request)
    return who, form


async def form_fields(request: Request) -> Posted:
    """The console's forms are URL-encoded (its script sends them so too), and small."""
    if request.headers.get("content-type", "").split(";")[0].strip() not in FORM_TYPES:
        return Posted([])
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            return Posted([])  # nothing posted counts: every check below fails
    text = raw.decode("utf-8", "replace")
    try:
        return Posted(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS))
    except ValueError:  # more fields than any console form has
        return Posted([])


# --- sign-in and sign-out --------------------------------------------------------------


async def sign_in_page(request: Request) -> Response:
    if await signed_in(request) is not None:
        return see_other("/moderate/")
    return _sign_in_form(request)


def _sign_in_form(request: Request, error: str = "", email: str = "", status: int = 200):
    token = service(request).signer.sign(SIGN_IN_PURPOSE, {}, SIGN_IN_FORM_LIFETIME)
    refused = cookie_name(request) is None
    return page(
        "sign_in.html",
        401 if error and status == 200 else status,
        title="Sign in",
        who=None,
        token=token,
        error=error,
        email=email,
        plain_http=refused,
    )


def sign_in_group(address: str) -> str:
    """What sign-in failures are counted by: the address; for IPv6 its /48 (a site's
    allocation: a /64 per try would give a guesser 65,536 fresh counts)."""
    group = address_group(address)
    if ":" in group and "/" in group:
        return str(ipaddress.ip_network(group).supernet(new_prefix=48))
    return group


def _cross_site(request: Request) -> bool:
    """A sign-in posted from another site's page (login CSRF), as the browser says
    (Sec-Fetch-Site; the Host may differ from the browser's behind a CDN)."""
    return request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


async def sign_in(request: Request) -> Response:
    name = cookie_name(request)
    if name is None:
        return _sign_in_form(request, "Sign in over HTTPS.", status=403)
    if _cross_site(request):
        return _sign_in_form(request, "Sign in from this page.", status=403)
    form = await form_fields(request)
    try:
        service(request).signer.verify(SIGN_IN_PURPOSE, form.get("token", ""))
    except BadToken:
        return _sign_in_form(request, "The form had expired: sign in again.", status=403)
    email, password = form.get("email", ""), form.get("password", "")
    shown = email.strip()[:254]
    group = sign_in_group(client(request))
    store = service(request).store
    account = email.strip().casefold()
    if await store.run(lambda s: sessions.backing_off(s, account, group, now())):
        return _sign_in_form(request, sessions.WAIT, shown, 429)  # before any hashing
    state = request.app.state
    if state.waiting >= HASHING_QUEUE or group in state.signing_in:
        return _sign_in_form(request, "Too many sign-ins at once: try again.", shown, 503)
    state.waiting += 1
    state.signing_in.add(group)  # one sign-in in flight per address
    try:
        async with state.hashing:
            opened = await run_in_threadpool(
                sessions.sign_in, store.opened(), email, password, group, now()
            )
    except sessions.SignInRefused as exc:
        status = 429 if str(exc) == sessions.WAIT else 401
        return _sign_in_form(request, str(exc), shown, status)
    finally:
        state.waiting -= 1
        state.signing_in.discard(group)
    await _end_old_session(request, name)
    answer = see_other("/moderate/")
    answer.set_cookie(
        name,
        opened.cookie,
        max_age=int(sessions.LIFETIME.total_seconds()),
        path="/",
        secure=name == SECURE_COOKIE,
        httponly=True,
        samesite="strict",
    )
    return answer


async def _end_old_session(request: Request, name: str) -> None:
    """A session id the browser brought is never kept past a sign-in (fixation)."""
    old = request.cookies.get(name, "")
    if old:
        store = service(request).store
        await store.run(lambda s: s.close_session(sessions.session_id(old)))


async def sign_out(request: Request) -> Response:
    checked = await checked_post(request)
    if isinstance(checked, Response):
        return checked
    who, _ = checked
    await service(request).store.run(lambda s: s.close_session(who.session.id))
    answer = see_other("/moderate/login")
    name = cookie_name(request) or LOCAL_COOKIE
    answer.delete_cookie(
        name, path="/", secure=name == SECURE_COOKIE, httponly=True, samesite="strict"
    )
    answer.headers["Clear-Site-Data"] = '"cache", "cookies"'
    return answer
