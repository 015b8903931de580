"""`newsroom package lambda`: the zip, its pins, and the zip run by AWS's own runtime client.

The x86_64 zip is unpacked and run the way Lambda runs it: a fresh interpreter (-I -S)
whose only import path beyond the standard library is the unpacked zip and a folder
holding the real `awslambdaric`, against a Runtime API served on loopback, with the
store on the PostgreSQL server of 127.0.0.1 and Akismet faked on loopback. The arm64
zip is checked by its wheels' platform tags and its shared objects' machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from newsroom.cli import lambda_package
from newsroom.cli.lambda_package import PackageError
from tests.support.keys import TEST_SECRET_KEY
from tests.support.lambda_events import COMMENT, V2_EVENTS, sample, v1_event, v2_event
from tests.support.lambda_runtime import serve_runtime_api
from tests.support.service import ROOT, THREAD, write_manifest

pytestmark = pytest.mark.slow

RUNTIME_CLIENT = "awslambdaric==4.2.2"
SIZE_AIM = 15_000_000  # bytes: the aim for the zip
ELF_MACHINES = {"x86_64": 62, "arm64": 183}  # e_machine: EM_X86_64, EM_AARCH64
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    """Both zips, built once for the module; x86_64 ships a build's threads.json."""
    folder = tmp_path_factory.mktemp("packages")
    threads = write_manifest(folder / "threads.json")
    built = {
        arch: lambda_package.build(
            arch, folder / f"{arch}.zip", threads if arch == "x86_64" else None
        ).path
        for arch in lambda_package.PLATFORMS
    }
    return built | {"threads": threads}


def test_the_zip_holds_the_service_and_nothing_else(packages):
    names = zipfile.ZipFile(packages["x86_64"]).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {"newsroom", "starlette", "mangum", "akismet", "psycopg", "nh3"} <= tops
    for absent in ("pelican", "uvicorn", "tests", "theme", "bench", "pytest", "bin"):
        assert absent not in tops
    ours = {name for name in names if name.startswith("newsroom/")}
    for absent in ("site/", "cli/", "articles/", "service/server.py", "service/slow_clients"):
        assert not any(name.startswith(f"newsroom/{absent}") for name in ours), absent
    assert "newsroom/comments/templates/comment_form.html" in ours
    assert {"newsroom/service/console/static/console.js",
            "newsroom/service/console/templates/queue.html"} <= ours  # fmt: skip
    assert "newsroom/service/__pycache__/app.cpython-311.pyc" in ours  # compiled ahead
    assert "threads.json" in names
    assert packages["x86_64"].stat().st_size <= SIZE_AIM
    print(f"\nLambda zip: {packages['x86_64'].stat().st_size / 1e6:.1f} MB (x86_64)")


def test_a_wheel_that_is_not_the_pinned_one_is_refused(tmp_path):
    kept = lambda_package.PINS.read_text().replace("\\\n", " ").splitlines()
    sniffio = next(line for line in kept if line.startswith("sniffio"))
    pins = tmp_path / "pins.txt"
    pins.write_text(sniffio.split(" --hash")[0] + " --hash=sha256:" + "0" * 64 + "\n")
    with pytest.raises(PackageError, match="pip could not install"):
        lambda_package.build("x86_64", tmp_path / "out.zip", pins=pins)


def test_the_same_inputs_make_the_same_zip(packages, tmp_path):
    again = lambda_package.build("x86_64", tmp_path / "again.zip", packages["threads"]).path
    assert again.read_bytes() == packages["x86_64"].read_bytes()


def test_both_architectures_get_the_same_versions_and_their_own_wheels(packages):
    kept = {arch: _wheels(packages[arch]) for arch in lambda_package.PLATFORMS}
    assert {n: v for n, (v, _) in kept["arm64"].items()} == {
        n: v for n, (v, _) in kept["x86_64"].items()
    }
    for arch, machine in (("arm64", "aarch64"), ("x86_64", "x86_64")):
        for name, (_, tags) in kept[arch].items():
            assert any(_runs_on_amazon_linux_2(tag, machine) for tag in tags), (arch, name, tags)
        archive = zipfile.ZipFile(packages[arch])
        shared = [n for n in archive.namelist() if ".so" in Path(n).suffixes]
        assert shared
        for name in shared:
            header = archive.read(name)[:20]
            assert header[:4] == b"\x7fELF"
            assert int.from_bytes(header[18:20], "little") == ELF_MACHINES[arch], name


