"""Comment service benchmark: ours (SQLite and PostgreSQL) against Isso 0.14, side by side.

    .venv/bin/python bench/comments.py [--quick] [--workers 2]

Starts each server on 127.0.0.1 with the same number of worker processes, fills each
with the same comments, then drives it with a bounded load (N keep-alive clients for a
fixed time): GET of a thread, and POST of new comments, with 1 and 50 clients. Ours
checks every post with Akismet (the fake Akismet of the tests, answering at once or
after 50 ms); Isso makes no Akismet call and has its rate limit off. Prints requests
per second, p50/p99 latency and the ratios to Isso, then the Lambda entry's cold
import. Isso is installed into bench/.work/isso-venv on first use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work" / "comments"
ISSO_VENV = ROOT / "bench" / ".work" / "isso-venv"
THREADS = [f"bench-thread-{n}" for n in range(20)]
PRELOAD_PER_THREAD = 50
POSTGRES_URL = os.environ.get(
    "NEWSROOM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)

sys.path.insert(0, str(ROOT))
from tests.support.akismet import start_fake_akismet  # noqa: E402
from tests.support.service import free_port, write_manifest  # noqa: E402

# --- the servers -------------------------------------------------------------------------


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server for {url} did not start")


@contextmanager
def running(command: list[str], env: dict, probe: str):
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_up(probe, process)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def ours(database_url: str, akismet_url: str, workers: int):
    port = free_port()
    manifest = write_manifest(WORK / "threads.json", slugs=THREADS)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSROOM_DATABASE_URL": database_url,
        "NEWSROOM_THREADS": str(manifest),
        "NEWSROOM_MODERATION": "none",
        "NEWSROOM_RATE_LIMIT": "0",
        "PYTHON_AKISMET_API_KEY": "fake-key-0123456789",
        "PYTHON_AKISMET_BLOG_URL": "http://127.0.0.1:8000/",
        "NEWSROOM_AKISMET_URL": akismet_url,
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "newsroom.service.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log", "--no-proxy-headers",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with running(command, env, f"{url}/api/health"):
        yield Target(url, "ours")


def install_isso() -> Path:
    python = ISSO_VENV / "bin" / "python"
    if not (ISSO_VENV / "bin" / "gunicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "isso==0.14.*", "gunicorn"],
            check=True,
        )
    return ISSO_VENV / "bin" / "gunicorn"


@contextmanager
def isso(workers: int):
    gunicorn = install_isso()
    port = free_port()
    database = WORK / "isso.db"
    database.unlink(missing_ok=True)
    config = WORK / "isso.cfg"
    config.write_text(
        f"[general]\ndbpath = {database}\nhost = http://127.0.0.1:{port}/\n"
        "[moderation]\nenabled = false\n"
        "[guard]\nenabled = false\n"
        f"[server]\nlisten = http://127.0.0.1:{port}/\n"
    )
    env = {**os.environ, "ISSO_SETTINGS": str(config)}
    command = [
        str(gunicorn), "-b", f"127.0.0.1:{port}", "-w", str(workers), "--preload",
        "--log-level", "warning", "isso.run",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with running(command, env, f"{url}/info"):
        yield Target(url, "isso")


class Target:
    """How to post and read a thread on one server."""

    def __init__(self, url: str, kind: str):
        self.url, self.kind = url, kind

    def post(self, client: httpx.AsyncClient, thread: str, n: int):
        text = f"Comment number {n} on {thread}: a reasonable remark."
        if self.kind == "ours":
            data = {"thread": thread, "author": f"Reader {n}", "email": f"r{n}@example.org",
                    "body": text}  # fmt: skip
            return client.post("/api/comments", json=data)
        data = {"text": text, "author": f"Reader {n}", "email": f"r{n}@example.org",
                "website": None, "title": f"Title of {thread}"}  # fmt: skip
        return client.post("/new", params={"uri": f"/articles/{thread}/"}, json=data)

    def get(self, client: httpx.AsyncClient, thread: str):
        if self.kind == "ours":
            return client.get("/api/comments", params={"thread": thread})
        return client.get("/", params={"uri": f"/articles/{thread}/"})


# --- the load ----------------------------------------------------------------------------

WRK_SCRIPT = r"""
local kind, style = "%(kind)s", "%(style)s"
local threads, counter, id = %(threads)d, 0, 0
local number = 0
setup = function(thread) number = number + 1; thread:set("id", number) end
init = function(args) id = wrk.thread:get("id") end
request = function()
  counter = counter + 1
  local n = id * 10000000 + counter + %(offset)d
  local slug = "bench-thread-" .. (n %% threads)
  if kind == "GET" then
    if style == "ours" then return wrk.format("GET", "/api/comments?thread=" .. slug) end
    return wrk.format("GET", "/?uri=/articles/" .. slug .. "/")
  end
  local text = "Comment number " .. n .. " on " .. slug .. ": a reasonable remark."
  local headers = {["Content-Type"] = "application/json"}
  if style == "ours" then
    local body = '{"thread":"' .. slug .. '","author":"Reader ' .. n ..
      '","email":"r' .. n .. '@example.org","body":"' .. text .. '"}'
    return wrk.format("POST", "/api/comments", headers, body)
  end
  local body = '{"text":"' .. text .. '","author":"Reader ' .. n ..
    '","email":"r' .. n .. '@example.org","title":"Title of ' .. slug .. '"}'
  return wrk.format("POST", "/new?uri=/articles/" .. slug .. "/", headers, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%f %%f %%f %%d %%d\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def wrk_load(target: Target, kind: str, clients: int, seconds: float, start: int) -> dict:
    """The same load from wrk (C, two threads): the server, not the client, is measured."""
    script = WORK / f"wrk-{target.kind}-{kind}.lua"
    values = {"kind": kind, "style": target.kind, "threads": len(THREADS), "offset": start}
    script.write_text(WRK_SCRIPT % values)
    duration = f"{max(1, round(seconds))}s"
    command = ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", duration,
               "--timeout", "10s", "-s", str(script), target.url]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    lines = [li for li in run.stdout.splitlines() if li.startswith("RESULT")]
    if not lines:
        raise SystemExit(f"wrk failed against {target.url}: {run.stdout}{run.stderr}")
    line = lines[0]
    requests, duration, p50, p99, bad_status, socket_errors = line.split()[1:]
    return {
        "rps": int(requests) / float(duration),
        "p50": float(p50),
        "p99": float(p99),
        "errors": int(bad_status) + int(socket_errors),
        "requests": int(requests),
    }


