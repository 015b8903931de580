"""Comment service benchmark: ours (SQLite and PostgreSQL) against Isso 0.14, side by side.

    .venv/bin/python bench/comments.py [--quick] [--workers N] [--seconds S] [--comment short]

Starts each server on 127.0.0.1 with the same number of worker processes, fills each
with the same comments (20 threads x 50), checks that a GET returns them, then drives it
with a bounded load (bench/loadgen.py: wrk, or a Python generator): GET of a thread and
POST of new, unique comments, with 1, 10 and 50 keep-alive clients. Ours checks every post
with Akismet (a lean fake Akismet, bench/fake_akismet.py, in its own process, answering
at once or after 50 ms) and publishes it (NEWSROOM_MODERATION=none); Isso makes no
Akismet call and has its rate limit and moderation off. Isso runs first and last (the
machine's speed drifts), and ours is compared with the better of its two runs. Two diagnostic rows:
ours with no Akismet key (what the Akismet round trip costs), and ours with one worker
process at 50 ms (as `newsroom serve` runs). Each cell also reports CPU per request from
/proc, and the CPU other processes took meanwhile. Then the Lambda entry's cold import.
Prints the table, the ratios and the goals of issue 3 (judged at 50 clients; the other
cells' ratios are printed as "info"); docs/benchmarks.md reads them.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402
from bench.loadgen import Requests, Result  # noqa: E402

WORK = ROOT / "bench" / ".work" / "comments"
ISSO_VENV = ROOT / "bench" / ".work" / "isso-venv"
ISSO_FILES = ROOT / "bench" / "isso"
EVENTS = ROOT / "tests" / "fixtures" / "aws-lambda-events"
POSTGRES_URL = os.environ.get(
    "NEWSROOM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SCHEMA = "newsroom_bench"
AKISMET_KEY = "fake-key-0123456789"
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnop"  # signs nothing here
HEAVY = ("akismet", "httpx", "psycopg")


# --- servers -----------------------------------------------------------------------------


@dataclass
class Server:
    label: str
    url: str
    requests: Requests
    pgid: int
    helpers: dict[str, object] = field(default_factory=dict)  # name -> pgid or command


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server for {url} did not start within {seconds} s")


@contextmanager
def running(command: list[str], env: dict, probe: str, log: Path):
    """A server in its own process group, stopped (group and all) however we leave."""
    with open(log, "ab") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        wait_until_up(probe, process)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAKE = "lean"  # or "tests": the tests' fake (--fake tests)


@contextmanager
def fake_akismet(delay: float):
    """A fake Akismet in a process of its own, so its CPU is counted apart: the lean one
    (bench/fake_akismet.py) by default, which leaves the shared cores to the servers
    measured; the tests' one with --fake tests."""
    port = free_port()
    if FAKE == "tests":
        command = [sys.executable, __file__, "--serve-tests-fake", f"{port}:{delay}"]
    else:
        script = ROOT / "bench" / "fake_akismet.py"
        command = [sys.executable, str(script), str(port), str(delay), AKISMET_KEY]
    url = f"http://127.0.0.1:{port}"
    with running(command, dict(os.environ), f"{url}/count", WORK / "fake-akismet.log") as p:
        yield url, p.pid


def serve_tests_fake(spec: str) -> None:
    """(In the helper process.) The tests' fake, with GET /count for the checks received."""
    from tests.support.akismet import FakeAkismet, _handler, _Server

    port, delay = spec.split(":")
    fake = FakeAkismet(url=f"http://127.0.0.1:{port}")
    fake.answer_with("ham", delay=float(delay))

    class Handler(_handler(fake)):
        def do_GET(self):
            with fake.lock:
                checks = sum(path.endswith("comment-check") for path, _ in fake.requests)
                fake.requests.clear()  # keep memory flat: only the count matters here
                fake.checks = getattr(fake, "checks", 0) + checks
            self._send(str(fake.checks))

    _Server(("127.0.0.1", int(port)), Handler).serve_forever()


def akismet_calls(url: str) -> int:
    return int(httpx.get(f"{url}/count", timeout=5).text)


