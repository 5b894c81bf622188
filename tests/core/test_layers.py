"""The layers import one way: presentation (ui, app.py) -> ingest / learn / recommender -> kb.

`learn` (training, with torch) sits beside `ingest`: only the presentation layer hands it to an
ingest (`ui.build`), so reading documents never loads torch. Read from the source with `ast`,
so a late import inside a function counts as much as one at the top of a module; and, for
what a module pulls in indirectly, by importing it in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("kb", "ingest", "learn", "recommender", "ui")
# What each layer may import from this project (itself included).
ALLOWED = {
    "kb": {"kb"},
    "ingest": {"kb", "ingest"},
    "learn": {"kb", "learn"},
    "recommender": {"kb", "recommender"},
    "ui": {"kb", "ingest", "learn", "recommender", "ui"},
}
# What reading documents must never load: the training code and the libraries it trains with.
TRAINING = {"learn", "torch", "sentence_transformers"}


def project_imports(path: Path) -> set[str]:
    """The top-level project packages a module imports."""
    return imports(path) & set(PACKAGES)


def imports(path: Path) -> set[str]:
    """The top-level packages a module imports, of this project or not."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names}
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


def test_ingest_names_no_training_code() -> None:
    named = {str(p.relative_to(REPO)): sorted(imports(p) & TRAINING) for p in modules("ingest")}
    assert not {k: v for k, v in named.items() if v}


def test_importing_ingest_loads_no_training_code() -> None:
    names = [
        ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for p in modules("ingest")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(TRAINING)!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_page_entry_point_is_presentation() -> None:
    assert project_imports(REPO / "app.py") <= ALLOWED["ui"]
