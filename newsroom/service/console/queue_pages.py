"""The queue and a comment's page: views with counts, filters, search, pages; the row,
bulk and empty-spam actions; the newsroom's replies and quick edits. Every action goes
through newsroom/comments/moderation.py, as `newsroom comments` does."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsroom.comments import moderation
from newsroom.comments.model import STATUSES, Comment
from newsroom.comments.store import Store
from newsroom.comments.store.audit import AuditEntry
from newsroom.comments.store.queue import MAX_SEARCH_CHARS, QueueFilter
from newsroom.service.console.auth import (
    MAX_FIELD_CHARS,
    Posted,
    SignedIn,
    checked_post,
    service,
    sign_in_required,
    signed_in,
)
from newsroom.service.console.pages import json, page, see_other, wants_json

PAGE_SIZE = 20
VIEWS = (*STATUSES, "all")
MAX_BULK = 200  # comments one action may name
DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: str.isdigit() takes "²" too
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # no store's search takes a NUL
SAFE_BACK = re.compile(r"^/moderate/(?:[?][^\\\s]*)?$|^/moderate/comments/\d+$")


@dataclass(frozen=True)
class QueuePage:
    comments: list[Comment]
    counts: dict[str, int]
    capped: bool  # a search's counts stopped at COUNT_CAP
    parents: dict[int, tuple[str, str]]
    by_ip: dict[str, dict[str, int]]
    trails: dict[int, list[AuditEntry]]


def load_queue(store: Store, view: QueueFilter, number: int) -> QueuePage:
    """Everything one page of the queue shows, read in one worker thread."""
    if view.searched:
        store.catch_up_search()
    counted = store.queue_counts(view)
    comments = store.queue(view, PAGE_SIZE, (number - 1) * PAGE_SIZE, common=counted.capped)
    counts: dict[str, int] = {str(k): n for k, n in counted.by_status.items()}
    counts["all"] = sum(counts.values())
    ids = [c.id for c in comments]
    return QueuePage(
        comments=comments,
        counts=counts,
        capped=counted.capped,
        parents=store.excerpts([c.parent for c in comments if c.parent]),
        by_ip=store.address_history([c.ip for c in comments if c.ip]),
        trails=store.logs(ids),
    )


def _view(request: Request) -> tuple[QueueFilter, str, int]:
    query = request.query_params
    status = query.get("status", "pending")
    if status not in VIEWS:
        status = "pending"
    view = QueueFilter(
        status=None if status == "all" else status,  # type: ignore[arg-type]
        thread=CONTROL.sub("", query.get("thread", "")).strip()[:200] or None,
        search=CONTROL.sub(" ", query.get("q", ""))[:MAX_SEARCH_CHARS],
        oldest_first=query.get("order") == "oldest",
    )
    number = query.get("page", "1")
    return view, status, int(number) if DIGITS.fullmatch(number) and len(number) < 7 else 1


def _query(current: str, view: QueueFilter, **changes: Any) -> str:
    """The queue's address with these filters (for links and for coming back)."""
    params = {
        "status": current,
        "thread": view.thread or "",
        "q": view.search,
        "order": "oldest" if view.oldest_first else "",
        **changes,
    }
    kept = {k: v for k, v in params.items() if v not in ("", None, 1, "1", "pending")}
    return "/moderate/" + ("?" + urlencode(kept) if kept else "")


