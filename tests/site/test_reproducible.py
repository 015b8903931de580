"""The same content makes the same site, byte for byte: the first step to publishing a
page at a time (issue 12) and a check that nothing in a build depends on chance.

Pelican finds its files as a set, ordered by string hashes that change with every
process; articles of the same second (seeds copied together) used to swap places. The
builds run with two different hash seeds, so an order that depends on them shows."""

import os
import shutil

from tests.support.site import build, demo_project


def _tree(folder) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_two_builds_of_the_same_seeds_write_the_same_bytes(tmp_path):
    root = demo_project(tmp_path / "site")
    body = sorted((root / "seeds").glob("*.txt"))[0].read_text().split("\n", 1)[1]
    same_second = 1_700_000_000
    for n in range(30):
        headline = "Two headlines alike" if n in (3, 17) else f"Headline number {n}"
        seed = root / "seeds" / f"{n:03d}_copied.txt"
        seed.write_text(f"{headline}\n{body}")  # no Date: line, so the file's time counts
        os.utime(seed, (same_second, same_second))
    trees = []
    for hash_seed in ("1", "2"):
        shutil.rmtree(root / "cache", ignore_errors=True)
        shutil.rmtree(root / "output", ignore_errors=True)
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "NEWSROOM_DATABASE_URL": f"sqlite:///{tmp_path}/comments.sqlite3"}  # fmt: skip
        build(root, env=env)
        trees.append(_tree(root / "output"))
    first, second = trees
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []
