"""Bounded load on loopback: N keep-alive clients asking as fast as answers come, for a
fixed time, and what it cost each process (CPU seconds from /proc).

`wrk` (C) is used when present (installed with apt-get when missing and we are root), so
the load generator takes as little of the two cores as possible; otherwise a Python
generator (asyncio + httpx) does the same work, more slowly. Every request is built by
`Requests`, so both generators send the same bytes.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

THREAD_COUNT = 20
TICKS = os.sysconf("SC_CLK_TCK")


def client(url: str, clients: int) -> httpx.AsyncClient:
    """Keep-alive connections and no cookie jar: Isso sets a cookie for every comment
    posted, and sending them all back soon overflows gunicorn's header limit (wrk keeps
    no cookies either)."""
    no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    return httpx.AsyncClient(base_url=url, timeout=30, limits=limits, cookies=no_cookies)


def slug(n: int) -> str:
    return f"bench-thread-{n % THREAD_COUNT}"


# The text after "Comment N on SLUG": Isso renders Markdown on every read, so its GET
# costs grow with the text; ours renders once, when the comment is stored.
COMMENTS = {
    "long": (
        ". I read the article twice and I think the figures in the third paragraph deserve "
        "a *second look*: the totals do not add up.\n\nCould the editors say where the "
        "numbers come from? A link to the source would help readers check them."
    ),
    "short": ": a reasonable remark.",
}
COMMENT = "long"


def comment_text(n: int, thread: str) -> str:
    """A unique comment: "long" is two short paragraphs with an emphasis (~300 bytes)."""
    return f"Comment {n} on {thread}{COMMENTS[COMMENT]}"


@dataclass(frozen=True)
class Requests:
    """How one server is asked for a thread and given a comment: "ours" or "isso"."""

    style: str

    def get_path(self, thread: str) -> str:
        if self.style == "ours":
            return f"/api/comments?thread={thread}"
        return f"/?uri=/articles/{thread}/"

    def post_path(self, thread: str) -> str:
        return "/api/comments" if self.style == "ours" else f"/new?uri=/articles/{thread}/"

    def post_body(self, n: int) -> dict:
        thread = slug(n)
        fields = {"author": f"Reader {n}", "email": f"reader{n}@example.org"}
        text = comment_text(n, thread)
        if self.style == "ours":
            return {"thread": thread, **fields, "body": text}
        # Isso fetches the article to learn a new thread's title unless one is sent.
        return {"text": text, **fields, "title": f"Title of {thread}"}


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers, and requests that got no answer
    generator_cpu: float  # CPU seconds the load generator used

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


# --- CPU accounting ----------------------------------------------------------------------


def cpu_seconds(pgid: int | None = None, command: str | None = None) -> float:
    """User + system CPU of the live processes in a process group, or with a command name."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is field 3 of proc(5): pgrp is [2], utime [11], stime [12]
        if (pgid is not None and int(fields[2]) == pgid) or (command and name == command):
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def machine_cpu() -> dict[str, float]:
    """CPU seconds the whole machine has been busy, and stolen by the hypervisor (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return {"busy": (user + nice + system + irq + softirq) / TICKS, "steal": steal / TICKS}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- wrk ---------------------------------------------------------------------------------

WRK_SCRIPT = r"""
local method, style, offset, threads = "%(method)s", "%(style)s", %(offset)d, %(threads)d
local counter, id, number = 0, 0, 0
setup = function(thread) number = number + 1; thread:set("id", number) end
init = function(args) id = tonumber(wrk.thread:get("id")) end
local function text(n, slug)
  return "Comment " .. n .. " on " .. slug .. [[%(text_rest)s]]
