"""The `newsroom` command line: its arguments, and how its actions get their store."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from importlib import import_module
from pathlib import Path

from newsroom.comments.accounts import ROLES
from newsroom.comments.config import ConfigError, Settings
from newsroom.comments.model import STATUSES
from newsroom.comments.store import Store, StoreError, open_store

STATUS_CHOICES = (*STATUSES, "all")
# Modules of pyproject.toml's extras: the core is only what the comment service needs.
EXTRAS = {
    "pelican": "site",
    "packaging": "site",
    "uvicorn": "server",
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
    "boto3": "s3",
    "defusedxml": "import",
    "markdownify": "import",
}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # The pool logs every failed retry; the store's own error says why, once.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    args = parser().parse_args(argv)
    try:
        run = _command(args.run)
        if not args.needs_store:
            return run(args)
        settings = Settings.from_env()
        with opened_store(settings) as store:
            return run(args, settings, store)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in EXTRAS:
            raise
        extra = EXTRAS[missing]
        print(f"newsroom: this needs {missing}: pip install 'newsroom[{extra}]'", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"newsroom: the comment store failed: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `newsroom comments list | head` has read what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # quiet exit flush
        return 0


def _command(run: Callable[..., int] | str) -> Callable[..., int]:
    """A command's function; "module.function" names one in newsroom/cli/, imported only
    when its command runs (`comments approve` starts without the Lambda packager's imports)."""
    if callable(run):
        return run
    module, name = run.split(".")
    command: Callable[..., int] = getattr(import_module(f"newsroom.cli.{module}"), name)
    return command


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
    top = argparse.ArgumentParser(
        prog="newsroom", description="Serve the site and its comments, and moderate them."
    )
    top.set_defaults(needs_store=False)
    commands = top.add_subparsers(required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the built site and the comment API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--site", default=None, help="the built site (default: output)")
    serve.add_argument("--certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--keyfile", help="its private key, unless the certificate file holds it")
    serve.set_defaults(run=run_serve)

    packaging = commands.add_parser("package", help="build what a deployment uploads")
    packages = packaging.add_subparsers(required=True, metavar="KIND")
    lambda_zip = packages.add_parser("lambda", help="the zip for AWS Lambda (python3.11)")
    lambda_zip.add_argument("--arch", choices=("arm64", "x86_64"), default="arm64")
    lambda_zip.add_argument(
        "--output", type=Path, help="the zip (default: dist/newsroom-lambda-ARCH.zip)"
    )
    lambda_zip.add_argument(
        "--threads", type=Path, help="a build's threads.json to ship in the zip (optional)"
    )
    lambda_zip.set_defaults(run="lambda_package.run")

    scheduled = commands.add_parser("jobs", help="the jobs `serve` runs by itself")
    scheduled.set_defaults(needs_store=True)
    job_actions = scheduled.add_subparsers(required=True, metavar="ACTION")
    run = job_actions.add_parser("run", help="run the jobs that are due (cron, timers)")
    run.add_argument(
        "names", nargs="*", metavar="JOB", help="only these (recheck, purge, publish, mail)"
    )
    run.add_argument("--force", action="store_true", help="run them even if not due")
    run.set_defaults(run="jobs.run_jobs")
    job_actions.add_parser("list", help="when each job ran and is due").set_defaults(
        run="jobs.list_jobs"
    )

    publishing = commands.add_parser(
        "publish", help="bring the comment parts of the built pages up to date, no build"
    )
    publishing.add_argument(
        "--thread", dest="threads", action="append", default=[], metavar="SLUG",
        help="this article's pages too, marked or not (repeat for more)",
    )  # fmt: skip
    publishing.add_argument("--all", action="store_true", help="every article's pages")
    publishing.add_argument(
        "--since", type=_duration, metavar="DURATION",
        help="and those whose comments changed in the last 30m, 2h, 1d… (after an upload)",
    )  # fmt: skip
    publishing.set_defaults(run="publish.run_publish", needs_store=True)

    importing = commands.add_parser("import", help="move a site over from another system")
    sources = importing.add_subparsers(required=True, metavar="SOURCE")
    for source, what, export_help in (
        ("wordpress", "a WordPress export (WXR): posts, pages and comments",
         "the export file (Tools > Export in WordPress)"),
        ("disqus", "a Disqus export: comments, onto the articles they were about",
         "the export file (Disqus admin > Moderation > Export)"),
    ):  # fmt: skip
        importer = sources.add_parser(source, help=what)
        importer.add_argument("export", help=export_help)
        importer.add_argument("--content", default="content", help="where articles are")
        importer.add_argument("--dry-run", action="store_true", help="say what, write nothing")
        importer.add_argument("--json", action="store_true", help="the report as JSON")
        importer.set_defaults(run=f"importing.run_{source}")

    moderate = commands.add_parser("comments", help="moderate comments")
    moderate.set_defaults(needs_store=True)  # these actions get an opened store
    comments = moderate.add_subparsers(required=True, metavar="ACTION")
    listing = comments.add_parser("list", help="list comments, newest first")
    listing.add_argument("--status", choices=STATUS_CHOICES, default="pending")
    listing.add_argument("--thread")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(run="moderation.run_list")
    show = comments.add_parser("show", help="every field of one comment")
    show.add_argument("id", type=int)
    show.set_defaults(run="moderation.run_show")
    for action, helptext in (
        ("approve", "publish comments"),
        ("reject", "refuse comments (kept, never shown)"),
        ("spam", "mark as spam and tell Akismet"),
        ("ham", "mark as not spam (spam goes back to pending) and tell Akismet"),
        ("delete", "delete comments for good"),
    ):
        command = comments.add_parser(action, help=helptext)
        command.add_argument("ids", type=int, nargs="+", metavar="ID")
        command.set_defaults(run="moderation.run_moderate", action=action)
    log = comments.add_parser("log", help="the audit trail: who did what, newest first")
    log.add_argument("--id", type=int, help="of one comment")
    log.add_argument("--moderator", help="by one moderator (their e-mail, or shell:USER)")
    log.add_argument("--limit", type=int, default=200)
    log.add_argument("--json", action="store_true", help="print JSON for scripts")
    log.set_defaults(run="moderation.run_log")
    comments.add_parser("recheck", help="ask Akismet about unchecked comments").set_defaults(
        run="moderation.run_recheck"
    )
    purge = comments.add_parser("purge", help="delete old spam, erase old addresses")
    purge.add_argument(
        "--personal-days",
        type=_days,
        default=None,
        help="erase addresses older than this (default: NEWSROOM_PERSONAL_DATA_DAYS or 30)",
    )
    purge.set_defaults(run="moderation.run_purge")
    erase = comments.add_parser(
        "erase", help="a reader's right to erasure: their name and personal data go"
    )
    erase.add_argument("--email", required=True, help="the address they wrote with")
    erase.add_argument(
        "--delete", action="store_true", help="delete their comments too (default: keep the texts)"
    )
    erase.set_defaults(run="moderation.run_erase")
    export = comments.add_parser("export", help="every comment as JSON, every field")
    export.add_argument("--output", default="-", help="a file (made readable by you only)")
    export.add_argument("--email", help="only the comments written with this address")
    export.set_defaults(run="moderation.run_export")
    _moderator_commands(commands)
    return top


def _moderator_commands(commands) -> None:
    accounts = commands.add_parser("moderators", help="the console's accounts")
    accounts.set_defaults(needs_store=True)
    actions = accounts.add_subparsers(required=True, metavar="ACTION")
    stdin_help = "read the password from the first line of standard input"
    add = actions.add_parser("add", help="an account (asks for its password)")
    add.add_argument("email")
    add.add_argument("--name", help="shown in the console (default: the address's first part)")
    add.add_argument("--role", choices=ROLES, default="moderator")
    add.add_argument("--password-stdin", action="store_true", help=stdin_help)
    add.set_defaults(run="moderators.run_add")
    actions.add_parser("list", help="every account").set_defaults(run="moderators.run_list")
    remove = actions.add_parser("remove", help="an account, and its sessions end")
    remove.add_argument("email")
    remove.set_defaults(run="moderators.run_remove")
    password = actions.add_parser("set-password", help="a new password; sessions end")
    password.add_argument("email")
    password.add_argument("--password-stdin", action="store_true", help=stdin_help)
    password.set_defaults(run="moderators.run_set_password")


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a whole number of days, 0 or more, not {text!r}")
    return int(text)


DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400}


def _duration(text: str) -> timedelta:
    """30m, 2h, 1d: a whole number and its unit (minutes, hours, days), up to a year."""
    number, unit = text[:-1], text[-1:]
    if not number.isdigit() or unit not in DURATION_UNITS:
        raise argparse.ArgumentTypeError(f"a duration such as 30m, 2h or 1d, not {text!r}")
    seconds = int(number) * DURATION_UNITS[unit]
    if seconds > 366 * 86400:
        raise argparse.ArgumentTypeError(f"at most a year, not {text!r}")
    return timedelta(seconds=seconds)


def run_serve(args) -> int:
    from newsroom.service.server import serve

    serve(args.host, args.port, args.site, args.certfile, args.keyfile)
    return 0
