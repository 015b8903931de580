"""One set of rules for moderation, whoever moderates: `newsroom comments` and the console.

Every action is recorded in the audit trail with its actor, in the transaction that
makes it. Spam and not spam are reported to Akismet (and how that went is recorded). An
action that changes what pages show publishes them before it returns (the publish job,
run at once) and calls the rebuild hook. A staff reply is published at once and never
sent to Akismet; a quick edit is sanitised again like a reader's text.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple, get_args

from newsroom.comments.model import Comment, NewComment, Status
from newsroom.comments.store.clock import now

if TYPE_CHECKING:
    from newsroom.comments.config import Settings
    from newsroom.comments.store import Store

Action = Literal["approve", "reject", "spam", "ham", "delete"]
ACTIONS: tuple[Action, ...] = get_args(Action)
STATUS_AFTER: dict[str, Status] = {"approve": "approved", "reject": "rejected", "spam": "spam"}
REPLY_LIMIT = 5000  # characters, as a reader's comment
PUBLISH_WAIT = 10.0  # seconds an action waits for a publish under way to finish

logger = logging.getLogger(__name__)


@dataclass
class Done:
    """What an action did."""

    action: str
    changed: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    report_failures: dict[int, str] = field(default_factory=dict)  # id -> why Akismet missed it
    akismet_told: bool = True  # False when no key is configured: nobody to tell
    published: Published | None = None  # when pages were to change

    @property
    def ok(self) -> bool:
        return not self.missing and not self.report_failures


class Published(NamedTuple):
    """How the pages were brought up to date after an action."""

    said: str  # the publish job's result
    failed: bool  # the pages wait for the job's next turn (or a build)
    hook: bool | None  # the rebuild hook: None when there is none


def shell_actor() -> str:
    """How the audit trail names whoever runs `newsroom comments` on a machine."""
    try:
        return f"shell:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "shell:unknown"


def moderate(settings: Settings, store: Store, ids: list[int], action: str, actor: str) -> Done:
    if action not in ACTIONS:
        raise ValueError(f"no action {action!r} (actions: {', '.join(ACTIONS)})")
    done = Done(action)
    found = {i: store.get(i) for i in dict.fromkeys(ids)}
    done.missing = [i for i, c in found.items() if c is None]
    kept = {i: c for i, c in found.items() if c is not None}
    if action == "delete":
        done.changed = store.delete(list(kept), actor=actor)
    elif action == "ham":
        # Spam goes back to the queue; a comment already approved or rejected keeps the
        # moderator's decision. Either way Akismet's verdict is corrected.
        for i, comment in kept.items():
            back: Status | None = "pending" if comment.status == "spam" else None
            if store.set_verdict(i, "ham", status=back, actor=actor, action="ham"):
                done.changed.append(i)
    else:
        done.changed = store.set_status(list(kept), STATUS_AFTER[action], actor, action)
    if action in ("spam", "ham") and done.changed:
        _report(settings, store, [kept[i] for i in done.changed], action, actor, done)
    # Pages show it now, or showed it until now (ham leaves a status as it was, or spam
    # back to pending: no page changes).
    shown = [
        kept[i]
        for i in done.changed
        if action == "approve" or (action != "ham" and kept[i].status == "approved")
    ]
    if shown:
        done.published = publish(settings, store, {c.thread for c in shown})
    return done


def empty_spam(settings: Settings, store: Store, actor: str) -> Done:
    """Delete every comment marked spam (Akismet was told when it was marked)."""
    done = Done("delete")
    done.changed = store.delete_spam(actor)
    return done


def reply(
    settings: Settings,
    store: Store,
    parent: Comment,
    body: str,
    author: str,
    actor: str,
    site_name: str = "",
) -> int:
    """The newsroom's reply under ``parent``, published at once, marked as staff."""
    from newsroom.comments.text import render

    body = body.strip()
    if not body or len(body) > REPLY_LIMIT:
        raise ValueError(f"a reply has 1 to {REPLY_LIMIT} characters")
    comment = NewComment(
        thread=parent.thread, parent=parent.id, author=author or site_name or "Newsroom",
        email="", url="", body=body, body_html=render(body), status="approved",
        akismet="unchecked", ip=None, user_agent=None, referrer=None, created=now(),
        staff=True,
    )  # fmt: skip
    id = store.add_reply(comment, actor)
    publish(settings, store, {parent.thread})
    return id


def edit(
    settings: Settings,
    store: Store,
    comment: Comment,
    author: str,
    url: str,
    body: str,
    actor: str,
) -> bool:
    """A quick edit of the text and author fields, checked and sanitised as a post is."""
    from newsroom.comments.model import LIMITS
    from newsroom.comments.text import render

    fields = {"author": author.strip(), "url": url.strip(), "body": body.strip()}
    for name, value in fields.items():
        if len(value) > LIMITS[name] or (name != "url" and not value):
            raise ValueError(f"{name}: 1 to {LIMITS[name]} characters")
    if fields["url"] and not fields["url"].startswith(("http://", "https://")):
        raise ValueError("url: an http:// or https:// address, or nothing")
    changed = {k: v for k, v in fields.items() if v != getattr(comment, k)}
    if not changed:
        return False
    edited = store.edit(comment.id, changed, render(fields["body"]), actor)
    if edited and comment.status == "approved":
        publish(settings, store, {comment.thread})
    return edited


def publish(settings: Settings, store: Store, threads: Iterable[str] | None = None) -> Published:
    """Bring the pages of ``threads`` (or of every marked thread) up to date now, after
    the publish under way, if any, for up to PUBLISH_WAIT; then call the host's rebuild
    hook, if one is set. Other marked threads are the publish job's."""
    from newsroom.comments.publishing import publish_now, unpublished
    from newsroom.comments.rebuild_hook import after_change

    try:
        said = publish_now(settings, store, threads, wait=PUBLISH_WAIT)
    except Exception as exc:  # the store, say: the job's next turn catches up
        logger.exception("Publishing after a moderation action failed")
        said = f"failed: {type(exc).__name__}"
    return Published(said, unpublished(said), after_change())


def _report(
    settings: Settings, store: Store, comments: list[Comment], action: str, actor: str, done: Done
) -> None:
    """Tell Akismet it was wrong (or right), and record how that went."""
    from newsroom.comments.akismet_gateway import GatewayError, gateway_from_settings
    from newsroom.comments.manifest import index_at

    gateway = gateway_from_settings(settings)
    if gateway is None:
        done.akismet_told = False
        for comment in comments:
            store.set_feedback(comment.id, f"{action} not sent: no Akismet key")
        return
    threads = index_at(settings.threads_path)

    async def tell() -> None:
        submit = gateway.submit_spam if action == "spam" else gateway.submit_ham
        try:
            for comment in comments:
                try:
                    await submit(comment, threads.get(comment.thread))
                except GatewayError as exc:
                    done.report_failures[comment.id] = str(exc)
                    outcome = f"{action} failed: {exc}"
                else:
                    outcome = f"{action} sent"
                store.set_feedback(comment.id, outcome)
                store.record(comment.id, actor, "report", outcome)
        finally:
            await gateway.aclose()

    import asyncio  # only here: moderation starts fast without it

    asyncio.run(tell())
