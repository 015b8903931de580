"""The moderator mail's one-click links: opening one shows what it will do; only the
page's POST does it, once (the link's token is spent). No session is needed: the signed
link is the moderator's authority, as the mail that carried it was."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsroom.comments import action_links, moderation
from newsroom.comments.signing import BadToken
from newsroom.service.console.auth import form_fields, service
from newsroom.service.console.pages import page

EXPIRED = "This link has expired or was used already. Sign in to the console to moderate."


async def confirm(request: Request) -> Response:
    token = request.path_params["token"][:1000]
    try:
        id, action = action_links.read(service(request).signer, token)
    except BadToken:
        return page("message.html", 410, title="Link expired", who=None, message=EXPIRED)
    comment = await service(request).store.get(id)
    if comment is None:
        return page("message.html", 404, title="No such comment", who=None,
                    message=f"Comment {id} was deleted.")  # fmt: skip
    return page(
        "confirm.html",
        title=f"{action.title()} comment {id}?",
        who=None,
        comment=comment,
        action=action,
        token=token,
        thread=service(request).threads.get(comment.thread),
    )


async def carry_out(request: Request) -> Response:
    form = await form_fields(request)
    token = form.get("token", "")
    settings = service(request).settings.comments
    store = service(request).store.opened()
    try:
        id, action = await run_in_threadpool(
            action_links.spend, service(request).signer, token, store.spend_token
        )
    except BadToken:
        return page("message.html", 410, title="Link expired", who=None, message=EXPIRED)
    comment = await service(request).store.get(id)
    if comment is not None and comment.status != "pending":  # decided meanwhile: it stands
        message = f"Comment {id} is {comment.status} already: the link changed nothing."
        return page("message.html", 409, title="Already decided", who=None, message=message)
    actor = f"mail:{settings.moderator_email or 'link'}"
    done = await run_in_threadpool(moderation.moderate, settings, store, [id], action, actor)
    said = "approved" if action == "approve" else "marked as spam"
    message = f"Comment {id} is {said}." if done.changed else f"Comment {id} was not found."
    return page("message.html", title="Done", who=None, message=message)
