"""`newsroom package lambda`: the zip AWS Lambda runs, made of wheels for Lambda's platform.

Lambda's python3.11 runtime is Amazon Linux 2 (glibc 2.26): wheels are taken for
manylinux2014 (glibc 2.17) and never built here. Every package is pinned in
lambda_requirements.txt, the same pins for both architectures. The zip holds the
service's code and those packages, nothing else (no Pelican, uvicorn, tests or theme),
with bytecode compiled ahead: /var/task is read-only, so a module without its .pyc in the
zip is compiled again on every cold start.
"""

from __future__ import annotations

import compileall
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import newsroom

RUNTIME = (3, 11)  # the template's python3.11; the tests run on it too
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}  # platform_machine, for markers
PINS = Path(__file__).with_name("lambda_requirements.txt")
# Ours that Lambda never runs: the site build, this command line, the local server.
LEFT_OUT = (
    "site",
    "cli",
    "articles",
    "service/server.py",
    "service/slow_clients.py",
)
TASK_ROOT = "/var/task"  # where tracebacks say the code is
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same inputs make the same zip


class PackageError(Exception):
    """The package could not be built; the message says why."""


@dataclass(frozen=True)
class Package:
    path: Path
    size: int  # bytes, zipped
    unpacked: int  # bytes
    versions: dict[str, str]  # distribution name -> version

    def summary(self, arch: str) -> str:
        python = ".".join(map(str, RUNTIME))
        return (
            f"Wrote {self.path}: {self.size / 1e6:.1f} MB ({self.unpacked / 1e6:.1f} MB "
            f"unpacked), {len(self.versions)} packages for python{python} on {arch}."
        )


def build(arch: str, output: Path, threads: Path | None = None, pins: Path = PINS) -> Package:
    if arch not in PLATFORMS:
        raise PackageError(f"no architecture {arch!r} (choose {' or '.join(PLATFORMS)})")
    if threads is not None and not threads.is_file():
        raise PackageError(f"no threads.json at {threads}: build the site first (make html)")
    with tempfile.TemporaryDirectory(prefix="newsroom-lambda-") as folder:
        root = Path(folder)
        install_wheels(root, arch, pins)
        versions = check_complete(root, arch)
        copy_code(root / "newsroom")
        if threads is not None:
            shutil.copyfile(threads, root / "threads.json")
        shutil.rmtree(root / "bin", ignore_errors=True)  # console scripts: nothing runs them
        compile_bytecode(root)
        unpacked = write_zip(root, output)
    return Package(output, output.stat().st_size, unpacked, versions)


def install_wheels(root: Path, arch: str, pins: Path) -> None:
    python = "".join(map(str, RUNTIME))
    command = [
        *(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
        *("--no-deps", "--require-hashes", "--no-compile", "--only-binary=:all:"),
        *("--platform", PLATFORMS[arch], "--implementation", "cp"),
        *("--python-version", python, "--abi", f"cp{python}"),
        *("--target", str(root), "--requirement", str(pins)),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise PackageError("pip could not install the pinned wheels:\n  " + "\n  ".join(said))


def check_complete(root: Path, arch: str) -> dict[str, str]:
    """Every installed package's own requirements are installed too, in a matching version
    (pip ran with --no-deps, so a pin missing from the file would otherwise go unseen)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    installed = {
        canonicalize_name(dist.metadata["Name"]): dist
        for dist in metadata.distributions(path=[str(root)])
    }
    lambda_linux = {
        "python_version": ".".join(map(str, RUNTIME)),
        "python_full_version": ".".join(map(str, RUNTIME)) + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": MACHINES[arch],
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    missing = []
    for name, dist in installed.items():
        for line in dist.requires or ():
            needed = Requirement(line)
            if needed.marker is not None and not needed.marker.evaluate(lambda_linux):
                continue
            found = installed.get(canonicalize_name(needed.name))
            if found is None or not needed.specifier.contains(found.version, prereleases=True):
                have = f" (pinned {found.version})" if found else ""
                missing.append(f"{name} needs {needed}{have}")
    if missing:
        raise PackageError(f"{PINS.name} is incomplete: " + "; ".join(sorted(missing)))
    return {name: dist.version for name, dist in sorted(installed.items())}


def copy_code(target: Path) -> None:
    """Our modules and templates only: nothing else that lies in a checkout (a local
    database, an .env file) goes up, and no symbolic link is followed out of it."""
    source = Path(newsroom.__file__).parent
    left_out = {source / part for part in LEFT_OUT}
    for path in sorted(source.rglob("*")):
        if not _shipped(path, source) or any(
            path == out or out in path.parents for out in left_out
        ):
            continue
        copied = target / path.relative_to(source)
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copied)


def _shipped(path: Path, source: Path) -> bool:
    if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
        return False
    if path.suffix == ".py":
        return True
    if path.parent.name == "templates":
        return path.suffix == ".html"
    return path.parent.name == "static" and path.suffix in (".js", ".css", ".svg")


def compile_bytecode(root: Path) -> None:
    """Unchecked-hash .pyc files: zip times are rounded to 2 s, so a timestamp check could
    find the source newer and recompile on every cold start."""
    if sys.version_info[:2] != RUNTIME:
        return  # bytecode from another Python would be ignored; Lambda compiles at start
    compiled = compileall.compile_dir(
        root,
        quiet=2,
        ddir=TASK_ROOT,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not compiled:
        raise PackageError("some modules do not compile with this Python (see above)")


def write_zip(root: Path, output: Path) -> int:
    """The zip, written beside its place and moved there whole; returns the unpacked size."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    unpacked = 0
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_dir():
                continue
            entry = zipfile.ZipInfo(path.relative_to(root).as_posix(), ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = (0o100755 if ".so" in path.suffixes else 0o100644) << 16
            data = path.read_bytes()
            unpacked += len(data)
            archive.writestr(entry, data, compresslevel=9)
    partial.replace(output)
    return unpacked


def run(args) -> int:
    """The command: `newsroom package lambda [--arch A] [--output FILE] [--threads FILE]`."""
    output = args.output or Path("dist") / f"newsroom-lambda-{args.arch}.zip"
    try:
        built = build(args.arch, output, args.threads)
    except PackageError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 1
    print(built.summary(args.arch))
    return 0
