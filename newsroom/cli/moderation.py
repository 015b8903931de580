"""The `newsroom comments` actions: list, show, approve, reject, spam, ham, delete, log,
recheck, purge, erase, export. Moderation itself follows comments/moderation.py, as the
console does. Each takes the parsed arguments, the settings and an opened store,
and returns the exit status."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from newsroom.cli.terminal import json_text, safe, table
from newsroom.comments import moderation
from newsroom.comments.config import Settings
from newsroom.comments.store import Store

if TYPE_CHECKING:
    from newsroom.comments.recheck import Rechecked


def run_list(args, settings: Settings, store: Store) -> int:
    status = None if args.status == "all" else args.status
    comments = store.select(status=status, thread=args.thread)
    if args.json:
        print(json_text([c.to_dict() for c in comments]))
    elif not comments:
        print(f"No {args.status if status else ''} comments.".replace("  ", " "))
    else:
        print(table(comments))
    return 0


def run_show(args, settings: Settings, store: Store) -> int:
    from newsroom.comments import retention  # its hashing, only where it is used

    comment = store.get(args.id)
    if comment is None:
        print(f"newsroom: no comment {args.id}", file=sys.stderr)
        return 1
    for key, value in comment.to_dict().items():
        text = safe("" if value is None else str(value))
        print(f"{key:>11}: " + text.replace("\n", "\n" + " " * 13))  # lines under the value
    hashed = retention.email_hasher(settings)
    if hashed is not None and comment.email:
        refused = store.refused_count(comment.email, hashed(comment.email))
        print(f"{'refused':>11}: {refused} spam or rejected comments from this address")
    return 0


def run_moderate(args, settings: Settings, store: Store) -> int:
    """Exit 0 only when every id was found and every Akismet report went out."""
    done = moderation.moderate(settings, store, args.ids, args.action, moderation.shell_actor())
    if not done.akismet_told:
        print("newsroom: no Akismet key configured; Akismet was not told", file=sys.stderr)
    for id, reason in done.report_failures.items():
        print(f"newsroom: comment {id}: {reason}", file=sys.stderr)
    if done.changed:
        print(f"{args.action}: {', '.join(map(str, done.changed))}")
    if done.published is not None:
        report_publishing(done.published)
    for i in done.missing:
        print(f"newsroom: no comment {i}", file=sys.stderr)
    return 0 if done.ok else 1


def run_log(args, settings: Settings, store: Store) -> int:
    """The audit trail, newest first."""
    actor = args.moderator.strip() if args.moderator else None
    if actor and "@" in actor:  # accounts are kept casefolded; shell:USER as it is
        actor = actor.casefold()
    entries = store.log(comment_id=args.id, actor=actor, limit=args.limit)
    if args.json:
        print(json_text([entry.to_dict() for entry in entries]))
        return 0
    if not entries:
        print("No moderation recorded.")
        return 0
    for entry in entries:
        change = (
            f"{entry.status_before or '-'} -> {entry.status_after or '-'}"
            if entry.status_before or entry.status_after
            else ""
        )
        line = f"{entry.at:%Y-%m-%d %H:%M} #{entry.comment_id} {entry.action} {change}"
        print(safe(f"{line} by {entry.actor}" + (f": {entry.detail}" if entry.detail else "")))
    return 0


def run_recheck(args, settings: Settings, store: Store) -> int:
    from newsroom.comments.akismet_gateway import gateway_from_settings
    from newsroom.comments.manifest import ThreadIndex
    from newsroom.comments.recheck import recheck

    unchecked = store.unchecked()
    if not unchecked:
        print("No unchecked comments.")
        return 0
    gateway = gateway_from_settings(settings)
    if gateway is None:
        # A failure only for comments still waiting: a moderator has decided the others.
        waiting = sum(comment.status == "pending" for comment in unchecked)
        print(
            f"newsroom: no Akismet key configured; {len(unchecked)} comments stay unchecked"
            f" ({waiting} waiting for a moderator)",
            file=sys.stderr,
        )
        return 1 if waiting else 0

    async def ask() -> Rechecked:
        try:
            return await recheck(unchecked, store, gateway, ThreadIndex(settings.threads_path))
        finally:
            await gateway.aclose()

    import asyncio  # only here: moderation starts fast without it

    done = asyncio.run(ask())
    for id, verdict in done.verdicts.items():
        print(f"{id}: {verdict}")
    for id, reason in done.failed.items():
        print(f"newsroom: comment {id} still unchecked: {reason}", file=sys.stderr)
    return 1 if done.failed else 0


def run_purge(args, settings: Settings, store: Store) -> int:
    from newsroom.comments import retention  # its hashing, only where it is used
    from newsroom.comments.store.clock import now

    purged = retention.purge(settings, store, now(), args.personal_days)
    if not purged.hashed:
        print(
            "newsroom: no NEWSROOM_SECRET_KEY: refused comments' e-mail addresses are erased "
            "without a hash (their history cannot be counted)",
            file=sys.stderr,
        )
    print(purged.summary())
    return 0


def run_erase(args, settings: Settings, store: Store) -> int:
    """A reader's right to erasure, by the address they wrote with."""
    from newsroom.comments import retention  # its hashing, only where it is used

    if not args.email.strip():
        print("newsroom: give the address the reader wrote with (--email)", file=sys.stderr)
        return 2
    hashed = retention.email_hasher(settings)
    ids = store.erase_person(
        args.email,
        hashed(args.email) if hashed else None,
        args.delete,
        actor=moderation.shell_actor(),
    )
    done = "Deleted" if args.delete else "Erased the author and personal data of"
    print(f"{done} {len(ids)} comments{': ' + ', '.join(map(str, ids)) if ids else '.'}")
    if store.forget_subscriber(args.email):
        print("Deleted the address's mail subscriptions and mail records.")
    if ids:  # pages show the name until published
        report_publishing(moderation.publish(settings, store))
    return 0


def report_publishing(published: moderation.Published) -> None:
    """Quiet when the pages are up to date; else what is wrong and what happens next."""
    if published.failed:
        print(
            f"newsroom: the pages are not published yet ({published.said}); the publish "
            "job tries again within a minute, or run `newsroom publish`",
            file=sys.stderr,
        )
    if published.hook is False:
        print("newsroom: the rebuild hook failed; rebuild the site by hand", file=sys.stderr)


def run_export(args, settings: Settings, store: Store) -> int:
    comments = store.export()
    if args.email is not None:  # a reader asking for their data, their mail's included
        wanted = args.email.strip().casefold()
        mail = store.subscriptions_of(args.email)
        comments = [{**c, "mail": mail} for c in comments if c["email"].casefold() == wanted]
    data = json_text(comments) + "\n"
    if args.output == "-":
        sys.stdout.write(data)
    else:
        _write_private(args.output, data)
    print(f"Exported {len(comments)} comments.", file=sys.stderr)
    return 0


def _write_private(path: str, text: str) -> None:
    """Write whole or not at all, readable by the owner only: it holds e-mail and IP
    addresses."""
    folder = os.path.dirname(os.path.abspath(path))
    import tempfile  # here: moderation commands start without it (and shutil, bz2)

    handle, partial = tempfile.mkstemp(dir=folder, prefix=".export-")  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise
