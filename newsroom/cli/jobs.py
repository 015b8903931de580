"""`newsroom jobs`: run the jobs that are due (for cron or a systemd timer), or list them.

`newsroom serve` runs the same jobs by itself; either way the store's leases keep two
runners from running one job at once.
"""

from __future__ import annotations

import asyncio
import sys

from newsroom.comments import jobs
from newsroom.comments.config import Settings
from newsroom.comments.store import Store


def run_jobs(args, settings: Settings, store: Store) -> int:
    unknown = [name for name in args.names if name not in jobs.JOBS]
    if unknown:
        print(
            f"newsroom: no job {', '.join(unknown)} (jobs: {', '.join(jobs.JOBS)})", file=sys.stderr
        )
        return 2
    results = asyncio.run(jobs.run_due(settings, store, args.names or None, force=args.force))
    for name, result in results.items():
        print(f"{name}: {result}")
    return 1 if any(result.startswith("failed") for result in results.values()) else 0


def list_jobs(args, settings: Settings, store: Store) -> int:
    known = store.jobs()
    for name in jobs.JOBS:
        state = known.get(name, {})
        last, upcoming = state.get("last_run"), state.get("next_run")
        print(
            f"{name}: last run {last:%Y-%m-%d %H:%M} UTC" if last else f"{name}: never run",
            f"; next {upcoming:%Y-%m-%d %H:%M} UTC" if upcoming else "; due now",
            f"; {state['last_result']}" if state.get("last_result") else "",
            sep="",
        )
    return 0