GLIBC_OF = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
AMAZON_LINUX_2_GLIBC = (2, 26)  # Lambda's python3.11 runtime


def _runs_on_amazon_linux_2(tag: str, machine: str) -> bool:
    platform = tag.split("-")[2]
    if platform == "any":
        return True
    family, _, rest = platform.partition("_")
    if not rest.endswith(machine):
        return False
    if family in GLIBC_OF:
        return GLIBC_OF[family] <= AMAZON_LINUX_2_GLIBC
    major, minor = rest.removesuffix(f"_{machine}").split("_")
    return family == "manylinux" and (int(major), int(minor)) <= AMAZON_LINUX_2_GLIBC


def test_the_platform_rule():
    assert _runs_on_amazon_linux_2("cp311-cp311-manylinux2014_aarch64", "aarch64")
    assert _runs_on_amazon_linux_2("cp311-cp311-manylinux_2_17_aarch64", "aarch64")
    assert _runs_on_amazon_linux_2("py3-none-any", "aarch64")
    assert not _runs_on_amazon_linux_2("cp311-cp311-manylinux_2_28_aarch64", "aarch64")
    assert not _runs_on_amazon_linux_2("cp311-cp311-manylinux2014_x86_64", "aarch64")


def _wheels(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Each installed distribution: its version and the tags of the wheel it came from."""
    archive = zipfile.ZipFile(path)
    found = {}
    for name in archive.namelist():
        if name.endswith(".dist-info/WHEEL"):
            folder = name.split("/")[0].removesuffix(".dist-info")
            dist, version = folder.rsplit("-", 1)
            lines = archive.read(name).decode().splitlines()
            tags = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]
            found[canonicalize_name(dist)] = (version, tags)
    return found


def test_the_pins_satisfy_what_pyproject_asks_for():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["postgres"]
    pins = {}
    for line in lambda_package.PINS.read_text().replace("\\\n", " ").splitlines():
        if line.strip() and not line.startswith("#"):
            assert "--hash=sha256:" in line, line  # every wheel is known by its hash
            pin = Requirement(line.split(" --hash")[0])
            pins[canonicalize_name(pin.name)] = next(iter(pin.specifier)).version
    for line in wanted:
        needed = Requirement(line)
        assert canonicalize_name(needed.name) in pins, f"{needed.name} is not pinned"
        assert needed.specifier.contains(pins[canonicalize_name(needed.name)]), line
    assert "psycopg-binary" in pins  # psycopg[binary]'s extra, pinned by itself


def test_a_pin_file_that_misses_a_dependency_is_refused(tmp_path):
    pins = tmp_path / "pins.txt"
    kept = lambda_package.PINS.read_text().replace("\\\n", " ").splitlines()
    # anyio needs idna (and typing-extensions), which this file leaves out
    pins.write_text("\n".join(line for line in kept if line.startswith(("anyio", "sniffio"))))
    with pytest.raises(PackageError, match="anyio needs idna"):
        lambda_package.build("x86_64", tmp_path / "out.zip", pins=pins)
    assert not (tmp_path / "out.zip").exists()


def test_the_command_names_what_is_wrong(tmp_path, capsys):
    from newsroom.cli import main

    missing = tmp_path / "none.json"
    output = ["--output", str(tmp_path / "lambda.zip")]
    assert main(["package", "lambda", "--threads", str(missing), *output]) == 1
    assert f"no threads.json at {missing}" in capsys.readouterr().err


# The runtime client, run the way Lambda's python3.11 bootstrap runs it.
START = """
import sys
sys.path[:0] = [{task!r}, {runtime!r}]
from awslambdaric.__main__ import main
main(["awslambdaric", "newsroom.lambda_handler.handler"])
"""


def test_the_zip_answers_every_kind_of_event_under_the_lambda_runtime_client(
    packages, tmp_path, postgres_url, fake_akismet
):
    task, runtime = tmp_path / "task", tmp_path / "runtime"
    zipfile.ZipFile(packages["x86_64"]).extractall(task)
    _install_runtime_client(runtime)
    api, server = serve_runtime_api()
    events = _events()
    for number, (event, _) in enumerate(events):
        api.invoke(f"request-{number}", event)
    env = {
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "LAMBDA_TASK_ROOT": str(task),
        "AWS_LAMBDA_FUNCTION_NAME": "newsroom",
        "AWS_REGION": "eu-west-1",
        "NEWSROOM_DATABASE_URL": postgres_url,
        "NEWSROOM_SECRET_KEY": TEST_SECRET_KEY,
        "NEWSROOM_THREADS": str(task / "threads.json"),
        "NEWSROOM_RATE_LIMIT": "0",
        **fake_akismet.env(),
    }
    started = time.monotonic()
    client = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", START.format(task=str(task), runtime=str(runtime))],
        cwd=task,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        api.wait_for(len(events), timeout=60)
        peak = _peak_memory(client.pid)
    finally:
        api.stopping.set()
        client.terminate()
        log = client.communicate(timeout=10)[0].decode(errors="replace")
        server.shutdown()
    assert api.errors == {}, log
    for number, (_, check) in enumerate(events):
        check(api.answers[f"request-{number}"])
    _check_stored(postgres_url)
    assert "unknown kind" in log
    print(
        f"\nCold start under awslambdaric: init {1000 * (api.first_poll - started):.0f} ms,"
        f" first answer {1000 * (api.first_answer - started):.0f} ms after the process began;"
        f" peak memory {peak}"
    )


def _peak_memory(pid: int) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def _install_runtime_client(folder: Path) -> None:
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--only-binary=:all:", "--target", str(folder), RUNTIME_CLIENT),
        ],
        check=True,
        capture_output=True,
    )


POSTED_THROUGH = [*V2_EVENTS, "apiGatewayProxyEvent.json", "albEvent.json"]


def _events() -> list[tuple[object, object]]:
    """(event, check of its answer) for each AWS sample, the schedules and strangers."""
    made = []
    for name in POSTED_THROUGH:
        comment = COMMENT | {"body": f"Posted through {name}"}
        build = v1_event if name in ("apiGatewayProxyEvent.json", "albEvent.json") else v2_event
        made.append((build(name, "POST", "/api/comments", body=comment, headers=JSON), _accepted))
    query = urlencode({"thread": THREAD})
    listing = v2_event("apiGatewayProxyV2Event_GET.json", "GET", "/api/comments", query)
    made.append((listing, _nothing_published))
    made.append(({"job": "purge"}, _ran("purge")))
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    made.append((scheduled, _ran("recheck", "purge", "publish", "mail")))
    made.append(({"job": "nope"}, _refused("unknown job")))
    made.append(({"something": "else"}, _refused("unknown event")))
    made.append((42, _refused("unknown event")))
    return made


def _accepted(answer) -> None:
    assert answer["statusCode"] == 202, answer
    assert '"status":"pending"' in answer["body"].replace(" ", "")


def _nothing_published(answer) -> None:
    assert answer["statusCode"] == 200, answer
    assert '"count":0' in answer["body"].replace(" ", "")


def _ran(*jobs):
    def check(answer) -> None:
        assert sorted(answer["jobs"]) == sorted(jobs), answer

    return check


def _refused(error: str):
    def check(answer) -> None:
        assert answer == {"error": error}

    return check


def _check_stored(url: str) -> None:
    from newsroom.comments.store import open_store

    store = open_store(url)
    try:
        stored = {c["body"]: c for c in store.export()}
    finally:
        store.close()
    for name in POSTED_THROUGH:
        comment = stored[f"Posted through {name}"]
        assert comment["akismet"] == "ham" and comment["status"] == "pending"
        source = sample(name)
        if name == "albEvent.json":
            continue  # the balancer's address comes from X-Forwarded-For, absent here
        context = source["requestContext"]
        ip = context["http"]["sourceIp"] if "http" in context else context["identity"]["sourceIp"]
        assert comment["ip"] == ip.split("/")[0]
