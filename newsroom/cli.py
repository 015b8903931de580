"""The `newsroom` command: serve the site and its comments, and moderate them."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from newsroom.config import ConfigError, Settings
from newsroom.store import Store, StoreError, open_store

SPAM_KEPT = timedelta(days=15)
STATUS_CHOICES = ("pending", "approved", "spam", "rejected", "all")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # The pool logs every failed retry; the store's own error says why, once.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if not args.moderation:
            return args.run(args, settings)
        with opened_store(settings) as store:
            return args.run(args, settings, store)
    except ConfigError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"newsroom: the comment store failed: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `newsroom comments list | head` has read what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # quiet exit flush
        return 0


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    """The store, migrated, and closed afterwards (a PostgreSQL pool holds threads)."""
    store = open_store(settings.database_url)
    try:
        store.migrate()
        yield store
    finally:
        store.close()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="newsroom", description=__doc__)
    top.set_defaults(moderation=False)
    commands = top.add_subparsers(required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the built site and the comment API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--site", default=None, help="the built site (default: output)")
    serve.set_defaults(run=run_serve)

    moderation = commands.add_parser("comments", help="moderate comments")
    moderation.set_defaults(moderation=True)  # these actions get an opened store
    comments = moderation.add_subparsers(required=True, metavar="ACTION")
    listing = comments.add_parser("list", help="list comments, newest first")
    listing.add_argument("--status", choices=STATUS_CHOICES, default="pending")
    listing.add_argument("--thread")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(run=run_list)
    show = comments.add_parser("show", help="every field of one comment")
    show.add_argument("id", type=int)
    show.set_defaults(run=run_show)
    for action, helptext in (
        ("approve", "publish comments"),
        ("reject", "refuse comments (kept, never shown)"),
        ("spam", "mark as spam and tell Akismet"),
        ("ham", "mark as not spam (spam goes back to pending) and tell Akismet"),
        ("delete", "delete comments for good"),
    ):
        command = comments.add_parser(action, help=helptext)
        command.add_argument("ids", type=int, nargs="+", metavar="ID")
        command.set_defaults(run=run_moderate, action=action)
    comments.add_parser("recheck", help="ask Akismet about unchecked comments").set_defaults(
        run=run_recheck
    )
    purge = comments.add_parser("purge", help="delete old spam, erase old addresses")
    purge.add_argument(
        "--personal-days",
        type=_days,
        default=None,
        help="erase addresses older than this (default: NEWSROOM_PERSONAL_DATA_DAYS or 30)",
    )
    purge.set_defaults(run=run_purge)
    export = comments.add_parser("export", help="every comment as JSON, every field")
    export.add_argument("--output", default="-", help="a file (made readable by you only)")
    export.add_argument("--email", help="only the comments written with this address")
    export.set_defaults(run=run_export)
    return top


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a whole number of days, 0 or more, not {text!r}")
    return int(text)


def run_serve(args, settings: Settings) -> int:
    from newsroom.service.server import serve

    serve(args.host, args.port, args.site)
    return 0


def run_list(args, settings: Settings, store: Store) -> int:
    status = None if args.status == "all" else args.status
    comments = store.select(status=status, thread=args.thread)
    if args.json:
        print(json.dumps([c.to_dict() for c in comments], ensure_ascii=False, indent=1))
    elif not comments:
        print(f"No {args.status if status else ''} comments.".replace("  ", " "))
    else:
        print(table(comments))
    return 0


def table(comments) -> str:
    rows = [("ID", "STATUS", "AKISMET", "CREATED (UTC)", "THREAD", "AUTHOR", "COMMENT")]
    for c in comments:
        rows.append(
            (
                str(c.id),
                c.status,
                c.akismet,
                c.created.strftime("%Y-%m-%d %H:%M"),
                _clip(_safe(c.thread), 30),
                _clip(_safe(" ".join(c.author.split())), 20),
                _clip(_safe(" ".join(c.body.split())), 50),
            )
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


# Readers write these fields. Control characters (colours, cursor moves, a clear screen)
# and bidi overrides (which reorder what is shown) are printed as escapes, not obeyed.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _safe(text: str) -> str:
    return CONTROLS.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


def _width(text: str) -> int:
    """Columns on a terminal: wide (East Asian) characters take two, combining marks none."""
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += _char_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


def run_show(args, settings: Settings, store: Store) -> int:
    comment = store.get(args.id)
    if comment is None:
        print(f"newsroom: no comment {args.id}", file=sys.stderr)
        return 1
    for key, value in comment.to_dict().items():
        text = _safe("" if value is None else str(value))
        print(f"{key:>11}: " + text.replace("\n", "\n" + " " * 13))  # lines under the value
    return 0


def run_moderate(args, settings: Settings, store: Store) -> int:
    """Exit 0 only when every id was found and every Akismet report went out."""
    found = {i: store.get(i) for i in args.ids}
    missing = [i for i, c in found.items() if c is None]
    ids = [i for i, c in found.items() if c is not None]
    if args.action == "delete":
        changed = store.delete(ids)
    elif args.action == "ham":
        # Spam goes back to the queue; a comment already approved or rejected keeps the
        # moderator's decision. Either way Akismet's verdict is corrected.
        changed = []
        for i in ids:
            back_to_queue = "pending" if found[i].status == "spam" else None
            store.set_verdict(i, "ham", status=back_to_queue)
            changed.append(i)
    else:
        status = {"approve": "approved", "reject": "rejected", "spam": "spam"}
        changed = store.set_status(ids, status[args.action])
    reported = True
    if args.action in ("spam", "ham") and changed:
        reported = _feedback(settings, store, [found[i] for i in changed], args.action)
    if changed:
        print(f"{args.action}: {', '.join(map(str, changed))}")
    if args.action == "approve" and changed:
        _after_approve(changed)
    for i in missing:
        print(f"newsroom: no comment {i}", file=sys.stderr)
    return 0 if reported and not missing else 1


def _after_approve(ids: list[int]) -> None:
    """Let the site rebuild itself (newsroom.rebuild, when the project has it)."""
    try:
        from newsroom.rebuild import after_approve
    except ModuleNotFoundError as exc:
        if exc.name != "newsroom.rebuild":
            raise  # a dependency of the hook is missing: say so, do not hide it
        return
    if after_approve(ids) is False:
        print("newsroom: the rebuild hook failed; rebuild the site by hand", file=sys.stderr)


def _feedback(settings: Settings, store: Store, comments, action: str) -> bool:
    """Tell Akismet it was wrong (or right), and record how that went. True when every
    report went out, or when no key is configured (then there is no one to tell)."""
    from newsroom.akismet_gateway import GatewayError, gateway_from_settings
    from newsroom.threads import ThreadIndex

    gateway = gateway_from_settings(settings)
    if gateway is None:
        print("newsroom: no Akismet key configured; Akismet was not told", file=sys.stderr)
        for comment in comments:
            store.set_feedback(comment.id, f"{action} not sent: no Akismet key")
        return True
    threads = ThreadIndex(settings.threads_path)
    failures = 0

    async def tell() -> None:
        nonlocal failures
        submit = gateway.submit_spam if action == "spam" else gateway.submit_ham
        try:
            for comment in comments:
                try:
                    await submit(comment, threads.get(comment.thread))
                except GatewayError as exc:
                    failures += 1
                    store.set_feedback(comment.id, f"{action} failed: {exc}")
                    print(f"newsroom: comment {comment.id}: {exc}", file=sys.stderr)
                else:
                    store.set_feedback(comment.id, f"{action} sent")
        finally:
            await gateway.aclose()

    asyncio.run(tell())
    return failures == 0


def run_recheck(args, settings: Settings, store: Store) -> int:
    from newsroom.akismet_gateway import GatewayError, gateway_from_settings
    from newsroom.threads import ThreadIndex

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
    threads = ThreadIndex(settings.threads_path)
    failures = 0

    async def recheck() -> None:
        nonlocal failures
        try:
            for comment in unchecked:
                try:
                    verdict = await gateway.check(
                        comment, threads.get(comment.thread), recheck_reason="retry"
                    )
                except GatewayError as exc:
                    failures += 1
                    print(f"newsroom: comment {comment.id} still unchecked: {exc}", file=sys.stderr)
                    continue
                # Discard is spam too: it is stored already. Only a waiting comment moves;
                # one a moderator approved or rejected meanwhile keeps that decision.
                akismet = "ham" if verdict == "ham" else "spam"
                moves = akismet == "spam" and comment.status == "pending"
                store.set_verdict(comment.id, akismet, status="spam" if moves else None)
                print(f"{comment.id}: {akismet}")
        finally:
            await gateway.aclose()

    asyncio.run(recheck())
    return 1 if failures else 0


def run_purge(args, settings: Settings, store: Store) -> int:
    from newsroom.store.clock import now

    days = settings.personal_data_days if args.personal_days is None else args.personal_days
    moment = now()
    deleted, erased = store.purge(moment - SPAM_KEPT, moment - timedelta(days=days))
    print(f"Deleted {deleted} spam comments; erased addresses from {erased} comments.")
    return 0


def run_export(args, settings: Settings, store: Store) -> int:
    comments = store.export()
    if args.email is not None:  # a reader asking for their data
        wanted = args.email.strip().casefold()
        comments = [c for c in comments if c["email"].casefold() == wanted]
    data = json.dumps(comments, ensure_ascii=False, indent=1) + "\n"
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
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".export-")  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


if __name__ == "__main__":
    sys.exit(main())
