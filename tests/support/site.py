"""Build real Pelican sites in temporary folders, with the project's settings and plugins."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_96bea4abdf1c368b.txt"
REPO_SEED = ROOT / "seeds" / "000_96bea4abdf1c368b.txt"
PROJECT_FILES = ("pelicanconf.py", "publishconf.py", "plugins", "theme")


@dataclass
class BuiltSite:
    root: Path
    log: str

    @property
    def output(self) -> Path:
        return self.root / "output"

    def text(self, path: str) -> str:
        return (self.output / path).read_text(encoding="utf-8")

    def page(self, path: str) -> BeautifulSoup:
        """The page parsed as a browser would (html5lib)."""
        return BeautifulSoup(self.text(path), "html5lib")

    def article(self, slug: str) -> BeautifulSoup:
        return self.page(f"articles/{slug}/index.html")


def make_project(root: Path, seeds: dict[str, bytes | str], content: dict[str, str]) -> Path:
    """A project folder with our settings, plugins and theme, and the given articles."""
    root.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / name)
    for folder, files in (("seeds", seeds), ("content", content)):
        (root / folder).mkdir(exist_ok=True)
        for name, data in files.items():
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                data = data.encode("utf-8")
            path.write_bytes(data)
    return root


def demo_project(root: Path) -> Path:
    """A copy of this project's own site: its settings, theme, seeds and content."""
    make_project(root, {}, {})
    for folder in ("seeds", "content"):
        shutil.rmtree(root / folder)
        shutil.copytree(ROOT / folder, root / folder)
    return root


def build(
    root: Path, settings: str = "pelicanconf.py", env: dict | None = None, args=None
) -> BuiltSite:
    result = subprocess.run(
        [sys.executable, "-m", "pelican", "-s", settings, *(args or [])],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    return BuiltSite(root, log)


@pytest.fixture
def build_site(tmp_path):
    """build_site(seeds={...}, content={...}) -> BuiltSite, built with `pelican` for real."""

    def _build(seeds=None, content=None, **kwargs) -> BuiltSite:
        root = make_project(tmp_path / "site", seeds or {}, content or {})
        return build(root, **kwargs)

    return _build


@pytest.fixture(scope="session")
def seed_article_bytes() -> bytes:
    return (SHARED_SEED if SHARED_SEED.exists() else REPO_SEED).read_bytes()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """The demo project as `make html` builds it, once per test module."""
    return build(demo_project(tmp_path_factory.mktemp("demo")))
