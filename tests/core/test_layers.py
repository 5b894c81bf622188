"""The layers import one way: presentation (ui, app.py) -> ingest / recommender -> kb.

Read from the source with `ast`, so a late import inside a function counts as much as one at
the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("kb", "ingest", "recommender", "ui")
# What each layer may import from this project (itself included).
ALLOWED = {
    "kb": {"kb"},
    "ingest": {"kb", "ingest"},
    "recommender": {"kb", "recommender"},
    "ui": {"kb", "ingest", "recommender", "ui"},
}


def project_imports(path: Path) -> set[str]:
    """The top-level project packages a module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(PACKAGES)
    return found


def modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_a_layer_imports_only_what_lies_beneath_it(package: str) -> None:
    wrong = {
        str(path.relative_to(REPO)): sorted(project_imports(path) - ALLOWED[package])
        for path in modules(package)
    }
    assert not {k: v for k, v in wrong.items() if v}


def test_the_rule_sees_a_backwards_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from recommender.service import Recommender\n")
    assert project_imports(module) == {"recommender"}


def test_the_page_entry_point_is_presentation() -> None:
    assert project_imports(REPO / "app.py") <= ALLOWED["ui"]
