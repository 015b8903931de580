"""What a test needs from the machine: skipped for a newcomer, a failure under CI."""

import os

import pytest


def require(condition: bool, reason: str) -> None:
    """Skip for a newcomer without the tool; under CI (CI=true) a missing tool fails."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