async def queue(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return sign_in_required(request)
    view, status, number = _view(request)
    loaded = await service(request).store.run(lambda s: load_queue(s, view, number))
    total = loaded.counts[status]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if loaded.capped:  # more pages than counted: one more while this one is full
        pages = max(pages, number + (len(loaded.comments) == PAGE_SIZE))
    if wants_json(request):
        counts = {k: _shown(n, loaded.capped) for k, n in loaded.counts.items()}
        return json({"counts": counts, "ids": [c.id for c in loaded.comments]})
    threads = service(request).threads.current().threads
    return page(
        "queue.html",
        title=f"{status.title()} comments",
        shown=lambda n: _shown(n, loaded.capped),
        who=who,
        view=view,
        status=status,
        views=VIEWS,
        page_number=min(number, pages),
        pages=pages,
        total=total,
        capped=loaded.capped,
        loaded=loaded,
        threads=threads,
        link=lambda **changes: _query(status, view, **changes),
        back=_query(status, view, page=number),
        error=request.query_params.get("error", "")[:200],
    )


async def comment_page(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return sign_in_required(request)
    id = _id(request.path_params["id"])
    found = await service(request).store.run(lambda s: _load_comment(s, id))
    if found is None:
        return page("message.html", 404, title="No such comment", who=who,
                    message=f"There is no comment {id}: it may have been deleted.")  # fmt: skip
    comment, parent, by_ip, trail = found
    return page(
        "comment.html",
        title=f"Comment {comment.id}",
        who=who,
        comment=comment,
        parent=parent,
        by_ip=by_ip,
        trail=trail,
        thread=service(request).threads.get(comment.thread),
        back=f"/moderate/comments/{comment.id}",
        errors=request.query_params.get("error", "")[:200],
    )


def _load_comment(store: Store, id: int):
    comment = store.get(id)
    if comment is None:
        return None
    parent = store.get(comment.parent) if comment.parent else None
    by_ip = store.address_history([comment.ip])[comment.ip] if comment.ip else {}
    return comment, parent, by_ip, list(reversed(store.log(comment_id=id)))


def _shown(count: int, capped: bool) -> str:
    """A count as the queue shows it; a capped search's counts are lower bounds."""
    return f"{count:,}+" if capped else f"{count:,}"


def _id(text: str) -> int:
    return int(text) if DIGITS.fullmatch(text) else 0


# --- actions -------------------------------------------------------------------------------


async def act(request: Request) -> Response:
    """A row's button (``do`` = "ACTION ID") or a bulk action on the ticked comments."""
    checked = await checked_post(request)
    if isinstance(checked, Response):
        return checked
    who, form = checked
    if form.get("do"):
        action, _, one = form["do"].partition(" ")
        ids = [_id(one)]
    else:
        action = form.get("action", "")
        ids = [_id(v) for v in form.all("id")[:MAX_BULK]]
    ids = [i for i in ids if i]
    if action not in moderation.ACTIONS or not ids:
        return _done(request, form, None, "Choose comments and an action.")
    settings = service(request).settings.comments
    store = service(request).store.opened()
    done = await run_in_threadpool(
        moderation.moderate, settings, store, ids, action, who.moderator.actor
    )
    return _done(request, form, done)


async def empty_spam(request: Request) -> Response:
    checked = await checked_post(request)
    if isinstance(checked, Response):
        return checked
    who, form = checked
    settings = service(request).settings.comments
    store = service(request).store.opened()
    done = await run_in_threadpool(moderation.empty_spam, settings, store, who.moderator.actor)
    return _done(request, form, done)


async def reply(request: Request) -> Response:
    about = await _posted_about(request)
    if isinstance(about, Response):
        return about
    who, form, store, parent = about
    settings = service(request).settings.comments
    name = service(request).threads.current().site_name
    try:
        new = await run_in_threadpool(
            moderation.reply,
            settings,
            store,
            parent,
            form.get("body", ""),
            name,
            who.moderator.actor,
        )
    except ValueError as exc:
        return _done(request, form, None, str(exc))
    if wants_json(request):
        return json({"reply": new})
    return see_other(f"/moderate/comments/{new}")


async def edit(request: Request) -> Response:
    about = await _posted_about(request)
    if isinstance(about, Response):
        return about
    who, form, store, comment = about
    settings = service(request).settings.comments
    author, url, body = (form.get(k, getattr(comment, k)) for k in ("author", "url", "body"))
    try:
        await run_in_threadpool(
            moderation.edit, settings, store, comment, author, url, body, who.moderator.actor
        )
    except ValueError as exc:
        return _done(request, form, None, str(exc))
    if wants_json(request):
        return json({"edited": comment.id})
    return see_other(f"/moderate/comments/{comment.id}")


async def _posted_about(request: Request) -> tuple[SignedIn, Posted, Store, Comment] | Response:
    """A checked POST about the comment its address names, or the answer instead."""
    checked = await checked_post(request)
    if isinstance(checked, Response):
        return checked
    who, form = checked
    id = _id(request.path_params["id"])
    comment = await service(request).store.get(id)
    if comment is None:
        return _done(request, form, None, f"There is no comment {id}.")
    return who, form, service(request).store.opened(), comment


def _done(
    request: Request, form: dict[str, str], done: moderation.Done | None, error: str = ""
) -> Response:
    if wants_json(request):
        if done is None:
            return json({"error": error}, 422)
        return json(
            {
                "action": done.action,
                "changed": done.changed,
                "missing": done.missing,
                "report_failures": {str(k): v for k, v in done.report_failures.items()},
                "published": None if done.published is None else done.published.said,
            }
        )
    if done is not None and done.published is not None and done.published.failed:
        error = "Done; the pages are not updated yet, and will be within a minute."
    back = form.get("back", "")[:MAX_FIELD_CHARS]
    if not SAFE_BACK.fullmatch(back):
        back = "/moderate/"
    if error:
        separator = "&" if "?" in back else "?"
        return see_other(f"{back}{separator}{urlencode({'error': error[:200]})}")
    return see_other(back)