def write_threads(path: Path) -> Path:
    threads = {
        loadgen.slug(n): {
            "title": f"Title of {loadgen.slug(n)}",
            "url": f"articles/{loadgen.slug(n)}/",
            "permalink": f"/articles/{loadgen.slug(n)}/",
            "published": "2026-11-20T09:00:00+00:00",
            "modified": "2026-11-21T10:30:00+00:00",
            "lang": "en",
        }
        for n in range(loadgen.THREAD_COUNT)
    }
    path.write_text(json.dumps({"version": 1, "site_url": "", "threads": threads}))
    return path


@contextmanager
def ours(label: str, database_url: str, akismet_url: str | None, workers: int):
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSROOM_DATABASE_URL": database_url,
        "NEWSROOM_THREADS": str(write_threads(WORK / "threads.json")),
        "NEWSROOM_MODERATION": "none",
        "NEWSROOM_RATE_LIMIT": "0",
        "NEWSROOM_SECRET_KEY": SECRET_KEY,
    }
    for name in ("PYTHON_AKISMET_API_KEY", "PYTHON_AKISMET_BLOG_URL", "NEWSROOM_AKISMET_URL"):
        env.pop(name, None)
    if akismet_url:
        env |= {
            "PYTHON_AKISMET_API_KEY": AKISMET_KEY,
            "PYTHON_AKISMET_BLOG_URL": "http://127.0.0.1:8000/",
            "NEWSROOM_AKISMET_URL": akismet_url,
        }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "newsroom.service.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log", "--no-proxy-headers",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with running(command, env, f"{url}/api/health", WORK / "ours.log") as process:
        yield Server(label, url, Requests("ours"), process.pid)


