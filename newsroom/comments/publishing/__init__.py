"""Publishing: the static pages' comments kept up to date with the store, without a build.

A build draws every part of a page that shows an article's comments between markers
(regions.py, fragments.py) and records which pages hold which article's (record.py). A
change to what pages show marks its thread in the store's publish queue; a publish
(publisher.py) redraws those parts in the pages the record names, in a folder or an S3
bucket (target.py), and writes the thread's comment feed and JSON beside its page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from newsroom.comments.config import Settings
from newsroom.comments.store import Store

logger = logging.getLogger(__name__)

PUBLISH = "publish"  # the job's name, and its lease's
PUBLISH_EVERY = timedelta(minutes=1)  # the job's turn: catching up on what was missed
PUBLISH_LEASE = timedelta(minutes=2)  # renewed while a publish runs; a crash frees it soon
PUBLISH_SECONDS = 60.0  # a turn of the job starts no batch after this (Lambda's timeout: 120 s)


def unpublished(said: str) -> bool:
    """Whether a publish's result says pages were left behind: it failed, or waited in
    vain for another publish (the marks wait for the job either way)."""
    return said.startswith(("failed", "not published"))


def publish_now(
    settings: Settings, store: Store, threads: Iterable[str] | None = None, wait: float = 10.0
) -> str:
    """Publish ``threads`` (a moderation action's), or every marked thread, now: under
    the publish job's lease (after the publish under way, if any, for up to ``wait``
    seconds) and recorded as its run; what was done. Without an event loop: a moderation
    command publishes before it exits, and fast."""
    from newsroom.comments import leases

    holder = leases.runner_name()
    lease = leases.take(store, PUBLISH, holder, PUBLISH_LEASE, force=True, wait=wait)
    if lease is None:
        return f"not published: another publish ran past {wait:g} s; the job catches up"
    try:
        said = publish_to(settings, store, threads, lease.keep)
    except Exception as exc:  # the marks stay: the job's next turn tries again
        logger.exception("Publishing failed")
        said = f"failed: {type(exc).__name__}: {exc}"
    lease.give_back(PUBLISH_EVERY, said)
    logger.info("Publish: %s", said)
    return said


def publish_to(
    settings: Settings,
    store: Store,
    threads: Iterable[str] | None = None,
    keep_lease: Callable[[], None] = lambda: None,
    seconds: float | None = None,
) -> str:
    """Publish ``threads``, or every marked thread, where the settings say (for at most
    about ``seconds``); what was done. A site that was not built with a record is no
    failure: nothing can be published there, and the marks wait for one."""
    from newsroom.comments.publishing.publisher import publish
    from newsroom.comments.publishing.record import FOLDER, RecordError
    from newsroom.comments.publishing.target import open_target

    where = settings.publish_target
    if not where:
        return "publishing is off (NEWSROOM_PUBLISH_TO=off)"
    target = open_target(where)
    try:
        done = publish(store, target, threads, keep_lease=keep_lease, seconds=seconds)
    except RecordError as exc:
        return f"nothing published: {exc}"
    said = done.summary()
    served = [path for path in done.changed if not path.startswith(f"{FOLDER}/")]
    if settings.cloudfront_distribution and served:
        said += "; " + _tell_cloudfront(settings.cloudfront_distribution, served)
    return said


def _tell_cloudfront(distribution: str, changed: list[str]) -> str:
    """The pages are published either way; a CDN not told serves them when it expires."""
    from newsroom.comments.publishing.cdn import invalidate

    try:
        return invalidate(distribution, changed)
    except Exception as exc:  # botocore's errors: rights, throttling, the network
        logger.error("CloudFront was not told of %d changed files: %s", len(changed), exc)
        return f"CloudFront not told ({type(exc).__name__}): it serves them when its cache expires"
