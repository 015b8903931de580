"""Console benchmark: a moderator's pending view and a text search with 100,000 comments in
the store, ours on SQLite and on PostgreSQL, beside Isso 0.14's admin pending view.

Each server gets the same 100,000 comments (10% pending, 75% approved, 10% spam, 5%
rejected, over 2,000 articles and the last two weeks). A signed-in client asks for one page at a
time, one request after another, and the p50 and p99 of the answers' times are printed.
Our default page is 20 comments; Isso's admin page is 100 (its default, not settable) and
it has no text search, so the search has no peer. Isso runs under gunicorn with one
worker, ours under `newsroom serve` (one process).

    .venv/bin/python bench/console.py            # about 3 minutes
    .venv/bin/python bench/console.py --quick    # 20,000 comments, fewer requests
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.comments import (  # noqa: E402
    ISSO_FILES,
    POSTGRES_URL,
    free_port,
    install_isso,
    running,
    write_threads,
)
from newsroom.comments.accounts import hash_password  # noqa: E402
from newsroom.comments.model import NewComment  # noqa: E402
from newsroom.comments.store import open_store  # noqa: E402

WORK = ROOT / "bench" / ".work" / "console"
SCHEMA = "newsroom_bench_console"
EDITOR, PASSWORD = "editor@news.example", "benchmark password, long enough"
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnop"
STATUSES = (["pending"] * 10) + (["approved"] * 75) + (["spam"] * 10) + (["rejected"] * 5)
ISSO_MODE = {"approved": 1, "pending": 2, "spam": 4, "rejected": 4}  # 4: deleted
WORDS = [f"w{n:04d}" for n in range(3000)]
SEARCHES = ["w0007", "w0421", "w2999", "Walker", "example.net", "203.0.113.", "nothing-at-all"]
START = datetime.now(UTC) - timedelta(days=14)


def comments(count: int) -> list[NewComment]:
    chance = random.Random(7)
    made = []
    for n in range(count):
        status = chance.choice(STATUSES)
        made.append(
            NewComment(
                thread=f"article-{chance.randrange(2000)}",
                parent=None,
                author=chance.choice(["Ann", "Bo", "Cy", "Di", "Walker", "Zed"]) + f" {n % 97}",
                email=f"reader{n % 5000}@example.{chance.choice(['org', 'net'])}",
                url="",
                body=" ".join(chance.choice(WORDS) for _ in range(chance.randrange(20, 60))),
                body_html="<p>…</p>",
                status=status,  # type: ignore[arg-type]
                akismet="spam" if status == "spam" else "ham",
                ip=f"203.0.113.{chance.randrange(256)}",
                ip_group=None,
                user_agent="Mozilla/5.0 (bench)",
                referrer=None,
                # The last two weeks: the purge job (spam after 15 days, addresses
                # after 30) leaves them as they are while `newsroom serve` runs.
                created=START + timedelta(seconds=n * 12),
            )
        )
    return made


def fill_ours(url: str, made: list[NewComment]) -> None:
    store = open_store(url)
    store.migrate()
    for start in range(0, len(made), 1000):
        store.add_many(made[start : start + 1000])
    store.add_moderator(EDITOR, "Editor", "admin", hash_password(PASSWORD))
    store.close()
    if url.startswith("postgresql"):  # as autovacuum leaves a table that has settled
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE comments")
    else:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute("ANALYZE")


def fill_isso(database: Path, made: list[NewComment]) -> None:
    db = sqlite3.connect(database)
    slugs = sorted({c.thread for c in made})
    db.executemany(
        "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
        [(k + 1, f"/articles/{s}/", s) for k, s in enumerate(slugs)],
    )
    tid = {s: k + 1 for k, s in enumerate(slugs)}
    db.executemany(
        "INSERT INTO comments (tid, parent, created, modified, mode, remote_addr, text, "
        "author, email, website, voters) VALUES (?, NULL, ?, NULL, ?, ?, ?, ?, ?, NULL, ?)",
        [
            (
                tid[c.thread],
                c.created.timestamp(),
                ISSO_MODE[c.status],
                c.ip,
                c.body,
                c.author,
                c.email,
                b"",
            )
            for c in made
        ],
    )
    db.commit()
    db.close()


def timed(client: httpx.Client, paths: list[str], repeat: int) -> tuple[float, float]:
    for path in paths[:5]:  # warm
        client.get(path).raise_for_status()
    times = []
    for k in range(repeat):
        started = time.perf_counter()
        answer = client.get(paths[k % len(paths)])
        times.append(time.perf_counter() - started)
        answer.raise_for_status()
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000


def measure_ours(label: str, database_url: str, repeat: int) -> dict[str, tuple[float, float]]:
    port = free_port()
    site = WORK / "site"
    site.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NEWSROOM_DATABASE_URL": database_url,
        "NEWSROOM_THREADS": str(write_threads(WORK / "threads.json")),
        "NEWSROOM_SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "newsroom.cli", "serve", "--port", str(port),
               "--site", str(site)]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with (
        running(command, env, f"{url}/api/health", WORK / f"{label}.log"),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        page = client.get("/moderate/login").text
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        signed = client.post(
            "/moderate/login", data={"token": token, "email": EDITOR, "password": PASSWORD}
        )
        assert signed.status_code == 303, signed.text
        pending = timed(client, ["/moderate/"], repeat)
        searches = [f"/moderate/?status=all&q={word}" for word in SEARCHES]
        search = timed(client, searches, repeat)
    return {"pending view": pending, "text search": search}


def measure_isso(made: list[NewComment], repeat: int) -> tuple[float, float]:
    gunicorn = install_isso()
    database = WORK / "isso.db"
    for path in WORK.glob("isso.db*"):
        path.unlink()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = WORK / "isso.cfg"
    template = (ISSO_FILES / "isso.cfg.in").read_text()
    config.write_text(
        template.format(dbpath=database, url=url + "/", logfile=WORK / "isso-comments.log")
        + f"\n[admin]\nenabled = true\npassword = {PASSWORD}\n"
    )
    env = {**os.environ, "ISSO_SETTINGS": str(config)}
    command = [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--log-level", "warning", "isso.run"]  # fmt: skip
    with running(command, env, f"{url}/info", WORK / "isso.log"):
        fill_isso(database, made)  # Isso made its tables when it started
        with httpx.Client(base_url=url, timeout=60) as client:
            client.post("/login/", data={"password": PASSWORD})
            assert "admin-session" in client.cookies, "Isso did not sign in"
            return timed(client, ["/admin/?mode=2"], repeat)


def reset_postgres() -> str:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        admin.execute(f"CREATE SCHEMA {SCHEMA}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{SCHEMA}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 comments, 50 requests")
    args = parser.parse_args()
    count, repeat = (20_000, 50) if args.quick else (100_000, 200)
    WORK.mkdir(parents=True, exist_ok=True)
    made = comments(count)
    print(f"{count:,} comments, {repeat} requests per cell, one at a time", flush=True)

    rows: list[tuple[str, str, float, float]] = []
    sqlite_path = WORK / "ours.sqlite3"
    for path in WORK.glob("ours.sqlite3*"):
        path.unlink()
    fill_ours(f"sqlite:///{sqlite_path}", made)
    for view, (p50, p99) in measure_ours("sqlite", f"sqlite:///{sqlite_path}", repeat).items():
        rows.append(("ours, SQLite", view, p50, p99))
    postgres = reset_postgres()
    fill_ours(postgres, made)
    for view, (p50, p99) in measure_ours("postgres", postgres, repeat).items():
        rows.append(("ours, PostgreSQL", view, p50, p99))
    isso_p50, isso_p99 = measure_isso(made, repeat)
    rows.append(("Isso 0.14 admin", "pending view", isso_p50, isso_p99))

    print("\n| server | request | p50 ms | p99 ms | p50 × Isso |\n|---|---|---:|---:|---:|")
    for server, view, p50, p99 in rows:
        if server.startswith("Isso"):
            ratio = "—"
        else:
            ratio = f"{isso_p50 / p50:.1f}× faster" if view == "pending view" else "no peer"
        print(f"| {server} | {view} | {p50:.1f} | {p99:.1f} | {ratio} |")
    goals = [(s, v, p50) for s, v, p50, _ in rows if s.startswith("ours")]
    for server, view, p50 in goals:
        print(f"goal p50 ≤ 100 ms, {server}, {view}: {'met' if p50 <= 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
