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
WORDS = [
    "government",
    "minister",
    "said",
    "talks",
    "would",
    "resume",
    "after",
    "officials",
    "from",
    "both",
    "sides",
    "met",
    "on",
    "Tuesday",
    "in",
    "the",
    "capital",
    "while",
    "critics",
    "questioned",
    "the",
    "plan’s",
    "cost",
    "and",
    "its",
    "timing",
    "amid",
    "protests",
    "—",
    "the",
    "agency’s",
    "report",
    "“found",
    "no",
    "evidence”",
    "of",
    "wrongdoing,",
    "according",
    "to",
    "people",
    "familiar",
    "with",
    "the",
    "matter",
    "who",
    "asked",
    "not",
    "to",
    "be",
    "named",
    "because",
    "the",
    "review",
    "isn’t",
    "public",
]
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


def timed_build(command: list[str], cwd: Path, env: dict) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak memory (MiB) of one cold build in a fresh process."""
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
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def count_pages(output: Path, pattern: str) -> int:
    return len(list(output.glob(pattern)))


class Contender:
    """One way of building, measured over several runs interleaved with its peer's."""

    def __init__(self, label: str, command: list[str], cwd: Path, env: dict, pages):
        self.label, self.command, self.cwd, self.env, self.pages = label, command, cwd, env, pages
        self.runs: list[tuple[float, float, float]] = []

    def run(self) -> None:
        self.runs.append(timed_build(self.command, self.cwd, self.env))
        pattern, expected = self.pages
        found = len(list((self.cwd / "output").glob(pattern)))
        if found != expected:
            raise SystemExit(f"{self.label}: expected {expected} article pages, found {found}")

    @property
    def wall(self) -> float:
        return min(run[0] for run in self.runs)

    @property
    def cpu(self) -> float:
        return min(run[1] for run in self.runs)

    @property
    def mib(self) -> float:
        return max(run[2] for run in self.runs)

    def line(self) -> str:
        walls = ", ".join(f"{run[0]:.2f}" for run in self.runs)
        return (
            f"  {self.label:<26} wall best {self.wall:6.2f} s (runs {walls})  "
            f"cpu best {self.cpu:6.2f} s  peak {self.mib:5.0f} MiB"
        )


def race(ours: Contender, peer: Contender, repeat: int) -> None:
    """Alternate the two, so that a slow spell of a shared machine hits both."""
    for _ in range(repeat):
        ours.run()
        peer.run()
    print(ours.line(), peer.line(), sep="\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--comments", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSROOM_DATABASE_URL": "sqlite:///no/store"}
    ours_command = [*PELICAN, "-s", "pelicanconf.py"]
    rows = []
    for size in sizes:
        items = articles(size)
        print(f"{size} articles", flush=True)
        ours = Contender(
            "ours (make html)", ours_command, ours_project(size, items), env,
            ("articles/*/index.html", size),
        )  # fmt: skip
        vanilla = Contender(
            "vanilla Pelican 4.12",
            [*PELICAN, "content", "-o", "output", "-s", "vanillaconf.py"],
            vanilla_project(size, items),
            env,
            ("*-[0-9]*.html", size),
        )
        race(ours, vanilla, args.repeat)
        rows.append(("ours vs vanilla Pelican", size, ours, vanilla, 1.10))
    if args.comments:
        size = sizes[-1]
        items = articles(size)
        root = ours_project(size, items)
        print(f"{size} articles, with and without {args.comments} approved comments", flush=True)
        url = fill_comment_store(root, items, args.comments)
        pages = ("articles/*/index.html", size)
        with_comments = Contender(
            "ours with comments", ours_command, root, {**env, "NEWSROOM_DATABASE_URL": url}, pages
        )
        without = Contender("ours without comments", ours_command, root, env, pages)
        race(with_comments, without, args.repeat)
        rows.append(
            (f"with {args.comments} comments vs without", size, with_comments, without, 1.15)
        )
    report(rows)


def report(rows) -> None:
    """Ratios of the best runs; the goal is judged on wall time, CPU time shown beside it."""
    print()
    print("| build | articles | wall s | peer s | wall ratio | cpu ratio | goal | MiB | peer MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for what, size, ours, peer, goal in rows:
        ratio = ours.wall / peer.wall
        verdict = "met" if ratio <= goal else "MISSED"
        print(
            f"| {what} | {size} | {ours.wall:.2f} | {peer.wall:.2f} | {ratio:.3f} | "
            f"{ours.cpu / peer.cpu:.3f} | ≤ {goal:.2f}: {verdict} | "
            f"{ours.mib:.0f} | {peer.mib:.0f} |"
        )


if __name__ == "__main__":
    main()
