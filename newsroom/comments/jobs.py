"""The jobs that run by themselves: Akismet rechecks, the daily purge, and publishing
the comment pages (each minute, catching up on what a moderation's own publish missed).

One runner, ``run_due``, for every host: `newsroom serve` calls it in the background,
`newsroom jobs run` from cron or a systemd timer. A job runs when it is due and its
runner holds the job's lease in the store, so several instances never run it at once; the
lease outlasts a Lambda's 15-minute timeout (publishing takes a short one and renews it as
it goes). A job that fails is tried again on its next turn; it cannot lose a comment
(comments are stored before any job sees them). To add a job: an async function of
(settings, store, now, lease) that says what it did and when it is next due, and an
entry in JOBS.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from newsroom.comments import leases, retention
from newsroom.comments.config import Settings
from newsroom.comments.leases import Lease, runner_name
from newsroom.comments.publishing import PUBLISH_EVERY, PUBLISH_LEASE
from newsroom.comments.store import Store

if TYPE_CHECKING:
    from newsroom.comments.manifest import ThreadIndex
    from newsroom.comments.model import Comment
    from newsroom.comments.recheck import Rechecked

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=20)
__all__ = ["JOBS", "Job", "Lease", "Ran", "run_due", "runner_name"]
# WordPress's Akismet plugin: again every 20 minutes while checks fail, 6 hours when the
# key is refused.
RECHECK_EVERY = timedelta(minutes=20)
RECHECK_AFTER_BAD_KEY = timedelta(hours=6)
PURGE_EVERY = timedelta(days=1)
MAIL_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Ran:
    result: str  # what it did, for the log and `newsroom jobs list`
    next_in: timedelta  # when it is due again


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta  # its turn after a failure
    run: Callable[[Settings, Store, datetime, Lease], Awaitable[Ran]]
    lease: timedelta = LEASE


async def recheck_job(settings: Settings, store: Store, now: datetime, lease: Lease) -> Ran:
    from newsroom.comments.akismet_gateway import gateway_from_settings
    from newsroom.comments.manifest import index_at
    from newsroom.comments.recheck import MAX_AGE, Rechecked, recheck

    threads = index_at(settings.threads_path)
    waiting = await asyncio.to_thread(store.unchecked, now, now - MAX_AGE)
    done, result = Rechecked(), "nothing to recheck"
    if waiting:
        gateway = gateway_from_settings(settings)
        if gateway is None:
            result = f"no Akismet key: {len(waiting)} stay unchecked"
        else:
            try:
                done = await recheck(waiting, store, gateway, threads, now)
            finally:
                await gateway.aclose()
            result = f"{len(done.verdicts)} filed, {len(done.failed)} still unchecked"
            if done.put_off:
                result += f", {len(done.put_off)} put off at Akismet's request"
            if done.key_invalid:
                result += ": Akismet refused the key"
    mailed = await _mail_the_moderator(settings, store, waiting, done, threads, now)
    if mailed:
        result += f"; {mailed} moderator mails sent"
    return Ran(result, RECHECK_AFTER_BAD_KEY if done.key_invalid else RECHECK_EVERY)


async def _mail_the_moderator(
    settings: Settings,
    store: Store,
    waiting: list[Comment],
    done: Rechecked,
    threads: ThreadIndex,
    now: datetime,
) -> int:
    """The mails that waited for a recheck: for comments now found ham, and for those
    still unchecked after MAIL_WAITS (``mail_after``). Spam gets none."""
    from newsroom.comments.mail import notify_pending

    filed = {c.id: c for c in waiting if c.mail_after is not None and c.id in done.verdicts}
    for id, verdict in done.verdicts.items():
        if verdict == "spam" and id in filed:
            await asyncio.to_thread(store.mail_sent, id)
            del filed[id]
    overdue = await asyncio.to_thread(store.mail_due, now)
    sent = 0
    for comment in [*filed.values(), *(c for c in overdue if c.id not in filed)]:
        thread = threads.get(comment.thread)
        if thread is not None and await asyncio.to_thread(
            notify_pending, settings, comment.id, comment, thread
        ):
            sent += 1
        await asyncio.to_thread(store.mail_sent, comment.id)  # once, sent or not
    return sent


async def mail_job(settings: Settings, store: Store, now: datetime, lease: Lease) -> Ran:
    """Readers' mail (reader_mail.py): opt-ins, notices, and the outbox sent."""
    from newsroom.comments import reader_mail

    ran = await asyncio.to_thread(reader_mail.run, settings, store, now)
    return Ran(ran.summary(), MAIL_EVERY)


async def purge_job(settings: Settings, store: Store, now: datetime, lease: Lease) -> Ran:
    purged = await asyncio.to_thread(retention.purge, settings, store, now)
    return Ran(purged.summary().replace("\n", " "), PURGE_EVERY)


async def publish_job(settings: Settings, store: Store, now: datetime, lease: Lease) -> Ran:
    """The pages of the threads in the publish queue (comments/publishing/)."""
    from newsroom.comments.publishing import PUBLISH_SECONDS, publish_to

    said = await asyncio.to_thread(publish_to, settings, store, None, lease.keep, PUBLISH_SECONDS)
    return Ran(said, PUBLISH_EVERY)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("recheck", RECHECK_EVERY, recheck_job),
        Job("purge", PURGE_EVERY, purge_job),
        Job("publish", PUBLISH_EVERY, publish_job, PUBLISH_LEASE),
        Job("mail", MAIL_EVERY, mail_job, timedelta(minutes=15)),
    )
}


async def run_due(
    settings: Settings,
    store: Store,
    names: Iterable[str] | None = None,
    *,
    now: datetime | None = None,
    force: bool = False,
    holder: str | None = None,
) -> dict[str, str]:
    """Run each job (all, or ``names``) that is due and free; what each did. ``force``
    runs them whether due or not (never while another runner holds one)."""
    holder = holder or runner_name()
    results = {}
    for name in names or JOBS:
        job = JOBS[name]
        lease = await asyncio.to_thread(
            leases.take, store, name, holder, job.lease, now=now, force=force
        )
        if lease is None:
            results[name] = "not due, or running elsewhere"
            continue
        try:
            ran = await job.run(settings, store, lease.at, lease)
        except Exception as exc:  # tried again on its next turn
            logger.exception("Job %s failed", name)
            ran = Ran(f"failed: {type(exc).__name__}: {exc}", job.every)
        await asyncio.to_thread(lease.give_back, ran.next_in, ran.result)
        logger.info("Job %s: %s", name, ran.result)
        results[name] = ran.result
    return results
