"""`newsroom moderators`: the console's accounts (add, list, remove, set-password).

A password comes from a prompt (typed twice, never echoed) or, for scripts, from the
first line of standard input (--password-stdin); never from an argument, which other
users of the machine could read in the process list.
"""

from __future__ import annotations

import getpass
import sys

from newsroom.cli.terminal import safe
from newsroom.comments.accounts import (
    AccountError,
    account_email,
    account_name,
    account_role,
    hash_password,
    password_problem,
)
from newsroom.comments.config import Settings
from newsroom.comments.store import Store


def run_add(args, settings: Settings, store: Store) -> int:
    try:
        email = account_email(args.email)
        name = account_name(args.name or "", email)
        role = account_role(args.role)
        password = _new_password(args.password_stdin)
        moderator = store.add_moderator(email, name, role, hash_password(password))
    except AccountError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 2
    print(f"Added {moderator.role} {safe(moderator.email)} ({safe(moderator.name)}).")
    return 0


def run_list(args, settings: Settings, store: Store) -> int:
    moderators = store.moderators()
    if not moderators:
        print("No moderators. Add one with: newsroom moderators add EMAIL")
    for moderator in moderators:
        since = f"{moderator.created:%Y-%m-%d}" if moderator.created else ""
        print(safe(f"{moderator.email:<40} {moderator.role:<9} {since}  {moderator.name}"))
    return 0


def run_remove(args, settings: Settings, store: Store) -> int:
    email = args.email.strip().casefold()
    if not store.remove_moderator(email):
        print(f"newsroom: no moderator {safe(email)}", file=sys.stderr)
        return 1
    print(f"Removed {safe(email)}; their sessions have ended.")
    return 0


def run_set_password(args, settings: Settings, store: Store) -> int:
    email = args.email.strip().casefold()
    if store.moderator(email) is None:
        print(f"newsroom: no moderator {safe(email)}", file=sys.stderr)
        return 1
    try:
        password_hash = hash_password(_new_password(args.password_stdin))
    except AccountError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 2
    store.set_password_hash(email, password_hash)
    print(f"New password set for {safe(email)}; their sessions have ended.")
    return 0


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise AccountError("the two passwords differ")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    return password
