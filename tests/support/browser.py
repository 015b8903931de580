"""Headless Chromium (Debian's package) driven by Playwright, and axe-core in the page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.needs import require

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("NEWSROOM_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    # Per module: Playwright's sync API keeps an event loop running in this thread while
    # the browser is open, which code under test (Mangum) must not find.
    path = chromium_path()
    require(path is not None, "Chromium is not installed (scripts/system-packages.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts(request) -> Path:
    """A folder for this test's screenshots; its path is printed in the test report."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


def axe_violations(page, selector: str | None = None) -> list[dict]:
    require(AXE.exists(), f"axe-core is not installed at {AXE} (make test installs it)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (selector) => {
            const context = selector ? document.querySelector(selector) : document;
            const result = await axe.run(context, {resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary)}));
        }""",
        selector,
    )
