"""Publishing benchmark: an approval reaching the static pages, against a full rebuild.

    .venv/bin/python bench/publish.py [--articles 50000] [--comments 100000] [--approvals 20]

Generates seed articles (bench/build.py's generator) and a SQLite store with approved
comments spread over them, builds the site once as `make html` does, then approves
comments waiting on articles picked at random (the front page's, and the archive's
deepest), one after another, each with `newsroom comments approve ID` in a process of its
own, as a moderator at a terminal does. For each: the time from the command's start until
every file the build's record lists for the article (its page, the listings that count
its comments, its comments.json) was replaced, watched with stat, and until the command
exited. Then every page must show the comment (checked, so a publish that misses a page
cannot look fast). Its peer is what
publishing an approval cost before: a full warm rebuild of the same site (content cache
on), measured in the same run. Prints p50, p90 and max, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.build import (  # noqa: E402
    PELICAN,
    START,
    check_ours,
    fill_comment_store,
    generate,
    machine,
    ours_project,
)
from newsroom.comments.model import NewComment  # noqa: E402
from newsroom.comments.publishing import regions  # noqa: E402
from newsroom.comments.publishing.fragments import JSON, counted  # noqa: E402
from newsroom.comments.publishing.record import Record  # noqa: E402
from newsroom.comments.publishing.target import Folder  # noqa: E402
from newsroom.comments.store import open_store  # noqa: E402

NEWSROOM = [sys.executable, "-m", "newsroom.cli"]


def build(root: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [*PELICAN, "-s", "pelicanconf.py"], cwd=root, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def waiting_comments(url: str, slugs: list[str]) -> list[tuple[int, str]]:
    """A pending comment on each of these articles, as the service stores a post."""
    store = open_store(url)
    try:
        made = []
        for n, slug in enumerate(slugs):
            comment = NewComment(
                thread=slug, parent=None, author=f"Late reader {n}", email=f"late{n}@example.org",
                url="", body=f"Approve me {n}", body_html=f"<p>Approve me {n}</p>",
                status="pending", akismet="ham", ip=None, user_agent=None, referrer=None,
                created=START + timedelta(days=9000, minutes=n),
            )  # fmt: skip
            made.append((store.add(comment), slug))
        store.published_done(store.publish_wanted())  # the build is up to date
        return made
    finally:
        store.close()


def approve(id: int, files: list[Path], env: dict[str, str]) -> tuple[float, float]:
    """`newsroom comments approve ID` in a process of its own: the seconds from its start
    until every one of ``files`` was replaced (watched with stat; a publish replaces a
    file whole), and until it exited."""
    before = {path: path.stat().st_mtime_ns for path in files}
    started = time.perf_counter()
    process = subprocess.Popen([*NEWSROOM, "comments", "approve", str(id)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    waiting = set(files)
    while waiting and process.poll() is None:
        waiting = {path for path in waiting if path.stat().st_mtime_ns == before[path]}
    shown = time.perf_counter() - started
    _, errors = process.communicate()
    exited = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"approve {id} failed: {errors.decode()}")
    if waiting:  # it exited first: the files it did not replace are checked below
        shown = exited
    return shown, exited


def shows(output: Path, record: Record, id: int, slug: str, count: int) -> list[str]:
    """The pages of the article that do not show the approval yet (none, when published)."""
    (entry,) = record.entries([slug]).values()
    missing = []
    for page in entry.pages:
        text = (output / page).read_bytes()
        _, found = regions.replace(text, {slug: {k: _check(k, id, count) for k in KINDS}})
        if found[slug] == 0:
            missing.append(page)
    return missing


KINDS = ("thread", "teaser", "archive", "jsonld")


def _check(kind: str, id: int, count: int):
    wanted = {
        "thread": f'id="comment-{id}"',
        "teaser": counted(count),
        "archive": counted(count),
        "jsonld": f'"commentCount":{count}',
    }[kind]

    def check(old: str) -> str:
        if wanted not in old:
            raise SystemExit(f"a {kind} region does not show comment {id}: {old[:200]}")
        return old

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--approvals", type=int, default=20)
    args = parser.parse_args()
    print(machine(), flush=True)
    # As an installed package has them (pip compiles on install): the command's start
    # is part of what is measured, and this machine may say PYTHONDONTWRITEBYTECODE.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "newsroom")], check=True)
    items = generate(args.articles)
    root = ours_project(args.articles, items)
    url = fill_comment_store(root, items, args.comments)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSROOM_DATABASE_URL": url,
        "NEWSROOM_THREADS": str(root / "output" / "threads.json"),
    }
    print(f"{args.articles} articles, {args.comments} approved comments", flush=True)
    cold = build(root, env)
    print(f"  cold build: {cold:.1f} s", flush=True)
    rng = random.Random(12)
    picked = [items[-1], items[-2], *rng.sample(items, args.approvals - 3), items[0]]
    pending = waiting_comments(url, [a.slug for a in picked[: args.approvals]])
    output = root / "output"
    record = Record(Folder(str(output)))
    per_article = args.comments // args.articles
    times = []
    exits = []
    for n, (id, slug) in enumerate(pending):
        (entry,) = record.entries([slug]).values()
        files = [output / page for page in (*entry.pages, entry.article.beside(JSON))]
        shown, exited = approve(id, files, env)
        times.append(shown)
        exits.append(exited)
        print(f"    approve {id}: pages show it after {shown * 1000:.0f} ms, "
              f"the command exits after {exited * 1000:.0f} ms ({slug})", flush=True)  # fmt: skip
        extra = 1 + sum(1 for _, s in pending[:n] if s == slug)
        missing = shows(output, record, id, slug, per_article + extra)
        if missing:
            raise SystemExit(f"comment {id} is not on {missing}")
    warm = build(root, env)
    check_ours(items, args.comments + len(pending))(output)
    p50 = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    print(
        f"  approve → every page shows it ({len(times)} approvals): p50 {p50 * 1000:.0f} ms, "
        f"p90 {p90 * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"(all: {', '.join(f'{t * 1000:.0f}' for t in times)})",
        flush=True,
    )
    print(
        f"  approve → the command has exited: p50 {statistics.median(exits) * 1000:.0f} ms, "
        f"max {max(exits) * 1000:.0f} ms",
        flush=True,
    )
    print(f"  full warm rebuild (what an approval cost before): {warm:.1f} s", flush=True)
    print(f"  ratio rebuild / publish p50: {warm / p50:.0f}x; max publish {max(times):.2f} s")


if __name__ == "__main__":
    main()