def install_isso() -> Path:
    """Isso and gunicorn in a venv of their own (made once, then reused)."""
    gunicorn = ISSO_VENV / "bin" / "gunicorn"
    if not gunicorn.exists():
        print(f"Installing Isso into {ISSO_VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
        pip = [str(ISSO_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "-r", str(ISSO_FILES / "requirements.txt")], check=True)
    return gunicorn


@contextmanager
def isso(label: str, workers: int):
    gunicorn = install_isso()
    port = free_port()
    database = WORK / "isso.db"
    for path in WORK.glob("isso.db*"):
        path.unlink()
    url = f"http://127.0.0.1:{port}"
    config = WORK / "isso.cfg"
    template = (ISSO_FILES / "isso.cfg.in").read_text()
    config.write_text(
        template.format(dbpath=database, url=url + "/", logfile=WORK / "isso-comments.log")
    )
    env = {**os.environ, "ISSO_SETTINGS": str(config)}
    command = [
        str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--preload",
        "--log-level", "warning", "isso.run",
    ]  # fmt: skip
    with running(command, env, f"{url}/info", WORK / "isso.log") as process:
        yield Server(label, url, Requests("isso"), process.pid)


def reset_postgres() -> str:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.execute(f"CREATE SCHEMA {SCHEMA}")
    return f"{POSTGRES_URL}?options=-csearch_path%3D{SCHEMA}"


def drop_postgres_schema() -> None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    except Exception as exc:  # cleanup only: say it and go on
        print(f"(could not drop the schema {SCHEMA}: {exc})")


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Cell:
    label: str
    akismet: str  # "none (Isso)", "0 ms", "50 ms", "no key"
    method: str
    clients: int
    result: Result
    cpu: dict[str, float]  # CPU seconds during the cell: server, akismet, postgres, load


class Bench:
    def __init__(self, seconds: int, clients: tuple[int, ...], per_thread: int):
        self.seconds, self.clients, self.per_thread = seconds, clients, per_thread
        self.cells: list[Cell] = []
        self.checks: list[str] = []
        self.disk_sync: list[float] = []  # µs, at the start and at the end (disk_sync_us)
        self.wrk = loadgen.ensure_wrk()
        self.next_offset = 10**8

    def load(self, server: Server, method: str, clients: int) -> tuple[Result, dict]:
        self.next_offset += 10**8  # every POST of the run has its own number
        before = self.cpu_now(server)
        if self.wrk:
            result = loadgen.run_wrk(self.wrk, server.url, server.requests, method, clients,
                                     self.seconds, self.next_offset, WORK)  # fmt: skip
        else:
            result = loadgen.run_python(server.url, server.requests, method, clients,
                                        self.seconds, self.next_offset)  # fmt: skip
        after = self.cpu_now(server)
        cpu = {name: after[name] - before[name] for name in before}
        cpu["load"] = result.generator_cpu
        # whatever else ran on the machine meanwhile (other users' jobs skew a cell)
        ours_total = sum(v for k, v in cpu.items() if k not in ("busy", "steal"))
        cpu["other"] = max(0.0, cpu.pop("busy") - ours_total)
        return result, cpu

    def cpu_now(self, server: Server) -> dict[str, float]:
        cpu = {"server": loadgen.cpu_seconds(pgid=server.pgid), **loadgen.machine_cpu()}
        for name, who in server.helpers.items():
            if isinstance(who, int):
                cpu[name] = loadgen.cpu_seconds(pgid=who)
            else:
                cpu[name] = loadgen.cpu_seconds(command=who)
        return cpu

    def fill_and_check(self, server: Server) -> None:
        began = time.perf_counter()
        stored = loadgen.preload(server.url, server.requests, self.per_thread)
        expected = self.per_thread * loadgen.THREAD_COUNT
        if stored != expected:
            raise RuntimeError(f"{server.label}: {stored} of {expected} preload posts accepted")
        thread = loadgen.slug(0)
        answer = httpx.get(server.url + server.requests.get_path(thread), timeout=10)
        data = answer.json()
        shown = data.get("count") if server.requests.style == "ours" else data["total_replies"]
        if shown != self.per_thread:
            raise RuntimeError(f"{server.label}: GET shows {shown} comments, not {self.per_thread}")
        self.checks.append(
            f"{server.label}: preloaded {stored} comments in {time.perf_counter() - began:.1f} s;"
            f" GET of a thread answers {len(answer.content)} bytes for {shown} comments"
        )

    def run(self, server: Server, akismet: str, methods=("GET", "POST"), clients_list=None):
        for method in methods:
            for clients in clients_list or self.clients:
                result, cpu = self.load(server, method, clients)
                cell = Cell(server.label, akismet, method, clients, result, cpu)
                self.cells.append(cell)
                print(f"  {server.label:<34} {method:<4} {clients:>2} clients "
                      f"{result.rps:8.0f} req/s  p50 {result.p50_ms:7.1f} ms  "
                      f"p99 {result.p99_ms:7.1f} ms  errors {result.errors}  "
                      f"server CPU {1e6 * cpu['server'] / max(1, result.requests):.0f} µs/req  "
                      f"other {100 * cpu['other'] / result.seconds:.0f}% "
                      f"steal {100 * cpu['steal'] / result.seconds:.0f}%",
                      flush=True)  # fmt: skip

    def verify_ours(self, server: Server, akismet_url: str | None, first_cell: int) -> None:
        """Every acknowledged POST is stored (and, with a key, was checked with Akismet)."""
        threads = "&".join(f"thread={loadgen.slug(n)}" for n in range(loadgen.THREAD_COUNT))
        counts = httpx.get(f"{server.url}/api/comments/counts?{threads}", timeout=10).json()
        mine = [c for c in self.cells[first_cell:] if c.method == "POST"]
        answered = sum(c.result.requests - c.result.errors for c in mine)
        published = sum(counts.values()) - self.per_thread * loadgen.THREAD_COUNT
        line = f"{server.label}: {answered} POSTs acknowledged, {published} more published"
        if akismet_url:
            calls = akismet_calls(akismet_url) - self.per_thread * loadgen.THREAD_COUNT
            line += f", {calls} Akismet comment-checks during the POST cells"
        # wrk stops with requests in flight: the server may finish a few it never counts
        ok = published >= answered
        self.checks.append(line + ("" if ok else "  ← FEWER STORED THAN ACKNOWLEDGED"))


# --- the Lambda entry --------------------------------------------------------------------

COLD_SCRIPT = r"""
import json, sys, time
began = time.perf_counter()
from newsroom.lambda_handler import handler
event = json.load(open(sys.argv[1]))
method = sys.argv[2]
event["rawPath"], event["requestContext"]["http"]["path"] = "/api/comments", "/api/comments"
event["requestContext"]["http"]["method"] = method
event["headers"] = {"content-type": "application/json", "user-agent": "bench"}
if method == "GET":
    event["rawQueryString"], event["body"] = "thread=bench-thread-1", None
else:
    event["rawQueryString"] = ""
    event["body"] = json.dumps({"thread": "bench-thread-1", "author": "Cold",
                                "email": "cold@example.org", "body": "Cold start " + sys.argv[3]})
event["isBase64Encoded"] = False
answer = handler(event, {})
elapsed = time.perf_counter() - began
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"akismet", "httpx", "psycopg"})
print("COLD " + json.dumps({"status": answer["statusCode"], "ms": elapsed * 1000,
                            "heavy": sorted({m.split(".")[0] for m in heavy}),
                            "heavy_modules": len(heavy)}))
"""


def import_times(stderr: str) -> dict[str, float]:
    """`-X importtime` output: milliseconds of each top-level package (cumulative)."""
    tops: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if name.startswith("  "):
            continue  # nested: counted in its parent's cumulative time
        top = name.strip().split(".")[0]
        tops[top] = tops.get(top, 0) + int(cumulative) / 1000
    return tops


def cold_start(akismet_url: str) -> dict:
    database = WORK / "cold.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSROOM_DATABASE_URL": f"sqlite:///{database}",
        "NEWSROOM_THREADS": str(write_threads(WORK / "threads.json")),
        "NEWSROOM_MODERATION": "none",
        "NEWSROOM_SECRET_KEY": SECRET_KEY,
        "PYTHON_AKISMET_API_KEY": AKISMET_KEY,
        "PYTHON_AKISMET_BLOG_URL": "http://127.0.0.1:8000/",
        "NEWSROOM_AKISMET_URL": akismet_url,
    }
    python = [sys.executable, "-X", "importtime"]
    module = subprocess.run(
        [*python, "-c", "import newsroom.lambda_handler"], env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    report = {"import_lambda_handler_ms": import_times(module.stderr)["newsroom"]}
    bare = subprocess.run([*python, "-c", "pass"], env=env, capture_output=True, text=True)
    startup = set(import_times(bare.stderr))  # the interpreter's own (encodings, site…)
    event = EVENTS / "apiGatewayProxyV2Event.json"

    def invoke(method: str, number: int) -> dict:
        run = subprocess.run(
            [*python, "-c", COLD_SCRIPT, str(event), method, str(number)], env=env,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        line = [li for li in run.stdout.splitlines() if li.startswith("COLD ")][-1]
        answer = json.loads(line[5:])
        tops = {k: v for k, v in import_times(run.stderr).items() if k not in startup}
        answer["imports_ms"] = sum(tops.values())
        answer["top"] = sorted(tops.items(), key=lambda kv: -kv[1])[:6]
        return answer

    invoke("GET", 0)  # the store exists on a deployed site: make it first
    for method in ("GET", "POST"):  # best of three: the machine's speed drifts
        runs = [invoke(method, n) for n in range(3)]
        report[method] = min(runs, key=lambda a: a["ms"])
    return report


# --- reporting ---------------------------------------------------------------------------


def versions() -> dict[str, str]:
    def version_in(python: Path, names: list[str]) -> dict:
        code = ("import importlib.metadata as m, json, sys; "
                "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))")  # fmt: skip
        run = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True)
        return json.loads(run.stdout) if run.returncode == 0 else {}

    found = {"python": platform.python_version()}
    for name in ("starlette", "uvicorn", "uvloop", "httptools", "httpx", "akismet", "psycopg"):
        with suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    found |= version_in(ISSO_VENV / "bin" / "python", ["isso", "gunicorn", "werkzeug"])
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as connection:
            found["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    except Exception:
        pass
    return found


def revision() -> str:
    """The commit measured, and whether the service's files differ from it."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return run.stdout.strip()

    dirty = git("status", "--porcelain", "--", "newsroom", "tests/support")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (
        " + local changes" if dirty else ""
    )


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.platform()}"


def disk_sync_us(writes: int = 200) -> float:
    """Median time of a 4 KiB write and fsync in the benchmark's folder. Both servers sync
    every comment to disk before answering (Isso's rollback journal several times), so a
    slow disk spell moves one-client POSTs more than anything else: it is printed."""
    path = WORK / "sync-probe"
    times = []
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        for _ in range(writes):
            began = time.perf_counter()
            os.write(descriptor, b"x" * 4096)
            os.fsync(descriptor)
            times.append(time.perf_counter() - began)
    finally:
        os.close(descriptor)
        path.unlink()
    return 1e6 * sorted(times)[len(times) // 2]


def isso_best(cells: list[Cell]) -> dict[tuple[str, int], Cell]:
    best: dict[tuple[str, int], Cell] = {}
    for cell in cells:
        if cell.akismet.startswith("none"):
            key = (cell.method, cell.clients)
            if key not in best or cell.result.rps > best[key].result.rps:
                best[key] = cell
    return best


def table(cells: list[Cell]) -> list[str]:
    best = isso_best(cells)
    lines = [
        "| server | Akismet | request | clients | req/s | p50 ms | p99 ms | errors | × Isso "
        "| server CPU µs/req | Akismet fake + PostgreSQL CPU µs/req | load generator CPU % "
        "| other CPU % | steal % |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for c in cells:
        r = c.result
        peer = best.get((c.method, c.clients))
        ratio = f"{r.rps / peer.result.rps:.2f}" if peer and peer.result.rps else "–"
        per = 1e6 / max(1, r.requests)
        others = c.cpu.get("akismet", 0) + c.cpu.get("postgres", 0)
        lines.append(
            f"| {c.label} | {c.akismet} | {c.method} | {c.clients} | {r.rps:.0f} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {ratio} | "
            f"{c.cpu['server'] * per:.0f} | {others * per:.0f} | "
            f"{100 * c.cpu['load'] / r.seconds:.0f} | {100 * c.cpu['other'] / r.seconds:.0f} | "
            f"{100 * c.cpu['steal'] / r.seconds:.0f} |"
        )
    return lines


def goals(cells: list[Cell]) -> list[str]:
    """Issue 3's goals. Requests per second are a throughput: judged at the run's load
    (its most clients, 50, the load the issue names). With fewer clients a cell measures
    latency (one client: one post at a time); those ratios are shown as "info"."""
    best = isso_best(cells)
    load = max(c.clients for c in cells)
    lines = []
    for c in cells:
        if not c.label.startswith("ours") or c.akismet == "no key":
            continue
        peer = best[(c.method, c.clients)].result.rps
        ratio = c.result.rps / peer if peer else float("inf")  # Isso answered none in time
        verdict = None
        if c.method == "GET" and c.akismet == "0 ms":
            verdict = (f"GET ≥ 5× Isso: {ratio:.2f}×", ratio >= 5)
        elif c.method == "POST" and c.akismet == "0 ms":
            verdict = (f"POST ≥ 3× Isso (Akismet at once): {ratio:.2f}×", ratio >= 3)
        elif c.method == "POST" and c.akismet == "50 ms" and c.clients == load:
            verdict = (f"POST ≥ 300 req/s (Akismet 50 ms): {c.result.rps:.0f}",
                       c.result.rps >= 300)  # fmt: skip
        if verdict:
            text, met = verdict
            if c.clients == load:
                mark = "met   " if met else "MISSED"
            else:
                mark = "info  "
                text += " (at or above the goal's ratio)" if met else " (below the goal's ratio)"
            lines.append(f"{mark}  {c.label}, {c.clients:>2} clients: {text}")
    return lines


# --- the run -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, under a minute")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seconds", type=int, default=8, help="length of each cell")
    parser.add_argument(
        "--comment",
        choices=sorted(loadgen.COMMENTS),
        default="long",
        help="comment text: long (two paragraphs, ~300 bytes, the default) or short (one line)",
    )
    parser.add_argument(
        "--fake",
        choices=("lean", "tests"),
        default="lean",
        help="the fake Akismet: lean (bench/fake_akismet.py, the default) or the tests' one",
    )
    parser.add_argument("--serve-tests-fake", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_tests_fake:
        return serve_tests_fake(args.serve_tests_fake)
    global FAKE
    FAKE = args.fake
    # Ctrl-C (even when started with SIGINT ignored), SIGTERM and SIGHUP all unwind, so
    # every server started is stopped
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.default_int_handler)
    started = datetime.now(UTC)
    loadgen.COMMENT = args.comment
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    if args.quick:
        bench = Bench(seconds=1, clients=(1, 50), per_thread=20)
    else:
        bench = Bench(seconds=args.seconds, clients=(1, 10, 50), per_thread=50)
    bench.disk_sync.append(disk_sync_us())
    print(
        f"{machine()}\ndisk: write + fsync of 4 KiB {bench.disk_sync[0]:.0f} µs (median)\n"
        f"load: {bench.wrk or 'Python generator (no wrk)'}; "
        f"{args.workers} worker processes each; {bench.seconds} s a cell\n",
        flush=True,
    )
    try:
        measure(bench, args.workers, quick=args.quick)
        with fake_akismet(0.0) as (akismet_url, _):
            cold = cold_start(akismet_url)
    finally:
        drop_postgres_schema()
    report(bench, cold, args, started)


def measure(bench: Bench, workers: int, quick: bool) -> None:
    def run_isso(label: str) -> None:
        with isso(label, workers) as server:
            bench.fill_and_check(server)
            bench.run(server, "none (Isso)")

    run_isso("Isso 0.14" if quick else "Isso 0.14, run 1")
    stores = {"SQLite": lambda: f"sqlite:///{WORK}/ours.sqlite3", "PostgreSQL": reset_postgres}
    for store, make_url in stores.items():
        for delay in (0.0, 0.05):
            for path in WORK.glob("ours.sqlite3*"):
                path.unlink()
            with fake_akismet(delay) as (akismet_url, akismet_pgid):
                label = f"ours {store}"
                with ours(label, make_url(), akismet_url, workers) as server:
                    server.helpers["akismet"] = akismet_pgid
                    if store == "PostgreSQL":
                        server.helpers["postgres"] = "postgres"
                    bench.fill_and_check(server)
                    first_cell = len(bench.cells)
                    bench.run(server, f"{int(delay * 1000)} ms")
                    bench.verify_ours(server, akismet_url, first_cell)
    if quick:
        return
    # What the Akismet round trip costs: ours with no key (comments held, unchecked)
    for path in WORK.glob("ours.sqlite3*"):
        path.unlink()
    with ours("ours SQLite", f"sqlite:///{WORK}/ours.sqlite3", None, workers) as server:
        bench.run(server, "no key", methods=("POST",))
    # `newsroom serve` is one process: does one worker keep 300 POST/s at 50 ms?
    for path in WORK.glob("ours.sqlite3*"):
        path.unlink()
    with fake_akismet(0.05) as (akismet_url, akismet_pgid):
        database = f"sqlite:///{WORK}/ours.sqlite3"
        with ours("ours SQLite, 1 worker", database, akismet_url, 1) as server:
            server.helpers["akismet"] = akismet_pgid
            bench.run(server, "50 ms", methods=("POST",), clients_list=(10, 50))
    run_isso("Isso 0.14, run 2")


def report(bench: Bench, cold: dict, args, started: datetime) -> None:
    print(f"\n{started:%Y-%m-%d %H:%M} UTC; commit {revision()}; {machine()}")
    bench.disk_sync.append(disk_sync_us())
    print("disk: write + fsync of 4 KiB, median µs at the start and at the end: "
          + ", ".join(f"{us:.0f}" for us in bench.disk_sync))  # fmt: skip
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"load: {bench.wrk or 'Python generator'}; {args.workers} worker processes each; "
          f"{bench.seconds} s a cell; {args.comment} comments "
          f"({len(loadgen.comment_text(10**8, loadgen.slug(0)).encode())} bytes), "
          f"a unique one on every POST; fake Akismet: {FAKE}\n")  # fmt: skip
    print("\n".join(table(bench.cells)))
    print("\nchecks:")
    for line in bench.checks:
        print("  " + line)
    print("\ngoals (issue 3), against the better of Isso's runs:")
    for line in goals(bench.cells):
        print("  " + line)
    print("\nLambda entry, cold (SQLite store; best of 3 fresh processes):")
    print(f"  python -X importtime -c 'import newsroom.lambda_handler': "
          f"{cold['import_lambda_handler_ms']:.1f} ms")  # fmt: skip
    for key, title in (("GET", "cold GET"), ("POST", "cold POST")):
        c = cold[key]
        top = ", ".join(f"{name} {ms:.0f}" for name, ms in c["top"])
        print(f"  {title}: status {c['status']}, {c['ms']:.0f} ms to answer, imports "
              f"{c['imports_ms']:.0f} ms (top: {top}); imported of {'/'.join(HEAVY)}: "
              f"{c['heavy'] or 'none'}")  # fmt: skip


if __name__ == "__main__":
    main()
