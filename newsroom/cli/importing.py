"""`newsroom import wordpress|disqus EXPORT.xml`: a site moved over, with its comments.

The store is opened here rather than by main.py: a dry run reads it only when it exists
and is up to date, so that it writes nothing, not even a new store's schema.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from newsroom.comments.config import Settings
from newsroom.comments.store import Store, open_store
from newsroom.comments.store.clock import now


def run_wordpress(args) -> int:
    from newsroom.importing.wordpress import import_wordpress

    return _run(args, import_wordpress)


def run_disqus(args) -> int:
    from newsroom.importing.disqus import import_disqus

    return _run(args, import_disqus)


def _run(args, importer) -> int:
    from newsroom.importing.exports import ExportError

    settings = Settings.from_env()
    personal_before = now() - timedelta(days=settings.personal_data_days)
    try:
        with _store(settings, args.dry_run) as store:
            report = importer(args.export, args.content, store, personal_before, args.dry_run)
    except ExportError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps({**report.as_json(), "dry_run": args.dry_run}, ensure_ascii=False, indent=2)
        )
    else:
        print("\n".join(report.lines()))
        if args.dry_run:
            print("Dry run: nothing was written.")
    return 0


@contextmanager
def _store(settings: Settings, dry_run: bool) -> Iterator[Store | None]:
    """The store, migrated; for a dry run, as it is (not migrated), or none when its
    SQLite file is not there yet."""
    url = settings.database_url
    if dry_run and url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).is_file():
        yield None
        return
    store = open_store(url)
    try:
        if not dry_run:
            store.migrate()
        yield store
    finally:
        store.close()
