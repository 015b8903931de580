"""The plugins stay thin registrations: they import Pelican and newsroom.site, no deeper.

The layers inside newsroom/ are checked by import-linter (pyproject.toml, `make lint`);
plugins/ is not a package, so its rule is checked here.
"""

import ast
from pathlib import Path

import pytest

PLUGINS = sorted((Path(__file__).resolve().parents[2] / "plugins").glob("*.py"))
ALLOWED = ("logging", "markupsafe", "pelican", "newsroom.site")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PLUGINS, ids=lambda path: path.stem)
def test_a_plugin_imports_only_pelican_and_the_site_layer(path):
    stray = {
        name
        for name in imported(path)
        if not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED)
    }
    assert not stray, f"{path.name} imports {sorted(stray)}: move that logic to newsroom.site"


def test_every_plugin_registers():
    assert len(PLUGINS) == 5
    for path in PLUGINS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
        assert functions[-1] == "register", f"{path.name}: register() comes last"
