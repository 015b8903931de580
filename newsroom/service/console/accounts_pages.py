"""Accounts in the console: an admin adds and removes moderators and sets their
passwords; everyone changes their own password (knowing the current one)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsroom.comments.accounts import (
    ROLES,
    AccountError,
    account_email,
    account_name,
    account_role,
    hash_password,
    verify_password,
)
from newsroom.service.console.auth import checked_post, service, sign_in_required, signed_in
from newsroom.service.console.pages import page, see_other


async def moderators_page(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return sign_in_required(request)
    if not who.moderator.is_admin:
        return _admins_only(who)
    everyone = await service(request).store.run(lambda s: s.moderators())
    return page(
        "moderators.html",
        title="Moderators",
        who=who,
        moderators=everyone,
        roles=ROLES,
        error=request.query_params.get("error", "")[:200],
        done=request.query_params.get("done", "")[:200],
    )


async def manage(request: Request) -> Response:
    """POST: add, remove, or set a password, as the form's ``do`` says."""
    checked = await checked_post(request)
    if isinstance(checked, Response):
        return checked
    who, form = checked
    if not who.moderator.is_admin:
        return _admins_only(who)
    store = service(request).store.opened()
    try:
        done = await run_in_threadpool(_manage, store, form, who.moderator.email)
    except AccountError as exc:
        return see_other("/moderate/moderators?" + _query("error", str(exc)))
    return see_other("/moderate/moderators?" + _query("done", done))


def _manage(store, form: dict[str, str], admin: str) -> str:
    do = form.get("do", "")
    if do == "add":
        email = account_email(form.get("email", ""))
        store.add_moderator(
            email,
            account_name(form.get("name", ""), email),
            account_role(form.get("role", "moderator")),
            hash_password(form.get("password", "")),
        )
        return f"Added {email}."
    email = form.get("email", "").strip().casefold()
    if do == "remove":
        if email == admin:
            raise AccountError("you cannot remove your own account here")
        if not store.remove_moderator(email):
            raise AccountError(f"no moderator {email}")
        return f"Removed {email}; their sessions have ended."
    if do == "password":
        if email == admin:
            raise AccountError("change your own password on Your password (it asks for it)")
        if not store.set_password_hash(email, hash_password(form.get("password", ""))):
            raise AccountError(f"no moderator {email}")
        return f"New password set for {email}; their sessions have ended."
    raise AccountError("nothing to do")


async def own_password(request: Request) -> Response:
    if request.method == "GET":
        who = await signed_in(request)
        if who is None:
            return sign_in_required(request)
        return page("password.html", title="Your password", who=who, error="")
    checked = await checked_post(request)
    if isinstance(checked, Response):
        return checked
    who, form = checked
    moderator = who.moderator
    current = form.get("current", "")
    matches = await run_in_threadpool(verify_password, moderator.password_hash, current)
    error = "" if matches else "Your current password is not that."
    if matches:
        try:
            new_hash = await run_in_threadpool(hash_password, form.get("password", ""))
        except AccountError as exc:
            error = str(exc)
    if error:
        return page("password.html", 422, title="Your password", who=who, error=error)
    store = service(request).store
    await store.run(lambda s: s.set_password_hash(moderator.email, new_hash))
    return see_other("/moderate/login")  # every session ended, this one too


def _admins_only(who) -> Response:
    return page("message.html", 403, title="Admins only", who=who,
                message="Only an admin manages moderators.")  # fmt: skip


def _query(key: str, value: str) -> str:
    from urllib.parse import urlencode

    return urlencode({key: value[:200]})