end
request = function()
  counter = counter + 1
  local n = offset + id * 10000000 + counter
  local slug = "bench-thread-" .. (n %% threads)
  if method == "GET" then
    if style == "ours" then return wrk.format("GET", "/api/comments?thread=" .. slug) end
    return wrk.format("GET", "/?uri=/articles/" .. slug .. "/")
  end
  local who = '"author":"Reader ' .. n .. '","email":"reader' .. n .. '@example.org"'
  local headers = {["Content-Type"] = "application/json"}
  if style == "ours" then
    local body = '{"thread":"' .. slug .. '",' .. who .. ',"body":"' .. text(n, slug) .. '"}'
    return wrk.format("POST", "/api/comments", headers, body)
  end
  local body = '{"text":"' .. text(n, slug) .. '",' .. who .. ',"title":"Title of ' ..
    slug .. '"}'
  return wrk.format("POST", "/new?uri=/articles/" .. slug .. "/", headers, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%f %%f %%f %%d %%d\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def ensure_wrk() -> str | None:
    """The path of wrk; installed from Debian's packages when missing and allowed."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing it with apt-get", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for step in ([install], [["apt-get", "update", "-q"], install]):
            try:
                for command in step:
                    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
                break
            except (subprocess.SubprocessError, OSError):
                continue
    return shutil.which("wrk")


def _wrk_text_rest() -> str:
    """The comment after "Comment N on SLUG", JSON-escaped, for a Lua long string."""
    rest = json.dumps(COMMENTS[COMMENT])[1:-1]
    assert "]]" not in rest
    return rest


def run_wrk(
    wrk: str, url: str, requests: Requests, method: str, clients: int, seconds: float,
    offset: int, work: Path,
) -> Result:  # fmt: skip
    script = work / f"wrk-{requests.style}-{method}.lua"
    values = {"method": method, "style": requests.style, "offset": offset,
              "threads": THREAD_COUNT, "text_rest": _wrk_text_rest()}  # fmt: skip
    script.write_text(WRK_SCRIPT % values)
    command = [wrk, "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds:g}s",
               "--timeout", "10s", "-s", str(script), url]  # fmt: skip
    cpu_before = children_cpu()
    run = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    cpu = children_cpu() - cpu_before
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT")]
    if not lines:
        raise RuntimeError(f"wrk failed against {url}: {run.stdout}{run.stderr}")
    count, duration, p50, p99, bad_status, socket_errors = lines[0].split()[1:]
    return Result(int(count), float(duration), float(p50), float(p99),
                  int(bad_status) + int(socket_errors), cpu)  # fmt: skip


# --- the Python generator ----------------------------------------------------------------


async def _python_load(
    url: str, requests: Requests, method: str, clients: int, seconds: float, offset: int
) -> Result:
    latencies: list[float] = []
    errors = 0
    counter = 0
    async with client(url, clients) as session:
        stop_at = time.perf_counter() + seconds

        async def one_client(client_id: int) -> None:
            nonlocal errors, counter
            while time.perf_counter() < stop_at:
                counter += 1
                n = offset + client_id * 10_000_000 + counter
                began = time.perf_counter()
                try:
                    if method == "GET":
                        answer = await session.get(requests.get_path(slug(n)))
                    else:
                        answer = await session.post(
                            requests.post_path(slug(n)), json=requests.post_body(n)
                        )
                    errors += not 200 <= answer.status_code < 300
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        cpu_before = time.process_time()
        await asyncio.gather(*(one_client(i + 1) for i in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return Result(
        len(latencies),
        elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        errors,
        time.process_time() - cpu_before,
    )


def run_python(
    url: str, requests: Requests, method: str, clients: int, seconds: float, offset: int
) -> Result:
    return asyncio.run(_python_load(url, requests, method, clients, seconds, offset))


def preload(url: str, requests: Requests, per_thread: int, offset: int = 0) -> int:
    """Fill a server with `per_thread` comments on every thread, 20 posts at a time;
    returns how many were acknowledged."""

    async def fill() -> int:
        ok = 0
        async with client(url, THREAD_COUNT) as session:
            for round_ in range(per_thread):
                numbers = [offset + round_ * THREAD_COUNT + t for t in range(THREAD_COUNT)]
                answers = await asyncio.gather(
                    *(session.post(requests.post_path(slug(n)), json=requests.post_body(n))
                      for n in numbers)
                )  # fmt: skip
                ok += sum(200 <= a.status_code < 300 for a in answers)
        return ok

    return asyncio.run(fill())
