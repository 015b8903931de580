"""The `newsroom` command, run as an operator runs it: a process of its own."""

import subprocess
import sys


def newsroom(*args: str, env=None, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsroom.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
