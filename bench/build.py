"""Site build benchmark: our plugins and theme against vanilla Pelican, side by side.

    .venv/bin/python bench/build.py [--sizes 1000,5000] [--repeat 2] [--comments 100000]

Generates N seed-style articles (corrections on a third, a source on most, the copied
comment chrome), builds them as `make html` does, and builds the same articles as plain
Markdown with vanilla Pelican (default settings and theme, no plugins). Then builds the
largest size again with approved comments spread over its articles. Prints wall time,
peak memory and the ratios; every build's page count is checked, so a broken build
cannot look fast.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
PROJECT_FILES = ("pelicanconf.py", "plugins", "theme")
PELICAN = [sys.executable, "-m", "pelican"]
START = datetime(2020, 1, 1, 8, 0, tzinfo=UTC)
WORDS = (
    "government minister said talks would resume after officials from both sides met on "
    "Tuesday in the capital while critics questioned the plan’s cost and its timing amid "
    "protests — the agency’s report “found no evidence” of wrongdoing, according to people "
    "familiar with the matter who asked not to be named because the review isn’t public"
).split()
CHROME = (
    'Be the first to comment at "{title}"\n\nWrite your comment\n\n'
    "This site uses Akismet to reduce spam. Learn how your comment data is processed."
)


class Article:
    def __init__(self, n: int, rng: random.Random):
        self.n = n
        self.date = START + timedelta(hours=7 * n)
        self.title = f"{_sentence(rng, 6, 11).rstrip('.')} ({n})"
        self.paragraphs = [_paragraph(rng) for _ in range(rng.randint(8, 20))]
        self.corrections = (
            [_sentence(rng, 12, 25) for _ in range(rng.randint(1, 2))] if n % 3 == 0 else []
        )
        self.source = rng.choice(["Reuters", "https://example.org/story", "AP", ""])

    def seed(self) -> str:
        parts = [f"Date: {self.date:%Y-%m-%d %H:%M}", "", self.title, "", *self.paragraphs]
        if self.corrections:
            parts += ["", "Corrections & Amplifications\u00a0", "\n\n".join(self.corrections)]
        parts += ["", f"Source : {self.source}", "", CHROME.format(title=self.title)]
        return "\n\n".join(p for p in parts if p != "") + "\n"

    def markdown(self) -> str:
        head = f"Title: {self.title}\nDate: {self.date:%Y-%m-%d %H:%M}\n\n"
        tail = [f"Correction: {c}" for c in self.corrections]
        if self.source:
            tail.append(f"Source: {self.source}")
        return head + "\n\n".join(self.paragraphs + tail) + "\n"


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, 8, 24) for _ in range(rng.randint(2, 5)))


def articles(size: int) -> list[Article]:
    rng = random.Random(size)
    return [Article(n, rng) for n in range(size)]


def ours_project(size: int, items: list[Article]) -> Path:
    root = WORK / f"ours-{size}"
    if not (root / "seeds").exists() or len(list((root / "seeds").iterdir())) != size:
        shutil.rmtree(root, ignore_errors=True)
        (root / "seeds").mkdir(parents=True)
        (root / "content" / "pages").mkdir(parents=True)
        for article in items:
            (root / "seeds" / f"{article.n:05d}.txt").write_text(article.seed(), encoding="utf-8")
        for page in (ROOT / "content" / "pages").iterdir():
            shutil.copy(page, root / "content" / "pages")
    for name in PROJECT_FILES:  # always the current settings, plugins and theme
        target = root / name
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(True)
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    return root


def vanilla_project(size: int, items: list[Article]) -> Path:
    root = WORK / f"vanilla-{size}"
    if not (root / "content").exists() or len(list((root / "content").iterdir())) != size:
        shutil.rmtree(root, ignore_errors=True)
        (root / "content").mkdir(parents=True)
        for article in items:
            (root / "content" / f"{article.n:05d}.md").write_text(article.markdown(), "utf-8")
        (root / "vanillaconf.py").write_text("# Pelican's defaults: theme, no plugins.\n")
    return root


def fill_comment_store(root: Path, items: list[Article], total: int) -> str:
    """An SQLite store with `total` approved comments spread over the articles."""
    sys.path.insert(0, str(ROOT))
    from pelican.settings import DEFAULT_CONFIG
    from pelican.utils import slugify

    from newsroom.store import open_store

    path = root / "var" / f"comments-{total}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    store = open_store(url)
    store.migrate()
    rng = random.Random(total)
    substitutions = DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"]  # as the build makes slugs
    slugs = [slugify(a.title, regex_subs=substitutions) for a in items]
    rows = []
    for n in range(total):
        thread = slugs[n % len(slugs)]
        rows.append(
            (
                thread,
                None,
                f"Reader {n}",
                f"r{n}@example.org",
                "",
                f"Comment {n}",
                f"<p>Comment {n}: {_sentence(rng, 5, 30)}</p>",
                "approved",
                "ham",
                None,
                None,
                None,
                store._to_db(START + timedelta(minutes=n)),
                store._to_db(START + timedelta(minutes=n)),
            )
        )
    connection = store._connection()
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO comments (thread, parent, author, email, url, body, body_html, status, "
        "akismet, ip, user_agent, referrer, created, updated) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.execute("COMMIT")
    store.close()
    return url


def timed_build(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of one cold build in a fresh child process."""
    for folder in ("output", "cache"):
        shutil.rmtree(cwd / folder, ignore_errors=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"build failed in {cwd}: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def count_pages(output: Path, pattern: str) -> int:
    return len(list(output.glob(pattern)))


def measure(label: str, command, cwd: Path, env: dict, repeat: int, pages: tuple[str, int]):
    runs = [timed_build(command, cwd, env) for _ in range(repeat)]
    pattern, expected = pages
    found = count_pages(cwd / "output", pattern)
    if found != expected:
        raise SystemExit(f"{label}: expected {expected} article pages, found {found}")
    times = [t for t, _ in runs]
    result = {"best": min(times), "median": statistics.median(times), "mib": max(m for _, m in runs)}
    print(f"  {label:<28} best {result['best']:7.2f} s  median {result['median']:7.2f} s  "
          f"peak {result['mib']:6.0f} MiB", flush=True)  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--comments", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSROOM_DATABASE_URL": "sqlite:///no/store"}
    rows = []
    for size in sizes:
        items = articles(size)
        print(f"{size} articles", flush=True)
        ours = ours_project(size, items)
        vanilla = vanilla_project(size, items)
        ours_result = measure(
            "ours (make html)",
            [*PELICAN, "-s", "pelicanconf.py"],
            ours,
            env,
            args.repeat,
            ("articles/*/index.html", size),
        )
        vanilla_result = measure(
            "vanilla Pelican 4.12",
            [*PELICAN, "content", "-o", "output", "-s", "vanillaconf.py"],
            vanilla,
            env,
            args.repeat,
            ("*-[0-9]*.html", size),
        )
        rows.append(("build", size, ours_result, vanilla_result, 1.10))
    if args.comments:
        size = sizes[-1]
        items = articles(size)
        ours = ours_project(size, items)
        print(f"{size} articles with {args.comments} approved comments", flush=True)
        url = fill_comment_store(ours, items, args.comments)
        with_comments = measure(
            "ours with comments",
            [*PELICAN, "-s", "pelicanconf.py"],
            ours,
            {**env, "NEWSROOM_DATABASE_URL": url},
            args.repeat,
            ("articles/*/index.html", size),
        )
        without = next(r[2] for r in rows if r[1] == size)
        rows.append(("comments", size, with_comments, without, 1.15))
    report(rows)


def report(rows) -> None:
    print()
    print("| what | articles | ours (s) | peer (s) | ratio | goal | ours MiB | peer MiB |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for what, size, ours, peer, goal in rows:
        ratio = ours["best"] / peer["best"]
        verdict = "met" if ratio <= goal else "MISSED"
        peer_name = "vanilla Pelican" if what == "build" else "ours without comments"
        print(
            f"| {'ours vs ' + peer_name} | {size} | {ours['best']:.2f} | {peer['best']:.2f} | "
            f"{ratio:.3f} | ≤ {goal:.2f}: {verdict} | {ours['mib']:.0f} | {peer['mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
