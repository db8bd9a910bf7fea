"""The layer rules hold: pyproject's import-linter contracts, and no import cycle anywhere at run time.

The top-level ``training/`` folder installs as ``u2studio.training`` (a package-dir mapping). import-linter and
grimp find modules by walking a package's folder, so both run over a copy of the tree laid out the way it is
installed: ``u2studio/`` with ``training/`` placed inside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package as installed, with pyproject.toml beside it for import-linter's contracts."""
    tree = tmp_path_factory.mktemp("layout")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "u2studio", tree / "u2studio", ignore=ignore)
    shutil.copytree(ROOT / "training", tree / "u2studio" / "training", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _run_in_tree(tree: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(tree), "PATH": str(Path(sys.executable).parent)}
    return subprocess.run(list(argv), capture_output=True, text=True, cwd=tree, env=env)


def test_import_contracts_hold(installed_tree: Path) -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = _run_in_tree(installed_tree, str(lint), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout
    # every contract named in pyproject ran (a contract over a module that does not exist would error out)
    assert result.stdout.count("KEPT") >= 5, result.stdout


CYCLE_CHECK = r"""
import sys
import grimp

graph = grimp.build_graph("u2studio", exclude_type_checking_imports=True, cache_dir=None)
modules = sorted(graph.modules)
assert "u2studio.training.trainer" in modules, "the training package was not scanned"
edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
# Tarjan's strongly connected components, iteratively
index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
for root in modules:
    if root in index:
        continue
    work = [(root, 0)]
    while work:
        node, i = work.pop()
        if i == 0:
            index[node] = low[node] = counter[0]; counter[0] += 1
            stack.append(node); on.add(node)
        nxt = edges.get(node, [])
        if i < len(nxt):
            work.append((node, i + 1))
            child = nxt[i]
            if child not in index:
                work.append((child, 0))
            elif child in on:
                low[node] = min(low[node], index[child])
            continue
        if low[node] == index[node]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == node:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
        if work:
            parent = work[-1][0]
            low[parent] = min(low[parent], low[node])
print(len(modules))
for comp in out:
    print("CYCLE", " <-> ".join(comp))
"""


def test_no_import_cycles(installed_tree: Path) -> None:
    """No two modules import each other, directly or through others, outside ``TYPE_CHECKING`` blocks."""
    result = _run_in_tree(installed_tree, sys.executable, "-c", CYCLE_CHECK)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[0]) > 100
    cycles = [line for line in result.stdout.splitlines() if line.startswith("CYCLE")]
    assert not cycles, "\n".join(cycles)


def test_gui_top_level_holds_only_the_entry() -> None:
    """The GUI is organised by feature: its top level holds only the package face and the application entry."""
    top = sorted(p.name for p in (ROOT / "u2studio" / "gui").glob("*.py"))
    assert top == ["__init__.py", "app.py"]