async def load(target: Target, kind: str, clients: int, seconds: float, start: int) -> dict:
    """`clients` keep-alive connections asking as fast as answers come, for `seconds`."""
    latencies: list[float] = []
    errors = 0
    counter = start
    stop_at = time.perf_counter() + seconds

    async def client_loop() -> None:
        nonlocal errors, counter
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=target.url, timeout=30, limits=limits) as client:
            while time.perf_counter() < stop_at:
                counter += 1
                thread = THREADS[counter % len(THREADS)]
                began = time.perf_counter()
                try:
                    if kind == "POST":
                        answer = await target.post(client, thread, counter)
                    else:
                        answer = await target.get(client, thread)
                    ok = answer.status_code < 300
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - began)
                errors += not ok

    began = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
        "requests": len(latencies),
    }


def preload(target: Target) -> None:
    async def fill() -> None:
        async with httpx.AsyncClient(base_url=target.url, timeout=30) as client:
            for n in range(PRELOAD_PER_THREAD):
                await asyncio.gather(*(target.post(client, t, n) for t in THREADS))

    asyncio.run(fill())


# --- the run -----------------------------------------------------------------------------


def cells(target: Target, label: str, seconds: float, offset: int) -> list[tuple]:
    rows = []
    for kind in ("GET", "POST"):
        for clients in (1, 50):
            start = offset + clients * 10**6
            if shutil.which("wrk"):
                result = wrk_load(target, kind, clients, seconds, start)
            else:
                result = asyncio.run(load(target, kind, clients, seconds, start))
            rows.append((label, kind, clients, result))
            print(f"  {label:<28} {kind:<4} {clients:>2} clients  {result['rps']:8.0f} req/s  "
                  f"p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
                  f"errors {result['errors']}", flush=True)  # fmt: skip
    return rows


def reset_postgres() -> str:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS newsroom_bench CASCADE")
        connection.execute("CREATE SCHEMA newsroom_bench")
    return f"{POSTGRES_URL}?options=-csearch_path%3Dnewsroom_bench"


def cold_import() -> dict:
    event = ROOT / "tests/fixtures/aws-lambda-events/apiGatewayProxyV2Event_GET.json"
    script = (
        "import json, sys, time\n"
        "began = time.perf_counter()\n"
        "from newsroom.lambda_handler import handler\n"
        f"event = json.load(open({str(event)!r}))\n"
        "event.update(rawPath='/api/comments', rawQueryString='thread=bench-thread-1')\n"
        "event['requestContext']['http'].update(method='GET', path='/api/comments')\n"
        "answer = handler(event, {})\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'akismet','httpx','psycopg'})\n"
        "print(json.dumps({'status': answer['statusCode'], 'ms': (time.perf_counter() - began) * 1000, 'heavy': loaded}))\n"  # noqa: E501
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSROOM_DATABASE_URL": f"sqlite:///{WORK}/cold.sqlite3",
        "NEWSROOM_THREADS": str(WORK / "threads.json"),
    }
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    timing = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import newsroom.lambda_handler"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    report["import_us"] = int(timing.stderr.strip().splitlines()[-1].split("|")[1])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short cells, for a smoke run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    seconds = 2.0 if args.quick else args.seconds
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    fake, fake_server = start_fake_akismet()
    rows = []
    try:
        with isso(args.workers) as target:
            preload(target)
            rows += cells(target, "Isso 0.14 (no Akismet)", seconds, 0)
        stores = {"SQLite": lambda: f"sqlite:///{WORK}/ours.sqlite3", "PostgreSQL": reset_postgres}
        for store_name, make_url in stores.items():
            for delay in (0.0, 0.05):
                fake.answer_with("ham", delay=delay)
                (WORK / "ours.sqlite3").unlink(missing_ok=True)
                with ours(make_url(), fake.url, args.workers) as target:
                    fake.answer_with("ham")
                    preload(target)
                    fake.answer_with("ham", delay=delay)
                    label = f"ours {store_name}, Akismet {int(delay * 1000)} ms"
                    rows += cells(target, label, seconds, 10**8)
    finally:
        fake_server.shutdown()
    summary(rows, args.workers)
    print("\nLambda entry, cold:", cold_import())


def summary(rows, workers: int) -> None:
    isso = {(kind, clients): r for label, kind, clients, r in rows if label.startswith("Isso")}
    print(f"\n{workers} worker processes each.\n")
    print("| server | request | clients | req/s | p50 ms | p99 ms | errors | × Isso |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, kind, clients, r in rows:
        ratio = r["rps"] / isso[(kind, clients)]["rps"]
        print(f"| {label} | {kind} | {clients} | {r['rps']:.0f} | {r['p50']:.1f} | "
              f"{r['p99']:.1f} | {r['errors']} | {ratio:.2f} |")  # fmt: skip
    print()
    for label, kind, clients, r in rows:
        if label.startswith("ours") and clients == 50:
            ratio = r["rps"] / isso[(kind, clients)]["rps"]
            goal = 5 if kind == "GET" else 3
            if kind == "POST" and "50 ms" in label:
                print(f"goal: {label} POST, 50 clients ≥ 300 req/s: {r['rps']:.0f} "
                      f"{'met' if r['rps'] >= 300 else 'MISSED'}")  # fmt: skip
            elif "0 ms" in label:
                print(f"goal: {label} {kind} ≥ {goal}× Isso: {ratio:.2f}× "
                      f"{'met' if ratio >= goal else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
