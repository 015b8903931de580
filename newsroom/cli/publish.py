"""`newsroom publish`: bring the site's comment pages up to date with the store by hand.

What moderation does by itself after each action, for when the pages and the store
parted: a restored store (``--all``), a build uploaded after it was made (``--since``
the time the build took and its upload, whose publishes it wrote over), a page that
failed to publish.
"""

from __future__ import annotations

import sys

from newsroom.comments.config import Settings
from newsroom.comments.publishing import publish_now, unpublished
from newsroom.comments.store import Store
from newsroom.comments.store.clock import now

WAIT = 60.0  # seconds for a publish under way elsewhere


def run_publish(args, settings: Settings, store: Store) -> int:
    if not settings.publish_target:
        print("newsroom: publishing is off (NEWSROOM_PUBLISH_TO=off)", file=sys.stderr)
        return 2
    threads = list(args.threads)
    if args.since is not None:
        store.want_changed_since(now() - args.since)
    if args.all:
        from newsroom.comments.publishing.record import RecordError

        try:
            threads += _every_thread(settings)
        except RecordError as exc:
            print(f"newsroom: {exc}", file=sys.stderr)
            return 1
    store.want_published(threads)  # published with the marked ones, under the job's lease
    result = publish_now(settings, store, wait=WAIT)
    print(f"publish to {settings.publish_target}: {result}")
    return 1 if unpublished(result) or result.startswith("nothing published") else 0


def _every_thread(settings: Settings) -> list[str]:
    from newsroom.comments.publishing.record import Record
    from newsroom.comments.publishing.target import open_target

    return Record(open_target(settings.publish_target)).slugs()
