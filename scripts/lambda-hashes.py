#!/usr/bin/env python3
"""Write the sha256 of every wheel the Lambda zip may take into the pins file.

`newsroom package lambda` installs with --require-hashes: a wheel that is not the one
pinned here (another index, a mirror, a replaced file) stops the build. Run this after
changing a version in newsroom/cli/lambda_requirements.txt:

    .venv/bin/python scripts/lambda-hashes.py

It downloads each pinned wheel for both architectures into a temporary folder.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PINS = Path(__file__).resolve().parents[1] / "newsroom/cli/lambda_requirements.txt"
PLATFORMS = ("manylinux2014_aarch64", "manylinux2014_x86_64")


def main() -> int:
    text = PINS.read_text()
    lines = text.splitlines()
    header = lines[: next(k for k, line in enumerate(lines) if not line.startswith("#"))]
    body = re.sub(r"\\\n\s*", " ", text)
    pins = [
        line.split()[0] for line in body.splitlines() if line.strip() and not line.startswith("#")
    ]
    comments = _comments_before(text)
    with tempfile.TemporaryDirectory() as folder:
        for platform in PLATFORMS:
            subprocess.run(
                [
                    *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                    *("--only-binary=:all:", "--platform", platform, "--implementation", "cp"),
                    *("--python-version", "311", "--abi", "cp311", "--dest", folder, *pins),
                ],
                check=True,
            )
        hashes: dict[str, set[str]] = {}
        for wheel in Path(folder).glob("*.whl"):
            name = _normal(wheel.name.split("-")[0])
            hashes.setdefault(name, set()).add(hashlib.sha256(wheel.read_bytes()).hexdigest())
    written = [*header, ""]
    for pin in pins:
        written += comments.get(pin, [])
        found = sorted(hashes[_normal(pin.split("==")[0])])
        written.append(pin + " \\")
        written += [
            f"    --hash=sha256:{digest}" + (" \\" if k < len(found) - 1 else "")
            for k, digest in enumerate(found)
        ]
    PINS.write_text("\n".join(written) + "\n")
    print(f"{PINS}: {len(pins)} pins, {sum(map(len, hashes.values()))} wheels")
    return 0


def _comments_before(text: str) -> dict[str, list[str]]:
    """Comment lines that stand just above a pin (why it is pinned so) are kept with it."""
    kept: dict[str, list[str]] = {}
    waiting: list[str] = []
    seen_pin = False
    for line in text.splitlines():
        if line.startswith("#"):
            if seen_pin:
                waiting.append(line)
        elif line.strip() and not line.startswith(" "):
            seen_pin = True
            kept[line.split()[0]] = waiting
            waiting = []
    return kept


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


if __name__ == "__main__":
    sys.exit(main())
